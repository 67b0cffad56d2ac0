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
//! can walk every state and flag combination; `mod.rs` checks at build
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug)]
    struct Cookie {
        state: State,
        flags: usize,
        /// Accesses, including the one a pending or running invalidation holds.
        n: i32,
    }

    fn bit(b: u32) -> usize {
        1 << b
    }

    /// Carries out `a` the way the kernel work item does, with a backend whose
    /// lookups and invalidations succeed.
    fn apply(c: &mut Cookie, a: Action) {
        match a {
            Action::Lookup => {
                if c.flags & bit(DO_INVALIDATE) != 0 {
                    c.flags &= !bit(DO_INVALIDATE);
                    c.state = State::Invalidating;
                } else {
                    c.state = State::Active;
                }
            }
            Action::Invalidate => {
                c.state = State::Active;
                c.n -= 1;
            }
            Action::PrepareToWrite => c.flags &= !bit(DO_PREP_TO_WRITE),
            Action::EndInvalidateAccess => {
                c.flags &= !bit(DO_INVALIDATE);
                c.n -= 1;
            }
            Action::Enter(s) => c.state = s,
            Action::Detach { then } => {
                if c.flags & bit(DO_INVALIDATE) != 0 {
                    c.flags &= !bit(DO_INVALIDATE);
                    c.n -= 1;
                }
                if then == State::Quiescent {
                    c.flags &= !DETACH_CLEARS;
                    c.flags |= bit(NO_DATA_TO_READ);
                }
                c.state = then;
            }
            Action::Done | Action::Unexpected => unreachable!(),
        }
    }

    /// Runs the machine until it rests; returns the actions taken.
    fn run(c: &mut Cookie) -> Vec<Action> {
        let mut taken = Vec::new();
        loop {
            let a = next(Some(c.state), c.flags, c.n);
            if matches!(a, Action::Done | Action::Unexpected) {
                return taken;
            }
            // Discards and drops only ever start with no access left.
            if let Action::Enter(s) = a {
                if matches!(
                    s,
                    State::LruDiscarding | State::Withdrawing | State::Relinquishing
                ) {
                    assert_eq!(c.n, 0, "{c:?} -> {s:?} with accesses");
                }
            }
            apply(c, a);
            assert!(c.n >= 0, "{c:?}: access count went negative");
            taken.push(a);
            assert!(taken.len() <= 12, "{c:?}: no rest after {taken:?}");
        }
    }

    /// Every state, every combination of the request bits, a few access
    /// counts: the machine always comes to rest, and never discards under an
    /// access.
    #[test]
    fn every_input_comes_to_rest() {
        let request_bits = [
            DO_RELINQUISH,
            DO_WITHDRAW,
            DO_LRU_DISCARD,
            DO_PREP_TO_WRITE,
            DO_INVALIDATE,
            NEEDS_UPDATE,
        ];
        for &s in STATES.iter() {
            for combo in 0..(1usize << request_bits.len()) {
                let mut flags = 0;
                for (i, &b) in request_bits.iter().enumerate() {
                    if combo & (1 << i) != 0 {
                        flags |= bit(b);
                    }
                }
                for n in 0..3 {
                    // An invalidation in progress or pending holds an access.
                    let inval = (flags & bit(DO_INVALIDATE) != 0) as i32
                        + (s == State::Invalidating) as i32;
                    if n < inval {
                        continue;
                    }
                    let mut c = Cookie { state: s, flags, n };
                    run(&mut c);
                    if s == State::Dropped {
                        assert_eq!(c.state, State::Dropped);
                    }
                }
            }
        }
    }

    #[test]
    fn relinquish_without_accesses_ends_dropped() {
        for s in [
            State::Quiescent,
            State::Active,
            State::Failed,
            State::LruDiscarding,
            State::Withdrawing,
            State::Relinquishing,
            State::LookingUp,
            State::Invalidating,
        ] {
            for extra in [0, bit(DO_LRU_DISCARD), bit(DO_WITHDRAW), bit(DO_INVALIDATE)] {
                let n =
                    (extra & bit(DO_INVALIDATE) != 0) as i32 + (s == State::Invalidating) as i32;
                let mut c = Cookie {
                    state: s,
                    flags: bit(DO_RELINQUISH) | extra,
                    n,
                };
                run(&mut c);
                assert_eq!(c.state, State::Dropped, "from {s:?} with {extra:#x}");
            }
        }
    }

    /// The v3 race: the LRU asked for a discard, then the filesystem
    /// relinquished. The discard must not swallow the relinquish.
    #[test]
    fn lru_discard_does_not_override_relinquish() {
        let mut c = Cookie {
            state: State::Active,
            flags: bit(DO_LRU_DISCARD) | bit(DO_RELINQUISH),
            n: 0,
        };
        let taken = run(&mut c);
        assert_eq!(c.state, State::Dropped);
        assert_eq!(
            taken,
            [
                Action::Enter(State::LruDiscarding),
                Action::Detach {
                    then: State::Quiescent
                },
                Action::Enter(State::Relinquishing),
                Action::Detach {
                    then: State::Dropped
                },
            ]
        );
    }

    #[test]
    fn lru_discard_waits_for_accesses() {
        let mut c = Cookie {
            state: State::Active,
            flags: bit(DO_LRU_DISCARD),
            n: 1,
        };
        assert!(run(&mut c).is_empty());
        assert_eq!(c.state, State::Active);
        c.n = 0;
        run(&mut c);
        assert_eq!(c.state, State::Quiescent);
        assert_eq!(c.flags & bit(DO_LRU_DISCARD), 0);
        assert_ne!(c.flags & bit(NO_DATA_TO_READ), 0);
    }

    #[test]
    fn withdraw_ends_quiescent_and_clears_requests() {
        let mut c = Cookie {
            state: State::Failed,
            flags: bit(DO_WITHDRAW) | bit(NEEDS_UPDATE) | bit(DO_PREP_TO_WRITE),
            n: 0,
        };
        run(&mut c);
        assert_eq!(c.state, State::Quiescent);
        assert_eq!(c.flags & DETACH_CLEARS, 0);
    }

    #[test]
    fn prepare_to_write_runs_first() {
        assert_eq!(
            next(
                Some(State::Active),
                bit(DO_PREP_TO_WRITE) | bit(DO_LRU_DISCARD),
                0
            ),
            Action::PrepareToWrite
        );
    }

    #[test]
    fn invalidation_pending_at_lookup_runs_after_it() {
        let mut c = Cookie {
            state: State::LookingUp,
            flags: bit(DO_INVALIDATE),
            n: 1,
        };
        let taken = run(&mut c);
        assert_eq!(taken, [Action::Lookup, Action::Invalidate]);
        assert_eq!((c.state, c.n), (State::Active, 0));
    }

    /// Without a relinquish, a pending invalidation survives a failed lookup
    /// (the next lookup must still invalidate stale data).
    #[test]
    fn quiescent_keeps_pending_invalidation() {
        assert_eq!(
            next(Some(State::Quiescent), bit(DO_INVALIDATE), 1),
            Action::Done
        );
    }

    #[test]
    fn bad_states_are_reported() {
        assert_eq!(next(None, 0, 0), Action::Unexpected);
        assert_eq!(next(Some(State::Creating), 0, 0), Action::Unexpected);
        assert_eq!(State::from_raw(10), None);
        let letters: String = STATES.iter().map(|s| s.letter()).collect();
        assert_eq!(letters, "-LCAIFUWRD");
    }
}
