// SPDX-License-Identifier: GPL-2.0
//! Dentries: `ARef<Dentry>` counts a reference (dget/dput), `&Dentry`
//! borrows one. Upstream: none as of 6.18.

use super::inode::{DirLocked, Inode};
use super::returned;
use super::super_block::SuperBlock;
use crate::kext::error::code::*;
use core::ptr::NonNull;
use kernel::{
    bindings,
    ffi::{c_char, c_int},
    prelude::*,
    types::{ARef, AlwaysRefCounted, Opaque},
};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/fs.c
    fn fsrs_dget(d: *mut bindings::dentry) -> *mut bindings::dentry;
    fn fsrs_d_inode(d: *const bindings::dentry) -> *mut bindings::inode;
    fn fsrs_d_is_negative(d: *const bindings::dentry) -> bool;
    fn fsrs_d_is_reg(d: *const bindings::dentry) -> bool;
    fn fsrs_d_is_dir(d: *const bindings::dentry) -> bool;
    fn fsrs_d_can_lookup(d: *const bindings::dentry) -> bool;
    fn fsrs_d_unhashed(d: *const bindings::dentry) -> bool;
    fn fsrs_d_mountpoint(d: *const bindings::dentry) -> bool;
    fn fsrs_d_parent(d: *const bindings::dentry) -> *mut bindings::dentry;
}

/// A `struct dentry`; `ARef<Dentry>` is a counted reference (dget/dput).
///
/// # Invariants
///
/// Only references to it exist, each backed by a dentry reference held by
/// its owner (an `ARef<Dentry>`, or a file or path that pins it).
#[repr(transparent)]
pub struct Dentry(Opaque<bindings::dentry>);

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
    pub unsafe fn adopt(p: NonNull<bindings::dentry>) -> ARef<Dentry> {
        // SAFETY: per the caller; transparent wrapper.
        unsafe { ARef::from_raw(p.cast()) }
    }

    pub fn as_ptr(&self) -> *mut bindings::dentry {
        self.0.get()
    }

    /// The inode, if the dentry is positive.
    pub fn inode(&self) -> Option<&Inode> {
        // SAFETY: our reference keeps the dentry alive (type invariant).
        let i = unsafe { fsrs_d_inode(self.as_ptr()) };
        // SAFETY: a positive dentry pins its inode while referenced.
        (!i.is_null()).then(|| unsafe { Inode::from_raw(i) })
    }

    pub fn is_negative(&self) -> bool {
        // SAFETY: the dentry is live while borrowed (type invariant).
        unsafe { fsrs_d_is_negative(self.as_ptr()) }
    }

    pub fn is_reg(&self) -> bool {
        // SAFETY: the dentry is live while borrowed (type invariant).
        unsafe { fsrs_d_is_reg(self.as_ptr()) }
    }

    pub fn is_dir(&self) -> bool {
        // SAFETY: the dentry is live while borrowed (type invariant).
        unsafe { fsrs_d_is_dir(self.as_ptr()) }
    }

    pub fn can_lookup(&self) -> bool {
        // SAFETY: the dentry is live while borrowed (type invariant).
        unsafe { fsrs_d_can_lookup(self.as_ptr()) }
    }

    pub fn unhashed(&self) -> bool {
        // SAFETY: the dentry is live while borrowed (type invariant).
        unsafe { fsrs_d_unhashed(self.as_ptr()) }
    }

    pub fn is_mountpoint(&self) -> bool {
        // SAFETY: the dentry is live while borrowed (type invariant).
        unsafe { fsrs_d_mountpoint(self.as_ptr()) }
    }

    /// Whether `dir` is (still) this dentry's parent.
    pub fn parent_is(&self, dir: &Dentry) -> bool {
        // SAFETY: the dentry is live while borrowed (type invariant);
        // d_parent is only compared, not dereferenced.
        unsafe { fsrs_d_parent(self.as_ptr()) == dir.as_ptr() }
    }

    /// Looks `name` up in this directory, whose inode lock the caller
    /// holds (`locked` proves it, checked against this directory).
    pub fn lookup_locked(&self, locked: &impl DirLocked, name: &[u8]) -> Result<ARef<Dentry>> {
        locked.check(self)?;
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
    pub fn lookup_positive(&self, name: &[u8]) -> Result<ARef<Dentry>> {
        let len = c_int::try_from(name.len()).map_err(|_| ENAMETOOLONG())?;
        // SAFETY: the directory is pinned; `name` is valid for `len` bytes.
        let d = unsafe {
            bindings::lookup_positive_unlocked(name.as_ptr() as *const c_char, self.as_ptr(), len)
        };
        // SAFETY: a successful lookup returns a reference for us.
        Ok(unsafe { Dentry::adopt(returned(d)?) })
    }

    /// The superblock of the filesystem the dentry is on.
    pub fn super_block(&self) -> &SuperBlock {
        // SAFETY: the dentry is live while borrowed (type invariant), and
        // d_sb is fixed for its life; a dentry pins its superblock.
        unsafe { SuperBlock::from_raw((*self.as_ptr()).d_sb) }
    }
}
