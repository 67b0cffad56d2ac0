// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for the kernel abstractions (rust/kext/xarray.rs): the xarray's
 * initialisation flags, lock and emptiness test are macros and static
 * inlines.
 */
#include <linux/xarray.h>
#include "../../include/fsrs_xarray.h"

/* An allocating xarray: ids from 0 (XA_FLAGS_ALLOC) or from 1 (ALLOC1). */
void fsrs_xa_init_alloc(struct xarray *xa, bool from_one)
{
	xa_init_flags(xa, from_one ? XA_FLAGS_ALLOC1 : XA_FLAGS_ALLOC);
}

void fsrs_xa_lock(struct xarray *xa)
{
	xa_lock(xa);
}

void fsrs_xa_unlock(struct xarray *xa)
{
	xa_unlock(xa);
}

bool fsrs_xa_empty(const struct xarray *xa)
{
	return xa_empty(xa);
}
