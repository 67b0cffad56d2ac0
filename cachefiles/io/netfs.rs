// SPDX-License-Identifier: GPL-2.0
//! The backend's side of netfs's objects: an operation's
//! `netfs_cache_resources` as a backend fills and reads it, and a netfs
//! subrequest. Everything unsafe about them is here; `mod.rs` is safe Rust
//! over these.

use super::ops::NETFS_OPS;
use crate::fsc::Cookie;
use crate::interface::object_of;
use crate::kext::netfs::{Completion, IovIter};
use crate::object::Object;
use crate::vfs::File;
use core::ptr::{addr_of_mut, NonNull};
use kernel::{bindings, types::ARef, types::Opaque};

/// An operation's `struct netfs_cache_resources`.
///
/// # Invariants
///
/// Lent by netfs for the call that gave it (or, for a subrequest's, for as
/// long as the subrequest is ours). `cache_priv` is fscache's cookie, on
/// which the operation holds an access; `cache_priv2` is null or a file
/// reference that [`Resources::attach`] stored and [`Resources::detach`]
/// takes back.
#[repr(transparent)]
pub(crate) struct Resources(Opaque<bindings::netfs_cache_resources>);

impl Resources {
    /// # Safety
    ///
    /// `p` must be an operation's resources, valid and ours to use for
    /// `'a`, begun by fscache on one of our cookies.
    pub(crate) unsafe fn from_raw<'a>(p: *mut bindings::netfs_cache_resources) -> &'a Resources {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<Resources>() }
    }

    fn raw(&self) -> *mut bindings::netfs_cache_resources {
        self.0.get()
    }

    /// The operation's cookie.
    pub(crate) fn cookie(&self) -> Option<&Cookie> {
        // SAFETY: valid while borrowed, and the operation's access keeps
        // the cookie live for as long (type invariant).
        unsafe { Cookie::of_cres(self.raw()) }
    }

    /// The cookie's object: attached while the operation holds its access.
    pub(crate) fn object(&self) -> Option<&Object> {
        // SAFETY: one of our cookies (type invariant), whose object stays
        // attached while the operation's access is held.
        self.cookie().and_then(|c| unsafe { object_of(c) })
    }

    /// The backing file the operation holds, with a reference of our own.
    pub(crate) fn file(&self) -> Option<ARef<File>> {
        // SAFETY: readable while borrowed (type invariant).
        let p = unsafe { (*self.raw()).cache_priv2 }.cast::<bindings::file>();
        // SAFETY: null or a file the operation holds a reference on until
        // detach() (type invariant); ARef::from takes our own.
        (!p.is_null()).then(|| ARef::from(unsafe { File::from_raw_file(p) }))
    }

    /// Whether a backing file is attached.
    pub(crate) fn has_file(&self) -> bool {
        // SAFETY: readable while borrowed (type invariant).
        !unsafe { (*self.raw()).cache_priv2 }.is_null()
    }

    /// Gives the operation our ops and, if there is one, the backing file
    /// (a reference it holds until [`Resources::detach`]). Only while no
    /// file is attached.
    pub(crate) fn attach(&self, file: Option<ARef<File>>) {
        if self.has_file() {
            return;
        }
        let f = file.map_or(core::ptr::null_mut(), |f| ARef::into_raw(f).as_ptr().cast());
        // SAFETY: ours to fill in (type invariant); NETFS_OPS is static.
        unsafe {
            (*self.raw()).ops = &NETFS_OPS.0;
            (*self.raw()).cache_priv2 = f;
        }
    }

    /// Takes the backing file's reference back (end of the operation).
    pub(crate) fn detach(&self) -> Option<ARef<File>> {
        // SAFETY: ours to change (type invariant); cleared as it is read,
        // so the reference attach() stored is taken back once.
        let p = unsafe {
            core::ptr::replace(
                addr_of_mut!((*self.raw()).cache_priv2),
                core::ptr::null_mut(),
            )
        };
        // SAFETY: attach()'s file reference (type invariant).
        NonNull::new(p.cast::<bindings::file>()).map(|p| unsafe { File::adopt(p) })
    }

    /// The cookie's invalidation counter when the operation began.
    pub(crate) fn inval_counter(&self) -> u32 {
        // SAFETY: readable while borrowed (type invariant).
        unsafe { (*self.raw()).inval_counter }
    }

    /// `fscache_wait_for_operation()`: waits until the object can be used
    /// as `want` needs; false if it never will be.
    pub(crate) fn wait_for(&self, want: bindings::fscache_want_state) -> bool {
        // SAFETY: the resources of an operation in progress (type
        // invariant).
        unsafe { bindings::fscache_wait_for_operation(self.raw(), want) }
    }
}

/// A netfs subrequest, ours for the call that gave it (and, for a write
/// being issued, until it is terminated).
///
/// # Invariants
///
/// The subrequest and its request are valid while borrowed; the fields
/// changed here (`len`, `transferred`, `flags`, the stream's limits) are
/// ours to change during the call, as netfs hands them to the cache.
#[repr(transparent)]
pub(crate) struct Subrequest(Opaque<bindings::netfs_io_subrequest>);

impl Subrequest {
    /// # Safety
    ///
    /// `p` must be a subrequest netfs gave us, valid for `'a`, on a
    /// request whose cache operation is ours.
    pub(crate) unsafe fn from_raw<'a>(p: *mut bindings::netfs_io_subrequest) -> &'a Subrequest {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<Subrequest>() }
    }

    fn raw(&self) -> *mut bindings::netfs_io_subrequest {
        self.0.get()
    }

    fn request(&self) -> *mut bindings::netfs_io_request {
        // SAFETY: valid while borrowed (type invariant).
        unsafe { (*self.raw()).rreq }
    }

    fn stream(&self) -> *mut bindings::netfs_io_stream {
        let r = self.request();
        // SAFETY: the request is valid (type invariant) and stream_nr
        // indexes its streams.
        unsafe { addr_of_mut!((*r).io_streams[usize::from((*self.raw()).stream_nr)]) }
    }

    /// The request's cache resources.
    pub(crate) fn resources(&self) -> &Resources {
        // SAFETY: the request's resources, begun on one of our cookies
        // (the caller of from_raw), valid while the subrequest is.
        unsafe { Resources::from_raw(addr_of_mut!((*self.request()).cache_resources)) }
    }

    pub(crate) fn start(&self) -> i64 {
        // SAFETY: valid while borrowed (type invariant).
        unsafe { (*self.raw()).start as i64 }
    }

    pub(crate) fn len(&self) -> usize {
        // SAFETY: valid while borrowed (type invariant).
        unsafe { (*self.raw()).len }
    }

    /// The subrequest's data iterator.
    pub(crate) fn iter(&self) -> &IovIter {
        // SAFETY: the subrequest's own iterator, ours while it is.
        unsafe { IovIter::from_raw(addr_of_mut!((*self.raw()).io_iter)) }
    }

    /// The file's size as the request sees it.
    pub(crate) fn i_size(&self) -> i64 {
        // SAFETY: the request is valid (type invariant).
        unsafe { (*self.request()).i_size as i64 }
    }

    /// The netfs inode's number (for traces).
    pub(crate) fn netfs_ino(&self) -> u64 {
        // SAFETY: the request and its inode are valid (type invariant).
        unsafe { (*(*self.request()).inode).i_ino as u64 }
    }

    /// How far the stream lets the last write be extended.
    pub(crate) fn extendable_to(&self) -> usize {
        // SAFETY: the stream is valid (type invariant).
        unsafe { (*self.stream()).submit_extendable_to as usize }
    }

    /// Sets the largest write and segment count the stream may issue.
    pub(crate) fn set_stream_limits(&self, max_len: usize, max_segs: u32) {
        let s = self.stream();
        // SAFETY: ours to set while preparing the subrequest (type
        // invariant).
        unsafe {
            (*s).sreq_max_len = max_len;
            (*s).sreq_max_segs = max_segs;
        }
    }

    /// Skips `n` bytes at the start: counted as transferred.
    pub(crate) fn skip(&self, n: usize) {
        // SAFETY: ours to change (type invariant).
        unsafe { (*self.raw()).transferred += n };
        self.iter().advance(n);
    }

    /// Extends the subrequest by `n` bytes (the last block rounded up).
    pub(crate) fn extend(&self, n: usize) {
        // SAFETY: ours to change (type invariant).
        unsafe { (*self.raw()).len += n };
        self.iter().add_count(n);
    }

    /// Calls `f` with the subrequest's length and flags to change
    /// (prepare_read).
    pub(crate) fn with_len_flags<R>(&self, f: impl FnOnce(&mut usize, &mut usize) -> R) -> R {
        // SAFETY: ours to change during the call (type invariant); the
        // two fields are distinct.
        let (len, flags) = unsafe { (&mut (*self.raw()).len, &mut (*self.raw()).flags) };
        f(len, flags)
    }

    /// `netfs_prepare_write_failed()`.
    pub(crate) fn prepare_write_failed(&self) {
        // SAFETY: a write subrequest being prepared (type invariant).
        unsafe { bindings::netfs_prepare_write_failed(self.raw()) };
    }

    /// The completion of a write subrequest
    /// (`netfs_write_subrequest_terminated()` with the subrequest).
    pub(crate) fn write_completion(&self) -> Completion {
        // SAFETY: netfs's own completion for its subrequest, called once.
        unsafe {
            Completion::new(
                Some(bindings::netfs_write_subrequest_terminated),
                self.raw().cast(),
            )
        }
    }
}
