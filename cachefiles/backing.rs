// SPDX-License-Identifier: GPL-2.0
//! An object's backing file: found in its fan-out directory and opened
//! (its coherency xattr checked), or made as a new tmpfile, at lookup
//! (fscache's lookup_cookie) and at invalidation (a new, empty tmpfile in
//! its place). In on-demand mode the daemon opens the object first (C's
//! namei.c and the lookup and invalidation of interface.c).

use crate::backend::Backend;
use crate::cache::{Bound, Cache, SpaceFor};
use crate::error_inject::{inject_read, inject_write};
use crate::kdebug;
use crate::kext::error::code::*;
use crate::kext::fscache::{Cookie, ObjectSlot};
use crate::log::{pr_err, pr_notice, pr_warn, Name};
use crate::namei;
use crate::object::{round_up, Object, DIO_BLOCK_SIZE};
use crate::ondemand;
use crate::trace::{self, Kill, ObjRef, Trunc};
use crate::vfs::{self, Dentry, File, InUse};
use crate::volume::Volume;
use kernel::{prelude::*, sync::Arc, types::ARef};

/// fscache's lookup_cookie: finds or creates the backing file. The
/// object goes into `slot` (the cookie's private pointer) before the
/// search, and stays there whatever it finds, as in C: fscache withdraws
/// it.
pub(crate) fn lookup(
    cookie: &Cookie,
    volume: Arc<Volume>,
    slot: ObjectSlot<'_, Backend>,
) -> Result {
    let cache = volume.cache().clone();
    let b = cache.bound().ok_or(ENOBUFS())?;
    // Allocated first: from here on nothing may fail that would leave
    // the object unlisted (see Cache::reserve_object_slot()).
    let listed = Cache::reserve_object_slot()?;
    let object = Object::new(cookie, volume)?;
    slot.attach(object.clone());
    let r = vfs::secure(&b.cred, || {
        let r = look_up_file(&object);
        kdebug!(
            "lookup o={:08x} c={:08x} {}: {}\n",
            object.debug_id(),
            cookie.debug_id(),
            Name(object.name()),
            if r.is_ok() { "ok" } else { "failed" }
        );
        if r.is_ok() {
            object.see(ObjRef::SeeLookupCookie);
            cache.add_object(listed, &object);
            let _ = object.adjust_size();
        }
        r
    });
    if r.is_err() {
        // As in C, after the cache's credentials are reverted.
        object.see(ObjRef::SeeLookupFailed);
        cookie.caching_failed();
        // The caller holds an access on the cookie; withdraw_cookie
        // releases the object once fscache drops it.
    }
    r
}

/// Walks to the backing file: opens it if it is there and current,
/// creates a tmpfile otherwise.
fn look_up_file(object: &Object) -> Result {
    let id = object.debug_id();
    let fan = object.fan().inspect_err(|e| {
        kdebug!("o={:08x}: no fan-out directory ({})\n", id, e.to_errno());
    })?;
    let name = object.name();
    let found = inject_read().and_then(|()| fan.lookup_positive(name));
    trace::lookup(Some(id), &fan, found.as_deref().map_err(|e| *e));
    let dentry = match found {
        Ok(d) => d,
        Err(e) if e == ENOENT => return new_file(object),
        Err(e) => {
            if e == EIO {
                object.io_error(format_args!("Lookup failed"));
            }
            kdebug!("o={:08x}: lookup error {}\n", id, e.to_errno());
            return Err(e);
        }
    };
    if !dentry.is_reg() {
        pr_err!("{} is not a file\n", Name(name));
        let lock = fan.inode().ok_or(ENOENT)?.lock_parent();
        namei::bury(object.cache(), Some(id), &fan, lock, &dentry, Kill::IsWeird)?;
        return new_file(object);
    }
    open_file(object, &dentry)
}

fn new_file(object: &Object) -> Result {
    object.cookie().lookup_negative();
    create_file(object)
}

fn create_file(object: &Object) -> Result {
    let id = object.debug_id();
    object
        .cache()
        .has_space(1, 0, SpaceFor::Create)
        .inspect_err(|_| kdebug!("o={:08x}: no space to create\n", id))?;
    let file = create_tmpfile(object)
        .inspect_err(|e| kdebug!("o={:08x}: tmpfile error {}\n", id, e.to_errno()))?;
    object.attach_tmpfile(file);
    Ok(())
}

/// A new unlinked backing file in the object's fan-out directory, sized
/// to the object and marked in use.
pub(crate) fn create_tmpfile(object: &Object) -> Result<ARef<File>> {
    let b = object.cache().bound().ok_or(ENOBUFS())?;
    vfs::secure(&b.cred, || create_tmpfile_as(object, b))
}

/// create_tmpfile(), with the cache's credentials in force.
fn create_tmpfile_as(object: &Object, b: &Bound) -> Result<ARef<File>> {
    let id = object.debug_id();
    let fan = object.fan()?;
    let file = match inject_write().and_then(|()| vfs::tmpfile(&b.mnt, &fan, &b.cred)) {
        Ok(f) => f,
        Err(e) => {
            object.trace_vfs_error(&fan, e, trace::Err::Tmpfile);
            if e == EIO {
                object.io_error(format_args!("Failed to create tmpfile"));
            }
            return Err(e);
        }
    };
    trace::tmpfile(id, file.inode());
    // Nobody else can have seen this file yet.
    if !file.inode().lock().mark_in_use(Some(id)) {
        pr_warn!("new tmpfile already in use\n");
    }
    // On-demand: the daemon opens the object and says its size first.
    if let Err(e) = ondemand::init_object(object) {
        file.inode().lock().unmark_in_use(Some(id));
        return Err(e);
    }
    let size = round_up(object.cookie().object_size(), DIO_BLOCK_SIZE);
    let sized = if size > 0 {
        trace::trunc(id, file.inode(), 0, size as i64, Trunc::ExpandTmpfile);
        let r = inject_write().and_then(|()| file.truncate(size as i64));
        if let Err(e) = r {
            trace::vfs_error(Some(id), file.inode(), e.to_errno(), trace::Err::Trunc);
        }
        r
    } else {
        Ok(())
    };
    let checked = sized.and_then(|()| {
        if file.has_rw_iter() {
            Ok(())
        } else {
            pr_notice!("Cache does not support read_iter and write_iter\n");
            Err(EINVAL)
        }
    });
    if let Err(e) = checked {
        file.inode().lock().unmark_in_use(Some(id));
        return Err(e);
    }
    Ok(file)
}

fn open_file(object: &Object, dentry: &Dentry) -> Result {
    let id = object.debug_id();
    let cache = object.cache();
    let b = cache.bound().ok_or(ENOBUFS())?;
    let inode = dentry.inode().ok_or(ENOENT)?;
    if !inode.lock().mark_in_use(Some(id)) {
        pr_notice!(
            "cachefiles: Inode already in use: {} (B={:x})\n",
            Name(object.name()),
            inode.ino()
        );
        return Err(EBUSY);
    }
    let file = match vfs::open(&b.mnt, dentry, &b.cred) {
        Ok(f) => f,
        Err(e) => {
            trace::vfs_error(Some(id), inode, e.to_errno(), trace::Err::Open);
            kdebug!("o={:08x}: open error {}\n", id, e.to_errno());
            inode.lock().unmark_in_use(Some(id));
            return Err(e);
        }
    };
    if !file.has_rw_iter() {
        pr_notice!("Cache does not support read_iter and write_iter\n");
        drop(file);
        inode.lock().unmark_in_use(Some(id));
        return Err(EINVAL);
    }
    // On-demand: the daemon opens the object and says its size, which
    // the coherency check compares.
    if let Err(e) = ondemand::init_object(object) {
        drop(file);
        inode.lock().unmark_in_use(Some(id));
        return Err(e);
    }
    if let Err(e) = object.check_auxdata(&file) {
        kdebug!(
            "o={:08x}: xattr check: {}\n",
            id,
            if e == ESTALE() {
                "stale, replacing"
            } else {
                "unreadable"
            }
        );
        object.cookie().lookup_negative();
        object.unmark_in_use(&file);
        drop(file);
        if e == ESTALE() {
            return create_file(object);
        }
        return Err(e);
    }
    object.attach_file(file);
    Ok(())
}

/// fscache's invalidate_cookie: swaps in an empty tmpfile; I/O in
/// flight finishes on the old file, which is then unlinked.
pub(crate) fn invalidate(object: &Object) -> Result {
    let cookie = object.cookie();
    let old_tmpfile = object.using_tmpfile();
    if object.file().is_none() {
        cookie.resume_after_invalidation();
        return Ok(());
    }
    let new = create_tmpfile(object)?;
    let old = object.replace_file(new);
    cookie.resume_after_invalidation();
    if let Some(old) = old {
        if !old_tmpfile {
            if let (Ok(fan), Some(b)) = (object.fan(), object.cache().bound()) {
                vfs::secure(&b.cred, || {
                    if let Some(inode) = fan.inode() {
                        let lock = inode.lock_parent();
                        let (id, why) = (Some(object.debug_id()), Kill::Invalidated);
                        let _ = namei::bury(object.cache(), id, &fan, lock, &old.dentry(), why);
                    }
                });
            }
        }
        drop(old);
    }
    Ok(())
}
