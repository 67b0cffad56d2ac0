// SPDX-License-Identifier: GPL-2.0
/*
 * The fscache ABI as C modules link to it: the data objects the fscache
 * headers declare extern (inline helpers in them use these directly), and
 * EXPORT_SYMBOL lines for the functions the Rust side implements.
 */
#include <linux/fscache-cache.h>
#include <linux/module.h>
#include <linux/rwsem.h>
#include <linux/seq_file.h>
#include <linux/wait.h>

/* Allocated by module init (fscache_main.rs). */
struct workqueue_struct *fscache_wq;
EXPORT_SYMBOL(fscache_wq);

/* Serialises adding and removing caches (and guards the cache registry). */
DECLARE_RWSEM(fscache_addremove_sem);
EXPORT_SYMBOL(fscache_addremove_sem);

/* Woken when a cookie's pending clearance ends (fscache-cache.h helpers). */
DECLARE_WAIT_QUEUE_HEAD(fscache_clearance_waiters);
EXPORT_SYMBOL(fscache_clearance_waiters);

/* Statistics bumped by inline helpers in backends and filesystems. */
atomic_t fscache_n_updates;
EXPORT_SYMBOL(fscache_n_updates);
atomic_t fscache_n_read;
EXPORT_SYMBOL(fscache_n_read);
atomic_t fscache_n_write;
EXPORT_SYMBOL(fscache_n_write);
atomic_t fscache_n_no_write_space;
EXPORT_SYMBOL(fscache_n_no_write_space);
atomic_t fscache_n_no_create_space;
EXPORT_SYMBOL(fscache_n_no_create_space);
atomic_t fscache_n_culled;
EXPORT_SYMBOL(fscache_n_culled);
atomic_t fscache_n_dio_misfit;
EXPORT_SYMBOL(fscache_n_dio_misfit);

/* Cache API (cache/, entry points in abi.rs). */
EXPORT_SYMBOL(fscache_acquire_cache);
EXPORT_SYMBOL(fscache_relinquish_cache);
EXPORT_SYMBOL(fscache_add_cache);
EXPORT_SYMBOL(fscache_withdraw_cache);
EXPORT_SYMBOL(fscache_io_error);

/* Volume API (volume/, entry points in abi.rs). */
EXPORT_SYMBOL(__fscache_acquire_volume);
EXPORT_SYMBOL(__fscache_relinquish_volume);
EXPORT_SYMBOL(fscache_try_get_volume);
EXPORT_SYMBOL(fscache_put_volume);
EXPORT_SYMBOL(fscache_end_volume_access);
EXPORT_SYMBOL(fscache_withdraw_volume);

/* Cookie API (cookie/, entry points in abi.rs). */
EXPORT_SYMBOL(__fscache_acquire_cookie);
EXPORT_SYMBOL(__fscache_use_cookie);
EXPORT_SYMBOL(__fscache_unuse_cookie);
EXPORT_SYMBOL(__fscache_relinquish_cookie);
EXPORT_SYMBOL(__fscache_invalidate);
EXPORT_SYMBOL(fscache_get_cookie);
EXPORT_SYMBOL(fscache_put_cookie);
EXPORT_SYMBOL(fscache_end_cookie_access);
EXPORT_SYMBOL(fscache_cookie_lookup_negative);
EXPORT_SYMBOL(fscache_resume_after_invalidation);
EXPORT_SYMBOL(fscache_caching_failed);
EXPORT_SYMBOL(fscache_withdraw_cookie);

/* I/O API (io/, entry points in abi.rs). */
EXPORT_SYMBOL(__fscache_begin_read_operation);
EXPORT_SYMBOL(__fscache_begin_write_operation);
EXPORT_SYMBOL(fscache_wait_for_operation);
EXPORT_SYMBOL(__fscache_write_to_cache);
EXPORT_SYMBOL(__fscache_clear_page_bits);
EXPORT_SYMBOL(__fscache_resize_cookie);

/* Statistics (stats.rs), called by netfs for /proc/fs/fscache/stats. */
int fscache_stats_show(struct seq_file *m);
EXPORT_SYMBOL(fscache_stats_show);
