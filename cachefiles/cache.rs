// SPDX-License-Identifier: GPL-2.0
//! A cache: one open of `/dev/cachefiles`, configured by the daemon, then
//! bound to a directory on a backing filesystem and registered with
//! fscache.
//!
//! Ownership: the daemon's open file owns the `Arc<Cache>`. Volumes hold an
//! `Arc<Cache>`, objects an `Arc<Volume>`; fscache holds raw pointers to
//! them (`cache_priv`) whose validity its protocol guarantees, as noted at
//! each callback. Unbinding waits until fscache has let go of every object
//! (`fscache_wait_for_objects`), so the bound resources (mount, dentries,
//! credentials) are always released in the daemon's process context.

use crate::backend::{Backend, ObjectArc, VolumeArc};
use crate::daemon_cmd::Limits;
use crate::dir::{self, Dir};
use crate::kext::bitops::AtomicFlags;
use crate::kext::error::code::*;
use crate::kext::fscache::{self, AcquiredCache, VolumeSlot};
use crate::kext::sync::once::OnceBox;
use crate::kext::sync::poll::WaitQueue;
use crate::lists::{ListPlace, Lists};
use crate::log::{pr_err, pr_info, Name};
use crate::ondemand_state::Requests;
use crate::space::{self, CullChange, Thresholds, Verdict};
use crate::vfs::{self, Credential, Dentry, Mount, NewCred};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use kernel::{
    prelude::*,
    rbtree::RBTreeNodeReservation,
    sync::{Arc, Mutex},
    types::ARef,
};

/// Cache state bits.
pub(crate) mod flag {
    /// Bound and registered with fscache.
    pub(crate) const READY: u32 = 0;
    /// Unusable: the daemon went away or the backing fs failed.
    pub(crate) const DEAD: u32 = 1;
    /// Space is short and the daemon should cull.
    pub(crate) const CULLING: u32 = 2;
    /// Something the daemon polls for changed.
    pub(crate) const STATE_CHANGED: u32 = 3;
    /// Bound with `bind ondemand`: data comes from the daemon.
    pub(crate) const ONDEMAND: u32 = 4;
}

/// Why the space is asked about (only for the statistics).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpaceFor {
    Check,
    Write,
    Create,
}

/// What binding gave the cache; fixed until unbind.
///
/// The fscache cache is given back when this is dropped, with the cache:
/// after unbind, which withdraws it and waits for its objects, and when
/// no one can borrow it any more.
pub(crate) struct Bound {
    pub(crate) fscache: AcquiredCache<Backend>,
    pub(crate) mnt: Mount,
    pub(crate) store: Dir,
    pub(crate) graveyard: Dir,
    pub(crate) cred: ARef<Credential>,
    pub(crate) bsize: u32,
    pub(crate) bshift: u32,
    pub(crate) t: Thresholds,
}

#[pin_data]
pub(crate) struct Cache {
    flags: AtomicFlags,
    /// The daemon polls it. Its drop sleeps (an RCU grace period), which
    /// is fine where the cache's last reference goes: in the release of
    /// the daemon's file or of the last on-demand anonymous fd (the
    /// `UnbindPin`s), process context with no lock held.
    #[pin]
    pollwq: WaitQueue,
    f_released: AtomicU32,
    b_released: AtomicU64,
    /// Blocks promised to writes in flight.
    pub(crate) b_writing: AtomicU64,
    gravecounter: AtomicU32,
    /// Set once at bind, freed with the cache.
    bound: OnceBox<Bound>,
    #[pin]
    lists: Mutex<Lists>,
    /// On-demand mode's requests and object ids.
    #[pin]
    pub(crate) ondemand: Requests,
}

impl Cache {
    pub(crate) fn new() -> Result<Arc<Cache>> {
        Arc::pin_init(
            pin_init!(Cache {
                flags: AtomicFlags::new(),
                pollwq <- WaitQueue::new(),
                f_released: AtomicU32::new(0),
                b_released: AtomicU64::new(0),
                b_writing: AtomicU64::new(0),
                gravecounter: AtomicU32::new(0),
                bound: OnceBox::new(),
                lists <- Lists::new(),
                ondemand <- Requests::new(),
            }),
            GFP_KERNEL,
        )
    }

    pub(crate) fn test(&self, bit: u32) -> bool {
        self.flags.test(bit)
    }

    /// Sets the bit; returns whether it was set already.
    pub(crate) fn set(&self, bit: u32) -> bool {
        self.flags.test_and_set(bit)
    }

    /// Clears the bit; returns whether it was set.
    fn clear(&self, bit: u32) -> bool {
        self.flags.test_and_clear(bit)
    }

    /// Tells the daemon (poll) that there is news.
    pub(crate) fn state_changed(&self) {
        self.set(flag::STATE_CHANGED);
        self.pollwq.wake_all();
    }

    pub(crate) fn pollwq(&self) -> &WaitQueue {
        &self.pollwq
    }

    /// The bound resources; `None` before bind.
    pub(crate) fn bound(&self) -> Option<&Bound> {
        self.bound.get()
    }

    /// Marks the cache dead after a backing-fs error, as C does: a log
    /// line, fscache told, and no further use.
    pub(crate) fn io_error(&self, msg: core::fmt::Arguments<'_>) {
        pr_err!("I/O Error: {}\n", msg);
        if let Some(b) = self.bound() {
            b.fscache.io_error();
        }
        self.set(flag::DEAD);
        if self.test(flag::ONDEMAND) {
            self.ondemand.flush();
        }
    }

    /// A fresh name for a grave: seconds and a counter, in hex.
    pub(crate) fn grave_name(&self) -> [u8; 16] {
        let secs = vfs::real_seconds();
        let n = self
            .gravecounter
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1);
        let mut out = [0u8; 16];
        let hex = b"0123456789abcdef";
        for i in 0..8 {
            out[i] = hex[((secs >> (28 - 4 * i)) & 0xf) as usize];
            out[8 + i] = hex[((n >> (28 - 4 * i)) & 0xf) as usize];
        }
        out
    }

    /// Counts a file given up by the cache, for the daemon's status line.
    pub(crate) fn released(&self, blocks: u64) {
        self.b_released.fetch_add(blocks, Ordering::Relaxed);
        self.f_released.fetch_add(1, Ordering::Relaxed);
        self.state_changed();
    }

    /// Whether `files` more files and `blocks` more blocks may be used,
    /// starting or stopping culling as the limits say. ENOBUFS() if not.
    pub(crate) fn has_space(&self, files: u64, blocks: u64, why: SpaceFor) -> Result {
        let b = self.bound().ok_or(ENOBUFS())?;
        self.has_space_on(&b.mnt, &b.t, files, blocks, why)
    }

    /// has_space() on a mount with limits, before they are published.
    pub(crate) fn has_space_on(
        &self,
        mnt: &Mount,
        t: &Thresholds,
        files: u64,
        blocks: u64,
        why: SpaceFor,
    ) -> Result {
        let st = match mnt.statfs_root() {
            Ok(st) => st,
            Err(e) => {
                if e == EIO {
                    self.io_error(format_args!("statfs failed"));
                }
                return Err(e);
            }
        };
        let (verdict, change) = space::assess(
            t,
            st.ffree,
            st.bavail,
            self.b_writing.load(Ordering::Relaxed),
            files,
            blocks,
            self.test(flag::CULLING),
        );
        if verdict == Verdict::Stop {
            match why {
                SpaceFor::Write => fscache::stats::no_write_space(),
                SpaceFor::Create => fscache::stats::no_create_space(),
                SpaceFor::Check => (),
            }
        }
        match change {
            CullChange::Begin => {
                if !self.set(flag::CULLING) {
                    self.state_changed();
                }
            }
            CullChange::Cease => {
                if self.clear(flag::CULLING) {
                    self.state_changed();
                }
            }
            CullChange::None => (),
        }
        match verdict {
            Verdict::Stop => Err(ENOBUFS()),
            _ => Ok(()),
        }
    }

    /// The status line a read returns: checks the space first, then
    /// reports and resets the released counts.
    pub(crate) fn status(&self) -> space::LineBuf {
        let _ = self.has_space(0, 0, SpaceFor::Check);
        let mut line = space::LineBuf::new();
        let status = space::Status {
            culling: self.test(flag::CULLING),
            t: self.bound().map(|b| b.t).unwrap_or_default(),
            f_released: self.f_released.swap(0, Ordering::Relaxed),
            b_released: self.b_released.swap(0, Ordering::Relaxed),
        };
        self.clear(flag::STATE_CHANGED);
        // The line always fits in STATUS_MAX.
        let _ = status.format(&mut line);
        line
    }

    /// Binds the cache to `dir` and registers it with fscache as `tag`.
    pub(crate) fn bind(
        self: &Arc<Self>,
        dir: &CStr,
        tag: &CStr,
        secid: Option<u32>,
        limits: &Limits,
    ) -> Result {
        let fscache = AcquiredCache::acquire(tag)?;
        // On error the cache was relinquished where bind_to() dropped it.
        self.bind_to(fscache, dir, secid, limits).inspect_err(|e| {
            pr_err!("Failed to register: {}\n", e.to_errno());
        })
    }

    fn bind_to(
        self: &Arc<Self>,
        fscache: AcquiredCache<Backend>,
        dir: &CStr,
        secid: Option<u32>,
        limits: &Limits,
    ) -> Result {
        let cred = vfs::cache_credential(secid)?;
        // Files are created as the cache root's owner and security
        // context: the copy is made with the cache's credentials in force,
        // the LSM check as the daemon (C's
        // cachefiles_determine_cache_security()).
        let (mnt, root, new) = vfs::secure(&cred, || -> Result<_> {
            let (mnt, root) = vfs::kern_path_dir(dir)?;
            vfs::check_root(&mnt, &root)?;
            let new = NewCred::prepare()?;
            Ok((mnt, root, new))
        })?;
        let cred = vfs::create_files_as(new, &root)?;
        // The override borrows its own reference: `cred` moves into the
        // Bound while it is in force.
        let in_force = cred.clone();
        vfs::secure(&in_force, || {
            self.bind_as(fscache, mnt, &root, cred, limits)
        })
    }

    /// The rest of bind_to(), with the cache's credentials `cred` in
    /// force: the cache's directories, then fscache's cache goes online.
    fn bind_as(
        self: &Arc<Self>,
        fscache: AcquiredCache<Backend>,
        mnt: Mount,
        root: &Dentry,
        cred: ARef<Credential>,
        limits: &Limits,
    ) -> Result {
        vfs::security_check_dir(root)?;

        let st = mnt.statfs(root)?;
        if st.bsize <= 0 {
            return Err(ERANGE);
        }
        if st.bsize as usize > kernel::page::PAGE_SIZE {
            return Err(EOPNOTSUPP());
        }
        let bsize = st.bsize as u32;
        let t = Thresholds::from_statfs(limits, st.files, st.blocks);

        let space = || self.has_space_on(&mnt, &t, 1, 0, SpaceFor::Create);
        let store = dir::get_directory(&mnt, root, b"cache", None, &space)?;
        let graveyard = dir::get_directory(&mnt, root, b"graveyard", None, &space)?;
        let bound = KBox::new(
            Bound {
                fscache,
                mnt,
                store,
                graveyard,
                cred,
                bsize,
                // C's ilog2() (space::block_shift()); bsize > 0 here.
                bshift: space::block_shift(bsize).ok_or(ERANGE)?,
                t,
            },
            GFP_KERNEL,
        )?;
        let b = self.bound.set(bound).map_err(|_| EBUSY)?;
        // fscache's private pointer holds a reference on the cache until
        // unbind takes it back.
        let r = b.fscache.add(self.clone());
        if let Err(e) = r {
            // SAFETY: nothing else can have borrowed it: fscache refused the
            // cache, so no callback ran, and the daemon's commands are
            // serialised with this one; `b` is not used after.
            // Dropping it relinquishes the fscache cache.
            drop(unsafe { self.bound.take() });
            return Err(e);
        }
        self.set(flag::READY);
        pr_info!(
            "File cache on {} registered\n",
            Name(b.fscache.name().as_bytes())
        );
        let _ = self.has_space(0, 0, SpaceFor::Check);
        Ok(())
    }

    /// Takes the cache out of service: fscache stops using it, every object
    /// and volume is withdrawn, the backing fs is synced.
    pub(crate) fn unbind(&self) {
        let Some(b) = self.bound() else { return };
        if !self.test(flag::READY) {
            return;
        }
        pr_info!(
            "File cache on {} unregistering\n",
            Name(b.fscache.name().as_bytes())
        );
        // fscache calls us no more: its reference on us goes.
        drop(b.fscache.withdraw());
        self.withdraw_fscache_volumes();
        self.withdraw_objects();
        b.fscache.wait_for_objects();
        self.withdraw_volumes();
        self.sync(b);
        // The fscache cache is relinquished when the Bound goes, with the
        // cache: its last holder is the daemon's file, being released.
    }

    /// Writes everything back to the backing fs at unbind. As in C, only
    /// EIO is reported (a shut-down or failing disk); the admin guide
    /// tells admins to look for this line.
    fn sync(&self, b: &Bound) {
        let r = vfs::secure(&b.cred, || b.mnt.sync());
        if let Err(e) = r {
            if e == EIO {
                self.io_error(format_args!(
                    "Attempt to sync backing fs superblock returned error {}",
                    e.to_errno()
                ));
            }
        }
    }

    /// Withdraws the volumes fscache still has accesses on.
    fn withdraw_fscache_volumes(&self) {
        loop {
            let found = {
                let lists = self.lists.lock();
                let found = lists
                    .fscache_volumes()
                    .filter(|vc| vc.n_accesses() != 0)
                    .find_map(|vc| vc.try_get());
                found
            };
            match found {
                Some(vref) => vref.withdraw(),
                None => break,
            }
        }
    }

    fn withdraw_objects(&self) {
        loop {
            let Some(node) = self.lists.lock().pop_object() else {
                break;
            };
            let (_, object) = node.to_key_value();
            object.see(crate::trace::ObjRef::SeeWithdrawal);
            object.cookie().withdraw();
        }
    }

    fn withdraw_volumes(&self) {
        loop {
            let (volume, vref) = {
                let mut lists = self.lists.lock();
                let Some(vcookie) = lists.last_fscache_volume() else {
                    break;
                };
                match vcookie.try_get() {
                    Some(vref) => (lists.remove_volume(&vref), vref),
                    // fscache is freeing it: free_volume will unlist it.
                    None => {
                        drop(lists);
                        crate::kext::sched::cond_resched();
                        continue;
                    }
                }
            };
            // Found under the lock just above, so removed there.
            let Some(volume) = volume else { continue };
            volume.withdraw(&vref);
            drop(vref);
        }
    }

    /// Allocates an object's place in the withdrawal list, before the
    /// object is looked up: once fscache has the object, listing it must
    /// not fail, or unbind would never withdraw it and the daemon's close
    /// would wait forever for the cookie's last access.
    ///
    /// Never inlined, and with work after the allocation so that it is
    /// not a tail call: `cachefiles_admin` fails exactly this allocation
    /// (failslab's stack filter on this function's text).
    #[inline(never)]
    pub(crate) fn reserve_object_slot() -> Result<ListPlace> {
        RBTreeNodeReservation::new(GFP_KERNEL)
            .inspect_err(|_| crate::kdebug!("no memory to list an object\n"))
    }

    /// Adds an object to the withdrawal list, in the place reserved.
    pub(crate) fn add_object(&self, place: ListPlace, object: &ObjectArc) {
        self.lists.lock().add_object(place, object);
    }

    pub(crate) fn remove_object(
        &self,
        object: &<ObjectArc as core::ops::Deref>::Target,
    ) -> Option<ObjectArc> {
        self.lists.lock().remove_object(object)
    }

    /// Lists `volume` and attaches it to its fscache volume through `slot`
    /// (from the acquire_volume callback, which keeps the fscache volume
    /// live meanwhile); from then on fscache's free_volume unlists it,
    /// from the volume's own cache, before the fscache volume goes
    /// (`Lists`' invariant).
    pub(crate) fn attach_volume(&self, volume: VolumeArc, slot: VolumeSlot<'_, Backend>) -> Result {
        if volume.vcookie_key() != slot.volume().as_ptr() as usize
            || !core::ptr::eq(&**volume.cache(), self)
        {
            return Err(EINVAL);
        }
        let place = Lists::volume_place(&slot, volume.clone())?;
        self.lists.lock().attach_volume(place, slot, volume)
    }

    pub(crate) fn remove_volume(&self, vcookie: &fscache::Volume) -> Option<VolumeArc> {
        self.lists.lock().remove_volume(vcookie)
    }
}

/// Logs and marks the cache dead after a backing-fs I/O error.
#[macro_export]
macro_rules! io_error {
    ($cache:expr, $($arg:tt)*) => {
        $cache.io_error(format_args!($($arg)*))
    };
}
