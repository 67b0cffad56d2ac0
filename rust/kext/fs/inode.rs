// SPDX-License-Identifier: GPL-2.0
//! Inodes, borrowed from the dentry or file that pins them, and the inode
//! lock. Upstream: none (6.18 has no inode abstraction usable here).

use super::namei::RenameLock;
use core::marker::PhantomData;
use kernel::{bindings, prelude::*, types::Opaque};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/fs.c
    fn fsrs_is_deaddir(inode: *mut bindings::inode) -> bool;
    fn fsrs_i_ino(inode: *const bindings::inode) -> u64;
    fn fsrs_i_blocks(inode: *const bindings::inode) -> u64;
    fn fsrs_inode_lock(inode: *mut bindings::inode);
    fn fsrs_inode_lock_parent(inode: *mut bindings::inode);
    fn fsrs_inode_unlock(inode: *mut bindings::inode);
    fn fsrs_inode_test_kernel_file(inode: *const bindings::inode) -> bool;
    fn fsrs_inode_set_kernel_file(inode: *mut bindings::inode);
    fn fsrs_inode_clear_kernel_file(inode: *mut bindings::inode);
    fn fsrs_i_size_read(inode: *const bindings::inode) -> i64;
}

/// An inode operation, by its `struct inode_operations` member.
#[derive(Clone, Copy)]
pub enum InodeOp {
    Lookup,
    Mkdir,
    Rename,
    Rmdir,
    Tmpfile,
    Unlink,
}

/// A `struct inode`.
///
/// # Invariants
///
/// Only references to it exist, borrowed from the dentry or file that
/// pins the inode, so it is live for as long as they are.
#[repr(transparent)]
pub struct Inode(Opaque<bindings::inode>);

// SAFETY: the accessors are the VFS's own, safe on any thread.
unsafe impl Send for Inode {}
// SAFETY: see `Send`.
unsafe impl Sync for Inode {}

impl Inode {
    /// # Safety
    ///
    /// `p` must be an inode pinned for `'a`.
    pub unsafe fn from_raw<'a>(p: *mut bindings::inode) -> &'a Inode {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<Inode>() }
    }

    pub fn as_ptr(&self) -> *mut bindings::inode {
        self.0.get()
    }

    pub fn ino(&self) -> u64 {
        // SAFETY: the inode is pinned while borrowed (type invariant).
        unsafe { fsrs_i_ino(self.as_ptr()) }
    }

    pub fn blocks(&self) -> u64 {
        // SAFETY: the inode is pinned while borrowed (type invariant).
        unsafe { fsrs_i_blocks(self.as_ptr()) }
    }

    pub fn size(&self) -> i64 {
        // SAFETY: the inode is pinned while borrowed (type invariant).
        unsafe { fsrs_i_size_read(self.as_ptr()) }
    }

    /// Takes the inode lock.
    pub fn lock(&self) -> InodeLock<'_> {
        // SAFETY: the inode is pinned while borrowed; the guard unlocks.
        unsafe { fsrs_inode_lock(self.as_ptr()) };
        InodeLock(self, PhantomData)
    }

    /// Takes a directory's inode lock in the parent lockdep class.
    pub fn lock_parent(&self) -> InodeLock<'_> {
        // SAFETY: the inode is pinned while borrowed; the guard unlocks.
        unsafe { fsrs_inode_lock_parent(self.as_ptr()) };
        InodeLock(self, PhantomData)
    }

    /// Whether the inode's operations include `op`.
    pub fn has_op(&self, op: InodeOp) -> bool {
        // SAFETY: the inode is pinned while borrowed (type invariant);
        // i_op is set when the inode is made and points at a table that
        // outlives it.
        let ops = unsafe { &*(*self.as_ptr()).i_op };
        match op {
            InodeOp::Lookup => ops.lookup.is_some(),
            InodeOp::Mkdir => ops.mkdir.is_some(),
            InodeOp::Rename => ops.rename.is_some(),
            InodeOp::Rmdir => ops.rmdir.is_some(),
            InodeOp::Tmpfile => ops.tmpfile.is_some(),
            InodeOp::Unlink => ops.unlink.is_some(),
        }
    }

    /// Whether the inode has extended attributes (`IOP_XATTR`).
    pub fn has_xattr(&self) -> bool {
        // SAFETY: the inode is pinned while borrowed (type invariant); one
        // read of a field the VFS may update, as C reads it.
        let flags =
            unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*self.as_ptr()).i_opflags)) };
        u32::from(flags) & bindings::IOP_XATTR != 0
    }

    pub fn is_dead_dir(&self) -> bool {
        // SAFETY: the inode is pinned while borrowed (type invariant).
        unsafe { fsrs_is_deaddir(self.as_ptr()) }
    }
}

/// A held inode lock.
///
/// # Invariants
///
/// `0`'s inode lock is held by this task until the guard is dropped; not
/// `Send`, so it is released by the task that took it.
#[must_use = "the inode is unlocked at once if the guard is dropped"]
pub struct InodeLock<'a>(&'a Inode, PhantomData<*mut ()>);

/// Proof that a directory's inode lock is held (by an InodeLock on it, or
/// by a RenameLock over it). Functions that take a proof check it against
/// the directory they act on ([`DirLocked::check`]).
pub trait DirLocked {
    /// Whether this lock covers `dir`'s inode.
    fn locks(&self, dir: &Inode) -> bool;

    /// `Ok` if this lock covers the (positive) directory `dir`; `EINVAL`
    /// for a proof of another directory, which is a caller's bug: the VFS
    /// call it guards is then not made unlocked.
    fn check<'d>(&self, dir: &'d super::dentry::Dentry) -> Result<&'d Inode> {
        let inode = dir.inode().ok_or(ENOENT)?;
        if !self.locks(inode) {
            pr_warn!("lock proof for another directory\n");
            return Err(EINVAL);
        }
        Ok(inode)
    }
}

impl DirLocked for InodeLock<'_> {
    fn locks(&self, dir: &Inode) -> bool {
        core::ptr::eq(self.0, dir)
    }
}

impl DirLocked for RenameLock<'_> {
    fn locks(&self, dir: &Inode) -> bool {
        self.covers(dir)
    }
}

impl InodeLock<'_> {
    /// The S_KERNEL_FILE mark: set while a cache uses the file, so that
    /// no other cache may use it and the daemon may not cull it.
    pub fn in_use(&self) -> bool {
        // SAFETY: the lock is held (type invariant), which guards i_flags.
        unsafe { fsrs_inode_test_kernel_file(self.0.as_ptr()) }
    }

    /// The locked inode.
    pub fn inode(&self) -> &Inode {
        self.0
    }

    /// Sets the S_KERNEL_FILE mark; false if it already was set.
    pub fn set_kernel_file(&self) -> bool {
        if self.in_use() {
            return false;
        }
        // SAFETY: the lock is held (type invariant), which guards i_flags.
        unsafe { fsrs_inode_set_kernel_file(self.0.as_ptr()) };
        true
    }

    /// Clears the S_KERNEL_FILE mark.
    pub fn clear_kernel_file(&self) {
        // SAFETY: the lock is held (type invariant), which guards i_flags.
        unsafe { fsrs_inode_clear_kernel_file(self.0.as_ptr()) };
    }
}

impl Drop for InodeLock<'_> {
    fn drop(&mut self) {
        // SAFETY: taken in Inode::lock* (type invariant).
        unsafe { fsrs_inode_unlock(self.0.as_ptr()) };
    }
}
