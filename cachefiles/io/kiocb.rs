// SPDX-License-Identifier: GPL-2.0
//! Asynchronous direct I/O on a backing file: a `Kiocb` on the heap holds
//! the file, the object and the netfs's completion while the I/O is in
//! flight.
//!
//! It has two references: the submitter's and the completion's, so that
//! whichever of `submit` returning and the completion running (maybe in
//! interrupt context) comes last frees it.
//!
//! The rule for completion context: nothing whose last reference may be
//! dropped there may sleep or take a lock that is taken with interrupts
//! enabled elsewhere. A `Kiocb` holds a `SlabArc<Object>`, whose last put
//! drops the cookie pin (fscache's cookie hash and `/proc` locks), the
//! volume (dentries) and maybe the cache: so a `Kiocb` freed outside task
//! context is freed by a work item instead (`Kiocb::put`), as C defers its
//! final puts to work items.

use crate::error_inject::{inject_read, inject_write};
use crate::kext::error::code::*;
use crate::kext::fscache::{self, cookie::flags as cookie_flag};
use crate::kext::netfs::{Completion, IovIter};
use crate::kext::slab::SlabArc;
use crate::object::Object;
use crate::trace::{self, ObjRef};
use crate::vfs::{File, Inode};
use core::ptr::{addr_of_mut, NonNull};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use kernel::{
    bindings,
    ffi::c_long,
    impl_has_work, new_work,
    prelude::*,
    types::ARef,
    workqueue::{Work, WorkItem},
};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/uio.c
    fn fsrs_kiocb_init(
        iocb: *mut bindings::kiocb,
        file: *mut bindings::file,
        pos: i64,
        write: bool,
        complete: Option<unsafe extern "C" fn(*mut bindings::kiocb, c_long)>,
    );
    fn fsrs_iocb_read(
        file: *mut bindings::file,
        iocb: *mut bindings::kiocb,
        iter: *mut bindings::iov_iter,
    ) -> isize;
    fn fsrs_iocb_write(
        file: *mut bindings::file,
        iocb: *mut bindings::kiocb,
        iter: *mut bindings::iov_iter,
    ) -> isize;
    fn fsrs_kiocb_end_write(iocb: *mut bindings::kiocb);
}

/// One direct I/O in flight.
///
/// # Invariants
///
/// Lives in a pinned `KBox` from [`Kiocb::start`] until its last reference
/// (`refs`) is put; `done` is taken once, by the completion.
#[repr(C)]
#[pin_data]
struct Kiocb {
    /// First, so a `*mut kiocb` from the completion is a `*mut Kiocb`.
    iocb: bindings::kiocb,
    refs: AtomicU32,
    file: ARef<File>,
    object: SlabArc<Object>,
    done: Option<Completion>,
    was_async: AtomicBool,
    inval_counter: u32,
    /// Blocks this write promised (0 for reads).
    b_writing: u64,
    /// Frees the I/O in process context when its last reference goes in
    /// a completion (see the module's documentation).
    #[pin]
    free_work: Work<Kiocb>,
}

impl_has_work! {
    impl HasWork<Self> for Kiocb { self.free_work }
}

impl WorkItem for Kiocb {
    type Pointer = Pin<KBox<Kiocb>>;

    fn run(this: Pin<KBox<Kiocb>>) {
        drop(this);
    }
}

// SAFETY: a Kiocb moves to a work item only to be dropped. Its file,
// object and completion are Send; the kiocb is ours.
unsafe impl Send for Kiocb {}

/// What an I/O is: a read (with the invalidation counter it began under)
/// or a write (with the blocks it promised).
pub(crate) enum Dir {
    Read { inval_counter: u32 },
    Write { b_writing: u64 },
}

/// Starts a direct I/O of `iter` on `file` at `pos` for `object`; `done`
/// is called with the result (here if it did not go async). `traced` sees
/// the backing inode once the I/O is set up (C traces it there). Returns
/// what the submission returned (`-EIOCBQUEUED` if it went async).
pub(crate) fn start(
    file: ARef<File>,
    object: SlabArc<Object>,
    pos: i64,
    dir: Dir,
    done: Completion,
    iter: &IovIter,
    traced: impl FnOnce(&Inode),
) -> core::result::Result<isize, (Error, Completion)> {
    let write = matches!(dir, Dir::Write { .. });
    let (inval_counter, b_writing) = match dir {
        Dir::Read { inval_counter } => (inval_counter, 0),
        Dir::Write { b_writing } => (0, b_writing),
    };
    let has_done = done.is_set();
    let ki = KBox::pin_init(
        pin_init!(Kiocb {
            iocb: bindings::kiocb::default(),
            refs: AtomicU32::new(2),
            file,
            object,
            done: None,
            was_async: AtomicBool::new(true),
            inval_counter,
            b_writing,
            free_work <- new_work!("cachefiles_kiocb"),
        }),
        GFP_KERNEL,
    );
    let ki = match ki {
        Ok(ki) => ki,
        // The caller reports the error through the completion.
        Err(e) => return Err((e, done)),
    };
    ki.object.trace_get(ObjRef::GetIoreq);
    traced(ki.file.inode());
    // SAFETY: the Kiocb is never moved out of its box: the box is rebuilt
    // from this pointer only to be freed (`put`).
    let ki = KBox::into_raw(unsafe { Pin::into_inner_unchecked(ki) });
    let complete: Option<unsafe extern "C" fn(*mut bindings::kiocb, c_long)> =
        match (has_done, write) {
            (false, _) => None,
            (true, false) => Some(read_complete),
            (true, true) => Some(write_complete),
        };
    // SAFETY: `ki` was just allocated and is ours alone; the file is
    // pinned by it. `done` is not structurally pinned.
    unsafe {
        (*ki).done = Some(done);
        fsrs_kiocb_init(
            addr_of_mut!((*ki).iocb),
            (*ki).file.as_ptr(),
            pos,
            write,
            complete,
        )
    };
    if write {
        // SAFETY: live: we own both references.
        unsafe { (*ki).object.cache() }
            .b_writing
            .fetch_add(b_writing, Ordering::Relaxed);
    }
    // SAFETY: from KBox::into_raw, so not null; fresh, both references
    // ours; `iter` is valid while borrowed.
    Ok(unsafe { submit(NonNull::new_unchecked(ki), iter.as_ptr(), write) })
}

impl Kiocb {
    /// Drops one reference; the last frees the I/O, here in task context,
    /// through a work item otherwise.
    ///
    /// # Safety
    ///
    /// `ki` must be live and the caller must own a reference.
    unsafe fn put(ki: *mut Kiocb) {
        // SAFETY: live per the contract.
        if unsafe { (*ki).refs.fetch_sub(1, Ordering::AcqRel) } == 1 {
            // SAFETY: the last reference; it came from KBox::into_raw of a
            // pinned box (start()), so it is pinned again.
            let ki = unsafe { Pin::new_unchecked(KBox::from_raw(ki)) };
            ki.object.trace_put(ObjRef::PutIoreq);
            if crate::kext::sched::in_task() {
                drop(ki);
            } else {
                // The work is ours alone (never queued before), so this
                // queues it. fscache's queue outlives us (we depend on
                // fscache), and module exit flushes it.
                fscache::workqueue().enqueue(ki);
            }
        }
    }

    /// Takes the netfs's completion (once: the I/O completes once).
    ///
    /// # Safety
    ///
    /// `ki` must be live, in its completion.
    unsafe fn take_done(ki: *mut Kiocb) -> Option<Completion> {
        // SAFETY: the completion runs once per I/O, and nothing else
        // touches `done` after start().
        unsafe { (*addr_of_mut!((*ki).done)).take() }
    }
}

/// # Safety
///
/// Called with the `iocb` of a read `Kiocb`, once, owning the completion's
/// reference.
unsafe extern "C" fn read_complete(iocb: *mut bindings::kiocb, ret: c_long) {
    let ki = iocb.cast::<Kiocb>();
    // SAFETY: `iocb` is the first field of a live Kiocb.
    let k = unsafe { &*ki };
    if ret < 0 {
        let id = Some(k.object.debug_id());
        trace::io_error(id, k.file.inode(), ret as i32, trace::Err::Read);
    }
    let mut ret = ret;
    if ret >= 0 && k.object.cookie().inval_counter() != k.inval_counter {
        // Invalidated meanwhile: what was read may be stale.
        ret = ESTALE().to_errno() as isize;
    }
    let was_async = k.was_async.load(Ordering::Relaxed);
    // SAFETY: in the completion, once.
    if let Some(done) = unsafe { Kiocb::take_done(ki) } {
        done.call(ret, was_async);
    }
    // SAFETY: the completion's reference.
    unsafe { Kiocb::put(ki) };
}

/// # Safety
///
/// As for read_complete, for a write.
unsafe extern "C" fn write_complete(iocb: *mut bindings::kiocb, ret: c_long) {
    let ki = iocb.cast::<Kiocb>();
    // SAFETY: `iocb` is the first field of a live Kiocb.
    let k = unsafe { &*ki };
    let was_async = k.was_async.load(Ordering::Relaxed);
    if was_async {
        // SAFETY: an async DIO write completes with its write count held.
        unsafe { fsrs_kiocb_end_write(iocb) };
    }
    if ret < 0 {
        let id = Some(k.object.debug_id());
        trace::io_error(id, k.file.inode(), ret as i32, trace::Err::Write);
    }
    k.object
        .cache()
        .b_writing
        .fetch_sub(k.b_writing, Ordering::Relaxed);
    k.object.cookie().set_flag(cookie_flag::HAVE_DATA);
    // SAFETY: in the completion, once.
    if let Some(done) = unsafe { Kiocb::take_done(ki) } {
        done.call(ret, was_async);
    }
    // SAFETY: the completion's reference.
    unsafe { Kiocb::put(ki) };
}

fn restart_to_eintr(ret: isize) -> isize {
    const RESTARTS: [u32; 4] = [
        bindings::ERESTARTSYS,
        bindings::ERESTARTNOINTR,
        bindings::ERESTARTNOHAND,
        bindings::ERESTART_RESTARTBLOCK,
    ];
    if RESTARTS.iter().any(|&e| ret == -(e as isize)) {
        // Other I/O may be running: no clean restart, fail with EINTR.
        -(bindings::EINTR as isize)
    } else {
        ret
    }
}

/// Submits `ki`; runs the completion here if the I/O did not go async.
///
/// # Safety
///
/// `ki` must be a fresh Kiocb (both references owned by the caller) and
/// `iter` valid.
unsafe fn submit(ki: NonNull<Kiocb>, iter: *mut bindings::iov_iter, write: bool) -> isize {
    let ki = ki.as_ptr();
    let injected = if write { inject_write() } else { inject_read() };
    let ret = match injected {
        Err(e) => e.to_errno() as isize,
        // SAFETY: `ki` is live; its iocb was initialised in start().
        Ok(()) => unsafe {
            let file = (*ki).file.as_ptr();
            let iocb = addr_of_mut!((*ki).iocb);
            if write {
                fsrs_iocb_write(file, iocb, iter)
            } else {
                fsrs_iocb_read(file, iocb, iter)
            }
        },
    };
    let mut ret = ret;
    if ret != -(bindings::EIOCBQUEUED as isize) {
        ret = restart_to_eintr(ret);
        // SAFETY: not queued, so the completion is ours to run, with its
        // reference.
        unsafe {
            (*ki).was_async.store(false, Ordering::Relaxed);
            if write {
                write_complete(addr_of_mut!((*ki).iocb), ret as c_long);
            } else {
                read_complete(addr_of_mut!((*ki).iocb), ret as c_long);
            }
        }
    }
    // SAFETY: the submitter's reference.
    unsafe { Kiocb::put(ki) };
    ret
}
