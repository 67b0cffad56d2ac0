// SPDX-License-Identifier: GPL-2.0
//! Safe handles on the VFS objects a cache is made of: dentries, open
//! files, the mount, credentials, inode locks. All of cachefiles' calls
//! into the VFS go through here; the 6.12 `kernel` crate has no file-system
//! abstractions yet.
//!
//! The C objects are `Opaque` wrappers used by reference: `&'a Inode`
//! borrowed from the dentry or file that pins it, `ARef<Dentry>`,
//! `ARef<File>` and `ARef<Credential>` for the references we hold (as
//! upstream's `kernel::fs::File` and `kernel::cred::Credential`, 6.13 and
//! 6.12+), `&Dentry`/`&File`/`&Credential` borrowed. Raw pointers never
//! leave this module except as arguments to the fscache/netfs callbacks in
//! `fsc.rs` and `io.rs`.

use crate::log::{pr_err, pr_warn};
use crate::kext::error::code::*;
use crate::trace;
use core::ptr::NonNull;
use kernel::{
    bindings,
    error::{from_err_ptr, to_result, Error},
    ffi::{c_char, c_int, c_long, c_void},
    prelude::*,
    types::{ARef, AlwaysRefCounted, Opaque},
};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    fn fsrs_dget(d: *mut bindings::dentry) -> *mut bindings::dentry;
    fn fsrs_d_inode(d: *const bindings::dentry) -> *mut bindings::inode;
    fn fsrs_d_is_negative(d: *const bindings::dentry) -> bool;
    fn fsrs_d_is_reg(d: *const bindings::dentry) -> bool;
    fn fsrs_d_is_dir(d: *const bindings::dentry) -> bool;
    fn fsrs_d_can_lookup(d: *const bindings::dentry) -> bool;
    fn fsrs_d_unhashed(d: *const bindings::dentry) -> bool;
    fn fsrs_d_mountpoint(d: *const bindings::dentry) -> bool;
    fn fsrs_d_parent(d: *const bindings::dentry) -> *mut bindings::dentry;
    fn fsrs_is_deaddir(inode: *mut bindings::inode) -> bool;
    fn fsrs_i_ino(inode: *const bindings::inode) -> u64;
    fn fsrs_i_blocks(inode: *const bindings::inode) -> u64;
    fn fsrs_inode_lock(inode: *mut bindings::inode);
    fn fsrs_inode_lock_parent(inode: *mut bindings::inode);
    fn fsrs_inode_unlock(inode: *mut bindings::inode);
    fn fsrs_inode_test_kernel_file(inode: *const bindings::inode) -> bool;
    fn fsrs_inode_set_kernel_file(inode: *mut bindings::inode);
    fn fsrs_inode_clear_kernel_file(inode: *mut bindings::inode);
    fn fsrs_dir_ops_ok(inode: *const bindings::inode) -> bool;
    fn fsrs_root_ok(root: *const bindings::dentry) -> bool;
    fn fsrs_sb_rdonly(d: *const bindings::dentry) -> bool;
    fn fsrs_is_idmapped_mnt(mnt: *const bindings::vfsmount) -> bool;
    fn fsrs_mnt_root(mnt: *const bindings::vfsmount) -> *mut bindings::dentry;
    fn fsrs_get_file(f: *mut bindings::file) -> *mut bindings::file;
    fn fsrs_file_inode(f: *const bindings::file) -> *mut bindings::inode;
    fn fsrs_file_dentry(f: *const bindings::file) -> *mut bindings::dentry;
    fn fsrs_file_path(f: *const bindings::file) -> *const bindings::path;
    fn fsrs_file_has_rw_iter(f: *const bindings::file) -> bool;
    fn fsrs_i_size_read(inode: *const bindings::inode) -> i64;
    fn fsrs_set_size(file: *mut bindings::file, size: i64) -> c_int;
    fn fsrs_zero_range(file: *mut bindings::file, pos: i64, len: i64) -> c_int;
    fn fsrs_punch_hole(file: *mut bindings::file, pos: i64, len: i64) -> c_int;
    fn fsrs_put_cred(cred: *const bindings::cred);
    fn fsrs_get_cred(cred: *const bindings::cred) -> *const bindings::cred;
    fn fsrs_get_pwd(path: *mut bindings::path);
    fn fsrs_sync_fs(mnt: *mut bindings::vfsmount) -> c_int;
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
    fn fsrs_security_check_dir(root: *mut bindings::dentry) -> c_int;
    fn fsrs_rename(
        old_dir: *mut bindings::dentry,
        old: *mut bindings::dentry,
        new_dir: *mut bindings::dentry,
        new: *mut bindings::dentry,
    ) -> c_int;
}

/// A pointer a VFS call returns, `ERR_PTR` decoded: an error, or a
/// reference the call gave us (never null on success).
fn returned<T>(p: *mut T) -> Result<NonNull<T>> {
    NonNull::new(from_err_ptr(p)?).ok_or(ENOMEM)
}

fn idmap() -> *mut bindings::mnt_idmap {
    // nop_mnt_idmap is a static the VFS never frees; only its address is
    // taken.
    core::ptr::addr_of_mut!(bindings::nop_mnt_idmap)
}

/// A `struct inode`.
///
/// # Invariants
///
/// Only references to it exist, borrowed from the dentry or file that
/// pins the inode, so it is live for as long as they are.
#[repr(transparent)]
pub(crate) struct Inode(Opaque<bindings::inode>);

// SAFETY: the accessors are the VFS's own, safe on any thread.
unsafe impl Send for Inode {}
// SAFETY: see `Send`.
unsafe impl Sync for Inode {}

impl Inode {
    /// # Safety
    ///
    /// `p` must be an inode pinned for `'a`.
    unsafe fn from_raw<'a>(p: *mut bindings::inode) -> &'a Inode {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<Inode>() }
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::inode {
        self.0.get()
    }

    pub(crate) fn ino(&self) -> u64 {
        // SAFETY: the inode is pinned while borrowed (type invariant).
        unsafe { fsrs_i_ino(self.as_ptr()) }
    }

    pub(crate) fn blocks(&self) -> u64 {
        // SAFETY: the inode is pinned while borrowed (type invariant).
        unsafe { fsrs_i_blocks(self.as_ptr()) }
    }

    pub(crate) fn size(&self) -> i64 {
        // SAFETY: the inode is pinned while borrowed (type invariant).
        unsafe { fsrs_i_size_read(self.as_ptr()) }
    }

    /// Takes the inode lock.
    pub(crate) fn lock(&self) -> InodeLock<'_> {
        // SAFETY: the inode is pinned while borrowed; the guard unlocks.
        unsafe { fsrs_inode_lock(self.as_ptr()) };
        InodeLock(self)
    }

    /// Takes a directory's inode lock in the parent lockdep class.
    pub(crate) fn lock_parent(&self) -> InodeLock<'_> {
        // SAFETY: the inode is pinned while borrowed; the guard unlocks.
        unsafe { fsrs_inode_lock_parent(self.as_ptr()) };
        InodeLock(self)
    }

    pub(crate) fn is_dead_dir(&self) -> bool {
        // SAFETY: the inode is pinned while borrowed (type invariant).
        unsafe { fsrs_is_deaddir(self.as_ptr()) }
    }

    pub(crate) fn dir_ops_ok(&self) -> bool {
        // SAFETY: the inode is pinned while borrowed (type invariant).
        unsafe { fsrs_dir_ops_ok(self.as_ptr()) }
    }
}

/// A held inode lock.
///
/// # Invariants
///
/// `0`'s inode lock is held by this task until the guard is dropped.
#[must_use = "the inode is unlocked at once if the guard is dropped"]
pub(crate) struct InodeLock<'a>(&'a Inode);

/// Proof that a directory's inode lock is held (by an InodeLock on it, or
/// by a RenameLock over it).
pub(crate) trait DirLocked {}
impl DirLocked for InodeLock<'_> {}
impl DirLocked for RenameLock<'_> {}

impl InodeLock<'_> {
    /// The S_KERNEL_FILE mark: set while a cache uses the file, so that
    /// no other cache may use it and the daemon may not cull it.
    pub(crate) fn in_use(&self) -> bool {
        // SAFETY: the lock is held, which is what guards i_flags.
        unsafe { fsrs_inode_test_kernel_file(self.0.as_ptr()) }
    }

    /// Marks the inode in use for object `obj` (a directory: `None`);
    /// false if it already was. Traced as C does (mark_active or
    /// mark_failed).
    pub(crate) fn mark_in_use(&self, obj: Option<u32>) -> bool {
        let marked = self.mark_in_use_quietly();
        if marked {
            trace::mark_active(obj, self.0);
        } else {
            trace::mark_failed(obj, self.0);
        }
        marked
    }

    /// Takes the in-use mark off (traced as mark_inactive).
    pub(crate) fn unmark_in_use(&self, obj: Option<u32>) {
        // SAFETY: the lock is held.
        unsafe { fsrs_inode_clear_kernel_file(self.0.as_ptr()) };
        trace::mark_inactive(obj, self.0);
    }

    /// Marks the inode in use without a trace: the daemon's `cull`, which
    /// C does not trace either.
    pub(crate) fn mark_in_use_quietly(&self) -> bool {
        if self.in_use() {
            return false;
        }
        // SAFETY: the lock is held.
        unsafe { fsrs_inode_set_kernel_file(self.0.as_ptr()) };
        true
    }
}

impl Drop for InodeLock<'_> {
    fn drop(&mut self) {
        // SAFETY: taken in Inode::lock* (type invariant).
        unsafe { fsrs_inode_unlock(self.0.as_ptr()) };
    }
}

/// A `struct dentry`; `ARef<Dentry>` is a counted reference (dget/dput).
///
/// # Invariants
///
/// Only references to it exist, each backed by a dentry reference held by
/// its owner (an `ARef<Dentry>`, or a file or path that pins it).
#[repr(transparent)]
pub(crate) struct Dentry(Opaque<bindings::dentry>);

// SAFETY: dentry references may be taken and dropped on any thread.
unsafe impl Send for Dentry {}
// SAFETY: all methods are safe to call concurrently (the VFS locks inside).
unsafe impl Sync for Dentry {}

// SAFETY: dget()/dput() count the references; the dentry is freed only
// after the last.
unsafe impl AlwaysRefCounted for Dentry {
    fn inc_ref(&self) {
        // SAFETY: `&self` proves a reference is held.
        unsafe { fsrs_dget(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it holds.
        unsafe { bindings::dput(obj.as_ref().as_ptr()) };
    }
}

impl Dentry {
    /// Takes over a dentry reference a VFS call returned.
    ///
    /// # Safety
    ///
    /// `p` must carry a reference that the caller hands over.
    unsafe fn adopt(p: NonNull<bindings::dentry>) -> ARef<Dentry> {
        // SAFETY: per the caller; transparent wrapper.
        unsafe { ARef::from_raw(p.cast()) }
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::dentry {
        self.0.get()
    }

    /// The inode, if the dentry is positive.
    pub(crate) fn inode(&self) -> Option<&Inode> {
        // SAFETY: our reference keeps the dentry alive (type invariant).
        let i = unsafe { fsrs_d_inode(self.as_ptr()) };
        // SAFETY: a positive dentry pins its inode while referenced.
        (!i.is_null()).then(|| unsafe { Inode::from_raw(i) })
    }

    pub(crate) fn is_negative(&self) -> bool {
        // SAFETY: as above.
        unsafe { fsrs_d_is_negative(self.as_ptr()) }
    }

    pub(crate) fn is_reg(&self) -> bool {
        // SAFETY: as above.
        unsafe { fsrs_d_is_reg(self.as_ptr()) }
    }

    pub(crate) fn is_dir(&self) -> bool {
        // SAFETY: as above.
        unsafe { fsrs_d_is_dir(self.as_ptr()) }
    }

    pub(crate) fn can_lookup(&self) -> bool {
        // SAFETY: as above.
        unsafe { fsrs_d_can_lookup(self.as_ptr()) }
    }

    pub(crate) fn unhashed(&self) -> bool {
        // SAFETY: as above.
        unsafe { fsrs_d_unhashed(self.as_ptr()) }
    }

    pub(crate) fn is_mountpoint(&self) -> bool {
        // SAFETY: as above.
        unsafe { fsrs_d_mountpoint(self.as_ptr()) }
    }

    /// Whether `dir` is (still) this dentry's parent.
    pub(crate) fn parent_is(&self, dir: &Dentry) -> bool {
        // SAFETY: as above; d_parent is only compared, not dereferenced.
        unsafe { fsrs_d_parent(self.as_ptr()) == dir.as_ptr() }
    }

    /// Looks `name` up in this directory, whose inode lock the caller
    /// holds (`_locked` proves it).
    pub(crate) fn lookup_locked(
        &self,
        _locked: &impl DirLocked,
        name: &[u8],
    ) -> Result<ARef<Dentry>> {
        let len = c_int::try_from(name.len()).map_err(|_| ENAMETOOLONG())?;
        // SAFETY: the directory is pinned and locked; `name` is valid for
        // `len` bytes (lookup_one_len takes a length, not a C string).
        let d =
            unsafe { bindings::lookup_one_len(name.as_ptr() as *const c_char, self.as_ptr(), len) };
        // SAFETY: a successful lookup returns a reference for us.
        Ok(unsafe { Dentry::adopt(returned(d)?) })
    }

    /// Looks up a positive `name` in this directory without the caller
    /// holding its lock; ENOENT if there is none.
    pub(crate) fn lookup_positive(&self, name: &[u8]) -> Result<ARef<Dentry>> {
        let len = c_int::try_from(name.len()).map_err(|_| ENAMETOOLONG())?;
        // SAFETY: the directory is pinned; `name` is valid for `len` bytes.
        let d = unsafe {
            bindings::lookup_positive_unlocked(name.as_ptr() as *const c_char, self.as_ptr(), len)
        };
        // SAFETY: a successful lookup returns a reference for us.
        Ok(unsafe { Dentry::adopt(returned(d)?) })
    }

    fn sb_rdonly(&self) -> bool {
        // SAFETY: as above.
        unsafe { fsrs_sb_rdonly(self.as_ptr()) }
    }
}

/// A counted reference to a mount.
pub(crate) struct Mount(NonNull<bindings::vfsmount>);

// SAFETY: mount references may be dropped on any thread.
unsafe impl Send for Mount {}
// SAFETY: only read through.
unsafe impl Sync for Mount {}

impl Mount {
    pub(crate) fn as_ptr(&self) -> *mut bindings::vfsmount {
        self.0.as_ptr()
    }

    /// A `struct path` of `dentry` on this mount, borrowed from both.
    pub(crate) fn path(&self, dentry: &Dentry) -> bindings::path {
        bindings::path {
            mnt: self.as_ptr(),
            dentry: dentry.as_ptr(),
        }
    }

    /// Writes the backing superblock back (at withdrawal).
    pub(crate) fn sync(&self) -> Result {
        // SAFETY: the mount is pinned by our reference.
        to_result(unsafe { fsrs_sync_fs(self.as_ptr()) })
    }

    /// statfs of the filesystem under `root` (a dentry on this mount).
    pub(crate) fn statfs(&self, root: &Dentry) -> Result<StatFs> {
        statfs_path(&self.path(root))
    }

    /// statfs of the whole mount.
    pub(crate) fn statfs_root(&self) -> Result<StatFs> {
        let path = bindings::path {
            mnt: self.as_ptr(),
            // SAFETY: the mount pins its root dentry.
            dentry: unsafe { fsrs_mnt_root(self.as_ptr()) },
        };
        statfs_path(&path)
    }

    /// mnt_want_write() / mnt_drop_write() around `f`.
    pub(crate) fn with_write<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        // SAFETY: the mount is pinned.
        to_result(unsafe { bindings::mnt_want_write(self.as_ptr()) })?;
        let r = f();
        // SAFETY: paired with the successful mnt_want_write above.
        unsafe { bindings::mnt_drop_write(self.as_ptr()) };
        r
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { bindings::mntput(self.as_ptr()) };
    }
}

fn statfs_path(path: &bindings::path) -> Result<StatFs> {
    let mut st = bindings::kstatfs::default();
    // SAFETY: `path` is valid (the caller's references pin both parts);
    // `st` is writable.
    to_result(unsafe { bindings::vfs_statfs(path, &mut st) })?;
    Ok(StatFs {
        ffree: st.f_ffree,
        bavail: st.f_bavail,
        files: st.f_files,
        blocks: st.f_blocks,
        bsize: st.f_bsize as i64,
    })
}

/// What statfs tells about the backing filesystem.
pub(crate) struct StatFs {
    pub(crate) ffree: u64,
    pub(crate) bavail: u64,
    pub(crate) files: u64,
    pub(crate) blocks: u64,
    pub(crate) bsize: i64,
}

/// Looks a directory path up (at bind): the mount and the dentry.
pub(crate) fn kern_path_dir(name: &CStr) -> Result<(Mount, ARef<Dentry>)> {
    let mut path = bindings::path::default();
    // SAFETY: `name` is NUL-terminated; `path` is writable.
    to_result(unsafe {
        bindings::kern_path(name.as_char_ptr(), bindings::LOOKUP_DIRECTORY, &mut path)
    })?;
    // SAFETY: kern_path() succeeded, so both references are ours.
    unsafe {
        Ok((
            Mount(NonNull::new_unchecked(path.mnt)),
            Dentry::adopt(NonNull::new_unchecked(path.dentry)),
        ))
    }
}

/// Checks what cachefiles needs of the root of a cache.
pub(crate) fn check_root(mnt: &Mount, root: &Dentry) -> Result {
    // SAFETY: the mount is pinned.
    if unsafe { fsrs_is_idmapped_mnt(mnt.as_ptr()) } {
        pr_warn!("File cache on idmapped mounts not supported");
        return Err(EINVAL);
    }
    // SAFETY: the dentry is pinned.
    if !unsafe { fsrs_root_ok(root.as_ptr()) } {
        return Err(EOPNOTSUPP());
    }
    if root.sb_rdonly() {
        return Err(EROFS);
    }
    Ok(())
}

/// The LSM's say on creating directories and files under the root.
pub(crate) fn security_check_dir(root: &Dentry) -> Result {
    // SAFETY: the dentry is pinned.
    match to_result(unsafe { fsrs_security_check_dir(root.as_ptr()) }) {
        Err(e) if e == EOPNOTSUPP() => Ok(()),
        r => r,
    }
}

/// The daemon's current working directory (cull and inuse name files in
/// it, the daemon having fchdir'd there).
pub(crate) fn pwd() -> (Mount, ARef<Dentry>) {
    let mut path = bindings::path::default();
    // SAFETY: `path` is writable; get_fs_pwd takes references for us.
    unsafe { fsrs_get_pwd(&mut path) };
    // SAFETY: get_fs_pwd() always returns a valid, referenced path.
    unsafe {
        (
            Mount(NonNull::new_unchecked(path.mnt)),
            Dentry::adopt(NonNull::new_unchecked(path.dentry)),
        )
    }
}

/// mkdir of the negative dentry `d` in `dir` (locked by the caller).
pub(crate) fn mkdir(mnt: &Mount, dir: &Dentry, _locked: &InodeLock<'_>, d: &Dentry) -> Result {
    let path = mnt.path(dir);
    // SAFETY: all pinned; the parent is locked as vfs_mkdir requires.
    to_result(unsafe { fsrs_security_path_mkdir(&path, d.as_ptr(), 0o700) })?;
    let inode = dir.inode().ok_or(ENOENT)?;
    // SAFETY: as above.
    to_result(unsafe { bindings::vfs_mkdir(idmap(), inode.as_ptr(), d.as_ptr(), 0o700) })
}

/// The LSM's say on unlinking `d` from `dir`.
pub(crate) fn security_unlink(mnt: &Mount, dir: &Dentry, d: &Dentry) -> Result {
    let path = mnt.path(dir);
    // SAFETY: all pinned.
    to_result(unsafe { fsrs_security_path_unlink(&path, d.as_ptr()) })
}

/// unlink of `d` from `dir` (locked by the caller).
pub(crate) fn unlink(dir: &Dentry, _locked: &InodeLock<'_>, d: &Dentry) -> Result {
    let inode = dir.inode().ok_or(ENOENT)?;
    // SAFETY: as above.
    to_result(unsafe {
        bindings::vfs_unlink(idmap(), inode.as_ptr(), d.as_ptr(), core::ptr::null_mut())
    })
}

/// Security check before a rename into the graveyard.
pub(crate) fn security_rename(
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
pub(crate) fn rename(
    _locked: &RenameLock<'_>,
    old_dir: &Dentry,
    old: &Dentry,
    new_dir: &Dentry,
    new: &Dentry,
) -> Result {
    // SAFETY: all pinned; both parents are locked.
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
pub(crate) struct RenameLock<'a> {
    a: &'a Dentry,
    b: &'a Dentry,
    trap: *mut bindings::dentry,
}

impl<'a> RenameLock<'a> {
    pub(crate) fn lock(a: &'a Dentry, b: &'a Dentry) -> Result<Self> {
        // SAFETY: both dentries are pinned.
        let trap = from_err_ptr(unsafe { bindings::lock_rename(a.as_ptr(), b.as_ptr()) })?;
        Ok(RenameLock { a, b, trap })
    }

    pub(crate) fn is_trap(&self, d: &Dentry) -> bool {
        self.trap == d.as_ptr()
    }
}

impl Drop for RenameLock<'_> {
    fn drop(&mut self) {
        // SAFETY: locked in lock() with the same pair.
        unsafe { bindings::unlock_rename(self.a.as_ptr(), self.b.as_ptr()) };
    }
}

/// Reads an xattr into `buf`; returns the length read.
pub(crate) fn getxattr(d: &Dentry, name: &[u8], buf: &mut [u8]) -> Result<usize> {
    // SAFETY: the dentry is pinned, `name` is NUL-terminated (checked by
    // the callers' constants), `buf` is writable for its length.
    let n = unsafe {
        bindings::vfs_getxattr(
            idmap(),
            d.as_ptr(),
            name.as_ptr() as *const c_char,
            buf.as_mut_ptr() as *mut c_void,
            buf.len(),
        )
    };
    if n < 0 {
        return Err(Error::from_errno(n as c_int));
    }
    Ok(n as usize)
}

/// Sets an xattr (the caller holds write access to the mount).
pub(crate) fn setxattr(d: &Dentry, name: &[u8], value: &[u8]) -> Result {
    // SAFETY: as for getxattr; `value` is readable for its length.
    to_result(unsafe {
        bindings::vfs_setxattr(
            idmap(),
            d.as_ptr(),
            name.as_ptr() as *const c_char,
            value.as_ptr() as *const c_void,
            value.len(),
            0,
        )
    })
}

/// Removes an xattr (the caller holds write access to the mount).
pub(crate) fn removexattr(d: &Dentry, name: &[u8]) -> Result {
    // SAFETY: as for getxattr.
    to_result(unsafe {
        bindings::vfs_removexattr(idmap(), d.as_ptr(), name.as_ptr() as *const c_char)
    })
}

/// An open `struct file` (upstream: `kernel::fs::File`, 6.13);
/// `ARef<File>` is a counted reference (get_file/fput).
///
/// # Invariants
///
/// Only references to it exist, each backed by a file reference held by
/// its owner.
#[repr(transparent)]
pub(crate) struct File(Opaque<bindings::file>);

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
    pub(crate) fn as_ptr(&self) -> *mut bindings::file {
        self.0.get()
    }

    /// Borrows a file someone else holds a reference on.
    ///
    /// # Safety
    ///
    /// `p` must be a file kept referenced for `'a`.
    pub(crate) unsafe fn from_raw<'a>(p: *mut bindings::file) -> &'a File {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<File>() }
    }

    /// Takes over a file reference.
    ///
    /// # Safety
    ///
    /// `p` must carry a file reference that the caller hands over.
    pub(crate) unsafe fn adopt(p: NonNull<bindings::file>) -> ARef<File> {
        // SAFETY: per the caller; transparent wrapper.
        unsafe { ARef::from_raw(p.cast()) }
    }

    pub(crate) fn inode(&self) -> &Inode {
        // SAFETY: an open file always has an inode, pinned by the file,
        // which is referenced while borrowed (type invariant).
        unsafe { Inode::from_raw(fsrs_file_inode(self.as_ptr())) }
    }

    /// The file's dentry, with a reference of its own.
    pub(crate) fn dentry(&self) -> ARef<Dentry> {
        // SAFETY: an open file pins its dentry, which is live while the
        // file is borrowed; ARef::from takes our own reference.
        ARef::from(unsafe { &*fsrs_file_dentry(self.as_ptr()).cast::<Dentry>() })
    }

    pub(crate) fn has_rw_iter(&self) -> bool {
        // SAFETY: the file is pinned.
        unsafe { fsrs_file_has_rw_iter(self.as_ptr()) }
    }

    pub(crate) fn llseek(&self, pos: i64, whence: u32) -> Result<i64> {
        // SAFETY: the file is pinned.
        let r = unsafe { bindings::vfs_llseek(self.as_ptr(), pos, whence as c_int) };
        if r < 0 {
            return Err(Error::from_errno(r as c_int));
        }
        Ok(r)
    }

    pub(crate) fn truncate(&self, size: i64) -> Result {
        // SAFETY: the file (and so its path) is pinned.
        let r: c_long = unsafe { bindings::vfs_truncate(fsrs_file_path(self.as_ptr()), size) };
        to_result(r as c_int)
    }

    /// notify_change(ATTR_SIZE); the caller holds the inode lock.
    pub(crate) fn set_size(&self, _locked: &InodeLock<'_>, size: i64) -> Result {
        // SAFETY: the file is pinned and its inode locked.
        to_result(unsafe { fsrs_set_size(self.as_ptr(), size) })
    }

    pub(crate) fn zero_range(&self, pos: i64, len: i64) -> Result {
        // SAFETY: the file is pinned.
        to_result(unsafe { fsrs_zero_range(self.as_ptr(), pos, len) })
    }

    pub(crate) fn punch_hole(&self, pos: i64, len: i64) -> Result {
        // SAFETY: the file is pinned.
        to_result(unsafe { fsrs_punch_hole(self.as_ptr(), pos, len) })
    }

    pub(crate) fn touch_atime(&self) {
        // SAFETY: the file (and so its path) is pinned.
        unsafe { bindings::touch_atime(fsrs_file_path(self.as_ptr())) };
    }

    /// mnt_want_write_file() / mnt_drop_write_file() around `f`.
    pub(crate) fn with_write<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        // SAFETY: the file is pinned.
        to_result(unsafe { bindings::mnt_want_write_file(self.as_ptr()) })?;
        let r = f();
        // SAFETY: paired with the successful call above.
        unsafe { bindings::mnt_drop_write_file(self.as_ptr()) };
        r
    }
}

/// Flags every backing file is opened with.
const OPEN_FLAGS: c_int = (bindings::O_RDWR | bindings::O_LARGEFILE | bindings::O_DIRECT) as c_int;

/// Opens the file at `d` for direct I/O with the cache's credentials.
pub(crate) fn open(mnt: &Mount, d: &Dentry, cred: &Credential) -> Result<ARef<File>> {
    let path = mnt.path(d);
    // SAFETY: the path is pinned; the cred is valid.
    let f = unsafe { bindings::kernel_file_open(&path, OPEN_FLAGS, cred.as_ptr()) };
    // SAFETY: a successful open returns a file reference for us.
    Ok(unsafe { File::adopt(returned(f)?) })
}

/// Creates an unlinked file in `dir`, open for direct I/O.
pub(crate) fn tmpfile(mnt: &Mount, dir: &Dentry, cred: &Credential) -> Result<ARef<File>> {
    let path = mnt.path(dir);
    // SAFETY: the path is pinned; the cred is valid.
    let f = unsafe {
        bindings::kernel_tmpfile_open(
            idmap(),
            &path,
            (bindings::S_IFREG | 0o600) as bindings::umode_t,
            OPEN_FLAGS,
            cred.as_ptr(),
        )
    };
    // SAFETY: a successful open returns a file reference for us.
    Ok(unsafe { File::adopt(returned(f)?) })
}

/// Links the (tmp)file `file` into `dir` as the negative dentry `d`.
pub(crate) fn link(file: &File, dir: &Dentry, _locked: &InodeLock<'_>, d: &Dentry) -> Result {
    let inode = dir.inode().ok_or(ENOENT)?;
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

/// A set of credentials (upstream: `kernel::cred::Credential`);
/// `ARef<Credential>` is a counted reference (get_cred/put_cred).
///
/// # Invariants
///
/// Only references to it exist, each backed by a counted reference held by
/// its owner; the credentials are not changed while shared.
#[repr(transparent)]
pub(crate) struct Credential(Opaque<bindings::cred>);

// SAFETY: credentials are immutable once shared and refcounted.
unsafe impl Send for Credential {}
// SAFETY: see `Send`.
unsafe impl Sync for Credential {}

// SAFETY: get_cred()/put_cred() count the references; the credentials are
// freed only after the last.
unsafe impl AlwaysRefCounted for Credential {
    fn inc_ref(&self) {
        // SAFETY: `&self` proves a reference is held.
        unsafe { fsrs_get_cred(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it holds.
        unsafe { fsrs_put_cred(obj.as_ref().as_ptr()) };
    }
}

impl Credential {
    pub(crate) fn as_ptr(&self) -> *const bindings::cred {
        self.0.get()
    }

    /// Takes over a reference on credentials.
    ///
    /// # Safety
    ///
    /// `p` must carry a reference that the caller hands over, on
    /// credentials no one changes any more.
    unsafe fn adopt(p: NonNull<bindings::cred>) -> ARef<Credential> {
        // SAFETY: per the caller; transparent wrapper.
        unsafe { ARef::from_raw(p.cast()) }
    }

    /// Kernel credentials for the cache, based on the current task, with
    /// the security override `secid` if the daemon gave one.
    pub(crate) fn for_cache(secid: Option<u32>) -> Result<ARef<Credential>> {
        // SAFETY: prepare_kernel_cred() copies the current task's creds.
        let new = unsafe { bindings::prepare_kernel_cred(bindings::get_current()) };
        let new = NonNull::new(new).ok_or(ENOMEM)?;
        // The override below is set before the credentials are shared;
        // on error the reference is dropped with them.
        // SAFETY: prepare_kernel_cred() gave us the only reference.
        let cred = unsafe { Credential::adopt(new) };
        if let Some(secid) = secid {
            // SAFETY: `new` is ours and not yet shared.
            let r = unsafe { bindings::set_security_override(new.as_ptr(), secid) };
            if r < 0 {
                pr_err!(
                    "Security denies permission to nominate security context: error {}\n",
                    r
                );
                return Err(Error::from_errno(r));
            }
        }
        Ok(cred)
    }
}

/// Credentials being prepared: a copy of the ones in force when it was
/// made, not yet shared. Dropped unused, it is aborted.
///
/// # Invariants
///
/// `self.0` came from `prepare_creds()`, is owned by this object, and is
/// neither committed nor shared.
pub(crate) struct NewCred(NonNull<bindings::cred>);

impl NewCred {
    /// Copies the task's current (subjective) credentials: inside a
    /// [`Secure`], the cache's.
    pub(crate) fn prepare() -> Result<NewCred> {
        // SAFETY: prepare_creds() has no precondition; it copies the
        // current task's subjective credentials.
        let new = NonNull::new(unsafe { bindings::prepare_creds() }).ok_or(ENOMEM)?;
        // INVARIANT: freshly prepared, and only this object has it.
        Ok(NewCred(new))
    }

    /// Makes these the credentials that create files as `root` does (its
    /// owner and security context). The LSM checks the *current* subject
    /// against `root`, so, as in C, call this as the daemon, outside the
    /// cache's [`Secure`]: a policy grants `create_files_as` to the daemon's
    /// domain, not to the cache's context.
    pub(crate) fn create_files_as(self, root: &Dentry) -> Result<ARef<Credential>> {
        let inode = root.inode().ok_or(ENOENT)?;
        // SAFETY: `self.0` is ours and unshared (type invariant); the
        // inode is pinned by `root`.
        let r = unsafe { bindings::set_create_files_as(self.0.as_ptr(), inode.as_ptr()) };
        if r < 0 {
            // Drop aborts the credentials.
            return Err(Error::from_errno(r));
        }
        let new = self.0;
        core::mem::forget(self);
        // SAFETY: the prepared credentials' reference, handed over; no one
        // changes them from now on.
        Ok(unsafe { Credential::adopt(new) })
    }
}

impl Drop for NewCred {
    fn drop(&mut self) {
        // SAFETY: prepared by us, never committed or shared.
        unsafe { bindings::abort_creds(self.0.as_ptr()) };
    }
}

/// The cache's credentials in force for the current task until dropped.
pub(crate) struct Secure(*const bindings::cred);

impl Secure {
    pub(crate) fn begin(cred: &Credential) -> Self {
        // SAFETY: `cred` is valid and outlives the guard (the cache owns it).
        Secure(unsafe { bindings::override_creds(cred.as_ptr()) })
    }
}

impl Drop for Secure {
    fn drop(&mut self) {
        // SAFETY: restores what override_creds() returned.
        unsafe { bindings::revert_creds(self.0) };
    }
}

/// Wall-clock seconds (graveyard names).
pub(crate) fn real_seconds() -> u32 {
    // SAFETY: reads the clock.
    unsafe { bindings::ktime_get_real_seconds() as u32 }
}
