/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of rust/helpers/fscache.c: fscache's inline API for cache
 * backends.
 */
#ifndef FSRS_FSCACHE_H
#define FSRS_FSCACHE_H

#include <linux/types.h>

struct fscache_cache;
struct fscache_cookie;
struct fscache_volume;
struct netfs_cache_resources;

void *fsrs_cookie_key(struct fscache_cookie *cookie);
u8 fsrs_cookie_copy_aux(struct fscache_cookie *cookie, u8 *buf);
u8 fsrs_volume_copy_coherency(struct fscache_volume *volume, u8 *buf);
struct fscache_cookie *fsrs_cres_cookie(struct netfs_cache_resources *cres);
void fsrs_count_object(struct fscache_cache *cache);
void fsrs_uncount_object(struct fscache_cache *cache);
void fsrs_wait_for_objects(struct fscache_cache *cache);
void fsrs_volume_pin_access(struct fscache_volume *volume);
void fsrs_count_read(void);
void fsrs_count_write(void);
void fsrs_count_no_write_space(void);
void fsrs_count_no_create_space(void);
void fsrs_count_culled(void);
void fsrs_count_dio_misfit(void);

#endif
