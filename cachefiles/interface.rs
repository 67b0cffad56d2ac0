// SPDX-License-Identifier: GPL-2.0
//! The `fscache_cache_ops` table: fscache's calls into the backend. Each
//! entry point turns the C pointers it is given into our types and calls
//! the safe code in `volume.rs`, `object.rs` and `io.rs`.

use crate::cache::Cache;
use crate::fsc::{CachePrivate, Cookie, VolumeCookie};
use crate::kext::slab::SlabArc;
use crate::object::Object;
use crate::volume::Volume;
use kernel::{bindings, sync::Arc};

/// An ops table for C: only read, by any thread.
#[repr(transparent)]
pub(crate) struct Ops<T>(pub(crate) T);

// SAFETY: the tables are immutable statics of function pointers and a
// pointer to a static string.
unsafe impl<T> Sync for Ops<T> {}

/// The ops fscache_add_cache() registers.
pub(crate) static CACHE_OPS: Ops<bindings::fscache_cache_ops> = Ops(bindings::fscache_cache_ops {
    name: kernel::c_str!("cachefiles").as_char_ptr(),
    acquire_volume: Some(acquire_volume),
    free_volume: Some(free_volume),
    lookup_cookie: Some(lookup_cookie),
    withdraw_cookie: Some(withdraw_cookie),
    resize_cookie: Some(resize_cookie),
    invalidate_cookie: Some(invalidate_cookie),
    begin_operation: Some(crate::io::ops::begin_operation),
    prepare_to_write: Some(prepare_to_write),
});

/// The cache a volume belongs to, with a reference of our own.
///
/// # Safety
///
/// `vcookie` must be a volume of one of our caches, in a callback.
unsafe fn cache_of(vcookie: &VolumeCookie) -> Option<Arc<Cache>> {
    // SAFETY: our caches are added with an Arc<Cache> (Cache::bind_to)
    // and fscache calls us only between add and withdrawal, so the Arc is
    // attached for the callback.
    unsafe { vcookie.cache().private::<Arc<Cache>>() }.map(Arc::from)
}

/// # Safety
///
/// Called by fscache with a live volume being acquired in our cache.
unsafe extern "C" fn acquire_volume(volume: *mut bindings::fscache_volume) {
    // SAFETY: per the contract, live for the callback.
    let vcookie = unsafe { VolumeCookie::from_raw(volume) };
    // SAFETY: fscache calls acquire_volume only for volumes of caches we
    // added, during the callback.
    let Some(cache) = (unsafe { cache_of(vcookie) }) else {
        return;
    };
    Volume::acquire(&cache, vcookie);
}

/// # Safety
///
/// Called by fscache with a volume it is freeing.
unsafe extern "C" fn free_volume(volume: *mut bindings::fscache_volume) {
    // SAFETY: per the contract, live for the callback.
    let vcookie = unsafe { VolumeCookie::from_raw(volume) };
    // SAFETY: our volumes' private pointers are Arc<Volume>s
    // (Volume::acquire()); taking it clears it, so it is taken back once.
    if let Some(v) = unsafe { vcookie.take_private::<Arc<Volume>>() } {
        v.free(vcookie);
    }
}

/// # Safety
///
/// Called by fscache with a live cookie (it holds an access on it).
unsafe extern "C" fn lookup_cookie(cookie: *mut bindings::fscache_cookie) -> bool {
    // SAFETY: per the contract, live for the callback.
    let cookie = unsafe { Cookie::from_raw(cookie) };
    let Some(vcookie) = cookie.volume() else {
        return false;
    };
    // SAFETY: our volumes' private pointers are Arc<Volume>s
    // (Volume::acquire()); it stays attached while the volume has cookies
    // (free_volume comes after the last) and while a lookup holds its
    // access (unbind withdraws the cache first, which waits for accesses
    // to end). We take a reference of our own.
    match unsafe { vcookie.private::<Arc<Volume>>() } {
        Some(volume) => Object::lookup(cookie, volume.into()),
        None => false,
    }
}

/// # Safety
///
/// Called by fscache with a live cookie whose object we made.
unsafe extern "C" fn withdraw_cookie(cookie: *mut bindings::fscache_cookie) {
    // SAFETY: per the contract, live for the callback.
    let c = unsafe { Cookie::from_raw(cookie) };
    // SAFETY: cache_priv is ours (set by lookup_cookie); a reference of our
    // own is taken while it is borrowed.
    let Some(object) = (unsafe { object_of(c) }).map(Object::arc) else {
        return;
    };
    Object::withdraw(object, c, || {
        // SAFETY: lookup_cookie's SlabArc<Object>, taken back once
        // (fscache withdraws a cookie once per successful lookup); no
        // borrow of it is left.
        drop(unsafe { c.take_private::<SlabArc<Object>>() });
    });
}

/// The object attached to a cookie, borrowed for the callback.
///
/// # Safety
///
/// `cookie` must be live with an object attached (fscache only calls the
/// object ops between a successful lookup and withdrawal).
pub(crate) unsafe fn object_of(cookie: &Cookie) -> Option<&Object> {
    // SAFETY: per the contract: cache_priv holds the SlabArc<Object> that
    // lookup attached, until withdrawal, which cannot overlap the borrow.
    unsafe { cookie.private::<SlabArc<Object>>() }
}

/// # Safety
///
/// Called by fscache with a live cookie with an object attached.
unsafe extern "C" fn invalidate_cookie(cookie: *mut bindings::fscache_cookie) -> bool {
    // SAFETY: per the contract, live for the callback.
    let c = unsafe { Cookie::from_raw(cookie) };
    // SAFETY: per the contract.
    match unsafe { object_of(c) } {
        Some(o) => o.invalidate(),
        None => false,
    }
}

/// # Safety
///
/// Called by fscache with a live cookie with an object attached.
unsafe extern "C" fn prepare_to_write(cookie: *mut bindings::fscache_cookie) {
    // SAFETY: per the contract, live for the callback.
    let c = unsafe { Cookie::from_raw(cookie) };
    // SAFETY: per the contract.
    if let Some(o) = unsafe { object_of(c) } {
        o.prepare_to_write();
    }
}

/// # Safety
///
/// Called by fscache with the resources of an operation in progress.
unsafe extern "C" fn resize_cookie(cres: *mut bindings::netfs_cache_resources, new_size: i64) {
    // SAFETY: per the contract: an operation's resources, lent for the
    // call, on one of our cookies.
    let res = unsafe { crate::io::Resources::from_raw(cres) };
    if let Some(o) = res.object() {
        o.resize(res.file().as_deref(), new_size as u64);
    }
}
