// SPDX-License-Identifier: GPL-2.0
//! The exported C entry points of the fscache API (`include/linux/
//! fscache-cache.h`, `fscache.h`): argument conversion only, the logic is in
//! the modules they call. `exports.c` exports them.

use crate::cache::{self, Cache};
use crate::proc_fs::SeqFile;
use crate::stats;
use crate::volume::{self, Volume};
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

/// Acquires (creating if need be) the volume with key `key` in the cache
/// named `cache_name` (any cache if null).
///
/// # Safety
///
/// `key` (and `cache_name` if not null) must be NUL-terminated strings;
/// `coherency` must be valid for `coherency_len` bytes if not null.
#[no_mangle]
unsafe extern "C" fn __fscache_acquire_volume(
    key: *const c_char,
    cache_name: *const c_char,
    coherency: *const c_void,
    coherency_len: usize,
) -> *mut bindings::fscache_volume {
    if key.is_null() {
        return err_ptr(kernel::error::code::EINVAL);
    }
    // SAFETY: per the contract.
    let (key, cache_name) = unsafe {
        (
            CStr::from_char_ptr(key),
            (!cache_name.is_null()).then(|| CStr::from_char_ptr(cache_name)),
        )
    };
    let coherency = if coherency.is_null() {
        &[][..]
    } else {
        // SAFETY: per the contract.
        unsafe { core::slice::from_raw_parts(coherency.cast::<u8>(), coherency_len) }
    };
    match volume::acquire(key, cache_name, coherency) {
        Ok(v) => ARef::into_raw(v).as_ptr().cast(),
        Err(e) => err_ptr(e),
    }
}

/// Gives up a filesystem's volume, storing new coherency data or marking
/// it for invalidation.
///
/// # Safety
///
/// `volume` must come from __fscache_acquire_volume() and not be used
/// after; `coherency` must be null or hold the volume's coherency length.
#[no_mangle]
unsafe extern "C" fn __fscache_relinquish_volume(
    volume: *mut bindings::fscache_volume,
    coherency: *const c_void,
    invalidate: bool,
) {
    let Some(p) = core::ptr::NonNull::new(volume.cast::<Volume>()) else {
        return;
    };
    // SAFETY: the filesystem hands back its count.
    let volume = unsafe { ARef::from_raw(p) };
    let coherency = (!coherency.is_null()).then(|| {
        // SAFETY: per the contract, coherency_len bytes.
        unsafe {
            core::slice::from_raw_parts(
                coherency.cast::<u8>(),
                (*volume.raw()).coherency_len as usize,
            )
        }
    });
    volume::relinquish(volume, coherency, invalidate);
}

/// Takes a reference on a volume unless it is being freed.
///
/// # Safety
///
/// `volume` must not have been freed (its count may be zero).
#[no_mangle]
unsafe extern "C" fn fscache_try_get_volume(
    volume: *mut bindings::fscache_volume,
    _where: bindings::fscache_volume_trace,
) -> *mut bindings::fscache_volume {
    // SAFETY: per the contract.
    match unsafe { Volume::from_raw(volume) }.try_get() {
        Some(v) => ARef::into_raw(v).as_ptr().cast(),
        None => core::ptr::null_mut(),
    }
}

/// Drops a reference on a volume.
///
/// # Safety
///
/// `volume` must be null or a volume the caller holds a reference on.
#[no_mangle]
unsafe extern "C" fn fscache_put_volume(
    volume: *mut bindings::fscache_volume,
    _where: bindings::fscache_volume_trace,
) {
    if let Some(p) = core::ptr::NonNull::new(volume.cast::<Volume>()) {
        // SAFETY: the caller's count.
        drop(unsafe { ARef::from_raw(p) });
    }
}

/// Ends an access to a volume.
///
/// # Safety
///
/// `volume` must be live with an access held by the caller.
#[no_mangle]
unsafe extern "C" fn fscache_end_volume_access(
    volume: *mut bindings::fscache_volume,
    _cookie: *mut bindings::fscache_cookie,
    _why: bindings::fscache_access_trace,
) {
    // SAFETY: per the contract.
    volume::end_access(unsafe { Volume::from_raw(volume) });
}

/// The backend drops its pinned access and waits for the others to end.
///
/// # Safety
///
/// `volume` must be live and pinned by the caller.
#[no_mangle]
unsafe extern "C" fn fscache_withdraw_volume(volume: *mut bindings::fscache_volume) {
    // SAFETY: per the contract.
    volume::withdraw(unsafe { Volume::from_raw(volume) });
}

/// Appends the FS-Cache statistics to a seq_file (netfs's `stats`).
///
/// # Safety
///
/// `m` must be the seq_file of a show() call in progress.
#[no_mangle]
unsafe extern "C" fn fscache_stats_show(m: *mut bindings::seq_file) -> c_int {
    // SAFETY: per the contract.
    let mut m = unsafe { SeqFile::from_raw(m) };
    // A seq_file cannot fail a write: it retries with a bigger buffer.
    let _ = stats::show(&mut m);
    0
}
