// SPDX-License-Identifier: GPL-2.0
//! Superblocks, borrowed from a dentry on them. Upstream: none usable here
//! (later kernels' `kernel::fs::sb` serves filesystems written in Rust).

use kernel::{bindings, types::Opaque};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/fs.c
    fn fsrs_sb_rdonly(sb: *const bindings::super_block) -> bool;
}

/// A superblock operation, by its `struct super_operations` member.
#[derive(Clone, Copy)]
pub enum SuperOp {
    Statfs,
    SyncFs,
}

/// A `struct super_block`.
///
/// # Invariants
///
/// Only references to it exist, borrowed from a dentry on it, which pins
/// the superblock while it lives.
#[repr(transparent)]
pub struct SuperBlock(Opaque<bindings::super_block>);

impl SuperBlock {
    /// # Safety
    ///
    /// `p` must be a superblock pinned for `'a`.
    pub unsafe fn from_raw<'a>(p: *mut bindings::super_block) -> &'a SuperBlock {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<SuperBlock>() }
    }

    pub fn as_ptr(&self) -> *mut bindings::super_block {
        self.0.get()
    }

    /// Whether the filesystem is mounted read-only (`sb_rdonly()`).
    pub fn rdonly(&self) -> bool {
        // SAFETY: the superblock is pinned while borrowed (type invariant).
        unsafe { fsrs_sb_rdonly(self.as_ptr()) }
    }

    /// The filesystem's block size.
    pub fn blocksize(&self) -> u64 {
        // SAFETY: the superblock is pinned while borrowed (type invariant);
        // the block size is set when it is filled in.
        unsafe { (*self.as_ptr()).s_blocksize as u64 }
    }

    /// Whether the superblock's operations include `op`.
    pub fn has_op(&self, op: SuperOp) -> bool {
        // SAFETY: the superblock is pinned while borrowed (type invariant);
        // s_op is set when it is filled in and points at a table that
        // outlives it.
        let ops = unsafe { &*(*self.as_ptr()).s_op };
        match op {
            SuperOp::Statfs => ops.statfs.is_some(),
            SuperOp::SyncFs => ops.sync_fs.is_some(),
        }
    }
}
