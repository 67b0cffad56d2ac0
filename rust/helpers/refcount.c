// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for the kernel abstractions (rust/kext): reference counts.
 */
#include <linux/refcount.h>
#include "../include/fsrs_refcount.h"

/* refcount_dec_and_test() that also gives the count before the drop,
 * which C's put functions trace (as ref - 1). */
bool fsrs_refcount_dec_and_test_old(refcount_t *r, int *old)
{
	return __refcount_dec_and_test(r, old);
}

bool fsrs_refcount_inc_not_zero(refcount_t *r)
{
	return refcount_inc_not_zero(r);
}
