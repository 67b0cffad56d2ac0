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

//!
//! `object.rs` is the C object (fields, allocation, the registry); this
//! file is the logic, in safe Rust.

mod object;

use object::REGISTRY;
pub(crate) use object::{nth_held, Cache};

use crate::log::pr_named;
use crate::trace;
use core::sync::atomic::Ordering;
use kernel::bindings::{
    fscache_cache_trace_fscache_cache_get_acquire as CACHE_GET_ACQUIRE,
    fscache_cache_trace_fscache_cache_new_acquire as CACHE_NEW_ACQUIRE,
    fscache_cache_trace_fscache_cache_put_cache as CACHE_PUT_CACHE,
    fscache_cache_trace_fscache_cache_put_prep_failed as CACHE_PUT_PREP_FAILED,
    fscache_cache_trace_fscache_cache_put_relinquish as CACHE_PUT_RELINQUISH,
};
use kernel::{bindings, prelude::*, str::CStr, types::ARef};

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
    pub(super) fn from_raw(v: u32) -> State {
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

/// After the last put: unlinks and frees the cache.
fn free(cache: &Cache) {
    REGISTRY.write().remove(cache);
    cache.free_memory();
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
    let mut unnamed = None;
    for cache in reg.iter() {
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
            r.set_name(&reg, n)?;
            return Ok(r);
        }
    }
    if name.is_none() {
        for cache in reg.iter() {
            if let Some(r) = get_traced(cache, CACHE_GET_ACQUIRE) {
                return Ok(r);
            }
        }
    }
    let cache = Cache::new(name)?;
    if let Err(e) = reg.add(&cache) {
        // Never published: ours is the only count, and the free that
        // dropping it makes copes with an unregistered cache.
        drop(reg);
        drop(cache);
        return Err(e);
    }
    trace::cache(cache.debug_id(), 1, CACHE_NEW_ACQUIRE);
    Ok(cache)
}

/// `fscache_acquire_cache()`: a backend claims the cache named `name` and
/// moves it to preparing; `EBUSY` if another backend has it.
pub(crate) fn acquire(name: &CStr) -> Result<ARef<Cache>> {
    let cache = lookup(Some(name), true)?;
    if !cache.set_state_maybe(State::NotPresent, State::Preparing) {
        pr_named!(Warning, ("Cache tag "), name.as_bytes(), (" in use\n"));
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
    // The backend's own cache: it no longer uses ops or priv.
    cache.set_backend(&REGISTRY.write(), None);
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
    let n = cache.n_accesses().fetch_add(1, Ordering::SeqCst) + 1;
    trace::access_cache(
        cache.debug_id(),
        cache.refs(),
        n,
        bindings::fscache_access_trace_fscache_access_cache_pin,
    );
    {
        let reg = REGISTRY.write();
        cache.set_backend(&reg, Some((ops, cache_priv)));
        cache.set_state(State::Active);
    }
    let ty = object::ops_name(ops).as_bytes();
    // C's %s prints a null name as "(null)".
    let name = cache.name().map_or(&b"(null)"[..], |n| n.as_bytes());
    pr_named!(Notice, ("Cache \""), name, ("\" added (type "), ty, (")\n"));
    Ok(())
}

/// `fscache_io_error()`: an active cache stops taking new work.
pub(crate) fn io_error(cache: &Cache) {
    if cache.set_state_maybe(State::Active, State::GotIoError) {
        if let Some(n) = cache.name() {
            pr_named!(
                Err,
                ("Cache '"),
                n.as_bytes(),
                ("' stopped due to I/O error\n")
            );
        }
    }
}

/// `fscache_withdraw_cache()`: ends service and waits for accesses to end.
pub(crate) fn withdraw(cache: &Cache) {
    let (_, _, objs, _) = cache.counts();
    if let Some(n) = cache.name() {
        pr_named!(
            Notice,
            ("Withdrawing cache \""),
            n.as_bytes(),
            ("\" ({} objs)\n", objs)
        );
    }
    cache.set_state(State::Withdrawn);
    // Unpin the access add() pinned, so the count can reach zero.
    end_access(
        cache,
        bindings::fscache_access_trace_fscache_access_cache_unpin,
    );
    cache.wait_accesses_zero();
}

/// `fscache_begin_cache_access()`: pins the cache for an operation if it
/// is active; pair with [`end_access`].
pub(crate) fn begin_access(cache: &Cache, why: trace::AccessWhy) -> bool {
    if cache.state() != State::Active {
        return false;
    }
    let n = cache.n_accesses().fetch_add(1, Ordering::SeqCst) + 1;
    trace::access_cache(cache.debug_id(), cache.refs(), n, why);
    if cache.state() != State::Active {
        end_access(cache, bindings::fscache_access_trace_fscache_access_unlive);
        return false;
    }
    true
}

/// `fscache_end_cache_access()`: the last access out wakes withdrawal.
pub(crate) fn end_access(cache: &Cache, why: trace::AccessWhy) {
    let left = cache.n_accesses().fetch_sub(1, Ordering::SeqCst) - 1;
    trace::access_cache(cache.debug_id(), cache.refs(), left, why);
    if left == 0 {
        cache.wake_accesses();
    }
}

/// At module unload: the number of cache records still referenced (whose
/// memory is then leaked by whoever holds them); frees the registry.
pub(crate) fn shutdown() -> usize {
    let mut reg = REGISTRY.write();
    let left = reg.len();
    reg.clear();
    left
}
