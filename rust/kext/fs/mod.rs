// SPDX-License-Identifier: GPL-2.0
//! File-system objects. Upstream: `kernel::fs` (6.13) has `file`; the
//! others have no upstream equivalent and follow its shape: `Opaque`
//! wrappers used by reference, `ARef` for counted references.

pub mod anon;
pub mod dentry;
pub mod file;
pub mod inode;
pub mod mount;
pub mod namei;
pub mod super_block;
pub mod xattr;

use core::ptr::NonNull;
use kernel::{bindings, error::from_err_ptr, prelude::*};

/// A pointer a VFS call returns, `ERR_PTR` decoded: an error, or a
/// reference the call gave us (never null on success).
pub(crate) fn returned<T>(p: *mut T) -> Result<NonNull<T>> {
    NonNull::new(from_err_ptr(p)?).ok_or(ENOMEM)
}

/// The identity idmap: we never act through idmapped mounts.
pub(crate) fn idmap() -> *mut bindings::mnt_idmap {
    // nop_mnt_idmap is a static the VFS never frees; only its address is
    // taken.
    core::ptr::addr_of_mut!(bindings::nop_mnt_idmap)
}
