// SPDX-License-Identifier: GPL-2.0
//! Safe wrappers for what cookies sit on in C (`cookie.c`, `lru.c`): their slab,
//! the bit-locked hash chains, the /proc list, the LRU with its timer, the
//! workqueue and `wait_var_event()`.

use super::state as cs;
use crate::cookie::Cookie;
use core::{ffi::c_void, ptr::NonNull};
use kernel::{
    bindings,
    ffi::{c_int, c_long, c_ulong},
    prelude::*,
    types::ARef,
};

extern "C" {
    fn fsrs_cookie_jar_init() -> c_int;
    fn fsrs_cookie_jar_exit();
    fn fsrs_cookie_alloc(
        func: unsafe extern "C" fn(*mut bindings::work_struct),
    ) -> *mut bindings::fscache_cookie;
    fn fsrs_cookie_free(cookie: *mut bindings::fscache_cookie);
    fn fsrs_bucket_lock(key_hash: u32) -> *mut bindings::hlist_bl_head;
    fn fsrs_bucket_unlock(h: *mut bindings::hlist_bl_head);
    fn fsrs_bucket_next(
        h: *mut bindings::hlist_bl_head,
        prev: *mut bindings::fscache_cookie,
    ) -> *mut bindings::fscache_cookie;
    fn fsrs_bucket_add(h: *mut bindings::hlist_bl_head, cookie: *mut bindings::fscache_cookie);
    fn fsrs_bucket_del(cookie: *mut bindings::fscache_cookie);
    fn fsrs_cookies_add(cookie: *mut bindings::fscache_cookie);
    fn fsrs_cookies_del(cookie: *mut bindings::fscache_cookie);
    fn fsrs_cookies_for_each(
        f: unsafe extern "C" fn(*mut c_void, *mut bindings::fscache_cookie),
        ctx: *mut c_void,
    );
    fn fsrs_lru_touch(cookie: *mut bindings::fscache_cookie, timeout: c_ulong) -> bool;
    fn fsrs_lru_remove(cookie: *mut bindings::fscache_cookie) -> bool;
    fn fsrs_lru_pop_expired(timeout: c_ulong) -> *mut bindings::fscache_cookie;
    fn fsrs_lru_timer_left() -> c_long;
    fn fsrs_lru_shutdown();
    fn fsrs_queue_work(
        wq: *mut bindings::workqueue_struct,
        work: *mut bindings::work_struct,
    ) -> bool;
    fn fsrs_wait_var(
        var: *mut c_void,
        cond: unsafe extern "C" fn(*const c_void) -> bool,
        ctx: *const c_void,
        timeout: c_long,
    ) -> c_long;
}

/// Creates the cookie slab (module init).
pub(crate) fn jar_init() -> Result {
    // SAFETY: called once, at init.
    kernel::error::to_result(unsafe { fsrs_cookie_jar_init() })
}

/// Destroys the cookie slab.
///
/// # Safety
///
/// Every cookie must have been freed (module exit).
pub(crate) unsafe fn jar_exit() {
    // SAFETY: per the caller.
    unsafe { fsrs_cookie_jar_exit() }
}

/// A zeroed cookie from the slab, its lock, links and work item set up.
pub(crate) fn alloc(
    work: unsafe extern "C" fn(*mut bindings::work_struct),
) -> Result<NonNull<bindings::fscache_cookie>> {
    // SAFETY: a plain allocation.
    NonNull::new(unsafe { fsrs_cookie_alloc(work) }).ok_or(ENOMEM)
}

/// # Safety
///
/// `cookie` must come from [`alloc`], be unreachable and not be used after.
pub(crate) unsafe fn free(cookie: *mut bindings::fscache_cookie) {
    // SAFETY: per the caller.
    unsafe { fsrs_cookie_free(cookie) }
}

/// One hash chain, locked (its bit lock) while this lives. The chain holds
/// no references: a cookie's memory stays valid while it is on a chain
/// because its last put takes it off under this lock before freeing.
///
/// # Invariants
///
/// `head` is the chain of `key_hash` in cookie.c's static table, and its
/// bit lock is held by this task. A cookie is on a chain exactly when its
/// `IS_HASHED` flag is set, and that flag changes only here, under the
/// chain's lock.
#[must_use = "the chain is unlocked at once if the guard is dropped"]
pub(crate) struct Bucket {
    head: *mut bindings::hlist_bl_head,
    key_hash: u32,
}

impl Bucket {
    /// Locks the chain `key_hash` falls in.
    pub(crate) fn lock(key_hash: u32) -> Self {
        // SAFETY: the table is static; the index is masked in C, which
        // locks the chain and returns it.
        let h = unsafe { fsrs_bucket_lock(key_hash) };
        // INVARIANT: the chain of key_hash, locked above.
        Bucket { head: h, key_hash }
    }

    /// The first cookie on the chain for which `pred` holds; it stays
    /// allocated while the chain is locked.
    pub(crate) fn find(&self, pred: impl Fn(&Cookie) -> bool) -> Option<&Cookie> {
        let mut p = core::ptr::null_mut();
        loop {
            // SAFETY: the chain is locked; `p` is null or on it.
            p = unsafe { fsrs_bucket_next(self.head, p) };
            if p.is_null() {
                return None;
            }
            // SAFETY: hashed cookies are not freed while the chain is
            // locked (see the type's comment), and `&self` is that lock.
            let c = unsafe { Cookie::from_raw(p) };
            if pred(c) {
                return Some(c);
            }
        }
    }

    /// Puts `cookie` on the chain and marks it hashed; false if it
    /// hashes elsewhere or already is on a chain.
    pub(crate) fn add(&self, cookie: &Cookie) -> bool {
        if cookie.key_hash() != self.key_hash || cookie.flags().test_and_set(cs::IS_HASHED) {
            return false;
        }
        // SAFETY: the chain is locked (type invariant) and `cookie` was on
        // none (IS_HASHED was clear, and changes only under this lock).
        unsafe { fsrs_bucket_add(self.head, cookie.raw()) };
        true
    }

    /// Takes `cookie` off the chain if it is on it (false if it is not).
    pub(crate) fn remove(&self, cookie: &Cookie) -> bool {
        if cookie.key_hash() != self.key_hash || !cookie.flags().test(cs::IS_HASHED) {
            return false;
        }
        // SAFETY: the chain is locked (type invariant), and IS_HASHED says
        // `cookie` is on a chain, which is its hash's: this one.
        unsafe { fsrs_bucket_del(cookie.raw()) };
        cookie.flags().clear(cs::IS_HASHED);
        true
    }
}

impl Drop for Bucket {
    fn drop(&mut self) {
        // SAFETY: locked in lock() (type invariant).
        unsafe { fsrs_bucket_unlock(self.head) }
    }
}

/// Puts a new cookie on the /proc list.
///
/// # Safety
///
/// `cookie` must not be on the list; [`proc_del`] must take it off before
/// it is freed.
pub(crate) unsafe fn proc_add(cookie: &Cookie) {
    // SAFETY: per the caller.
    unsafe { fsrs_cookies_add(cookie.raw()) }
}

/// Takes a cookie off the /proc list (a no-op if it is not on it).
pub(crate) fn proc_del(cookie: &Cookie) {
    // SAFETY: the link was initialised at allocation; list_del_init() on
    // an unlinked (self-pointing) entry does nothing.
    unsafe { fsrs_cookies_del(cookie.raw()) }
}

/// Calls `f` on every cookie, oldest first, under the list's read lock
/// (so `f` must not sleep).
pub(crate) fn proc_for_each<F: FnMut(&Cookie)>(mut f: F) {
    /// # Safety
    ///
    /// `ctx` must be an `F`; `c` a listed cookie.
    unsafe extern "C" fn tramp<F: FnMut(&Cookie)>(
        ctx: *mut c_void,
        c: *mut bindings::fscache_cookie,
    ) {
        // SAFETY: `ctx` is the `F` below, alive for the call; listed
        // cookies are not freed while the list is read-locked.
        unsafe { (*ctx.cast::<F>())(Cookie::from_raw(c)) }
    }
    let ctx = core::ptr::addr_of_mut!(f).cast::<c_void>();
    // SAFETY: `tramp::<F>` matches `ctx`'s type.
    unsafe { fsrs_cookies_for_each(tramp::<F>, ctx) }
}

/// Puts the cookie at the young end of the LRU, timing its discard
/// `timeout` jiffies from now. If it was not on the LRU, the LRU takes a
/// reference of its own (returns true).
pub(crate) fn lru_touch(cookie: &Cookie, timeout: c_ulong) -> bool {
    // SAFETY: a live cookie (borrowed); the helper takes the LRU lock.
    unsafe { fsrs_lru_touch(cookie.raw(), timeout) }
}

/// Takes the cookie off the LRU; its reference is returned if it was on.
pub(crate) fn lru_remove(cookie: &Cookie) -> Option<ARef<Cookie>> {
    // SAFETY: a live cookie; the helper takes the LRU lock.
    if unsafe { fsrs_lru_remove(cookie.raw()) } {
        // SAFETY: the LRU's reference, handed over.
        Some(unsafe { ARef::from_raw(NonNull::from(cookie)) })
    } else {
        None
    }
}

/// Takes the oldest cookie off the LRU if it has been unused `timeout`
/// jiffies, with the LRU's reference; otherwise arms the timer.
pub(crate) fn lru_pop_expired(timeout: c_ulong) -> Option<ARef<Cookie>> {
    // SAFETY: the helper takes the LRU lock.
    let p = unsafe { fsrs_lru_pop_expired(timeout) };
    // SAFETY: the LRU's reference on a live cookie, handed over.
    NonNull::new(p.cast::<Cookie>()).map(|p| unsafe { ARef::from_raw(p) })
}

/// Jiffies left before the LRU timer fires; 0 when it is not armed.
pub(crate) fn lru_timer_left() -> c_long {
    // SAFETY: reads the state of a static timer of lru.c; no locking
    // needed for a statistic (C reads it the same way).
    unsafe { fsrs_lru_timer_left() }
}

/// Stops the LRU timer and work for good (module exit).
pub(crate) fn lru_shutdown() {
    // SAFETY: both are statics of lru.c.
    unsafe { fsrs_lru_shutdown() }
}

/// `queue_work(fscache_wq, work)`: false if it was queued already.
///
/// # Safety
///
/// `work` must be initialised and stay valid until it has run.
pub(crate) unsafe fn queue_work(work: *mut bindings::work_struct) -> bool {
    // SAFETY: fscache_wq lives as long as the module; `work` per the caller.
    unsafe { fsrs_queue_work(bindings::fscache_wq, work) }
}

/// `MAX_SCHEDULE_TIMEOUT`: wait without a time limit.
pub(crate) const FOREVER: c_long = c_long::MAX;

/// Sleeps on the wait queue of address `var` until `cond` holds or
/// `timeout` jiffies pass; false on timeout. Whoever changes what `cond`
/// reads must call `wake_up_var(var)` after. `var` is only hashed, never
/// dereferenced.
pub(crate) fn wait_var(var: *const c_void, timeout: c_long, cond: impl Fn() -> bool) -> bool {
    /// # Safety
    ///
    /// `ctx` must be an `F`.
    unsafe extern "C" fn tramp<F: Fn() -> bool>(ctx: *const c_void) -> bool {
        // SAFETY: `ctx` is the `F` below, alive for the whole wait.
        unsafe { (*ctx.cast::<F>())() }
    }
    fn go<F: Fn() -> bool>(var: *const c_void, timeout: c_long, cond: &F) -> bool {
        // SAFETY: `var` is only hashed to a wait queue; `tramp::<F>`
        // matches `cond`, which outlives the call.
        unsafe {
            fsrs_wait_var(
                var.cast_mut(),
                tramp::<F>,
                (cond as *const F).cast(),
                timeout,
            ) != 0
        }
    }
    go(var, timeout, &cond)
}

/// The current `jiffies`.
pub(crate) fn jiffies() -> c_ulong {
    // SAFETY: `jiffies` is always valid; read once, as READ_ONCE does.
    unsafe { core::ptr::read_volatile(core::ptr::addr_of!(bindings::jiffies)) }
}

/// `time_before(a, b)`.
pub(crate) fn time_before(a: c_ulong, b: c_ulong) -> bool {
    (a.wrapping_sub(b) as c_long) < 0
}
