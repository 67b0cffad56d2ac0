// SPDX-License-Identifier: GPL-2.0
//! Path operations: looking directories up, mkdir, unlink, link, rename
//! (with `RenameLock`) and the LSM's path hooks. Upstream: none.

use super::dentry::Dentry;
use super::file::File;
use super::idmap;
use super::inode::{DirLocked, Inode, InodeLock};
use super::mount::Mount;
use core::ptr::NonNull;
use kernel::{
    bindings,
    error::{from_err_ptr, to_result},
    ffi::c_int,
    prelude::*,
    str::CStr,
    types::ARef,
};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/fs.c
    fn fsrs_get_pwd(path: *mut bindings::path);
    fn fsrs_security_inode_mkdir(
        dir: *mut bindings::inode,
        d: *mut bindings::dentry,
        mode: bindings::umode_t,
    ) -> c_int;
    fn fsrs_security_inode_create(
        dir: *mut bindings::inode,
        d: *mut bindings::dentry,
        mode: bindings::umode_t,
    ) -> c_int;
    fn fsrs_security_path_mkdir(
        dir: *const bindings::path,
        d: *mut bindings::dentry,
        mode: bindings::umode_t,
    ) -> c_int;
    fn fsrs_security_path_unlink(dir: *const bindings::path, d: *mut bindings::dentry) -> c_int;
    fn fsrs_security_path_rename(
        od: *const bindings::path,
        o: *mut bindings::dentry,
        nd: *const bindings::path,
        n: *mut bindings::dentry,
    ) -> c_int;
    fn fsrs_rename(
        old_dir: *mut bindings::dentry,
        old: *mut bindings::dentry,
        new_dir: *mut bindings::dentry,
        new: *mut bindings::dentry,
    ) -> c_int;
}

/// Looks a directory path up (at bind): the mount and the dentry.
pub fn kern_path_dir(name: &CStr) -> Result<(Mount, ARef<Dentry>)> {
    let mut path = bindings::path::default();
    // SAFETY: `name` is NUL-terminated; `path` is writable.
    to_result(unsafe {
        bindings::kern_path(name.as_char_ptr(), bindings::LOOKUP_DIRECTORY, &mut path)
    })?;
    // SAFETY: kern_path() succeeded, so both references are ours.
    unsafe {
        Ok((
            Mount::adopt(NonNull::new_unchecked(path.mnt)),
            Dentry::adopt(NonNull::new_unchecked(path.dentry)),
        ))
    }
}

/// The daemon's current working directory (cull and inuse name files in
/// it, the daemon having fchdir'd there).
pub fn pwd() -> (Mount, ARef<Dentry>) {
    let mut path = bindings::path::default();
    // SAFETY: `path` is writable; get_fs_pwd takes references for us.
    unsafe { fsrs_get_pwd(&mut path) };
    // SAFETY: get_fs_pwd() always returns a valid, referenced path.
    unsafe {
        (
            Mount::adopt(NonNull::new_unchecked(path.mnt)),
            Dentry::adopt(NonNull::new_unchecked(path.dentry)),
        )
    }
}

/// mkdir of the negative dentry `d` in `dir` (locked by the caller).
pub fn mkdir(mnt: &Mount, dir: &Dentry, locked: &InodeLock<'_>, d: &Dentry) -> Result {
    let inode = locked.check(dir)?;
    let path = mnt.path(dir);
    // SAFETY: all pinned; the parent is locked as vfs_mkdir requires.
    to_result(unsafe { fsrs_security_path_mkdir(&path, d.as_ptr(), 0o700) })?;
    // SAFETY: all pinned by their borrows; the parent is locked (checked
    // above), as vfs_mkdir requires.
    to_result(unsafe { bindings::vfs_mkdir(idmap(), inode.as_ptr(), d.as_ptr(), 0o700) })
}

/// The LSM's say on unlinking `d` from `dir`.
pub fn security_unlink(mnt: &Mount, dir: &Dentry, d: &Dentry) -> Result {
    let path = mnt.path(dir);
    // SAFETY: all pinned.
    to_result(unsafe { fsrs_security_path_unlink(&path, d.as_ptr()) })
}

/// The LSM's say on making a directory `d` with `mode` in `dir`
/// (`security_inode_mkdir()`).
pub fn security_inode_mkdir(dir: &Inode, d: &Dentry, mode: bindings::umode_t) -> Result {
    // SAFETY: both pinned by their borrows; the hook only checks.
    to_result(unsafe { fsrs_security_inode_mkdir(dir.as_ptr(), d.as_ptr(), mode) })
}

/// The LSM's say on creating a file `d` with `mode` in `dir`
/// (`security_inode_create()`).
pub fn security_inode_create(dir: &Inode, d: &Dentry, mode: bindings::umode_t) -> Result {
    // SAFETY: both pinned by their borrows; the hook only checks.
    to_result(unsafe { fsrs_security_inode_create(dir.as_ptr(), d.as_ptr(), mode) })
}

/// unlink of `d` from `dir` (locked by the caller).
pub fn unlink(dir: &Dentry, locked: &InodeLock<'_>, d: &Dentry) -> Result {
    let inode = locked.check(dir)?;
    // SAFETY: all pinned by their borrows; the parent is locked (checked
    // above), as vfs_unlink requires.
    to_result(unsafe {
        bindings::vfs_unlink(idmap(), inode.as_ptr(), d.as_ptr(), core::ptr::null_mut())
    })
}

/// Security check before a rename into the graveyard.
pub fn security_rename(
    mnt: &Mount,
    old_dir: &Dentry,
    old: &Dentry,
    new_dir: &Dentry,
    new: &Dentry,
) -> Result {
    let op = mnt.path(old_dir);
    let np = mnt.path(new_dir);
    // SAFETY: all pinned; both parents are locked by the caller's RenameLock.
    to_result(unsafe { fsrs_security_path_rename(&op, old.as_ptr(), &np, new.as_ptr()) })
}

/// rename of `old` in `old_dir` to `new` in `new_dir`, under a RenameLock.
pub fn rename(
    locked: &RenameLock<'_>,
    old_dir: &Dentry,
    old: &Dentry,
    new_dir: &Dentry,
    new: &Dentry,
) -> Result {
    locked.check(old_dir)?;
    locked.check(new_dir)?;
    // SAFETY: all pinned; both parents are locked (checked above).
    to_result(unsafe {
        fsrs_rename(
            old_dir.as_ptr(),
            old.as_ptr(),
            new_dir.as_ptr(),
            new.as_ptr(),
        )
    })
}

/// Both directories of a rename locked (lock_rename); `trap` is the dentry
/// a rename must not touch.
pub struct RenameLock<'a> {
    a: &'a Dentry,
    b: &'a Dentry,
    trap: *mut bindings::dentry,
}

impl<'a> RenameLock<'a> {
    pub fn lock(a: &'a Dentry, b: &'a Dentry) -> Result<Self> {
        // SAFETY: both dentries are pinned.
        let trap = from_err_ptr(unsafe { bindings::lock_rename(a.as_ptr(), b.as_ptr()) })?;
        Ok(RenameLock { a, b, trap })
    }

    pub fn is_trap(&self, d: &Dentry) -> bool {
        self.trap == d.as_ptr()
    }

    /// Whether `inode` is one of the two locked directories'.
    pub fn covers(&self, inode: &Inode) -> bool {
        [self.a, self.b]
            .iter()
            .any(|d| d.inode().is_some_and(|i| core::ptr::eq(i, inode)))
    }
}

impl Drop for RenameLock<'_> {
    fn drop(&mut self) {
        // SAFETY: locked in lock() with the same pair.
        unsafe { bindings::unlock_rename(self.a.as_ptr(), self.b.as_ptr()) };
    }
}

/// Links the (tmp)file `file` into `dir` as the negative dentry `d`.
pub fn link(file: &File, dir: &Dentry, locked: &InodeLock<'_>, d: &Dentry) -> Result {
    let inode = locked.check(dir)?;
    let old = file.dentry();
    // SAFETY: all pinned; the parent is locked.
    to_result(unsafe {
        bindings::vfs_link(
            old.as_ptr(),
            idmap(),
            inode.as_ptr(),
            d.as_ptr(),
            core::ptr::null_mut(),
        )
    })
}
