// SPDX-License-Identifier: GPL-2.0
/* C shims of fscache.ko: /proc/fs/fscache/caches and volumes as seq_file iterators. */
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

/*
 * /proc/fs/fscache/caches and volumes as seq_file iterators too, over the
 * registries proc/mod.rs indexes (oldest first), under fscache_addremove_sem
 * (shared) from start to stop, which is what guards the registries and
 * keeps their entries alive. Position 0 is the header.
 */
void *fsrs_proc_cache_at(loff_t n);		/* proc/mod.rs */
int fsrs_proc_cache_show(struct seq_file *m, void *cache);
void *fsrs_proc_volume_at(loff_t n);
int fsrs_proc_volume_show(struct seq_file *m, void *volume);

#define FSRS_REGISTRY_SEQ(name, at_fn, show_fn)					\
static void *name##_start(struct seq_file *m, loff_t *pos)			\
	__acquires(&fscache_addremove_sem)					\
{										\
	down_read(&fscache_addremove_sem);					\
	return *pos == 0 ? SEQ_START_TOKEN : at_fn(*pos - 1);			\
}										\
static void *name##_next(struct seq_file *m, void *v, loff_t *pos)		\
{										\
	++*pos;									\
	return at_fn(*pos - 1);							\
}										\
static void name##_stop(struct seq_file *m, void *v)				\
	__releases(&fscache_addremove_sem)					\
{										\
	up_read(&fscache_addremove_sem);					\
}										\
static int name##_show(struct seq_file *m, void *v)				\
{										\
	return show_fn(m, v == SEQ_START_TOKEN ? NULL : v);			\
}										\
static const struct seq_operations name##_ops = {				\
	.start	= name##_start,							\
	.next	= name##_next,							\
	.stop	= name##_stop,							\
	.show	= name##_show,							\
}

FSRS_REGISTRY_SEQ(fsrs_caches_seq, fsrs_proc_cache_at, fsrs_proc_cache_show);
FSRS_REGISTRY_SEQ(fsrs_volumes_seq, fsrs_proc_volume_at, fsrs_proc_volume_show);

struct proc_dir_entry *fsrs_proc_create_caches(const char *path)
{
	return proc_create_seq(path, S_IFREG | 0444, NULL, &fsrs_caches_seq_ops);
}

struct proc_dir_entry *fsrs_proc_create_volumes(const char *path)
{
	return proc_create_seq(path, S_IFREG | 0444, NULL, &fsrs_volumes_seq_ops);
}
