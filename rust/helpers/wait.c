// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for the kernel abstractions (rust/kext): wait queues and poll.
 * Static inlines and macros bindgen cannot bind; each is a plain wrapper.
 */
#include <linux/poll.h>
#include <linux/wait.h>
#include "../include/fsrs_wait.h"

/* The daemon's poll wait queue. */

void fsrs_init_waitqueue(struct wait_queue_head *wq)
{
	init_waitqueue_head(wq);
}

void fsrs_wake_up_all(struct wait_queue_head *wq)
{
	wake_up_all(wq);
}

void fsrs_poll_wait(struct file *file, struct wait_queue_head *wq, struct poll_table_struct *pt)
{
	poll_wait(file, wq, pt);
}
