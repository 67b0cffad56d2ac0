// SPDX-License-Identifier: GPL-2.0
//! Reads from and writes to backing files, and the checks netfs makes
//! before each: where a read's data comes from, whether a write may go
//! ahead and how it is aligned.
//!
//! Layout: `kiocb.rs` is the asynchronous direct I/O; this file is the
//! logic, in safe Rust over it and the shared layer's view of netfs's
//! resources and subrequests (`kext::fscache`). The `netfs_cache_ops`
//! table that calls it is `interface.rs`'s.

mod kiocb;

use crate::backend::Backend;
use crate::cache::SpaceFor;
use crate::error_inject::{inject_read, inject_remove};
use crate::kext::error::code::*;
use crate::kext::fscache::{
    self, cookie::flags as cookie_flag, subrequest, IoSource, ReadHole, WantState,
};
use crate::kext::netfs::{Completion, IovIter};
use crate::log::pr_err;
use crate::object::{Object, DIO_BLOCK_SIZE};
use crate::space;
use crate::trace::{self, PrepRead};
use crate::vfs::{self, File, Inode};
use kernel::{bindings, ffi::c_int, prelude::*, types::ARef};
use kiocb::Dir;

/// An operation's resources and a subrequest, on one of our cookies.
type Resources = fscache::CacheResources<Backend>;
type Subrequest = fscache::Subrequest<Backend>;

const PAGE_SIZE: u64 = kernel::page::PAGE_SIZE as u64;
/// The largest single read or write (INT_MAX rounded down to a page).
const MAX_RW_COUNT: usize = (i32::MAX as usize) & !(kernel::page::PAGE_SIZE - 1);
const SEEK_DATA: u32 = bindings::SEEK_DATA;
const SEEK_HOLE: u32 = bindings::SEEK_HOLE;

/// fscache's begin_operation: attaches our ops and the backing file.
pub(crate) fn begin_operation(res: &Resources, want: WantState) -> Result {
    let object = res.object().ok_or(ENOBUFS())?;
    // Only the first begin attaches (the file reference is taken then).
    if !res.has_file() {
        res.attach(object.file());
    }
    if !res.has_file() && want != WantState::PARAMS {
        pr_err!("failed to get cres->file\n");
        return Err(ENOBUFS());
    }
    Ok(())
}

/// netfs's read: `iter`'s length from the backing file at `start`, by
/// direct I/O; holes per `read_hole`.
pub(crate) fn read(
    res: &Resources,
    start: i64,
    iter: &IovIter,
    read_hole: ReadHole,
    done: Completion,
) -> Result {
    // Before submission, the completion gets the error or, on success,
    // the bytes done without I/O.
    let presub = |done: Completion, ret: isize, skipped: usize| -> Result {
        done.call(if ret < 0 { ret } else { skipped as isize }, false);
        match ret {
            0.. => Ok(()),
            e => Err(Error::from_errno(e as c_int)),
        }
    };
    if !res.wait_for(WantState::READ) {
        return presub(done, ENOBUFS().to_errno() as isize, 0);
    }
    fscache::stats::read();
    let Some(object) = res.object() else {
        return presub(done, ENOBUFS().to_errno() as isize, 0);
    };
    let Some(file) = res.file() else {
        return presub(done, ENOBUFS().to_errno() as isize, 0);
    };
    let len = iter.count();
    let mut skipped = 0usize;
    if read_hole != ReadHole::IGNORE {
        let zero_fill = |done: Completion| -> Result {
            if read_hole == ReadHole::FAIL {
                return presub(done, ENODATA().to_errno() as isize, 0);
            }
            iter.zero(len);
            presub(done, 0, len)
        };
        let end = start + len as i64;
        match inject_read().and_then(|()| file.llseek(start, SEEK_DATA)) {
            Err(e) if e != ENXIO => return presub(done, e.to_errno() as isize, 0),
            // Past EOF (ENXIO) or no data in the range.
            Err(_) => return zero_fill(done),
            Ok(off) if off >= end => return zero_fill(done),
            Ok(off) => {
                skipped = (off - start) as usize;
                iter.zero(skipped);
            }
        }
    }
    let id = object.debug_id();
    let pos = start + skipped as i64;
    let dir = Dir::Read {
        inval_counter: res.inval_counter(),
    };
    let traced = |inode: &Inode| trace::read(id, inode, pos, len - skipped);
    match kiocb::start(file, object.arc(), pos, dir, done, iter, traced) {
        Ok(ret) if ret == -(bindings::EIOCBQUEUED as isize) || ret >= 0 => Ok(()),
        Ok(ret) => Err(Error::from_errno(ret as c_int)),
        Err((e, done)) => presub(done, e.to_errno() as isize, skipped),
    }
}

/// Writes `iter` to `object`'s backing `file` at `start`.
fn do_write(
    object: &Object,
    file: ARef<File>,
    start: i64,
    iter: &IovIter,
    done: Completion,
) -> c_int {
    fscache::stats::write();
    let cache = object.cache();
    let Some(b) = cache.bound() else {
        done.call(ENOBUFS().to_errno() as isize, false);
        return ENOBUFS().to_errno();
    };
    let len = iter.count() as u64;
    let blocks = space::write_blocks(len, b.bshift);
    let id = object.debug_id();
    let traced = |inode: &Inode| trace::write(id, inode, start, len as usize);
    let dir = Dir::Write { b_writing: blocks };
    match kiocb::start(file, object.arc(), start, dir, done, iter, traced) {
        Ok(ret) => ret as c_int,
        Err((e, done)) => {
            done.call(e.to_errno() as isize, false);
            e.to_errno()
        }
    }
}

/// A write that waits for its end (an on-demand daemon's write through
/// its anonymous fd): the byte count written.
pub(crate) fn write_sync(
    object: &Object,
    file: ARef<File>,
    start: i64,
    iter: &IovIter,
) -> Result<usize> {
    fscache::stats::write();
    let b = object.cache().bound().ok_or(ENOBUFS())?;
    let len = iter.count() as u64;
    let blocks = space::write_blocks(len, b.bshift);
    let id = object.debug_id();
    let traced = |inode: &Inode| trace::write(id, inode, start, len as usize);
    let dir = Dir::Write { b_writing: blocks };
    let done = Completion::none();
    match kiocb::start(file, object.arc(), start, dir, done, iter, traced) {
        Ok(ret) if ret >= 0 => Ok(ret as usize),
        Ok(ret) => Err(Error::from_errno(ret as i32)),
        Err((e, _)) => Err(e),
    }
}

/// netfs's write: first checks that the cache is still live
/// (`fscache_wait_for_operation()`), as C's `cachefiles_write()` does.
pub(crate) fn write(res: &Resources, start: i64, iter: &IovIter, done: Completion) -> c_int {
    let fail = |done: Completion, e: Error| -> c_int {
        done.call(e.to_errno() as isize, false);
        e.to_errno()
    };
    if !res.wait_for(WantState::WRITE) {
        return fail(done, ENOBUFS());
    }
    let Some(object) = res.object() else {
        return fail(done, ENOBUFS());
    };
    let Some(file) = res.file() else {
        return fail(done, ENOBUFS());
    };
    do_write(object, file, start, iter, done)
}

fn round_down(v: u64, to: u64) -> u64 {
    v / to * to
}

/// Whether a write of `*len` bytes at `*start` may go ahead: rounds it to
/// pages, and makes sure the space is there (punching out a partly
/// written range when it is short).
pub(crate) fn prepare_write_range(
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
        fscache::stats::dio_misfit();
        return Err(ENOBUFS());
    }
    *len = crate::object::round_up(*len as u64, PAGE_SIZE) as usize;
    // The write's length goes to the space check in pages, as C passes
    // it, although the limits and b_writing are in the backing fs's
    // blocks. On a fs with 1 KiB blocks that lets a burst of writeback run
    // about 1% under bstop; counting blocks there (which we once did) held
    // bstop but refused four times as many writes while still allowing
    // creates, and a cache scanned by more data than it holds then culled
    // everything it had filled before it was read again (cachefiles_cull:
    // nothing served from the cache on the second pass, against 174 reads
    // on C).
    let pages = space::write_check_units(*len as u64, PAGE_SIZE);
    let end = pos as u64 + *len as u64;
    let check_space = || cache.has_space(0, pages, SpaceFor::Write);
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
    if cache.has_space(0, pages, SpaceFor::Check).is_ok() {
        return Ok(());
    }
    let hole = inject_read().and_then(|()| file.llseek(pos, SEEK_HOLE))?;
    if hole as u64 >= end {
        return Ok(());
    }
    fscache::stats::no_write_space();
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

/// netfs's prepare_write.
pub(crate) fn prepare_write(
    res: &Resources,
    start: &mut i64,
    len: &mut usize,
    upper_len: usize,
    no_space_allocated_yet: bool,
) -> Result {
    let object = res.object().ok_or(ENOBUFS())?;
    let file = match res.file() {
        Some(f) => f,
        None => {
            if !res.wait_for(WantState::WRITE) {
                return Err(ENOBUFS());
            }
            res.file().ok_or(ENOBUFS())?
        }
    };
    let b = object.cache().bound().ok_or(ENOBUFS())?;
    vfs::secure(&b.cred, || {
        prepare_write_range(object, &file, start, len, upper_len, no_space_allocated_yet)
    })
}

/// netfs's prepare_write_subreq: the stream's limits, and the operation
/// must have a file by now.
pub(crate) fn prepare_write_subreq(sub: &Subrequest) {
    sub.set_stream_limits(MAX_RW_COUNT, subrequest::MAX_SEGS);
    let res = sub.resources();
    if !res.has_file() && (!res.wait_for(WantState::WRITE) || !res.has_file()) {
        sub.prepare_write_failed();
    }
}

/// netfs's issue_write: aligns the subrequest to DIO blocks, checks the
/// space, and writes it; `done` is the subrequest's completion.
pub(crate) fn issue_write(sub: &Subrequest, done: Completion) {
    let res = sub.resources();
    let Some(object) = res.object() else {
        return done.call(ENOBUFS().to_errno() as isize, false);
    };
    let Some(file) = res.file() else {
        return done.call(ENOBUFS().to_errno() as isize, false);
    };
    let block = DIO_BLOCK_SIZE as usize;
    let (mut start, mut len) = (sub.start(), sub.len());
    let (i_size, extendable) = (sub.i_size(), sub.extendable_to());
    let iter = sub.iter();
    // Start on a DIO block boundary.
    let off = (start as usize) & (block - 1);
    if off != 0 {
        let pre = block - off;
        if pre >= len {
            fscache::stats::dio_misfit();
            return done.call(len as isize, false);
        }
        sub.skip(pre);
        start += pre as i64;
        len -= pre;
    }
    // End on one too, rounding the file's last block up if allowed.
    if start + len as i64 == i_size {
        let part = len % block;
        let need = block - part;
        if part != 0 && extendable >= need {
            len += need;
            sub.extend(need);
        }
    }
    let post = len & (block - 1);
    if post != 0 {
        len -= post;
        if len == 0 {
            fscache::stats::dio_misfit();
            return done.call(post as isize, false);
        }
        iter.truncate(len);
    }
    let prepared = match object.cache().bound() {
        Some(b) => {
            let upper = len;
            vfs::secure(&b.cred, || {
                prepare_write_range(object, &file, &mut start, &mut len, upper, true)
            })
        }
        None => Err(ENOBUFS()),
    };
    if let Err(e) = prepared {
        return done.call(e.to_errno() as isize, false);
    }
    drop(file);
    // Through write(), not straight to do_write(): write() first checks
    // that the cache is still live (fscache_wait_for_operation()), as C's
    // cachefiles_write() does. A writeback that began before the cache
    // died or was withdrawn must stop writing into it (ENOBUFS).
    write(res, sub.start(), iter, done);
}

/// How an on-demand read asks the daemon for `len` bytes at `pos` of an
/// object and waits until they are in the cache file (`ondemand::read`,
/// which the ops pass in: on-demand mode builds on this file's writes).
pub(crate) type Fetch = fn(&Object, i64, usize) -> Result;

/// Where the data (rather than holes) of a read lies, and so where it comes
/// from: the cache, the server, or nowhere (zeroes past EOF); an on-demand
/// read `fetch`es what is missing first.
pub(crate) fn prepare_read(
    res: &Resources,
    start: i64,
    len: &mut usize,
    i_size: i64,
    flags: &mut usize,
    netfs_ino: u64,
    fetch: Fetch,
) -> IoSource {
    let mut seen = PrepSeen::default();
    let source = prepare_read_source(res, start, len, i_size, flags, &mut seen, fetch);
    trace::prep_read(
        seen.object,
        start,
        *len,
        *flags as u16,
        source,
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

/// prepare_read() less its trace; `seen` says why it chose what it did.
fn prepare_read_source(
    res: &Resources,
    start: i64,
    len: &mut usize,
    i_size: i64,
    flags: &mut usize,
    seen: &mut PrepSeen,
    fetch: Fetch,
) -> IoSource {
    let copy_to_cache = subrequest::flags::COPY_TO_CACHE;
    let ondemand = subrequest::flags::ONDEMAND;
    let server = IoSource::DOWNLOAD_FROM_SERVER;
    // One reference on the attached file serves the trace and the seeks.
    let attached = res.file();
    if let Some(f) = &attached {
        seen.ino = f.inode().ino();
    }
    if start >= i_size {
        seen.why = PrepRead::AfterEof;
        return IoSource::FILL_WITH_ZEROES;
    }
    let Some(cookie) = res.cookie() else {
        return server;
    };
    if cookie.test_flag(cookie_flag::NO_DATA_TO_READ) {
        *flags |= copy_to_cache;
        seen.why = PrepRead::NoData;
        if *flags & ondemand == 0 {
            return server;
        }
    }
    let file = match attached {
        Some(f) => f,
        None => {
            seen.why = PrepRead::NoFile;
            // The object and file may still be being made.
            if !res.wait_for(WantState::READ) {
                return server;
            }
            match res.file() {
                Some(f) => {
                    seen.ino = f.inode().ino();
                    f
                }
                None => return server,
            }
        }
    };
    let Some(object) = res.object() else {
        return server;
    };
    seen.object = Some(object.debug_id());
    let Some(b) = object.cache().bound() else {
        return server;
    };
    let bsize = i64::from(b.bsize);
    vfs::secure(&b.cred, || loop {
        match locate(&file, start, len, i_size, bsize, seen) {
            Located::Source(source) => return source,
            Located::Download => (),
        }
        *flags |= copy_to_cache;
        if *flags & ondemand == 0 {
            return server;
        }
        // On-demand: the daemon writes the range into the cache file;
        // then look again, without asking twice.
        if fetch(object, start, *len).is_err() {
            return IoSource::INVALID_READ;
        }
        *flags &= !ondemand;
    })
}

/// Where the cache file's data lies around a read.
enum Located {
    /// The read is served from here.
    Source(IoSource),
    /// The data is missing: fetch it (and store it in the cache).
    Download,
}

/// Looks for data at `start` in the cache file, shortening `*len` to the
/// run that has the same answer.
fn locate(
    file: &File,
    start: i64,
    len: &mut usize,
    i_size: i64,
    bsize: i64,
    seen: &mut PrepSeen,
) -> Located {
    let server = IoSource::DOWNLOAD_FROM_SERVER;
    let end = start + *len as i64;
    let seek_error = |e: Error, seen: &mut PrepSeen| {
        trace::io_error(seen.object, file.inode(), e.to_errno(), trace::Err::Seek);
        seen.why = PrepRead::SeekError;
        Located::Source(server)
    };
    let off = match inject_read().and_then(|()| file.llseek(start, SEEK_DATA)) {
        Ok(off) => off,
        Err(e) if e == ENXIO => {
            seen.why = PrepRead::SeekNxio;
            return Located::Download;
        }
        Err(e) => return seek_error(e, seen),
    };
    if off >= end {
        seen.why = PrepRead::FoundHole;
        return Located::Download;
    }
    if off > start {
        let off = (off + bsize - 1) / bsize * bsize;
        *len = (off - start) as usize;
        seen.why = PrepRead::FoundPart;
        return Located::Download;
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
    Located::Source(IoSource::READ_FROM_CACHE)
}

/// netfs's query_occupancy: the first run of cached data in the range,
/// in `granularity` units.
pub(crate) fn query_occupancy(
    res: &Resources,
    start: i64,
    len: usize,
    granularity: usize,
    data_start: &mut i64,
    data_len: &mut usize,
) -> Result {
    *data_start = -1;
    *data_len = 0;
    if !res.wait_for(WantState::READ) {
        return Err(ENOBUFS());
    }
    let object = res.object().ok_or(ENOBUFS())?;
    let file = res.file().ok_or(ENOBUFS())?;
    let bsize = object.cache().bound().map_or(0, |b| b.bsize as usize);
    let g = granularity.max(bsize).max(1) as i64;
    let end = start + len as i64;
    let off = match inject_read().and_then(|()| file.llseek(start, SEEK_DATA)) {
        Ok(off) => off,
        Err(e) if e == ENXIO => return Err(ENODATA()),
        Err(_) => return Err(ENOBUFS()),
    };
    if (off + g - 1) / g * g >= end {
        return Err(ENODATA());
    }
    let off2 = match inject_read().and_then(|()| file.llseek(off, SEEK_HOLE)) {
        Ok(off2) => off2,
        Err(e) if e == ENXIO => return Err(ENODATA()),
        Err(_) => return Err(ENOBUFS()),
    };
    let off = (off + g - 1) / g * g;
    let off2 = off2 / g * g;
    if off2 <= off {
        return Err(ENODATA());
    }
    *data_start = off;
    *data_len = if off2 > end {
        len
    } else {
        (off2 - off) as usize
    };
    Ok(())
}
