// SPDX-License-Identifier: GPL-2.0
//! Cookies: one per file a filesystem caches, hashed by volume and key,
//! driven by a state machine that runs as the cookie's work item on
//! `fscache_wq` (rules in `state.rs`).
//!
//! A cookie is a C `struct fscache_cookie` (backends and inline helpers
//! read its fields). Ownership:
//! - `ref` is the one count, behind [`ARef<Cookie>`]. The filesystem owns
//!   the count acquire gave it until it relinquishes; a queued work item
//!   owns one (taken before queueing, dropped if already queued); the LRU
//!   owns one while the cookie is on it.
//! - The hash chain owns none. A cookie leaves it when dropped, and in any
//!   case in its last put, under the chain lock, before it is freed: the
//!   hash can never reach freed memory, and unhashing is idempotent (the
//!   `IS_HASHED` bit, tested and cleared under the chain lock), so no path
//!   can unhash twice.
//! - A cookie owns one count on its volume.
//! - `n_active` counts filesystem users; `n_accesses` cache accesses, with
//!   `NO_ACCESS_WAKE` held while the cookie is looked up so that accesses
//!   reaching zero queue the machine only once a withdrawal asked.

//!
//! Layout: `object.rs` is the C object (its fields, allocation, the calls
//! into the backend); `hash.rs` the key hash; `machine.rs` the state
//! machine's steps; `state.rs` its rules (pure Rust); `sys.rs` what
//! cookies sit on in C (`cookie.c`, `lru.c`); this file the API the
//! exported functions call.

mod hash;
mod machine;
mod object;
pub(crate) mod state;
pub(crate) mod sys;

pub(crate) use object::Cookie;
use object::Locked;

use self::state as cs;
pub(crate) use self::state::State;
use self::sys as cookie_sys;
use crate::cache;
use crate::log::pr_named;
use crate::stats;
use crate::sys::HZ;
use crate::trace;
use crate::volume::{self, Volume};
use core::sync::atomic::{fence, Ordering};
use kernel::{
    bindings,
    ffi::{c_long, c_ulong},
    prelude::*,
    types::ARef,
};

// state.rs is pure Rust; hold its numbers to the C header's.
const _: () = {
    use bindings as b;
    assert!(cs::RELINQUISHED == b::FSCACHE_COOKIE_RELINQUISHED);
    assert!(cs::RETIRED == b::FSCACHE_COOKIE_RETIRED);
    assert!(cs::IS_CACHING == b::FSCACHE_COOKIE_IS_CACHING);
    assert!(cs::NO_DATA_TO_READ == b::FSCACHE_COOKIE_NO_DATA_TO_READ);
    assert!(cs::NEEDS_UPDATE == b::FSCACHE_COOKIE_NEEDS_UPDATE);
    assert!(cs::HAS_BEEN_CACHED == b::FSCACHE_COOKIE_HAS_BEEN_CACHED);
    assert!(cs::DISABLED == b::FSCACHE_COOKIE_DISABLED);
    assert!(cs::LOCAL_WRITE == b::FSCACHE_COOKIE_LOCAL_WRITE);
    assert!(cs::NO_ACCESS_WAKE == b::FSCACHE_COOKIE_NO_ACCESS_WAKE);
    assert!(cs::DO_RELINQUISH == b::FSCACHE_COOKIE_DO_RELINQUISH);
    assert!(cs::DO_WITHDRAW == b::FSCACHE_COOKIE_DO_WITHDRAW);
    assert!(cs::DO_LRU_DISCARD == b::FSCACHE_COOKIE_DO_LRU_DISCARD);
    assert!(cs::DO_PREP_TO_WRITE == b::FSCACHE_COOKIE_DO_PREP_TO_WRITE);
    assert!(cs::HAVE_DATA == b::FSCACHE_COOKIE_HAVE_DATA);
    assert!(cs::IS_HASHED == b::FSCACHE_COOKIE_IS_HASHED);
    assert!(cs::DO_INVALIDATE == b::FSCACHE_COOKIE_DO_INVALIDATE);
    assert!(State::Quiescent as i8 == b::fscache_cookie_state_FSCACHE_COOKIE_STATE_QUIESCENT);
    assert!(State::LookingUp as i8 == b::fscache_cookie_state_FSCACHE_COOKIE_STATE_LOOKING_UP);
    assert!(State::Creating as i8 == b::fscache_cookie_state_FSCACHE_COOKIE_STATE_CREATING);
    assert!(State::Active as i8 == b::fscache_cookie_state_FSCACHE_COOKIE_STATE_ACTIVE);
    assert!(State::Invalidating as i8 == b::fscache_cookie_state_FSCACHE_COOKIE_STATE_INVALIDATING);
    assert!(State::Failed as i8 == b::fscache_cookie_state_FSCACHE_COOKIE_STATE_FAILED);
    assert!(
        State::LruDiscarding as i8 == b::fscache_cookie_state_FSCACHE_COOKIE_STATE_LRU_DISCARDING
    );
    assert!(State::Withdrawing as i8 == b::fscache_cookie_state_FSCACHE_COOKIE_STATE_WITHDRAWING);
    assert!(
        State::Relinquishing as i8 == b::fscache_cookie_state_FSCACHE_COOKIE_STATE_RELINQUISHING
    );
    assert!(State::Dropped as i8 == b::fscache_cookie_state_FSCACHE_COOKIE_STATE_DROPPED);
};

/// Longest key or aux data a filesystem may give.
const MAX_KEY: usize = 255;
const MAX_AUX: usize = 255;

/// How long an unused cookie stays bound to its cache object (10 s).
const LRU_TIMEOUT: c_ulong = 10 * HZ;
/// How long an acquisition waits quietly for a colliding cookie that is
/// being relinquished before it says so (20 s, as in C).
const COLLISION_NOTICE: c_long = 20 * HZ as c_long;

// Trace reasons, shortened.
use bindings::{
    fscache_access_trace_fscache_access_cache_pin as ACC_CACHE_PIN,
    fscache_access_trace_fscache_access_cache_unpin as ACC_CACHE_UNPIN,
    fscache_access_trace_fscache_access_invalidate_cookie as ACC_INVALIDATE,
    fscache_access_trace_fscache_access_invalidate_cookie_end as ACC_INVALIDATE_END,
    fscache_access_trace_fscache_access_lookup_cookie as ACC_LOOKUP,
    fscache_access_trace_fscache_access_lookup_cookie_end as ACC_LOOKUP_END,
    fscache_access_trace_fscache_access_lookup_cookie_end_failed as ACC_LOOKUP_FAILED,
    fscache_access_trace_fscache_access_unlive as ACC_UNLIVE,
    fscache_active_trace_fscache_active_unuse as ACT_UNUSE,
    fscache_active_trace_fscache_active_use as ACT_USE,
    fscache_active_trace_fscache_active_use_modify as ACT_USE_MODIFY,
    fscache_cookie_trace_fscache_cookie_collision as C_COLLISION,
    fscache_cookie_trace_fscache_cookie_discard as C_DISCARD,
    fscache_cookie_trace_fscache_cookie_failed as C_FAILED,
    fscache_cookie_trace_fscache_cookie_get_end_access as C_GET_END_ACCESS,
    fscache_cookie_trace_fscache_cookie_get_hash_collision as C_GET_COLLISION,
    fscache_cookie_trace_fscache_cookie_get_inval_work as C_GET_INVAL_WORK,
    fscache_cookie_trace_fscache_cookie_get_lru as C_GET_LRU,
    fscache_cookie_trace_fscache_cookie_get_use_work as C_GET_USE_WORK,
    fscache_cookie_trace_fscache_cookie_new_acquire as C_NEW_ACQUIRE,
    fscache_cookie_trace_fscache_cookie_put_hash_collision as C_PUT_COLLISION,
    fscache_cookie_trace_fscache_cookie_put_lru as C_PUT_LRU,
    fscache_cookie_trace_fscache_cookie_put_over_queued as C_PUT_OVER_QUEUED,
    fscache_cookie_trace_fscache_cookie_put_relinquish as C_PUT_RELINQUISH,
    fscache_cookie_trace_fscache_cookie_put_work as C_PUT_WORK,
    fscache_cookie_trace_fscache_cookie_see_active as C_SEE_ACTIVE,
    fscache_cookie_trace_fscache_cookie_see_lru_discard as C_SEE_LRU_DISCARD,
    fscache_cookie_trace_fscache_cookie_see_lru_discard_clear as C_SEE_LRU_DISCARD_CLEAR,
    fscache_cookie_trace_fscache_cookie_see_lru_do_one as C_SEE_LRU_DO_ONE,
    fscache_cookie_trace_fscache_cookie_see_relinquish as C_SEE_RELINQUISH,
    fscache_cookie_trace_fscache_cookie_see_withdraw as C_SEE_WITHDRAW,
    fscache_cookie_trace_fscache_cookie_see_work as C_SEE_WORK,
};

impl Cookie {
    /// Same volume and key.
    fn same(&self, other: &Cookie) -> bool {
        self.key_hash() == other.key_hash()
            && core::ptr::eq(self.volume(), other.volume())
            && self.key() == other.key()
    }

    /// Figures for /proc: (ref, n_active, n_accesses, state letter, flags).
    pub(crate) fn counts(&self) -> (i32, i32, i32, char, usize) {
        let letter = self.state().map_or('?', State::letter);
        (
            self.refs(),
            self.n_active().load(Ordering::Relaxed),
            self.n_accesses().load(Ordering::Relaxed),
            letter,
            self.flags().word(),
        )
    }

    /// `fscache_print_cookie()`: logs the cookie for a report.
    fn print(&self, prefix: char) {
        let (_, n_active, n_accesses, letter, flags) = self.counts();
        pr_err!(
            "{}-cookie c={:08x} [fl={:x} na={} nA={} s={}]\n",
            prefix,
            self.debug_id(),
            flags,
            n_active,
            n_accesses,
            letter
        );
        let v = self.volume();
        pr_named!(
            Err,
            ("{}-cookie V={:08x} [", prefix, v.debug_id()),
            v.key_str(),
            ("]\n")
        );
        pr_err!(
            "{}-key=[{}] '{}'\n",
            prefix,
            self.key().len(),
            Hex(self.key())
        );
    }

    fn trace(&self, why: trace::CookieWhy) {
        trace::cookie(self.debug_id(), self.refs(), why);
    }

    fn trace_access(&self, n: i32, why: trace::AccessWhy) {
        trace::access(self.debug_id(), self.refs(), n, why);
    }

    /// Queues the state machine (the queued work owns a count).
    fn queue(&self, why: trace::CookieWhy) {
        let r = ARef::from(self);
        self.trace(why);
        if self.queue_work() {
            // The work drops it (machine::work()).
            core::mem::forget(r);
        } else {
            put_traced(r, C_PUT_OVER_QUEUED);
        }
    }
}

/// Hex dump of a byte slice, as `%*phN` prints it.
struct Hex<'a>(&'a [u8]);

impl core::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{:02x}", b))
    }
}

/// After the last put: unhashes, unlists and frees the cookie.
fn free(cookie: &Cookie) {
    // At count zero no work is queued and the LRU does not have it (both
    // own counts). The hash and the /proc list reach it without one: take
    // it off them first.
    hash::unhash(cookie);
    cookie_sys::proc_del(cookie);
    stats::N_COOKIES.dec();
    cookie.free_memory();
}

/// `__fscache_acquire_cookie()`: `None` when caching is not possible (the
/// filesystem then runs uncached, as with C).
pub(crate) fn acquire(
    volume: &Volume,
    advice: u8,
    key: &[u8],
    aux: &[u8],
    object_size: i64,
) -> Option<ARef<Cookie>> {
    if key.is_empty() || key.len() > MAX_KEY || aux.len() > MAX_AUX {
        return None;
    }
    stats::N_ACQUIRES.inc();
    let Ok(cookie) = Cookie::new(volume, advice, key, aux, object_size, object::worker) else {
        stats::N_ACQUIRES_OOM.inc();
        return None;
    };
    cookie.trace(C_NEW_ACQUIRE);
    if !hash::hash(&cookie) {
        cookie.trace(C_DISCARD);
        object::discard(cookie);
        return None;
    }
    cookie.trace_acquire();
    stats::N_ACQUIRES_OK.inc();
    Some(cookie)
}

/// Takes an access without checks (the caller knows the cookie is busy).
fn begin_access_raw(cookie: &Cookie, why: trace::AccessWhy) {
    let n = cookie.n_accesses().fetch_add(1, Ordering::SeqCst) + 1;
    cookie.trace_access(n, why);
}

/// `fscache_begin_cookie_access()`: pins the cache behind the cookie
/// while it is being cached.
pub(crate) fn begin_access(cookie: &Cookie, why: trace::AccessWhy) -> bool {
    if !cookie.flags().test(cs::IS_CACHING) {
        return false;
    }
    begin_access_raw(cookie, why);
    // Re-check after the increment (SeqCst above): a withdrawal that
    // cleared IS_CACHING either sees our access or we see its clearing.
    if !cookie.flags().test(cs::IS_CACHING)
        || cookie.volume().cache().state() != cache::State::Active
    {
        end_access(cookie, ACC_UNLIVE);
        return false;
    }
    true
}

/// `fscache_end_cookie_access()`: the last access queues the machine if a
/// withdrawal opened the gate.
pub(crate) fn end_access(cookie: &Cookie, why: trace::AccessWhy) {
    let n = cookie.n_accesses().fetch_sub(1, Ordering::SeqCst) - 1;
    cookie.trace_access(n, why);
    if n == 0 && !cookie.flags().test(cs::NO_ACCESS_WAKE) {
        cookie.queue(C_GET_END_ACCESS);
    }
}

/// `fscache_cookie_lookup_negative()`: the backend found nothing and is
/// creating the object; readers need not wait for data.
pub(crate) fn lookup_negative(cookie: &Cookie) {
    cookie.flags().set(cs::NO_DATA_TO_READ);
    cookie.set_state(State::Creating);
}

/// `fscache_resume_after_invalidation()`.
pub(crate) fn resume_after_invalidation(cookie: &Cookie) {
    cookie.set_state(State::Active);
}

/// `fscache_caching_failed()`: the backend gives up caching this cookie.
pub(crate) fn caching_failed(cookie: &Cookie) {
    cookie.flags().clear(cs::IS_CACHING);
    cookie.set_state(State::Failed);
    cookie.trace(C_FAILED);
}

/// Starts a lookup from `Quiescent` (under the lock); false if there is
/// no active cache to look in.
fn begin_lookup(cookie: &Cookie, l: &Locked<'_>, will_modify: bool) -> bool {
    if will_modify {
        cookie.flags().set(cs::LOCAL_WRITE);
        cookie.flags().set(cs::DO_PREP_TO_WRITE);
    }
    if !volume::begin_access(cookie.volume(), cookie.debug_id(), ACC_LOOKUP) {
        return false;
    }
    begin_access_raw(cookie, ACC_LOOKUP);
    cookie.set_state_locked(l, State::LookingUp);
    cookie.flags().set(cs::IS_CACHING);
    cookie.flags().set(cs::HAS_BEEN_CACHED);
    true
}

/// `__fscache_use_cookie()`: the filesystem starts using the file; binds
/// it to a cache object if it is not.
pub(crate) fn use_cookie(cookie: &Cookie, will_modify: bool) {
    if cookie.flags().test(cs::RELINQUISHED) {
        pr_err!(
            "c={:08x}: use of a relinquished cookie refused\n",
            cookie.debug_id()
        );
        return;
    }
    let mut queue = false;
    let mut l = cookie.lock();
    let n = cookie.n_active().fetch_add(1, Ordering::SeqCst) + 1;
    trace::active(
        cookie.debug_id(),
        cookie.refs(),
        n,
        cookie.n_accesses().load(Ordering::Relaxed),
        if will_modify { ACT_USE_MODIFY } else { ACT_USE },
    );
    loop {
        match cookie.state() {
            Some(State::Quiescent) => queue = begin_lookup(cookie, &l, will_modify),
            Some(State::LookingUp | State::Creating) => {
                if will_modify {
                    cookie.flags().set(cs::LOCAL_WRITE);
                }
            }
            Some(State::Active | State::Invalidating) => {
                if will_modify && !cookie.flags().test_and_set(cs::LOCAL_WRITE) {
                    cookie.flags().set(cs::DO_PREP_TO_WRITE);
                    queue = true;
                }
                // The LRU may have asked for a discard the machine has not
                // acted on yet: a user cancels it.
                if cookie.flags().test_and_clear(cs::DO_LRU_DISCARD) {
                    cookie.trace(C_SEE_LRU_DISCARD_CLEAR);
                }
            }
            Some(State::Failed | State::Withdrawing) => {}
            Some(State::LruDiscarding) => {
                drop(l);
                cookie.wait_state(cookie_sys::FOREVER, |s| s != Some(State::LruDiscarding));
                l = cookie.lock();
                continue;
            }
            s => pr_err!(
                "c={:08x}: can't use cookie in state {:?}\n",
                cookie.debug_id(),
                s
            ),
        }
        break;
    }
    drop(l);
    if queue {
        cookie.queue(C_GET_USE_WORK);
    }
}

/// `__fscache_update_cookie()` (a header inline in C; unuse needs it).
fn update(cookie: &Cookie, aux: Option<&[u8]>, size: Option<i64>) {
    object::count_update();
    cookie.update_aux(aux, size);
    fence(Ordering::Release);
    cookie.flags().set(cs::NEEDS_UPDATE);
}

/// `__fscache_unuse_cookie()`: a user is done; the last one puts the
/// cookie on the LRU.
pub(crate) fn unuse_cookie(cookie: &Cookie, aux: Option<&[u8]>, size: Option<i64>) {
    if aux.is_some() || size.is_some() {
        update(cookie, aux, size);
    }
    let (id, r, a) = (
        cookie.debug_id(),
        cookie.refs(),
        cookie.n_accesses().load(Ordering::Relaxed),
    );
    // Drop a user unless it is the last: that one needs the lock.
    let n_active = cookie.n_active();
    let mut c = n_active.load(Ordering::Relaxed);
    while c != 1 {
        match n_active.compare_exchange(c, c - 1, Ordering::SeqCst, Ordering::Relaxed) {
            Ok(_) => {
                trace::active(id, r, c - 1, a, ACT_UNUSE);
                return;
            }
            Err(now) => c = now,
        }
    }
    let l = cookie.lock();
    let c = n_active.fetch_sub(1, Ordering::SeqCst) - 1;
    trace::active(
        id,
        cookie.refs(),
        c,
        cookie.n_accesses().load(Ordering::Relaxed),
        ACT_UNUSE,
    );
    if c == 0 {
        cookie.flags().clear(cs::DISABLED);
        if cookie.flags().test(cs::IS_CACHING) {
            cookie.set_unused_now(&l);
            if cookie_sys::lru_touch(cookie, LRU_TIMEOUT) {
                cookie.trace(C_GET_LRU);
                stats::N_COOKIES_LRU.inc();
            }
        }
    }
}

/// Opens the access gate (`__fscache_withdraw_cookie()`): from now on the
/// last access queues the machine; queues it now if none is left.
fn open_gate(cookie: &Cookie) {
    let unpinned = cookie.flags().test_and_clear(cs::NO_ACCESS_WAKE);
    // Read after unpinning: an access ending in between sees the gate open.
    let n = cookie.n_accesses().load(Ordering::SeqCst);
    if unpinned {
        cookie.trace_access(n, ACC_CACHE_UNPIN);
    }
    if n == 0 {
        cookie.queue(C_GET_END_ACCESS);
    }
}

/// Takes the cookie off the LRU (dropping the LRU's count) and opens the
/// gate.
fn drop_and_withdraw(cookie: &Cookie) {
    if let Some(r) = cookie_sys::lru_remove(cookie) {
        stats::N_COOKIES_LRU.dec();
        stats::N_COOKIES_LRU_DROPPED.inc();
        put_traced(r, C_PUT_LRU);
    }
    open_gate(cookie);
}

/// `fscache_withdraw_cookie()`: the backend withdraws the cookie's object,
/// even while it is in use.
pub(crate) fn withdraw(cookie: &Cookie) {
    cookie.flags().set(cs::DO_WITHDRAW);
    drop_and_withdraw(cookie);
}

/// The LRU timer's work: discards the cookies unused for long enough.
fn lru_work() {
    while let Some(cookie) = cookie_sys::lru_pop_expired(LRU_TIMEOUT) {
        stats::N_COOKIES_LRU.dec();
        cookie.trace(C_SEE_LRU_DO_ONE);
        let discard = {
            let l = cookie.lock();
            let unused_at = cookie.unused_at(&l);
            let d = cookie.state() == Some(State::Active)
                && !cookie_sys::time_before(
                    cookie_sys::jiffies(),
                    unused_at.wrapping_add(LRU_TIMEOUT),
                )
                && cookie.n_active().load(Ordering::Relaxed) <= 0;
            if d {
                cookie.flags().set(cs::DO_LRU_DISCARD);
            }
            d
        };
        if discard {
            stats::N_COOKIES_LRU_EXPIRED.inc();
            open_gate(&cookie);
        } else {
            stats::N_COOKIES_LRU_REMOVED.inc();
        }
        put_traced(cookie, C_PUT_LRU);
    }
}

/// `__fscache_relinquish_cookie()`: the filesystem gives the cookie (and
/// its count) back; `retire` asks the backend to delete the object.
pub(crate) fn relinquish(cookie: ARef<Cookie>, retire: bool) {
    stats::N_RELINQUISHES.inc();
    if retire {
        stats::N_RELINQUISHES_RETIRE.inc();
    }
    if cookie.flags().test_and_set(cs::RELINQUISHED) {
        // The C fscache WARNs; the caller's count is not ours to drop.
        pr_err!("c={:08x}: cookie relinquished twice\n", cookie.debug_id());
        core::mem::forget(cookie);
        return;
    }
    if retire {
        cookie.flags().set(cs::RETIRED);
    }
    cookie.trace_relinquish(retire);
    let n_active = cookie.n_active().load(Ordering::Relaxed);
    if n_active != 0 {
        // C asserts (BUG); the cookie is still dropped safely: users hold
        // no count of their own, only this one, which goes below.
        pr_err!(
            "c={:08x}: relinquished with {} users\n",
            cookie.debug_id(),
            n_active
        );
    }
    cookie.volume().n_cookies().fetch_sub(1, Ordering::Relaxed);
    if cookie.flags().test(cs::HAS_BEEN_CACHED) {
        cookie.flags().set(cs::DO_RELINQUISH);
        drop_and_withdraw(&cookie);
    } else {
        cookie.set_state(State::Dropped);
        hash::unhash(&cookie);
    }
    put_traced(cookie, C_PUT_RELINQUISH);
}

/// `__fscache_invalidate()`: the file's data changed elsewhere; with
/// `FSCACHE_INVAL_DIO_WRITE`, caching stops until the cookie is unused.
pub(crate) fn invalidate(cookie: &Cookie, aux: Option<&[u8]>, new_size: i64, flags: u32) {
    stats::N_INVALIDATES.inc();
    if cookie.flags().test(cs::RELINQUISHED) {
        pr_err!(
            "c={:08x}: invalidation of a relinquished cookie refused\n",
            cookie.debug_id()
        );
        return;
    }
    if flags & bindings::FSCACHE_INVAL_DIO_WRITE != 0 && cookie.flags().test_and_set(cs::DISABLED) {
        return;
    }
    let l = cookie.lock();
    cookie.flags().set(cs::NO_DATA_TO_READ);
    cookie.update_aux(aux, Some(new_size));
    cookie.bump_inval_counter(&l);
    cookie.trace_invalidate(new_size);
    match cookie.state() {
        Some(State::LookingUp) => {
            // Carried out when the lookup ends; the request holds an access.
            if !cookie.flags().test_and_set(cs::DO_INVALIDATE) {
                begin_access_raw(cookie, ACC_INVALIDATE);
            }
        }
        Some(State::Active) => {
            let caching = begin_access(cookie, ACC_INVALIDATE);
            if caching {
                cookie.set_state_locked(&l, State::Invalidating);
            }
            drop(l);
            cookie.wake_state();
            if caching {
                cookie.queue(C_GET_INVAL_WORK);
            }
        }
        // Creating: the object is new, there is nothing to invalidate.
        // Invalidating: the backend's validity check sees the new counter.
        _ => {}
    }
}

/// `fscache_get_cookie()`.
pub(crate) fn get(cookie: &Cookie, why: trace::CookieWhy) -> ARef<Cookie> {
    let r = ARef::from(cookie);
    cookie.trace(why);
    r
}

/// `fscache_put_cookie()`.
///
/// The trace shows the count after the put, as C's fscache_put_cookie()
/// does (`ref - 1` of the count it decremented).
pub(crate) fn put_traced(cookie: ARef<Cookie>, why: trace::CookieWhy) {
    let id = cookie.debug_id();
    Cookie::put_counted(cookie, |left| trace::cookie(id, left, why));
}

/// Calls `f` on every cookie, oldest first (for /proc; `f` must not
/// sleep).
pub(crate) fn for_each(f: impl FnMut(&Cookie)) {
    cookie_sys::proc_for_each(f);
}

/// Module init.
pub(crate) fn init() -> Result {
    cookie_sys::jar_init()
}

/// Module exit: stops the LRU and frees the slab. Cookies left are leaks
/// by a filesystem (they pin their volumes); returns how many.
pub(crate) fn shutdown() -> usize {
    cookie_sys::lru_shutdown();
    let mut left = 0;
    for_each(|_| left += 1);
    if left == 0 {
        // SAFETY: every cookie is gone.
        unsafe { cookie_sys::jar_exit() };
    }
    left
}
