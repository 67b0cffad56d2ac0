// SPDX-License-Identifier: GPL-2.0
//! Mounts (a counted `vfsmount` reference) and statfs. Upstream: none.

use super::dentry::Dentry;
use core::ptr::NonNull;
use kernel::{bindings, error::to_result, ffi::c_int, prelude::*};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/fs.c
    fn fsrs_mnt_root(mnt: *const bindings::vfsmount) -> *mut bindings::dentry;
    fn fsrs_sync_fs(mnt: *mut bindings::vfsmount) -> c_int;
    fn fsrs_is_idmapped_mnt(mnt: *const bindings::vfsmount) -> bool;
}

/// A counted reference to a mount (`mntget`/`mntput`). Owned only: no
/// borrowed form is needed yet.
///
/// # Invariants
///
/// `0` is a mount on which this holds one reference.
pub struct Mount(NonNull<bindings::vfsmount>);

// SAFETY: mount references may be dropped on any thread.
unsafe impl Send for Mount {}
// SAFETY: only read through.
unsafe impl Sync for Mount {}

impl Mount {
    /// Takes over a mount reference.
    ///
    /// # Safety
    ///
    /// `p` must carry a reference that the caller hands over.
    pub unsafe fn adopt(p: NonNull<bindings::vfsmount>) -> Mount {
        // INVARIANT: per the caller.
        Mount(p)
    }

    pub fn as_ptr(&self) -> *mut bindings::vfsmount {
        self.0.as_ptr()
    }

    /// A `struct path` of `dentry` on this mount, borrowed from both.
    pub fn path(&self, dentry: &Dentry) -> bindings::path {
        bindings::path {
            mnt: self.as_ptr(),
            dentry: dentry.as_ptr(),
        }
    }

    /// Whether the mount is idmapped (`is_idmapped_mnt()`).
    pub fn is_idmapped(&self) -> bool {
        // SAFETY: the mount is pinned by our reference.
        unsafe { fsrs_is_idmapped_mnt(self.as_ptr()) }
    }

    /// Writes the backing superblock back (at withdrawal).
    pub fn sync(&self) -> Result {
        // SAFETY: the mount is pinned by our reference.
        to_result(unsafe { fsrs_sync_fs(self.as_ptr()) })
    }

    /// statfs of the filesystem under `root` (a dentry on this mount).
    pub fn statfs(&self, root: &Dentry) -> Result<StatFs> {
        statfs_path(&self.path(root))
    }

    /// statfs of the whole mount.
    pub fn statfs_root(&self) -> Result<StatFs> {
        let path = bindings::path {
            mnt: self.as_ptr(),
            // SAFETY: the mount pins its root dentry.
            dentry: unsafe { fsrs_mnt_root(self.as_ptr()) },
        };
        statfs_path(&path)
    }

    /// mnt_want_write() / mnt_drop_write() around `f`.
    pub fn with_write<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
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
pub struct StatFs {
    pub ffree: u64,
    pub bavail: u64,
    pub files: u64,
    pub blocks: u64,
    pub bsize: i64,
}
