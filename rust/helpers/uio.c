// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for the kernel abstractions (rust/kext): direct I/O: kiocbs and
 * iov_iters. Static inlines and macros bindgen cannot bind; each is a plain
 * wrapper.
 */
#include <linux/fs.h>
#include <linux/ioprio.h>
#include <linux/sched/mm.h>
#include <linux/uio.h>
#include "../../include/fsrs_uio.h"

/* Direct I/O on a backing file. */

void fsrs_kiocb_init(struct kiocb *iocb, struct file *file, loff_t pos, bool write,
		    void (*complete)(struct kiocb *, long))
{
	memset(iocb, 0, sizeof(*iocb));
	iocb->ki_filp = file;
	iocb->ki_pos = pos;
	iocb->ki_flags = IOCB_DIRECT | (write ? IOCB_WRITE : 0);
	iocb->ki_ioprio = get_current_ioprio();
	iocb->ki_complete = complete;
}

ssize_t fsrs_iocb_read(struct file *file, struct kiocb *iocb, struct iov_iter *iter)
{
	unsigned int nofs = memalloc_nofs_save();
	ssize_t ret = vfs_iocb_iter_read(file, iocb, iter);

	memalloc_nofs_restore(nofs);
	return ret;
}

ssize_t fsrs_iocb_write(struct file *file, struct kiocb *iocb, struct iov_iter *iter)
{
	unsigned int nofs = memalloc_nofs_save();
	ssize_t ret = vfs_iocb_iter_write(file, iocb, iter);

	memalloc_nofs_restore(nofs);
	return ret;
}

void fsrs_kiocb_end_write(struct kiocb *iocb)
{
	kiocb_end_write(iocb);
}

size_t fsrs_iov_iter_count(const struct iov_iter *iter)
{
	return iov_iter_count(iter);
}

void fsrs_iov_iter_truncate(struct iov_iter *iter, size_t count)
{
	iov_iter_truncate(iter, count);
}

void fsrs_iov_iter_add_count(struct iov_iter *iter, size_t n)
{
	iter->count += n;
}
