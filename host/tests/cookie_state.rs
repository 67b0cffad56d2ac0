// SPDX-License-Identifier: GPL-2.0
//! The cookie state machine's rules (fscache/cookie_state.rs), walked over
//! every state and flag word with a model of what each action does.

use fscache_rs_host::cookie_state::*;

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
                let inval =
                    (flags & bit(DO_INVALIDATE) != 0) as i32 + (s == State::Invalidating) as i32;
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
            let n = (extra & bit(DO_INVALIDATE) != 0) as i32 + (s == State::Invalidating) as i32;
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
