// SPDX-License-Identifier: GPL-2.0
//! A volume cookie (`struct fscache_volume`) as a backend sees it: a set
//! of cookies a netfs keeps together (one per superblock or server), with
//! its key and coherency data.

use super::cache::Cache;
use super::cookie::Copied;
use super::private::PrivateField;
use core::{
    ffi::c_void,
    ptr::{addr_of_mut, NonNull},
    sync::atomic::{AtomicI32, AtomicPtr, Ordering},
};
use kernel::{bindings, types::Opaque};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/fscache.c
    fn fsrs_volume_copy_coherency(volume: *mut bindings::fscache_volume, buf: *mut u8) -> u8;
    fn fsrs_volume_pin_access(volume: *mut bindings::fscache_volume);
}

/// A volume cookie (`struct fscache_volume`).
///
/// # Invariants
///
/// Only references to it exist, and fscache keeps the volume alive while
/// they do: for the callback that gave it, for as long as a cookie of it
/// is borrowed, or a [`VolumeRef`].
#[repr(transparent)]
pub struct Volume(Opaque<bindings::fscache_volume>);

// SAFETY: shared between threads by fscache's design; the accessors are
// atomic or read fields fixed at acquisition.
unsafe impl Send for Volume {}
// SAFETY: see `Send`.
unsafe impl Sync for Volume {}

impl Volume {
    /// # Safety
    ///
    /// `p` must be a live volume for `'a`.
    pub unsafe fn from_raw<'a>(p: *mut bindings::fscache_volume) -> &'a Volume {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<Volume>() }
    }

    /// The C object, for the tracepoints; its address also names the
    /// volume.
    pub fn as_ptr(&self) -> *mut bindings::fscache_volume {
        self.0.get()
    }

    /// The volume key without its length byte.
    pub fn key(&self) -> &[u8] {
        // SAFETY: key[0] is the length of the printable key that follows;
        // the buffer is fixed at acquisition and lives as long as the
        // volume (type invariant).
        unsafe {
            let k = (*self.as_ptr()).key;
            core::slice::from_raw_parts(k.add(1), usize::from(*k))
        }
    }

    /// A copy of the volume's coherency data: the netfs rewrites it when
    /// it relinquishes the volume, which may be while the cache withdraws
    /// it or the volume is being created.
    pub fn coherency(&self) -> Copied {
        // SAFETY: the volume is live (type invariant); the shim copies
        // coherency_len bytes (at most 255) into the 255 the buffer has.
        Copied::with(|buf| unsafe { fsrs_volume_copy_coherency(self.as_ptr(), buf) })
    }

    /// The cache the volume is in.
    pub fn cache(&self) -> &Cache {
        // SAFETY: set before the cache sees the volume, and the volume
        // holds a reference on it for as long as it lives.
        unsafe { Cache::from_raw((*self.as_ptr()).cache) }
    }

    /// How many accesses are held on the volume.
    pub fn n_accesses(&self) -> i32 {
        // SAFETY: an atomic_t of a live volume, only accessed atomically.
        unsafe { AtomicI32::from_ptr(addr_of_mut!((*self.as_ptr()).n_accesses.counter)) }
            .load(Ordering::Relaxed)
    }

    /// Pins the volume's access count for as long as the cache holds it
    /// (so that fscache does not wake anyone on its going to zero).
    pub fn pin_access(&self) {
        // SAFETY: an atomic increment on a live volume.
        unsafe { fsrs_volume_pin_access(self.as_ptr()) };
    }

    /// `fscache_try_get_volume()` (traced as a withdrawal's); `None` if
    /// the volume is going away.
    pub fn try_get(&self) -> Option<VolumeRef> {
        // SAFETY: the volume is live (type invariant).
        let p = unsafe {
            bindings::fscache_try_get_volume(
                self.as_ptr(),
                bindings::fscache_volume_trace_fscache_volume_get_withdraw,
            )
        };
        // INVARIANT: a reference of our own, or none.
        NonNull::new(p.cast::<Volume>()).map(VolumeRef)
    }
}

impl PrivateField for Volume {
    /// The volume's `cache_priv`: the backend's volume.
    fn private_slot(&self) -> &AtomicPtr<c_void> {
        // SAFETY: the field of a volume that is live while borrowed (type
        // invariant).
        unsafe { super::private::slot(addr_of_mut!((*self.as_ptr()).cache_priv)) }
    }
}

/// A reference on a volume, from [`Volume::try_get`], traced as a
/// withdrawal's when it goes.
///
/// # Invariants
///
/// Holds a reference on `0` from `fscache_try_get_volume()`.
pub struct VolumeRef(NonNull<Volume>);

// SAFETY: the reference may be dropped on any thread; the volume is Sync.
unsafe impl Send for VolumeRef {}
// SAFETY: shared use is through &Volume, which is Sync.
unsafe impl Sync for VolumeRef {}

impl VolumeRef {
    /// `fscache_withdraw_volume()`: waits for the volume's accesses to
    /// end (the cache is being withdrawn).
    pub fn withdraw(&self) {
        // SAFETY: we hold a reference (type invariant).
        unsafe { bindings::fscache_withdraw_volume(self.as_ptr()) };
    }
}

impl core::ops::Deref for VolumeRef {
    type Target = Volume;

    fn deref(&self) -> &Volume {
        // SAFETY: our reference keeps the volume alive (type invariant).
        unsafe { self.0.as_ref() }
    }
}

impl Drop for VolumeRef {
    fn drop(&mut self) {
        // SAFETY: drops the reference try_get() took (type invariant).
        unsafe {
            bindings::fscache_put_volume(
                self.as_ptr(),
                bindings::fscache_volume_trace_fscache_volume_put_withdraw,
            )
        };
    }
}
