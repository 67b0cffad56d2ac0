// SPDX-License-Identifier: GPL-2.0
//! The exported C entry points of the fscache API (`include/linux/
//! fscache-cache.h`, `fscache.h`): argument conversion only, the logic is in
//! the modules they call. `exports.c` exports them.

use crate::cache::{self, Cache};
use crate::cookie::{self, Cookie};
use crate::io;
use crate::proc::entry::SeqFile;
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
    why: bindings::fscache_volume_trace,
) -> *mut bindings::fscache_volume {
    // SAFETY: per the contract.
    let volume = unsafe { Volume::from_raw(volume) };
    match crate::volume::try_get_traced(volume, why) {
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
    why: bindings::fscache_volume_trace,
) {
    if let Some(p) = core::ptr::NonNull::new(volume.cast::<Volume>()) {
        // SAFETY: the caller's count.
        crate::volume::put_traced(unsafe { ARef::from_raw(p) }, why);
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
    cookie: *mut bindings::fscache_cookie,
    why: bindings::fscache_access_trace,
) {
    // SAFETY: per the contract; `cookie` is null or live.
    let cookie_id = unsafe { cookie.as_ref() }.map_or(0, |c| c.debug_id);
    // SAFETY: per the contract.
    volume::end_access(unsafe { Volume::from_raw(volume) }, cookie_id, why);
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
    let m = unsafe { SeqFile::from_raw(m) };
    // A seq_file cannot fail a write: it retries with a bigger buffer.
    let _ = stats::show(m);
    0
}

/// A byte buffer the C API passes as pointer and length (null: none).
///
/// # Safety
///
/// If not null, `p` must be valid for `len` bytes for `'a`.
unsafe fn bytes<'a>(p: *const c_void, len: usize) -> Option<&'a [u8]> {
    // SAFETY: per the contract.
    (!p.is_null()).then(|| unsafe { core::slice::from_raw_parts(p.cast::<u8>(), len) })
}

/// Acquires a cookie for a file of a volume; null when it cannot be cached.
///
/// # Safety
///
/// `volume` must be a live volume of the caller's; the key and aux
/// pointers valid for their lengths.
#[no_mangle]
unsafe extern "C" fn __fscache_acquire_cookie(
    volume: *mut bindings::fscache_volume,
    advice: u8,
    index_key: *const c_void,
    index_key_len: usize,
    aux_data: *const c_void,
    aux_data_len: usize,
    object_size: bindings::loff_t,
) -> *mut bindings::fscache_cookie {
    if volume.is_null() || index_key_len > 255 || aux_data_len > 255 {
        return core::ptr::null_mut();
    }
    // SAFETY: per the contract.
    let (volume, key, aux) = unsafe {
        (
            Volume::from_raw(volume),
            bytes(index_key, index_key_len),
            bytes(aux_data, aux_data_len),
        )
    };
    let Some(key) = key else {
        return core::ptr::null_mut();
    };
    match cookie::acquire(volume, advice, key, aux.unwrap_or(&[]), object_size) {
        Some(c) => ARef::into_raw(c).as_ptr().cast(),
        None => core::ptr::null_mut(),
    }
}

/// # Safety
///
/// `cookie` must be a live cookie of this module.
unsafe fn cookie_ref<'a>(cookie: *mut bindings::fscache_cookie) -> &'a Cookie {
    // SAFETY: per the contract.
    unsafe { Cookie::from_raw(cookie) }
}

/// The aux data a caller passes, `cookie->aux_len` bytes.
///
/// # Safety
///
/// `aux` must be null or valid for the cookie's aux length.
unsafe fn cookie_aux<'a>(cookie: &Cookie, aux: *const c_void) -> Option<&'a [u8]> {
    // SAFETY: aux_len is fixed at acquisition; `aux` per the contract.
    unsafe { bytes(aux, (*cookie.raw()).aux_len as usize) }
}

/// The filesystem starts using the file.
///
/// # Safety
///
/// `cookie` must be a live, unrelinquished cookie of the caller's.
#[no_mangle]
unsafe extern "C" fn __fscache_use_cookie(
    cookie: *mut bindings::fscache_cookie,
    will_modify: bool,
) {
    // SAFETY: per the contract.
    cookie::use_cookie(unsafe { cookie_ref(cookie) }, will_modify);
}

/// The filesystem stops using the file, updating aux data and size.
///
/// # Safety
///
/// As for `__fscache_use_cookie`; `aux_data` null or the aux length.
#[no_mangle]
unsafe extern "C" fn __fscache_unuse_cookie(
    cookie: *mut bindings::fscache_cookie,
    aux_data: *const c_void,
    object_size: *const bindings::loff_t,
) {
    // SAFETY: per the contract.
    let cookie = unsafe { cookie_ref(cookie) };
    // SAFETY: per the contract.
    let (aux, size) = unsafe { (cookie_aux(cookie, aux_data), object_size.as_ref().copied()) };
    cookie::unuse_cookie(cookie, aux, size);
}

/// The filesystem gives the cookie back.
///
/// # Safety
///
/// `cookie` must come from `__fscache_acquire_cookie()`, unused, and not
/// be used by the caller after.
#[no_mangle]
unsafe extern "C" fn __fscache_relinquish_cookie(
    cookie: *mut bindings::fscache_cookie,
    retire: bool,
) {
    if let Some(p) = core::ptr::NonNull::new(cookie.cast::<Cookie>()) {
        // SAFETY: the filesystem hands back its count.
        cookie::relinquish(unsafe { ARef::from_raw(p) }, retire);
    }
}

/// Marks the cached data stale.
///
/// # Safety
///
/// As for `__fscache_unuse_cookie`.
#[no_mangle]
unsafe extern "C" fn __fscache_invalidate(
    cookie: *mut bindings::fscache_cookie,
    aux_data: *const c_void,
    new_size: bindings::loff_t,
    flags: kernel::ffi::c_uint,
) {
    // SAFETY: per the contract.
    let cookie = unsafe { cookie_ref(cookie) };
    // SAFETY: per the contract.
    let aux = unsafe { cookie_aux(cookie, aux_data) };
    cookie::invalidate(cookie, aux, new_size, flags);
}

/// Resizes the cache object (under the netfs's inode lock).
///
/// # Safety
///
/// `cookie` must be a live cookie in use by the caller.
#[no_mangle]
unsafe extern "C" fn __fscache_resize_cookie(
    cookie: *mut bindings::fscache_cookie,
    new_size: bindings::loff_t,
) {
    // SAFETY: per the contract.
    io::resize(unsafe { cookie_ref(cookie) }, new_size);
}

/// Takes a reference on a cookie.
///
/// # Safety
///
/// `cookie` must be a cookie the caller holds a reference on.
#[no_mangle]
unsafe extern "C" fn fscache_get_cookie(
    cookie: *mut bindings::fscache_cookie,
    why: bindings::fscache_cookie_trace,
) -> *mut bindings::fscache_cookie {
    // SAFETY: per the contract.
    ARef::into_raw(cookie::get(unsafe { cookie_ref(cookie) }, why))
        .as_ptr()
        .cast()
}

/// Drops a reference on a cookie.
///
/// # Safety
///
/// `cookie` must be a cookie the caller holds a reference on.
#[no_mangle]
unsafe extern "C" fn fscache_put_cookie(
    cookie: *mut bindings::fscache_cookie,
    why: bindings::fscache_cookie_trace,
) {
    if let Some(p) = core::ptr::NonNull::new(cookie.cast::<Cookie>()) {
        // SAFETY: the caller's count.
        cookie::put_traced(unsafe { ARef::from_raw(p) }, why);
    }
}

/// Ends a cache access on a cookie.
///
/// # Safety
///
/// `cookie` must be live with an access held by the caller.
#[no_mangle]
unsafe extern "C" fn fscache_end_cookie_access(
    cookie: *mut bindings::fscache_cookie,
    why: bindings::fscache_access_trace,
) {
    // SAFETY: per the contract.
    cookie::end_access(unsafe { cookie_ref(cookie) }, why);
}

/// The backend found no object and is creating one (from the lookup).
///
/// # Safety
///
/// `cookie` must be the cookie the backend is looking up.
#[no_mangle]
unsafe extern "C" fn fscache_cookie_lookup_negative(cookie: *mut bindings::fscache_cookie) {
    // SAFETY: per the contract.
    cookie::lookup_negative(unsafe { cookie_ref(cookie) });
}

/// The backend finished enough of an invalidation for I/O to resume.
///
/// # Safety
///
/// `cookie` must be the cookie the backend is invalidating.
#[no_mangle]
unsafe extern "C" fn fscache_resume_after_invalidation(cookie: *mut bindings::fscache_cookie) {
    // SAFETY: per the contract.
    cookie::resume_after_invalidation(unsafe { cookie_ref(cookie) });
}

/// The backend stops caching the cookie after a failure.
///
/// # Safety
///
/// `cookie` must be a live cookie of the backend's.
#[no_mangle]
unsafe extern "C" fn fscache_caching_failed(cookie: *mut bindings::fscache_cookie) {
    // SAFETY: per the contract.
    cookie::caching_failed(unsafe { cookie_ref(cookie) });
}

/// The backend withdraws the cookie's object.
///
/// # Safety
///
/// `cookie` must be a live cookie of the backend's.
#[no_mangle]
unsafe extern "C" fn fscache_withdraw_cookie(cookie: *mut bindings::fscache_cookie) {
    // SAFETY: per the contract.
    cookie::withdraw(unsafe { cookie_ref(cookie) });
}

/// Attaches the cookie's object to `cres` for a read.
///
/// # Safety
///
/// `cres` writable; `cookie` live and in use.
#[no_mangle]
unsafe extern "C" fn __fscache_begin_read_operation(
    cres: *mut bindings::netfs_cache_resources,
    cookie: *mut bindings::fscache_cookie,
) -> c_int {
    // SAFETY: per the contract: the netfs lends `cres` for the call, and
    // holds the cookie.
    let (cres, cookie) = unsafe { (io::CacheResources::from_raw(cres), cookie_ref(cookie)) };
    match io::begin_io(cres, cookie, false) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Attaches the cookie's object to `cres` for a write.
///
/// # Safety
///
/// As for `__fscache_begin_read_operation`.
#[no_mangle]
unsafe extern "C" fn __fscache_begin_write_operation(
    cres: *mut bindings::netfs_cache_resources,
    cookie: *mut bindings::fscache_cookie,
) -> c_int {
    // SAFETY: per the contract: the netfs lends `cres` for the call, and
    // holds the cookie.
    let (cres, cookie) = unsafe { (io::CacheResources::from_raw(cres), cookie_ref(cookie)) };
    match io::begin_io(cres, cookie, true) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Waits until the operation's object can be used as `want_state` needs.
///
/// # Safety
///
/// `cres` must come from a begin operation.
#[no_mangle]
unsafe extern "C" fn fscache_wait_for_operation(
    cres: *mut bindings::netfs_cache_resources,
    want_state: bindings::fscache_want_state,
) -> bool {
    // SAFETY: per the contract: resources a begin operation set up, lent
    // for the call.
    io::wait_for_operation(unsafe { io::CacheResources::from_raw(cres) }, want_state)
}

/// Writes netfs pages to the cache.
///
/// # Safety
///
/// See `io::write_to_cache`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn __fscache_write_to_cache(
    cookie: *mut bindings::fscache_cookie,
    mapping: *mut bindings::address_space,
    start: bindings::loff_t,
    len: usize,
    i_size: bindings::loff_t,
    term_func: bindings::netfs_io_terminated_t,
    term_func_priv: *mut c_void,
    using_pgpriv2: bool,
    cond: bool,
) {
    // SAFETY: the C contract: the caller holds the cookie, pins the
    // range's pages until `term_func` is called, and gives `term_func` its
    // data, to be called once.
    let (cookie, mapping, done) = unsafe {
        (
            cookie_ref(cookie),
            io::Mapping::from_raw(mapping),
            io::Completion::new(term_func, term_func_priv),
        )
    };
    io::write_to_cache(
        cookie,
        mapping,
        start,
        len,
        i_size,
        done,
        using_pgpriv2,
        cond,
    )
}

/// Ends PG_private_2 on a range of pages.
///
/// # Safety
///
/// `mapping` must hold the range's pages.
#[no_mangle]
unsafe extern "C" fn __fscache_clear_page_bits(
    mapping: *mut bindings::address_space,
    start: bindings::loff_t,
    len: usize,
) {
    // SAFETY: per the contract: the caller holds the range's pages.
    io::clear_page_bits(unsafe { io::Mapping::from_raw(mapping) }, start, len)
}
