// SPDX-License-Identifier: GPL-2.0
//! The cookie state machine's transition rules.
//!
//! A cookie's work item asks [`next`] what to do, given the state, the flag
//! word and the count of cache accesses, does it, and asks again, until
//! the answer is [`Action::Done`]. Asking again after *every* step is what
//! keeps a request from being lost: a relinquish that arrives while the
//! LRU discards the cookie is seen as soon as the discard ends in
//! `Quiescent`, instead of being overwritten by it.
//!
//! Pure logic (only `core`), compiled by the host crate so `cargo test`
//! can walk every state and flag combination; `cookie.rs` checks at build
//! time that the numbers here are the C header's.
//!
//! Items are `pub` for the host crate.
#![allow(unreachable_pub)]

/// `enum fscache_cookie_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum State {
    Quiescent = 0,
    LookingUp = 1,
    Creating = 2,
    Active = 3,
    Invalidating = 4,
    Failed = 5,
    LruDiscarding = 6,
    Withdrawing = 7,
    Relinquishing = 8,
    Dropped = 9,
}

/// Every state, in numeric order.
pub const STATES: [State; 10] = [
    State::Quiescent,
    State::LookingUp,
    State::Creating,
    State::Active,
    State::Invalidating,
    State::Failed,
    State::LruDiscarding,
    State::Withdrawing,
    State::Relinquishing,
    State::Dropped,
];

impl State {
    /// The state of a raw `state` byte; `None` if out of range.
    pub fn from_raw(v: u8) -> Option<State> {
        STATES.get(v as usize).copied()
    }

    /// The letter /proc/fs/fscache/cookies shows.
    pub fn letter(self) -> char {
        b"-LCAIFUWRD"[self as usize] as char
    }
}

// Bits of `cookie->flags` (`FSCACHE_COOKIE_*`).
pub const RELINQUISHED: u32 = 0;
pub const RETIRED: u32 = 1;
pub const IS_CACHING: u32 = 2;
pub const NO_DATA_TO_READ: u32 = 3;
pub const NEEDS_UPDATE: u32 = 4;
pub const HAS_BEEN_CACHED: u32 = 5;
pub const DISABLED: u32 = 6;
pub const LOCAL_WRITE: u32 = 7;
pub const NO_ACCESS_WAKE: u32 = 8;
pub const DO_RELINQUISH: u32 = 9;
pub const DO_WITHDRAW: u32 = 10;
pub const DO_LRU_DISCARD: u32 = 11;
pub const DO_PREP_TO_WRITE: u32 = 12;
pub const HAVE_DATA: u32 = 13;
pub const IS_HASHED: u32 = 14;
pub const DO_INVALIDATE: u32 = 15;

/// What the work item does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing until a request or the end of an access queues the work
    /// again.
    Done,
    /// `LookingUp`: close the access gate behind the lookup and ask the
    /// backend to find or create the object.
    Lookup,
    /// `Invalidating`: ask the backend to invalidate the object.
    Invalidate,
    /// `Active` with `DO_PREP_TO_WRITE`: clear it and let the backend
    /// prepare the object for local writes.
    PrepareToWrite,
    /// `DO_INVALIDATE` is pending where there is nothing (more) to
    /// invalidate: clear it and end the access it holds.
    EndInvalidateAccess,
    /// Move to this state (and wake waiters).
    Enter(State),
    /// A discarding state: detach the backend's object (if it has one),
    /// end a pending invalidation's access, then move to `then` (clearing
    /// the requests it satisfied if that is `Quiescent`; unhashing the
    /// cookie if it is `Dropped`).
    Detach { then: State },
    /// A state the work item never sees in a sound cookie (`Creating`
    /// only exists inside a lookup; a byte out of range is corruption).
    Unexpected,
}

fn has(flags: usize, bit: u32) -> bool {
    flags & (1 << bit) != 0
}

/// The next step for a cookie in `state` with `flags` and `n_accesses`.
///
/// Total: defined for every input. Each action other than `Done` and
/// `Unexpected` changes one of the inputs, so applying them in turn ends.
pub fn next(state: Option<State>, flags: usize, n_accesses: i32) -> Action {
    let Some(state) = state else {
        return Action::Unexpected;
    };
    match state {
        State::Quiescent => {
            // Deliberately better than C: a relinquished cookie whose
            // lookup failed with an invalidation pending would keep that
            // access forever and never be dropped. Without a relinquish
            // the request stays, for the next lookup to carry out.
            if has(flags, DO_RELINQUISH) && has(flags, DO_INVALIDATE) {
                Action::EndInvalidateAccess
            } else if n_accesses == 0 && has(flags, DO_RELINQUISH) {
                Action::Enter(State::Relinquishing)
            } else {
                Action::Done
            }
        }
        State::LookingUp => Action::Lookup,
        State::Invalidating => Action::Invalidate,
        State::Active => {
            if has(flags, DO_PREP_TO_WRITE) {
                Action::PrepareToWrite
            } else if has(flags, DO_LRU_DISCARD) {
                // Still being accessed: the last access's end requeues us
                // (the discard cleared NO_ACCESS_WAKE).
                if n_accesses != 0 {
                    Action::Done
                } else {
                    Action::Enter(State::LruDiscarding)
                }
            } else {
                settle(flags, n_accesses)
            }
        }
        State::Failed => settle(flags, n_accesses),
        State::LruDiscarding | State::Withdrawing => Action::Detach {
            then: State::Quiescent,
        },
        State::Relinquishing => Action::Detach {
            then: State::Dropped,
        },
        State::Dropped => Action::Done,
        State::Creating => Action::Unexpected,
    }
}

/// `Active` (no discard due) and `Failed`: end a pending invalidation,
/// then, once no access is left, relinquish before withdrawing.
fn settle(flags: usize, n_accesses: i32) -> Action {
    if has(flags, DO_INVALIDATE) {
        Action::EndInvalidateAccess
    } else if n_accesses != 0 {
        Action::Done
    } else if has(flags, DO_RELINQUISH) {
        Action::Enter(State::Relinquishing)
    } else if has(flags, DO_WITHDRAW) {
        Action::Enter(State::Withdrawing)
    } else {
        Action::Done
    }
}

/// The requests a detach into `Quiescent` satisfies (cleared by it), as
/// a mask of flag bits.
pub const DETACH_CLEARS: usize =
    (1 << NEEDS_UPDATE) | (1 << DO_WITHDRAW) | (1 << DO_LRU_DISCARD) | (1 << DO_PREP_TO_WRITE);
