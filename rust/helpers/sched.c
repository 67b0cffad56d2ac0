// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for the kernel abstractions (rust/kext): scheduling context
 * checks. Static inlines and macros bindgen cannot bind; each is a plain
 * wrapper.
 */
#include <linux/kernel.h>
#include <linux/preempt.h>
#include "../../include/fsrs_sched.h"

/* might_sleep(): with CONFIG_DEBUG_ATOMIC_SLEEP, a splat when called in
 * atomic context. */
void fsrs_might_sleep(void)
{
	might_sleep();
}

/* Whether we run in a task, not in an interrupt or softirq (in_task()). */
bool fsrs_in_task(void)
{
	return in_task();
}
