// SPDX-License-Identifier: GPL-2.0
//! Safe wrappers for the kernel services the fscache core uses that the
//! `kernel` crate does not wrap, and for the C-visible fields of the
//! objects it manages (atomics and refcounts backends read directly).

use core::{
    cell::UnsafeCell,
    ops::{Deref, DerefMut},
    ptr::{addr_of_mut, NonNull},
    sync::atomic::{fence, AtomicI32, Ordering},
};
use kernel::{
    bindings,
    ffi::{c_char, c_ulong},
    prelude::*,
    str::CStr,
    types::{ARef, AlwaysRefCounted},
};

extern "C" {
    // rust/helpers/{refcount,wait,workqueue}.c; volume/volume.c
    fn fsrs_refcount_inc_not_zero(r: *mut bindings::refcount_t) -> bool;
    fn fsrs_wait_var_zero(v: *mut bindings::atomic_t);
    fn fsrs_volume_init(
        volume: *mut bindings::fscache_volume,
        func: unsafe extern "C" fn(*mut bindings::work_struct),
    );
    fn fsrs_schedule_work(work: *mut bindings::work_struct) -> bool;
}

/// Jiffies per second. Not `bindings::HZ`: bindgen sees the UAPI value
/// (100, what userspace calls USER_HZ), not the kernel's CONFIG_HZ.
pub(crate) const HZ: c_ulong = bindings::CONFIG_HZ as c_ulong;

/// Initialises the lists, work item and lock of a new volume.
///
/// # Safety
///
/// `volume` must be a new, zeroed, unshared volume.
pub(crate) unsafe fn volume_init(
    volume: *mut bindings::fscache_volume,
    func: unsafe extern "C" fn(*mut bindings::work_struct),
) {
    // SAFETY: per the caller's promise.
    unsafe { fsrs_volume_init(volume, func) }
}

/// `schedule_work()`: false if it was queued already.
///
/// # Safety
///
/// `work` must be initialised and stay valid until it has run.
pub(crate) unsafe fn schedule_work(work: *mut bindings::work_struct) -> bool {
    // SAFETY: per the caller's promise.
    unsafe { fsrs_schedule_work(work) }
}

/// Zeroed memory from kmalloc, for C objects with trailing arrays (freed
/// with [`kfree`]).
pub(crate) fn kzalloc(size: usize) -> Result<NonNull<u8>> {
    // SAFETY: a plain allocation (what kzalloc() expands to; krealloc()
    // with a null pointer would do the same after more checks).
    let p =
        unsafe { bindings::__kmalloc_noprof(size, bindings::GFP_KERNEL | bindings::__GFP_ZERO) };
    NonNull::new(p.cast()).ok_or(ENOMEM)
}

/// # Safety
///
/// `p` must come from [`kzalloc`] (or be null) and not be used after.
pub(crate) unsafe fn kfree<T>(p: *mut T) {
    // SAFETY: per the caller's promise.
    unsafe { bindings::kfree(p.cast()) }
}

/// Data guarded by the exported `fscache_addremove_sem`, the lock the C
/// fscache also holds while adding and removing caches.
pub(crate) struct AddRemoveLocked<T>(UnsafeCell<T>);

// SAFETY: all access holds the rwsem: the write guard exclusively for
// `&mut T` (so `T` moves between the threads that take it: `Send`), and
// held()'s callers, several at once when they hold it shared, for `&T`
// (so `T` is shared between threads: `Sync`).
unsafe impl<T: Send + Sync> Sync for AddRemoveLocked<T> {}

fn addremove_sem() -> *mut bindings::rw_semaphore {
    // Only the address is taken (exports.c defines the semaphore).
    addr_of_mut!(bindings::fscache_addremove_sem)
}

impl<T> AddRemoveLocked<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(UnsafeCell::new(value))
    }

    /// Exclusive access; sleeps while anyone holds the lock.
    pub(crate) fn write(&self) -> WriteGuard<'_, T> {
        // SAFETY: as in read().
        unsafe { bindings::down_write(addremove_sem()) };
        WriteGuard(self, core::marker::PhantomData)
    }
}

impl<T> AddRemoveLocked<T> {
    /// Shared access by a caller that holds the semaphore itself (a
    /// seq_file iterator takes it in start() and drops it in stop(), in C).
    ///
    /// # Safety
    ///
    /// The caller must hold `fscache_addremove_sem` (shared or exclusive)
    /// for as long as it uses the result.
    pub(crate) unsafe fn held(&self) -> &T {
        // SAFETY: the caller holds the semaphore: no writer exists.
        unsafe { &*self.0.get() }
    }
}

/// Holds `fscache_addremove_sem` for writing; not `Send`, so the task that
/// took it releases it.
#[must_use = "the lock is released at once if the guard is dropped"]
pub(crate) struct WriteGuard<'a, T>(&'a AddRemoveLocked<T>, core::marker::PhantomData<*mut ()>);

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

/// `refcount_inc_not_zero()` on `obj`'s count `r`, as an [`ARef`]: a
/// reference unless the object is already dying.
///
/// # Safety
///
/// `r` must be the refcount field of `obj`, whose count governs its life.
pub(crate) unsafe fn try_get<T: AlwaysRefCounted>(
    obj: &T,
    r: *mut bindings::refcount_t,
) -> Option<ARef<T>> {
    // SAFETY: `obj` is reachable, so not freed; `r` is its count.
    if unsafe { fsrs_refcount_inc_not_zero(r) } {
        // SAFETY: the count just taken is handed to the ARef.
        Some(unsafe { ARef::from_raw(NonNull::from(obj)) })
    } else {
        None
    }
}

/// Takes `p` out of a registry vector; the others keep their order. An emptied
/// vector gives its buffer back: registries are statics, never dropped, so
/// a buffer kept would outlive the module.
pub(crate) fn registry_remove<T>(v: &mut KVec<NonNull<T>>, p: NonNull<T>) -> bool {
    let Some(i) = v.iter().position(|&x| x == p) else {
        return false;
    };
    let last = v.len() - 1;
    // Keep the others in order: /proc lists caches and volumes oldest
    // first, as C's list_del() leaves its lists.
    v[i..].rotate_left(1);
    // SAFETY: shrinks by one; the dropped slot is a plain pointer.
    unsafe { v.set_len(last) };
    if v.is_empty() {
        *v = KVec::new();
    }
    true
}

// The refcount operations below are `include/linux/refcount.h`'s inline
// ones, written out on the count's atomic: they run on every get and put
// of a cookie, volume and cache, and as calls into C helpers they were a
// measurable part of what a cookie costs (scripts/bench). The orderings,
// and the saturation reports on misuse, are C's.

/// `refcount_inc()`.
///
/// # Safety
///
/// `r` must be a valid refcount the caller already holds a count of.
pub(crate) unsafe fn refcount_inc(r: *mut bindings::refcount_t) {
    // SAFETY: `r` is valid (the caller's promise); a refcount_t wraps an
    // atomic_t, only accessed atomically.
    let old = unsafe { atomic(addr_of_mut!((*r).refs)) }.fetch_add(1, Ordering::Relaxed);
    if old == 0 {
        // SAFETY: `r` is valid; the call only reports and saturates.
        unsafe {
            bindings::refcount_warn_saturate(r, bindings::refcount_saturation_type_REFCOUNT_ADD_UAF)
        };
    } else if old < 0 || old.wrapping_add(1) < 0 {
        // SAFETY: as above.
        unsafe {
            bindings::refcount_warn_saturate(r, bindings::refcount_saturation_type_REFCOUNT_ADD_OVF)
        };
    }
}

/// `__refcount_dec_and_test()`: whether the last count went, and the
/// count before the drop.
///
/// # Safety
///
/// `r` must be valid and the caller must own the count it drops.
unsafe fn refcount_dec_and_test_old(r: *mut bindings::refcount_t) -> (bool, i32) {
    // SAFETY: as in refcount_inc().
    let old = unsafe { atomic(addr_of_mut!((*r).refs)) }.fetch_sub(1, Ordering::Release);
    if old == 1 {
        // smp_acquire__after_ctrl_dep(): the freeing that follows must
        // see every access made under the counts dropped before.
        fence(Ordering::Acquire);
        return (true, old);
    }
    if old < 0 || old.wrapping_sub(1) < 0 {
        // SAFETY: `r` is valid; the call only reports and saturates.
        unsafe {
            bindings::refcount_warn_saturate(r, bindings::refcount_saturation_type_REFCOUNT_SUB_UAF)
        };
    }
    (false, old)
}

/// `refcount_dec_and_test()`: true when the last count went.
///
/// # Safety
///
/// `r` must be valid and the caller must own the count it drops.
pub(crate) unsafe fn refcount_dec_and_test(r: *mut bindings::refcount_t) -> bool {
    // SAFETY: per the caller's promise.
    unsafe { refcount_dec_and_test_old(r) }.0
}

/// `__refcount_dec_and_test()`: true when the last count went; also the
/// count left.
///
/// # Safety
///
/// `r` must be valid and the caller must own the count it drops.
pub(crate) unsafe fn refcount_dec_and_test_left(r: *mut bindings::refcount_t) -> (bool, i32) {
    // SAFETY: per the caller's promise.
    let (last, old) = unsafe { refcount_dec_and_test_old(r) };
    (last, old - 1)
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

/// The C-object plumbing shared by [`crate::cache::Cache`],
/// [`crate::volume::Volume`] and [`crate::cookie::Cookie`]: each is a
/// transparent wrapper `$t(Opaque<$c>)` over a C object whose `ref` field
/// is its only reference count. Gives `raw()`, `from_raw()`, `refs()` and
/// `try_get()`, and `AlwaysRefCounted` whose last put hands the object to
/// `$free`, which must take it out of every registry before freeing it.
macro_rules! c_object {
    ($t:ident, $c:ty, $free:path) => {
        impl $t {
            /// The C object.
            pub(crate) fn raw(&self) -> *mut $c {
                self.0.get()
            }

            /// # Safety
            ///
            /// `p` must point at an object of this module that stays
            /// allocated for `'a`.
            pub(crate) unsafe fn from_raw<'a>(p: *mut $c) -> &'a $t {
                // SAFETY: transparent wrapper; validity per the caller.
                unsafe { &*p.cast::<$t>() }
            }

            fn ref_field(&self) -> *mut kernel::bindings::refcount_t {
                // SAFETY: only the field's address is computed.
                unsafe { core::ptr::addr_of_mut!((*self.raw()).ref_) }
            }

            /// The reference count (for /proc and tracing).
            pub(crate) fn refs(&self) -> i32 {
                // SAFETY: a refcount_t wraps an atomic_t, only accessed
                // atomically.
                unsafe { $crate::sys::atomic(core::ptr::addr_of_mut!((*self.ref_field()).refs)) }
                    .load(core::sync::atomic::Ordering::Relaxed)
            }

            /// Drops the count `this` holds, as C's put functions do: the
            /// count left (taken from the decrement itself) goes to `trace`
            /// before the last put frees the object.
            pub(crate) fn put_counted(this: kernel::types::ARef<$t>, trace: impl FnOnce(i32)) {
                let p = kernel::types::ARef::into_raw(this);
                // SAFETY: the ARef's count is ours, so the object is live
                // until that count is dropped here.
                let o = unsafe { p.as_ref() };
                let r = o.ref_field();
                // SAFETY: `ref` is the count that governs this object, and
                // we own one of its counts.
                let (last, left) = unsafe { $crate::sys::refcount_dec_and_test_left(r) };
                trace(left);
                if last {
                    $free(o);
                }
            }

            /// A new reference, unless the object is already dying (its
            /// count reached zero and `$free` is under way).
            pub(crate) fn try_get(&self) -> Option<kernel::types::ARef<$t>> {
                // SAFETY: `ref` is the count that governs this object.
                unsafe { $crate::sys::try_get(self, self.ref_field()) }
            }
        }

        // SAFETY: `ref` counts the references; the last put hands the
        // object to `$free`, which unlinks it from every registry (under
        // the registry's lock) before freeing it.
        unsafe impl kernel::types::AlwaysRefCounted for $t {
            fn inc_ref(&self) {
                // SAFETY: `&self` proves a count is held.
                unsafe { $crate::sys::refcount_inc(self.ref_field()) };
            }

            unsafe fn dec_ref(obj: core::ptr::NonNull<Self>) {
                // SAFETY: the caller gives up a count it owns, so the
                // object is live until that count is dropped here.
                let o = unsafe { obj.as_ref() };
                // SAFETY: `ref` is the count that governs this object,
                // and the caller gives up one it owns.
                if unsafe { $crate::sys::refcount_dec_and_test(o.ref_field()) } {
                    $free(o);
                }
            }
        }
    };
}
pub(crate) use c_object;
