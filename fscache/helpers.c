// SPDX-License-Identifier: GPL-2.0
/* C helpers of fscache.ko for static inlines and macros. */
#include <linux/fscache.h>
#include <linux/sched.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>
#include "helpers.h"

bool fsrs_refcount_inc_not_zero(refcount_t *r)
{
	return refcount_inc_not_zero(r);
}

/* Sleeps until *v reads 0; the side that drops it calls wake_up_var(v). */
void fsrs_wait_var_zero(atomic_t *v)
{
	wait_var_event(v, atomic_read(v) == 0);
}

/* The parts of a new volume that need lockdep keys or macros. */
void fsrs_volume_init(struct fscache_volume *volume, void (*fn)(struct work_struct *))
{
	INIT_LIST_HEAD(&volume->proc_link);
	INIT_HLIST_BL_NODE(&volume->hash_link);
	INIT_WORK(&volume->work, fn);
	spin_lock_init(&volume->lock);
}

bool fsrs_schedule_work(struct work_struct *work)
{
	return schedule_work(work);
}

void fsrs_wait_on_bit(unsigned long *word, int bit)
{
	wait_on_bit(word, bit, TASK_UNINTERRUPTIBLE);
}

/* True if the bit is still set when the timeout ends. */
bool fsrs_wait_on_bit_timeout(unsigned long *word, int bit, unsigned long timeout)
{
	return wait_on_bit_timeout(word, bit, TASK_UNINTERRUPTIBLE, timeout) != 0;
}

void fsrs_clear_and_wake_up_bit(int bit, unsigned long *word)
{
	clear_and_wake_up_bit(bit, word);
}
