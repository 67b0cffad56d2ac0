// SPDX-License-Identifier: GPL-2.0
//! The `cache_priv` fields of fscache's caches, volumes and cookies, as a
//! backend uses them: only the backend writes one (from callbacks fscache
//! serialises, or after withdrawal), others read it. What is stored there
//! is borrowed by callbacks on any thread and taken back on any thread, so
//! it is `Send + Sync`.

use core::{
    ffi::c_void,
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::types::ForeignOwnable;

/// The private field at `field`, accessed atomically.
///
/// # Safety
///
/// `field` must be the `cache_priv` field of an object live for `'a`.
pub(super) unsafe fn slot<'a>(field: *mut *mut c_void) -> &'a AtomicPtr<c_void> {
    // SAFETY: per the caller; a pointer-sized, aligned field, accessed
    // atomically by us (C's plain reads of it see whole values).
    unsafe { AtomicPtr::from_ptr(field) }
}

/// Stores `data` in `slot`.
pub(super) fn set<T: ForeignOwnable + Send + Sync>(slot: &AtomicPtr<c_void>, data: T) {
    slot.store(data.into_foreign().cast_mut(), Ordering::Release);
}

/// Takes what `slot` holds back, clearing it, so that it is taken once.
///
/// # Safety
///
/// A non-null pointer in `slot` must come from `set::<T>`, and no borrow
/// of it may be alive.
pub(super) unsafe fn take<T: ForeignOwnable + Send + Sync>(slot: &AtomicPtr<c_void>) -> Option<T> {
    let p = slot.swap(core::ptr::null_mut(), Ordering::AcqRel);
    // SAFETY: per the caller.
    unsafe { T::try_from_foreign(p) }
}

/// Puts back into an empty `slot` what [`take`] took; gives it back if the
/// slot is not empty.
pub(super) fn restore<T: ForeignOwnable + Send + Sync>(
    slot: &AtomicPtr<c_void>,
    data: T,
) -> Result<(), T> {
    let p = data.into_foreign().cast_mut();
    match slot.compare_exchange(
        core::ptr::null_mut(),
        p,
        Ordering::AcqRel,
        Ordering::Acquire,
    ) {
        Ok(_) => Ok(()),
        // SAFETY: `p` came from into_foreign() just above and was not
        // stored.
        Err(_) => Err(unsafe { T::from_foreign(p) }),
    }
}

/// Borrows what `slot` holds.
///
/// # Safety
///
/// A non-null pointer in `slot` must come from `set::<T>` and not be taken
/// back while the borrow lasts.
pub(super) unsafe fn borrow<'a, T: ForeignOwnable + Send + Sync>(
    slot: &AtomicPtr<c_void>,
) -> Option<T::Borrowed<'a>> {
    let p = slot.load(Ordering::Acquire);
    // SAFETY: per the caller.
    (!p.is_null()).then(|| unsafe { T::borrow(p) })
}

/// An fscache object with a `cache_priv` field (a cache, a volume, a
/// cookie): the one way a backend reaches what it stored there.
pub(super) trait PrivateField {
    /// The object's `cache_priv`, accessed atomically.
    fn private_slot(&self) -> &AtomicPtr<c_void>;

    /// Attaches the backend's data.
    fn set_private<T: ForeignOwnable + Send + Sync>(&self, data: T) {
        set(self.private_slot(), data)
    }

    /// Borrows the backend's data for as long as the object is borrowed.
    ///
    /// # Safety
    ///
    /// A non-null private pointer must have been stored as a `T` (by
    /// [`Self::set_private`], or by `AcquiredCache::add` for a cache) and
    /// stay attached while the borrow lasts.
    unsafe fn private<T: ForeignOwnable + Send + Sync>(&self) -> Option<T::Borrowed<'_>> {
        // SAFETY: per the caller.
        unsafe { borrow::<T>(self.private_slot()) }
    }

    /// Detaches and returns the backend's data, if any.
    ///
    /// # Safety
    ///
    /// A non-null private pointer must have been stored as a `T`, and no
    /// borrow of it may be alive.
    unsafe fn take_private<T: ForeignOwnable + Send + Sync>(&self) -> Option<T> {
        // SAFETY: per the caller.
        unsafe { take(self.private_slot()) }
    }

    /// Puts back what [`Self::take_private`] took, into an empty field;
    /// gives it back if the field is not empty.
    fn restore_private<T: ForeignOwnable + Send + Sync>(&self, data: T) -> Result<(), T> {
        restore(self.private_slot(), data)
    }
}
