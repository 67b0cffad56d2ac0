// SPDX-License-Identifier: GPL-2.0
//! The `netfs_cache_ops` table: reads from and writes to backing files by
//! asynchronous direct I/O, and the checks netfs makes before each.
//!
//! An I/O in flight is a `Kiocb` on the heap, holding the backing file
//! and the object. It has two references: the submitter's and the
//! completion's, so that whichever of `submit` returning and the
//! completion running (maybe in interrupt context) comes last frees it.
//!
//! The rule for completion context: nothing whose last reference may be
//! dropped there may sleep or take a lock that is taken with interrupts
//! enabled elsewhere. A `Kiocb` holds a `SlabArc<Object>`, whose last put
//! drops the cookie pin (fscache's cookie hash and `/proc` locks), the
//! volume (dentries) and maybe the cache: so a `Kiocb` freed outside task
//! context is freed by a work item instead (`Kiocb::put`), as C defers its
//! final puts to work items.

use crate::cache::SpaceFor;
use crate::error_inject::{inject_read, inject_remove, inject_write};
use crate::fsc::{self, cookie_flag, Cookie};
use crate::interface::object_of;
use crate::kext::error::code::*;
use crate::kext::slab::SlabArc;
use crate::log::pr_err;
use crate::object::{Object, DIO_BLOCK_SIZE};
use crate::trace::{self, ObjRef, PrepRead};
use crate::vfs::{File, Inode, Secure};
use core::ffi::c_void;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use kernel::{
    bindings,
    ffi::{c_int, c_long},
    impl_has_work, new_work,
    prelude::*,
    types::ARef,
    workqueue::{self, Work, WorkItem},
};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
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
    fn fsrs_iov_iter_count(iter: *const bindings::iov_iter) -> usize;
    fn fsrs_iov_iter_truncate(iter: *mut bindings::iov_iter, count: usize);
    fn fsrs_iov_iter_add_count(iter: *mut bindings::iov_iter, n: usize);
}

const PAGE_SIZE: u64 = kernel::page::PAGE_SIZE as u64;
/// The largest single read or write (INT_MAX rounded down to a page).
const MAX_RW_COUNT: usize = (i32::MAX as usize) & !(kernel::page::PAGE_SIZE - 1);
const SEEK_DATA: u32 = bindings::SEEK_DATA;
const SEEK_HOLE: u32 = bindings::SEEK_HOLE;

type TermFunc = bindings::netfs_io_terminated_t;

/// The ops begin_operation() gives each operation.
static NETFS_OPS: crate::interface::Ops<bindings::netfs_cache_ops> =
    crate::interface::Ops(bindings::netfs_cache_ops {
        end_operation: Some(end_operation),
        read: Some(read),
        write: Some(write),
        issue_write: Some(issue_write),
        expand_readahead: None,
        prepare_read: Some(prepare_read),
        prepare_write_subreq: Some(prepare_write_subreq),
        prepare_write: Some(prepare_write),
        prepare_ondemand_read: Some(prepare_ondemand_read),
        query_occupancy: Some(query_occupancy),
    });

/// The backing file an operation holds (`cres->cache_priv2`), with a
/// reference of our own.
///
/// # Safety
///
/// `cres` must be valid.
pub(crate) unsafe fn cres_file(cres: *mut bindings::netfs_cache_resources) -> Option<ARef<File>> {
    // SAFETY: per the contract; cache_priv2 is null or a file the
    // operation holds a reference on until end_operation.
    let p = unsafe { (*cres).cache_priv2 } as *mut bindings::file;
    // SAFETY: as above; ARef::from takes a reference of our own.
    (!p.is_null()).then(|| ARef::from(unsafe { File::from_raw_file(p) }))
}

/// The object of an operation.
///
/// # Safety
///
/// `cres` must be valid, with a cookie whose object is attached.
unsafe fn cres_object<'a>(
    cres: *mut bindings::netfs_cache_resources,
) -> Option<(&'a Cookie, &'a Object)> {
    // SAFETY: per the contract.
    let cookie = unsafe { Cookie::of_cres(cres) }?;
    // SAFETY: an operation holds an access on the cookie, which keeps the
    // object attached.
    let object = unsafe { object_of(cookie) }?;
    Some((cookie, object))
}

fn wait_for_operation(
    cres: *mut bindings::netfs_cache_resources,
    want: bindings::fscache_want_state,
) -> bool {
    // SAFETY: `cres` is the valid resources of the operation in progress.
    unsafe { bindings::fscache_wait_for_operation(cres, want) }
}

/// fscache's begin_operation: attaches our ops and the backing file.
///
/// # Safety
///
/// Called by fscache with valid resources whose cookie has our object.
pub(crate) unsafe extern "C" fn begin_operation(
    cres: *mut bindings::netfs_cache_resources,
    want: bindings::fscache_want_state,
) -> bool {
    // SAFETY: per the contract.
    let Some((_, object)) = (unsafe { cres_object(cres) }) else {
        return false;
    };
    // SAFETY: `cres` is valid and ours to fill in.
    unsafe {
        if (*cres).cache_priv2.is_null() {
            (*cres).ops = &NETFS_OPS.0;
            if let Some(file) = object.file() {
                (*cres).cache_priv2 = ARef::into_raw(file).as_ptr().cast();
            }
        }
        if (*cres).cache_priv2.is_null() && want != bindings::fscache_want_state_FSCACHE_WANT_PARAMS
        {
            pr_err!("failed to get cres->file\n");
            return false;
        }
    }
    true
}

/// # Safety
///
/// Called by netfs once per operation begun.
unsafe extern "C" fn end_operation(cres: *mut bindings::netfs_cache_resources) {
    // SAFETY: `cres` is valid; we take back the reference begin_operation
    // stored.
    unsafe {
        let p = (*cres).cache_priv2 as *mut bindings::file;
        if let Some(p) = NonNull::new(p) {
            (*cres).cache_priv2 = core::ptr::null_mut();
            drop(File::adopt(p));
        }
        if let Some(cookie) = Cookie::of_cres(cres) {
            cookie.end_io_access();
        }
    }
}

/// One direct I/O in flight.
#[repr(C)]
#[pin_data]
struct Kiocb {
    /// First, so a `*mut kiocb` from the completion is a `*mut Kiocb`.
    iocb: bindings::kiocb,
    refs: AtomicU32,
    file: ARef<File>,
    object: SlabArc<Object>,
    term: TermFunc,
    term_priv: *mut c_void,
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

// SAFETY: a Kiocb moves to a work item only to be dropped. Its file and
// object are Send; `term_priv` is netfs's opaque pointer, which netfs
// lets its terminator be called with from any context; the kiocb is ours.
unsafe impl Send for Kiocb {}

/// The queue deferred frees run on: fscache's, which outlives us (we
/// depend on fscache) and which module exit flushes (`flush_deferred`).
fn free_queue() -> &'static workqueue::Queue {
    // SAFETY: fscache_wq is allocated at fscache's init, before any module
    // that uses fscache can load, and destroyed at its exit, after.
    unsafe { workqueue::Queue::from_raw(bindings::fscache_wq) }
}

/// Waits for the I/O frees deferred to a work item (module exit: their
/// code is ours).
pub(crate) fn flush_deferred() {
    // SAFETY: fscache_wq is valid (see free_queue()); flushing it may
    // sleep, and module exit is process context. (flush_workqueue() is
    // a macro over this that only adds a check for the system queues.)
    unsafe { bindings::__flush_workqueue(bindings::fscache_wq) };
}

impl Kiocb {
    /// Allocates an I/O on `file` at `pos`; the caller owns both
    /// references. `traced` sees the backing inode once it is set up (C
    /// traces the I/O there, before submitting it).
    fn new(
        file: ARef<File>,
        object: SlabArc<Object>,
        pos: i64,
        write: bool,
        (term, term_priv): (TermFunc, *mut c_void),
        (inval_counter, b_writing): (u32, u64),
        traced: impl FnOnce(&Inode),
    ) -> Result<NonNull<Kiocb>> {
        let ki = KBox::pin_init(
            pin_init!(Kiocb {
                iocb: bindings::kiocb::default(),
                refs: AtomicU32::new(2),
                file,
                object,
                term,
                term_priv,
                was_async: AtomicBool::new(true),
                inval_counter,
                b_writing,
                free_work <- new_work!("cachefiles_kiocb"),
            }),
            GFP_KERNEL,
        )?;
        ki.object.trace_get(ObjRef::GetIoreq);
        traced(ki.file.inode());
        // SAFETY: the Kiocb is never moved out of its box: the box is
        // rebuilt from this pointer only to be freed (`put`).
        let ki = KBox::into_raw(unsafe { Pin::into_inner_unchecked(ki) });
        let complete: Option<unsafe extern "C" fn(*mut bindings::kiocb, c_long)> =
            match (term, write) {
                (None, _) => None,
                (Some(_), false) => Some(read_complete),
                (Some(_), true) => Some(write_complete),
            };
        // SAFETY: `ki` was just allocated; the file is pinned by it.
        unsafe {
            fsrs_kiocb_init(
                core::ptr::addr_of_mut!((*ki).iocb),
                (*ki).file.as_ptr(),
                pos,
                write,
                complete,
            )
        };
        // SAFETY: from KBox::into_raw, so not null.
        Ok(unsafe { NonNull::new_unchecked(ki) })
    }

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
            // pinned box (Kiocb::new), so it is pinned again.
            let ki = unsafe { Pin::new_unchecked(KBox::from_raw(ki)) };
            ki.object.trace_put(ObjRef::PutIoreq);
            if crate::kext::sched::in_task() {
                drop(ki);
            } else {
                // The work is ours alone (never queued before), so this
                // queues it.
                free_queue().enqueue(ki);
            }
        }
    }
}

/// # Safety
///
/// Called with the `iocb` of a read `Kiocb`, once, owning the completion's
/// reference.
unsafe extern "C" fn read_complete(iocb: *mut bindings::kiocb, ret: c_long) {
    let ki = iocb as *mut Kiocb;
    // SAFETY: `iocb` is the first field of a live Kiocb.
    let k = unsafe { &*ki };
    if ret < 0 {
        let id = Some(k.object.debug_id());
        trace::io_error(id, k.file.inode(), ret as i32, trace::Err::Read);
    }
    if let Some(term) = k.term {
        let mut ret = ret;
        if ret >= 0 && k.object.cookie().inval_counter() != k.inval_counter {
            // Invalidated meanwhile: what was read may be stale.
            ret = ESTALE().to_errno() as isize;
        }
        // SAFETY: the netfs's callback with the private data it gave.
        unsafe { term(k.term_priv, ret, k.was_async.load(Ordering::Relaxed)) };
    }
    // SAFETY: the completion's reference.
    unsafe { Kiocb::put(ki) };
}

/// # Safety
///
/// As for read_complete, for a write.
unsafe extern "C" fn write_complete(iocb: *mut bindings::kiocb, ret: c_long) {
    let ki = iocb as *mut Kiocb;
    // SAFETY: `iocb` is the first field of a live Kiocb.
    let k = unsafe { &*ki };
    if k.was_async.load(Ordering::Relaxed) {
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
    if let Some(term) = k.term {
        // SAFETY: the netfs's callback with the private data it gave.
        unsafe { term(k.term_priv, ret, k.was_async.load(Ordering::Relaxed)) };
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
        // SAFETY: `ki` is live; its iocb was initialised in Kiocb::new.
        Ok(()) => unsafe {
            let file = (*ki).file.as_ptr();
            let iocb = core::ptr::addr_of_mut!((*ki).iocb);
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
                write_complete(core::ptr::addr_of_mut!((*ki).iocb), ret as c_long);
            } else {
                read_complete(core::ptr::addr_of_mut!((*ki).iocb), ret as c_long);
            }
        }
    }
    // SAFETY: the submitter's reference.
    unsafe { Kiocb::put(ki) };
    ret
}

/// # Safety
///
/// Called by netfs with valid resources, iterator and callback.
unsafe extern "C" fn read(
    cres: *mut bindings::netfs_cache_resources,
    start: i64,
    iter: *mut bindings::iov_iter,
    read_hole: bindings::netfs_read_from_hole,
    term: TermFunc,
    term_priv: *mut c_void,
) -> c_int {
    let presub = |ret: isize, skipped: usize| -> c_int {
        if let Some(term) = term {
            let v = if ret < 0 { ret } else { skipped as isize };
            // SAFETY: the netfs's callback with its private data.
            unsafe { term(term_priv, v, false) };
        }
        ret as c_int
    };
    if !wait_for_operation(cres, bindings::fscache_want_state_FSCACHE_WANT_READ) {
        return presub(ENOBUFS().to_errno() as isize, 0);
    }
    fsc::stats::read();
    // SAFETY: an operation in progress has its object attached.
    let Some((_, object)) = (unsafe { cres_object(cres) }) else {
        return presub(ENOBUFS().to_errno() as isize, 0);
    };
    // SAFETY: `cres` is valid.
    let Some(file) = (unsafe { cres_file(cres) }) else {
        return presub(ENOBUFS().to_errno() as isize, 0);
    };
    // SAFETY: `iter` is valid.
    let len = unsafe { fsrs_iov_iter_count(iter) };
    let mut skipped = 0usize;
    let zero_fill = || -> c_int {
        if read_hole == bindings::netfs_read_from_hole_NETFS_READ_HOLE_FAIL {
            return presub(ENODATA().to_errno() as isize, 0);
        }
        // SAFETY: `iter` is valid.
        unsafe { bindings::iov_iter_zero(len, iter) };
        presub(0, len)
    };
    if read_hole != bindings::netfs_read_from_hole_NETFS_READ_HOLE_IGNORE {
        let end = start + len as i64;
        match inject_read().and_then(|()| file.llseek(start, SEEK_DATA)) {
            Err(e) if e != ENXIO => return presub(e.to_errno() as isize, 0),
            // Past EOF (ENXIO) or no data in the range.
            Err(_) => return zero_fill(),
            Ok(off) if off >= end => return zero_fill(),
            Ok(off) => {
                skipped = (off - start) as usize;
                // SAFETY: `iter` is valid; skipped < len.
                unsafe { bindings::iov_iter_zero(skipped, iter) };
            }
        }
    }
    // SAFETY: `cres` is valid.
    let inval_counter = unsafe { (*cres).inval_counter };
    let id = object.debug_id();
    let object = object.arc();
    let pos = start + skipped as i64;
    let ki = match Kiocb::new(
        file,
        object,
        pos,
        false,
        (term, term_priv),
        (inval_counter, 0),
        |inode| trace::read(id, inode, pos, len - skipped),
    ) {
        Ok(ki) => ki,
        Err(e) => return presub(e.to_errno() as isize, skipped),
    };
    // SAFETY: fresh Kiocb; `iter` valid.
    let ret = unsafe { submit(ki, iter, false) };
    if ret == -(bindings::EIOCBQUEUED as isize) || ret > 0 {
        0
    } else {
        ret as c_int
    }
}

/// Writes `iter` to the backing file at `start`.
///
/// # Safety
///
/// `iter` must be valid; `term`/`term_priv` the netfs's callback.
pub(crate) unsafe fn do_write(
    object: &Object,
    file: ARef<File>,
    start: i64,
    iter: *mut bindings::iov_iter,
    term: TermFunc,
    term_priv: *mut c_void,
) -> c_int {
    fsc::stats::write();
    let cache = object.cache();
    let Some(b) = cache.bound() else {
        if let Some(term) = term {
            // SAFETY: the netfs's callback.
            unsafe { term(term_priv, ENOBUFS().to_errno() as isize, false) };
        }
        return ENOBUFS().to_errno();
    };
    // SAFETY: `iter` is valid.
    let len = unsafe { fsrs_iov_iter_count(iter) } as u64;
    let blocks = (len + (1u64 << b.bshift) - 1) >> b.bshift;
    let arc = object.arc();
    let id = object.debug_id();
    let traced = |inode: &Inode| trace::write(id, inode, start, len as usize);
    let ki = match Kiocb::new(
        file,
        arc,
        start,
        true,
        (term, term_priv),
        (0, blocks),
        traced,
    ) {
        Ok(ki) => ki,
        Err(e) => {
            if let Some(term) = term {
                // SAFETY: the netfs's callback.
                unsafe { term(term_priv, e.to_errno() as isize, false) };
            }
            return e.to_errno();
        }
    };
    cache.b_writing.fetch_add(blocks, Ordering::Relaxed);
    // SAFETY: fresh Kiocb; `iter` valid.
    unsafe { submit(ki, iter, true) as c_int }
}

/// # Safety
///
/// Called by netfs with valid resources, iterator and callback.
unsafe extern "C" fn write(
    cres: *mut bindings::netfs_cache_resources,
    start: i64,
    iter: *mut bindings::iov_iter,
    term: TermFunc,
    term_priv: *mut c_void,
) -> c_int {
    let fail = |e: Error| -> c_int {
        if let Some(term) = term {
            // SAFETY: the netfs's callback.
            unsafe { term(term_priv, e.to_errno() as isize, false) };
        }
        e.to_errno()
    };
    if !wait_for_operation(cres, bindings::fscache_want_state_FSCACHE_WANT_WRITE) {
        return fail(ENOBUFS());
    }
    // SAFETY: an operation in progress has its object attached.
    let Some((_, object)) = (unsafe { cres_object(cres) }) else {
        return fail(ENOBUFS());
    };
    // SAFETY: `cres` is valid.
    let Some(file) = (unsafe { cres_file(cres) }) else {
        return fail(ENOBUFS());
    };
    // SAFETY: as documented above.
    unsafe { do_write(object, file, start, iter, term, term_priv) }
}

fn round_down(v: u64, to: u64) -> u64 {
    v / to * to
}

/// Whether a write of `*len` bytes at `*start` may go ahead: rounds it to
/// pages, and makes sure the space is there (punching out a partly
/// written range when it is short).
fn prepare_write_range(
    object: &Object,
    file: &File,
    start: &mut i64,
    len: &mut usize,
    upper_len: usize,
    no_space_allocated_yet: bool,
) -> Result {
    let cache = object.cache();
    let pos = round_down(*start as u64, PAGE_SIZE) as i64;
    if pos != *start || *len > upper_len {
        // Probably a streaming write cached while culling held the cookie.
        fsc::stats::dio_misfit();
        return Err(ENOBUFS());
    }
    *len = crate::object::round_up(*len as u64, PAGE_SIZE) as usize;
    // What the write will take, in the backing fs's blocks, the unit of
    // the limits and of b_writing. (C passes pages here, which lets a
    // fs with blocks smaller than a page run below bstop.)
    let bshift = cache.bound().ok_or(ENOBUFS())?.bshift;
    let blocks = (*len as u64) >> bshift;
    let end = pos as u64 + *len as u64;
    let check_space = || cache.has_space(0, blocks, SpaceFor::Write);
    if no_space_allocated_yet {
        return check_space();
    }
    match inject_read().and_then(|()| file.llseek(pos, SEEK_DATA)) {
        Err(e) if e == ENXIO => return check_space(),
        Err(e) => return Err(e),
        Ok(data) if data as u64 >= end => return check_space(),
        Ok(_) => (),
    }
    // Partly written already: fine if space is not short.
    if cache.has_space(0, blocks, SpaceFor::Check).is_ok() {
        return Ok(());
    }
    let hole = inject_read().and_then(|()| file.llseek(pos, SEEK_HOLE))?;
    if hole as u64 >= end {
        return Ok(());
    }
    fsc::stats::no_write_space();
    if let Err(e) = inject_remove().and_then(|()| file.punch_hole(pos, *len as i64)) {
        cache.io_error(format_args!(
            "CacheFiles: fallocate failed ({})\n [o={:08x}]",
            e.to_errno(),
            object.debug_id()
        ));
        return Err(EIO);
    }
    Ok(())
}

/// # Safety
///
/// Called by netfs with valid resources and out-parameters.
unsafe extern "C" fn prepare_write(
    cres: *mut bindings::netfs_cache_resources,
    start: *mut i64,
    len: *mut usize,
    upper_len: usize,
    _i_size: i64,
    no_space_allocated_yet: bool,
) -> c_int {
    // SAFETY: an operation in progress has its object attached.
    let Some((_, object)) = (unsafe { cres_object(cres) }) else {
        return ENOBUFS().to_errno();
    };
    // SAFETY: `cres` is valid.
    let file = match unsafe { cres_file(cres) } {
        Some(f) => f,
        None => {
            if !wait_for_operation(cres, bindings::fscache_want_state_FSCACHE_WANT_WRITE) {
                return ENOBUFS().to_errno();
            }
            // SAFETY: as above.
            match unsafe { cres_file(cres) } {
                Some(f) => f,
                None => return ENOBUFS().to_errno(),
            }
        }
    };
    let Some(b) = object.cache().bound() else {
        return ENOBUFS().to_errno();
    };
    let _secure = Secure::begin(&b.cred);
    // SAFETY: valid out-parameters per the contract.
    let (start, len) = unsafe { (&mut *start, &mut *len) };
    match prepare_write_range(object, &file, start, len, upper_len, no_space_allocated_yet) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by netfs with a valid write subrequest.
unsafe extern "C" fn prepare_write_subreq(subreq: *mut bindings::netfs_io_subrequest) {
    // SAFETY: the subrequest and its request are valid per the contract.
    unsafe {
        let wreq = (*subreq).rreq;
        let stream = core::ptr::addr_of_mut!((*wreq).io_streams[usize::from((*subreq).stream_nr)]);
        (*stream).sreq_max_len = MAX_RW_COUNT;
        (*stream).sreq_max_segs = bindings::BIO_MAX_VECS;
        let cres = core::ptr::addr_of_mut!((*wreq).cache_resources);
        if (*cres).cache_priv2.is_null()
            && (!wait_for_operation(cres, bindings::fscache_want_state_FSCACHE_WANT_WRITE)
                || (*cres).cache_priv2.is_null())
        {
            bindings::netfs_prepare_write_failed(subreq);
        }
    }
}

/// # Safety
///
/// Called by netfs with a valid write subrequest ready to go.
unsafe extern "C" fn issue_write(subreq: *mut bindings::netfs_io_subrequest) {
    let terminated = move |v: isize| {
        // SAFETY: netfs's own completion for its subrequest.
        unsafe { bindings::netfs_write_subrequest_terminated(subreq as *mut c_void, v, false) }
    };
    // SAFETY: valid per the contract.
    let (wreq, cres) = unsafe {
        let wreq = (*subreq).rreq;
        (wreq, core::ptr::addr_of_mut!((*wreq).cache_resources))
    };
    // SAFETY: an operation in progress has its object attached.
    let Some((_, object)) = (unsafe { cres_object(cres) }) else {
        return terminated(ENOBUFS().to_errno() as isize);
    };
    // SAFETY: `cres` is valid.
    let Some(file) = (unsafe { cres_file(cres) }) else {
        return terminated(ENOBUFS().to_errno() as isize);
    };
    let block = DIO_BLOCK_SIZE as usize;
    // SAFETY: the subrequest is ours until terminated.
    let (mut start, mut len, iter, i_size, extendable) = unsafe {
        let stream = core::ptr::addr_of!((*wreq).io_streams[usize::from((*subreq).stream_nr)]);
        (
            (*subreq).start as i64,
            (*subreq).len,
            core::ptr::addr_of_mut!((*subreq).io_iter),
            (*wreq).i_size as i64,
            (*stream).submit_extendable_to as usize,
        )
    };
    // Start on a DIO block boundary.
    let off = (start as usize) & (block - 1);
    if off != 0 {
        let pre = block - off;
        if pre >= len {
            fsc::stats::dio_misfit();
            return terminated(len as isize);
        }
        // SAFETY: as above.
        unsafe {
            (*subreq).transferred += pre;
            bindings::iov_iter_advance(iter, pre);
        }
        start += pre as i64;
        len -= pre;
    }
    // End on one too, rounding the file's last block up if allowed.
    if start + len as i64 == i_size {
        let part = len % block;
        let need = block - part;
        if part != 0 && extendable >= need {
            len += need;
            // SAFETY: as above.
            unsafe {
                (*subreq).len += need;
                fsrs_iov_iter_add_count(iter, need);
            }
        }
    }
    let post = len & (block - 1);
    if post != 0 {
        len -= post;
        if len == 0 {
            fsc::stats::dio_misfit();
            return terminated(post as isize);
        }
        // SAFETY: as above.
        unsafe { fsrs_iov_iter_truncate(iter, len) };
    }
    let prepared = match object.cache().bound() {
        Some(b) => {
            let _secure = Secure::begin(&b.cred);
            let upper = len;
            prepare_write_range(object, &file, &mut start, &mut len, upper, true)
        }
        None => Err(ENOBUFS()),
    };
    if let Err(e) = prepared {
        return terminated(e.to_errno() as isize);
    }
    drop(file);
    // SAFETY: the subrequest start and iterator are valid.
    let sstart = unsafe { (*subreq).start } as i64;
    // Through write(), not straight to do_write(): write() first checks
    // that the cache is still live (fscache_wait_for_operation()), as C's
    // cachefiles_write() does. A writeback that began before the cache
    // died or was withdrawn must stop writing into it (ENOBUFS).
    // SAFETY: `cres` and `iter` are the request's own, valid until the
    // subrequest is terminated; the terminator is netfs's, with the
    // subrequest as its data.
    unsafe {
        write(
            cres,
            sstart,
            iter,
            Some(bindings::netfs_write_subrequest_terminated),
            subreq as *mut c_void,
        )
    };
}

/// Where the data (rather than holes) of a read lies, and so where it comes
/// from: the cache, the server, or nowhere (zeroes past EOF).
///
/// # Safety
///
/// `cres` must be valid; `len` and `flags` writable.
unsafe fn do_prepare_read(
    cres: *mut bindings::netfs_cache_resources,
    start: i64,
    len: &mut usize,
    i_size: i64,
    flags: &mut usize,
    netfs_ino: u64,
) -> bindings::netfs_io_source {
    let mut seen = PrepSeen::default();
    // SAFETY: per this function's contract.
    let source = unsafe { prepare_read_source(cres, start, len, i_size, flags, &mut seen) };
    trace::prep_read(
        seen.object,
        start,
        *len,
        *flags as u16,
        source as i32,
        seen.why,
        seen.ino,
        netfs_ino,
    );
    source
}

/// What prepare_read_source() found, for its trace.
struct PrepSeen {
    why: PrepRead,
    object: Option<u32>,
    ino: u64,
}

impl Default for PrepSeen {
    fn default() -> Self {
        PrepSeen {
            why: PrepRead::HaveData,
            object: None,
            ino: 0,
        }
    }
}

/// do_prepare_read() less its trace; `seen` says why it chose what it did.
///
/// # Safety
///
/// As for do_prepare_read().
unsafe fn prepare_read_source(
    cres: *mut bindings::netfs_cache_resources,
    start: i64,
    len: &mut usize,
    i_size: i64,
    flags: &mut usize,
    seen: &mut PrepSeen,
) -> bindings::netfs_io_source {
    let copy_to_cache = 1 << bindings::NETFS_SREQ_COPY_TO_CACHE;
    let ondemand = 1 << bindings::NETFS_SREQ_ONDEMAND;
    let server = bindings::netfs_io_source_NETFS_DOWNLOAD_FROM_SERVER;
    // SAFETY: `cres` is valid per the contract.
    if let Some(f) = unsafe { cres_file(cres) } {
        seen.ino = f.inode().ino();
    }
    if start >= i_size {
        seen.why = PrepRead::AfterEof;
        return bindings::netfs_io_source_NETFS_FILL_WITH_ZEROES;
    }
    // SAFETY: per the contract.
    let Some(cookie) = (unsafe { Cookie::of_cres(cres) }) else {
        return server;
    };
    if cookie.test_flag(cookie_flag::NO_DATA_TO_READ) {
        *flags |= copy_to_cache;
        seen.why = PrepRead::NoData;
        if *flags & ondemand == 0 {
            return server;
        }
    }
    // SAFETY: `cres` is valid.
    let file = match unsafe { cres_file(cres) } {
        Some(f) => f,
        None => {
            seen.why = PrepRead::NoFile;
            // The object and file may still be being made.
            if !wait_for_operation(cres, bindings::fscache_want_state_FSCACHE_WANT_READ) {
                return server;
            }
            // SAFETY: `cres` is valid per the contract.
            match unsafe { cres_file(cres) } {
                Some(f) => {
                    seen.ino = f.inode().ino();
                    f
                }
                None => return server,
            }
        }
    };
    // SAFETY: an operation in progress has its object attached.
    let Some(object) = (unsafe { object_of(cookie) }) else {
        return server;
    };
    seen.object = Some(object.debug_id());
    let Some(b) = object.cache().bound() else {
        return server;
    };
    let bsize = i64::from(b.bsize);
    let _secure = Secure::begin(&b.cred);
    let end = start + *len as i64;
    let download_and_store = |flags: &mut usize| {
        *flags |= copy_to_cache;
        if *flags & ondemand != 0 {
            // No on-demand daemon behind this cache to fetch the data.
            return bindings::netfs_io_source_NETFS_INVALID_READ;
        }
        server
    };
    let seek_error = |e: Error, seen: &mut PrepSeen| {
        trace::io_error(seen.object, file.inode(), e.to_errno(), trace::Err::Seek);
        seen.why = PrepRead::SeekError;
        server
    };
    let off = match inject_read().and_then(|()| file.llseek(start, SEEK_DATA)) {
        Ok(off) => off,
        Err(e) if e == ENXIO => {
            seen.why = PrepRead::SeekNxio;
            return download_and_store(flags);
        }
        Err(e) => return seek_error(e, seen),
    };
    if off >= end {
        seen.why = PrepRead::FoundHole;
        return download_and_store(flags);
    }
    if off > start {
        let off = (off + bsize - 1) / bsize * bsize;
        *len = (off - start) as usize;
        seen.why = PrepRead::FoundPart;
        return download_and_store(flags);
    }
    let to = match inject_read().and_then(|()| file.llseek(start, SEEK_HOLE)) {
        Ok(to) => to,
        Err(e) => return seek_error(e, seen),
    };
    if to < end {
        let to = if end >= i_size {
            (to + bsize - 1) / bsize * bsize
        } else {
            to / bsize * bsize
        };
        *len = (to - start) as usize;
    }
    seen.why = PrepRead::HaveData;
    bindings::netfs_io_source_NETFS_READ_FROM_CACHE
}

/// # Safety
///
/// Called by netfs with a valid read subrequest.
unsafe extern "C" fn prepare_read(
    subreq: *mut bindings::netfs_io_subrequest,
    i_size: u64,
) -> bindings::netfs_io_source {
    // SAFETY: valid per the contract; the fields are ours to update.
    unsafe {
        let cres = core::ptr::addr_of_mut!((*(*subreq).rreq).cache_resources);
        do_prepare_read(
            cres,
            (*subreq).start as i64,
            &mut (*subreq).len,
            i_size as i64,
            &mut (*subreq).flags,
            (*(*(*subreq).rreq).inode).i_ino as u64,
        )
    }
}

/// # Safety
///
/// Called (by erofs) with valid resources and out-parameters.
unsafe extern "C" fn prepare_ondemand_read(
    cres: *mut bindings::netfs_cache_resources,
    start: i64,
    len: *mut usize,
    i_size: i64,
    flags: *mut usize,
    ino: bindings::ino_t,
) -> bindings::netfs_io_source {
    // SAFETY: per the contract.
    unsafe { do_prepare_read(cres, start, &mut *len, i_size, &mut *flags, ino as u64) }
}

/// # Safety
///
/// Called by netfs with valid resources and out-parameters.
unsafe extern "C" fn query_occupancy(
    cres: *mut bindings::netfs_cache_resources,
    start: i64,
    len: usize,
    granularity: usize,
    data_start: *mut i64,
    data_len: *mut usize,
) -> c_int {
    // SAFETY: valid out-parameters per the contract.
    let (data_start, data_len) = unsafe { (&mut *data_start, &mut *data_len) };
    *data_start = -1;
    *data_len = 0;
    if !wait_for_operation(cres, bindings::fscache_want_state_FSCACHE_WANT_READ) {
        return ENOBUFS().to_errno();
    }
    // SAFETY: an operation in progress has its object attached.
    let Some((_, object)) = (unsafe { cres_object(cres) }) else {
        return ENOBUFS().to_errno();
    };
    // SAFETY: `cres` is valid.
    let Some(file) = (unsafe { cres_file(cres) }) else {
        return ENOBUFS().to_errno();
    };
    let bsize = object.cache().bound().map_or(0, |b| b.bsize as usize);
    let g = granularity.max(bsize).max(1) as i64;
    let end = start + len as i64;
    let off = match inject_read().and_then(|()| file.llseek(start, SEEK_DATA)) {
        Ok(off) => off,
        Err(e) if e == ENXIO => return ENODATA().to_errno(),
        Err(_) => return ENOBUFS().to_errno(),
    };
    if (off + g - 1) / g * g >= end {
        return ENODATA().to_errno();
    }
    let off2 = match inject_read().and_then(|()| file.llseek(off, SEEK_HOLE)) {
        Ok(off2) => off2,
        Err(e) if e == ENXIO => return ENODATA().to_errno(),
        Err(_) => return ENOBUFS().to_errno(),
    };
    let off = (off + g - 1) / g * g;
    let off2 = off2 / g * g;
    if off2 <= off {
        return ENODATA().to_errno();
    }
    *data_start = off;
    *data_len = if off2 > end {
        len
    } else {
        (off2 - off) as usize
    };
    0
}
