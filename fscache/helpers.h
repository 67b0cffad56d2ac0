/* SPDX-License-Identifier: GPL-2.0 */
/* Prototypes of fscache.ko's own C shims (cookie/cookie.c, cookie/lru.c,
 * proc/proc.c, volume/volume.c, io/io.c); the shared ones are in include/. */
#ifndef FSRS_FSCACHE_HELPERS_H
#define FSRS_FSCACHE_HELPERS_H

#include <linux/atomic.h>
#include <linux/refcount.h>

struct fscache_volume;
struct work_struct;

void fsrs_volume_init(struct fscache_volume *volume, void (*fn)(struct work_struct *));

struct fscache_cookie;
struct hlist_bl_head;
struct address_space;
struct workqueue_struct;

int fsrs_cookie_jar_init(void);
void fsrs_cookie_jar_exit(void);
struct fscache_cookie *fsrs_cookie_alloc(void (*fn)(struct work_struct *));
void fsrs_cookie_free(struct fscache_cookie *cookie);
struct hlist_bl_head *fsrs_bucket_lock(u32 key_hash);
void fsrs_bucket_unlock(struct hlist_bl_head *h);
struct fscache_cookie *fsrs_bucket_next(struct hlist_bl_head *h, struct fscache_cookie *prev);
void fsrs_bucket_add(struct hlist_bl_head *h, struct fscache_cookie *cookie);
void fsrs_bucket_del(struct fscache_cookie *cookie);
void fsrs_cookies_add(struct fscache_cookie *cookie);
void fsrs_cookies_del(struct fscache_cookie *cookie);
void fsrs_cookies_for_each(void (*fn)(void *ctx, struct fscache_cookie *cookie), void *ctx);
bool fsrs_lru_touch(struct fscache_cookie *cookie, unsigned long timeout);
bool fsrs_lru_remove(struct fscache_cookie *cookie);
struct fscache_cookie *fsrs_lru_pop_expired(unsigned long timeout);
long fsrs_lru_timer_left(void);
void fsrs_lru_shutdown(void);
bool fsrs_queue_work(struct workqueue_struct *wq, struct work_struct *work);
void fsrs_clear_page_bits(struct address_space *mapping, loff_t start, size_t len);

/* trace.c: the fscache tracepoints, for the Rust side (trace.rs). */
enum fscache_cache_trace;
enum fscache_volume_trace;
enum fscache_cookie_trace;
enum fscache_active_trace;
enum fscache_access_trace;

void fsrs_trace_cache(unsigned int id, int ref, enum fscache_cache_trace where);
void fsrs_trace_volume(unsigned int id, int ref, enum fscache_volume_trace where);
void fsrs_trace_cookie(unsigned int id, int ref, enum fscache_cookie_trace where);
void fsrs_trace_active(unsigned int id, int ref, int n_active, int n_accesses,
		       enum fscache_active_trace why);
void fsrs_trace_access_cache(unsigned int id, int ref, int n_accesses,
			     enum fscache_access_trace why);
void fsrs_trace_access_volume(unsigned int volume_id, unsigned int cookie_id, int ref,
			      int n_accesses, enum fscache_access_trace why);
void fsrs_trace_access(unsigned int id, int ref, int n_accesses, enum fscache_access_trace why);
void fsrs_trace_acquire(struct fscache_cookie *cookie);
void fsrs_trace_relinquish(struct fscache_cookie *cookie, bool retire);
void fsrs_trace_invalidate(struct fscache_cookie *cookie, loff_t new_size);
void fsrs_trace_resize(struct fscache_cookie *cookie, loff_t new_size);

struct proc_dir_entry;
struct proc_dir_entry *fsrs_proc_create_cookies(const char *path);
struct proc_dir_entry *fsrs_proc_create_caches(const char *path);
struct proc_dir_entry *fsrs_proc_create_volumes(const char *path);

#endif
