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
