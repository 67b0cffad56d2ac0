// SPDX-License-Identifier: GPL-2.0
//! Safe wrappers for the kernel services the fscache core uses that the
//! `kernel` crate does not wrap, and for the C-visible fields of the
//! objects it manages (atomics and refcounts backends read directly).

use core::{
    cell::UnsafeCell,
    ops::{Deref, DerefMut},
    ptr::{addr_of_mut, NonNull},
    sync::atomic::AtomicI32,
};
use kernel::{bindings, ffi::c_char, prelude::*, str::CStr};

extern "C" {
    // helpers.c
    fn fsrs_refcount_inc_not_zero(r: *mut bindings::refcount_t) -> bool;
    fn fsrs_wait_var_zero(v: *mut bindings::atomic_t);
}

/// Data guarded by the exported `fscache_addremove_sem`, the lock the C
/// fscache also holds while adding and removing caches.
pub(crate) struct AddRemoveLocked<T>(UnsafeCell<T>);

// SAFETY: all access goes through the guards, which hold the rwsem: shared
// for `&T`, exclusive for `&mut T`.
unsafe impl<T: Send> Sync for AddRemoveLocked<T> {}

fn addremove_sem() -> *mut bindings::rw_semaphore {
    // Only the address is taken (exports.c defines the semaphore).
    addr_of_mut!(bindings::fscache_addremove_sem)
}

impl<T> AddRemoveLocked<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(UnsafeCell::new(value))
    }

    /// Shared access; sleeps while a writer holds the lock.
    pub(crate) fn read(&self) -> ReadGuard<'_, T> {
        // SAFETY: the semaphore is statically initialised (DECLARE_RWSEM).
        unsafe { bindings::down_read(addremove_sem()) };
        ReadGuard(self)
    }

    /// Exclusive access; sleeps while anyone holds the lock.
    pub(crate) fn write(&self) -> WriteGuard<'_, T> {
        // SAFETY: as in read().
        unsafe { bindings::down_write(addremove_sem()) };
        WriteGuard(self)
    }
}

pub(crate) struct ReadGuard<'a, T>(&'a AddRemoveLocked<T>);

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the semaphore shared: no writer exists.
        unsafe { &*self.0 .0.get() }
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: taken shared in read().
        unsafe { bindings::up_read(addremove_sem()) };
    }
}

pub(crate) struct WriteGuard<'a, T>(&'a AddRemoveLocked<T>);

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the semaphore exclusively.
        unsafe { &*self.0 .0.get() }
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the semaphore exclusively.
        unsafe { &mut *self.0 .0.get() }
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: taken exclusively in write().
        unsafe { bindings::up_write(addremove_sem()) };
    }
}

/// A C `atomic_t` field as a Rust atomic (same size and alignment).
///
/// # Safety
///
/// `field` must be valid for the returned lifetime and only ever accessed
/// atomically.
pub(crate) unsafe fn atomic<'a>(field: *mut bindings::atomic_t) -> &'a AtomicI32 {
    // SAFETY: `atomic_t` is `{ int counter; }`, so the counter has the
    // layout of an `AtomicI32`; validity is the caller's promise.
    unsafe { AtomicI32::from_ptr(addr_of_mut!((*field).counter)) }
}

/// `refcount_inc()`.
///
/// # Safety
///
/// `r` must be a valid refcount the caller already holds a count of.
pub(crate) unsafe fn refcount_inc(r: *mut bindings::refcount_t) {
    // SAFETY: per the caller's promise.
    unsafe { bindings::refcount_inc(r) }
}

/// `refcount_inc_not_zero()`: takes a count unless the object is dying.
///
/// # Safety
///
/// `r` must be valid (its object not yet freed).
pub(crate) unsafe fn refcount_inc_not_zero(r: *mut bindings::refcount_t) -> bool {
    // SAFETY: per the caller's promise.
    unsafe { fsrs_refcount_inc_not_zero(r) }
}

/// `refcount_dec_and_test()`: true when the last count went.
///
/// # Safety
///
/// `r` must be valid and the caller must own the count it drops.
pub(crate) unsafe fn refcount_dec_and_test(r: *mut bindings::refcount_t) -> bool {
    // SAFETY: per the caller's promise.
    unsafe { bindings::refcount_dec_and_test(r) }
}

/// Sleeps until the `atomic_t` at `v` reads zero.
///
/// # Safety
///
/// `v` must stay valid until this returns, and whoever drops it to zero
/// must call [`wake_up_var`] on it.
pub(crate) unsafe fn wait_var_zero(v: *mut bindings::atomic_t) {
    // SAFETY: per the caller's promise.
    unsafe { fsrs_wait_var_zero(v) }
}

/// Wakes [`wait_var_zero`] sleepers on `v`.
///
/// # Safety
///
/// `v` must be valid.
pub(crate) unsafe fn wake_up_var(v: *mut bindings::atomic_t) {
    // SAFETY: wake_up_var() only hashes the address to find a waitqueue.
    unsafe { bindings::wake_up_var(v.cast()) }
}

/// A NUL-terminated string allocated with `kstrdup()`, as C fields that
/// point at names need; freed on drop unless handed to C.
pub(crate) struct CName(NonNull<c_char>);

// SAFETY: an owned heap string.
unsafe impl Send for CName {}

impl CName {
    pub(crate) fn new(s: &CStr) -> Result<Self> {
        // SAFETY: `s` is NUL-terminated; kstrdup() copies it.
        let p = unsafe { bindings::kstrdup(s.as_char_ptr(), bindings::GFP_KERNEL) };
        NonNull::new(p).map(CName).ok_or(ENOMEM)
    }

    /// Gives the string to a C field; [`CName::from_raw`] takes it back.
    pub(crate) fn into_raw(self) -> *mut c_char {
        let p = self.0.as_ptr();
        core::mem::forget(self);
        p
    }

    /// # Safety
    ///
    /// `p` must come from [`CName::into_raw`] and not be used afterwards.
    pub(crate) unsafe fn from_raw(p: *mut c_char) -> Option<Self> {
        NonNull::new(p).map(CName)
    }
}

impl Drop for CName {
    fn drop(&mut self) {
        // SAFETY: allocated by kstrdup() and owned by this object.
        unsafe { bindings::kfree(self.0.as_ptr().cast()) };
    }
}
