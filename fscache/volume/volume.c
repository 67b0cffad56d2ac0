// SPDX-License-Identifier: GPL-2.0
/* C shims of fscache.ko: a new volume's lockdep-keyed fields. */
#include <linux/fscache.h>
#include <linux/fscache-cache.h>
#include <linux/list_bl.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/sched.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include "../helpers.h"

/* The parts of a new volume that need lockdep keys or macros. */
void fsrs_volume_init(struct fscache_volume *volume, void (*fn)(struct work_struct *))
{
	INIT_LIST_HEAD(&volume->proc_link);
	INIT_HLIST_BL_NODE(&volume->hash_link);
	INIT_WORK(&volume->work, fn);
	spin_lock_init(&volume->lock);
}
