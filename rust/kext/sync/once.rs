// SPDX-License-Identifier: GPL-2.0
//! A value set at most once and then read without a lock.
//!
//! Upstream: `kernel::sync::SetOnce` (6.18) holds the value inline; this
//! one boxes it, so that a setter that fails afterwards can take it back
//! (`take`), which upstream's cannot.

use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::prelude::*;

/// A `KBox<T>` published at most once.
///
/// # Invariants
///
/// `ptr` is null or comes from `KBox::into_raw` and is owned by this (freed
/// by `take` or `Drop`, once).
pub struct OnceBox<T> {
    ptr: AtomicPtr<T>,
}

// SAFETY: `&OnceBox<T>` hands out `&T` on any thread and may drop the `T`
// on any thread.
unsafe impl<T: Send + Sync> Sync for OnceBox<T> {}
// SAFETY: see `Sync`.
unsafe impl<T: Send + Sync> Send for OnceBox<T> {}

impl<T> OnceBox<T> {
    pub const fn new() -> Self {
        // INVARIANT: null.
        OnceBox {
            ptr: AtomicPtr::new(core::ptr::null_mut()),
        }
    }

    /// Publishes `value` unless something already was; gives it back then.
    pub fn set(&self, value: KBox<T>) -> core::result::Result<&T, KBox<T>> {
        let raw = KBox::into_raw(value);
        match self.ptr.compare_exchange(
            core::ptr::null_mut(),
            raw,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            // SAFETY: published just now (type invariant); it lives until
            // `take` or `Drop`, which need `self`.
            Ok(_) => Ok(unsafe { &*raw }),
            // SAFETY: `raw` came from into_raw above and was not published.
            Err(_) => Err(unsafe { KBox::from_raw(raw) }),
        }
    }

    /// The value, once set.
    pub fn get(&self) -> Option<&T> {
        // SAFETY: null or a published box (type invariant), alive for as
        // long as `self` is borrowed (freed only by take/Drop).
        unsafe { self.ptr.load(Ordering::Acquire).as_ref() }
    }

    /// Takes the value back out, for a setter whose later steps failed.
    ///
    /// # Safety
    ///
    /// No reference [`OnceBox::get`] or `set` returned may be alive.
    pub unsafe fn take(&self) -> Option<KBox<T>> {
        let p = self.ptr.swap(core::ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: a published box, unpublished just now, and per the
        // caller no reference to it is left.
        (!p.is_null()).then(|| unsafe { KBox::from_raw(p) })
    }
}

impl<T> Drop for OnceBox<T> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no reference from get() can be alive.
        drop(unsafe { self.take() });
    }
}
