// SPDX-License-Identifier: GPL-2.0
//! A cache (`struct fscache_cache`) as its backend sees it: borrowed in
//! fscache's callbacks ([`Cache`]), and owned from acquisition to
//! relinquishment ([`AcquiredCache`]), with the objects counted in it
//! ([`ObjectCount`]).

use super::backend::{CacheBackend, CacheOpsVTable};
use super::private::PrivateField;
use super::volume::VolumeRef;
use core::{
    ffi::c_void,
    marker::PhantomData,
    ptr::{addr_of_mut, NonNull},
    sync::atomic::{AtomicPtr, AtomicU8, Ordering},
};
use kernel::{
    bindings,
    prelude::*,
    types::{ForeignOwnable, Opaque},
};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/fscache.c
    fn fsrs_count_object(cache: *mut bindings::fscache_cache);
    fn fsrs_uncount_object(cache: *mut bindings::fscache_cache);
    fn fsrs_wait_for_objects(cache: *mut bindings::fscache_cache);
}

/// A `struct fscache_cache`.
///
/// # Invariants
///
/// Only references to it exist, and fscache keeps the object alive while
/// they do: a callback's argument for the callback, an [`AcquiredCache`]
/// for as long as it lives, a volume of the cache for as long as the
/// volume is borrowed.
#[repr(transparent)]
pub struct Cache(Opaque<bindings::fscache_cache>);

// SAFETY: fscache's cache objects are shared between threads by design;
// every accessor below is an atomic or a call fscache makes thread-safe.
unsafe impl Send for Cache {}
// SAFETY: see `Send`.
unsafe impl Sync for Cache {}

impl Cache {
    /// # Safety
    ///
    /// `p` must be a live fscache cache for `'a`.
    pub unsafe fn from_raw<'a>(p: *mut bindings::fscache_cache) -> &'a Cache {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<Cache>() }
    }

    /// The C object.
    pub fn as_ptr(&self) -> *mut bindings::fscache_cache {
        self.0.get()
    }

    /// The cache's name (the tag), for log lines.
    pub fn name(&self) -> &CStr {
        // SAFETY: the name is set at acquisition and freed only with the
        // cache, which outlives `&self` (type invariant).
        unsafe { CStr::from_char_ptr((*self.as_ptr()).name) }
    }

    /// `fscache_io_error()`: fscache stops using the cache.
    pub fn io_error(&self) {
        // SAFETY: the cache is live (type invariant).
        unsafe { bindings::fscache_io_error(self.as_ptr()) };
    }
}

// A cache's private pointer is what `AcquiredCache::add` gave fscache: the
// backend's `CachePtr`, borrowed by its callbacks (fscache calls a backend
// only between add and withdrawal, and withdrawal waits for the calls).
impl PrivateField for Cache {
    /// The cache's `cache_priv`: the backend's cache.
    fn private_slot(&self) -> &AtomicPtr<c_void> {
        // SAFETY: the field of a cache live while borrowed (type
        // invariant).
        unsafe { super::private::slot(addr_of_mut!((*self.as_ptr()).cache_priv)) }
    }
}

/// The reference on a cache `fscache_acquire_cache()` gives: the cache in
/// backend `T`'s service from acquisition until this is dropped, which
/// relinquishes it (`fscache_relinquish_cache()`), once.
///
/// [`Self::add`] hands fscache a `T::CachePtr`, which `T`'s callbacks
/// borrow on whatever thread they run, and [`Self::withdraw`] takes it
/// back, maybe on another thread; both through `&self`. So the pointer
/// types are `Send + Sync` ([`CacheBackend`]), whatever thread holds or
/// shares the `AcquiredCache`.
///
/// # Invariants
///
/// Holds the acquisition's reference on `cache`, given back exactly once,
/// by `Drop`, after waiting for every [`ObjectCount`] of the cache to go.
/// If the cache was added, it was added with `T`'s table, so its private
/// pointer and those of its volumes and cookies are `T`'s types.
/// `state` goes from [`ACQUIRED`] through [`ADDING`] to [`ADDED`] (or back
/// if fscache refuses the cache), and from [`ADDED`] to [`WITHDRAWN`],
/// once: from then on no callback of the cache borrows its private
/// pointers.
pub struct AcquiredCache<T: CacheBackend> {
    cache: NonNull<Cache>,
    state: AtomicU8,
    _backend: PhantomData<T>,
}

/// Acquired, not yet given to fscache.
const ACQUIRED: u8 = 0;
/// Being given to fscache.
const ADDING: u8 = 1;
/// Added to fscache with `T`'s table.
const ADDED: u8 = 2;
/// Withdrawn from fscache.
const WITHDRAWN: u8 = 3;

// SAFETY: the reference may be given back from any thread, and the
// pointers it may hold (in fscache's private fields) are Send.
unsafe impl<T: CacheBackend> Send for AcquiredCache<T> {}
// SAFETY: shared use is through &Cache, which is Sync, and through add()
// and withdraw(), which move a `T::CachePtr` in or out from whichever
// thread shares the AcquiredCache: it is Send, and Sync for the callbacks.
unsafe impl<T: CacheBackend> Sync for AcquiredCache<T> {}

impl<T: CacheBackend> AcquiredCache<T> {
    /// `fscache_acquire_cache()`: the cache tagged `tag`, to be made
    /// ready.
    pub fn acquire(tag: &CStr) -> Result<Self> {
        // SAFETY: `tag` is NUL-terminated.
        let p = unsafe { bindings::fscache_acquire_cache(tag.as_char_ptr()) };
        let p = kernel::error::from_err_ptr(p)?;
        // INVARIANT: the reference fscache gave us; not added yet.
        NonNull::new(p.cast::<Cache>())
            .map(|cache| AcquiredCache {
                cache,
                state: AtomicU8::new(ACQUIRED),
                _backend: PhantomData,
            })
            .ok_or(ENOMEM)
    }

    /// `fscache_add_cache()`: brings the cache online with `T`'s ops;
    /// `data` is its private pointer until [`Self::withdraw`]. `EBUSY` if
    /// it was added already.
    pub fn add(&self, data: T::CachePtr) -> Result {
        if self
            .state
            .compare_exchange(ACQUIRED, ADDING, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(EBUSY);
        }
        let p = data.into_foreign();
        // SAFETY: the cache is ours (type invariant); the table is static;
        // `p` stays valid until withdraw() takes it back.
        let r = unsafe {
            bindings::fscache_add_cache(self.as_ptr(), CacheOpsVTable::<T>::build(), p.cast_mut())
        };
        if let Err(e) = kernel::error::to_result(r) {
            // SAFETY: fscache refused it, so nothing else has `p`.
            drop(unsafe { T::CachePtr::from_foreign(p) });
            self.state.store(ACQUIRED, Ordering::Release);
            return Err(e);
        }
        self.state.store(ADDED, Ordering::Release);
        Ok(())
    }

    /// `fscache_withdraw_cache()`, once: fscache stops using the cache
    /// and waits for the accesses in progress (and so for the callbacks
    /// borrowing the private pointer) to end; then the private pointer
    /// [`Self::add`] gave is taken back. `None` if the cache was not added
    /// or is withdrawn already.
    pub fn withdraw(&self) -> Option<T::CachePtr> {
        if self
            .state
            .compare_exchange(ADDED, WITHDRAWN, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return None;
        }
        // SAFETY: the cache is ours (type invariant).
        unsafe { bindings::fscache_withdraw_cache(self.as_ptr()) };
        // SAFETY: only add() stores into it, a `T::CachePtr` (type
        // invariant), and once withdrawn fscache calls no callback that
        // borrows it.
        unsafe { super::private::take::<T::CachePtr>(self.private_slot()) }
    }

    /// Takes back the private pointer of `volume`, a volume of this cache,
    /// once the cache is withdrawn, if `keep` says it is the one sought;
    /// else leaves it. `None` if the cache is not withdrawn yet, the volume
    /// is another cache's, or it has no private pointer.
    ///
    /// With the cache withdrawn, no lookup borrows the volume's pointer,
    /// and the reference `volume` holds keeps fscache from freeing the
    /// volume (the only other place its pointer is taken back, in the
    /// `free_volume` callback).
    pub fn take_volume_if(
        &self,
        volume: &VolumeRef,
        keep: impl FnOnce(&T::VolumePtr) -> bool,
    ) -> Option<T::VolumePtr> {
        if self.state.load(Ordering::Acquire) != WITHDRAWN
            || !core::ptr::eq(volume.cache(), &**self)
        {
            return None;
        }
        // SAFETY: a volume of our cache, added with T's table (type
        // invariant), so its pointer is a `T::VolumePtr`; no borrow of it
        // is alive (see above).
        let data = unsafe { volume.take_private::<T::VolumePtr>() }?;
        if keep(&data) {
            return Some(data);
        }
        // Not the one sought: put back, where nothing else can have
        // stored one meanwhile (acquire_volume needs the cache active).
        drop(volume.restore_private(data));
        None
    }

    /// Waits until no object is counted in the cache.
    pub fn wait_for_objects(&self) {
        // SAFETY: the cache is ours (type invariant).
        unsafe { fsrs_wait_for_objects(self.as_ptr()) };
    }

    /// Counts an object in the cache until the returned count is dropped;
    /// the cache is not relinquished before.
    pub fn count_object(&self) -> ObjectCount {
        // SAFETY: the cache is ours (type invariant).
        unsafe { fsrs_count_object(self.as_ptr()) };
        // INVARIANT: counted just above, in a cache whose AcquiredCache
        // waits for its counts before giving it back.
        ObjectCount(self.cache)
    }
}

impl<T: CacheBackend> core::ops::Deref for AcquiredCache<T> {
    type Target = Cache;

    fn deref(&self) -> &Cache {
        // SAFETY: our reference keeps the cache alive (type invariant).
        unsafe { self.cache.as_ref() }
    }
}

impl<T: CacheBackend> Drop for AcquiredCache<T> {
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
pub struct ObjectCount(NonNull<Cache>);

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
