// SPDX-License-Identifier: GPL-2.0
//! A data cookie (`struct fscache_cookie`) as a backend sees it: one file
//! a netfs caches, with its key, auxiliary data, size and flags.

use super::private::PrivateField;
use super::volume::Volume;
use crate::kext::bitops::BitFlags;
use core::ptr::{addr_of, addr_of_mut, NonNull};
use kernel::{
    bindings,
    types::{AlwaysRefCounted, Opaque},
};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/fscache.c
    fn fsrs_cookie_key(cookie: *mut bindings::fscache_cookie) -> *mut u8;
    fn fsrs_cookie_copy_aux(cookie: *mut bindings::fscache_cookie, buf: *mut u8) -> u8;
}

/// Cookie flag bits (`FSCACHE_COOKIE_*` of fscache.h), by number.
pub mod flags {
    use kernel::bindings;
    /// The netfs retired the cookie: its data goes.
    pub const RETIRED: u32 = bindings::FSCACHE_COOKIE_RETIRED;
    /// The cache has nothing to read for the cookie.
    pub const NO_DATA_TO_READ: u32 = bindings::FSCACHE_COOKIE_NO_DATA_TO_READ;
    /// The cookie's coherency data must be written out.
    pub const NEEDS_UPDATE: u32 = bindings::FSCACHE_COOKIE_NEEDS_UPDATE;
    /// Data was written to the cache for the cookie.
    pub const HAVE_DATA: u32 = bindings::FSCACHE_COOKIE_HAVE_DATA;
    /// The netfs wrote locally: the cached file may be dirty.
    pub const LOCAL_WRITE: u32 = bindings::FSCACHE_COOKIE_LOCAL_WRITE;
}

/// The netfs's advice bits (`FSCACHE_ADV_*`).
pub mod advice {
    use kernel::bindings;
    /// The netfs wants the cache to say how big the object is.
    pub const WANT_CACHE_SIZE: u8 = bindings::FSCACHE_ADV_WANT_CACHE_SIZE as u8;
}

/// Up to 255 bytes (a length in a `u8`) copied out of a C object whose
/// bytes the netfs may rewrite at any time: a cookie's auxiliary data, a
/// volume's coherency data. Borrowing them instead would be a shared
/// reference over memory that changes under it.
pub struct Copied {
    len: u8,
    buf: [u8; u8::MAX as usize],
}

impl Copied {
    /// Copies with `copy`, which fills the buffer it is given (room for
    /// 255 bytes) and returns how many it wrote.
    pub(super) fn with(copy: impl FnOnce(*mut u8) -> u8) -> Copied {
        let mut c = Copied {
            len: 0,
            buf: [0; u8::MAX as usize],
        };
        c.len = copy(c.buf.as_mut_ptr());
        c
    }

    /// The bytes copied.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

/// A data cookie (`struct fscache_cookie`).
///
/// Fields are read one at a time through raw pointers, never through a
/// reference to the whole C object: other threads change its flags, state,
/// sizes and private pointer meanwhile.
///
/// # Invariants
///
/// Only references to it exist, and fscache keeps the cookie alive while
/// they do: for the callback that gave it, an operation holding an access
/// on it, or an `ARef<Cookie>` (a reference of the holder's).
#[repr(transparent)]
pub struct Cookie(Opaque<bindings::fscache_cookie>);

// SAFETY: shared between threads by fscache's design; the accessors are
// atomics, racy reads as C makes them, or fields fixed at acquisition.
unsafe impl Send for Cookie {}
// SAFETY: see `Send`.
unsafe impl Sync for Cookie {}

// SAFETY: fscache_get_cookie()/fscache_put_cookie() count the cookie's
// references; the last put frees it (in fscache), never while one is held.
unsafe impl AlwaysRefCounted for Cookie {
    fn inc_ref(&self) {
        // SAFETY: `&self` proves the cookie live.
        unsafe {
            bindings::fscache_get_cookie(
                self.as_ptr(),
                bindings::fscache_cookie_trace_fscache_cookie_get_attach_object,
            )
        };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it holds.
        unsafe {
            bindings::fscache_put_cookie(
                obj.as_ref().as_ptr(),
                bindings::fscache_cookie_trace_fscache_cookie_put_object,
            )
        };
    }
}

/// Reads field `$f` of cookie `$c` with one raw-pointer read, racily as C
/// reads it.
macro_rules! cookie_field {
    ($c:ident, $f:ident) => {
        // SAFETY: the cookie is live while borrowed (type invariant); only
        // the address of one field is computed, and it is read once.
        unsafe { core::ptr::read_volatile(addr_of!((*$c.as_ptr()).$f)) }
    };
}

impl Cookie {
    /// # Safety
    ///
    /// `p` must be a live cookie for `'a`.
    pub unsafe fn from_raw<'a>(p: *mut bindings::fscache_cookie) -> &'a Cookie {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<Cookie>() }
    }

    /// The C object, for the calls of this layer and the tracepoints.
    pub fn as_ptr(&self) -> *mut bindings::fscache_cookie {
        self.0.get()
    }

    /// The cookie's key.
    pub fn key(&self) -> &[u8] {
        let len = usize::from(cookie_field!(self, key_len));
        // SAFETY: fscache_get_key() points at key_len bytes, fixed at
        // acquisition, that live as long as the cookie.
        unsafe { core::slice::from_raw_parts(fsrs_cookie_key(self.as_ptr()), len) }
    }

    /// A copy of the cookie's auxiliary data: the netfs rewrites it
    /// without a lock (fscache_update_aux()), so it is copied, as C's
    /// cachefiles copies it, never borrowed.
    pub fn aux(&self) -> Copied {
        // SAFETY: the cookie is live (type invariant); the shim copies
        // aux_len bytes (at most 255) into the 255 the buffer has.
        Copied::with(|buf| unsafe { fsrs_cookie_copy_aux(self.as_ptr(), buf) })
    }

    /// The hash of the cookie's key (the same as C fscache's).
    pub fn key_hash(&self) -> u32 {
        cookie_field!(self, key_hash)
    }

    /// The netfs's `FSCACHE_ADV_*` advice ([`advice`]), fixed at
    /// acquisition.
    pub fn advice(&self) -> u8 {
        cookie_field!(self, advice)
    }

    /// fscache's number for the cookie (as in its traces and /proc).
    pub fn debug_id(&self) -> u32 {
        cookie_field!(self, debug_id)
    }

    /// How many times the cookie was invalidated.
    pub fn inval_counter(&self) -> u32 {
        cookie_field!(self, inval_counter)
    }

    /// The size of the object the netfs stores.
    pub fn object_size(&self) -> u64 {
        cookie_field!(self, object_size) as u64
    }

    /// Records the object's size (a resize, or the size an on-demand
    /// daemon gives): the backend owns the field then, as in C.
    pub fn set_object_size(&self, size: u64) {
        // SAFETY: the cookie is live (type invariant); one field is
        // written, once, as C's backends write it.
        unsafe {
            core::ptr::write_volatile(addr_of_mut!((*self.as_ptr()).object_size), size as i64)
        };
    }

    /// The cookie's volume (fscache sets it at acquisition, so `None`
    /// only for a corrupt cookie).
    pub fn volume(&self) -> Option<&Volume> {
        let p = cookie_field!(self, volume);
        // SAFETY: the cookie holds its volume for as long as it lives.
        (!p.is_null()).then(|| unsafe { Volume::from_raw(p) })
    }

    fn flags(&self) -> BitFlags<'_> {
        // SAFETY: the cookie's flags word, only changed with atomic bitops
        // (here and in fscache), live for the borrow of `self` (type
        // invariant).
        unsafe { BitFlags::from_raw(addr_of_mut!((*self.as_ptr()).flags)) }
    }

    /// Whether flag `bit` ([`flags`]) is set.
    pub fn test_flag(&self, bit: u32) -> bool {
        self.flags().test(bit)
    }

    /// Sets flag `bit`.
    pub fn set_flag(&self, bit: u32) {
        self.flags().set(bit);
    }

    /// Clears flag `bit`.
    pub fn clear_flag(&self, bit: u32) {
        self.flags().clear(bit);
    }

    /// Clears flag `bit`; whether it was set.
    pub fn test_and_clear_flag(&self, bit: u32) -> bool {
        self.flags().test_and_clear(bit)
    }

    /// `fscache_cookie_lookup_negative()`: the cache has nothing for it.
    pub fn lookup_negative(&self) {
        // SAFETY: the cookie is live (type invariant).
        unsafe { bindings::fscache_cookie_lookup_negative(self.as_ptr()) };
    }

    /// `fscache_caching_failed()`: the cache cannot serve it.
    pub fn caching_failed(&self) {
        // SAFETY: the cookie is live (type invariant).
        unsafe { bindings::fscache_caching_failed(self.as_ptr()) };
    }

    /// `fscache_resume_after_invalidation()`: the backend is done
    /// invalidating it.
    pub fn resume_after_invalidation(&self) {
        // SAFETY: the cookie is live (type invariant).
        unsafe { bindings::fscache_resume_after_invalidation(self.as_ptr()) };
    }

    /// `fscache_withdraw_cookie()`: asks fscache to withdraw the cookie
    /// from the cache (its state machine calls the backend's
    /// `withdraw_cookie` once no access is left).
    pub fn withdraw(&self) {
        // SAFETY: the cookie is live (type invariant).
        unsafe { bindings::fscache_withdraw_cookie(self.as_ptr()) };
    }

    /// Ends the access an operation holds on the cookie (the end of a
    /// netfs operation, `resources.rs`).
    ///
    /// # Safety
    ///
    /// The caller must hold an access on the cookie, which it gives up.
    pub(super) unsafe fn end_io_access(&self) {
        // SAFETY: the cookie is live; the caller gives up its access.
        unsafe {
            bindings::fscache_end_cookie_access(
                self.as_ptr(),
                bindings::fscache_access_trace_fscache_access_io_end,
            )
        };
    }
}

impl PrivateField for Cookie {
    /// The cookie's `cache_priv`: the backend's object.
    fn private_slot(&self) -> &core::sync::atomic::AtomicPtr<core::ffi::c_void> {
        // SAFETY: the field of a cookie that is live while borrowed (type
        // invariant).
        unsafe { super::private::slot(addr_of_mut!((*self.as_ptr()).cache_priv)) }
    }
}
