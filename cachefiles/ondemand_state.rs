// SPDX-License-Identifier: GPL-2.0
//! On-demand mode's state: a cache's requests to the daemon (the xarray it
//! reads them from, and the object ids), and an object's state in the
//! daemon's eyes with its re-open work. Below the cache and the objects,
//! which hold it; what is done with it (sending, delivering, answering
//! requests, the anonymous fd) is `ondemand/`'s, and so is the lock
//! order.

use crate::backend::ObjectArc;
use crate::kext::sync::completion::Completion;
use crate::kext::xarray::{AllocFrom, Guard, IdAlloc, Mark, XArray};
use crate::ondemand_msg::{self as msg, Opcode};
use core::sync::atomic::{fence, AtomicI32, AtomicU32, Ordering};
use kernel::{
    impl_has_work, new_spinlock, new_work,
    prelude::*,
    sync::{Arc, SpinLock},
    workqueue::Work,
};

/// The mark of a request the daemon has not read yet.
pub(crate) const REQ_NEW: Mark = Mark::M1;

/// An object id meaning "the anonymous fd was closed".
pub(crate) const ID_CLOSED: i32 = -1;

/// Where the daemon's reads and the request ids go on from.
pub(crate) struct Cursors {
    /// Where the next read starts its search (C's req_id_next).
    pub(crate) req_id_next: u32,
    /// Where the next id search starts (C's msg_id_next).
    pub(crate) msg_id_next: u32,
}

/// A cache's on-demand state: the requests and the object ids.
#[pin_data]
pub(crate) struct Requests {
    #[pin]
    pub(crate) reqs: XArray<Arc<Request>, Cursors>,
    #[pin]
    pub(crate) ids: IdAlloc,
}

impl Requests {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Requests {
            reqs <- XArray::new(AllocFrom::Zero, Cursors { req_id_next: 0, msg_id_next: 0 }),
            ids <- IdAlloc::new(),
        })
    }
}

/// A message's data after its header. A READ's (and a CLOSE's, which has
/// none) sits in the request itself; an OPEN's, the keys, in a buffer of
/// its own. C allocates a request and its message in one piece; this
/// keeps a READ, the frequent request, at one allocation too.
pub(crate) enum Payload {
    Inline { bytes: [u8; msg::READ_LEN], len: u8 },
    Buffer(KVec<u8>),
}

impl Payload {
    pub(crate) const NONE: Payload = Payload::Inline {
        bytes: [0; msg::READ_LEN],
        len: 0,
    };

    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Payload::Inline { bytes, len } => &bytes[..usize::from(*len)],
            Payload::Buffer(b) => b,
        }
    }
}

/// One request to the daemon.
#[pin_data]
pub(crate) struct Request {
    pub(crate) object: ObjectArc,
    pub(crate) opcode: Opcode,
    /// The message's data, after the header (an OPEN's fd is filled in
    /// when the daemon reads it).
    pub(crate) payload: Payload,
    #[pin]
    pub(crate) done: Completion,
    /// The answer: 0 or a negative errno, set before `done` completes.
    pub(crate) error: AtomicI32,
    /// The ids the message last went out with, for the traces.
    pub(crate) msg_id: AtomicU32,
    pub(crate) object_id: AtomicU32,
    /// The next request in the [`Taken`] list this one is on, if taken.
    #[pin]
    pub(crate) next_taken: SpinLock<Option<Arc<Request>>>,
}

impl Request {
    /// Answers the request: `error` (0 or negative) for its sender.
    pub(crate) fn finish(&self, error: i32) {
        self.error.store(error, Ordering::Relaxed);
        // The completion's lock orders the store before the waiter's load.
        self.done.complete();
    }
}

/// An object's on-demand state.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum State {
    /// No anonymous fd (the initial state, or the daemon closed it).
    Close,
    /// The daemon has the object open through its anonymous fd.
    Open,
    /// Closed, and an OPEN is on its way to re-open it.
    Reopening,
    /// Being withdrawn: no new request may be queued.
    Dropping,
}

/// An object's state and its id in the daemon's eyes.
pub(crate) struct ObjectState {
    /// 0: never opened; [`ID_CLOSED`]: its fd was closed; else the id.
    pub(crate) id: i32,
    pub(crate) state: State,
}

impl ObjectState {
    pub(crate) const fn new() -> Self {
        ObjectState {
            id: 0,
            state: State::Close,
        }
    }
}

/// Re-opens a closed object from process context (C's ondemand_work).
///
/// The object is held only while the work is queued, so that an object
/// and its work item do not keep each other alive.
#[pin_data]
pub(crate) struct Reopen {
    #[pin]
    pub(crate) object: SpinLock<Option<ObjectArc>>,
    #[pin]
    work: Work<Reopen>,
}

impl_has_work! {
    impl HasWork<Self> for Reopen { self.work }
}

impl Reopen {
    pub(crate) fn new() -> Result<Arc<Reopen>> {
        Arc::pin_init(
            pin_init!(Reopen {
                object <- new_spinlock!(None, "cachefiles_reopen"),
                work <- new_work!("cachefiles_ondemand_work"),
            }),
            GFP_KERNEL,
        )
    }

    /// Cancels a queued re-open: the run finds no object.
    pub(crate) fn cancel(&self) {
        let object = self.object.lock().take();
        drop(object);
    }
}

/// The requests' xarray, locked.
pub(crate) type Reqs<'a> = Guard<'a, Arc<Request>, Cursors>;

/// Requests taken out of the xarray with its lock held and answered
/// there, kept on a list until the lock is released: dropping a request
/// may drop the last reference to its object, which may sleep.
pub(crate) struct Taken(Option<Arc<Request>>);

impl Taken {
    /// Answers `req` (`error`: 0 or a negative errno) and keeps it.
    pub(crate) fn push(&mut self, req: Arc<Request>, error: i32) {
        req.finish(error);
        self.keep(req);
    }

    /// Keeps `req` unanswered (a reference of a request not sent).
    pub(crate) fn keep(&mut self, req: Arc<Request>) {
        *req.next_taken.lock() = self.0.take();
        self.0 = Some(req);
    }

    /// Takes out, answers and keeps every request with `mark` (any for
    /// `None`) that `pred` picks.
    pub(crate) fn drain(
        &mut self,
        g: &mut Reqs<'_>,
        mark: Option<Mark>,
        pred: impl Fn(&Request) -> bool,
        error: i32,
    ) {
        let mut from = 0usize;
        while let Some(index) = g.find_map(from, usize::MAX, mark, |i, r| pred(&r).then_some(i)) {
            if let Some(req) = g.remove(index) {
                self.push(req, error);
            }
            match index.checked_add(1) {
                Some(next) => from = next,
                None => break,
            }
        }
    }
}

impl Drop for Taken {
    fn drop(&mut self) {
        // One at a time, not recursively through the links.
        while let Some(req) = self.0.take() {
            self.0 = req.next_taken.lock().take();
        }
    }
}

impl Requests {
    /// Runs `f` with the requests locked. What `f` puts on its [`Taken`]
    /// is dropped after the lock is released, whatever `f` returns.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Reqs<'_>, &mut Taken) -> R) -> R {
        let mut taken = Taken(None);
        // The guard is a temporary: released at the end of this statement.
        let r = f(&mut self.reqs.lock(), &mut taken);
        drop(taken);
        r
    }

    /// Fails every request (EIO): the daemon went or the cache died. The
    /// caller has set the cache DEAD first, so no request is queued after
    /// this.
    pub(crate) fn flush(&self) {
        // Pairs with the fence in the enqueue (ondemand/): either it sees
        // DEAD, or its request is in the xarray for us to find.
        fence(Ordering::SeqCst);
        self.with(|g, taken| taken.drain(g, None, |_| true, EIO.to_errno()));
    }
}
