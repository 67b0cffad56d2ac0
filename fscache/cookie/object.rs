// SPDX-License-Identifier: GPL-2.0
//! The C object behind a cookie: `struct fscache_cookie`, which backends
//! and the header inlines read, wrapped as [`Cookie`] with one accessor per
//! field it exposes, its construction and freeing, the calls into the
//! backend's ops, and the work item's entry point. Everything unsafe about
//! cookies is here; the logic in `mod.rs`, `hash.rs` and `machine.rs` is
//! safe Rust over these accessors.

use super::state as cs;
use super::sys as cookie_sys;
use super::State;
use crate::kext::bitops::BitFlags;
use crate::key_hash;
use crate::sys;
use crate::trace;
use crate::volume::{self, Volume};
use core::{
    marker::PhantomData,
    ptr::{addr_of_mut, NonNull},
    sync::atomic::{fence, AtomicI32, AtomicU32, AtomicU8, Ordering},
};
use kernel::{
    bindings,
    ffi::{c_long, c_ulong},
    prelude::*,
    types::{ARef, Opaque},
};

/// Keys and aux data up to these sizes live inside the cookie.
const INLINE_KEY: usize = 16;
const INLINE_AUX: usize = 8;

use bindings::fscache_volume_trace_fscache_volume_get_cookie as V_GET_COOKIE;
use bindings::fscache_volume_trace_fscache_volume_put_cookie as V_PUT_COOKIE;

/// A `struct fscache_cookie`.
///
/// # Invariants
///
/// The C object was made by [`Cookie::new`] (from `cookie.c`'s slab,
/// lock, links and work item initialised) and is live while any `&Cookie`
/// or `ARef<Cookie>` exists: `ref` counts the `ARef`s, the last put frees
/// it through [`super::free`]. `volume`, `debug_id`, `key_hash`, the key
/// and the aux buffer (not its bytes) are fixed before the cookie is
/// published. Until the cookie is hashed, the caller of acquire keeps
/// `volume` alive and an unhashed cookie is freed only by [`discard`];
/// from hashing on (as in C), the cookie holds a count on its volume,
/// which the free after the last put gives back.
#[repr(transparent)]
pub(crate) struct Cookie(Opaque<bindings::fscache_cookie>);

// SAFETY: shared fields are atomics, bit-op flags, or change under the
// cookie's lock or from its (non-reentrant) work item.
unsafe impl Send for Cookie {}
// SAFETY: see `Send`; every accessor below reads or writes its field
// atomically, under the lock (a `Locked` proof), or only before publishing.
unsafe impl Sync for Cookie {}

sys::c_object!(Cookie, bindings::fscache_cookie, super::free);

static DEBUG_IDS: AtomicU32 = AtomicU32::new(1);

/// The cookie's spinlock, held while this lives; the proof that fields
/// written "under the lock" are.
///
/// # Invariants
///
/// `self.0`'s spinlock is held by this task; not `Send`, so it is
/// released on the task that took it.
#[must_use = "the lock is released at once if the guard is dropped"]
pub(crate) struct Locked<'a>(&'a Cookie, PhantomData<*mut ()>);

impl Locked<'_> {
    /// Checks that the guard is the lock of `cookie`.
    fn of(&self, cookie: &Cookie) {
        // A proof for another cookie is a bug in this module: stop here
        // rather than write a field unlocked.
        assert!(
            core::ptr::eq(self.0, cookie),
            "cookie lock proof for another cookie"
        );
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        // SAFETY: held since Cookie::lock() (type invariant).
        unsafe { bindings::spin_unlock(addr_of_mut!((*self.0.raw()).lock)) };
    }
}

impl Cookie {
    /// Allocates a cookie, published on the /proc list but not hashed;
    /// `work` runs its state machine. The caller keeps `volume` alive
    /// until it hashes the cookie, which takes a count, or discards it.
    pub(super) fn new(
        volume: &Volume,
        advice: u8,
        key: &[u8],
        aux: &[u8],
        object_size: i64,
        work: unsafe extern "C" fn(*mut bindings::work_struct),
    ) -> Result<ARef<Cookie>> {
        let p = cookie_sys::alloc(work)?.as_ptr();
        crate::stats::N_COOKIES.inc();
        let keybuf_len = key.len().div_ceil(4) * 4;
        // SAFETY: `p` is new, zeroed and ours alone. The count of 1 set
        // here is handed to the ARef; on error discard() undoes exactly
        // what was set up (the lengths tell it which buffers exist).
        unsafe {
            (*p).ref_.refs.counter = 1;
            (*p).volume = volume.raw();
            (*p).advice = advice;
            (*p).object_size = object_size;
            (*p).debug_id = DEBUG_IDS.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
            if object_size == 0 {
                (*p).flags |= 1 << cs::NO_DATA_TO_READ;
            }
            (*p).state = State::Quiescent as i8;
        }
        // INVARIANT: from here on the cookie is well-formed enough for
        // discard() to free it (lengths 0: no buffers yet).
        // SAFETY: `p` is non-null (alloc) and its count of 1 is ours.
        let cookie = unsafe { ARef::from_raw(NonNull::new_unchecked(p.cast::<Cookie>())) };
        // Keys and aux data longer than the inline space get a buffer.
        let out_of_line = |len: usize, inline: usize, size: usize| {
            if len > inline {
                sys::kzalloc(size).map(|b| b.as_ptr())
            } else {
                Ok(core::ptr::null_mut())
            }
        };
        let Ok(kbuf) = out_of_line(key.len(), INLINE_KEY, keybuf_len) else {
            discard(cookie);
            return Err(ENOMEM);
        };
        let Ok(abuf) = out_of_line(aux.len(), INLINE_AUX, aux.len()) else {
            if !kbuf.is_null() {
                // SAFETY: allocated just above and not stored anywhere.
                unsafe { sys::kfree(kbuf) };
            }
            discard(cookie);
            return Err(ENOMEM);
        };
        // SAFETY: the cookie is unpublished; each buffer (inline or the
        // one allocated above) is sized for the length stored with it.
        unsafe {
            let kdst = if kbuf.is_null() {
                addr_of_mut!((*p).__bindgen_anon_1.inline_key).cast::<u8>()
            } else {
                (*p).__bindgen_anon_1.key = kbuf.cast();
                kbuf
            };
            (*p).key_len = key.len() as u8;
            core::ptr::copy_nonoverlapping(key.as_ptr(), kdst, key.len());
            (*p).key_hash = key_hash::cookie_key_hash(volume.key_hash(), key);
            let adst = if abuf.is_null() {
                addr_of_mut!((*p).__bindgen_anon_2.inline_aux).cast::<u8>()
            } else {
                (*p).__bindgen_anon_2.aux = abuf.cast();
                abuf
            };
            (*p).aux_len = aux.len() as u8;
            core::ptr::copy_nonoverlapping(aux.as_ptr(), adst, aux.len());
            cookie_sys::proc_add(&cookie);
        }
        Ok(cookie)
    }

    /// Gives the memory, the key and aux buffers and the volume count back
    /// after the last put (the caller took it off the hash and /proc).
    pub(super) fn free_memory(&self) {
        let volume = NonNull::from(self.volume());
        self.free_buffers();
        // SAFETY: the cookie was hashed, so it held this count on its
        // volume (type invariant), which is ours to drop now it is gone.
        volume::put_traced(unsafe { ARef::from_raw(volume) }, V_PUT_COOKIE);
    }

    fn free_buffers(&self) {
        // SAFETY: the count is zero or the cookie never left new() and
        // acquire() (free_memory(), discard()): it is unreachable, what
        // new() set up is ours to give back, and `self` is not used after.
        unsafe {
            let p = self.raw();
            if (*p).aux_len as usize > INLINE_AUX {
                sys::kfree((*p).__bindgen_anon_2.aux);
            }
            if (*p).key_len as usize > INLINE_KEY {
                sys::kfree((*p).__bindgen_anon_1.key);
            }
            cookie_sys::free(p);
        }
    }

    /// Takes the count on the volume a hashed cookie holds (C takes it in
    /// fscache_hash_cookie(), before the cookie goes on its chain).
    pub(super) fn take_volume_count(&self) {
        // The count belongs to the cookie from now on: free_memory() gives
        // it back.
        core::mem::forget(volume::get_traced(self.volume(), V_GET_COOKIE));
    }

    pub(crate) fn lock(&self) -> Locked<'_> {
        // SAFETY: the lock was initialised at allocation (type invariant).
        unsafe { bindings::spin_lock(addr_of_mut!((*self.raw()).lock)) };
        // INVARIANT: just taken.
        Locked(self, PhantomData)
    }

    pub(crate) fn flags(&self) -> BitFlags<'_> {
        // SAFETY: the flags word of a live cookie (type invariant), changed
        // only by bit ops, here and in C.
        unsafe { BitFlags::from_raw(addr_of_mut!((*self.raw()).flags)) }
    }

    pub(crate) fn volume(&self) -> &Volume {
        // SAFETY: fixed at allocation with a count held until the cookie
        // is freed (type invariant), so it outlives `&self`.
        unsafe { Volume::from_raw((*self.raw()).volume) }
    }

    pub(crate) fn debug_id(&self) -> u32 {
        // SAFETY: fixed before the cookie is published (type invariant).
        unsafe { (*self.raw()).debug_id }
    }

    pub(crate) fn n_accesses(&self) -> &AtomicI32 {
        // SAFETY: an atomic_t of a live cookie, only accessed atomically.
        unsafe { sys::atomic(addr_of_mut!((*self.raw()).n_accesses)) }
    }

    pub(crate) fn n_active(&self) -> &AtomicI32 {
        // SAFETY: an atomic_t of a live cookie, only accessed atomically.
        unsafe { sys::atomic(addr_of_mut!((*self.raw()).n_active)) }
    }

    fn state_cell(&self) -> &AtomicU8 {
        // SAFETY: the one-byte state field of a live cookie; written with
        // release stores (here and in C's smp_store_release()).
        unsafe { AtomicU8::from_ptr(addr_of_mut!((*self.raw()).state).cast()) }
    }

    /// `fscache_cookie_state()`: the state, read with acquire ordering.
    pub(crate) fn state(&self) -> Option<State> {
        State::from_raw(self.state_cell().load(Ordering::Acquire))
    }

    pub(super) fn state_raw(&self) -> u8 {
        self.state_cell().load(Ordering::Acquire)
    }

    pub(super) fn set_state_locked(&self, l: &Locked<'_>, s: State) {
        l.of(self);
        self.state_cell().store(s as u8, Ordering::Release);
    }

    /// Changes the state under the lock and wakes waiters.
    pub(super) fn set_state(&self, s: State) {
        {
            let l = self.lock();
            self.set_state_locked(&l, s);
        }
        self.wake_state();
    }

    pub(super) fn wake_state(&self) {
        // Waiters must see the new state: a full barrier before the
        // waitqueue check, as wake_up_var() callers need.
        fence(Ordering::SeqCst);
        // SAFETY: wake_up_var() only hashes the address.
        unsafe { bindings::wake_up_var(addr_of_mut!((*self.raw()).state).cast()) };
    }

    /// Sleeps until `cond(state)` holds or `timeout` passes (false then).
    pub(crate) fn wait_state(&self, timeout: c_long, cond: impl Fn(Option<State>) -> bool) -> bool {
        // SAFETY: only the field's address is computed.
        let var = unsafe { addr_of_mut!((*self.raw()).state) };
        cookie_sys::wait_var(var.cast_const().cast(), timeout, || cond(self.state()))
    }

    /// Whether the backend has an object attached (`cache_priv`).
    pub(super) fn has_cache_object(&self) -> bool {
        // SAFETY: a field of a live cookie; backends set it from the state
        // machine (lookup, withdraw), which this work item serialises.
        !unsafe { core::ptr::read_volatile(addr_of_mut!((*self.raw()).cache_priv)) }.is_null()
    }

    pub(super) fn key(&self) -> &[u8] {
        // SAFETY: key_len and the key buffer are fixed before publishing
        // (type invariant); short keys are inline.
        unsafe {
            let p = self.raw();
            let len = (*p).key_len as usize;
            let k = if len <= INLINE_KEY {
                addr_of_mut!((*p).__bindgen_anon_1.inline_key).cast::<u8>()
            } else {
                (*p).__bindgen_anon_1.key.cast::<u8>()
            };
            core::slice::from_raw_parts(k, len)
        }
    }

    /// The aux data buffer (`fscache_get_aux()`): its contents change with
    /// updates, so only copies of it leave this module.
    fn aux_ptr(&self) -> (*mut u8, usize) {
        // SAFETY: aux_len and the buffer are fixed before publishing (type
        // invariant); only addresses are computed.
        unsafe {
            let p = self.raw();
            let len = (*p).aux_len as usize;
            let a = if len <= INLINE_AUX {
                addr_of_mut!((*p).__bindgen_anon_2.inline_aux).cast::<u8>()
            } else {
                (*p).__bindgen_anon_2.aux.cast::<u8>()
            };
            (a, len)
        }
    }

    pub(crate) fn key_hash(&self) -> u32 {
        // SAFETY: fixed before the cookie is published (type invariant).
        unsafe { (*self.raw()).key_hash }
    }

    /// Calls `f` with the key and the aux data (for /proc).
    pub(crate) fn with_key_aux<R>(&self, f: impl FnOnce(&[u8], &[u8]) -> R) -> R {
        let (a, alen) = self.aux_ptr();
        // SAFETY: the buffer of a live cookie; a racing update may change
        // bytes under us, as in C (the reader is /proc, for humans).
        let aux = unsafe { core::slice::from_raw_parts(a, alen) };
        f(self.key(), aux)
    }

    /// `fscache_update_aux()`: new aux data and/or object size.
    pub(super) fn update_aux(&self, aux: Option<&[u8]>, size: Option<i64>) {
        if let Some(src) = aux {
            let (dst, len) = self.aux_ptr();
            // SAFETY: the cookie's aux buffer holds `len` bytes; the C
            // contract gives that many (we copy no more than we were given).
            unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), dst, len.min(src.len())) };
        }
        if let Some(s) = size {
            // SAFETY: a field of a live cookie, written by the netfs (under
            // its inode lock) as in C.
            unsafe { core::ptr::write_volatile(addr_of_mut!((*self.raw()).object_size), s) };
        }
    }

    /// Queues the work item; false if it already was.
    ///
    /// The queued work owns a count: the caller gives one when this
    /// returns true (see `super::Cookie::queue`).
    pub(super) fn queue_work(&self) -> bool {
        // SAFETY: the work was initialised at allocation; the caller's
        // count keeps the cookie alive until the work has run.
        unsafe { cookie_sys::queue_work(addr_of_mut!((*self.raw()).work)) }
    }

    /// When the last user let go (`unused_at`).
    pub(super) fn unused_at(&self, l: &Locked<'_>) -> c_ulong {
        l.of(self);
        // SAFETY: a field written under the lock `l` proves held.
        unsafe { (*self.raw()).unused_at }
    }

    /// Records now as when the last user let go.
    pub(super) fn set_unused_now(&self, l: &Locked<'_>) {
        l.of(self);
        // SAFETY: a field of a live cookie, written under its lock.
        unsafe { (*self.raw()).unused_at = cookie_sys::jiffies() };
    }

    /// Counts an invalidation (`inval_counter`, which backends compare).
    pub(super) fn bump_inval_counter(&self, l: &Locked<'_>) {
        l.of(self);
        // SAFETY: a field of a live cookie, changed under its lock.
        unsafe { (*self.raw()).inval_counter = (*self.raw()).inval_counter.wrapping_add(1) };
    }

    /// The invalidation counter (an operation records it at begin).
    pub(crate) fn inval_counter(&self) -> u32 {
        // SAFETY: a field of a live cookie; changed under its lock, read
        // here as C reads it (a racing invalidation is caught later by the
        // backend's check).
        unsafe { core::ptr::read_volatile(addr_of_mut!((*self.raw()).inval_counter)) }
    }

    /// The `fscache_resize` event.
    pub(crate) fn trace_resize(&self, new_size: i64) {
        // SAFETY: a live cookie; the event reads its fields.
        unsafe { trace::resize(self.raw(), new_size) }
    }

    /// The `fscache_acquire` event.
    pub(super) fn trace_acquire(&self) {
        // SAFETY: a live cookie; the event reads its fields.
        unsafe { trace::acquire(self.raw()) }
    }

    /// The `fscache_relinquish` event.
    pub(super) fn trace_relinquish(&self, retire: bool) {
        // SAFETY: a live cookie; the event reads its fields.
        unsafe { trace::relinquish(self.raw(), retire) }
    }

    /// The `fscache_invalidate` event.
    pub(super) fn trace_invalidate(&self, new_size: i64) {
        // SAFETY: a live cookie; the event reads its fields.
        unsafe { trace::invalidate(self.raw(), new_size) }
    }

    /// The backend's ops table (valid while the cookie is being cached:
    /// only an added cache has volumes with objects).
    fn ops(&self) -> &bindings::fscache_cache_ops {
        // SAFETY: set by fscache_add_cache() before any lookup can start,
        // to the backend's static table.
        unsafe { &*self.volume().cache().ops() }
    }

    /// The backend's `lookup_cookie`: finds or creates the object.
    pub(super) fn backend_lookup(&self) -> bool {
        match self.ops().lookup_cookie {
            // SAFETY: the backend's op on a cookie the machine owns.
            Some(f) => unsafe { f(self.raw()) },
            None => false,
        }
    }

    /// The backend's `invalidate_cookie`.
    pub(super) fn backend_invalidate(&self) -> bool {
        match self.ops().invalidate_cookie {
            // SAFETY: the backend's op on a cookie the machine owns.
            Some(f) => unsafe { f(self.raw()) },
            None => false,
        }
    }

    /// The backend's `prepare_to_write`.
    pub(super) fn backend_prepare_to_write(&self) {
        if let Some(f) = self.ops().prepare_to_write {
            // SAFETY: the backend's op on an active cookie.
            unsafe { f(self.raw()) };
        }
    }

    /// The backend's `withdraw_cookie`, if it has an object attached.
    pub(super) fn backend_withdraw(&self) {
        if !self.has_cache_object() {
            return;
        }
        if let Some(f) = self.ops().withdraw_cookie {
            // SAFETY: the backend's op on the object it attached.
            unsafe { f(self.raw()) };
        }
    }
}

/// Frees a cookie that was never hashed (C calls fscache_free_cookie()
/// directly): it holds no count on its volume, and no one else has it.
pub(super) fn discard(this: ARef<Cookie>) {
    let p = ARef::into_raw(this);
    // SAFETY: the count was ours; a cookie that was never hashed or
    // queued has no other holder, so it stays valid until freed here.
    let cookie = unsafe { p.as_ref() };
    cookie_sys::proc_del(cookie);
    crate::stats::N_COOKIES.dec();
    cookie.free_buffers();
}

/// `fscache_n_updates`: exported to netfs's stats, so C owns it.
pub(super) fn count_update() {
    // SAFETY: an exported counter, only accessed atomically.
    unsafe { sys::atomic(addr_of_mut!(bindings::fscache_n_updates)) }
        .fetch_add(1, Ordering::Relaxed);
}

/// The cookie's work item: runs the state machine until it rests.
///
/// # Safety
///
/// Called by the workqueue with the `work` of a cookie queued by
/// [`Cookie::queue_work`], whose caller gave the work a count.
pub(super) unsafe extern "C" fn worker(work: *mut bindings::work_struct) {
    // SAFETY: `work` is embedded in a cookie (see Cookie::queue_work()).
    let p = unsafe { kernel::container_of!(work, bindings::fscache_cookie, work) };
    // SAFETY: the count the queuer left for us, dropped when we return.
    let cookie = unsafe { ARef::from_raw(NonNull::new_unchecked(p.cast_mut().cast::<Cookie>())) };
    super::machine::work(cookie);
}

/// The LRU timer's work: discards the cookies unused for long enough.
///
/// # Safety
///
/// Called by the workqueue only (lru.c's LRU work item).
#[no_mangle]
unsafe extern "C" fn fsrs_cookie_lru_worker(_work: *mut bindings::work_struct) {
    super::lru_work();
}
