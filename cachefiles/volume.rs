// SPDX-License-Identifier: GPL-2.0
//! Volumes: one directory `cache/I<volume key>` per fscache volume, holding
//! 256 fan-out directories `@00`..`@ff` and an xattr with the volume's
//! coherency data.

use crate::backend::Backend;
use crate::cache::{Bound, Cache, SpaceFor};
use crate::coherency::{self, VolumeCheck};
use crate::dir::{self, Dir};
use crate::error_inject::{inject_read, inject_write};
use crate::io_error;
use crate::kdebug;
use crate::kext::error::code::*;
use crate::kext::fscache::{self, VolumeRef, VolumeSlot};
use crate::key;
use crate::log::Name;
use crate::namei;
use crate::trace::{self, Coherency};
use crate::vfs::{self, Dentry};
use kernel::{
    new_spinlock,
    prelude::*,
    sync::{Arc, SpinLock},
    types::ARef,
};

/// The directories of a live volume.
struct Dirs {
    dir: Dir,
    fanout: KVec<Dir>,
}

/// Our side of an fscache volume: its directories. It knows its fscache
/// volume only by address (`vcookie_key`), to compare: the callbacks, the
/// cache's lists and the withdrawal's own reference give the volume
/// itself.
#[pin_data]
pub(crate) struct Volume {
    cache: Arc<Cache>,
    vcookie_key: usize,
    /// Released when fscache frees or the cache withdraws the volume.
    #[pin]
    dirs: SpinLock<Option<Dirs>>,
}

impl Volume {
    pub(crate) fn cache(&self) -> &Arc<Cache> {
        &self.cache
    }

    /// The fscache volume's address, the key of the cache's list.
    pub(crate) fn vcookie_key(&self) -> usize {
        self.vcookie_key
    }

    /// The fan-out directory for a cookie key hash, with its own reference.
    pub(crate) fn fan(&self, key_hash: u32) -> Result<ARef<Dentry>> {
        let dirs = self.dirs.lock();
        let d = dirs.as_ref().ok_or(ENOBUFS())?;
        let fan: &Dentry = d.fanout.get((key_hash & 0xff) as usize).ok_or(ENOBUFS())?;
        Ok(ARef::from(fan))
    }

    fn dir(&self) -> Result<ARef<Dentry>> {
        let dirs = self.dirs.lock();
        let d: &Dentry = &dirs.as_ref().ok_or(ENOBUFS())?.dir;
        Ok(ARef::from(d))
    }

    /// fscache's acquire_volume: sets the volume up on disk; what `slot`
    /// is given becomes `vcookie`'s private pointer. On an error the volume
    /// has no cache object, and its cookies are not cached.
    pub(crate) fn acquire(
        cache: &Arc<Cache>,
        vcookie: &fscache::Volume,
        slot: VolumeSlot<'_, Backend>,
    ) -> Result {
        let b = cache.bound().ok_or(ENOBUFS())?;
        vfs::secure(&b.cred, || Self::acquire_as(cache, b, vcookie, slot))
    }

    /// acquire(), with the cache's credentials in force.
    fn acquire_as(
        cache: &Arc<Cache>,
        b: &Bound,
        vcookie: &fscache::Volume,
        slot: VolumeSlot<'_, Backend>,
    ) -> Result {
        let vkey = vcookie.key();
        let mut name = KVec::new();
        name.extend_with(key::volume_dir_len(vkey.len()), 0u8, GFP_KERNEL)?;
        key::volume_dir_name(vkey, &mut name).ok_or(EINVAL)?;
        let space = || cache.has_space(1, 0, SpaceFor::Create);
        let dir = loop {
            let mut is_new = false;
            let dir = match dir::get_directory(&b.mnt, &b.store, &name, Some(&mut is_new), &space) {
                Ok(d) => d,
                Err(e) => {
                    kdebug!("volume {}: directory error {}\n", Name(&name), e.to_errno());
                    return Err(e);
                }
            };
            if is_new {
                if let Err(e) = set_xattr(cache, &dir, vcookie) {
                    kdebug!("volume {}: cannot set the xattr\n", Name(&name));
                    return Err(e);
                }
                kdebug!("volume {}: created\n", Name(&name));
                break dir;
            }
            match check_xattr(cache, &dir, vcookie) {
                Ok(()) => break dir,
                Err(e) if e == ESTALE() => {
                    // Stale volume: bury it and make a new one. If it cannot
                    // be buried, give up rather than find it stale again.
                    kdebug!("volume {}: stale, replacing\n", Name(&name));
                    let lock = b.store.inode().ok_or(ENOENT)?.lock_parent();
                    let why = trace::Kill::VolumeIsWeird;
                    namei::bury(cache, None, &b.store, lock, &dir, why)?;
                    drop(dir);
                    continue;
                }
                Err(e) => {
                    kdebug!("volume {}: xattr error {}\n", Name(&name), e.to_errno());
                    return Err(e);
                }
            }
        };
        let mut fanout = KVec::new();
        fanout.reserve(256, GFP_KERNEL)?;
        for i in 0..=255u8 {
            let fan = match dir::get_directory(&b.mnt, &dir, &key::fanout_name(i), None, &space) {
                Ok(f) => f,
                Err(e) => {
                    kdebug!(
                        "volume {}: fan-out @{:02x} error {}\n",
                        Name(&name),
                        i,
                        e.to_errno()
                    );
                    return Err(e);
                }
            };
            fanout.push(fan, GFP_KERNEL)?;
        }
        let volume = Arc::pin_init(
            pin_init!(Volume {
                cache: cache.clone(),
                vcookie_key: vcookie.as_ptr() as usize,
                dirs <- new_spinlock!(Some(Dirs { dir, fanout }), "cachefiles_volume"),
            }),
            GFP_KERNEL,
        )?;
        // Made for this fscache volume and this cache just above; listed
        // in this cache, whose free_volume unlists it.
        let ours = volume.vcookie_key == slot.volume().as_ptr() as usize
            && core::ptr::eq(&*volume.cache, &**cache);
        let attached = match ours {
            true => cache.attach_volume(volume.clone(), slot),
            false => Err(EINVAL),
        };
        if let Err(e) = attached {
            volume.release_dirs();
            return Err(e);
        }
        // Stop fscache waking withdrawers on every access count drop to 0.
        vcookie.pin_access();
        Ok(())
    }

    fn release_dirs(&self) {
        let dirs = self.dirs.lock().take();
        drop(dirs);
    }

    /// fscache's free_volume: the netfs is done with the volume.
    /// fscache's free_volume, with the reference its private pointer
    /// held.
    pub(crate) fn free(self: Arc<Self>, vcookie: &fscache::Volume) {
        drop(self.cache.remove_volume(vcookie));
        self.release_dirs();
    }

    /// Withdrawal by the cache (unbind), holding `vcookie`, a reference on
    /// our fscache volume: saves the coherency data and lets the
    /// directories go.
    pub(crate) fn withdraw(&self, vcookie: &VolumeRef) {
        if vcookie.as_ptr() as usize != self.vcookie_key() {
            // Not ours: nothing of this volume to withdraw.
            return;
        }
        if let Ok(dir) = self.dir() {
            let _ = set_xattr(&self.cache, &dir, vcookie);
        }
        // fscache's reference on this volume goes, if it is this one (the
        // fscache cache is withdrawn: unbind does that first).
        if let Some(b) = self.cache.bound() {
            drop(
                b.fscache
                    .take_volume_if(vcookie, |v| core::ptr::eq(&**v, self)),
            );
        }
        self.release_dirs();
    }
}

fn set_xattr(cache: &Cache, dir: &Dentry, vcookie: &fscache::Volume) -> Result {
    let b = cache.bound().ok_or(ENOBUFS())?;
    let mut buf = [0u8; coherency::MAX_VOLUME_XATTR_LEN];
    let coh = vcookie.coherency();
    let n = coherency::encode_volume(coh.as_bytes(), &mut buf).ok_or(EINVAL)?;
    let r = inject_write().and_then(|()| {
        b.mnt
            .with_write(|| vfs::setxattr(dir, vfs::XATTR_NAME, &buf[..n]))
    });
    if let Some(inode) = dir.inode() {
        let why = match r {
            Ok(()) => Coherency::VolSetOk,
            Err(e) => {
                trace::vfs_error(None, inode, e.to_errno(), trace::Err::Setxattr);
                Coherency::VolSetFail
            }
        };
        trace::vol_coherency(vcookie, inode.ino(), why);
    }
    if let Err(e) = r {
        if e != ENOMEM {
            io_error!(cache, "Failed to set xattr with error {}", e.to_errno());
        }
    }
    r
}

fn check_xattr(cache: &Cache, dir: &Dentry, vcookie: &fscache::Volume) -> Result {
    let coh = vcookie.coherency();
    let coh = coh.as_bytes();
    let len = coherency::VOLUME_HEADER_LEN + coh.len();
    let mut buf = [0u8; coherency::MAX_VOLUME_XATTR_LEN];
    let read = inject_read().and_then(|()| vfs::getxattr(dir, vfs::XATTR_NAME, &mut buf[..len]));
    let ino = dir.inode().map_or(0, |i| i.ino());
    let traced = |why| trace::vol_coherency(vcookie, ino, why);
    let n = match read {
        Ok(n) => n,
        Err(e) => {
            if let Some(inode) = dir.inode() {
                trace::vfs_error(None, inode, e.to_errno(), trace::Err::Getxattr);
            }
            if e == EIO {
                io_error!(cache, "Failed to read xattr with error {}", e.to_errno());
            }
            traced(Coherency::VolCheckXattr);
            return Err(e);
        }
    };
    let check = coherency::check_volume(&buf[..n], coh);
    traced(match check {
        VolumeCheck::Ok => Coherency::VolCheckOk,
        VolumeCheck::Xattr => Coherency::VolCheckXattr,
        VolumeCheck::Reserved => Coherency::VolCheckResv,
        VolumeCheck::Compare => Coherency::VolCheckCmp,
    });
    match check {
        VolumeCheck::Ok => Ok(()),
        _ => Err(ESTALE()),
    }
}
