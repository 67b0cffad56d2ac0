// SPDX-License-Identifier: GPL-2.0
//! On-demand mode (`bind ondemand`): the cache asks a userspace daemon for
//! the data it lacks, as erofs over fscache needs for lazily pulled images.
//!
//! Requests (OPEN, READ, CLOSE) wait in an xarray under ids allocated
//! cyclically, marked NEW until the daemon reads them. The daemon answers
//! an OPEN with `copen <id>,<size>`, fills a READ's range through the
//! anonymous fd the OPEN gave it and completes it with an ioctl, and is
//! only told of a CLOSE. The reader that sent a request sleeps killably
//! until it is answered, or until the object, the fd or the daemon goes.
//!
//! Where C's safety rests on conventions, ours rests on ownership:
//! - a request holds a reference on its object, the xarray and each party
//!   waiting or serving hold references on the request, and no reference
//!   is dropped under the xarray's spinlock (a last object put may sleep);
//! - a message is built afresh for each read from the request, which is
//!   immutable once queued, so a second read of the same request (after
//!   `restore`) cannot race with the first;
//! - the anonymous fd reaches the backing file only through the object's
//!   locked file slot (CVE-2024-56549 cannot arise), and holds the object
//!   and the cache's binding (C's unbind pincount) until it is closed;
//! - ids given back by the daemon (copen, the read-complete ioctl) are
//!   checked against the request's type and object (CVE-2024-41075).
//!
//! The object states (close, open, reopening, dropping) are C's: a READ on
//! a closed object re-opens it through a work item before the daemon sees
//! the READ, and `restore` re-marks every request for a restarted daemon.
//!
//! Lock order: the requests' xarray lock, then an object's state lock
//! (`Object::od_state`), then its re-open slot; a request's link on a
//! [`Taken`] list nests in the xarray lock. None is held across a sleep,
//! and no object or request reference is dropped under them: requests
//! taken out under the lock wait on a [`Taken`] list until it is released
//! ([`with_reqs`]). What C does in one hold of its lock, so do we.
//!
//! This file sends, delivers and answers the requests and moves the
//! object states; `anon.rs` is the anonymous fd. The requests and states
//! themselves, which the cache and the objects hold, are
//! `ondemand_state.rs`'s; the message bytes are `ondemand_msg.rs`.

mod anon;

use crate::bind::UnbindPin;
use crate::cache::{flag, Cache};
use crate::kext::error::code::*;
use crate::kext::fscache::{self, cookie::advice, cookie::flags as cookie_flag};
use crate::kext::sync::completion::Completion;
use crate::kext::xarray::Guard;
use crate::log::pr_err;
use crate::object::Object;
use crate::ondemand_msg::{self as msg, CopenSyntax, CopenVerdict, Opcode};
use crate::ondemand_state::{
    Cursors, Payload, Reopen, Reqs, Request, State, Taken, ID_CLOSED, REQ_NEW,
};
use crate::trace::{self, ObjRef};
use anon::get_fd;
use core::sync::atomic::{fence, AtomicI32, AtomicU32, Ordering};
use kernel::{
    bindings, new_spinlock, prelude::*, sync::Arc, uaccess::UserSliceWriter, workqueue::WorkItem,
};

/// The request's object and identity, which need the object's type (the
/// request itself is `ondemand_state.rs`'s, below the objects).
impl Request {
    fn object(&self) -> &Object {
        &self.object
    }

    fn is_for(&self, object: &Object) -> bool {
        core::ptr::eq(self.object(), object)
    }
}

impl WorkItem for Reopen {
    type Pointer = Arc<Reopen>;

    fn run(this: Arc<Reopen>) {
        let object = this.object.lock().take();
        if let Some(object) = object {
            let _ = init_object(&object);
        }
    }
}

/// Queues the re-open of `object` on `reopen`, its work (under the
/// xarray's lock: nothing here may sleep or drop a last reference).
fn queue_reopen(reopen: &Arc<Reopen>, object: &Object) {
    {
        let mut slot = reopen.object.lock();
        if slot.is_none() {
            *slot = Some(object.arc());
        }
    }
    // If already queued, the pending run serves this request too; the
    // Arc handed back is not the last (the object holds one).
    let _ = fscache::workqueue().enqueue(reopen.clone());
}

fn ondemand_mode(cache: &Cache) -> bool {
    cache.test(flag::ONDEMAND)
}

/// Whether new requests for `object` are refused: the cache is dead or
/// the object is being withdrawn. Called with the xarray locked.
fn refused(cache: &Cache, object: &Object) -> bool {
    cache.test(flag::DEAD) || object.od_state().lock().state == State::Dropping
}

/// Runs `f` with the cache's requests locked (`Requests::with`).
fn with_reqs<R>(cache: &Cache, f: impl FnOnce(&mut Reqs<'_>, &mut Taken) -> R) -> R {
    cache.ondemand.with(f)
}

/// Fails every request (EIO): the daemon went or the cache died. The
/// caller has set DEAD first, so no request is queued after this.
pub(crate) fn flush_reqs(cache: &Cache) {
    cache.ondemand.flush();
}

/// Sends a request about `object` and waits for the answer.
fn send_req(object: &Object, opcode: Opcode, payload: Payload) -> Result {
    let cache = object.cache();
    if !ondemand_mode(cache) {
        return Ok(());
    }
    match enqueue(object, opcode, payload) {
        Ok(req) => wait(cache, req),
        Err(e) => {
            if opcode == Opcode::Open {
                open_failed(object);
            }
            Err(e)
        }
    }
}

/// An OPEN could not be sent: the object is closed again, unless a
/// withdrawal got there first. (Once the OPEN is queued, its fd's release
/// and `copen` decide the state instead.) A READ that waited for a
/// re-open is news to the daemon again, whose next read re-opens anew:
/// the daemon is woken for it, or a daemon asleep in poll(2) would leave
/// the reader waiting.
fn open_failed(object: &Object) {
    {
        let mut st = object.od_state().lock();
        if st.state != State::Dropping {
            st.state = State::Close;
        }
    }
    object.cache().pollwq().wake_all();
}

/// Whether a request about `object` may be queued now: not if the cache
/// is dead or the object is being withdrawn, and a CLOSE only while the
/// object is open. Called with the xarray locked, before and again after
/// an allocation that may have dropped the lock.
fn admissible(cache: &Cache, object: &Object, opcode: Opcode) -> Result {
    if refused(cache, object) {
        return Err(EIO);
    }
    // Pairs with flush_reqs(): DEAD is set before the flush looks.
    fence(Ordering::SeqCst);
    if opcode == Opcode::Close && object.od_state().lock().state != State::Open {
        return Err(EIO);
    }
    Ok(())
}

/// Queues a new request; returns it with its id.
fn enqueue(object: &Object, opcode: Opcode, payload: Payload) -> Result<(Arc<Request>, u32)> {
    let cache = object.cache();
    if cache.test(flag::DEAD) {
        return Err(EIO);
    }
    let req = Arc::pin_init(
        pin_init!(Request {
            object: object.arc(),
            opcode,
            payload,
            done <- Completion::new(),
            error: AtomicI32::new(0),
            msg_id: AtomicU32::new(0),
            object_id: AtomicU32::new(0),
            next_taken <- new_spinlock!(None, "cachefiles_req_taken"),
        }),
        GFP_KERNEL,
    )?;
    match opcode {
        Opcode::Close => {
            if object.od_state().lock().state != State::Open {
                return Err(ENOENT);
            }
            trace::od_close(object.debug_id(), 0, 0);
        }
        Opcode::Read => {
            if let Some((off, len)) = msg::decode_read(req.payload.as_slice()) {
                trace::od_read(object.debug_id(), 0, 0, off, len);
            }
        }
        Opcode::Open => (),
    }
    let queued = with_reqs(cache, |g, taken| {
        admissible(cache, object, opcode)?;
        // A cyclic id, so that a daemon cannot answer a stale id that was
        // reused at once.
        let id = match g.alloc_cyclic(req.clone(), 0, u32::MAX, |c| &mut c.msg_id_next) {
            Ok(id) => id,
            Err((again, e)) => {
                taken.keep(again);
                return Err(e);
            }
        };
        // The lock may have been dropped to allocate: every check again
        // (the cache may have died, the object gone or closed meanwhile).
        if let Err(e) = admissible(cache, object, opcode) {
            if let Some(again) = g.remove(id as usize) {
                taken.keep(again);
            }
            return Err(e);
        }
        g.set_mark(id as usize, REQ_NEW);
        Ok(id)
    });
    let id = queued?;
    cache.pollwq().wake_all();
    Ok((req, id))
}

/// Waits for the daemon's answer; a fatal signal takes the request back
/// (EINTR) unless someone is answering it already.
fn wait(cache: &Cache, (req, id): (Arc<Request>, u32)) -> Result {
    if req.done.wait_for_completion_killable().is_err() {
        if take_one_at(cache, id as usize, &req, EINTR.to_errno()) {
            return Err(EINTR);
        }
        // Whoever took it out of the xarray has completed it, or is about
        // to (a delivery in progress).
        req.done.wait_for_completion();
    }
    match req.error.load(Ordering::Relaxed) {
        0 => Ok(()),
        e => Err(Error::from_errno(e)),
    }
}

/// Asks the daemon to open `object` (C's cachefiles_ondemand_init_object),
/// when the cache is in on-demand mode and the object is not open yet: a
/// lookup that falls back to a new tmpfile keeps the object's id.
pub(crate) fn init_object(object: &Object) -> Result {
    if !object.ondemand() || object.od_state().lock().state == State::Open {
        return Ok(());
    }
    match open_payload(object) {
        Ok(payload) => send_req(object, Opcode::Open, payload),
        // Every early exit goes the way of a failed send, as in C: an
        // object left REOPENING would hide its READs from the daemon.
        Err(e) => {
            open_failed(object);
            Err(e)
        }
    }
}

/// An OPEN's data: the volume's key and the cookie's.
fn open_payload(object: &Object) -> Result<Payload> {
    let cookie = object.cookie();
    // The netfs must want the cache to say how big the object is (erofs
    // does; on-demand mode needs it).
    if cookie.advice() & advice::WANT_CACHE_SIZE == 0 {
        pr_err!("WANT_CACHE_SIZE is needed for on-demand mode\n");
        return Err(EINVAL);
    }
    let vkey = cookie.volume().map(|v| v.key()).ok_or(EINVAL)?;
    let ckey = cookie.key();
    let mut payload = KVec::from_elem(0u8, msg::open_payload_len(vkey, ckey), GFP_KERNEL)?;
    msg::write_open_payload(&mut payload, vkey, ckey);
    Ok(Payload::Buffer(payload))
}

/// Asks the daemon for `len` bytes at `pos` of `object` and waits until
/// it has written them (C's cachefiles_ondemand_read).
pub(crate) fn read(object: &Object, pos: i64, len: usize) -> Result {
    let mut bytes = [0u8; msg::READ_LEN];
    msg::write_read_payload(&mut bytes, pos as u64, len as u64);
    let payload = Payload::Inline {
        bytes,
        len: msg::READ_LEN as u8,
    };
    send_req(object, Opcode::Read, payload)
}

/// The object is being withdrawn: tells the daemon (CLOSE), fails its
/// requests (EIO) and cancels a re-open.
// Not inlined: tests/kunit/hold_probe.c holds tasks at it (erofs_ondemand_races).
#[inline(never)]
pub(crate) fn clean_object(object: &Object) {
    if !object.ondemand() {
        return;
    }
    let _ = send_req(object, Opcode::Close, Payload::NONE);
    if object.od_state().lock().id == 0 {
        return;
    }
    // In one hold of the lock, as in C: once the object is DROPPING, no
    // read of the daemon's and no copen finds a request of it.
    with_reqs(object.cache(), |g, taken| {
        object.od_state().lock().state = State::Dropping;
        taken.drain(g, None, |r| r.is_for(object), EIO.to_errno());
    });
    if let Some(r) = object.reopen() {
        r.cancel();
    }
}

/// Picks the next request for the daemon in `from..=max`, with its
/// index, starting a re-open for a READ on a closed object and skipping
/// READs on objects being re-opened.
fn select(
    g: &Guard<'_, Arc<Request>, Cursors>,
    from: usize,
    max: usize,
) -> Option<(usize, Arc<Request>)> {
    g.find_map(from, max, Some(REQ_NEW), |index, req| {
        if req.opcode != Opcode::Read {
            return Some((index, req.into()));
        }
        let object = req.object();
        let mut st = object.od_state().lock();
        match st.state {
            State::Close => {
                st.state = State::Reopening;
                drop(st);
                if let Some(r) = object.reopen() {
                    queue_reopen(r, object);
                }
                None
            }
            State::Reopening => None,
            _ => Some((index, req.into())),
        }
    })
}

/// Whether a request is a READ waiting for its object to be re-opened
/// (not news for the daemon yet).
fn is_reopening_read(req: &Request) -> bool {
    req.opcode == Opcode::Read && req.object().od_state().lock().state == State::Reopening
}

/// The device's poll in on-demand mode: EPOLLIN while some request is new.
pub(crate) fn has_new(cache: &Cache) -> bool {
    let reqs = &cache.ondemand.reqs;
    if reqs.is_empty() {
        return false;
    }
    let g = reqs.lock();
    g.find_map(0, usize::MAX, Some(REQ_NEW), |_, req| {
        (!is_reopening_read(&req)).then_some(())
    })
    .is_some()
}

/// The device's read in on-demand mode: one message, or 0 if none is new.
// Not inlined: tests/kunit/hold_probe.c holds tasks at it (erofs_ondemand_races).
#[inline(never)]
pub(crate) fn daemon_read(
    cache: &Cache,
    pin: &Arc<UnbindPin>,
    out: &mut UserSliceWriter,
) -> Result<usize> {
    let (index, req) = {
        let mut g = cache.ondemand.reqs.lock();
        // Cyclically from where the last read stopped: no request starves.
        let start = g.data().req_id_next as usize;
        let mut found = select(&g, start, usize::MAX);
        if found.is_none() && start > 0 {
            found = select(&g, 0, start - 1);
        }
        let Some((index, req)) = found else {
            return Ok(0);
        };
        if msg::HEADER_LEN + req.payload.as_slice().len() > out.len() {
            drop(g);
            drop(req);
            return Err(EMSGSIZE());
        }
        g.clear_mark(index, REQ_NEW);
        g.data().req_id_next = (index as u32).wrapping_add(1);
        (index, req)
    };
    let object = req.object();
    object.trace_get(ObjRef::GetReadReq);
    let r = deliver(cache, pin, index as u32, &req, out);
    object.trace_put(ObjRef::PutReadReq);
    // A failed delivery fails the request; a CLOSE needs no answer.
    let r = match r {
        Ok(n) if req.opcode != Opcode::Close => return Ok(n),
        r => r,
    };
    let error = r.as_ref().err().map_or(0, |e| e.to_errno());
    take_one_at(cache, index, &req, error);
    r
}

/// Removes the request at `index` if it is still `req`, answering it
/// with `error`; whether it did.
fn take_one_at(cache: &Cache, index: usize, req: &Arc<Request>, error: i32) -> bool {
    with_reqs(cache, |g, taken| {
        let mine = g.get(index).is_some_and(|r| core::ptr::eq(&*r, &**req));
        if !mine {
            return false;
        }
        match g.remove(index) {
            Some(t) => {
                taken.push(t, error);
                true
            }
            None => false,
        }
    })
}

/// Builds the message of `req` (sent as `msg_id`) and copies it out; an
/// OPEN gets its anonymous fd, installed once the copy succeeded.
fn deliver(
    cache: &Cache,
    pin: &Arc<UnbindPin>,
    msg_id: u32,
    req: &Request,
    out: &mut UserSliceWriter,
) -> Result<usize> {
    let object = req.object();
    let opened = if req.opcode == Opcode::Open {
        Some(get_fd(cache, pin, req)?)
    } else {
        None
    };
    let object_id = object.od_state().lock().id as u32;
    req.msg_id.store(msg_id, Ordering::Relaxed);
    req.object_id.store(object_id, Ordering::Relaxed);
    let payload = req.payload.as_slice();
    let n = msg::HEADER_LEN + payload.len();
    let h = msg::Header {
        msg_id,
        opcode: req.opcode as u32,
        len: n as u32,
        object_id,
    };
    let fd = opened.as_ref().map(|(fd, _)| fd.reserved_fd());
    let copied = match req.payload {
        // A READ or CLOSE message is built on the stack.
        Payload::Inline { .. } => {
            let mut small = [0u8; msg::HEADER_LEN + msg::READ_LEN];
            msg::encode(&mut small[..n], h, payload, fd);
            out.write_slice(&small[..n])
        }
        Payload::Buffer(_) => {
            let mut buf = KVec::from_elem(0u8, n, GFP_KERNEL)?;
            msg::encode(&mut buf, h, payload, fd);
            out.write_slice(&buf)
        }
    };
    if let Some((fd, file)) = opened {
        if copied.is_err() {
            // The file's release closes the object again.
            drop(file);
            drop(fd);
            return Err(EFAULT);
        }
        fd.fd_install(file);
    }
    copied.map_err(|_| EFAULT)?;
    Ok(n)
}

/// `copen <id>,<size>`: the daemon's answer to an OPEN.
// Not inlined: tests/kunit/hold_probe.c holds tasks at it (erofs_ondemand_races).
#[inline(never)]
pub(crate) fn copen(cache: &Cache, args: &[u8]) -> Result {
    if !ondemand_mode(cache) {
        return Err(EOPNOTSUPP());
    }
    let (id, size) = msg::split_copen(args).map_err(|e| match e {
        CopenSyntax::EmptyId => {
            pr_err!("Empty id specified\n");
            EINVAL
        }
        CopenSyntax::NoSize => {
            pr_err!("Cache size is not specified\n");
            EINVAL
        }
        CopenSyntax::BadId(e) => Error::from_errno(-e.0),
    })?;
    let index = usize::try_from(id).map_err(|_| EINVAL)?;
    let req = with_reqs(cache, |g, _| {
        let ok = g
            .get(index)
            .is_some_and(|r| r.opcode == Opcode::Open && r.object().od_state().lock().id != 0);
        if !ok {
            return Err(EINVAL);
        }
        g.remove(index).ok_or(EINVAL)
    })?;
    let object = req.object();
    let verdict = msg::copen_verdict(size);
    let (error, ret) = match verdict {
        CopenVerdict::Fail { req_error, ret } => (req_error, ret),
        CopenVerdict::Open(size) => {
            let mut st = object.od_state().lock();
            if st.id == ID_CLOSED {
                // The fd was closed before the answer: no one could ever
                // complete the object's READs.
                (-(bindings::EBADFD as i32), 0)
            } else if st.state == State::Dropping {
                // Withdrawn since the OPEN was taken out: it stays
                // closed to requests (C would open it again).
                (EIO.to_errno(), 0)
            } else {
                let cookie = object.cookie();
                cookie.set_object_size(size);
                if size != 0 {
                    cookie.clear_flag(cookie_flag::NO_DATA_TO_READ);
                } else {
                    cookie.set_flag(cookie_flag::NO_DATA_TO_READ);
                }
                trace::od_copen(object.debug_id(), id as u32, size as i64);
                st.state = State::Open;
                drop(st);
                cache.pollwq().wake_all();
                (0, 0)
            }
        }
    };
    {
        let mut st = object.od_state().lock();
        if st.id == ID_CLOSED {
            st.state = State::Close;
        }
    }
    req.finish(error);
    drop(req);
    match ret {
        0 => Ok(()),
        e => Err(Error::from_errno(e)),
    }
}

/// `restore`: every request is new again, for a daemon that restarted
/// with the device fd kept.
pub(crate) fn restore(cache: &Cache) -> Result {
    if !ondemand_mode(cache) {
        return Err(EOPNOTSUPP());
    }
    {
        let mut g = cache.ondemand.reqs.lock();
        let mut from = 0usize;
        while let Some(index) = g.find_map(from, usize::MAX, None, |i, _| Some(i)) {
            g.set_mark(index, REQ_NEW);
            match index.checked_add(1) {
                Some(next) => from = next,
                None => break,
            }
        }
    }
    cache.pollwq().wake_all();
    Ok(())
}
