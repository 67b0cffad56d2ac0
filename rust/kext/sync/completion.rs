// SPDX-License-Identifier: GPL-2.0
//! Completions: one side waits until the other says it is done.
//!
//! Upstream: `kernel::sync::Completion` (6.15), with `complete_all()` and
//! `wait_for_completion()`; ours adds `complete()` (one waiter) and the
//! killable wait, which a request a daemon may never answer needs.

use kernel::{bindings, prelude::*, types::Opaque};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/wait.c
    fn fsrs_init_completion(x: *mut bindings::completion);
}

/// A `struct completion`.
///
/// # Invariants
///
/// `inner` is initialised (by [`Completion::new`]) and pinned.
#[pin_data]
pub struct Completion {
    #[pin]
    inner: Opaque<bindings::completion>,
}

// SAFETY: a completion is designed to be signalled and waited on from
// different threads; its state is behind its own lock.
unsafe impl Send for Completion {}
// SAFETY: as for `Send`.
unsafe impl Sync for Completion {}

impl Completion {
    /// A completion not yet done.
    pub fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `slot` is valid for writes and pinned; the wait
            // queue inside refers to itself, so it must not move (pinned).
            inner <- Opaque::ffi_init(|slot| unsafe { fsrs_init_completion(slot) }),
        })
    }

    fn raw(&self) -> *mut bindings::completion {
        self.inner.get()
    }

    /// Wakes one waiter (or lets the next wait return at once).
    pub fn complete(&self) {
        // SAFETY: initialised (type invariant); any context.
        unsafe { bindings::complete(self.raw()) };
    }

    /// Wakes every waiter, now and later.
    pub fn complete_all(&self) {
        // SAFETY: initialised (type invariant); any context.
        unsafe { bindings::complete_all(self.raw()) };
    }

    /// Sleeps until completed; only a fatal signal ends the wait early,
    /// with ERESTARTSYS.
    pub fn wait_for_completion_killable(&self) -> Result {
        super::super::sched::might_sleep();
        // SAFETY: initialised (type invariant); process context (may
        // sleep).
        let r = unsafe { bindings::wait_for_completion_killable(self.raw()) };
        kernel::error::to_result(r)
    }

    /// Sleeps until completed, uninterruptibly: only for a completion
    /// known to come soon.
    pub fn wait_for_completion(&self) {
        // SAFETY: initialised (type invariant); process context.
        unsafe { bindings::wait_for_completion(self.raw()) };
    }
}
