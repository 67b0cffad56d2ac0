// SPDX-License-Identifier: GPL-2.0
//! The cookie's state machine, run by its work item: the steps that
//! `state.rs` (pure rules) chooses, each calling into the backend.

use super::state::{self as cs, Action};
use super::{
    caching_failed, end_access, hash, put_traced, withdraw, Cookie, State, ACC_CACHE_PIN,
    ACC_INVALIDATE_END, ACC_LOOKUP_END, ACC_LOOKUP_FAILED, C_PUT_WORK, C_SEE_ACTIVE,
    C_SEE_LRU_DISCARD, C_SEE_RELINQUISH, C_SEE_WITHDRAW, C_SEE_WORK,
};
use crate::volume;
use core::sync::atomic::Ordering;
use kernel::{prelude::*, types::ARef};

/// The lookup step: make sure the volume exists in the cache, then ask
/// the backend for the object.
fn perform_lookup(cookie: &Cookie) {
    let volume = cookie.volume();
    let mut why = ACC_LOOKUP_FAILED;
    let mut need_withdraw = false;
    // Lazy binding: a cache added after the volume was acquired gets the
    // volume created now.
    if !volume.has_cache_object() {
        volume::create(volume, true);
    }
    if !volume.has_cache_object() {
        cookie.set_state(State::Quiescent);
    } else {
        if !cookie.backend_lookup() {
            if cookie.state() != Some(State::Failed) {
                cookie.set_state(State::Quiescent);
            }
            need_withdraw = true;
        } else {
            cookie.trace(C_SEE_ACTIVE);
            {
                let l = cookie.lock();
                let s = if cookie.flags().test_and_clear(cs::DO_INVALIDATE) {
                    State::Invalidating
                } else {
                    State::Active
                };
                cookie.set_state_locked(&l, s);
            }
            cookie.wake_state();
            why = ACC_LOOKUP_END;
        }
    }
    end_access(cookie, why);
    if need_withdraw {
        withdraw(cookie);
    }
    volume::end_access(volume, cookie.debug_id(), why);
}

/// The invalidation step.
fn perform_invalidation(cookie: &Cookie) {
    if !cookie.backend_invalidate() {
        caching_failed(cookie);
    }
    end_access(cookie, ACC_INVALIDATE_END);
}

/// The cookie's work item, with the count the queuer gave it: runs the
/// state machine until it rests.
pub(super) fn work(cookie: ARef<Cookie>) {
    cookie.trace(C_SEE_WORK);
    run_machine(&cookie);
    put_traced(cookie, C_PUT_WORK);
}

fn run_machine(cookie: &Cookie) {
    loop {
        let l = cookie.lock();
        let state = cookie.state();
        let action = cs::next(
            state,
            cookie.flags().word(),
            cookie.n_accesses().load(Ordering::SeqCst),
        );
        match action {
            Action::Done => return,
            Action::Unexpected => {
                drop(l);
                pr_err!(
                    "c={:08x}: cookie in unexpected state {}\n",
                    cookie.debug_id(),
                    cookie.state_raw()
                );
                return;
            }
            Action::Lookup => {
                drop(l);
                // Close the gate: accesses ending no longer queue us.
                cookie.trace_access(cookie.n_accesses().load(Ordering::Relaxed), ACC_CACHE_PIN);
                cookie.flags().set(cs::NO_ACCESS_WAKE);
                perform_lookup(cookie);
            }
            Action::Invalidate => {
                drop(l);
                perform_invalidation(cookie);
            }
            Action::PrepareToWrite => {
                cookie.flags().clear(cs::DO_PREP_TO_WRITE);
                drop(l);
                cookie.backend_prepare_to_write();
            }
            Action::EndInvalidateAccess => {
                let had = cookie.flags().test_and_clear(cs::DO_INVALIDATE);
                drop(l);
                if had {
                    end_access(cookie, ACC_INVALIDATE_END);
                }
            }
            Action::Enter(s) => {
                cookie.set_state_locked(&l, s);
                drop(l);
                cookie.wake_state();
            }
            Action::Detach { then } => {
                drop(l);
                detach(cookie, state, then);
                if then == State::Dropped {
                    return;
                }
            }
        }
    }
}

/// A discarding state: the backend lets go of the object, then the cookie
/// rests in `then`.
fn detach(cookie: &Cookie, from: Option<State>, then: State) {
    cookie.backend_withdraw();
    if cookie.flags().test_and_clear(cs::DO_INVALIDATE) {
        end_access(cookie, ACC_INVALIDATE_END);
    }
    cookie.trace(match from {
        Some(State::Relinquishing) => C_SEE_RELINQUISH,
        Some(State::LruDiscarding) => C_SEE_LRU_DISCARD,
        _ => C_SEE_WITHDRAW,
    });
    if then == State::Dropped {
        hash::unhash(cookie);
        cookie.set_state(State::Dropped);
        return;
    }
    let f = cookie.flags();
    let l = cookie.lock();
    f.clear_mask(cs::DETACH_CLEARS);
    f.set(cs::NO_DATA_TO_READ);
    cookie.set_state_locked(&l, State::Quiescent);
    drop(l);
    cookie.wake_state();
}
