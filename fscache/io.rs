// SPDX-License-Identifier: GPL-2.0
//! The I/O side of the API: attaching a cookie's cache object to a
//! `netfs_cache_resources` once the cookie is usable, writing netfs pages
//! to the cache, resizing.
//!
//! An operation holds one cookie access from begin to end (the backend's
//! `end_operation` ends it), so withdrawal waits for it.

use crate::cache;
use crate::cookie::{self, Cookie};
use crate::cookie_state::{self as cs, State};
use crate::cookie_sys;
use crate::stats;
use crate::trace;
use core::{ffi::c_void, ptr::addr_of_mut};
use kernel::{
    bindings,
    error::Error,
    ffi::{c_int, c_long},
    prelude::*,
};

use bindings::{
    fscache_access_trace_fscache_access_io_not_live as ACC_IO_NOT_LIVE,
    fscache_access_trace_fscache_access_io_read as ACC_IO_READ,
    fscache_access_trace_fscache_access_io_resize as ACC_IO_RESIZE,
    fscache_access_trace_fscache_access_io_wait as ACC_IO_WAIT,
    fscache_access_trace_fscache_access_io_write as ACC_IO_WRITE,
    fscache_want_state_FSCACHE_WANT_PARAMS as WANT_PARAMS,
    fscache_want_state_FSCACHE_WANT_WRITE as WANT_WRITE,
};

extern "C" {
    // `mapping` is a `struct address_space *`, which Rust cannot prove
    // FFI-safe; it is only passed through.
    fn fsrs_clear_page_bits(mapping: *mut c_void, start: i64, len: usize);
}

/// How long an operation waits for a state change before it complains
/// once (20 s, as in C); it goes on waiting after.
const STATE_WAIT_NOTICE: c_long = 20 * crate::sys::HZ as c_long;

/// `-ENOBUFS`, no cache for this (the kernel crate has no constant), as
/// the C completions and ops take it.
const NOBUFS: c_int = -(bindings::ENOBUFS as c_int);

fn enobufs() -> Error {
    Error::from_errno(NOBUFS)
}

fn backend(cookie: &Cookie) -> &bindings::fscache_cache_ops {
    // SAFETY: operations start only on cookies whose cache was added, so
    // `ops` is the backend's static table.
    unsafe { &*cookie.volume().cache().ops() }
}

/// `fscache_wait_for_operation()`: waits until the cookie's object can be
/// used as `want` needs; false if it never will be.
///
/// # Safety
///
/// `cres` must have been set up by a begin operation on a live cookie.
pub(crate) unsafe fn wait_for_operation(
    cres: *mut bindings::netfs_cache_resources,
    want: bindings::fscache_want_state,
) -> bool {
    // SAFETY: per the contract, cache_priv is the cookie (held by the
    // operation's access).
    let cookie = unsafe { Cookie::from_raw((*cres).cache_priv.cast()) };
    loop {
        if cookie.volume().cache().state() != cache::State::Active {
            return false;
        }
        let state = cookie.state();
        match state {
            Some(State::Creating | State::Invalidating) if want == WANT_PARAMS => break,
            Some(
                State::Creating | State::Invalidating | State::LookingUp | State::LruDiscarding,
            ) => {
                cookie.wait_state(cookie_sys::FOREVER, |s| s != state);
            }
            Some(State::Active) => break,
            _ => return false,
        }
    }
    // SAFETY: per the contract.
    if unsafe { (*cres).cache_priv2 }.is_null() {
        return match backend(cookie).begin_operation {
            // SAFETY: the backend's op on resources of one of its cookies.
            Some(f) => unsafe { f(cres, want) },
            None => false,
        };
    }
    true
}

/// `fscache_begin_operation()`: takes an access and waits for the cookie
/// to be usable, then lets the backend fill in `cres`.
///
/// # Safety
///
/// `cres` must be writable; `cookie` live.
unsafe fn begin_operation(
    cres: *mut bindings::netfs_cache_resources,
    cookie: &Cookie,
    want: bindings::fscache_want_state,
    why: trace::AccessWhy,
) -> Result {
    // SAFETY: per the contract.
    unsafe {
        (*cres).ops = core::ptr::null();
        (*cres).cache_priv = cookie.raw().cast();
        (*cres).cache_priv2 = core::ptr::null_mut();
        (*cres).debug_id = cookie.debug_id();
        (*cres).inval_counter = (*cookie.raw()).inval_counter;
    }
    if !cookie::begin_access(cookie, why) {
        // SAFETY: per the contract.
        unsafe { (*cres).cache_priv = core::ptr::null_mut() };
        return Err(enobufs());
    }
    let mut warned = false;
    let ready = loop {
        let state = cookie.state();
        match state {
            Some(State::Active) => break true,
            Some(State::Creating) if want == WANT_PARAMS => break true,
            Some(
                State::LookingUp | State::LruDiscarding | State::Invalidating | State::Creating,
            ) => {
                trace::access(
                    cookie.debug_id(),
                    cookie.refs(),
                    cookie
                        .n_accesses()
                        .load(core::sync::atomic::Ordering::Relaxed),
                    ACC_IO_WAIT,
                );
                if !cookie.wait_state(STATE_WAIT_NOTICE, |s| s != state) && !warned {
                    pr_warn!(
                        "c={:08x}: cookie state change wait timed out: state={:?}\n",
                        cookie.debug_id(),
                        state
                    );
                    warned = true;
                }
            }
            Some(State::Dropped | State::Relinquishing) => {
                pr_err!(
                    "c={:08x}: I/O on a cookie in state {:?} refused\n",
                    cookie.debug_id(),
                    state
                );
                break false;
            }
            _ => break false,
        }
    };
    let attached = ready
        && match backend(cookie).begin_operation {
            // SAFETY: the backend's op on resources of one of its cookies.
            Some(f) => unsafe { f(cres, want) },
            None => false,
        };
    if attached {
        return Ok(());
    }
    // SAFETY: per the contract.
    unsafe {
        (*cres).cache_priv = core::ptr::null_mut();
        (*cres).ops = core::ptr::null();
    }
    cookie::end_access(cookie, ACC_IO_NOT_LIVE);
    Err(enobufs())
}

/// `__fscache_begin_read_operation()` / `__fscache_begin_write_operation()`.
///
/// # Safety
///
/// As for [`begin_operation`].
pub(crate) unsafe fn begin_io(
    cres: *mut bindings::netfs_cache_resources,
    cookie: &Cookie,
    write: bool,
) -> Result {
    let why = if write { ACC_IO_WRITE } else { ACC_IO_READ };
    // SAFETY: per the contract.
    unsafe { begin_operation(cres, cookie, WANT_PARAMS, why) }
}

/// `fscache_end_operation()` (a header inline in C).
///
/// # Safety
///
/// `cres` must be resources a begin operation filled in (or cleared).
unsafe fn end_operation(cres: *mut bindings::netfs_cache_resources) {
    // SAFETY: per the contract; an attached operation has the backend's ops.
    unsafe {
        if !(*cres).cache_priv.is_null() && !(*cres).ops.is_null() {
            if let Some(f) = (*(*cres).ops).end_operation {
                f(cres);
            }
        }
    }
}

/// `__fscache_clear_page_bits()`: ends PG_private_2 on the range.
///
/// # Safety
///
/// `mapping` must be a live address space holding the range's folios.
pub(crate) unsafe fn clear_page_bits(
    mapping: *mut bindings::address_space,
    start: i64,
    len: usize,
) {
    // SAFETY: per the contract.
    unsafe { fsrs_clear_page_bits(mapping.cast(), start, len) }
}

/// A write of netfs pages to the cache in flight.
#[repr(C)]
struct WriteRequest {
    cres: bindings::netfs_cache_resources,
    mapping: *mut bindings::address_space,
    start: i64,
    len: usize,
    set_bits: bool,
    using_pgpriv2: bool,
    term_func: bindings::netfs_io_terminated_t,
    term_func_priv: *mut c_void,
}

/// Completion of [`write_to_cache`]'s write (also called on its errors).
///
/// # Safety
///
/// `priv_` must be a request from [`write_to_cache`], not used after.
unsafe extern "C" fn write_done(priv_: *mut c_void, result: isize, was_async: bool) {
    let w = priv_.cast::<WriteRequest>();
    // SAFETY: `priv_` is the request write_to_cache() allocated and handed
    // to the backend; it is ours again now, and freed here.
    unsafe {
        if (*w).using_pgpriv2 && (*w).set_bits {
            clear_page_bits((*w).mapping, (*w).start, (*w).len);
        }
        if let Some(f) = (*w).term_func {
            f((*w).term_func_priv, result as _, was_async);
        }
        end_operation(addr_of_mut!((*w).cres));
        crate::sys::kfree(w);
    }
}

/// `__fscache_write_to_cache()`: writes `[start, start + len)` of
/// `mapping` to the cookie's object, then clears the pages' PG_private_2
/// (if `using_pgpriv2` and `cond`) and calls `term_func`.
///
/// # Safety
///
/// The C contract: `mapping` holds the range's pages, pinned by the
/// caller until `term_func` is called; `cookie` is live.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn write_to_cache(
    cookie: &Cookie,
    mapping: *mut bindings::address_space,
    start: i64,
    len: usize,
    i_size: i64,
    term_func: bindings::netfs_io_terminated_t,
    term_func_priv: *mut c_void,
    using_pgpriv2: bool,
    cond: bool,
) {
    let abandon = |ret: c_int| {
        if using_pgpriv2 && cond {
            // SAFETY: per the contract.
            unsafe { clear_page_bits(mapping, start, len) };
        }
        if let Some(f) = term_func {
            // SAFETY: the netfs's completion with its own data.
            unsafe { f(term_func_priv, ret as _, false) };
        }
    };
    if len == 0 {
        return abandon(NOBUFS);
    }
    let Ok(p) = crate::sys::kzalloc(core::mem::size_of::<WriteRequest>()) else {
        return abandon(NOBUFS);
    };
    let w = p.as_ptr().cast::<WriteRequest>();
    // SAFETY: a new zeroed allocation of the right size, ours alone.
    unsafe {
        (*w).mapping = mapping;
        (*w).start = start;
        (*w).len = len;
        (*w).using_pgpriv2 = using_pgpriv2;
        (*w).set_bits = cond;
        (*w).term_func = term_func;
        (*w).term_func_priv = term_func_priv;
    }
    // SAFETY: `w`'s resources are writable; the cookie is live.
    let cres = unsafe { addr_of_mut!((*w).cres) };
    // SAFETY: as above.
    if unsafe { begin_operation(cres, cookie, WANT_WRITE, ACC_IO_WRITE) }.is_err() {
        // SAFETY: never handed out.
        unsafe { crate::sys::kfree(w) };
        return abandon(NOBUFS);
    }
    let (mut s, mut l) = (start, len);
    // SAFETY: an attached operation: `ops` is the backend's netfs table.
    let ops = unsafe { &*(*cres).ops };
    let ret = match ops.prepare_write {
        // SAFETY: the backend's op on its attached resources.
        Some(f) => unsafe { f(cres, &mut s, &mut l, len, i_size, false) },
        None => NOBUFS,
    };
    if ret < 0 {
        // SAFETY: `w` is ours; write_done() frees it.
        return unsafe { write_done(w.cast(), ret as isize, false) };
    }
    let mut iter = core::mem::MaybeUninit::<bindings::iov_iter>::zeroed();
    // SAFETY: iov_iter_xarray() initialises `iter` over the mapping's page
    // cache, which the caller pins for the write's duration.
    unsafe {
        bindings::iov_iter_xarray(
            iter.as_mut_ptr(),
            bindings::ITER_SOURCE,
            addr_of_mut!((*mapping).i_pages),
            s,
            l,
        )
    };
    // SAFETY: the backend's write op; it calls write_done() with `w` when
    // done (or on failure), which frees it.
    unsafe {
        match ops.write {
            Some(f) => {
                f(cres, s, iter.as_mut_ptr(), Some(write_done), w.cast());
            }
            None => write_done(w.cast(), NOBUFS as isize, false),
        }
    }
}

/// `__fscache_resize_cookie()`: sets the object's size now (inside the
/// netfs's inode lock, so it cannot be deferred).
pub(crate) fn resize(cookie: &Cookie, new_size: i64) {
    // SAFETY: a live cookie.
    unsafe { trace::resize(cookie.raw(), new_size) };
    let mut cres = bindings::netfs_cache_resources::default();
    let cres = &mut cres as *mut bindings::netfs_cache_resources;
    // SAFETY: `cres` is ours, on the stack.
    if unsafe { begin_operation(cres, cookie, WANT_WRITE, ACC_IO_RESIZE) }.is_ok() {
        stats::N_RESIZES.inc();
        cookie.flags().set(cs::NEEDS_UPDATE);
        if let Some(f) = backend(cookie).resize_cookie {
            // SAFETY: the backend's op on resources it attached.
            unsafe { f(cres, new_size) };
        }
        // SAFETY: attached above.
        unsafe { end_operation(cres) };
    } else {
        stats::N_RESIZES_NULL.inc();
    }
}
