// SPDX-License-Identifier: GPL-2.0
/*
 * C shims of cachefiles.ko: the fscache client view (fsc.rs): fscache's
 * inline API for backends.
 */
#include <linux/fscache-cache.h>
#include <linux/netfs.h>
#include <trace/events/fscache.h>
#include "helpers.h"

/* fscache's inline API. */

void *fsrs_cookie_key(struct fscache_cookie *cookie)
{
	return fscache_get_key(cookie);
}

void *fsrs_cookie_aux(struct fscache_cookie *cookie)
{
	return fscache_get_aux(cookie);
}

struct fscache_cookie *fsrs_cres_cookie(struct netfs_cache_resources *cres)
{
	return fscache_cres_cookie(cres);
}

void fsrs_count_object(struct fscache_cache *cache)
{
	fscache_count_object(cache);
}

void fsrs_uncount_object(struct fscache_cache *cache)
{
	fscache_uncount_object(cache);
}

void fsrs_wait_for_objects(struct fscache_cache *cache)
{
	fscache_wait_for_objects(cache);
}

/* Pins a volume's access count for as long as the cache holds the volume, so
 * fscache does not wake withdrawers each time it drops to zero. */
void fsrs_volume_pin_access(struct fscache_volume *volume)
{
	int n = atomic_inc_return(&volume->n_accesses);

	trace_fscache_access_volume(volume->debug_id, 0, refcount_read(&volume->ref), n,
				    fscache_access_cache_pin);
}

void fsrs_count_read(void) { fscache_count_read(); }
void fsrs_count_write(void) { fscache_count_write(); }
void fsrs_count_no_write_space(void) { fscache_count_no_write_space(); }
void fsrs_count_no_create_space(void) { fscache_count_no_create_space(); }
void fsrs_count_culled(void) { fscache_count_culled(); }
void fsrs_count_dio_misfit(void) { fscache_count_dio_misfit(); }
