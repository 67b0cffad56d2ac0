/* SPDX-License-Identifier: GPL-2.0 */
/* C helpers of fscache.ko for static inlines and macros; the Rust side
 * declares them in sys.rs. */
#ifndef FSRS_FSCACHE_HELPERS_H
#define FSRS_FSCACHE_HELPERS_H

#include <linux/atomic.h>
#include <linux/refcount.h>

bool fsrs_refcount_inc_not_zero(refcount_t *r);
void fsrs_wait_var_zero(atomic_t *v);

#endif
