// SPDX-License-Identifier: GPL-2.0
//! What netfs hands a cache for one read or write: the completion to call
//! and the data iterator. Upstream: none (netfs has no Rust abstraction);
//! `kernel::iov` (6.18) has `IovIterSource`/`IovIterDest`, ownership-typed
//! views of the same `struct iov_iter` this borrows untyped.

use core::ffi::c_void;
use kernel::{bindings, types::Opaque};

extern "C" {
    // rust/helpers/uio.c
    fn fsrs_iov_iter_count(iter: *const bindings::iov_iter) -> usize;
    fn fsrs_iov_iter_truncate(iter: *mut bindings::iov_iter, count: usize);
    fn fsrs_iov_iter_add_count(iter: *mut bindings::iov_iter, n: usize);
}

/// The netfs's completion of a read or a write (`netfs_io_terminated_t`
/// and its data).
///
/// # Invariants
///
/// `func` may be called once with `data`, from any context an I/O
/// completes in; consuming `call` makes it once.
pub struct Completion {
    func: bindings::netfs_io_terminated_t,
    data: *mut c_void,
}

// SAFETY: netfs lets its completion be called from any context (the I/O's
// completion may run on another CPU); `data` is netfs's own.
unsafe impl Send for Completion {}

impl Completion {
    /// # Safety
    ///
    /// `func` (if any) must take `data` and be callable once, from any
    /// context an I/O completes in.
    pub unsafe fn new(func: bindings::netfs_io_terminated_t, data: *mut c_void) -> Self {
        // INVARIANT: per the caller.
        Completion { func, data }
    }

    /// No completion: the I/O is synchronous and its result is returned.
    pub fn none() -> Self {
        // INVARIANT: no function, nothing to call.
        Completion {
            func: None,
            data: core::ptr::null_mut(),
        }
    }

    /// Whether there is a function to call (a synchronous caller passes
    /// none and takes the result from the return value).
    pub fn is_set(&self) -> bool {
        self.func.is_some()
    }

    /// Calls it (consumed: at most once).
    pub fn call(self, result: isize, was_async: bool) {
        if let Some(f) = self.func {
            // SAFETY: called once with its own data (type invariant).
            unsafe { f(self.data, result as _, was_async) };
        }
    }
}

/// A `struct iov_iter`, borrowed for the call that was given it.
///
/// # Invariants
///
/// The iterator is valid, and ours to advance, for as long as it is
/// borrowed.
#[repr(transparent)]
pub struct IovIter(Opaque<bindings::iov_iter>);

impl IovIter {
    /// # Safety
    ///
    /// `p` must be a valid iterator that no one else uses for `'a`.
    pub unsafe fn from_raw<'a>(p: *mut bindings::iov_iter) -> &'a IovIter {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<IovIter>() }
    }

    pub fn as_ptr(&self) -> *mut bindings::iov_iter {
        self.0.get()
    }

    /// Bytes left (`iov_iter_count()`).
    pub fn count(&self) -> usize {
        // SAFETY: valid while borrowed (type invariant).
        unsafe { fsrs_iov_iter_count(self.as_ptr()) }
    }

    /// Fills `n` bytes with zeroes and advances (`iov_iter_zero()`); the
    /// byte count done.
    pub fn zero(&self, n: usize) -> usize {
        // SAFETY: valid and ours to advance (type invariant).
        unsafe { bindings::iov_iter_zero(n, self.as_ptr()) }
    }

    /// Skips `n` bytes (`iov_iter_advance()`).
    pub fn advance(&self, n: usize) {
        // SAFETY: valid and ours to advance (type invariant).
        unsafe { bindings::iov_iter_advance(self.as_ptr(), n) };
    }

    /// Limits the iterator to `count` bytes (`iov_iter_truncate()`).
    pub fn truncate(&self, count: usize) {
        // SAFETY: valid and ours to change (type invariant).
        unsafe { fsrs_iov_iter_truncate(self.as_ptr(), count) };
    }

    /// Extends the iterator by `n` bytes that its buffer holds (netfs's
    /// rounding of a last block: `iter->count += n`).
    pub fn add_count(&self, n: usize) {
        // SAFETY: valid and ours to change (type invariant); the caller
        // knows the backing buffer reaches that far.
        unsafe { fsrs_iov_iter_add_count(self.as_ptr(), n) };
    }
}
