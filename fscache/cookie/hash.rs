// SPDX-License-Identifier: GPL-2.0
//! The cookie hash: one live cookie per volume and key. A new cookie
//! claims its key here; one that is being relinquished is waited for.

use super::state as cs;
use super::sys::{self as cookie_sys, Bucket};
use super::{put_traced, Cookie, State, COLLISION_NOTICE};
use super::{C_COLLISION, C_GET_COLLISION, C_PUT_COLLISION};
use crate::stats;
use core::sync::atomic::Ordering;
use kernel::prelude::*;

/// Takes the cookie off its hash chain if it is on it.
pub(super) fn unhash(cookie: &Cookie) {
    // A cookie is hashed once, at acquire, and IS_HASHED only changes
    // under its chain's lock: seen clear, it stays clear, and the chain
    // need not be locked. (The last put of a relinquished cookie always
    // finds it so: this saves the free path a lock round trip.)
    if !cookie.flags().test(cs::IS_HASHED) {
        return;
    }
    let b = Bucket::lock(cookie.key_hash());
    if b.remove(cookie) {
        drop(b);
        stats::N_RELINQUISHES_DROPPED.inc();
    }
}

/// Claims the key: false (logged) if a live cookie has it; waits for one
/// that is being relinquished to be dropped.
pub(super) fn hash(candidate: &Cookie) -> bool {
    let wait_for = {
        let b = Bucket::lock(candidate.key_hash());
        let found = b.find(|c| candidate.same(c));
        let wait_for = match found {
            Some(c) if !c.flags().test(cs::RELINQUISHED) => {
                c.trace(C_COLLISION);
                pr_err!("Duplicate cookie detected\n");
                c.print('O');
                candidate.print('N');
                return false;
            }
            // A count of zero means it is being freed: it will unhash
            // itself, and it has no cache object left to collide with.
            Some(c) => c.try_get(),
            None => None,
        };
        if let Some(w) = &wait_for {
            w.trace(C_GET_COLLISION);
        }
        if !b.add(candidate) {
            // A new cookie is on no chain: this cannot happen. Unlock
            // before the put, which may free (and so unhash) the other.
            drop(b);
            pr_err!(
                "c={:08x}: new cookie already hashed\n",
                candidate.debug_id()
            );
            if let Some(w) = wait_for {
                put_traced(w, C_PUT_COLLISION);
            }
            return false;
        }
        candidate.take_volume_count();
        candidate
            .volume()
            .n_cookies()
            .fetch_add(1, Ordering::Relaxed);
        wait_for
    };
    if let Some(old) = wait_for {
        let dropped = |s| s == Some(State::Dropped);
        if !old.wait_state(COLLISION_NOTICE, dropped) {
            pr_notice!(
                "Potential collision c={:08x} old: c={:08x}",
                candidate.debug_id(),
                old.debug_id()
            );
            old.wait_state(cookie_sys::FOREVER, dropped);
        }
        put_traced(old, C_PUT_COLLISION);
    }
    true
}
