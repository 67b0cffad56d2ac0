// SPDX-License-Identifier: GPL-2.0
//! The fscache side of the backend: the cache, volume and cookie structures
//! fscache (C or ours, same ABI) hands us, and its counters.
//!
//! These are views of C objects whose lifetime fscache guarantees for the
//! duration of the callback that received them, or for as long as we hold
//! the reference the type says we hold.

use core::ptr::NonNull;
use kernel::{bindings, prelude::*};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    fn cfh_cookie_key(cookie: *mut bindings::fscache_cookie) -> *mut u8;
    fn cfh_cookie_aux(cookie: *mut bindings::fscache_cookie) -> *mut u8;
    fn cfh_cres_cookie(cres: *mut bindings::netfs_cache_resources)
        -> *mut bindings::fscache_cookie;
    fn cfh_count_object(cache: *mut bindings::fscache_cache);
    fn cfh_uncount_object(cache: *mut bindings::fscache_cache);
    fn cfh_wait_for_objects(cache: *mut bindings::fscache_cache);
    fn cfh_volume_pin_access(volume: *mut bindings::fscache_volume);
    fn cfh_count_read();
    fn cfh_count_write();
    fn cfh_count_no_write_space();
    fn cfh_count_no_create_space();
    fn cfh_count_culled();
    fn cfh_count_dio_misfit();
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

/// Views the C flags word at `word` as an atomic, for as long as `_owner`
/// (the handle of the object holding it) is borrowed.
///
/// # Safety
///
/// `word` must point at the `unsigned long` flags word of an object that
/// stays allocated while `_owner` is borrowed, which C updates only with
/// atomic bitops.
unsafe fn flags_atomic<T>(word: *mut usize, _owner: &T) -> &core::sync::atomic::AtomicUsize {
    // SAFETY: AtomicUsize has the size and alignment of usize, which is
    // C's unsigned long on x86_64; every access to the word is atomic (C's
    // bitops, our atomics), and it is allocated for the borrow (contract).
    unsafe { core::sync::atomic::AtomicUsize::from_ptr(word) }
}

/// Reads field `$f` of the cookie behind handle `$c` with one raw-pointer
/// read: no reference to the whole cookie is made, as other threads change
/// its other fields (flags, state, sizes, cache_priv) meanwhile.
macro_rules! cookie_field {
    ($c:ident, $f:ident) => {
        // SAFETY: the cookie is live while its handle is (the handle's
        // contract); only the address of one field is computed, and that
        // field is read once, racily as C reads it.
        unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*$c.as_ptr()).$f)) }
    };
}

/// The fscache cache cookie (`struct fscache_cache`).
#[derive(Clone, Copy)]
pub(crate) struct FsCache(NonNull<bindings::fscache_cache>);

// SAFETY: fscache's cache objects are shared between threads by design.
unsafe impl Send for FsCache {}
// SAFETY: as above.
unsafe impl Sync for FsCache {}

impl FsCache {
    /// fscache_acquire_cache(): a reference on the named cache.
    pub(crate) fn acquire(tag: &CStr) -> Result<FsCache> {
        // SAFETY: `tag` is NUL-terminated.
        let p = unsafe { bindings::fscache_acquire_cache(tag.as_char_ptr()) };
        let v = p as isize;
        if (-(bindings::MAX_ERRNO as isize)..0).contains(&v) {
            return Err(Error::from_errno(v as i32));
        }
        NonNull::new(p).map(FsCache).ok_or(ENOMEM)
    }

    pub(crate) fn as_ptr(self) -> *mut bindings::fscache_cache {
        self.0.as_ptr()
    }

    /// # Safety
    ///
    /// `p` must be a live fscache cache.
    pub(crate) unsafe fn from_raw(p: *mut bindings::fscache_cache) -> Option<FsCache> {
        NonNull::new(p).map(FsCache)
    }

    /// The cache's name (the tag), for log lines; borrowed no longer than
    /// the handle (which stands for the reference acquire() took).
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: the name is set at acquisition and freed only with the
        // cache, after the reference this handle stands for is given back.
        unsafe { CStr::from_char_ptr((*self.as_ptr()).name) }
    }

    /// fscache_add_cache(): brings the cache online with our ops.
    ///
    /// # Safety
    ///
    /// `priv_` must stay valid until the cache is withdrawn.
    pub(crate) unsafe fn add(
        self,
        ops: &'static bindings::fscache_cache_ops,
        priv_: *mut core::ffi::c_void,
    ) -> Result {
        // SAFETY: per the contract.
        kernel::error::to_result(unsafe { bindings::fscache_add_cache(self.as_ptr(), ops, priv_) })
    }

    pub(crate) fn io_error(self) {
        // SAFETY: the cache is live.
        unsafe { bindings::fscache_io_error(self.as_ptr()) };
    }

    pub(crate) fn withdraw(self) {
        // SAFETY: the cache is live.
        unsafe { bindings::fscache_withdraw_cache(self.as_ptr()) };
    }

    /// Drops our reference; the handle must not be used afterwards.
    pub(crate) fn relinquish(self) {
        // SAFETY: we hold the reference fscache_acquire_cache() gave.
        unsafe { bindings::fscache_relinquish_cache(self.as_ptr()) };
    }

    pub(crate) fn count_object(self) {
        // SAFETY: the cache is live.
        unsafe { cfh_count_object(self.as_ptr()) };
    }

    pub(crate) fn uncount_object(self) {
        // SAFETY: the cache is live until object_count reaches zero.
        unsafe { cfh_uncount_object(self.as_ptr()) };
    }

    pub(crate) fn wait_for_objects(self) {
        // SAFETY: the cache is live.
        unsafe { cfh_wait_for_objects(self.as_ptr()) };
    }

    /// The backend's `cache_priv` (our `Cache`, set by fscache_add_cache).
    pub(crate) fn priv_ptr(self) -> *mut core::ffi::c_void {
        // SAFETY: the cache is live.
        unsafe { (*self.as_ptr()).cache_priv }
    }
}

/// A volume cookie (`struct fscache_volume`), borrowed.
#[derive(Clone, Copy)]
pub(crate) struct VolumeCookie(NonNull<bindings::fscache_volume>);

// SAFETY: shared between threads by fscache's design.
unsafe impl Send for VolumeCookie {}
// SAFETY: as above.
unsafe impl Sync for VolumeCookie {}

impl VolumeCookie {
    /// # Safety
    ///
    /// `p` must be a live volume for as long as the handle is used.
    pub(crate) unsafe fn from_raw(p: *mut bindings::fscache_volume) -> Option<VolumeCookie> {
        NonNull::new(p).map(VolumeCookie)
    }

    pub(crate) fn as_ptr(self) -> *mut bindings::fscache_volume {
        self.0.as_ptr()
    }

    /// The volume key without its length byte.
    pub(crate) fn key(&self) -> &[u8] {
        // SAFETY: key[0] is the length of the printable key that follows;
        // the buffer lives as long as the volume.
        unsafe {
            let k = (*self.as_ptr()).key;
            core::slice::from_raw_parts(k.add(1), usize::from(*k))
        }
    }

    pub(crate) fn coherency(&self) -> &[u8] {
        // SAFETY: the flexible array holds coherency_len bytes.
        unsafe {
            let v = self.as_ptr();
            core::slice::from_raw_parts(
                core::ptr::addr_of!((*v).coherency) as *const u8,
                usize::from((*v).coherency_len),
            )
        }
    }

    pub(crate) fn cache(&self) -> *mut bindings::fscache_cache {
        // SAFETY: set before the cache sees the volume.
        unsafe { (*self.as_ptr()).cache }
    }

    pub(crate) fn priv_ptr(&self) -> *mut core::ffi::c_void {
        // SAFETY: the volume is live.
        unsafe { (*self.as_ptr()).cache_priv }
    }

    pub(crate) fn set_priv(&self, p: *mut core::ffi::c_void) {
        // SAFETY: only the cache backend writes cache_priv, from the
        // serialised acquire/free/withdraw paths.
        unsafe { (*self.as_ptr()).cache_priv = p };
    }

    pub(crate) fn n_accesses(&self) -> i32 {
        // SAFETY: an atomic_t read.
        unsafe {
            core::ptr::read_volatile(core::ptr::addr_of!((*self.as_ptr()).n_accesses.counter))
        }
    }

    /// Pins the volume's access count for as long as the cache holds it
    /// (so that fscache does not wake anyone on its going to zero).
    pub(crate) fn pin_access(&self) {
        // SAFETY: an atomic increment on a live volume.
        unsafe { cfh_volume_pin_access(self.as_ptr()) };
    }

    /// fscache_try_get_volume(); `None` if it is going away.
    pub(crate) fn try_get(&self) -> Option<VolumeRef> {
        // SAFETY: the volume is live.
        let p = unsafe {
            bindings::fscache_try_get_volume(
                self.as_ptr(),
                bindings::fscache_volume_trace_fscache_volume_get_withdraw,
            )
        };
        NonNull::new(p).map(|p| VolumeRef(VolumeCookie(p)))
    }
}

/// A reference on a volume taken for withdrawal.
pub(crate) struct VolumeRef(VolumeCookie);

impl VolumeRef {
    pub(crate) fn withdraw(&self) {
        // SAFETY: we hold a reference.
        unsafe { bindings::fscache_withdraw_volume(self.0.as_ptr()) };
    }
}

impl Drop for VolumeRef {
    fn drop(&mut self) {
        // SAFETY: drops the reference try_get() took.
        unsafe {
            bindings::fscache_put_volume(
                self.0.as_ptr(),
                bindings::fscache_volume_trace_fscache_volume_put_withdraw,
            )
        };
    }
}

/// A data cookie (`struct fscache_cookie`), borrowed or held (see `Pin`).
#[derive(Clone, Copy)]
pub(crate) struct Cookie(NonNull<bindings::fscache_cookie>);

// SAFETY: shared between threads by fscache's design.
unsafe impl Send for Cookie {}
// SAFETY: as above.
unsafe impl Sync for Cookie {}

impl Cookie {
    /// # Safety
    ///
    /// `p` must be a live cookie for as long as the handle is used.
    pub(crate) unsafe fn from_raw(p: *mut bindings::fscache_cookie) -> Option<Cookie> {
        NonNull::new(p).map(Cookie)
    }

    /// The cookie of an operation's cache resources.
    ///
    /// # Safety
    ///
    /// `cres` must be valid and have a cookie attached.
    pub(crate) unsafe fn of_cres(cres: *mut bindings::netfs_cache_resources) -> Option<Cookie> {
        // SAFETY: per the contract.
        NonNull::new(unsafe { cfh_cres_cookie(cres) }).map(Cookie)
    }

    pub(crate) fn as_ptr(self) -> *mut bindings::fscache_cookie {
        self.0.as_ptr()
    }

    pub(crate) fn key(&self) -> &[u8] {
        let len = usize::from(cookie_field!(self, key_len));
        // SAFETY: fscache_get_key() points at key_len bytes, fixed at
        // acquisition, that live as long as the cookie.
        unsafe { core::slice::from_raw_parts(cfh_cookie_key(self.as_ptr()), len) }
    }

    pub(crate) fn aux(&self) -> &[u8] {
        let len = usize::from(cookie_field!(self, aux_len));
        // SAFETY: fscache_get_aux() points at aux_len bytes that live as
        // long as the cookie; the netfs may update them, as in C (which
        // copies them out under the same conditions).
        unsafe { core::slice::from_raw_parts(cfh_cookie_aux(self.as_ptr()), len) }
    }

    pub(crate) fn key_hash(&self) -> u32 {
        cookie_field!(self, key_hash)
    }

    /// fscache's number for the cookie (as in its traces and /proc).
    pub(crate) fn debug_id(&self) -> u32 {
        cookie_field!(self, debug_id)
    }

    pub(crate) fn inval_counter(&self) -> u32 {
        // SAFETY: a racy read of an int, as C does.
        unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*self.as_ptr()).inval_counter)) }
    }

    pub(crate) fn object_size(&self) -> u64 {
        // SAFETY: as above.
        unsafe {
            core::ptr::read_volatile(core::ptr::addr_of!((*self.as_ptr()).object_size)) as u64
        }
    }

    pub(crate) fn set_object_size(&self, size: u64) {
        // SAFETY: the backend owns object_size during resize, as in C.
        unsafe {
            core::ptr::write_volatile(
                core::ptr::addr_of_mut!((*self.as_ptr()).object_size),
                size as i64,
            )
        };
    }

    /// The cookie's volume (fscache sets it at acquisition, so `None`
    /// only for a corrupt cookie).
    pub(crate) fn volume(&self) -> Option<VolumeCookie> {
        NonNull::new(cookie_field!(self, volume)).map(VolumeCookie)
    }

    pub(crate) fn priv_ptr(&self) -> *mut core::ffi::c_void {
        // SAFETY: racy read of a pointer the backend owns.
        unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*self.as_ptr()).cache_priv)) }
    }

    pub(crate) fn set_priv(&self, p: *mut core::ffi::c_void) {
        // SAFETY: only the backend writes cache_priv, at lookup and withdraw,
        // which fscache serialises.
        unsafe {
            core::ptr::write_volatile(core::ptr::addr_of_mut!((*self.as_ptr()).cache_priv), p)
        };
    }

    fn flags(&self) -> &core::sync::atomic::AtomicUsize {
        // SAFETY: the cookie's flags word, only changed with atomic bitops;
        // the cookie is live while its handle is (the handle's contract).
        unsafe { flags_atomic(core::ptr::addr_of_mut!((*self.as_ptr()).flags), self) }
    }

    pub(crate) fn test_flag(&self, bit: u32) -> bool {
        self.flags().load(core::sync::atomic::Ordering::Acquire) & (1 << bit) != 0
    }

    pub(crate) fn set_flag(&self, bit: u32) {
        self.flags()
            .fetch_or(1 << bit, core::sync::atomic::Ordering::AcqRel);
    }

    pub(crate) fn clear_flag(&self, bit: u32) {
        self.flags()
            .fetch_and(!(1 << bit), core::sync::atomic::Ordering::AcqRel);
    }

    pub(crate) fn test_and_clear_flag(&self, bit: u32) -> bool {
        self.flags()
            .fetch_and(!(1 << bit), core::sync::atomic::Ordering::AcqRel)
            & (1 << bit)
            != 0
    }

    pub(crate) fn lookup_negative(&self) {
        // SAFETY: the cookie is live.
        unsafe { bindings::fscache_cookie_lookup_negative(self.as_ptr()) };
    }

    pub(crate) fn caching_failed(&self) {
        // SAFETY: the cookie is live.
        unsafe { bindings::fscache_caching_failed(self.as_ptr()) };
    }

    pub(crate) fn resume_after_invalidation(&self) {
        // SAFETY: the cookie is live.
        unsafe { bindings::fscache_resume_after_invalidation(self.as_ptr()) };
    }

    pub(crate) fn withdraw(&self) {
        // SAFETY: the cookie is live (the object pins it).
        unsafe { bindings::fscache_withdraw_cookie(self.as_ptr()) };
    }

    /// Takes a reference for an object attached to the cookie.
    pub(crate) fn pin(&self) -> CookiePin {
        // SAFETY: the cookie is live.
        unsafe {
            bindings::fscache_get_cookie(
                self.as_ptr(),
                bindings::fscache_cookie_trace_fscache_cookie_get_attach_object,
            )
        };
        CookiePin(*self)
    }
}

/// A reference on a cookie held by one of our objects.
pub(crate) struct CookiePin(Cookie);

impl CookiePin {
    pub(crate) fn cookie(&self) -> Cookie {
        self.0
    }
}

impl Drop for CookiePin {
    fn drop(&mut self) {
        // SAFETY: drops the reference pin() took.
        unsafe {
            bindings::fscache_put_cookie(
                self.0.as_ptr(),
                bindings::fscache_cookie_trace_fscache_cookie_put_object,
            )
        };
    }
}

/// fscache's statistics counters (shown in /proc/fs/fscache/stats).
pub(crate) mod stats {
    use super::*;

    pub(crate) fn read() {
        // SAFETY: an atomic increment of an exported counter.
        unsafe { cfh_count_read() }
    }
    pub(crate) fn write() {
        // SAFETY: as above.
        unsafe { cfh_count_write() }
    }
    pub(crate) fn no_write_space() {
        // SAFETY: as above.
        unsafe { cfh_count_no_write_space() }
    }
    pub(crate) fn no_create_space() {
        // SAFETY: as above.
        unsafe { cfh_count_no_create_space() }
    }
    pub(crate) fn culled() {
        // SAFETY: as above.
        unsafe { cfh_count_culled() }
    }
    pub(crate) fn dio_misfit() {
        // SAFETY: as above.
        unsafe { cfh_count_dio_misfit() }
    }
}
