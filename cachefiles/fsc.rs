// SPDX-License-Identifier: GPL-2.0
//! The fscache side of the backend: the cache, volume and cookie structures
//! fscache (C or ours, same ABI) hands us, and its counters.
//!
//! Each C object is an `Opaque` wrapper used by reference: `&'a FsCache`,
//! `&'a VolumeCookie`, `&'a Cookie` borrowed for the callback that received
//! the pointer (or from something that keeps the object alive), and owned
//! forms for the references we hold: [`AcquiredCache`] (from
//! `fscache_acquire_cache()`, given back once by `relinquish`),
//! [`ObjectCount`] (an object counted in the cache), [`VolumeRef`] and
//! `ARef<Cookie>`. Upstream has no fscache abstraction.

use crate::kext::bitops::BitFlags;
use core::{
    ffi::c_void,
    marker::PhantomData,
    ptr::{addr_of, addr_of_mut, NonNull},
    sync::atomic::{AtomicI32, AtomicPtr, Ordering},
};
use kernel::{
    bindings,
    prelude::*,
    types::{ARef, AlwaysRefCounted, ForeignOwnable, Opaque},
};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    fn fsrs_cookie_key(cookie: *mut bindings::fscache_cookie) -> *mut u8;
    fn fsrs_cookie_copy_aux(cookie: *mut bindings::fscache_cookie, buf: *mut u8) -> u8;
    fn fsrs_volume_copy_coherency(volume: *mut bindings::fscache_volume, buf: *mut u8) -> u8;
    fn fsrs_cres_cookie(
        cres: *mut bindings::netfs_cache_resources,
    ) -> *mut bindings::fscache_cookie;
    fn fsrs_count_object(cache: *mut bindings::fscache_cache);
    fn fsrs_uncount_object(cache: *mut bindings::fscache_cache);
    fn fsrs_wait_for_objects(cache: *mut bindings::fscache_cache);
    fn fsrs_volume_pin_access(volume: *mut bindings::fscache_volume);
    fn fsrs_count_read();
    fn fsrs_count_write();
    fn fsrs_count_no_write_space();
    fn fsrs_count_no_create_space();
    fn fsrs_count_culled();
    fn fsrs_count_dio_misfit();
}

/// Cookie flag bits (fscache.h), by number.
pub(crate) mod cookie_flag {
    use kernel::bindings;
    pub(crate) const RETIRED: u32 = bindings::FSCACHE_COOKIE_RETIRED;
    pub(crate) const NO_DATA_TO_READ: u32 = bindings::FSCACHE_COOKIE_NO_DATA_TO_READ;
    pub(crate) const NEEDS_UPDATE: u32 = bindings::FSCACHE_COOKIE_NEEDS_UPDATE;
    pub(crate) const HAVE_DATA: u32 = bindings::FSCACHE_COOKIE_HAVE_DATA;
    pub(crate) const LOCAL_WRITE: u32 = bindings::FSCACHE_COOKIE_LOCAL_WRITE;
}

/// A C object's `cache_priv`: only the backend writes it (from callbacks
/// that fscache, or unbind, serialise), others read it. What is stored
/// there is borrowed by callbacks on any thread and taken back on any
/// thread: it must be `Send + Sync`.
///
/// # Safety
///
/// `field` must be the `cache_priv` field of an object live for `'a`.
unsafe fn private_slot<'a>(field: *mut *mut c_void) -> &'a AtomicPtr<c_void> {
    // SAFETY: per the caller; a pointer-sized, aligned field, accessed
    // atomically by us (C's plain reads of it see whole values).
    unsafe { AtomicPtr::from_ptr(field) }
}

fn set_private<T: ForeignOwnable + Send + Sync>(slot: &AtomicPtr<c_void>, data: T) {
    slot.store(data.into_foreign().cast_mut(), Ordering::Release);
}

/// # Safety
///
/// A non-null pointer in `slot` must come from `set_private::<T>`.
unsafe fn take_private<T: ForeignOwnable + Send + Sync>(slot: &AtomicPtr<c_void>) -> Option<T> {
    // Cleared as it is read, so that it is taken back once.
    let p = slot.swap(core::ptr::null_mut(), Ordering::AcqRel);
    // SAFETY: per the caller.
    unsafe { T::try_from_foreign(p) }
}

/// # Safety
///
/// A non-null pointer in `slot` must come from `set_private::<T>` and not
/// be taken back while the borrow lasts.
unsafe fn private<T: ForeignOwnable + Send + Sync>(
    slot: &AtomicPtr<c_void>,
) -> Option<T::Borrowed<'_>> {
    let p = slot.load(Ordering::Acquire);
    // SAFETY: per the caller.
    (!p.is_null()).then(|| unsafe { T::borrow(p) })
}

/// Up to 255 bytes (a length in a `u8`) copied out of a C object whose
/// bytes the netfs may rewrite at any time: a cookie's auxiliary data, a
/// volume's coherency data. Borrowing them instead would be a shared
/// reference over memory that changes under it.
pub(crate) struct Copied {
    len: u8,
    buf: [u8; u8::MAX as usize],
}

impl Copied {
    /// Copies with `copy`, which fills the buffer it is given (room for
    /// 255 bytes) and returns how many it wrote.
    fn with(copy: impl FnOnce(*mut u8) -> u8) -> Copied {
        let mut c = Copied {
            len: 0,
            buf: [0; u8::MAX as usize],
        };
        c.len = copy(c.buf.as_mut_ptr());
        c
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

/// A `struct fscache_cache`.
///
/// # Invariants
///
/// Only references to it exist, and fscache keeps the object alive while
/// they do: a callback's argument for the callback, an [`AcquiredCache`]
/// for as long as it lives.
#[repr(transparent)]
pub(crate) struct FsCache(Opaque<bindings::fscache_cache>);

// SAFETY: fscache's cache objects are shared between threads by design;
// every accessor below is an atomic or a call fscache makes thread-safe.
unsafe impl Send for FsCache {}
// SAFETY: see `Send`.
unsafe impl Sync for FsCache {}

impl FsCache {
    /// # Safety
    ///
    /// `p` must be a live fscache cache for `'a`.
    pub(crate) unsafe fn from_raw<'a>(p: *mut bindings::fscache_cache) -> &'a FsCache {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<FsCache>() }
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::fscache_cache {
        self.0.get()
    }

    /// The cache's name (the tag), for log lines.
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: the name is set at acquisition and freed only with the
        // cache, which outlives `&self` (type invariant).
        unsafe { CStr::from_char_ptr((*self.as_ptr()).name) }
    }

    /// fscache_io_error(): fscache stops using the cache.
    pub(crate) fn io_error(&self) {
        // SAFETY: the cache is live (type invariant).
        unsafe { bindings::fscache_io_error(self.as_ptr()) };
    }

    /// Counts an object in the cache until the returned count is dropped.
    pub(crate) fn count_object(&self) -> ObjectCount {
        // SAFETY: the cache is live (type invariant).
        unsafe { fsrs_count_object(self.as_ptr()) };
        // INVARIANT: counted just above.
        ObjectCount(NonNull::from(self))
    }

    /// The private pointer fscache_add_cache() stored, borrowed.
    ///
    /// # Safety
    ///
    /// The cache must have been added with a `T` by [`AcquiredCache::add`],
    /// and `T` is only borrowed for `'a`, within the callback that gave
    /// `self` (fscache calls us only between add and withdrawal).
    pub(crate) unsafe fn private<'a, T: ForeignOwnable + Send + Sync>(
        &'a self,
    ) -> Option<T::Borrowed<'a>> {
        // SAFETY: the field of a cache live while borrowed (type
        // invariant).
        let slot = unsafe { private_slot(addr_of_mut!((*self.as_ptr()).cache_priv)) };
        // SAFETY: per the caller, null or add()'s `T`, given back only
        // after withdrawal.
        unsafe { private::<T>(slot) }
    }
}

/// The reference on a cache `fscache_acquire_cache()` gives: the cache in
/// our service from acquisition until this is dropped, which relinquishes
/// it (`fscache_relinquish_cache()`), once.
///
/// `P` is the private pointer's type: [`Self::add`] hands a `P` to
/// fscache, whose callbacks borrow it on whatever thread they run, and
/// [`Self::take_private`] takes it back, maybe on another thread than the
/// one that added it; both through `&self`. So `P` must be `Send` (it
/// moves between threads) and `Sync` (callbacks on several threads borrow
/// it at once), whatever thread holds or shares the `AcquiredCache`.
///
/// # Invariants
///
/// Holds the acquisition's reference on `0`, given back exactly once, by
/// `Drop`, after waiting for every [`ObjectCount`] of the cache to go.
pub(crate) struct AcquiredCache<P: ForeignOwnable + Send + Sync>(NonNull<FsCache>, PhantomData<P>);

// SAFETY: the reference may be given back from any thread, and the `P`
// it may hold (in fscache's private pointer) is Send.
unsafe impl<P: ForeignOwnable + Send + Sync> Send for AcquiredCache<P> {}
// SAFETY: shared use is through &FsCache, which is Sync, and through add()
// and take_private(), which move a `P` in or out from whichever thread
// shares the AcquiredCache: `P` is Send, and Sync for fscache's callbacks.
unsafe impl<P: ForeignOwnable + Send + Sync> Sync for AcquiredCache<P> {}

impl<P: ForeignOwnable + Send + Sync> AcquiredCache<P> {
    /// fscache_acquire_cache(): the named cache, to be made ready.
    pub(crate) fn acquire(tag: &CStr) -> Result<AcquiredCache<P>> {
        // SAFETY: `tag` is NUL-terminated.
        let p = unsafe { bindings::fscache_acquire_cache(tag.as_char_ptr()) };
        let p = kernel::error::from_err_ptr(p)?;
        // INVARIANT: the reference fscache gave us.
        NonNull::new(p.cast::<FsCache>())
            .map(|p| AcquiredCache(p, PhantomData))
            .ok_or(ENOMEM)
    }

    /// fscache_add_cache(): brings the cache online with our ops; `data`
    /// is its private pointer until [`Self::take_private`].
    pub(crate) fn add(&self, ops: &'static bindings::fscache_cache_ops, data: P) -> Result {
        let p = data.into_foreign();
        // SAFETY: the cache is ours (type invariant); `p` stays valid until
        // take_private() takes it back, after withdrawal.
        let r = unsafe { bindings::fscache_add_cache(self.as_ptr(), ops, p.cast_mut()) };
        if let Err(e) = kernel::error::to_result(r) {
            // SAFETY: fscache refused it, so nothing else has `p`.
            drop(unsafe { P::from_foreign(p) });
            return Err(e);
        }
        Ok(())
    }

    /// Takes back the private pointer [`Self::add`] gave fscache, once the
    /// cache is withdrawn (fscache no longer calls us about it).
    pub(crate) fn take_private(&self) -> Option<P> {
        // SAFETY: the field of our cache, live while we hold it (type
        // invariant).
        let slot = unsafe { private_slot(addr_of_mut!((*self.as_ptr()).cache_priv)) };
        // SAFETY: only add() stores into it, a `P` (the type parameter), and
        // once withdrawn fscache no longer borrows it.
        unsafe { take_private::<P>(slot) }
    }

    /// fscache_withdraw_cache(): fscache stops using the cache and waits
    /// for its accesses to end.
    pub(crate) fn withdraw(&self) {
        // SAFETY: the cache is ours (type invariant).
        unsafe { bindings::fscache_withdraw_cache(self.as_ptr()) };
    }

    /// Waits until no object is counted in the cache.
    pub(crate) fn wait_for_objects(&self) {
        // SAFETY: the cache is ours (type invariant).
        unsafe { fsrs_wait_for_objects(self.as_ptr()) };
    }
}

impl<P: ForeignOwnable + Send + Sync> core::ops::Deref for AcquiredCache<P> {
    type Target = FsCache;

    fn deref(&self) -> &FsCache {
        // SAFETY: our reference keeps the cache alive (type invariant).
        unsafe { self.0.as_ref() }
    }
}

impl<P: ForeignOwnable + Send + Sync> Drop for AcquiredCache<P> {
    fn drop(&mut self) {
        // Objects' counts keep the cache's memory in use (ObjectCount).
        self.wait_for_objects();
        // SAFETY: the acquisition's reference, given back once (type
        // invariant); no ObjectCount is left.
        unsafe { bindings::fscache_relinquish_cache(self.as_ptr()) };
    }
}

/// One object counted in a cache (`object_count`), until dropped.
///
/// # Invariants
///
/// `0` is a cache in which this count is held; the cache stays allocated
/// while it is, because its [`AcquiredCache`] waits for the count to reach
/// zero before giving the cache back.
pub(crate) struct ObjectCount(NonNull<FsCache>);

// SAFETY: the count may be dropped on any thread.
unsafe impl Send for ObjectCount {}
// SAFETY: no shared access.
unsafe impl Sync for ObjectCount {}

impl Drop for ObjectCount {
    fn drop(&mut self) {
        // SAFETY: the cache is live while the count is held (type
        // invariant); this gives the count back.
        unsafe { fsrs_uncount_object(self.0.as_ref().as_ptr()) };
    }
}

/// A volume cookie (`struct fscache_volume`).
///
/// # Invariants
///
/// Only references to it exist, and fscache keeps the volume alive while
/// they do: for the callback that gave it, or for as long as the holder of
/// the reference is attached to it (see `volume.rs`), or a [`VolumeRef`].
#[repr(transparent)]
pub(crate) struct VolumeCookie(Opaque<bindings::fscache_volume>);

// SAFETY: shared between threads by fscache's design; the accessors are
// atomic or read fields fixed at acquisition.
unsafe impl Send for VolumeCookie {}
// SAFETY: see `Send`.
unsafe impl Sync for VolumeCookie {}

impl VolumeCookie {
    /// # Safety
    ///
    /// `p` must be a live volume for `'a`.
    pub(crate) unsafe fn from_raw<'a>(p: *mut bindings::fscache_volume) -> &'a VolumeCookie {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<VolumeCookie>() }
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::fscache_volume {
        self.0.get()
    }

    /// The volume key without its length byte.
    pub(crate) fn key(&self) -> &[u8] {
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
    pub(crate) fn coherency(&self) -> Copied {
        // SAFETY: the volume is live (type invariant); the shim copies
        // coherency_len bytes (at most 255) into the 255 the buffer has.
        Copied::with(|buf| unsafe { fsrs_volume_copy_coherency(self.as_ptr(), buf) })
    }

    /// The cache the volume is in.
    pub(crate) fn cache(&self) -> &FsCache {
        // SAFETY: set before the cache sees the volume, and the volume
        // holds a reference on it for as long as it lives.
        unsafe { FsCache::from_raw((*self.as_ptr()).cache) }
    }

    pub(crate) fn n_accesses(&self) -> i32 {
        // SAFETY: an atomic_t of a live volume, only accessed atomically.
        unsafe { AtomicI32::from_ptr(addr_of_mut!((*self.as_ptr()).n_accesses.counter)) }
            .load(Ordering::Relaxed)
    }

    /// Pins the volume's access count for as long as the cache holds it
    /// (so that fscache does not wake anyone on its going to zero).
    pub(crate) fn pin_access(&self) {
        // SAFETY: an atomic increment on a live volume.
        unsafe { fsrs_volume_pin_access(self.as_ptr()) };
    }

    /// fscache_try_get_volume(); `None` if it is going away.
    pub(crate) fn try_get(&self) -> Option<VolumeRef> {
        // SAFETY: the volume is live (type invariant).
        let p = unsafe {
            bindings::fscache_try_get_volume(
                self.as_ptr(),
                bindings::fscache_volume_trace_fscache_volume_get_withdraw,
            )
        };
        // INVARIANT: a reference of our own, or none.
        NonNull::new(p.cast::<VolumeCookie>()).map(VolumeRef)
    }
}

/// The `cache_priv` field of fscache's volumes and cookies, where the
/// backend keeps its object for them.
pub(crate) trait CachePrivate {
    /// The field.
    fn priv_slot(&self) -> &AtomicPtr<c_void>;

    /// Attaches our `T` as the private pointer.
    fn set_private<T: ForeignOwnable + Send + Sync>(&self, data: T) {
        set_private(self.priv_slot(), data)
    }

    /// Detaches and returns the private `T`, if any.
    ///
    /// # Safety
    ///
    /// A non-null private pointer must come from `set_private::<T>`, and
    /// no borrow of it may outlive this call.
    unsafe fn take_private<T: ForeignOwnable + Send + Sync>(&self) -> Option<T> {
        // SAFETY: per the caller.
        unsafe { take_private(self.priv_slot()) }
    }

    /// Borrows the private `T` for as long as the object is borrowed.
    ///
    /// # Safety
    ///
    /// A non-null private pointer must come from `set_private::<T>` and
    /// stay attached while the borrow lasts (fscache calls the ops only
    /// between attachment and detachment; operations hold accesses).
    unsafe fn private<T: ForeignOwnable + Send + Sync>(&self) -> Option<T::Borrowed<'_>> {
        // SAFETY: per the caller.
        unsafe { private::<T>(self.priv_slot()) }
    }
}

impl CachePrivate for VolumeCookie {
    fn priv_slot(&self) -> &AtomicPtr<c_void> {
        // SAFETY: the field of a volume that is live while borrowed (type
        // invariant).
        unsafe { private_slot(addr_of_mut!((*self.as_ptr()).cache_priv)) }
    }
}

impl CachePrivate for Cookie {
    fn priv_slot(&self) -> &AtomicPtr<c_void> {
        // SAFETY: the field of a cookie that is live while borrowed (type
        // invariant).
        unsafe { private_slot(addr_of_mut!((*self.as_ptr()).cache_priv)) }
    }
}

/// A reference on a volume taken for withdrawal.
///
/// # Invariants
///
/// Holds a reference on `0` from `fscache_try_get_volume()`.
pub(crate) struct VolumeRef(NonNull<VolumeCookie>);

impl VolumeRef {
    pub(crate) fn withdraw(&self) {
        // SAFETY: we hold a reference (type invariant).
        unsafe { bindings::fscache_withdraw_volume(self.as_ptr()) };
    }
}

impl core::ops::Deref for VolumeRef {
    type Target = VolumeCookie;

    fn deref(&self) -> &VolumeCookie {
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
/// on it, or an `ARef<Cookie>` (a reference we hold).
#[repr(transparent)]
pub(crate) struct Cookie(Opaque<bindings::fscache_cookie>);

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
    pub(crate) unsafe fn from_raw<'a>(p: *mut bindings::fscache_cookie) -> &'a Cookie {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<Cookie>() }
    }

    /// The cookie of an operation's cache resources.
    ///
    /// # Safety
    ///
    /// `cres` must be valid for `'a`, its operation holding an access on
    /// its cookie (if any) for as long.
    pub(crate) unsafe fn of_cres<'a>(
        cres: *mut bindings::netfs_cache_resources,
    ) -> Option<&'a Cookie> {
        // SAFETY: per the contract.
        let p = unsafe { fsrs_cres_cookie(cres) };
        // SAFETY: the operation's access keeps the cookie live for 'a.
        (!p.is_null()).then(|| unsafe { Cookie::from_raw(p) })
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::fscache_cookie {
        self.0.get()
    }

    /// A reference of our own (traced as an object attaching).
    pub(crate) fn pin(&self) -> ARef<Cookie> {
        ARef::from(self)
    }

    pub(crate) fn key(&self) -> &[u8] {
        let len = usize::from(cookie_field!(self, key_len));
        // SAFETY: fscache_get_key() points at key_len bytes, fixed at
        // acquisition, that live as long as the cookie.
        unsafe { core::slice::from_raw_parts(fsrs_cookie_key(self.as_ptr()), len) }
    }

    /// A copy of the cookie's auxiliary data: the netfs rewrites it
    /// without a lock (fscache_update_aux()), so it is copied, as C's
    /// cachefiles copies it, never borrowed.
    pub(crate) fn aux(&self) -> Copied {
        // SAFETY: the cookie is live (type invariant); the shim copies
        // aux_len bytes (at most 255) into the 255 the buffer has.
        Copied::with(|buf| unsafe { fsrs_cookie_copy_aux(self.as_ptr(), buf) })
    }

    pub(crate) fn key_hash(&self) -> u32 {
        cookie_field!(self, key_hash)
    }

    /// The netfs's `FSCACHE_ADV_*` advice, fixed at acquisition.
    pub(crate) fn advice(&self) -> u8 {
        cookie_field!(self, advice)
    }

    /// fscache's number for the cookie (as in its traces and /proc).
    pub(crate) fn debug_id(&self) -> u32 {
        cookie_field!(self, debug_id)
    }

    pub(crate) fn inval_counter(&self) -> u32 {
        cookie_field!(self, inval_counter)
    }

    pub(crate) fn object_size(&self) -> u64 {
        cookie_field!(self, object_size) as u64
    }

    pub(crate) fn set_object_size(&self, size: u64) {
        // SAFETY: the backend owns object_size during resize, as in C.
        unsafe {
            core::ptr::write_volatile(addr_of_mut!((*self.as_ptr()).object_size), size as i64)
        };
    }

    /// The cookie's volume (fscache sets it at acquisition, so `None`
    /// only for a corrupt cookie).
    pub(crate) fn volume(&self) -> Option<&VolumeCookie> {
        let p = cookie_field!(self, volume);
        // SAFETY: the cookie holds its volume for as long as it lives.
        (!p.is_null()).then(|| unsafe { VolumeCookie::from_raw(p) })
    }

    fn flags(&self) -> BitFlags<'_> {
        // SAFETY: the cookie's flags word, only changed with atomic bitops
        // (here and in fscache), live for the borrow of `self` (type
        // invariant).
        unsafe { BitFlags::from_raw(addr_of_mut!((*self.as_ptr()).flags)) }
    }

    pub(crate) fn test_flag(&self, bit: u32) -> bool {
        self.flags().test(bit)
    }

    pub(crate) fn set_flag(&self, bit: u32) {
        self.flags().set(bit);
    }

    pub(crate) fn clear_flag(&self, bit: u32) {
        self.flags().clear(bit);
    }

    pub(crate) fn test_and_clear_flag(&self, bit: u32) -> bool {
        self.flags().test_and_clear(bit)
    }

    pub(crate) fn lookup_negative(&self) {
        // SAFETY: the cookie is live (type invariant).
        unsafe { bindings::fscache_cookie_lookup_negative(self.as_ptr()) };
    }

    pub(crate) fn caching_failed(&self) {
        // SAFETY: the cookie is live (type invariant).
        unsafe { bindings::fscache_caching_failed(self.as_ptr()) };
    }

    pub(crate) fn resume_after_invalidation(&self) {
        // SAFETY: the cookie is live (type invariant).
        unsafe { bindings::fscache_resume_after_invalidation(self.as_ptr()) };
    }

    pub(crate) fn withdraw(&self) {
        // SAFETY: the cookie is live (type invariant).
        unsafe { bindings::fscache_withdraw_cookie(self.as_ptr()) };
    }

    /// Ends the access an operation holds (netfs's end_operation).
    pub(crate) fn end_io_access(&self) {
        // SAFETY: the cookie is live; the caller gives up its access.
        unsafe {
            bindings::fscache_end_cookie_access(
                self.as_ptr(),
                bindings::fscache_access_trace_fscache_access_io_end,
            )
        };
    }
}

/// fscache's statistics counters (shown in /proc/fs/fscache/stats).
pub(crate) mod stats {
    use super::*;

    pub(crate) fn read() {
        // SAFETY: an atomic increment of an exported counter.
        unsafe { fsrs_count_read() }
    }
    pub(crate) fn write() {
        // SAFETY: an atomic increment of an exported counter.
        unsafe { fsrs_count_write() }
    }
    pub(crate) fn no_write_space() {
        // SAFETY: an atomic increment of an exported counter.
        unsafe { fsrs_count_no_write_space() }
    }
    pub(crate) fn no_create_space() {
        // SAFETY: an atomic increment of an exported counter.
        unsafe { fsrs_count_no_create_space() }
    }
    pub(crate) fn culled() {
        // SAFETY: an atomic increment of an exported counter.
        unsafe { fsrs_count_culled() }
    }
    pub(crate) fn dio_misfit() {
        // SAFETY: an atomic increment of an exported counter.
        unsafe { fsrs_count_dio_misfit() }
    }
}
