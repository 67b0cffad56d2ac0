// SPDX-License-Identifier: GPL-2.0
//! Volumes: a filesystem's group of cookies (one per mount or share), bound
//! to a cache by name and created in the cache by the backend.
//!
//! A volume is a C `struct fscache_volume` (backends read its fields). Its
//! `ref` field is the one count, behind [`ARef<Volume>`]. The registries
//! (all volumes, for /proc; hashed volumes, for collisions) hold no count
//! and live under `fscache_addremove_sem`; the last put takes the volume
//! out of both before freeing it. The creation work item owns a count while
//! queued. A volume owns one count on its cache.

//!
//! `object.rs` is the C object (fields, allocation, the backend's ops,
//! the registries); this file is the logic, in safe Rust.

mod object;

use object::REGISTRY;
pub(crate) use object::{nth_held, Volume};

use crate::cache::{self, Cache, State};
use crate::stats;
use crate::sys;
use crate::trace;
use core::sync::atomic::Ordering;
use kernel::{bindings, prelude::*, str::CStr, types::ARef};

// Bits of `volume->flags`.
const RELINQUISHED: u32 = bindings::FSCACHE_VOLUME_RELINQUISHED;
const INVALIDATE: u32 = bindings::FSCACHE_VOLUME_INVALIDATE;
const COLLIDED_WITH: u32 = bindings::FSCACHE_VOLUME_COLLIDED_WITH;
const ACQUIRE_PENDING: u32 = bindings::FSCACHE_VOLUME_ACQUIRE_PENDING;
const CREATING: u32 = bindings::FSCACHE_VOLUME_CREATING;

// Trace reasons, shortened.
use bindings::{
    fscache_access_trace_fscache_access_acquire_volume as ACC_ACQUIRE,
    fscache_access_trace_fscache_access_acquire_volume_end as ACC_ACQUIRE_END,
    fscache_access_trace_fscache_access_relinquish_volume as ACC_RELINQUISH,
    fscache_access_trace_fscache_access_relinquish_volume_end as ACC_RELINQUISH_END,
    fscache_cache_trace_fscache_cache_put_alloc_volume as CACHE_PUT_ALLOC_VOLUME,
    fscache_cache_trace_fscache_cache_put_volume as CACHE_PUT_VOLUME,
    fscache_volume_trace_fscache_volume_free as V_FREE,
    fscache_volume_trace_fscache_volume_get_create_work as V_GET_CREATE_WORK,
    fscache_volume_trace_fscache_volume_get_hash_collision as V_GET_HASH_COLLISION,
    fscache_volume_trace_fscache_volume_new_acquire as V_NEW_ACQUIRE,
    fscache_volume_trace_fscache_volume_put_create_work as V_PUT_CREATE_WORK,
    fscache_volume_trace_fscache_volume_put_hash_collision as V_PUT_HASH_COLLISION,
    fscache_volume_trace_fscache_volume_put_relinquish as V_PUT_RELINQUISH,
    fscache_volume_trace_fscache_volume_see_create_work as V_SEE_CREATE_WORK,
    fscache_volume_trace_fscache_volume_see_hash_wake as V_SEE_HASH_WAKE,
    fscache_volume_trace_fscache_volume_wait_create_work as V_WAIT_CREATE_WORK,
};

/// Longest volume key (`NAME_MAX`).
const MAX_KEY: usize = 255;

/// How long an acquisition waits quietly for a colliding volume that is
/// being relinquished before it says so (20 s, as in C).
const COLLISION_NOTICE_JIFFIES: kernel::ffi::c_ulong = 20 * sys::HZ;

/// `fscache_get_volume()`: a new count, traced with the count after.
pub(crate) fn get_traced(volume: &Volume, why: trace::VolumeWhy) -> ARef<Volume> {
    let r = ARef::from(volume);
    trace::volume(volume.debug_id(), volume.refs(), why);
    r
}

/// `fscache_try_get_volume()`: a new count unless the volume is dying,
/// traced with the count after.
pub(crate) fn try_get_traced(volume: &Volume, why: trace::VolumeWhy) -> Option<ARef<Volume>> {
    let r = volume.try_get()?;
    trace::volume(volume.debug_id(), volume.refs(), why);
    Some(r)
}

/// `fscache_put_volume()`: drops a count, traced with the count after.
pub(crate) fn put_traced(volume: ARef<Volume>, why: trace::VolumeWhy) {
    let id = volume.debug_id();
    Volume::put_counted(volume, |left| trace::volume(id, left, why));
}

/// `fscache_see_volume()`: a step traced with the current count.
fn see(volume: &Volume, why: trace::VolumeWhy) {
    trace::volume(volume.debug_id(), volume.refs(), why);
}

/// After the last put: has the backend free its side, unlinks and frees
/// the volume.
fn free(volume: &Volume) {
    let cache = volume.cache();
    if volume.has_cache_object() {
        // Held across free_volume() like any access, though the count
        // being zero means nobody else can start one.
        begin_access_raw(volume, 0, ACC_RELINQUISH);
        volume.backend_free();
        end_access(volume, 0, ACC_RELINQUISH_END);
    }
    {
        let mut reg = REGISTRY.write();
        let was_hashed = reg.remove(volume);
        cache.n_volumes().fetch_sub(1, Ordering::Relaxed);
        stats::N_VOLUMES.dec();
        if was_hashed && volume.flags().test(COLLIDED_WITH) {
            // A new acquisition of our key waits for us to go.
            for other in reg.hashed() {
                if other.same(volume) {
                    see(other, V_SEE_HASH_WAKE);
                    other.flags().clear_and_wake(ACQUIRE_PENDING);
                    break;
                }
            }
        }
    }
    trace::volume(volume.debug_id(), 0, V_FREE);
    let cache = volume.free_memory();
    cache::put_traced(cache, CACHE_PUT_VOLUME);
}

/// Allocates a volume for `key` in `cache`, registered but not hashed.
fn alloc(key: &[u8], cache: ARef<Cache>, coherency: &[u8]) -> Result<ARef<Volume>> {
    let volume = match Volume::new(key, cache, coherency) {
        Ok(v) => v,
        Err((e, cache)) => {
            cache::put_traced(cache, CACHE_PUT_ALLOC_VOLUME);
            return Err(e);
        }
    };
    trace::volume(volume.debug_id(), 1, V_NEW_ACQUIRE);
    let mut reg = REGISTRY.write();
    // free() undoes both counts.
    volume.cache().n_volumes().fetch_add(1, Ordering::Relaxed);
    stats::N_VOLUMES.inc();
    if let Err(e) = reg.add(&volume) {
        drop(reg);
        // Never published, so ours is the only count; free() copes with
        // an unregistered volume.
        drop(volume);
        return Err(e);
    }
    Ok(volume)
}

/// Claims the volume's key: fails with `EBUSY` if a live volume has it;
/// waits if one that is being relinquished still has it.
fn hash(volume: &Volume) -> Result {
    let mut collidee = None;
    {
        let mut reg = REGISTRY.write();
        for cursor in reg.hashed() {
            if cursor.same(volume) {
                if !cursor.flags().test(RELINQUISHED) {
                    return Err(EBUSY);
                }
                see(cursor, V_GET_HASH_COLLISION);
                cursor.flags().set(COLLIDED_WITH);
                volume.flags().set(ACQUIRE_PENDING);
                collidee = Some(cursor.debug_id());
                break;
            }
        }
        reg.add_hashed(volume)?;
    }
    if let Some(old) = collidee {
        if volume
            .flags()
            .wait_timeout(ACQUIRE_PENDING, COLLISION_NOTICE_JIFFIES)
        {
            pr_notice!(
                "Potential volume collision new={:08x} old={:08x}",
                volume.debug_id(),
                old
            );
            stats::N_VOLUMES_COLLISION.inc();
            volume.flags().wait(ACQUIRE_PENDING);
        }
    }
    Ok(())
}

/// Asks the backend to create the volume in the cache, from a work item;
/// with `wait`, sleeps until that is done.
pub(crate) fn create(volume: &Volume, wait: bool) {
    if !volume.flags().test_and_set(CREATING) {
        let queued =
            !volume.has_cache_object() && cache::begin_access(volume.cache(), ACC_ACQUIRE) && {
                // The work item owns a count while queued.
                let r = get_traced(volume, V_GET_CREATE_WORK);
                if volume.schedule_create_work() {
                    core::mem::forget(r);
                } else {
                    // Cannot happen while we own CREATING; undo our access
                    // and our count.
                    cache::end_access(volume.cache(), ACC_ACQUIRE_END);
                    put_traced(r, V_PUT_CREATE_WORK);
                }
                true
            };
        if !queued {
            volume.flags().clear_and_wake(CREATING);
            return;
        }
    }
    if wait {
        see(volume, V_WAIT_CREATE_WORK);
        volume.flags().wait(CREATING);
    }
}

/// The creation work item, with the count create() gave it.
fn create_work(volume: ARef<Volume>) {
    see(&volume, V_SEE_CREATE_WORK);
    let cache = volume.cache();
    // create() took an access on the cache for us.
    volume.backend_acquire();
    cache::end_access(cache, ACC_ACQUIRE_END);
    volume.flags().clear_and_wake(CREATING);
    put_traced(volume, V_PUT_CREATE_WORK);
}

/// `__fscache_acquire_volume()`.
pub(crate) fn acquire(
    key: &CStr,
    cache_name: Option<&CStr>,
    coherency: &[u8],
) -> Result<ARef<Volume>> {
    // Every failure before hashing is ENOMEM, as in C.
    let key = key.as_bytes();
    if key.len() > MAX_KEY || coherency.len() > u8::MAX as usize {
        return Err(ENOMEM);
    }
    let nomem = |_| {
        stats::N_VOLUMES_NOMEM.inc();
        ENOMEM
    };
    let cache = cache::lookup(cache_name, false).map_err(nomem)?;
    let volume = alloc(key, cache, coherency).map_err(nomem)?;
    if let Err(e) = hash(&volume) {
        put_traced(volume, V_PUT_HASH_COLLISION);
        return Err(e);
    }
    create(&volume, false);
    Ok(volume)
}

/// `__fscache_relinquish_volume()`: the filesystem is done with it.
pub(crate) fn relinquish(volume: ARef<Volume>, coherency: Option<&[u8]>, invalidate: bool) {
    if volume.flags().test_and_set(RELINQUISHED) {
        // The C fscache WARNs; the caller's count is not ours to drop.
        pr_err!("volume {:08x} relinquished twice\n", volume.debug_id());
        core::mem::forget(volume);
        return;
    }
    if invalidate {
        volume.flags().set(INVALIDATE);
    } else if let Some(c) = coherency {
        volume.set_coherency(c);
    }
    put_traced(volume, V_PUT_RELINQUISH);
}

fn begin_access_raw(volume: &Volume, cookie: u32, why: trace::AccessWhy) {
    let n = volume.n_accesses().fetch_add(1, Ordering::SeqCst) + 1;
    trace::access_volume(volume.debug_id(), cookie, volume.refs(), n, why);
}

/// `fscache_begin_volume_access()`: pins the volume for an operation (for
/// cookie `cookie`, 0 if none) while its cache is active.
pub(crate) fn begin_access(volume: &Volume, cookie: u32, why: trace::AccessWhy) -> bool {
    if volume.cache().state() != State::Active {
        return false;
    }
    begin_access_raw(volume, cookie, why);
    if volume.cache().state() != State::Active {
        end_access(
            volume,
            cookie,
            bindings::fscache_access_trace_fscache_access_unlive,
        );
        return false;
    }
    true
}

/// `fscache_end_volume_access()`.
pub(crate) fn end_access(volume: &Volume, cookie: u32, why: trace::AccessWhy) {
    let n = volume.n_accesses().fetch_sub(1, Ordering::SeqCst) - 1;
    trace::access_volume(volume.debug_id(), cookie, volume.refs(), n, why);
    if n == 0 {
        volume.wake_accesses();
    }
}

/// `fscache_withdraw_volume()`: the backend drops the access it pinned and
/// waits for the others to end.
pub(crate) fn withdraw(volume: &Volume) {
    end_access(
        volume,
        0,
        bindings::fscache_access_trace_fscache_access_cache_unpin,
    );
    volume.wait_accesses_zero();
}

/// At module unload: volumes still referenced; frees the registries.
pub(crate) fn shutdown() -> usize {
    let mut reg = REGISTRY.write();
    let left = reg.len();
    reg.clear();
    left
}
