/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of rust/helpers/slab.c: kmem_cache_create() and *
 * kmem_cache_alloc() are macros in 6.12 (a _Generic dispatch and the *
 * allocation-profiling hook), which bindgen cannot call.
 */
#ifndef FSRS_SLAB_H
#define FSRS_SLAB_H

#include <linux/types.h>

struct kmem_cache;

struct kmem_cache *fsrs_kmem_cache_create(const char *name, unsigned int size,
					  unsigned int align);
void *fsrs_kmem_cache_alloc(struct kmem_cache *cache, gfp_t flags);

#endif
