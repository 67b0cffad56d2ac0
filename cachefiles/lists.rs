// SPDX-License-Identifier: GPL-2.0
//! The cache's withdrawal lists: the volumes and objects it gave fscache,
//! which unbind withdraws (C's `cache->volumes` and `object_list`).
//!
//! An abstraction file: a listed volume reaches its fscache volume, whose
//! life fscache's protocol and this list's discipline guarantee (see
//! [`Lists`]).

use crate::backend::{Backend, ObjectArc, VolumeArc};
use crate::kext::fscache::{self, VolumeSlot};
use core::ops::Deref;
use kernel::{
    new_mutex,
    prelude::*,
    rbtree::{RBTree, RBTreeNode, RBTreeNodeReservation},
    sync::Mutex,
};

/// A place in the object list, allocated ahead.
pub(crate) type ListPlace = RBTreeNodeReservation<usize, ObjectArc>;

/// A place in the volume list, allocated ahead, for the volume of a slot.
pub(crate) struct VolumePlace {
    key: usize,
    node: RBTreeNode<usize, VolumeArc>,
}

/// The key of a volume: its fscache volume's address.
fn volume_key(vcookie: &fscache::Volume) -> usize {
    vcookie.as_ptr() as usize
}

/// The key of an object: its address.
fn object_key(object: &<ObjectArc as Deref>::Target) -> usize {
    object as *const _ as usize
}

/// The cache's live volumes and objects.
///
/// # Invariants
///
/// Reached only through its lock (it is only ever made inside one,
/// [`Lists::new`]), so a `&Lists` proves the lock held; each cache has
/// one, and lists only its own volumes (`Cache::attach_volume`). A
/// volume in `volumes` is keyed by the address of its fscache volume and
/// is attached to it (its private pointer) for as long as it is listed:
/// it is listed in the same hold of the lock as it is attached
/// ([`Lists::attach_volume`]); fscache frees a volume only after
/// `free_volume`, which unlists ours under the lock first
/// (`Volume::free`), and the withdrawal unlists it under the lock,
/// holding a reference of its own, before detaching it. So while the
/// lock is held, every listed volume's fscache volume is live.
pub(crate) struct Lists {
    volumes: RBTree<usize, VolumeArc>,
    objects: RBTree<usize, ObjectArc>,
}

impl Lists {
    /// Empty lists, inside their lock.
    pub(crate) fn new() -> impl PinInit<Mutex<Lists>> {
        let lists = Lists {
            volumes: RBTree::new(),
            objects: RBTree::new(),
        };
        new_mutex!(lists, "cachefiles_lists")
    }

    /// Allocates `volume`'s place, for the volume of `slot`.
    pub(crate) fn volume_place(
        slot: &VolumeSlot<'_, Backend>,
        volume: VolumeArc,
    ) -> Result<VolumePlace> {
        let key = volume_key(slot.volume());
        let node = RBTreeNode::new(key, volume, GFP_KERNEL)?;
        Ok(VolumePlace { key, node })
    }

    /// Lists the volume of `place` and attaches `volume` (the same) to its
    /// fscache volume through `slot`, at once (the invariant). `EINVAL` if
    /// the place is for another slot's volume.
    pub(crate) fn attach_volume(
        &mut self,
        place: VolumePlace,
        slot: VolumeSlot<'_, Backend>,
        volume: VolumeArc,
    ) -> Result {
        if place.key != volume_key(slot.volume()) {
            return Err(EINVAL);
        }
        // INVARIANT: listed under its fscache volume's key, which the slot
        // attaches it to now, with the lock held.
        self.volumes.insert(place.node);
        slot.attach(volume);
        Ok(())
    }

    /// Unlists the volume of `vcookie` (free_volume, under the lock,
    /// before fscache lets it go).
    pub(crate) fn remove_volume(&mut self, vcookie: &fscache::Volume) -> Option<VolumeArc> {
        self.volumes.remove(&volume_key(vcookie))
    }

    /// The fscache volumes of the listed volumes, live while the lists are
    /// borrowed.
    pub(crate) fn fscache_volumes(&self) -> impl Iterator<Item = &fscache::Volume> {
        // SAFETY: each key is the address of the fscache volume its
        // listed volume is attached to, live while the lock the borrow of
        // `self` proves is held (type invariant).
        self.volumes
            .keys()
            .map(|&key| unsafe { fscache::Volume::from_raw(key as *mut _) })
    }

    /// The fscache volume of the volume listed last, if any.
    pub(crate) fn last_fscache_volume(&mut self) -> Option<&fscache::Volume> {
        let key = *self.volumes.cursor_back()?.current().0;
        // SAFETY: as in fscache_volumes().
        Some(unsafe { fscache::Volume::from_raw(key as *mut _) })
    }

    /// Lists `object`, in the place allocated for it.
    pub(crate) fn add_object(&mut self, place: ListPlace, object: &ObjectArc) {
        let node = place.into_node(object_key(object), object.clone());
        self.objects.insert(node);
    }

    /// Unlists `object`; the list's reference.
    pub(crate) fn remove_object(
        &mut self,
        object: &<ObjectArc as Deref>::Target,
    ) -> Option<ObjectArc> {
        self.objects.remove(&object_key(object))
    }

    /// Unlists the first object, if any; the list's reference (its node,
    /// to be freed out of the lock).
    pub(crate) fn pop_object(&mut self) -> Option<RBTreeNode<usize, ObjectArc>> {
        self.objects.cursor_front().map(|c| c.remove_current().1)
    }
}
