// SPDX-License-Identifier: GPL-2.0
//! The `cachefiles:*` tracepoints, fired where C fires them, with C's
//! reasons (the enums of `include/trace/events/cachefiles.h`, in its
//! order: the events print them with `__print_symbolic`). The events
//! themselves are created in `trace.c`.
//!
//! An object is named by its debug id; `None` stands for C's NULL object
//! (printed as 0, or as ffffffff by unlink and rename).

use crate::kext::fs::{dentry::Dentry, inode::Inode};
use crate::kext::fscache::{IoSource, Volume};
use kernel::{bindings, ffi::c_int};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    fn fsrs_trace_ref(obj: u32, cookie: u32, usage: c_int, why: c_int);
    fn fsrs_trace_lookup(
        has_obj: bool,
        id: u32,
        dir: *mut bindings::dentry,
        de: *mut bindings::dentry,
        error: c_int,
    );
    fn fsrs_trace_mkdir(dir: *mut bindings::dentry, subdir: *mut bindings::dentry);
    fn fsrs_trace_tmpfile(id: u32, backer: *mut bindings::inode);
    fn fsrs_trace_link(id: u32, backer: *mut bindings::inode);
    fn fsrs_trace_unlink(has_obj: bool, id: u32, ino: u64, why: c_int);
    fn fsrs_trace_rename(has_obj: bool, id: u32, ino: u64, why: c_int);
    fn fsrs_trace_coherency(id: u32, ino: u64, content: u8, why: c_int);
    fn fsrs_trace_vol_coherency(vcookie: *mut bindings::fscache_volume, ino: u64, why: c_int);
    fn fsrs_trace_prep_read(
        has_obj: bool,
        id: u32,
        start: i64,
        len: usize,
        flags: u16,
        source: c_int,
        why: c_int,
        cache_inode: u64,
        netfs_inode: u64,
    );
    fn fsrs_trace_read(id: u32, backer: *mut bindings::inode, start: i64, len: usize);
    fn fsrs_trace_write(id: u32, backer: *mut bindings::inode, start: i64, len: usize);
    fn fsrs_trace_trunc(id: u32, backer: *mut bindings::inode, from: i64, to: i64, why: c_int);
    fn fsrs_trace_mark_active(has_obj: bool, id: u32, inode: *mut bindings::inode);
    fn fsrs_trace_mark_failed(has_obj: bool, id: u32, inode: *mut bindings::inode);
    fn fsrs_trace_mark_inactive(has_obj: bool, id: u32, inode: *mut bindings::inode);
    fn fsrs_trace_vfs_error(
        has_obj: bool,
        id: u32,
        backer: *mut bindings::inode,
        error: c_int,
        why: c_int,
    );
    fn fsrs_trace_io_error(
        has_obj: bool,
        id: u32,
        backer: *mut bindings::inode,
        error: c_int,
        why: c_int,
    );
    fn fsrs_trace_od_open(id: u32, msg_id: u32, object_id: u32, fd: u32, flags: u32);
    fn fsrs_trace_od_copen(id: u32, msg_id: u32, len: core::ffi::c_long);
    fn fsrs_trace_od_close(id: u32, msg_id: u32, object_id: u32);
    fn fsrs_trace_od_read(id: u32, msg_id: u32, object_id: u32, off: u64, len: u64);
    fn fsrs_trace_od_cread(id: u32, msg_id: u32);
    fn fsrs_trace_od_fd_write(id: u32, backer: *mut bindings::inode, start: i64, len: usize);
    fn fsrs_trace_od_fd_release(id: u32, object_id: c_int);
}

/// `enum cachefiles_obj_ref_trace`.
#[allow(dead_code)] // C has reasons no path of ours uses.
#[derive(Clone, Copy)]
#[repr(i32)]
pub(crate) enum ObjRef {
    GetIoreq,
    New,
    PutAllocFail,
    PutDetach,
    PutIoreq,
    SeeCleanCommit,
    SeeCleanDelete,
    SeeCleanDropTmp,
    SeeLookupCookie,
    SeeLookupFailed,
    SeeWithdrawCookie,
    SeeWithdrawal,
    GetOndemandFd,
    PutOndemandFd,
    GetReadReq,
    PutReadReq,
}

/// `enum fscache_why_object_killed`.
#[allow(dead_code)]
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub(crate) enum Kill {
    IsStale,
    IsWeird,
    Invalidated,
    NoSpace,
    WasRetired,
    WasCulled,
    VolumeIsWeird,
}

/// `enum cachefiles_coherency_trace`.
#[allow(dead_code)]
#[derive(Clone, Copy)]
#[repr(i32)]
pub(crate) enum Coherency {
    CheckAux,
    CheckContent,
    CheckDirty,
    CheckLen,
    CheckObjsize,
    CheckOk,
    CheckType,
    CheckXattr,
    SetFail,
    SetOk,
    VolCheckCmp,
    VolCheckOk,
    VolCheckResv,
    VolCheckXattr,
    VolSetFail,
    VolSetOk,
}

/// `enum cachefiles_trunc_trace`.
#[derive(Clone, Copy)]
#[repr(i32)]
pub(crate) enum Trunc {
    DioAdjust,
    ExpandTmpfile,
    Shrink,
}

/// `enum cachefiles_prepare_read_trace`.
#[allow(dead_code)]
#[derive(Clone, Copy)]
#[repr(i32)]
pub(crate) enum PrepRead {
    AfterEof,
    FoundHole,
    FoundPart,
    HaveData,
    NoData,
    NoFile,
    SeekError,
    SeekNxio,
}

/// `enum cachefiles_error_trace`.
#[allow(dead_code)]
#[derive(Clone, Copy)]
#[repr(i32)]
pub(crate) enum Err {
    Fallocate,
    Getxattr,
    Link,
    Lookup,
    Mkdir,
    NotifyChange,
    Open,
    Read,
    Remxattr,
    Rename,
    Seek,
    Setxattr,
    Statfs,
    Tmpfile,
    Trunc,
    Unlink,
    Write,
}

fn split(obj: Option<u32>) -> (bool, u32) {
    (obj.is_some(), obj.unwrap_or(0))
}

// The wrappers in trace.c only read the values given and the inodes and
// dentries pointed to, for the duration of the call.

pub(crate) fn obj_ref(obj: u32, cookie: u32, usage: i32, why: ObjRef) {
    // SAFETY: plain values.
    unsafe { fsrs_trace_ref(obj, cookie, usage, why as c_int) }
}

/// A lookup of `name` in `dir`: the dentry found (maybe negative), or the
/// error.
pub(crate) fn lookup(obj: Option<u32>, dir: &Dentry, de: Result<&Dentry, kernel::error::Error>) {
    let (has, id) = split(obj);
    let (de, error) = match de {
        Ok(d) => (d.as_ptr(), 0),
        Err(e) => (core::ptr::null_mut(), e.to_errno()),
    };
    // SAFETY: `dir` and `de` are borrowed dentries, alive for the call; a
    // null `de` makes the wrapper pass ERR_PTR(error), as C's lookups do.
    unsafe { fsrs_trace_lookup(has, id, dir.as_ptr(), de, error) }
}

pub(crate) fn mkdir(dir: &Dentry, subdir: &Dentry) {
    // SAFETY: both are borrowed dentries, alive for the call, and positive
    // (the event reads their inodes): `subdir` was just made in `dir`.
    unsafe { fsrs_trace_mkdir(dir.as_ptr(), subdir.as_ptr()) }
}

pub(crate) fn tmpfile(obj: u32, backer: &Inode) {
    // SAFETY: an `Inode` is a reference-holding view of a pinned dentry
    // or file of the caller's (kext::fs), so the inode is alive for the call.
    unsafe { fsrs_trace_tmpfile(obj, backer.as_ptr()) }
}

pub(crate) fn link(obj: u32, backer: &Inode) {
    // SAFETY: an `Inode` is a reference-holding view of a pinned dentry
    // or file of the caller's (kext::fs), so the inode is alive for the call.
    unsafe { fsrs_trace_link(obj, backer.as_ptr()) }
}

pub(crate) fn unlink(obj: Option<u32>, ino: u64, why: Kill) {
    let (has, id) = split(obj);
    // SAFETY: plain values.
    unsafe { fsrs_trace_unlink(has, id, ino, why as c_int) }
}

pub(crate) fn rename(obj: Option<u32>, ino: u64, why: Kill) {
    let (has, id) = split(obj);
    // SAFETY: plain values.
    unsafe { fsrs_trace_rename(has, id, ino, why as c_int) }
}

pub(crate) fn coherency(obj: u32, ino: u64, content: u8, why: Coherency) {
    // SAFETY: plain values.
    unsafe { fsrs_trace_coherency(obj, ino, content, why as c_int) }
}

/// The volume's coherency check or update (the event reads its id).
pub(crate) fn vol_coherency(vcookie: &Volume, ino: u64, why: Coherency) {
    // SAFETY: the volume is live while borrowed; the event reads its id.
    unsafe { fsrs_trace_vol_coherency(vcookie.as_ptr(), ino, why as c_int) }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn prep_read(
    obj: Option<u32>,
    start: i64,
    len: usize,
    flags: u16,
    source: IoSource,
    why: PrepRead,
    cache_inode: u64,
    netfs_inode: u64,
) {
    let (has, id) = split(obj);
    // SAFETY: plain values.
    unsafe {
        fsrs_trace_prep_read(
            has,
            id,
            start,
            len,
            flags,
            source.as_raw() as c_int,
            why as c_int,
            cache_inode,
            netfs_inode,
        )
    }
}

pub(crate) fn read(obj: u32, backer: &Inode, start: i64, len: usize) {
    // SAFETY: an `Inode` is a reference-holding view of a pinned dentry
    // or file of the caller's (kext::fs), so the inode is alive for the call.
    unsafe { fsrs_trace_read(obj, backer.as_ptr(), start, len) }
}

pub(crate) fn write(obj: u32, backer: &Inode, start: i64, len: usize) {
    // SAFETY: an `Inode` is a reference-holding view of a pinned dentry
    // or file of the caller's (kext::fs), so the inode is alive for the call.
    unsafe { fsrs_trace_write(obj, backer.as_ptr(), start, len) }
}

pub(crate) fn trunc(obj: u32, backer: &Inode, from: i64, to: i64, why: Trunc) {
    // SAFETY: an `Inode` is a reference-holding view of a pinned dentry
    // or file of the caller's (kext::fs), so the inode is alive for the call.
    unsafe { fsrs_trace_trunc(obj, backer.as_ptr(), from, to, why as c_int) }
}

pub(crate) fn mark_active(obj: Option<u32>, inode: &Inode) {
    let (has, id) = split(obj);
    // SAFETY: an `Inode` is a reference-holding view of a pinned dentry
    // or file of the caller's (kext::fs), so the inode is alive for the call.
    unsafe { fsrs_trace_mark_active(has, id, inode.as_ptr()) }
}

pub(crate) fn mark_failed(obj: Option<u32>, inode: &Inode) {
    let (has, id) = split(obj);
    // SAFETY: an `Inode` is a reference-holding view of a pinned dentry
    // or file of the caller's (kext::fs), so the inode is alive for the call.
    unsafe { fsrs_trace_mark_failed(has, id, inode.as_ptr()) }
}

pub(crate) fn mark_inactive(obj: Option<u32>, inode: &Inode) {
    let (has, id) = split(obj);
    // SAFETY: an `Inode` is a reference-holding view of a pinned dentry
    // or file of the caller's (kext::fs), so the inode is alive for the call.
    unsafe { fsrs_trace_mark_inactive(has, id, inode.as_ptr()) }
}

pub(crate) fn vfs_error(obj: Option<u32>, backer: &Inode, error: i32, why: Err) {
    let (has, id) = split(obj);
    // SAFETY: an `Inode` is a reference-holding view of a pinned dentry
    // or file of the caller's (kext::fs), so the inode is alive for the call.
    unsafe { fsrs_trace_vfs_error(has, id, backer.as_ptr(), error, why as c_int) }
}

pub(crate) fn io_error(obj: Option<u32>, backer: &Inode, error: i32, why: Err) {
    let (has, id) = split(obj);
    // SAFETY: an `Inode` is a reference-holding view of a pinned dentry
    // or file of the caller's (kext::fs), so the inode is alive for the call.
    unsafe { fsrs_trace_io_error(has, id, backer.as_ptr(), error, why as c_int) }
}

// The on-demand events (cachefiles_ondemand_*). The message ids are the
// ones the request's message held when C fires the event: C fills them in
// only when the daemon reads the message, so a new request shows 0.

pub(crate) fn od_open(obj: u32, msg_id: u32, object_id: u32, fd: u32, flags: u32) {
    // SAFETY: plain values.
    unsafe { fsrs_trace_od_open(obj, msg_id, object_id, fd, flags) }
}

pub(crate) fn od_copen(obj: u32, msg_id: u32, len: i64) {
    // SAFETY: plain values.
    unsafe { fsrs_trace_od_copen(obj, msg_id, len as core::ffi::c_long) }
}

pub(crate) fn od_close(obj: u32, msg_id: u32, object_id: u32) {
    // SAFETY: plain values.
    unsafe { fsrs_trace_od_close(obj, msg_id, object_id) }
}

pub(crate) fn od_read(obj: u32, msg_id: u32, object_id: u32, off: u64, len: u64) {
    // SAFETY: plain values.
    unsafe { fsrs_trace_od_read(obj, msg_id, object_id, off, len) }
}

pub(crate) fn od_cread(obj: u32, msg_id: u32) {
    // SAFETY: plain values.
    unsafe { fsrs_trace_od_cread(obj, msg_id) }
}

pub(crate) fn od_fd_write(obj: u32, backer: &Inode, start: i64, len: usize) {
    // SAFETY: an `Inode` is a reference-holding view of a pinned dentry
    // or file of the caller's (kext::fs), so the inode is alive for the call.
    unsafe { fsrs_trace_od_fd_write(obj, backer.as_ptr(), start, len) }
}

pub(crate) fn od_fd_release(obj: u32, object_id: i32) {
    // SAFETY: plain values.
    unsafe { fsrs_trace_od_fd_release(obj, object_id) }
}
