// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for the kernel abstractions (rust/kext/fscache): fscache's
 * inline API for cache backends (linux/fscache-cache.h) and the netfs
 * inlines a backend uses. Static inlines and macros bindgen cannot bind;
 * each is a plain wrapper.
 */
#include <linux/fscache-cache.h>
#include <linux/netfs.h>
#include <trace/events/fscache.h>
#include "../../include/fsrs_fscache.h"

void *fsrs_cookie_key(struct fscache_cookie *cookie)
{
	return fscache_get_key(cookie);
}

/*
 * Copies a cookie's auxiliary data into @buf, which has room for 255 bytes
 * (the most aux_len can say), and returns its length. The netfs rewrites
 * the data when it likes, without a lock (fscache_update_aux()), so it is
 * copied out, as C's cachefiles copies it, never borrowed.
 */
u8 fsrs_cookie_copy_aux(struct fscache_cookie *cookie, u8 *buf)
{
	u8 len = cookie->aux_len;

	memcpy(buf, fscache_get_aux(cookie), len);
	return len;
}

/*
 * The same for a volume's coherency data, which the netfs rewrites when it
 * relinquishes the volume (__fscache_relinquish_volume()), even while the
 * cache is withdrawing it.
 */
u8 fsrs_volume_copy_coherency(struct fscache_volume *volume, u8 *buf)
{
	u8 len = volume->coherency_len;

	memcpy(buf, volume->coherency, len);
	return len;
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
