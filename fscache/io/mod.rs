// SPDX-License-Identifier: GPL-2.0
//! The I/O side of the API: attaching a cookie's cache object to a
//! `netfs_cache_resources` once the cookie is usable, writing netfs pages
//! to the cache, resizing.
//!
//! An operation holds one cookie access from begin to end (the backend's
//! `end_operation` ends it), so withdrawal waits for it. `netfs.rs` holds
//! the netfs objects (resources, page cache, completion); this file is
//! safe Rust over them.

mod netfs;

pub(crate) use netfs::{CacheResources, Completion, Mapping};
use netfs::{WriteRequest, NOBUFS};

use crate::cache;
use crate::cookie::state::{self as cs, State};
use crate::cookie::sys as cookie_sys;
use crate::cookie::{self, Cookie};
use crate::kext::error::code::ENOBUFS;
use crate::stats;
use crate::trace;
use kernel::{bindings, ffi::c_long, prelude::*};

use bindings::{
    fscache_access_trace_fscache_access_io_not_live as ACC_IO_NOT_LIVE,
    fscache_access_trace_fscache_access_io_read as ACC_IO_READ,
    fscache_access_trace_fscache_access_io_resize as ACC_IO_RESIZE,
    fscache_access_trace_fscache_access_io_wait as ACC_IO_WAIT,
    fscache_access_trace_fscache_access_io_write as ACC_IO_WRITE,
    fscache_want_state_FSCACHE_WANT_PARAMS as WANT_PARAMS,
    fscache_want_state_FSCACHE_WANT_WRITE as WANT_WRITE,
};

/// How long an operation waits for a state change before it complains
/// once (20 s, as in C); it goes on waiting after.
const STATE_WAIT_NOTICE: c_long = 20 * crate::sys::HZ as c_long;

/// `fscache_wait_for_operation()`: waits until the cookie's object can be
/// used as `want` needs; false if it never will be.
pub(crate) fn wait_for_operation(
    cres: &CacheResources,
    want: bindings::fscache_want_state,
) -> bool {
    let Some(cookie) = cres.cookie() else {
        return false;
    };
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
    if !cres.has_object() {
        return cres.backend_begin(cookie, want);
    }
    true
}

/// `fscache_begin_operation()`: takes an access and waits for the cookie
/// to be usable, then lets the backend fill in `cres`.
fn begin_operation(
    cres: &CacheResources,
    cookie: &Cookie,
    want: bindings::fscache_want_state,
    why: trace::AccessWhy,
) -> Result {
    cres.begin(cookie);
    if !cookie::begin_access(cookie, why) {
        cres.clear();
        return Err(ENOBUFS());
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
    if ready && cres.backend_begin(cookie, want) {
        return Ok(());
    }
    cres.clear();
    cookie::end_access(cookie, ACC_IO_NOT_LIVE);
    Err(ENOBUFS())
}

/// `__fscache_begin_read_operation()` / `__fscache_begin_write_operation()`.
pub(crate) fn begin_io(cres: &CacheResources, cookie: &Cookie, write: bool) -> Result {
    let why = if write { ACC_IO_WRITE } else { ACC_IO_READ };
    begin_operation(cres, cookie, WANT_PARAMS, why)
}

/// `__fscache_clear_page_bits()`: ends PG_private_2 on the range.
pub(crate) fn clear_page_bits(mapping: Mapping, start: i64, len: usize) {
    mapping.clear_page_bits(start, len);
}

/// The end of a write to the cache (from the backend's completion, also on
/// its errors): clears the pages' bits, tells the netfs, ends the access.
fn write_done(w: KBox<WriteRequest>, result: isize, was_async: bool) {
    if w.clear_bits {
        w.mapping.clear_page_bits(w.start, w.len);
    }
    let mut w = w;
    if let Some(done) = w.done.take() {
        done.call(result, was_async);
    }
    w.cres.end();
}

/// `__fscache_write_to_cache()`: writes `[start, start + len)` of
/// `mapping` to the cookie's object, then clears the pages' PG_private_2
/// (if `using_pgpriv2` and `cond`) and calls `done`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_to_cache(
    cookie: &Cookie,
    mapping: Mapping,
    start: i64,
    len: usize,
    i_size: i64,
    done: Completion,
    using_pgpriv2: bool,
    cond: bool,
) {
    let clear_bits = using_pgpriv2 && cond;
    let abandon = |done: Completion| {
        if clear_bits {
            mapping.clear_page_bits(start, len);
        }
        done.call(NOBUFS as isize, false);
    };
    if len == 0 {
        return abandon(done);
    }
    let w = KBox::new(
        WriteRequest {
            cres: CacheResources::new(),
            mapping,
            start,
            len,
            clear_bits,
            done: None,
        },
        GFP_KERNEL,
    );
    let Ok(mut w) = w else {
        return abandon(done);
    };
    if begin_operation(&w.cres, cookie, WANT_WRITE, ACC_IO_WRITE).is_err() {
        return abandon(done);
    }
    w.done = Some(done);
    let (mut s, mut l) = (start, len);
    let ret = w.cres.prepare_write(&mut s, &mut l, len, i_size);
    if ret < 0 {
        return write_done(w, ret as isize, false);
    }
    w.start(s, l);
}

/// `__fscache_resize_cookie()`: sets the object's size now (inside the
/// netfs's inode lock, so it cannot be deferred).
pub(crate) fn resize(cookie: &Cookie, new_size: i64) {
    cookie.trace_resize(new_size);
    let cres = CacheResources::new();
    if begin_operation(&cres, cookie, WANT_WRITE, ACC_IO_RESIZE).is_ok() {
        stats::N_RESIZES.inc();
        cookie.flags().set(cs::NEEDS_UPDATE);
        cres.resize(cookie, new_size);
        cres.end();
    } else {
        stats::N_RESIZES_NULL.inc();
    }
}
