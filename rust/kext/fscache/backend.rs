// SPDX-License-Identifier: GPL-2.0
//! A cache backend: what fscache calls (`struct fscache_cache_ops`), as a
//! `#[vtable]` trait ([`CacheBackend`]) and the static table built from it
//! ([`CacheOpsVTable`]), the way `kernel::miscdevice` builds
//! `MiscdeviceVTable<T>`.
//!
//! The trampolines turn fscache's pointers into this layer's types and
//! the private pointers of the cache, a volume and a cookie into the
//! backend's: fscache calls a backend's ops only on caches added with its
//! table ([`AcquiredCache::add`](super::AcquiredCache::add)), so those
//! pointers are the backend's associated types. Volumes and cookies get
//! theirs through [`VolumeSlot`] and [`ObjectSlot`], which only the
//! trampolines make.

use super::cookie::Cookie;
use super::private::PrivateField;
use super::resources::{CacheResources, WantState};
use super::volume::Volume;
use core::marker::PhantomData;
use kernel::{bindings, error::VTABLE_DEFAULT_ERROR, prelude::*, types::ForeignOwnable};

/// The borrowed form of a backend's pointer type.
pub type Borrowed<'a, P> = <P as ForeignOwnable>::Borrowed<'a>;

/// A cache backend: fscache's `struct fscache_cache_ops`.
///
/// Each method is called by fscache, on a cache the backend added; the
/// C ops it stands for are named in its documentation.
#[vtable]
pub trait CacheBackend: Sized + 'static {
    /// The backend's name (`ops->name`), as fscache logs it.
    const NAME: &'static CStr;

    /// What the cache's private pointer holds, from
    /// [`AcquiredCache::add`](super::AcquiredCache::add) until
    /// [`AcquiredCache::withdraw`](super::AcquiredCache::withdraw).
    type CachePtr: ForeignOwnable + Send + Sync;

    /// What a volume's private pointer holds, from [`VolumeSlot::attach`]
    /// until [`Self::free_volume`] or the cache's withdrawal
    /// ([`AcquiredCache::take_volume_if`](super::AcquiredCache::take_volume_if)).
    type VolumePtr: ForeignOwnable + Send + Sync;

    /// What a cookie's private pointer holds, from [`ObjectSlot::attach`]
    /// until [`Self::withdraw_cookie`] returns.
    type ObjectPtr: ForeignOwnable + Send + Sync;

    /// `acquire_volume`: sets up `volume`, new in the cache whose pointer
    /// is `cache`; what `slot` is given becomes the volume's pointer.
    fn acquire_volume(
        cache: Borrowed<'_, Self::CachePtr>,
        volume: &Volume,
        slot: VolumeSlot<'_, Self>,
    );

    /// `free_volume`: the netfs is done with `volume`, which had `data`
    /// attached (taken off it before the call).
    fn free_volume(volume: &Volume, data: Self::VolumePtr) {
        let _ = volume;
        drop(data);
    }

    /// `lookup_cookie`: finds or makes the cache's object for `cookie`, in
    /// `volume`; what `slot` is given becomes the cookie's pointer, and
    /// stays until [`Self::withdraw_cookie`] even if the lookup fails, as
    /// C's backends leave it. An error makes fscache's lookup fail.
    fn lookup_cookie(
        volume: Borrowed<'_, Self::VolumePtr>,
        cookie: &Cookie,
        slot: ObjectSlot<'_, Self>,
    ) -> Result;

    /// `withdraw_cookie`: `cookie` is going, or the cache is; `object` is
    /// taken off the cookie when this returns.
    fn withdraw_cookie(cookie: &Cookie, object: Borrowed<'_, Self::ObjectPtr>);

    /// `resize_cookie`: the netfs changed the size of `object`'s file to
    /// `new_size`, in the operation `res` (inside the netfs's inode lock).
    fn resize_cookie(
        res: &CacheResources<Self>,
        object: Borrowed<'_, Self::ObjectPtr>,
        new_size: u64,
    );

    /// `invalidate_cookie`: the netfs's data changed; the backend discards
    /// what it holds for `cookie`. An error fails the cookie's caching.
    fn invalidate_cookie(cookie: &Cookie, object: Borrowed<'_, Self::ObjectPtr>) -> Result;

    /// `begin_operation`: attaches the backend's netfs ops to `res`
    /// ([`CacheResources::attach`]), for an operation that needs `want`.
    /// An error makes fscache fail the operation.
    fn begin_operation(res: &CacheResources<Self>, want: WantState) -> Result;

    /// `prepare_to_write`: the netfs is about to modify the cached file of
    /// `cookie`.
    fn prepare_to_write(_cookie: &Cookie, _object: Borrowed<'_, Self::ObjectPtr>) {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// Where [`CacheBackend::acquire_volume`] attaches the backend's volume.
///
/// # Invariants
///
/// `volume` is in a cache added with `T`'s table, and the slot is made
/// only by [`CacheOpsVTable`]'s `acquire_volume`, for the callback.
pub struct VolumeSlot<'a, T: CacheBackend> {
    volume: &'a Volume,
    _backend: PhantomData<T>,
}

impl<'a, T: CacheBackend> VolumeSlot<'a, T> {
    /// The volume the slot is for.
    pub fn volume(&self) -> &'a Volume {
        self.volume
    }

    /// Makes `data` the volume's private pointer (once: the slot is
    /// consumed).
    pub fn attach(self, data: T::VolumePtr) {
        // INVARIANT: a `T::VolumePtr`, in a volume of a cache with T's
        // table: what the trampolines borrow and take back.
        self.volume.set_private(data);
    }
}

/// Where [`CacheBackend::lookup_cookie`] attaches the backend's object.
///
/// # Invariants
///
/// `cookie` is in a cache added with `T`'s table, and the slot is made
/// only by [`CacheOpsVTable`]'s `lookup_cookie`, for the callback.
pub struct ObjectSlot<'a, T: CacheBackend> {
    cookie: &'a Cookie,
    _backend: PhantomData<T>,
}

impl<T: CacheBackend> ObjectSlot<'_, T> {
    /// Makes `data` the cookie's private pointer (once: the slot is
    /// consumed).
    pub fn attach(self, data: T::ObjectPtr) {
        // INVARIANT: a `T::ObjectPtr`, in a cookie of a cache with T's
        // table: what the trampolines borrow and take back.
        self.cookie.set_private(data);
    }
}

/// The `fscache_cache_ops` of backend `T`, with its trampolines.
pub struct CacheOpsVTable<T: CacheBackend>(PhantomData<T>);

impl<T: CacheBackend> CacheOpsVTable<T> {
    const VTABLE: bindings::fscache_cache_ops = bindings::fscache_cache_ops {
        name: T::NAME.as_char_ptr(),
        acquire_volume: Some(Self::acquire_volume),
        free_volume: Some(Self::free_volume),
        lookup_cookie: Some(Self::lookup_cookie),
        withdraw_cookie: Some(Self::withdraw_cookie),
        resize_cookie: Some(Self::resize_cookie),
        invalidate_cookie: Some(Self::invalidate_cookie),
        begin_operation: Some(Self::begin_operation),
        prepare_to_write: if T::HAS_PREPARE_TO_WRITE {
            Some(Self::prepare_to_write)
        } else {
            None
        },
    };

    /// The table, a static (fscache keeps the pointer while the cache is
    /// added).
    pub const fn build() -> &'static bindings::fscache_cache_ops {
        &Self::VTABLE
    }

    /// # Safety
    ///
    /// Called by fscache with a live volume being created in a cache added
    /// with this table, under an access on the cache.
    unsafe extern "C" fn acquire_volume(volume: *mut bindings::fscache_volume) {
        // SAFETY: per the contract, live for the callback.
        let volume = unsafe { Volume::from_raw(volume) };
        // SAFETY: the cache was added with T's table, so its pointer is a
        // `T::CachePtr`; the access fscache holds for the call keeps the
        // cache from being withdrawn, and so the pointer attached.
        let Some(cache) = (unsafe { volume.cache().private::<T::CachePtr>() }) else {
            return;
        };
        // INVARIANT: a volume of a cache with T's table, in the callback.
        let slot = VolumeSlot {
            volume,
            _backend: PhantomData,
        };
        T::acquire_volume(cache, volume, slot);
    }

    /// # Safety
    ///
    /// Called by fscache with a volume of a cache added with this table,
    /// which it is freeing.
    unsafe extern "C" fn free_volume(volume: *mut bindings::fscache_volume) {
        // SAFETY: per the contract, live for the callback.
        let volume = unsafe { Volume::from_raw(volume) };
        // SAFETY: only T's VolumeSlot stores there, a `T::VolumePtr`. No
        // borrow is alive: lookups (the only borrowers) need a cookie of
        // the volume, and fscache frees it after the last. Taking it
        // clears it: the cache's withdrawal, which takes it otherwise,
        // holds a reference that keeps fscache from freeing the volume.
        if let Some(data) = unsafe { volume.take_private::<T::VolumePtr>() } {
            T::free_volume(volume, data);
        }
    }

    /// # Safety
    ///
    /// Called by fscache with a live cookie of a cache added with this
    /// table, holding an access on the cookie and one on the cache.
    unsafe extern "C" fn lookup_cookie(cookie: *mut bindings::fscache_cookie) -> bool {
        // SAFETY: per the contract, live for the callback.
        let cookie = unsafe { Cookie::from_raw(cookie) };
        let Some(volume) = cookie.volume() else {
            return false;
        };
        // SAFETY: a `T::VolumePtr` (T's cache); it stays attached while
        // the volume has cookies (free_volume comes after the last) and
        // while the lookup holds its cache access (the withdrawal takes
        // it only once the cache is withdrawn, which waits for accesses
        // to end).
        let Some(data) = (unsafe { volume.private::<T::VolumePtr>() }) else {
            return false;
        };
        // INVARIANT: a cookie of a cache with T's table, in the callback.
        let slot = ObjectSlot {
            cookie,
            _backend: PhantomData,
        };
        T::lookup_cookie(data, cookie, slot).is_ok()
    }

    /// # Safety
    ///
    /// Called by fscache with a live cookie of a cache added with this
    /// table, with no access held on it, once per lookup.
    unsafe extern "C" fn withdraw_cookie(cookie: *mut bindings::fscache_cookie) {
        // SAFETY: per the contract, live for the callback.
        let cookie = unsafe { Cookie::from_raw(cookie) };
        // SAFETY: a `T::ObjectPtr` (attached by the lookup's ObjectSlot),
        // which only this callback takes back, below, after the borrow.
        let Some(object) = (unsafe { cookie.private::<T::ObjectPtr>() }) else {
            return;
        };
        T::withdraw_cookie(cookie, object);
        // Taken off last, as C's backend does.
        // SAFETY: as above; the borrow ended with the call.
        drop(unsafe { cookie.take_private::<T::ObjectPtr>() });
    }

    /// # Safety
    ///
    /// Called by fscache with the resources of an operation it began with
    /// this table's `begin_operation`, lent for the call.
    unsafe extern "C" fn resize_cookie(
        cres: *mut bindings::netfs_cache_resources,
        new_size: bindings::loff_t,
    ) {
        // SAFETY: per the contract: an operation's resources on a cookie
        // of a cache with T's table.
        let res = unsafe { CacheResources::<T>::from_raw(cres) };
        if let Some(object) = res.object() {
            T::resize_cookie(res, object, new_size as u64);
        }
    }

    /// # Safety
    ///
    /// Called by fscache with a live cookie of a cache added with this
    /// table, between a lookup and its withdrawal.
    unsafe extern "C" fn invalidate_cookie(cookie: *mut bindings::fscache_cookie) -> bool {
        // SAFETY: per the contract, live for the callback.
        let cookie = unsafe { Cookie::from_raw(cookie) };
        // SAFETY: a `T::ObjectPtr`; withdrawal, which takes it back, is
        // not called meanwhile (fscache's state machine runs one at a
        // time).
        match unsafe { cookie.private::<T::ObjectPtr>() } {
            Some(object) => T::invalidate_cookie(cookie, object).is_ok(),
            None => false,
        }
    }

    /// # Safety
    ///
    /// Called by fscache with the resources of an operation being begun
    /// on a cookie of a cache added with this table, holding an access on
    /// the cookie.
    unsafe extern "C" fn begin_operation(
        cres: *mut bindings::netfs_cache_resources,
        want: bindings::fscache_want_state,
    ) -> bool {
        // SAFETY: per the contract: lent for the call, on a cookie of a
        // cache with T's table.
        let res = unsafe { CacheResources::<T>::from_raw(cres) };
        T::begin_operation(res, WantState::from_raw(want)).is_ok()
    }

    /// # Safety
    ///
    /// Called by fscache with a live cookie of a cache added with this
    /// table, holding an access on it.
    unsafe extern "C" fn prepare_to_write(cookie: *mut bindings::fscache_cookie) {
        // SAFETY: per the contract, live for the callback.
        let cookie = unsafe { Cookie::from_raw(cookie) };
        // SAFETY: a `T::ObjectPtr`, kept attached by the access held.
        if let Some(object) = unsafe { cookie.private::<T::ObjectPtr>() } {
            T::prepare_to_write(cookie, object);
        }
    }
}
