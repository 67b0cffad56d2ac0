// SPDX-License-Identifier: GPL-2.0
//! A cache: one open of `/dev/cachefiles`, configured by the daemon: its
//! state bits, what binding gave it ([`Bound`]), its space accounting and
//! status line, its withdrawal lists and on-demand requests. Binding and
//! unbinding it are `bind.rs`'s.
//!
//! Ownership: the daemon's open file owns the `Arc<Cache>`. Volumes hold an
//! `Arc<Cache>`, objects an `Arc<Volume>`; fscache's private pointers hold
//! references on them (`backend.rs`), taken back as fscache's protocol
//! allows (`kext::fscache`).

use crate::backend::{Backend, ObjectArc, VolumeArc};
use crate::dir::Dir;
use crate::kext::bitops::AtomicFlags;
use crate::kext::error::code::*;
use crate::kext::fscache::{self, AcquiredCache, VolumeSlot};
use crate::kext::sync::once::OnceBox;
use crate::kext::sync::poll::WaitQueue;
use crate::lists::{ListPlace, Lists};
use crate::log::pr_err;
use crate::ondemand_state::Requests;
use crate::space::{self, CullChange, Thresholds, Verdict};
use crate::vfs::{self, Credential, Mount};
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
    // Not inlined: tests/kunit/hold_probe.c waits for it (erofs_ondemand_races).
    #[inline(never)]
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

    /// Publishes what binding gave the cache; `EBUSY` if it is bound
    /// already. It stays until the cache goes.
    pub(crate) fn set_bound(&self, bound: KBox<Bound>) -> Result<&Bound> {
        self.bound.set(bound).map_err(|_| EBUSY)
    }

    /// The withdrawal lists, locked when used.
    pub(crate) fn lists(&self) -> &Mutex<Lists> {
        &self.lists
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

    /// Lists `volume`, one of this cache's, and attaches it to its fscache
    /// volume through `slot` (from the acquire_volume callback, which keeps
    /// the fscache volume live meanwhile); from then on fscache's
    /// free_volume unlists it, from the volume's own cache, before the
    /// fscache volume goes (`Lists`' invariant).
    pub(crate) fn attach_volume(&self, volume: VolumeArc, slot: VolumeSlot<'_, Backend>) -> Result {
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
