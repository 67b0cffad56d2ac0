// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for the kernel abstractions (rust/kext): reference counts.
 */
#include <linux/refcount.h>
#include "../../include/fsrs_refcount.h"

bool fsrs_refcount_inc_not_zero(refcount_t *r)
{
	return refcount_inc_not_zero(r);
}
