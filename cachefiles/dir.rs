// SPDX-License-Identifier: GPL-2.0
//! The cache's directories (`cache/`, `graveyard/`, volume and fan-out
//! directories): looked up or made, and held marked in use.

use crate::error_inject::{inject_read, inject_write};
use crate::log::{pr_err, pr_notice, Name};
use crate::trace;
use crate::vfs::{self, Dentry, InUse, Mount};
use kernel::{prelude::*, types::ARef};

/// A directory of the cache, marked in use (S_KERNEL_FILE) while we hold
/// it so that the daemon cannot cull it and no other cache can take it.
pub(crate) struct Dir(ARef<Dentry>);

impl core::ops::Deref for Dir {
    type Target = Dentry;
    fn deref(&self) -> &Dentry {
        &self.0
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        if let Some(inode) = self.0.inode() {
            inode.lock().unmark_in_use(None);
        }
    }
}

/// Looks up (and if need be creates) the directory `name` in `dir` and
/// marks it in use. `is_new` is set if it was created.
pub(crate) fn get_directory(
    mnt: &Mount,
    dir: &Dentry,
    name: &[u8],
    mut is_new: Option<&mut bool>,
    space: &dyn Fn() -> Result,
) -> Result<Dir> {
    let dinode = dir.inode().ok_or(ENOENT)?;
    let dlock = dinode.lock_parent();
    let sub = loop {
        let found = inject_read().and_then(|()| dir.lookup_locked(&dlock, name));
        trace::lookup(None, dir, found.as_deref().map_err(|e| *e));
        let sub = match found {
            Ok(d) => d,
            Err(e) => {
                trace::vfs_error(None, dinode, e.to_errno(), trace::Err::Lookup);
                if e == ENOMEM {
                    return Err(ENOMEM);
                }
                drop(dlock);
                pr_err!("Lookup {} failed with error {}\n", Name(name), e.to_errno());
                return Err(e);
            }
        };
        if !sub.is_negative() {
            break sub;
        }
        let made = space().and_then(|()| {
            let r = inject_write().and_then(|()| vfs::mkdir(mnt, dir, &dlock, &sub));
            match &r {
                Ok(()) => trace::mkdir(dir, &sub),
                Err(e) => trace::vfs_error(None, dinode, e.to_errno(), trace::Err::Mkdir),
            }
            r
        });
        if let Err(e) = made {
            drop(dlock);
            pr_err!("mkdir {} failed with error {}\n", Name(name), e.to_errno());
            return Err(e);
        }
        if sub.unhashed() {
            // Raced with something that unhashed it: look again.
            continue;
        }
        if let Some(n) = is_new.as_deref_mut() {
            *n = true;
        }
        break sub;
    };
    let inode = sub.inode().ok_or(ENOENT)?;
    let slock = inode.lock();
    drop(dlock);
    if !slock.mark_in_use(None) {
        drop(slock);
        pr_notice!(
            "cachefiles: Inode already in use: {} (B={:x})\n",
            Name(name),
            inode.ino()
        );
        return Err(EBUSY);
    }
    drop(slock);
    let dir_ops_ok = vfs::dir_ops_ok(inode);
    let sub = Dir(sub);
    if !sub.can_lookup() {
        pr_err!("{} is not a directory\n", Name(name));
        return Err(EIO);
    }
    if !dir_ops_ok {
        return Err(EPERM);
    }
    Ok(sub)
}
