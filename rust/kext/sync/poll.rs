// SPDX-License-Identifier: GPL-2.0
//! poll(2) support: a wait queue pollers sleep on, and the poll table of a
//! poll call in progress. Upstream: `kernel::sync::poll` (6.13) has
//! `PollTable` and `PollCondVar`; ours registers a plain wait queue, which
//! is what a misc device's state-change notification needs.

use super::super::fs::file::File;
use kernel::{bindings, prelude::*, types::Opaque};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/wait.c
    fn fsrs_init_waitqueue(wq: *mut bindings::wait_queue_head);
    fn fsrs_wake_up_all(wq: *mut bindings::wait_queue_head);
    fn fsrs_poll_wait(
        file: *mut bindings::file,
        wq: *mut bindings::wait_queue_head,
        pt: *mut bindings::poll_table_struct,
    );
}

/// A wait queue (`wait_queue_head`) pollers sleep on.
///
/// # Invariants
///
/// `wq` is initialised (by [`WaitQueue::new`]) and pinned.
#[pin_data]
pub struct WaitQueue {
    #[pin]
    wq: Opaque<bindings::wait_queue_head>,
}

// SAFETY: a wait queue is designed to be shared between threads.
unsafe impl Send for WaitQueue {}
// SAFETY: see `Send`.
unsafe impl Sync for WaitQueue {}

impl WaitQueue {
    pub fn new() -> impl PinInit<Self> {
        pin_init!(WaitQueue {
            // SAFETY: init_waitqueue_head() initialises the slot in place;
            // it is pinned from here on.
            wq <- unsafe {
                Opaque::ffi_init(|slot: *mut bindings::wait_queue_head| fsrs_init_waitqueue(slot))
            },
        })
    }

    /// Wakes every waiter.
    pub fn wake_all(&self) {
        // SAFETY: initialised and pinned (type invariant).
        unsafe { fsrs_wake_up_all(self.wq.get()) };
    }
}

/// The poll table of a poll(2) call in progress on a file.
///
/// # Invariants
///
/// `file` and `table` are the arguments of an `f_op->poll` call that is in
/// progress while this is borrowed.
pub struct PollTable<'a> {
    file: &'a File,
    table: *mut bindings::poll_table_struct,
}

impl<'a> PollTable<'a> {
    /// # Safety
    ///
    /// `file` and `table` must be the arguments of the `f_op->poll` call in
    /// progress, for `'a`.
    pub unsafe fn from_raw(file: &'a File, table: *mut bindings::poll_table_struct) -> Self {
        // INVARIANT: per the caller.
        PollTable { file, table }
    }

    /// Makes the poller wait on `wq` for changes. `wq` must outlive the
    /// file's pollers, which the borrow's lifetime (the file's private
    /// data, freed only at release, after every poller) gives.
    pub fn register_wait(&self, wq: &'a WaitQueue) {
        // SAFETY: the arguments of the poll call in progress (type
        // invariant); the queue lives at least as long as the file.
        unsafe { fsrs_poll_wait(self.file.as_ptr(), wq.wq.get(), self.table) };
    }
}
