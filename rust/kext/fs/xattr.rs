// SPDX-License-Identifier: GPL-2.0
//! Extended attributes on a dentry. Upstream: none.

use super::dentry::Dentry;
use super::idmap;
use kernel::{
    bindings,
    error::{to_result, Error},
    ffi::{c_int, c_void},
    prelude::*,
    str::CStr,
};

/// Reads an xattr into `buf`; returns the length read.
pub fn getxattr(d: &Dentry, name: &CStr, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: the dentry is pinned, `name` is NUL-terminated (a `CStr`),
    // `buf` is writable for its length.
    let n = unsafe {
        bindings::vfs_getxattr(
            idmap(),
            d.as_ptr(),
            name.as_char_ptr(),
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
pub fn setxattr(d: &Dentry, name: &CStr, value: &[u8]) -> Result {
    // SAFETY: as for getxattr; `value` is readable for its length.
    to_result(unsafe {
        bindings::vfs_setxattr(
            idmap(),
            d.as_ptr(),
            name.as_char_ptr(),
            value.as_ptr() as *const c_void,
            value.len(),
            0,
        )
    })
}

/// Removes an xattr (the caller holds write access to the mount).
pub fn removexattr(d: &Dentry, name: &CStr) -> Result {
    // SAFETY: as for getxattr.
    to_result(unsafe { bindings::vfs_removexattr(idmap(), d.as_ptr(), name.as_char_ptr()) })
}
