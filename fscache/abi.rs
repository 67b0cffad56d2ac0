// SPDX-License-Identifier: GPL-2.0
//! The exported C entry points of the fscache API (`include/linux/
//! fscache-cache.h`, `fscache.h`): argument conversion only, the logic is in
//! the modules they call. `exports.c` exports them.

use crate::cache::{self, Cache};
use kernel::{
    bindings,
    error::Error,
    ffi::{c_char, c_int, c_void},
    str::CStr,
    types::ARef,
};

fn err_ptr<T>(e: Error) -> *mut T {
    // SAFETY: ERR_PTR() only encodes the errno in a pointer value.
    unsafe { bindings::ERR_PTR(e.to_errno() as _) }.cast()
}

/// Acquires the cache named `name` for a backend.
///
/// # Safety
///
/// `name` must be a valid NUL-terminated string.
#[no_mangle]
unsafe extern "C" fn fscache_acquire_cache(name: *const c_char) -> *mut bindings::fscache_cache {
    if name.is_null() {
        return err_ptr(kernel::error::code::EINVAL);
    }
    // SAFETY: per the contract.
    let name = unsafe { CStr::from_char_ptr(name) };
    match cache::acquire(name) {
        Ok(c) => ARef::into_raw(c).as_ptr().cast(),
        Err(e) => err_ptr(e),
    }
}

/// Releases a backend's cache from fscache_acquire_cache().
///
/// # Safety
///
/// `cache` must come from fscache_acquire_cache() and not be used after.
#[no_mangle]
unsafe extern "C" fn fscache_relinquish_cache(cache: *mut bindings::fscache_cache) {
    if let Some(p) = core::ptr::NonNull::new(cache.cast::<Cache>()) {
        // SAFETY: the backend hands back the count acquire gave it.
        cache::relinquish(unsafe { ARef::from_raw(p) });
    }
}

/// Makes an acquired cache active.
///
/// # Safety
///
/// `cache` must come from fscache_acquire_cache(); `ops` must be valid for
/// as long as the cache is in use.
#[no_mangle]
unsafe extern "C" fn fscache_add_cache(
    cache: *mut bindings::fscache_cache,
    ops: *const bindings::fscache_cache_ops,
    cache_priv: *mut c_void,
) -> c_int {
    // SAFETY: per the contract (a backend's ops table is static).
    let (cache, ops) = unsafe { (Cache::from_raw(cache), &*ops) };
    match cache::add(cache, ops, cache_priv) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Stops an active cache after an I/O error.
///
/// # Safety
///
/// `cache` must be a live cache.
#[no_mangle]
unsafe extern "C" fn fscache_io_error(cache: *mut bindings::fscache_cache) {
    // SAFETY: per the contract.
    cache::io_error(unsafe { Cache::from_raw(cache) });
}

/// Withdraws a cache from service and waits for its accesses to end.
///
/// # Safety
///
/// `cache` must be a live cache added with fscache_add_cache().
#[no_mangle]
unsafe extern "C" fn fscache_withdraw_cache(cache: *mut bindings::fscache_cache) {
    // SAFETY: per the contract.
    cache::withdraw(unsafe { Cache::from_raw(cache) });
}
