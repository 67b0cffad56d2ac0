// SPDX-License-Identifier: GPL-2.0
//! The C object behind a cache: `struct fscache_cache`, which backends and
//! the inlines of `fscache-cache.h` read, wrapped as [`Cache`] with its
//! field accessors, construction and freeing, and the registry that reaches
//! caches without a count. The cache logic in `mod.rs` is safe Rust over
//! these.

use super::State;
use crate::sys::{self, AddRemoveLocked, CName, WriteGuard};
use core::{
    ptr::{addr_of_mut, NonNull},
    sync::atomic::{AtomicI32, AtomicU32, Ordering},
};
use kernel::{
    bindings,
    prelude::*,
    str::CStr,
    types::{ARef, Opaque},
};

/// A `struct fscache_cache`.
///
/// # Invariants
///
/// Made by [`Cache::new`] (a `KBox`) and live while any `&Cache` or
/// `ARef<Cache>` exists: `ref` counts the `ARef`s, the last put frees it
/// through [`super::free`]. `debug_id` is fixed before it is published;
/// `name` is null or a string the cache owns, set only while it is
/// nameless, under the registry lock; `ops` is null or a backend's static
/// table and, with `cache_priv`, changes under the registry lock.
#[repr(transparent)]
pub(crate) struct Cache(Opaque<bindings::fscache_cache>);

// SAFETY: the fields shared between threads are atomics (state, counters,
// refcount) or change under fscache_addremove_sem (name, ops, cache_priv).
unsafe impl Send for Cache {}
// SAFETY: see `Send`.
unsafe impl Sync for Cache {}

sys::c_object!(Cache, bindings::fscache_cache, super::free);

/// Source of `debug_id`s, as shown in /proc.
static DEBUG_IDS: AtomicU32 = AtomicU32::new(0);

impl Cache {
    /// A cache record named `name` (or nameless) with a count of one, not
    /// yet registered.
    pub(super) fn new(name: Option<&CStr>) -> Result<ARef<Cache>> {
        let name = name.map(CName::new).transpose()?;
        let cache = KBox::new(
            Cache(Opaque::new(bindings::fscache_cache::default())),
            GFP_KERNEL,
        )?;
        let p = cache.raw();
        // SAFETY: the object is new and not shared yet.
        unsafe {
            (*p).ref_.refs.counter = 1;
            (*p).debug_id = DEBUG_IDS.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
            (*p).name = name.map_or(core::ptr::null_mut(), CName::into_raw);
            // The list is unused (the registry is a vector) but C code may
            // test it with list_empty().
            (*p).cache_link.next = addr_of_mut!((*p).cache_link);
            (*p).cache_link.prev = addr_of_mut!((*p).cache_link);
        }
        // INVARIANT: initialised above, with its count of one.
        // SAFETY: the count set above is handed to the ARef.
        Ok(unsafe { ARef::from_raw(NonNull::from(KBox::leak(cache))) })
    }

    /// Frees the name and memory after the last put (the caller took the
    /// cache out of the registry).
    pub(super) fn free_memory(&self) {
        // SAFETY: unlinked and at count zero (the caller's contract,
        // `super::free`): nothing reaches the cache; its name and memory
        // (a KBox, see new()) are ours, and `self` is not used after.
        unsafe {
            drop(CName::from_raw((*self.raw()).name));
            drop(KBox::from_raw(self.raw().cast::<Cache>()));
        }
    }

    fn state_cell(&self) -> &AtomicU32 {
        // SAFETY: `state` is a 32-bit enum field of a live object, only
        // accessed atomically (C uses smp_load_acquire/cmpxchg on it too).
        unsafe { AtomicU32::from_ptr(addr_of_mut!((*self.raw()).state)) }
    }

    pub(crate) fn state(&self) -> State {
        State::from_raw(self.state_cell().load(Ordering::Acquire))
    }

    pub(super) fn set_state(&self, s: State) {
        self.state_cell().store(s as u32, Ordering::Release);
    }

    /// Moves from `old` to `new` if the cache is in `old`.
    pub(super) fn set_state_maybe(&self, old: State, new: State) -> bool {
        self.state_cell()
            .compare_exchange(old as u32, new as u32, Ordering::Release, Ordering::Relaxed)
            .is_ok()
    }

    /// The cache's name (tag), if it has one yet.
    pub(crate) fn name(&self) -> Option<&CStr> {
        // SAFETY: `name` is null or a string owned by the cache and only
        // replaced while the cache is nameless (type invariant).
        let p = unsafe { (*self.raw()).name };
        // SAFETY: a non-null `name` is NUL-terminated and outlives `&self`.
        (!p.is_null()).then(|| unsafe { CStr::from_char_ptr(p) })
    }

    /// Names a nameless cache; the registry's write lock (`_reg`) is what
    /// naming needs.
    pub(super) fn set_name(&self, _reg: &WriteGuard<'_, Registry>, name: &CStr) -> Result {
        if self.name().is_some() {
            return Err(EBUSY);
        }
        let n = CName::new(name)?.into_raw();
        // SAFETY: nameless, and the registry lock (held: `_reg`) orders
        // this with every other writer; readers see null or the string.
        unsafe { (*self.raw()).name = n };
        Ok(())
    }

    pub(crate) fn n_volumes(&self) -> &AtomicI32 {
        // SAFETY: an atomic_t of a live cache, only accessed atomically.
        unsafe { sys::atomic(addr_of_mut!((*self.raw()).n_volumes)) }
    }

    fn object_count(&self) -> &AtomicI32 {
        // SAFETY: an atomic_t of a live cache, only accessed atomically.
        unsafe { sys::atomic(addr_of_mut!((*self.raw()).object_count)) }
    }

    pub(super) fn n_accesses(&self) -> &AtomicI32 {
        // SAFETY: an atomic_t of a live cache, only accessed atomically.
        unsafe { sys::atomic(addr_of_mut!((*self.raw()).n_accesses)) }
    }

    /// Wakes waiters on the access count (after it reached zero).
    pub(super) fn wake_accesses(&self) {
        // SAFETY: wake_up_var() only hashes the address of a live field.
        unsafe { sys::wake_up_var(addr_of_mut!((*self.raw()).n_accesses)) };
    }

    /// Sleeps until the access count is zero.
    pub(super) fn wait_accesses_zero(&self) {
        // SAFETY: the field of a live cache (`&self`); wake_accesses()
        // wakes it at zero.
        unsafe { sys::wait_var_zero(addr_of_mut!((*self.raw()).n_accesses)) };
    }

    /// The backend's operations (valid while the cache is in service).
    pub(crate) fn ops(&self) -> *const bindings::fscache_cache_ops {
        // SAFETY: a field of a live cache, set under the registry lock.
        unsafe { (*self.raw()).ops }
    }

    /// Puts the cache in a backend's service, or (`None`) out of it.
    pub(super) fn set_backend(
        &self,
        _reg: &WriteGuard<'_, Registry>,
        backend: Option<(&'static bindings::fscache_cache_ops, *mut core::ffi::c_void)>,
    ) {
        let (ops, cache_priv) = match backend {
            Some((o, p)) => (o as *const _, p),
            None => (core::ptr::null(), core::ptr::null_mut()),
        };
        // SAFETY: ops and priv change under the registry lock (type
        // invariant), which `_reg` holds; ops is null or a static table.
        unsafe {
            (*self.raw()).ops = ops;
            (*self.raw()).cache_priv = cache_priv;
        }
    }

    /// Figures for /proc: (ref, n_volumes, object_count, n_accesses).
    pub(crate) fn counts(&self) -> (i32, i32, i32, i32) {
        (
            self.refs(),
            self.n_volumes().load(Ordering::Relaxed),
            self.object_count().load(Ordering::Relaxed),
            self.n_accesses().load(Ordering::Relaxed),
        )
    }

    pub(crate) fn debug_id(&self) -> u32 {
        // SAFETY: fixed before the cache is published (type invariant).
        unsafe { (*self.raw()).debug_id }
    }
}

/// The name of a backend's ops table.
pub(super) fn ops_name(ops: &'static bindings::fscache_cache_ops) -> &'static CStr {
    // SAFETY: a backend's ops name is a static NUL-terminated string.
    unsafe { CStr::from_char_ptr(ops.name) }
}

/// Every cache record, in creation order; holds no counts.
///
/// # Invariants
///
/// Every pointer is of a live cache: a cache is added once made and
/// removed by its free, both under `fscache_addremove_sem`, which every
/// access to this holds (it is reachable only through [`REGISTRY`]).
pub(crate) struct Registry(KVec<NonNull<Cache>>);

// SAFETY: the pointers are only dereferenced under the lock (type
// invariant); caches are Sync.
unsafe impl Send for Registry {}
// SAFETY: `&Registry` only reads the pointers and lends the caches, which
// are Sync, to readers that hold the lock shared, several at once.
unsafe impl Sync for Registry {}

pub(super) static REGISTRY: AddRemoveLocked<Registry> = AddRemoveLocked::new(Registry(KVec::new()));

impl Registry {
    /// The caches, oldest first, live while `self` (the lock) is borrowed.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Cache> {
        // SAFETY: registered caches are live under the lock (type
        // invariant), which `&self` holds.
        self.0.iter().map(|c| unsafe { c.as_ref() })
    }

    /// Registers a new cache.
    pub(super) fn add(&mut self, cache: &Cache) -> Result {
        self.0.push(NonNull::from(cache), GFP_KERNEL)?;
        Ok(())
    }

    /// Takes a dying cache out.
    pub(super) fn remove(&mut self, cache: &Cache) {
        sys::registry_remove(&mut self.0, NonNull::from(cache));
    }

    /// The `n`th cache, oldest first.
    pub(super) fn nth(&self, n: usize) -> Option<&Cache> {
        self.iter().nth(n)
    }

    /// How many caches are registered.
    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    /// Frees the list (module exit).
    pub(super) fn clear(&mut self) {
        self.0 = KVec::new();
    }
}

/// The `n`th registered cache, oldest first (for /proc).
///
/// # Safety
///
/// The caller must hold `fscache_addremove_sem` for as long as it uses the
/// result.
pub(crate) unsafe fn nth_held<'a>(n: usize) -> Option<&'a Cache> {
    // SAFETY: the caller holds the registry's semaphore for 'a.
    unsafe { REGISTRY.held() }.nth(n)
}
