// SPDX-License-Identifier: GPL-2.0
//! cachefiles' view of the VFS: the shared layer's file-system objects
//! (`rust/kext/fs`, `rust/kext/cred`), re-exported under the names the
//! rest of the crate uses, and the policy cachefiles adds to them: how
//! backing files are opened, what a cache's root and directories must
//! offer, the cache's credentials, and the traced in-use marks.

use crate::kext::error::code::*;
use crate::kext::fs::{inode::InodeOp, namei, super_block::SuperOp};
use crate::log::{pr_err, pr_warn};
use crate::trace;
use kernel::{bindings, ffi::c_int, prelude::*, types::ARef};

pub(crate) use crate::kext::cred::{Credential, NewCred};
pub(crate) use crate::kext::fs::{
    dentry::Dentry,
    file::File,
    inode::{Inode, InodeLock},
    mount::Mount,
    namei::{
        kern_path_dir, link, mkdir, pwd, rename, security_rename, security_unlink, unlink,
        RenameLock,
    },
    xattr::{getxattr, removexattr, setxattr},
};

/// The name of the coherency xattr on data files and volume directories
/// (its layouts: `coherency.rs`).
pub(crate) const XATTR_NAME: &CStr = kernel::c_str!("user.CacheFiles.cache");

/// Runs `f` with the cache's credentials `cred` in force for the current
/// task (C's `cachefiles_begin_secure()` before, `cachefiles_end_secure()`
/// after), and returns what it returns.
pub(crate) fn secure<R>(cred: &Credential, f: impl FnOnce() -> R) -> R {
    crate::kext::cred::with_creds(cred, f)
}

/// Checks what cachefiles needs of the root of a cache (at bind, as C's
/// cachefiles_add_cache() does): a mount that is not idmapped, a root
/// that [`root_ok`], a filesystem mounted read-write.
pub(crate) fn check_root(mnt: &Mount, root: &Dentry) -> Result {
    if mnt.is_idmapped() {
        pr_warn!("File cache on idmapped mounts not supported");
        return Err(EINVAL);
    }
    if !root_ok(root) {
        return Err(EOPNOTSUPP());
    }
    if root.super_block().rdonly() {
        return Err(EROFS);
    }
    Ok(())
}

/// What the root of a cache must offer: lookup, mkdir, tmpfile and
/// xattrs in the directory; statfs and sync_fs in its filesystem, whose
/// blocks must not be larger than a page.
fn root_ok(root: &Dentry) -> bool {
    if root.is_negative() {
        return false;
    }
    let Some(inode) = root.inode() else {
        return false;
    };
    let sb = root.super_block();
    inode.has_op(InodeOp::Lookup)
        && inode.has_op(InodeOp::Mkdir)
        && inode.has_op(InodeOp::Tmpfile)
        && inode.has_xattr()
        && sb.has_op(SuperOp::Statfs)
        && sb.has_op(SuperOp::SyncFs)
        && sb.blocksize() <= kernel::page::PAGE_SIZE as u64
}

/// What a directory of the cache must be able to do: xattrs, lookup,
/// mkdir, rename, rmdir and unlink.
pub(crate) fn dir_ops_ok(inode: &Inode) -> bool {
    inode.has_xattr()
        && inode.has_op(InodeOp::Lookup)
        && inode.has_op(InodeOp::Mkdir)
        && inode.has_op(InodeOp::Rename)
        && inode.has_op(InodeOp::Rmdir)
        && inode.has_op(InodeOp::Unlink)
}

/// The LSM's say on creating directories and files under the root (C's
/// cachefiles_check_cache_dir(), with its log lines, which have no
/// newline). An LSM that does not implement the checks allows them.
pub(crate) fn security_check_dir(root: &Dentry) -> Result {
    let r = check_cache_dir(root);
    match r {
        Err(e) if e == EOPNOTSUPP() => Ok(()),
        r => r,
    }
}

fn check_cache_dir(root: &Dentry) -> Result {
    let inode = root.inode().ok_or(ENOENT)?;
    namei::security_inode_mkdir(inode, root, 0).inspect_err(|e| {
        pr_err!(
            "Security denies permission to make dirs: error {}",
            e.to_errno()
        );
    })?;
    namei::security_inode_create(inode, root, 0).inspect_err(|e| {
        pr_err!(
            "Security denies permission to create files: error {}",
            e.to_errno()
        );
    })
}

/// Kernel credentials for the cache, based on the current task, with
/// the security override `secid` if the daemon gave one.
pub(crate) fn cache_credential(secid: Option<u32>) -> Result<ARef<Credential>> {
    let mut new = NewCred::prepare_kernel()?;
    if let Some(secid) = secid {
        new.set_security_override(secid).inspect_err(|e| {
            pr_err!(
                "Security denies permission to nominate security context: error {}\n",
                e.to_errno()
            );
        })?;
    }
    Ok(new.into_credential())
}

/// Makes `new` the credentials that create files as `root` does (its
/// owner and security context). The LSM checks the *current* subject
/// against `root`, so, as in C, call this as the daemon, outside
/// [`secure`]: a policy grants `create_files_as` to the daemon's domain,
/// not to the cache's context.
pub(crate) fn create_files_as(mut new: NewCred, root: &Dentry) -> Result<ARef<Credential>> {
    let inode = root.inode().ok_or(ENOENT)?;
    // On error, dropping `new` aborts the credentials.
    new.set_create_files_as(inode)?;
    Ok(new.into_credential())
}

/// Flags every backing file is opened with.
const OPEN_FLAGS: c_int = (bindings::O_RDWR | bindings::O_LARGEFILE | bindings::O_DIRECT) as c_int;

/// Opens the file at `d` for direct I/O with the cache's credentials.
pub(crate) fn open(mnt: &Mount, d: &Dentry, cred: &Credential) -> Result<ARef<File>> {
    File::open(mnt, d, OPEN_FLAGS, cred)
}

/// Creates an unlinked file in `dir`, open for direct I/O.
pub(crate) fn tmpfile(mnt: &Mount, dir: &Dentry, cred: &Credential) -> Result<ARef<File>> {
    File::tmpfile_open(
        mnt,
        dir,
        (bindings::S_IFREG | 0o600) as bindings::umode_t,
        OPEN_FLAGS,
        cred,
    )
}

/// The in-use mark (S_KERNEL_FILE) on a locked inode, as cachefiles uses
/// it: set while a cache uses the file or directory, so that no other
/// cache may use it and the daemon may not cull it; traced as C traces it.
pub(crate) trait InUse {
    /// Marks the inode in use for object `obj` (a directory: `None`);
    /// false if it already was (traced as mark_active or mark_failed).
    fn mark_in_use(&self, obj: Option<u32>) -> bool;
    /// Takes the mark off (traced as mark_inactive).
    fn unmark_in_use(&self, obj: Option<u32>);
    /// Marks the inode without a trace: the daemon's `cull`, which C does
    /// not trace either.
    fn mark_in_use_quietly(&self) -> bool;
}

impl InUse for InodeLock<'_> {
    fn mark_in_use(&self, obj: Option<u32>) -> bool {
        let marked = self.set_kernel_file();
        if marked {
            trace::mark_active(obj, self.inode());
        } else {
            trace::mark_failed(obj, self.inode());
        }
        marked
    }

    fn unmark_in_use(&self, obj: Option<u32>) {
        self.clear_kernel_file();
        trace::mark_inactive(obj, self.inode());
    }

    fn mark_in_use_quietly(&self) -> bool {
        self.set_kernel_file()
    }
}

/// Wall-clock seconds (graveyard names).
pub(crate) fn real_seconds() -> u32 {
    crate::kext::time::real_seconds() as u32
}
