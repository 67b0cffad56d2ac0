// SPDX-License-Identifier: GPL-2.0
//! Open files: `ARef<File>` counts a reference (get_file/fput), `&File`
//! borrows one. Upstream: `kernel::fs::file::File` (6.13), whose names
//! this follows (`from_raw_file`, `as_ptr`).

use super::dentry::Dentry;
use super::inode::{Inode, InodeLock};
use super::mount::Mount;
use super::{idmap, returned};
use crate::kext::cred::Credential;
use core::ptr::NonNull;
use kernel::{
    bindings,
    error::{to_result, Error},
    ffi::{c_int, c_long},
    prelude::*,
    types::{ARef, AlwaysRefCounted, Opaque},
};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/fs.c
    fn fsrs_get_file(f: *mut bindings::file) -> *mut bindings::file;
    fn fsrs_file_inode(f: *const bindings::file) -> *mut bindings::inode;
    fn fsrs_file_dentry(f: *const bindings::file) -> *mut bindings::dentry;
    fn fsrs_file_path(f: *const bindings::file) -> *const bindings::path;
    fn fsrs_file_has_rw_iter(f: *const bindings::file) -> bool;
    fn fsrs_set_size(file: *mut bindings::file, size: i64) -> c_int;
    fn fsrs_zero_range(file: *mut bindings::file, pos: i64, len: i64) -> c_int;
    fn fsrs_punch_hole(file: *mut bindings::file, pos: i64, len: i64) -> c_int;
}

/// An open `struct file` (upstream: `kernel::fs::File`, 6.13);
/// `ARef<File>` is a counted reference (get_file/fput).
///
/// # Invariants
///
/// Only references to it exist, each backed by a file reference held by
/// its owner.
#[repr(transparent)]
pub struct File(Opaque<bindings::file>);

// SAFETY: file references may be taken and dropped on any thread (fput
// defers the final release to a safe context).
unsafe impl Send for File {}
// SAFETY: the methods are safe to call concurrently.
unsafe impl Sync for File {}

// SAFETY: get_file()/fput() count the references; the file is released
// only after the last.
unsafe impl AlwaysRefCounted for File {
    fn inc_ref(&self) {
        // SAFETY: `&self` proves a reference is held.
        unsafe { fsrs_get_file(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it holds; fput() is safe
        // in any context.
        unsafe { bindings::fput(obj.as_ref().as_ptr()) };
    }
}

impl File {
    /// `kernel_file_open()`: opens `dentry` on `mnt` with `flags`, as
    /// `cred`.
    pub fn open(
        mnt: &Mount,
        dentry: &Dentry,
        flags: c_int,
        cred: &Credential,
    ) -> Result<ARef<File>> {
        let path = mnt.path(dentry);
        // SAFETY: the path is pinned by its borrows; the cred is valid.
        let f = unsafe { bindings::kernel_file_open(&path, flags, cred.as_ptr()) };
        // SAFETY: a successful open returns a file reference for us.
        Ok(unsafe { File::adopt(returned(f)?) })
    }

    /// `kernel_tmpfile_open()`: an unlinked file in `dir`, with `mode`
    /// and `flags`, as `cred`.
    pub fn tmpfile_open(
        mnt: &Mount,
        dir: &Dentry,
        mode: bindings::umode_t,
        flags: c_int,
        cred: &Credential,
    ) -> Result<ARef<File>> {
        let path = mnt.path(dir);
        // SAFETY: the path is pinned by its borrows; the cred is valid.
        let f =
            unsafe { bindings::kernel_tmpfile_open(idmap(), &path, mode, flags, cred.as_ptr()) };
        // SAFETY: a successful open returns a file reference for us.
        Ok(unsafe { File::adopt(returned(f)?) })
    }

    pub fn as_ptr(&self) -> *mut bindings::file {
        self.0.get()
    }

    /// Borrows a file someone else holds a reference on.
    ///
    /// # Safety
    ///
    /// `p` must be a file kept referenced for `'a`.
    pub unsafe fn from_raw_file<'a>(p: *mut bindings::file) -> &'a File {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<File>() }
    }

    /// Takes over a file reference.
    ///
    /// # Safety
    ///
    /// `p` must carry a file reference that the caller hands over.
    pub unsafe fn adopt(p: NonNull<bindings::file>) -> ARef<File> {
        // SAFETY: per the caller; transparent wrapper.
        unsafe { ARef::from_raw(p.cast()) }
    }

    pub fn inode(&self) -> &Inode {
        // SAFETY: an open file always has an inode, pinned by the file,
        // which is referenced while borrowed (type invariant).
        unsafe { Inode::from_raw(fsrs_file_inode(self.as_ptr())) }
    }

    /// The file's dentry, with a reference of its own.
    pub fn dentry(&self) -> ARef<Dentry> {
        // SAFETY: an open file pins its dentry, which is live while the
        // file is borrowed; ARef::from takes our own reference.
        ARef::from(unsafe { &*fsrs_file_dentry(self.as_ptr()).cast::<Dentry>() })
    }

    pub fn has_rw_iter(&self) -> bool {
        // SAFETY: the file is pinned.
        unsafe { fsrs_file_has_rw_iter(self.as_ptr()) }
    }

    pub fn llseek(&self, pos: i64, whence: u32) -> Result<i64> {
        // SAFETY: the file is pinned.
        let r = unsafe { bindings::vfs_llseek(self.as_ptr(), pos, whence as c_int) };
        if r < 0 {
            return Err(Error::from_errno(r as c_int));
        }
        Ok(r)
    }

    pub fn truncate(&self, size: i64) -> Result {
        // SAFETY: the file (and so its path) is pinned.
        let r: c_long = unsafe { bindings::vfs_truncate(fsrs_file_path(self.as_ptr()), size) };
        to_result(r as c_int)
    }

    /// notify_change(ATTR_SIZE); the caller holds the inode lock.
    pub fn set_size(&self, locked: &InodeLock<'_>, size: i64) -> Result {
        if !core::ptr::eq(locked.inode(), self.inode()) {
            pr_warn!("lock proof for another inode\n");
            return Err(EINVAL);
        }
        // SAFETY: the file is pinned and its inode locked.
        to_result(unsafe { fsrs_set_size(self.as_ptr(), size) })
    }

    pub fn zero_range(&self, pos: i64, len: i64) -> Result {
        // SAFETY: the file is pinned.
        to_result(unsafe { fsrs_zero_range(self.as_ptr(), pos, len) })
    }

    pub fn punch_hole(&self, pos: i64, len: i64) -> Result {
        // SAFETY: the file is pinned.
        to_result(unsafe { fsrs_punch_hole(self.as_ptr(), pos, len) })
    }

    pub fn touch_atime(&self) {
        // SAFETY: the file (and so its path) is pinned.
        unsafe { bindings::touch_atime(fsrs_file_path(self.as_ptr())) };
    }

    /// mnt_want_write_file() / mnt_drop_write_file() around `f`.
    pub fn with_write<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        // SAFETY: the file is pinned.
        to_result(unsafe { bindings::mnt_want_write_file(self.as_ptr()) })?;
        let r = f();
        // SAFETY: paired with the successful call above.
        unsafe { bindings::mnt_drop_write_file(self.as_ptr()) };
        r
    }
}

/// A file descriptor number reserved in the current task's table, not yet
/// pointing at a file (upstream: `kernel::fs::file::FileDescriptorReservation`,
/// 6.13). [`fd_install`](Self::fd_install) makes it live; dropping it
/// gives the number back.
///
/// # Invariants
///
/// `fd` was returned by `get_unused_fd_flags()` in this task and is
/// neither installed nor put.
pub struct FileDescriptorReservation {
    fd: u32,
    /// Not `Send`: the number belongs to the table of the task that took
    /// it.
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl FileDescriptorReservation {
    /// Reserves the lowest free number, with `flags` (`O_CLOEXEC`).
    pub fn get_unused_fd_flags(flags: u32) -> Result<Self> {
        // SAFETY: works on the current task's table; no precondition.
        let fd: i32 = unsafe { bindings::get_unused_fd_flags(flags) };
        if fd < 0 {
            return Err(Error::from_errno(fd));
        }
        // INVARIANT: just reserved, in this task.
        Ok(Self {
            fd: fd as u32,
            _not_send: core::marker::PhantomData,
        })
    }

    /// The number reserved.
    pub fn reserved_fd(&self) -> u32 {
        self.fd
    }

    /// Points the number at `file`, handing the reference over: from now
    /// on userspace can use (and close) it.
    pub fn fd_install(self, file: ARef<File>) {
        let f = ARef::into_raw(file);
        // SAFETY: the number is reserved in this task's table and not yet
        // installed (type invariant); fd_install() takes over the file
        // reference `f` carries.
        unsafe { bindings::fd_install(self.fd, f.as_ptr().cast()) };
        // The number is now the file's: not put on drop.
        core::mem::forget(self);
    }
}

impl Drop for FileDescriptorReservation {
    fn drop(&mut self) {
        // SAFETY: reserved in this task and never installed (type
        // invariant; fd_install() forgets self).
        unsafe { bindings::put_unused_fd(self.fd) };
    }
}
