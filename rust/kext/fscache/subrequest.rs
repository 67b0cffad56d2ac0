// SPDX-License-Identifier: GPL-2.0
//! A netfs subrequest (`struct netfs_io_subrequest`) as a cache backend
//! sees it: one slice of a request that the cache reads or writes.

use super::backend::CacheBackend;
use super::resources::CacheResources;
use crate::kext::netfs::IovIter;
use core::{marker::PhantomData, ptr::addr_of_mut};
use kernel::{bindings, types::Opaque};

/// A subrequest's flag bits (`NETFS_SREQ_*`), as masks.
pub mod flags {
    use kernel::bindings;
    /// Copy the data read to the cache.
    pub const COPY_TO_CACHE: usize = 1 << bindings::NETFS_SREQ_COPY_TO_CACHE;
    /// The cache asks an on-demand daemon for missing data.
    pub const ONDEMAND: usize = 1 << bindings::NETFS_SREQ_ONDEMAND;
}

/// The largest number of segments one write may have (`BIO_MAX_VECS`).
pub const MAX_SEGS: u32 = bindings::BIO_MAX_VECS;

/// A netfs subrequest on a request whose cache operation is backend `T`'s,
/// ours for the call that gave it (and, for a write being issued, until it
/// is terminated).
///
/// # Invariants
///
/// The subrequest and its request are valid while borrowed, and the
/// request's cache resources were begun on a cookie of a cache added with
/// `T`'s table; the fields changed here (`len`, `transferred`, `flags`,
/// the stream's limits) are ours to change during the call, as netfs
/// hands them to the cache.
#[repr(transparent)]
pub struct Subrequest<T: CacheBackend>(Opaque<bindings::netfs_io_subrequest>, PhantomData<T>);

impl<T: CacheBackend> Subrequest<T> {
    /// # Safety
    ///
    /// `p` must be a subrequest netfs gave us, valid for `'a`, on a
    /// request whose cache operation is `T`'s.
    pub unsafe fn from_raw<'a>(p: *mut bindings::netfs_io_subrequest) -> &'a Self {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<Self>() }
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
    pub fn resources(&self) -> &CacheResources<T> {
        // SAFETY: the request's resources, begun on a cookie of a cache
        // with T's table (type invariant), valid while the subrequest is.
        unsafe { CacheResources::from_raw(addr_of_mut!((*self.request()).cache_resources)) }
    }

    /// Where the subrequest starts in the file.
    pub fn start(&self) -> i64 {
        // SAFETY: valid while borrowed (type invariant).
        unsafe { (*self.raw()).start as i64 }
    }

    /// The subrequest's length.
    pub fn len(&self) -> usize {
        // SAFETY: valid while borrowed (type invariant).
        unsafe { (*self.raw()).len }
    }

    /// Whether the subrequest is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The subrequest's data iterator.
    pub fn iter(&self) -> &IovIter {
        // SAFETY: the subrequest's own iterator, ours while it is.
        unsafe { IovIter::from_raw(addr_of_mut!((*self.raw()).io_iter)) }
    }

    /// The file's size as the request sees it.
    pub fn i_size(&self) -> i64 {
        // SAFETY: the request is valid (type invariant).
        unsafe { (*self.request()).i_size as i64 }
    }

    /// The netfs inode's number (for traces).
    pub fn netfs_ino(&self) -> u64 {
        // SAFETY: the request and its inode are valid (type invariant).
        unsafe { (*(*self.request()).inode).i_ino as u64 }
    }

    /// How far the stream lets the last write be extended.
    pub fn extendable_to(&self) -> usize {
        // SAFETY: the stream is valid (type invariant).
        unsafe { (*self.stream()).submit_extendable_to as usize }
    }

    /// Sets the largest write and segment count the stream may issue.
    pub fn set_stream_limits(&self, max_len: usize, max_segs: u32) {
        let s = self.stream();
        // SAFETY: ours to set while preparing the subrequest (type
        // invariant).
        unsafe {
            (*s).sreq_max_len = max_len;
            (*s).sreq_max_segs = max_segs;
        }
    }

    /// Skips `n` bytes at the start: counted as transferred.
    pub fn skip(&self, n: usize) {
        // SAFETY: ours to change (type invariant).
        unsafe { (*self.raw()).transferred += n };
        self.iter().advance(n);
    }

    /// Extends the subrequest by `n` bytes (the last block rounded up).
    pub fn extend(&self, n: usize) {
        // SAFETY: ours to change (type invariant).
        unsafe { (*self.raw()).len += n };
        self.iter().add_count(n);
    }

    /// Calls `f` with the subrequest's length and flags ([`flags`]) to
    /// change (prepare_read).
    pub fn with_len_flags<R>(&self, f: impl FnOnce(&mut usize, &mut usize) -> R) -> R {
        // SAFETY: ours to change during the call (type invariant); the
        // two fields are distinct, and nothing else reads them meanwhile.
        let (len, flags) = unsafe { (&mut (*self.raw()).len, &mut (*self.raw()).flags) };
        f(len, flags)
    }

    /// `netfs_prepare_write_failed()`.
    pub fn prepare_write_failed(&self) {
        // SAFETY: a write subrequest being prepared (type invariant).
        unsafe { bindings::netfs_prepare_write_failed(self.raw()) };
    }
}
