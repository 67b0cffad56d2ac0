// SPDX-License-Identifier: GPL-2.0
//! The netfs objects the I/O API works on: `struct netfs_cache_resources`
//! (a request's handle on the cache, which the backend fills in), the page
//! cache a write to the cache reads from, and the netfs's completion. All
//! the unsafe code of the I/O API is here; `mod.rs` is safe Rust over it.

use crate::cookie::Cookie;
pub(crate) use crate::kext::netfs::Completion;
use core::ffi::c_void;
use core::ptr::addr_of_mut;
use kernel::{bindings, ffi::c_int, prelude::*, types::Opaque};

extern "C" {
    // `mapping` is a `struct address_space *`, which Rust cannot prove
    // FFI-safe; it is only passed through.
    fn fsrs_clear_page_bits(mapping: *mut c_void, start: i64, len: usize);
}

/// `-ENOBUFS`, what the C completions and ops take for "no cache".
pub(super) const NOBUFS: c_int = -(bindings::ENOBUFS as c_int);

/// A `struct netfs_cache_resources`.
///
/// # Invariants
///
/// The netfs owns the memory and lends it to us for the call that gave it
/// (or, inside a [`WriteRequest`], we own it). `cache_priv` is null or a
/// cookie whose access the operation holds, set by [`Self::begin`];
/// `ops` is null or the backend's static netfs table, set by the backend's
/// `begin_operation`.
#[repr(transparent)]
pub(crate) struct CacheResources(Opaque<bindings::netfs_cache_resources>);

impl CacheResources {
    /// Empty resources of our own (a write to the cache, a resize). They
    /// are only lent out by reference, so they stay where they are while
    /// the backend uses them.
    pub(super) fn new() -> Self {
        // INVARIANT: ours, nothing attached.
        CacheResources(Opaque::new(bindings::netfs_cache_resources::default()))
    }

    /// # Safety
    ///
    /// `p` must be valid for reads and writes for `'a` and used by no one
    /// else meanwhile but the backend, through the calls below.
    pub(crate) unsafe fn from_raw<'a>(p: *mut bindings::netfs_cache_resources) -> &'a Self {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<Self>() }
    }

    fn raw(&self) -> *mut bindings::netfs_cache_resources {
        self.0.get()
    }

    /// Starts an operation on `cookie`: no backend yet, its debug id and
    /// invalidation counter. The caller takes the cookie's access.
    pub(super) fn begin(&self, cookie: &Cookie) {
        let p = self.raw();
        // SAFETY: ours to write for the call (type invariant).
        unsafe {
            (*p).ops = core::ptr::null();
            (*p).cache_priv = cookie.raw().cast();
            (*p).cache_priv2 = core::ptr::null_mut();
            (*p).debug_id = cookie.debug_id();
            (*p).inval_counter = cookie.inval_counter();
        }
    }

    /// Detaches the cookie and the backend (the operation failed).
    pub(super) fn clear(&self) {
        // SAFETY: ours to write for the call (type invariant).
        unsafe {
            (*self.raw()).cache_priv = core::ptr::null_mut();
            (*self.raw()).ops = core::ptr::null();
        }
    }

    /// The operation's cookie, if one is attached.
    pub(super) fn cookie(&self) -> Option<&Cookie> {
        // SAFETY: readable (type invariant).
        let p = unsafe { (*self.raw()).cache_priv };
        // SAFETY: a non-null `cache_priv` is a cookie whose access the
        // operation holds (type invariant), so it is live while the
        // resources are lent to us.
        (!p.is_null()).then(|| unsafe { Cookie::from_raw(p.cast()) })
    }

    /// Whether the backend has attached its object.
    pub(super) fn has_object(&self) -> bool {
        // SAFETY: readable (type invariant).
        !unsafe { (*self.raw()).cache_priv2 }.is_null()
    }

    /// The backend's `begin_operation` for `cookie`, whose access this
    /// operation holds.
    pub(super) fn backend_begin(
        &self,
        cookie: &Cookie,
        want: bindings::fscache_want_state,
    ) -> bool {
        // SAFETY: an operation starts only on a cookie whose cache was
        // added, so `ops` is the backend's static table.
        match unsafe { (*cookie.volume().cache().ops()).begin_operation } {
            // SAFETY: the backend's op on resources of one of its cookies.
            Some(f) => unsafe { f(self.raw(), want) },
            None => false,
        }
    }

    /// The backend's netfs ops, once it attached the operation.
    fn ops(&self) -> Option<&'static bindings::netfs_cache_ops> {
        // SAFETY: `ops` is null or the backend's static table (type
        // invariant).
        unsafe { (*self.raw()).ops.as_ref() }
    }

    /// `fscache_end_operation()`: the backend ends the cookie's access.
    pub(super) fn end(&self) {
        if self.cookie().is_none() {
            return;
        }
        if let Some(f) = self.ops().and_then(|o| o.end_operation) {
            // SAFETY: the backend's op on resources it attached.
            unsafe { f(self.raw()) };
        }
    }

    /// The backend's `prepare_write`: may round `start`/`len` out.
    pub(super) fn prepare_write(
        &self,
        start: &mut i64,
        len: &mut usize,
        upper_len: usize,
        i_size: i64,
    ) -> c_int {
        match self.ops().and_then(|o| o.prepare_write) {
            // SAFETY: the backend's op on resources it attached.
            Some(f) => unsafe { f(self.raw(), start, len, upper_len, i_size, false) },
            None => NOBUFS,
        }
    }

    /// The backend's `resize_cookie`.
    pub(super) fn resize(&self, cookie: &Cookie, new_size: i64) {
        // SAFETY: as in backend_begin(): the backend's static table.
        if let Some(f) = unsafe { (*cookie.volume().cache().ops()).resize_cookie } {
            // SAFETY: the backend's op on resources it attached.
            unsafe { f(self.raw(), new_size) };
        }
    }
}

/// An address space whose pages a netfs pins for a write to the cache.
///
/// # Invariants
///
/// `0` is a live `struct address_space` whose pages in the range of the
/// write stay pinned until the write's completion is called.
#[derive(Clone, Copy)]
pub(crate) struct Mapping(*mut bindings::address_space);

impl Mapping {
    /// # Safety
    ///
    /// The C contract of `fscache_write_to_cache()`: `mapping` holds the
    /// range's pages, pinned until the completion is called.
    pub(crate) unsafe fn from_raw(mapping: *mut bindings::address_space) -> Self {
        Mapping(mapping)
    }

    /// `__fscache_clear_page_bits()`: ends PG_private_2 on the range.
    pub(super) fn clear_page_bits(self, start: i64, len: usize) {
        // SAFETY: the pages are pinned (type invariant).
        unsafe { fsrs_clear_page_bits(self.0.cast(), start, len) }
    }
}

/// A write of netfs pages to the cache in flight: the backend holds it
/// (as its completion's data) from [`WriteRequest::start`] until it calls
/// [`write_done`]. It lives in a `KBox` that is never moved out of, so its
/// resources stay in place while the backend points at them.
pub(super) struct WriteRequest {
    pub(super) cres: CacheResources,
    pub(super) mapping: Mapping,
    pub(super) start: i64,
    pub(super) len: usize,
    pub(super) clear_bits: bool,
    pub(super) done: Option<Completion>,
}

// SAFETY: the request moves to the completion's context; its raw pointers
// (the mapping, the netfs's data) are valid on any CPU per the C contract.
unsafe impl Send for WriteRequest {}

impl WriteRequest {
    /// Hands the request to the backend's `write` for `[start, start +
    /// len)` of its mapping; [`write_done`] gets it back.
    pub(super) fn start(self: KBox<Self>, start: i64, len: usize) {
        let write = self.cres.ops().and_then(|o| o.write);
        let mapping = self.mapping.0;
        let cres = self.cres.raw();
        // Given up here, taken back by write_done(): the request stays in
        // place and alive while the backend has it.
        let data = KBox::into_raw(self).cast::<c_void>();
        let Some(f) = write else {
            // SAFETY: `data` came from KBox::into_raw just above.
            return unsafe { write_done(data, NOBUFS as isize, false) };
        };
        let mut iter = core::mem::MaybeUninit::<bindings::iov_iter>::zeroed();
        // SAFETY: iov_iter_xarray() initialises `iter` over the mapping's
        // page cache, which stays pinned for the write (Mapping's
        // invariant); the backend's write calls write_done() with `data`
        // when done or on failure.
        unsafe {
            bindings::iov_iter_xarray(
                iter.as_mut_ptr(),
                bindings::ITER_SOURCE,
                addr_of_mut!((*mapping).i_pages),
                start,
                len,
            );
            f(cres, start, iter.as_mut_ptr(), Some(write_done), data);
        }
    }
}

/// The backend's completion of a [`WriteRequest`].
///
/// # Safety
///
/// `data` must be a request from [`WriteRequest::start`], not used after.
unsafe extern "C" fn write_done(data: *mut c_void, result: isize, was_async: bool) {
    // SAFETY: the box WriteRequest::start() gave up; ours again, and
    // freed when this returns.
    let w = unsafe { KBox::from_raw(data.cast::<WriteRequest>()) };
    super::write_done(w, result, was_async);
}
