// SPDX-License-Identifier: GPL-2.0
/*
 * The fscache tracepoints (include/trace/events/fscache.h), created in
 * this module as the C fscache creates them, so trace-cmd and perf users
 * find the same events. Static inline trace_*() calls cannot be made from
 * Rust; these wrappers make them.
 */
#include <linux/fscache-cache.h>
#include <linux/module.h>
#define CREATE_TRACE_POINTS
#include <trace/events/fscache.h>
#include "helpers.h"

/* The C cachefiles fires these three itself. */
EXPORT_TRACEPOINT_SYMBOL(fscache_access_cache);
EXPORT_TRACEPOINT_SYMBOL(fscache_access_volume);
EXPORT_TRACEPOINT_SYMBOL(fscache_access);

void fsrs_trace_cache(unsigned int id, int ref, enum fscache_cache_trace where)
{
	trace_fscache_cache(id, ref, where);
}

void fsrs_trace_volume(unsigned int id, int ref, enum fscache_volume_trace where)
{
	trace_fscache_volume(id, ref, where);
}

void fsrs_trace_cookie(unsigned int id, int ref, enum fscache_cookie_trace where)
{
	trace_fscache_cookie(id, ref, where);
}

void fsrs_trace_active(unsigned int id, int ref, int n_active, int n_accesses,
		       enum fscache_active_trace why)
{
	trace_fscache_active(id, ref, n_active, n_accesses, why);
}

void fsrs_trace_access_cache(unsigned int id, int ref, int n_accesses,
			     enum fscache_access_trace why)
{
	trace_fscache_access_cache(id, ref, n_accesses, why);
}

void fsrs_trace_access_volume(unsigned int volume_id, unsigned int cookie_id, int ref,
			      int n_accesses, enum fscache_access_trace why)
{
	trace_fscache_access_volume(volume_id, cookie_id, ref, n_accesses, why);
}

void fsrs_trace_access(unsigned int id, int ref, int n_accesses, enum fscache_access_trace why)
{
	trace_fscache_access(id, ref, n_accesses, why);
}

void fsrs_trace_acquire(struct fscache_cookie *cookie)
{
	trace_fscache_acquire(cookie);
}

void fsrs_trace_relinquish(struct fscache_cookie *cookie, bool retire)
{
	trace_fscache_relinquish(cookie, retire);
}

void fsrs_trace_invalidate(struct fscache_cookie *cookie, loff_t new_size)
{
	trace_fscache_invalidate(cookie, new_size);
}

void fsrs_trace_resize(struct fscache_cookie *cookie, loff_t new_size)
{
	trace_fscache_resize(cookie, new_size);
}
