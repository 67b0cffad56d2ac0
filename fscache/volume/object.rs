// SPDX-License-Identifier: GPL-2.0
//! The C object behind a volume: `struct fscache_volume`, which backends
//! read, wrapped as [`Volume`] with its field accessors, its construction
//! and freeing, the calls into the backend's ops, the creation work's
//! entry point, and the registries that reach volumes without a count.
//! The volume logic in `mod.rs` is safe Rust over these.

use crate::cache::Cache;
use crate::kext::bitops::BitFlags;
use crate::key_hash;
use crate::sys::{self, AddRemoveLocked};
use core::{
    ptr::{addr_of_mut, NonNull},
    sync::atomic::{AtomicI32, AtomicU32, Ordering},
};
use kernel::{
    bindings,
    prelude::*,
    types::{ARef, Opaque},
};

/// A `struct fscache_volume`.
///
/// # Invariants
///
/// Made by [`Volume::new`] and live while any `&Volume` or `ARef<Volume>`
/// exists: `ref` counts the `ARef`s, the last put frees it through
/// [`super::free`]. `cache` (with a count on it), `key`, `key_hash`,
/// `debug_id` and `coherency_len` are fixed before the volume is
/// published.
#[repr(transparent)]
pub(crate) struct Volume(Opaque<bindings::fscache_volume>);

// SAFETY: shared fields are atomics, bit-op flags, or change under the
// registry lock.
unsafe impl Send for Volume {}
// SAFETY: see `Send`.
unsafe impl Sync for Volume {}

sys::c_object!(Volume, bindings::fscache_volume, super::free);

static DEBUG_IDS: AtomicU32 = AtomicU32::new(0);

fn round_up_words(n: usize) -> usize {
    n.div_ceil(4) * 4
}

impl Volume {
    /// A new volume for `key` in `cache` (whose count it takes over), with
    /// a count of one, neither registered nor hashed.
    pub(super) fn new(
        key: &[u8],
        cache: ARef<Cache>,
        coherency: &[u8],
    ) -> Result<ARef<Volume>, (Error, ARef<Cache>)> {
        let size = core::mem::size_of::<bindings::fscache_volume>() + coherency.len();
        let p = match sys::kzalloc(size) {
            Ok(p) => p.as_ptr().cast::<bindings::fscache_volume>(),
            Err(e) => return Err((e, cache)),
        };
        let hlen = round_up_words(1 + key.len() + 1);
        let kbuf = match sys::kzalloc(hlen) {
            Ok(k) => k.as_ptr(),
            Err(e) => {
                // SAFETY: just allocated, unshared.
                unsafe { sys::kfree(p) };
                return Err((e, cache));
            }
        };
        // SAFETY: both buffers are new, zeroed and unshared; the sizes were
        // allocated above (trailing coherency array included).
        unsafe {
            *kbuf = key.len() as u8;
            core::ptr::copy_nonoverlapping(key.as_ptr(), kbuf.add(1), key.len());
            sys::volume_init(p, create_work);
            (*p).ref_.refs.counter = 1;
            (*p).key = kbuf;
            (*p).key_hash = key_hash::volume_key_hash(key);
            (*p).debug_id = DEBUG_IDS.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
            (*p).coherency_len = coherency.len() as u8;
            core::ptr::copy_nonoverlapping(
                coherency.as_ptr(),
                addr_of_mut!((*p).coherency).cast::<u8>(),
                coherency.len(),
            );
            (*p).cache = ARef::into_raw(cache).as_ptr().cast();
        }
        // INVARIANT: initialised above, with its count of one.
        // SAFETY: `p` is non-null (kzalloc) and its count is ours.
        Ok(unsafe { ARef::from_raw(NonNull::new_unchecked(p.cast::<Volume>())) })
    }

    /// Gives the key and memory back after the last put (the caller took
    /// it out of the registries); returns the count it held on its cache.
    pub(super) fn free_memory(&self) -> ARef<Cache> {
        // SAFETY: unlinked and at count zero (the caller's contract,
        // `super::free`): nothing reaches the volume, and its key, memory
        // and cache count are ours; `self` is not used after.
        unsafe {
            sys::kfree((*self.raw()).key);
            let cache = NonNull::from(self.cache());
            sys::kfree(self.raw());
            ARef::from_raw(cache)
        }
    }

    pub(super) fn flags(&self) -> BitFlags<'_> {
        // SAFETY: the flags word of a live volume (type invariant), changed
        // only by bit ops, here and in C.
        unsafe { BitFlags::from_raw(addr_of_mut!((*self.raw()).flags)) }
    }

    pub(crate) fn cache(&self) -> &Cache {
        // SAFETY: fixed at creation with a count held until the volume is
        // freed (type invariant), so it outlives `&self`.
        unsafe { Cache::from_raw((*self.raw()).cache) }
    }

    fn key(&self) -> &[u8] {
        // SAFETY: `key` is the length-prefixed, padded buffer made at
        // creation and freed with the volume (type invariant).
        unsafe {
            let k = (*self.raw()).key;
            core::slice::from_raw_parts(k, round_up_words(*k as usize + 2))
        }
    }

    pub(crate) fn key_hash(&self) -> u32 {
        // SAFETY: fixed before the volume is published (type invariant).
        unsafe { (*self.raw()).key_hash }
    }

    pub(crate) fn debug_id(&self) -> u32 {
        // SAFETY: fixed before the volume is published (type invariant).
        unsafe { (*self.raw()).debug_id }
    }

    /// Whether the backend has created the volume in the cache.
    pub(crate) fn has_cache_object(&self) -> bool {
        // SAFETY: a field of a live volume; backends set it from their
        // acquire_volume work, which we wait for before relying on it.
        !unsafe { core::ptr::read_volatile(addr_of_mut!((*self.raw()).cache_priv)) }.is_null()
    }

    /// The number of live (unrelinquished) cookies in the volume.
    pub(crate) fn n_cookies(&self) -> &AtomicI32 {
        // SAFETY: an atomic_t of a live volume, only accessed atomically.
        unsafe { sys::atomic(addr_of_mut!((*self.raw()).n_cookies)) }
    }

    /// The number of accesses in progress.
    pub(super) fn n_accesses(&self) -> &AtomicI32 {
        // SAFETY: an atomic_t of a live volume, only accessed atomically.
        unsafe { sys::atomic(addr_of_mut!((*self.raw()).n_accesses)) }
    }

    /// Wakes waiters on the access count (after it reached zero).
    pub(super) fn wake_accesses(&self) {
        // SAFETY: wake_up_var() only hashes the address of a live field.
        unsafe { sys::wake_up_var(addr_of_mut!((*self.raw()).n_accesses)) };
    }

    /// Sleeps until the access count is zero.
    pub(super) fn wait_accesses_zero(&self) {
        // SAFETY: the field of a live volume (`&self`); wake_accesses()
        // wakes it at zero.
        unsafe { sys::wait_var_zero(addr_of_mut!((*self.raw()).n_accesses)) };
    }

    /// Same key in the same cache.
    pub(super) fn same(&self, other: &Volume) -> bool {
        self.key_hash() == other.key_hash()
            && core::ptr::eq(self.cache(), other.cache())
            && self.key() == other.key()
    }

    /// Figures for /proc: (ref, n_cookies, n_accesses, flags).
    pub(crate) fn counts(&self) -> (i32, i32, i32, usize) {
        (
            self.refs(),
            self.n_cookies().load(Ordering::Relaxed),
            self.n_accesses().load(Ordering::Relaxed),
            self.flags().word(),
        )
    }

    /// The key as text (without its length byte and padding).
    pub(crate) fn key_str(&self) -> &[u8] {
        let k = self.key();
        &k[1..1 + k[0] as usize]
    }

    /// Replaces the coherency data the backend stores at relinquishment.
    pub(super) fn set_coherency(&self, c: &[u8]) {
        // SAFETY: the trailing array holds coherency_len bytes (fixed at
        // creation); at most that many are copied. Only the relinquishing
        // filesystem writes it, once.
        unsafe {
            let len = (*self.raw()).coherency_len as usize;
            core::ptr::copy_nonoverlapping(
                c.as_ptr(),
                addr_of_mut!((*self.raw()).coherency).cast::<u8>(),
                len.min(c.len()),
            );
        }
    }

    /// Queues the creation work; false if it already was. The queued work
    /// owns a count: the caller gives one when this returns true.
    pub(super) fn schedule_create_work(&self) -> bool {
        // SAFETY: the work was initialised at allocation; the caller's
        // count keeps the volume alive until the work has run.
        unsafe { sys::schedule_work(addr_of_mut!((*self.raw()).work)) }
    }

    /// The backend's `acquire_volume`.
    ///
    /// The caller holds an access on the cache, so it is (or was just)
    /// active and its ops table is the backend's static one.
    pub(super) fn backend_acquire(&self) {
        // SAFETY: ops is set by fscache_add_cache() to a static table and
        // the caller's access keeps the cache registered.
        if let Some(f) = unsafe { (*self.cache().ops()).acquire_volume } {
            // SAFETY: the backend's op on a volume we hold.
            unsafe { f(self.raw()) };
        }
    }

    /// The backend's `free_volume`, if it created the volume.
    pub(super) fn backend_free(&self) {
        if !self.has_cache_object() {
            return;
        }
        // SAFETY: cache_priv is set only by an active cache's
        // acquire_volume, so ops is the backend's static table.
        if let Some(f) = unsafe { (*self.cache().ops()).free_volume } {
            // SAFETY: the backend's op on the volume it created.
            unsafe { f(self.raw()) };
        }
    }
}

/// The creation work item.
///
/// # Safety
///
/// Called by the workqueue with the `work` of a volume queued through
/// [`Volume::schedule_create_work`], whose caller gave it a count.
unsafe extern "C" fn create_work(work: *mut bindings::work_struct) {
    // SAFETY: `work` is embedded in a volume (see schedule_create_work()).
    let p = unsafe { kernel::container_of!(work, bindings::fscache_volume, work) };
    // SAFETY: the count the queuer left for us.
    let volume = unsafe { ARef::from_raw(NonNull::new_unchecked(p.cast_mut().cast::<Volume>())) };
    super::create_work(volume);
}

/// The volumes reached without a count: every volume (for /proc) and the
/// hashed ones (for collisions).
///
/// # Invariants
///
/// Every pointer is of a live volume: a volume is added once made and
/// removed by its free, both under `fscache_addremove_sem`, which every
/// access to this holds (it is reachable only through [`REGISTRY`]).
pub(super) struct Registry {
    /// Every volume, oldest first (/proc/fs/fscache/volumes).
    all: KVec<NonNull<Volume>>,
    /// Volumes that own their key (at most one live per key and cache).
    hashed: KVec<NonNull<Volume>>,
}

// SAFETY: the pointers are only dereferenced under the lock (type
// invariant); volumes are Sync.
unsafe impl Send for Registry {}
// SAFETY: `&Registry` only reads the pointers and lends the volumes, which
// are Sync, to readers that hold the lock shared, several at once.
unsafe impl Sync for Registry {}

pub(super) static REGISTRY: AddRemoveLocked<Registry> = AddRemoveLocked::new(Registry {
    all: KVec::new(),
    hashed: KVec::new(),
});

impl Registry {
    /// Registers a new volume.
    pub(super) fn add(&mut self, volume: &Volume) -> Result {
        self.all.push(NonNull::from(volume), GFP_KERNEL)?;
        Ok(())
    }

    /// Hashes a registered volume.
    pub(super) fn add_hashed(&mut self, volume: &Volume) -> Result {
        self.hashed.push(NonNull::from(volume), GFP_KERNEL)?;
        Ok(())
    }

    /// Takes a dying volume out of both lists; whether it was hashed.
    pub(super) fn remove(&mut self, volume: &Volume) -> bool {
        let p = NonNull::from(volume);
        sys::registry_remove(&mut self.all, p);
        sys::registry_remove(&mut self.hashed, p)
    }

    /// The hashed volumes, live while `self` (the lock) is borrowed.
    pub(super) fn hashed(&self) -> impl Iterator<Item = &Volume> {
        // SAFETY: registered volumes are live under the lock (type
        // invariant), which `&self` holds.
        self.hashed.iter().map(|v| unsafe { v.as_ref() })
    }

    /// The `n`th volume, oldest first.
    pub(super) fn nth(&self, n: usize) -> Option<&Volume> {
        // SAFETY: as in hashed().
        self.all.get(n).map(|v| unsafe { v.as_ref() })
    }

    /// How many volumes are registered.
    pub(super) fn len(&self) -> usize {
        self.all.len()
    }

    /// Frees the lists (module exit).
    pub(super) fn clear(&mut self) {
        self.all = KVec::new();
        self.hashed = KVec::new();
    }
}

/// The `n`th registered volume, oldest first (for /proc).
///
/// # Safety
///
/// The caller must hold `fscache_addremove_sem` for as long as it uses the
/// result.
pub(crate) unsafe fn nth_held<'a>(n: usize) -> Option<&'a Volume> {
    // SAFETY: the caller holds the registry's semaphore for 'a.
    unsafe { REGISTRY.held() }.nth(n)
}
