/* SPDX-License-Identifier: GPL-2.0 */
/* Prototypes of rust/helpers/refcount.c. */
#ifndef FSRS_REFCOUNT_H
#define FSRS_REFCOUNT_H

#include <linux/refcount.h>

bool fsrs_refcount_inc_not_zero(refcount_t *r);

#endif
