// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for the kernel abstractions (rust/kext): wait queues, poll and
 * bit waits. Static inlines and macros bindgen cannot bind; each is a
 * plain wrapper.
 */
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/wait_bit.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include "../../include/fsrs_wait.h"

/* Wait queues, for poll. */

void fsrs_init_waitqueue(struct wait_queue_head *wq)
{
	init_waitqueue_head(wq);
}

void fsrs_wake_up_all(struct wait_queue_head *wq)
{
	wake_up_all(wq);
}

/* Before a polled queue goes: epoll entries still on it unhook themselves
 * (POLLFREE); the caller then waits an RCU grace period. */
void fsrs_wake_up_pollfree(struct wait_queue_head *wq)
{
	wake_up_pollfree(wq);
}

void fsrs_poll_wait(struct file *file, struct wait_queue_head *wq, struct poll_table_struct *pt)
{
	poll_wait(file, wq, pt);
}

/* Bit waits on a flags word. */

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

/* Variable waits (wait_var_event). */

/* Sleeps until *v reads 0; the side that drops it calls wake_up_var(v). */
void fsrs_wait_var_zero(atomic_t *v)
{
	wait_var_event(v, atomic_read(v) == 0);
}

/*
 * wait_var_event_timeout() on @var until @cond(@ctx) holds; with a timeout
 * of MAX_SCHEDULE_TIMEOUT, without one. Returns the jiffies left (at least
 * 1 if @cond held), 0 on timeout.
 */
long fsrs_wait_var(void *var, bool (*cond)(const void *ctx), const void *ctx, long timeout)
{
	if (timeout == MAX_SCHEDULE_TIMEOUT) {
		wait_var_event(var, cond(ctx));
		return 1;
	}
	return wait_var_event_timeout(var, cond(ctx), timeout);
}

/* Completions. */

void fsrs_init_completion(struct completion *x)
{
	init_completion(x);
}
