// SPDX-License-Identifier: GPL-2.0
//! Caches: the records a backend acquires under a name (its tag), makes
//! active, and withdraws; volumes bind to them by name.
//!
//! A cache is a C `struct fscache_cache`, because backends and the inline
//! helpers of `fscache-cache.h` read its fields. Its `ref` field is the one
//! reference count: [`ARef<Cache>`] owns one count, and the last put unlinks
//! the cache from the registry (under `fscache_addremove_sem`) before it is
//! freed, so a lookup can never reach a freed cache. The registry itself
//! holds no count, as in C: a lookup takes one only if the cache is not
//! already dying (`refcount_inc_not_zero`).

use crate::sys::{self, AddRemoveLocked, CName};
use crate::trace;
use core::{
    ptr::{addr_of_mut, NonNull},
    sync::atomic::{AtomicU32, Ordering},
};
use kernel::bindings::{
    fscache_cache_trace_fscache_cache_get_acquire as CACHE_GET_ACQUIRE,
    fscache_cache_trace_fscache_cache_new_acquire as CACHE_NEW_ACQUIRE,
    fscache_cache_trace_fscache_cache_put_cache as CACHE_PUT_CACHE,
    fscache_cache_trace_fscache_cache_put_prep_failed as CACHE_PUT_PREP_FAILED,
    fscache_cache_trace_fscache_cache_put_relinquish as CACHE_PUT_RELINQUISH,
};
use kernel::{
    bindings,
    prelude::*,
    str::CStr,
    types::{ARef, Opaque},
};

/// The states of `enum fscache_cache_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum State {
    NotPresent = bindings::fscache_cache_state_FSCACHE_CACHE_IS_NOT_PRESENT,
    Preparing = bindings::fscache_cache_state_FSCACHE_CACHE_IS_PREPARING,
    Active = bindings::fscache_cache_state_FSCACHE_CACHE_IS_ACTIVE,
    GotIoError = bindings::fscache_cache_state_FSCACHE_CACHE_GOT_IOERROR,
    Withdrawn = bindings::fscache_cache_state_FSCACHE_CACHE_IS_WITHDRAWN,
}

impl State {
    fn from_raw(v: u32) -> State {
        match v {
            bindings::fscache_cache_state_FSCACHE_CACHE_IS_PREPARING => State::Preparing,
            bindings::fscache_cache_state_FSCACHE_CACHE_IS_ACTIVE => State::Active,
            bindings::fscache_cache_state_FSCACHE_CACHE_GOT_IOERROR => State::GotIoError,
            bindings::fscache_cache_state_FSCACHE_CACHE_IS_WITHDRAWN => State::Withdrawn,
            _ => State::NotPresent,
        }
    }

    /// The letter `/proc/fs/fscache/caches` shows.
    pub(crate) fn letter(self) -> char {
        match self {
            State::NotPresent => '-',
            State::Preparing => 'P',
            State::Active => 'A',
            State::GotIoError => 'E',
            State::Withdrawn => 'W',
        }
    }
}

/// A `struct fscache_cache`.
#[repr(transparent)]
pub(crate) struct Cache(Opaque<bindings::fscache_cache>);

// SAFETY: the fields shared between threads are atomics (state, counters,
// refcount) or change under fscache_addremove_sem (name, ops, cache_priv).
unsafe impl Send for Cache {}
// SAFETY: as above.
unsafe impl Sync for Cache {}

sys::c_object!(Cache, bindings::fscache_cache, free);

/// Every cache record, in creation order. Holds no references.
struct Registry(KVec<NonNull<Cache>>);

// SAFETY: the pointers are only dereferenced under the registry lock or
// with a count held.
unsafe impl Send for Registry {}

static REGISTRY: AddRemoveLocked<Registry> = AddRemoveLocked::new(Registry(KVec::new()));

/// Source of `debug_id`s, as shown in /proc.
static DEBUG_IDS: AtomicU32 = AtomicU32::new(0);

impl Cache {
    fn state_cell(&self) -> &AtomicU32 {
        // SAFETY: `state` is a 32-bit enum field of a live object, only
        // accessed atomically (C uses smp_load_acquire/cmpxchg on it too).
        unsafe { AtomicU32::from_ptr(addr_of_mut!((*self.raw()).state)) }
    }

    pub(crate) fn state(&self) -> State {
        State::from_raw(self.state_cell().load(Ordering::Acquire))
    }

    fn set_state(&self, s: State) {
        self.state_cell().store(s as u32, Ordering::Release);
    }

    /// Moves from `old` to `new` if the cache is in `old`.
    fn set_state_maybe(&self, old: State, new: State) -> bool {
        self.state_cell()
            .compare_exchange(old as u32, new as u32, Ordering::Release, Ordering::Relaxed)
            .is_ok()
    }

    /// The cache's name (tag), if it has one yet.
    pub(crate) fn name(&self) -> Option<&CStr> {
        // SAFETY: `name` is null or a kstrdup()ed string owned by the cache
        // and only replaced while the cache is nameless.
        let p = unsafe { (*self.raw()).name };
        // SAFETY: a non-null `name` is NUL-terminated and outlives `&self`.
        (!p.is_null()).then(|| unsafe { CStr::from_char_ptr(p) })
    }

    pub(crate) fn n_volumes(&self) -> &core::sync::atomic::AtomicI32 {
        // SAFETY: an atomic_t of a live cache, only accessed atomically.
        unsafe { sys::atomic(addr_of_mut!((*self.raw()).n_volumes)) }
    }

    /// The backend's operations (valid while the cache is in service).
    pub(crate) fn ops(&self) -> *const bindings::fscache_cache_ops {
        // SAFETY: a field of a live cache, set under the registry lock.
        unsafe { (*self.raw()).ops }
    }

    fn n_accesses(&self) -> *mut bindings::atomic_t {
        // SAFETY: only the field address of a live object.
        unsafe { addr_of_mut!((*self.raw()).n_accesses) }
    }

    /// Figures for /proc: (ref, n_volumes, object_count, n_accesses).
    pub(crate) fn counts(&self) -> (i32, i32, i32, i32) {
        let p = self.raw();
        let rd = |f: *mut bindings::atomic_t| {
            // SAFETY: `f` is a counter field of the live cache.
            unsafe { sys::atomic(f) }.load(Ordering::Relaxed)
        };
        // SAFETY: field addresses of a live object.
        unsafe {
            (
                self.refs(),
                rd(addr_of_mut!((*p).n_volumes)),
                rd(addr_of_mut!((*p).object_count)),
                rd(addr_of_mut!((*p).n_accesses)),
            )
        }
    }

    pub(crate) fn debug_id(&self) -> u32 {
        // SAFETY: set before the cache is published, never changed.
        unsafe { (*self.raw()).debug_id }
    }
}

/// After the last put: unlinks and frees the cache.
fn free(cache: &Cache) {
    let obj = NonNull::from(cache);
    {
        let mut reg = REGISTRY.write();
        sys::registry_remove(&mut reg.0, obj);
    }
    // SAFETY: unlinked, and the count was the last: nothing reaches the
    // cache any more. Its name and memory are ours to free.
    unsafe {
        drop(CName::from_raw((*cache.raw()).name));
        drop(KBox::from_raw(obj.as_ptr()));
    }
}

/// Creates a cache record named `name` (or nameless), holding one count.
fn alloc(name: Option<&CStr>) -> Result<NonNull<Cache>> {
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
    Ok(NonNull::from(KBox::leak(cache)))
}

/// `fscache_get_cache_maybe()`: a new count unless the cache is dying,
/// traced with the count after, as C does.
fn get_traced(cache: &Cache, why: trace::CacheWhy) -> Option<ARef<Cache>> {
    let r = cache.try_get()?;
    trace::cache(cache.debug_id(), cache.refs(), why);
    Some(r)
}

/// `fscache_put_cache()`: drops a count, traced with the count after.
pub(crate) fn put_traced(cache: ARef<Cache>, why: trace::CacheWhy) {
    let id = cache.debug_id();
    Cache::put_counted(cache, |left| trace::cache(id, left, why));
}

/// Finds the cache a name refers to, or creates its record.
///
/// A backend (`is_cache`) naming a cache adopts a nameless record that
/// volumes made while no cache was named; a volume naming no cache takes
/// the nameless one, else any named one.
pub(crate) fn lookup(name: Option<&CStr>, is_cache: bool) -> Result<ARef<Cache>> {
    let mut reg = REGISTRY.write();
    let caches = &reg.0;
    let mut unnamed = None;
    for &c in caches.iter() {
        // SAFETY: in the registry under the lock, so not freed.
        let cache = unsafe { c.as_ref() };
        match (cache.name(), name) {
            (Some(a), Some(b)) if a.as_bytes() == b.as_bytes() => {
                if let Some(r) = get_traced(cache, CACHE_GET_ACQUIRE) {
                    return Ok(r);
                }
            }
            (None, _) => {
                unnamed = Some(cache);
                if name.is_none() {
                    if let Some(r) = get_traced(cache, CACHE_GET_ACQUIRE) {
                        return Ok(r);
                    }
                }
            }
            _ => {}
        }
    }
    if let (Some(cache), true, Some(n)) = (unnamed, is_cache, name) {
        if let Some(r) = get_traced(cache, CACHE_GET_ACQUIRE) {
            // Still nameless: we hold the lock that naming needs.
            // SAFETY: the cache is live (we hold a count) and nameless.
            unsafe { (*cache.raw()).name = CName::new(n)?.into_raw() };
            return Ok(r);
        }
    }
    if name.is_none() {
        for &c in caches.iter() {
            // SAFETY: in the registry under the lock, so not freed.
            if let Some(r) = get_traced(unsafe { c.as_ref() }, CACHE_GET_ACQUIRE) {
                return Ok(r);
            }
        }
    }
    let new = alloc(name)?;
    if let Err(e) = reg.0.push(new, GFP_KERNEL) {
        // SAFETY: never published; we own its only count.
        unsafe {
            drop(CName::from_raw((*new.as_ref().raw()).name));
            drop(KBox::from_raw(new.as_ptr()));
        }
        return Err(e.into());
    }
    // SAFETY: the count alloc() set is handed to the ARef.
    let cache = unsafe { ARef::from_raw(new) };
    trace::cache(cache.debug_id(), 1, CACHE_NEW_ACQUIRE);
    Ok(cache)
}

/// `fscache_acquire_cache()`: a backend claims the cache named `name` and
/// moves it to preparing; `EBUSY` if another backend has it.
pub(crate) fn acquire(name: &CStr) -> Result<ARef<Cache>> {
    let cache = lookup(Some(name), true)?;
    if !cache.set_state_maybe(State::NotPresent, State::Preparing) {
        pr_warn!("Cache tag {} in use\n", name);
        put_traced(cache, CACHE_PUT_CACHE);
        return Err(EBUSY);
    }
    Ok(cache)
}

/// `fscache_relinquish_cache()`: the backend lets go; drops its count.
pub(crate) fn relinquish(cache: ARef<Cache>) {
    let why = if cache.state() == State::Preparing {
        CACHE_PUT_PREP_FAILED
    } else {
        CACHE_PUT_RELINQUISH
    };
    // SAFETY: the backend's own cache; it no longer uses ops or priv.
    unsafe {
        (*cache.raw()).ops = core::ptr::null();
        (*cache.raw()).cache_priv = core::ptr::null_mut();
    }
    cache.set_state(State::NotPresent);
    put_traced(cache, why);
}

/// `fscache_add_cache()`: the backend is ready; the cache goes active and
/// keeps one access pinned until withdrawal.
pub(crate) fn add(
    cache: &Cache,
    ops: &'static bindings::fscache_cache_ops,
    cache_priv: *mut core::ffi::c_void,
) -> Result {
    if cache.state() != State::Preparing {
        // The C fscache BUG()s here; a confused backend gets an error.
        pr_err!("add_cache: cache not preparing ({:?})\n", cache.state());
        return Err(EINVAL);
    }
    // SAFETY: the field of a live cache.
    let n = unsafe { sys::atomic(cache.n_accesses()) }.fetch_add(1, Ordering::SeqCst) + 1;
    trace::access_cache(
        cache.debug_id(),
        cache.refs(),
        n,
        bindings::fscache_access_trace_fscache_access_cache_pin,
    );
    {
        let _reg = REGISTRY.write();
        // SAFETY: ops and priv change under the registry lock.
        unsafe {
            (*cache.raw()).ops = ops;
            (*cache.raw()).cache_priv = cache_priv;
        }
        cache.set_state(State::Active);
    }
    // SAFETY: a backend's ops name is a static string.
    let ty = unsafe { CStr::from_char_ptr(ops.name) };
    match cache.name() {
        Some(n) => pr_notice!("Cache \"{}\" added (type {})\n", n, ty),
        None => pr_notice!("Cache \"(null)\" added (type {})\n", ty),
    }
    Ok(())
}

/// `fscache_io_error()`: an active cache stops taking new work.
pub(crate) fn io_error(cache: &Cache) {
    if cache.set_state_maybe(State::Active, State::GotIoError) {
        if let Some(n) = cache.name() {
            pr_err!("Cache '{}' stopped due to I/O error\n", n);
        }
    }
}

/// `fscache_withdraw_cache()`: ends service and waits for accesses to end.
pub(crate) fn withdraw(cache: &Cache) {
    let (_, _, objs, _) = cache.counts();
    if let Some(n) = cache.name() {
        pr_notice!("Withdrawing cache \"{}\" ({} objs)\n", n, objs);
    }
    cache.set_state(State::Withdrawn);
    // Unpin the access add() pinned, so the count can reach zero.
    end_access(
        cache,
        bindings::fscache_access_trace_fscache_access_cache_unpin,
    );
    // SAFETY: the cache outlives this call (the caller holds it), and
    // end_access() wakes the variable when it reaches zero.
    unsafe { sys::wait_var_zero(cache.n_accesses()) };
}

/// `fscache_begin_cache_access()`: pins the cache for an operation if it
/// is active; pair with [`end_access`].
pub(crate) fn begin_access(cache: &Cache, why: trace::AccessWhy) -> bool {
    if cache.state() != State::Active {
        return false;
    }
    // SAFETY: the field of a live cache.
    let n = unsafe { sys::atomic(cache.n_accesses()) }.fetch_add(1, Ordering::SeqCst) + 1;
    trace::access_cache(cache.debug_id(), cache.refs(), n, why);
    if cache.state() != State::Active {
        end_access(cache, bindings::fscache_access_trace_fscache_access_unlive);
        return false;
    }
    true
}

/// `fscache_end_cache_access()`: the last access out wakes withdrawal.
pub(crate) fn end_access(cache: &Cache, why: trace::AccessWhy) {
    // SAFETY: the field of a live cache.
    let left = unsafe { sys::atomic(cache.n_accesses()) }.fetch_sub(1, Ordering::SeqCst) - 1;
    trace::access_cache(cache.debug_id(), cache.refs(), left, why);
    if left == 0 {
        // SAFETY: the field of a live cache.
        unsafe { sys::wake_up_var(cache.n_accesses()) };
    }
}

/// The `n`th registered cache, oldest first (for /proc).
///
/// # Safety
///
/// The caller must hold `fscache_addremove_sem` for as long as it uses the
/// result.
pub(crate) unsafe fn nth_held<'a>(n: usize) -> Option<&'a Cache> {
    // SAFETY: the caller holds the registry's semaphore.
    let reg = unsafe { REGISTRY.held() };
    // SAFETY: registered caches are live while the semaphore is held.
    reg.0.get(n).map(|&c| unsafe { c.as_ref() })
}

/// At module unload: the number of cache records still referenced (whose
/// memory is then leaked by whoever holds them); frees the registry.
pub(crate) fn shutdown() -> usize {
    let mut reg = REGISTRY.write();
    let left = reg.0.len();
    reg.0 = KVec::new();
    left
}
