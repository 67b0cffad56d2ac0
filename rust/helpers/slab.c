// SPDX-License-Identifier: GPL-2.0
/*
 * Named slab caches for rust/kext/slab.rs.
 */
#include <linux/slab.h>
#include "../../include/fsrs_slab.h"

/* Hardware-cache aligned, as the C modules make their object jars. */
struct kmem_cache *fsrs_kmem_cache_create(const char *name, unsigned int size,
					  unsigned int align)
{
	return kmem_cache_create(name, size, align, SLAB_HWCACHE_ALIGN, NULL);
}

void *fsrs_kmem_cache_alloc(struct kmem_cache *cache, gfp_t flags)
{
	return kmem_cache_alloc(cache, flags);
}
