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

use crate::cache::{self, Cache, State};
use crate::key_hash;
use crate::stats;
use crate::sys::{self, AddRemoveLocked, Flags};
use crate::trace;
use core::{
    ptr::{addr_of_mut, NonNull},
    sync::atomic::{AtomicU32, Ordering},
};
use kernel::{
    bindings,
    prelude::*,
    str::CStr,
    types::{ARef, Opaque},
};

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

/// A `struct fscache_volume`.
#[repr(transparent)]
pub(crate) struct Volume(Opaque<bindings::fscache_volume>);

// SAFETY: shared fields are atomics, or change under the registry lock.
unsafe impl Send for Volume {}
// SAFETY: as above.
unsafe impl Sync for Volume {}

sys::c_object!(Volume, bindings::fscache_volume, free);

struct Registry {
    /// Every volume, oldest first (/proc/fs/fscache/volumes).
    all: KVec<NonNull<Volume>>,
    /// Volumes that own their key (at most one live per key and cache).
    hashed: KVec<NonNull<Volume>>,
}

// SAFETY: the pointers are only dereferenced under the lock or with a count.
unsafe impl Send for Registry {}

static REGISTRY: AddRemoveLocked<Registry> = AddRemoveLocked::new(Registry {
    all: KVec::new(),
    hashed: KVec::new(),
});

static DEBUG_IDS: AtomicU32 = AtomicU32::new(0);

impl Volume {
    fn flags(&self) -> Flags {
        // SAFETY: the flags word of a live volume, changed only by bit ops.
        unsafe { Flags::new(addr_of_mut!((*self.raw()).flags)) }
    }

    pub(crate) fn cache(&self) -> &Cache {
        // SAFETY: set at creation and held (a count) until the volume dies.
        unsafe { Cache::from_raw((*self.raw()).cache) }
    }

    fn key(&self) -> &[u8] {
        // SAFETY: `key` is the length-prefixed, padded buffer made at
        // creation and freed with the volume.
        unsafe {
            let k = (*self.raw()).key;
            core::slice::from_raw_parts(k, round_up_words(*k as usize + 2))
        }
    }

    pub(crate) fn key_hash(&self) -> u32 {
        // SAFETY: set before the volume is published, never changed.
        unsafe { (*self.raw()).key_hash }
    }

    pub(crate) fn debug_id(&self) -> u32 {
        // SAFETY: as above.
        unsafe { (*self.raw()).debug_id }
    }

    fn cache_priv(&self) -> *mut core::ffi::c_void {
        // SAFETY: a field of a live volume; backends set it from their
        // acquire_volume work, which we wait for before relying on it.
        unsafe { core::ptr::read_volatile(addr_of_mut!((*self.raw()).cache_priv)) }
    }

    /// Whether the backend has created the volume in the cache.
    pub(crate) fn has_cache_object(&self) -> bool {
        !self.cache_priv().is_null()
    }

    /// The number of live (unrelinquished) cookies in the volume.
    pub(crate) fn n_cookies(&self) -> &core::sync::atomic::AtomicI32 {
        // SAFETY: a counter field of a live volume, only accessed atomically.
        unsafe { sys::atomic(addr_of_mut!((*self.raw()).n_cookies)) }
    }

    fn n_accesses(&self) -> *mut bindings::atomic_t {
        // SAFETY: only the field address of a live volume.
        unsafe { addr_of_mut!((*self.raw()).n_accesses) }
    }

    /// Same key in the same cache.
    fn same(&self, other: &Volume) -> bool {
        self.key_hash() == other.key_hash()
            && core::ptr::eq(self.cache(), other.cache())
            && self.key() == other.key()
    }

    /// Figures for /proc: (ref, n_cookies, n_accesses, flags).
    pub(crate) fn counts(&self) -> (i32, i32, i32, usize) {
        let p = self.raw();
        let rd = |f: *mut bindings::atomic_t| {
            // SAFETY: a counter field of the live volume.
            unsafe { sys::atomic(f) }.load(Ordering::Relaxed)
        };
        // SAFETY: field addresses of a live object.
        unsafe {
            (
                self.refs(),
                rd(addr_of_mut!((*p).n_cookies)),
                rd(addr_of_mut!((*p).n_accesses)),
                self.flags().word(),
            )
        }
    }

    /// The key as text (without its length byte and padding).
    pub(crate) fn key_str(&self) -> &[u8] {
        let k = self.key();
        &k[1..1 + k[0] as usize]
    }
}

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

fn round_up_words(n: usize) -> usize {
    n.div_ceil(4) * 4
}

/// After the last put: has the backend free its side, unlinks and frees
/// the volume.
fn free(volume: &Volume) {
    let cache = volume.cache();
    if !volume.cache_priv().is_null() {
        // Held across free_volume() like any access, though the count
        // being zero means nobody else can start one.
        begin_access_raw(volume, 0, ACC_RELINQUISH);
        if !volume.cache_priv().is_null() {
            // SAFETY: cache_priv is set only by an active cache's
            // acquire_volume, so ops is the backend's static table.
            unsafe {
                if let Some(f) = (*cache.ops()).free_volume {
                    f(volume.raw());
                }
            }
        }
        end_access(volume, 0, ACC_RELINQUISH_END);
    }
    {
        let mut reg = REGISTRY.write();
        let p = NonNull::from(volume);
        sys::registry_remove(&mut reg.all, p);
        // SAFETY: the counter field of the cache we hold.
        unsafe { sys::atomic(cache.n_volumes()) }.fetch_sub(1, Ordering::Relaxed);
        stats::N_VOLUMES.dec();
        if sys::registry_remove(&mut reg.hashed, p) && volume.flags().test(COLLIDED_WITH) {
            // A new acquisition of our key waits for us to go.
            for &c in reg.hashed.iter() {
                // SAFETY: hashed volumes are live under the lock.
                let other = unsafe { c.as_ref() };
                if other.same(volume) {
                    see(other, V_SEE_HASH_WAKE);
                    other.flags().clear_and_wake(ACQUIRE_PENDING);
                    break;
                }
            }
        }
    }
    trace::volume(volume.debug_id(), 0, V_FREE);
    // SAFETY: unlinked and at count zero: nothing reaches the volume. Its
    // key, its memory and its cache count are ours to drop.
    let cache = unsafe {
        sys::kfree((*volume.raw()).key);
        let cache = NonNull::from(volume.cache());
        sys::kfree(volume.raw());
        ARef::from_raw(cache)
    };
    cache::put_traced(cache, CACHE_PUT_VOLUME);
}

/// Allocates a volume for `key` in `cache`, registered but not hashed.
fn alloc(key: &[u8], cache: ARef<Cache>, coherency: &[u8]) -> Result<NonNull<Volume>> {
    let size = core::mem::size_of::<bindings::fscache_volume>() + coherency.len();
    let p = match sys::kzalloc(size) {
        Ok(p) => p.as_ptr().cast::<bindings::fscache_volume>(),
        Err(e) => {
            cache::put_traced(cache, CACHE_PUT_ALLOC_VOLUME);
            return Err(e);
        }
    };
    let hlen = round_up_words(1 + key.len() + 1);
    let kbuf = match sys::kzalloc(hlen) {
        Ok(k) => k.as_ptr(),
        Err(e) => {
            // SAFETY: just allocated, unshared.
            unsafe { sys::kfree(p) };
            cache::put_traced(cache, CACHE_PUT_ALLOC_VOLUME);
            return Err(e);
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
    let volume = NonNull::new(p.cast::<Volume>()).ok_or(ENOMEM)?;
    // SAFETY: ours alone, just initialised.
    trace::volume(unsafe { volume.as_ref() }.debug_id(), 1, V_NEW_ACQUIRE);
    let mut reg = REGISTRY.write();
    // SAFETY: the volume is ours alone; its cache is held.
    let cache = unsafe { volume.as_ref() }.cache();
    // SAFETY: the counter field of the held cache; free() undoes it.
    unsafe { sys::atomic(cache.n_volumes()) }.fetch_add(1, Ordering::Relaxed);
    // free() undoes this too.
    stats::N_VOLUMES.inc();
    if let Err(e) = reg.all.push(volume, GFP_KERNEL) {
        drop(reg);
        // SAFETY: never published, so ours is the only count; free()
        // copes with an unregistered volume.
        drop(unsafe { ARef::from_raw(volume) });
        return Err(e.into());
    }
    Ok(volume)
}

/// Claims the volume's key: fails with `EBUSY` if a live volume has it;
/// waits if one that is being relinquished still has it.
fn hash(volume: &Volume) -> Result {
    let mut collidee = None;
    {
        let mut reg = REGISTRY.write();
        for &c in reg.hashed.iter() {
            // SAFETY: hashed volumes are live under the lock.
            let cursor = unsafe { c.as_ref() };
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
        reg.hashed.push(NonNull::from(volume), GFP_KERNEL)?;
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
            volume.cache_priv().is_null() && cache::begin_access(volume.cache(), ACC_ACQUIRE) && {
                // The work item owns a count while queued.
                let r = get_traced(volume, V_GET_CREATE_WORK);
                // SAFETY: the work was initialised at allocation and the
                // volume stays alive (the count) until the work has run.
                if unsafe { sys::schedule_work(addr_of_mut!((*volume.raw()).work)) } {
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

/// The creation work item.
///
/// # Safety
///
/// Called by the workqueue with the `work` of a volume queued by create(),
/// which gave it a count.
unsafe extern "C" fn create_work(work: *mut bindings::work_struct) {
    // SAFETY: `work` is embedded in a volume (see create()).
    let p = unsafe { kernel::container_of!(work, bindings::fscache_volume, work) };
    // SAFETY: the count create() left for us.
    let volume = unsafe { ARef::from_raw(NonNull::new_unchecked(p.cast_mut().cast::<Volume>())) };
    see(&volume, V_SEE_CREATE_WORK);
    let cache = volume.cache();
    // SAFETY: create() took an access on the cache, so it is (or was just)
    // active and its ops table is the backend's static one.
    unsafe {
        if let Some(f) = (*cache.ops()).acquire_volume {
            f(volume.raw());
        }
    }
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
    let p = alloc(key, cache, coherency).map_err(nomem)?;
    // SAFETY: alloc() handed us its count.
    let volume = unsafe { ARef::from_raw(p) };
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
        // SAFETY: the trailing array holds coherency_len bytes; the caller
        // passes at least as many (the C contract).
        unsafe {
            let len = (*volume.raw()).coherency_len as usize;
            core::ptr::copy_nonoverlapping(
                c.as_ptr(),
                addr_of_mut!((*volume.raw()).coherency).cast::<u8>(),
                len.min(c.len()),
            );
        }
    }
    put_traced(volume, V_PUT_RELINQUISH);
}

fn begin_access_raw(volume: &Volume, cookie: u32, why: trace::AccessWhy) {
    // SAFETY: the field of a live volume.
    let n = unsafe { sys::atomic(volume.n_accesses()) }.fetch_add(1, Ordering::SeqCst) + 1;
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
    // SAFETY: the field of a live volume.
    let n = unsafe { sys::atomic(volume.n_accesses()) }.fetch_sub(1, Ordering::SeqCst) - 1;
    trace::access_volume(volume.debug_id(), cookie, volume.refs(), n, why);
    if n == 0 {
        // SAFETY: as above.
        unsafe { sys::wake_up_var(volume.n_accesses()) };
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
    // SAFETY: the caller holds the volume; end_access() wakes at zero.
    unsafe { sys::wait_var_zero(volume.n_accesses()) };
}

/// The `n`th registered volume, oldest first (for /proc).
///
/// # Safety
///
/// The caller must hold `fscache_addremove_sem` for as long as it uses the
/// result.
pub(crate) unsafe fn nth_held<'a>(n: usize) -> Option<&'a Volume> {
    // SAFETY: the caller holds the registry's semaphore.
    let reg = unsafe { REGISTRY.held() };
    // SAFETY: registered volumes are live while the semaphore is held.
    reg.all.get(n).map(|&v| unsafe { v.as_ref() })
}

/// At module unload: volumes still referenced; frees the registries.
pub(crate) fn shutdown() -> usize {
    let mut reg = REGISTRY.write();
    let left = reg.all.len();
    reg.all = KVec::new();
    reg.hashed = KVec::new();
    left
}
