/* SPDX-License-Identifier: GPL-2.0 */
/* Prototypes of rust/helpers/xarray.c. */
#ifndef FSRS_XARRAY_H
#define FSRS_XARRAY_H

#include <linux/types.h>

struct xarray;

void fsrs_xa_init_alloc(struct xarray *xa, bool from_one);
void fsrs_xa_lock(struct xarray *xa);
void fsrs_xa_unlock(struct xarray *xa);
bool fsrs_xa_empty(const struct xarray *xa);

#endif
