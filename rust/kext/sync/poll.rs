// SPDX-License-Identifier: GPL-2.0
//! poll(2) support: a wait queue pollers sleep on, and the poll table of a
//! poll call in progress. Upstream: `kernel::sync::poll` (6.13) has
//! `PollTable` and `PollCondVar`; ours registers a plain wait queue, which
//! is what a misc device's state-change notification needs, and, as
//! `PollCondVar`, wakes the pollers still registered when it is dropped.
//!
//! Two rules keep a registered queue alive for as long as pollers use it:
//!
//! - the queue must outlive every poller of the file that registered on
//!   it: select(2)/poll(2) take their entries off at the end of their call
//!   (the call holds the file), epoll takes its own off when the file is
//!   released (`eventpoll_release()`, before `f_op->release`). So
//!   [`PollTable::register_wait`] takes only a queue that lives as long as
//!   the file's private data, which is freed at release: the table's
//!   lifetime is invariant and is that of the private data's borrow in the
//!   misc device's `poll` (`MiscDevice::poll`);
//! - [`WaitQueue`]'s drop tells any epoll entry still on it that the queue
//!   goes (`POLLFREE`, which makes epoll unhook the entry) and waits an RCU
//!   grace period (epoll unhooks under `rcu_read_lock()`) before the memory
//!   can go.

use super::super::fs::file::File;
use super::super::sched::might_sleep;
use core::marker::PhantomData;
use kernel::{bindings, prelude::*, types::Opaque};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/wait.c
    fn fsrs_init_waitqueue(wq: *mut bindings::wait_queue_head);
    fn fsrs_wake_up_all(wq: *mut bindings::wait_queue_head);
    fn fsrs_wake_up_pollfree(wq: *mut bindings::wait_queue_head);
    fn fsrs_poll_wait(
        file: *mut bindings::file,
        wq: *mut bindings::wait_queue_head,
        pt: *mut bindings::poll_table_struct,
    );
}

/// A wait queue (`wait_queue_head`) pollers sleep on.
///
/// Dropping it sleeps (an RCU grace period): it must be dropped in process
/// context, with no spinlock held.
///
/// # Invariants
///
/// `wq` is initialised (by [`WaitQueue::new`]) and pinned; no waiter is
/// left on it when its memory goes (the drop wakes epoll's off, and
/// [`PollTable::register_wait`] registers select/poll only on queues that
/// outlive the call).
#[pin_data(PinnedDrop)]
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

#[pinned_drop]
impl PinnedDrop for WaitQueue {
    fn drop(self: Pin<&mut Self>) {
        // synchronize_rcu() sleeps: the debug kernel reports a drop in
        // atomic context here, whether or not a poller is left.
        might_sleep();
        // SAFETY: initialised and pinned (type invariant); epoll entries
        // still on the queue are woken with POLLFREE and unhook themselves.
        unsafe { fsrs_wake_up_pollfree(self.wq.get()) };
        // SAFETY: process context (checked above), no RCU read-side lock
        // held by us. Waits until epoll's unhooking, which reads the
        // queue under rcu_read_lock(), is over, before the memory goes.
        unsafe { bindings::synchronize_rcu() };
    }
}

/// The poll table of a poll(2) call in progress on a file.
///
/// `'a` is invariant: a `&PollTable<'a>` cannot be shortened to the
/// lifetime of a queue that dies earlier, so [`Self::register_wait`] only
/// takes queues that live for all of `'a`.
///
/// # Invariants
///
/// `file` and `table` are the arguments of an `f_op->poll` call that is in
/// progress while this is borrowed, and `'a` does not end before the
/// file's release (after which no poller of the file is left on any
/// queue).
pub struct PollTable<'a> {
    file: *mut bindings::file,
    table: *mut bindings::poll_table_struct,
    _invariant: PhantomData<*mut &'a ()>,
}

impl<'a> PollTable<'a> {
    /// # Safety
    ///
    /// `file` and `table` must be the arguments of the `f_op->poll` call in
    /// progress, and the result used only during that call; `'a` must last
    /// at least until the file's release (e.g. the borrow of the file's
    /// private data, which release frees).
    pub unsafe fn from_raw(file: &File, table: *mut bindings::poll_table_struct) -> Self {
        // INVARIANT: per the caller.
        PollTable {
            file: file.as_ptr(),
            table,
            _invariant: PhantomData,
        }
    }

    /// Makes the poller wait on `wq` for changes. `wq` lives for `'a`, so
    /// until the file's release, after every poller of the file.
    pub fn register_wait(&self, wq: &'a WaitQueue) {
        // SAFETY: the arguments of the poll call in progress (type
        // invariant); the queue is pinned and outlives the file's pollers
        // (borrowed for 'a, which lasts until release: type invariant).
        unsafe { fsrs_poll_wait(self.file, wq.wq.get(), self.table) };
    }
}
