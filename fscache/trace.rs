// SPDX-License-Identifier: GPL-2.0
//! The fscache tracepoints, fired through the C wrappers in `trace.c` (the
//! `trace_*()` functions are static inlines). The reasons are the C
//! enums of `include/trace/events/fscache.h`, from bindgen.
//!
//! Each wrapper first checks its event's key in Rust
//! ([`crate::tracepoint_enabled`]), as the C `trace_*()` inline does.

use crate::tracepoint_enabled as enabled;
use kernel::{bindings, ffi::c_uint};

extern "C" {
    fn fsrs_trace_cache(id: c_uint, r: i32, why: bindings::fscache_cache_trace);
    fn fsrs_trace_volume(id: c_uint, r: i32, why: bindings::fscache_volume_trace);
    fn fsrs_trace_cookie(id: c_uint, r: i32, why: bindings::fscache_cookie_trace);
    fn fsrs_trace_active(
        id: c_uint,
        r: i32,
        n_active: i32,
        n_accesses: i32,
        why: bindings::fscache_active_trace,
    );
    fn fsrs_trace_access(id: c_uint, r: i32, n_accesses: i32, why: bindings::fscache_access_trace);
    fn fsrs_trace_access_cache(
        id: c_uint,
        r: i32,
        n_accesses: i32,
        why: bindings::fscache_access_trace,
    );
    fn fsrs_trace_access_volume(
        volume: c_uint,
        cookie: c_uint,
        r: i32,
        n_accesses: i32,
        why: bindings::fscache_access_trace,
    );
    fn fsrs_trace_acquire(cookie: *mut bindings::fscache_cookie);
    fn fsrs_trace_relinquish(cookie: *mut bindings::fscache_cookie, retire: bool);
    fn fsrs_trace_invalidate(cookie: *mut bindings::fscache_cookie, new_size: i64);
    fn fsrs_trace_resize(cookie: *mut bindings::fscache_cookie, new_size: i64);
}

pub(crate) use bindings::fscache_access_trace as AccessWhy;
pub(crate) use bindings::fscache_active_trace as ActiveWhy;
pub(crate) use bindings::fscache_cache_trace as CacheWhy;
pub(crate) use bindings::fscache_cookie_trace as CookieWhy;
pub(crate) use bindings::fscache_volume_trace as VolumeWhy;

/// `trace_fscache_cache()`: a cache's reference count changed.
pub(crate) fn cache(id: u32, r: i32, why: CacheWhy) {
    if enabled!(__tracepoint_fscache_cache) {
        // SAFETY: plain values.
        unsafe { fsrs_trace_cache(id, r, why) }
    }
}

/// `trace_fscache_volume()`: a volume's reference count changed, or a
/// step was seen.
pub(crate) fn volume(id: u32, r: i32, why: VolumeWhy) {
    if enabled!(__tracepoint_fscache_volume) {
        // SAFETY: plain values.
        unsafe { fsrs_trace_volume(id, r, why) }
    }
}

/// `trace_fscache_cookie()`: a reference change or a step seen.
pub(crate) fn cookie(id: u32, r: i32, why: CookieWhy) {
    if enabled!(__tracepoint_fscache_cookie) {
        // SAFETY: plain values.
        unsafe { fsrs_trace_cookie(id, r, why) }
    }
}

/// `trace_fscache_active()`: a change of the number of users.
pub(crate) fn active(id: u32, r: i32, n_active: i32, n_accesses: i32, why: ActiveWhy) {
    if enabled!(__tracepoint_fscache_active) {
        // SAFETY: plain values.
        unsafe { fsrs_trace_active(id, r, n_active, n_accesses, why) }
    }
}

/// `trace_fscache_access()`: a change of the number of cache accesses.
pub(crate) fn access(id: u32, r: i32, n_accesses: i32, why: AccessWhy) {
    if enabled!(__tracepoint_fscache_access) {
        // SAFETY: plain values.
        unsafe { fsrs_trace_access(id, r, n_accesses, why) }
    }
}

/// `trace_fscache_access_cache()`.
pub(crate) fn access_cache(id: u32, r: i32, n_accesses: i32, why: AccessWhy) {
    if enabled!(__tracepoint_fscache_access_cache) {
        // SAFETY: plain values.
        unsafe { fsrs_trace_access_cache(id, r, n_accesses, why) }
    }
}

/// `trace_fscache_access_volume()` (`cookie` 0: not for a cookie).
pub(crate) fn access_volume(volume: u32, cookie: u32, r: i32, n_accesses: i32, why: AccessWhy) {
    if enabled!(__tracepoint_fscache_access_volume) {
        // SAFETY: plain values.
        unsafe { fsrs_trace_access_volume(volume, cookie, r, n_accesses, why) }
    }
}

/// Events that record a cookie's fields (the event reads them).
///
/// # Safety
///
/// `cookie` must be a live cookie.
pub(crate) unsafe fn acquire(cookie: *mut bindings::fscache_cookie) {
    if enabled!(__tracepoint_fscache_acquire) {
        // SAFETY: per the caller.
        unsafe { fsrs_trace_acquire(cookie) }
    }
}

/// # Safety
///
/// As for [`acquire`].
pub(crate) unsafe fn relinquish(cookie: *mut bindings::fscache_cookie, retire: bool) {
    if enabled!(__tracepoint_fscache_relinquish) {
        // SAFETY: per the caller.
        unsafe { fsrs_trace_relinquish(cookie, retire) }
    }
}

/// # Safety
///
/// As for [`acquire`].
pub(crate) unsafe fn invalidate(cookie: *mut bindings::fscache_cookie, new_size: i64) {
    if enabled!(__tracepoint_fscache_invalidate) {
        // SAFETY: per the caller.
        unsafe { fsrs_trace_invalidate(cookie, new_size) }
    }
}

/// # Safety
///
/// As for [`acquire`].
pub(crate) unsafe fn resize(cookie: *mut bindings::fscache_cookie, new_size: i64) {
    if enabled!(__tracepoint_fscache_resize) {
        // SAFETY: per the caller.
        unsafe { fsrs_trace_resize(cookie, new_size) }
    }
}
