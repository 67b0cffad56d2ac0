// SPDX-License-Identifier: GPL-2.0
/* C helpers of fscache.ko for static inlines and macros. */
#include <linux/sched.h>
#include <linux/wait_bit.h>
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
