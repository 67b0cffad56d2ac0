/* SPDX-License-Identifier: GPL-2.0 */
/* Prototypes of rust/helpers/uio.c: direct I/O: kiocbs and iov_iters. */
#ifndef FSRS_UIO_H
#define FSRS_UIO_H

#include <linux/types.h>

struct kiocb;
struct file;
struct iov_iter;

void fsrs_kiocb_init(struct kiocb *iocb, struct file *file, loff_t pos, bool write, void (*complete)(struct kiocb *, long));
ssize_t fsrs_iocb_read(struct file *file, struct kiocb *iocb, struct iov_iter *iter);
ssize_t fsrs_iocb_write(struct file *file, struct kiocb *iocb, struct iov_iter *iter);
void fsrs_kiocb_end_write(struct kiocb *iocb);
size_t fsrs_iov_iter_count(const struct iov_iter *iter);
void fsrs_iov_iter_truncate(struct iov_iter *iter, size_t count);
void fsrs_iov_iter_add_count(struct iov_iter *iter, size_t n);

#endif
