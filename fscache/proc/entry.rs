// SPDX-License-Identifier: GPL-2.0
//! `/proc` entries; they print through `kext::seq_file::SeqFile`.
//!
//! The only place the fscache crate touches procfs; what the files say is
//! decided in `proc/mod.rs`.

use crate::log::pr_named;
use kernel::{bindings, prelude::*};

pub(crate) use crate::kext::seq_file::SeqFile;

/// A `/proc` path (file, directory or symlink) removed with everything
/// under it when dropped.
pub(crate) struct ProcEntry {
    path: &'static CStr,
}

impl ProcEntry {
    fn made(path: &'static CStr, pde: *mut bindings::proc_dir_entry) -> Result<Self> {
        if pde.is_null() {
            pr_named!(Err, ("cannot create /proc/"), path.as_bytes(), ("\n"));
            return Err(ENOMEM);
        }
        Ok(Self { path })
    }

    /// Creates directory `/proc/<path>`.
    pub(crate) fn mkdir(path: &'static CStr) -> Result<Self> {
        // SAFETY: `path` is a NUL-terminated string; a null parent means
        // the path is relative to /proc.
        let pde = unsafe { bindings::proc_mkdir(path.as_char_ptr(), core::ptr::null_mut()) };
        Self::made(path, pde)
    }

    /// Creates symlink `/proc/<path>` pointing at `target`.
    pub(crate) fn symlink(path: &'static CStr, target: &'static CStr) -> Result<Self> {
        // SAFETY: both strings are NUL-terminated; procfs copies them.
        let pde = unsafe {
            bindings::proc_symlink(
                path.as_char_ptr(),
                core::ptr::null_mut(),
                target.as_char_ptr(),
            )
        };
        Self::made(path, pde)
    }
}

// cookie/cookie.c: the cookie list's seq_file iterator.
#[allow(improper_ctypes)]
extern "C" {
    fn fsrs_proc_create_cookies(path: *const kernel::ffi::c_char) -> *mut bindings::proc_dir_entry;
    fn fsrs_proc_create_caches(path: *const kernel::ffi::c_char) -> *mut bindings::proc_dir_entry;
    fn fsrs_proc_create_volumes(path: *const kernel::ffi::c_char) -> *mut bindings::proc_dir_entry;
}

impl ProcEntry {
    /// Creates `/proc/<path>` listing every cookie through a seq_file
    /// iterator (cookie/cookie.c), a row per show() call.
    pub(crate) fn cookies(path: &'static CStr) -> Result<Self> {
        // SAFETY: `path` is NUL-terminated; the iterator's ops are static
        // in this module, and the entry is removed in drop() before unload.
        let pde = unsafe { fsrs_proc_create_cookies(path.as_char_ptr()) };
        Self::made(path, pde)
    }

    /// Creates `/proc/<path>` listing every cache through a seq_file
    /// iterator (proc/proc.c).
    pub(crate) fn caches(path: &'static CStr) -> Result<Self> {
        // SAFETY: `path` is NUL-terminated; the iterator's ops are static
        // in this module, and the entry is removed in drop() before unload.
        let pde = unsafe { fsrs_proc_create_caches(path.as_char_ptr()) };
        Self::made(path, pde)
    }

    /// Creates `/proc/<path>` listing every volume through a seq_file
    /// iterator (proc/proc.c).
    pub(crate) fn volumes(path: &'static CStr) -> Result<Self> {
        // SAFETY: `path` is NUL-terminated; the iterator's ops are static
        // in this module, and the entry is removed in drop() before unload.
        let pde = unsafe { fsrs_proc_create_volumes(path.as_char_ptr()) };
        Self::made(path, pde)
    }
}

impl Drop for ProcEntry {
    fn drop(&mut self) {
        // SAFETY: `path` names an entry this object created; removing it
        // waits for readers to finish.
        unsafe { bindings::remove_proc_subtree(self.path.as_char_ptr(), core::ptr::null_mut()) };
    }
}
