// SPDX-License-Identifier: GPL-2.0
//! Removing files and directories from the cache: unlinking, burying in
//! the graveyard, and the daemon's `cull` and `inuse` requests. (The
//! cache's directories themselves are `dir.rs`.)

use crate::cache::Cache;
use crate::error_inject::{inject_read, inject_remove};
use crate::io_error;
use crate::kext::error::code::*;
use crate::log::pr_err;
use crate::trace::{self, Kill};
use crate::vfs::{self, Dentry, InUse, InodeLock, RenameLock};
use kernel::{prelude::*, types::ARef};

/// Unlinks the regular file `d` from `dir` (locked by the caller), for
/// object `obj` (none when the daemon culls) because of `why`.
pub(crate) fn unlink(
    cache: &Cache,
    obj: Option<u32>,
    dir: &Dentry,
    dlock: &InodeLock<'_>,
    d: &Dentry,
    why: Kill,
) -> Result {
    let b = cache.bound().ok_or(ENOBUFS())?;
    trace::unlink(obj, d.inode().map_or(0, |i| i.ino()), why);
    if let Err(e) = vfs::security_unlink(&b.mnt, dir, d) {
        io_error!(cache, "Unlink security error");
        return Err(e);
    }
    let r = inject_remove().and_then(|()| vfs::unlink(dir, dlock, d));
    if r == Err(EIO) {
        io_error!(cache, "Unlink failed");
    }
    if let (Err(e), Some(inode)) = (r, dir.inode()) {
        trace::vfs_error(obj, inode, e.to_errno(), trace::Err::Unlink);
    }
    r
}

/// Removes `rep` from `dir` for object `obj` (none when the daemon culls)
/// because of `why`: a file is unlinked, a directory is moved to the
/// graveyard for the daemon to delete. Takes over the lock on `dir`.
pub(crate) fn bury(
    cache: &Cache,
    obj: Option<u32>,
    dir: &Dentry,
    dlock: InodeLock<'_>,
    rep: &Dentry,
    why: Kill,
) -> Result {
    if !rep.parent_is(dir) {
        return Err(ESTALE());
    }
    if !rep.is_dir() {
        // Our own reference keeps the dentry from going negative if only
        // an open file pins it.
        let rep = ARef::from(rep);
        return unlink(cache, obj, dir, &dlock, &rep, why);
    }
    drop(dlock);
    let b = cache.bound().ok_or(ENOBUFS())?;
    let graveyard: &Dentry = &b.graveyard;
    loop {
        let name = cache.grave_name();
        let rl = RenameLock::lock(graveyard, dir)?;
        if !rep.parent_is(dir) || rep.inode().map_or(true, |i| i.is_dead_dir()) {
            // Culled while the parent was unlocked.
            return Ok(());
        }
        if !graveyard.can_lookup() {
            drop(rl);
            io_error!(cache, "Graveyard no longer a directory");
            return Err(EIO);
        }
        if rl.is_trap(rep) {
            drop(rl);
            io_error!(cache, "May not make directory loop");
            return Err(EIO);
        }
        if rep.is_mountpoint() {
            drop(rl);
            io_error!(cache, "Mountpoint in cache");
            return Err(EIO);
        }
        let grave = match graveyard.lookup_locked(&rl, &name) {
            Ok(g) => g,
            Err(e) => {
                if let Some(inode) = graveyard.inode() {
                    trace::vfs_error(obj, inode, e.to_errno(), trace::Err::Lookup);
                }
                if e == ENOMEM {
                    return Err(ENOMEM);
                }
                drop(rl);
                io_error!(cache, "Lookup error {}", e.to_errno());
                return Err(EIO);
            }
        };
        if !grave.is_negative() {
            drop(grave);
            drop(rl);
            continue;
        }
        if grave.is_mountpoint() {
            drop(grave);
            drop(rl);
            io_error!(cache, "Mountpoint in graveyard");
            return Err(EIO);
        }
        if rl.is_trap(&grave) {
            drop(grave);
            drop(rl);
            io_error!(cache, "May not make directory loop");
            return Err(EIO);
        }
        match vfs::security_rename(&b.mnt, dir, rep, graveyard, &grave) {
            Err(e) => io_error!(cache, "Rename security error {}", e.to_errno()),
            Ok(()) => {
                trace::rename(obj, rep.inode().map_or(0, |i| i.ino()), why);
                let r = inject_read().and_then(|()| vfs::rename(&rl, dir, rep, graveyard, &grave));
                if let Err(e) = r {
                    if let Some(inode) = dir.inode() {
                        trace::vfs_error(obj, inode, e.to_errno(), trace::Err::Rename);
                    }
                    if e != ENOMEM {
                        io_error!(cache, "Rename failed with error {}", e.to_errno());
                    }
                }
            }
        }
        if let Some(inode) = rep.inode() {
            inode.lock().unmark_in_use(obj);
        }
        drop(rl);
        return Ok(());
    }
}

/// Looks up a file the daemon names for culling or checking; EBUSY if the
/// cache is using it. Returns it with its directory still locked.
fn lookup_for_cull<'a>(
    cache: &Cache,
    dir: &'a Dentry,
    name: &[u8],
) -> Result<(ARef<Dentry>, InodeLock<'a>)> {
    let dlock = dir.inode().ok_or(ENOENT)?.lock_parent();
    let victim = match dir.lookup_locked(&dlock, name) {
        Ok(v) => v,
        Err(e) => {
            drop(dlock);
            return Err(if e == ENOENT {
                // Probably retired by the netfs meanwhile.
                ESTALE()
            } else if e == EIO {
                io_error!(cache, "Lookup failed");
                EIO
            } else if e == ENOMEM {
                ENOMEM
            } else {
                pr_err!("Internal error: {}\n", e.to_errno());
                EIO
            });
        }
    };
    let Some(inode) = victim.inode() else {
        return Err(ENOENT);
    };
    // Racy without the inode lock, as in C: cull checks again under it.
    if inode.lock().in_use() {
        return Err(EBUSY);
    }
    Ok((victim, dlock))
}

fn cull_error(e: Error) -> Error {
    if e == ENOENT {
        ESTALE()
    } else if e == ENOMEM {
        ENOMEM
    } else {
        pr_err!("Internal error: {}\n", e.to_errno());
        EIO
    }
}

/// The daemon's `cull`: sends the named file (or directory) in `dir` to
/// the graveyard, unless the cache is using it.
pub(crate) fn cull(cache: &Cache, dir: &Dentry, name: &[u8]) -> Result {
    let (victim, dlock) = lookup_for_cull(cache, dir, name)?;
    let inode = victim.inode().ok_or(ENOENT)?;
    {
        let vlock = inode.lock();
        // Marking it stops the cache picking it back up.
        if !vlock.mark_in_use_quietly() {
            drop(vlock);
            drop(dlock);
            return Err(cull_error(EBUSY));
        }
    }
    bury(cache, None, dir, dlock, &victim, Kill::WasCulled).map_err(cull_error)?;
    crate::kext::fscache::stats::culled();
    Ok(())
}

/// The daemon's `inuse`: EBUSY if the cache is using the named file.
pub(crate) fn check_in_use(cache: &Cache, dir: &Dentry, name: &[u8]) -> Result {
    let (_victim, _dlock) = lookup_for_cull(cache, dir, name)?;
    Ok(())
}
