// SPDX-License-Identifier: GPL-2.0
//! cachefiles as an fscache backend ([`Backend`]): the `fscache_cache_ops`
//! and `netfs_cache_ops` it provides, through the shared layer's
//! `#[vtable]` traits (`kext::fscache`), each calling the logic of
//! `volume.rs`, `backing.rs`, `object.rs`, `io/` and `ondemand/`; and the
//! withdrawal of a cookie's object. On top of them all: on-demand mode
//! builds on the objects and the writes, and these ops on it.

use crate::backend::Backend;
use crate::backing;
use crate::cache::Cache;
use crate::io;
use crate::kdebug;
use crate::kext::fscache::{
    self, CacheBackend, CacheResources, Cookie, IoSource, NetfsCacheOps, ObjectSlot, ReadHole,
    Subrequest, VolumeSlot, WantState,
};
use crate::kext::netfs::{Completion, IovIter};
use crate::kext::slab::SlabArc;
use crate::object::Object;
use crate::ondemand;
use crate::trace::ObjRef;
use crate::vfs;
use crate::volume::Volume;
use kernel::{
    c_str,
    ffi::c_int,
    prelude::*,
    sync::{Arc, ArcBorrow},
};

/// fscache's private pointers hold: for a cache, a reference on our
/// [`Cache`] (from bind until unbind); for a volume, one on our [`Volume`];
/// for a cookie, one on its [`Object`] (from lookup until withdrawal).
#[vtable]
impl CacheBackend for Backend {
    const NAME: &'static CStr = c_str!("cachefiles");

    type CachePtr = Arc<Cache>;
    type VolumePtr = Arc<Volume>;
    type ObjectPtr = SlabArc<Object>;

    fn acquire_volume(
        cache: ArcBorrow<'_, Cache>,
        volume: &fscache::Volume,
        slot: VolumeSlot<'_, Self>,
    ) {
        // On an error the volume is left without a cache object (its
        // cookies go uncached), as C leaves it.
        let _ = Volume::acquire(&cache.into(), volume, slot);
    }

    fn free_volume(volume: &fscache::Volume, data: Arc<Volume>) {
        data.free(volume);
    }

    fn lookup_cookie(
        volume: ArcBorrow<'_, Volume>,
        cookie: &Cookie,
        slot: ObjectSlot<'_, Self>,
    ) -> Result {
        backing::lookup(cookie, volume.into(), slot)
    }

    fn withdraw_cookie(cookie: &Cookie, object: &Object) {
        withdraw(object.arc(), cookie);
    }

    fn resize_cookie(res: &CacheResources<Self>, object: &Object, new_size: u64) {
        object.resize(res.file().as_deref(), new_size);
    }

    fn invalidate_cookie(_cookie: &Cookie, object: &Object) -> Result {
        backing::invalidate(object)
    }

    fn begin_operation(res: &CacheResources<Self>, want: WantState) -> Result {
        io::begin_operation(res, want)
    }

    fn prepare_to_write(_cookie: &Cookie, object: &Object) {
        object.prepare_to_write();
    }
}

#[vtable]
impl NetfsCacheOps for Backend {
    fn read(
        res: &CacheResources<Self>,
        start: i64,
        iter: &IovIter,
        read_hole: ReadHole,
        done: Completion,
    ) -> Result {
        io::read(res, start, iter, read_hole, done)
    }

    fn write(res: &CacheResources<Self>, start: i64, iter: &IovIter, done: Completion) -> c_int {
        io::write(res, start, iter, done)
    }

    fn issue_write(sub: &Subrequest<Self>, done: Completion) {
        io::issue_write(sub, done)
    }

    fn prepare_read(sub: &Subrequest<Self>, i_size: u64) -> IoSource {
        let (start, ino) = (sub.start(), sub.netfs_ino());
        sub.with_len_flags(|len, flags| {
            io::prepare_read(
                sub.resources(),
                start,
                len,
                i_size as i64,
                flags,
                ino,
                ondemand::read,
            )
        })
    }

    fn prepare_write_subreq(sub: &Subrequest<Self>) {
        io::prepare_write_subreq(sub)
    }

    fn prepare_write(
        res: &CacheResources<Self>,
        start: &mut i64,
        len: &mut usize,
        upper_len: usize,
        _i_size: i64,
        no_space_allocated_yet: bool,
    ) -> Result {
        io::prepare_write(res, start, len, upper_len, no_space_allocated_yet)
    }

    fn prepare_ondemand_read(
        res: &CacheResources<Self>,
        start: i64,
        len: &mut usize,
        i_size: i64,
        flags: &mut usize,
        ino: u64,
    ) -> IoSource {
        io::prepare_read(res, start, len, i_size, flags, ino, ondemand::read)
    }

    fn query_occupancy(
        res: &CacheResources<Self>,
        start: i64,
        len: usize,
        granularity: usize,
        data_start: &mut i64,
        data_len: &mut usize,
    ) -> Result {
        io::query_occupancy(res, start, len, granularity, data_start, data_len)
    }
}

/// fscache's withdraw_cookie: the cookie is going, or the cache is.
/// `object` is the cookie's (a reference of the caller's); it is taken
/// off the cookie when this returns, last, as C does.
fn withdraw(object: SlabArc<Object>, cookie: &Cookie) {
    kdebug!(
        "withdraw o={:08x} c={:08x}{}\n",
        object.debug_id(),
        cookie.debug_id(),
        if object.file().is_none() {
            " (no file)"
        } else {
            ""
        }
    );
    object.see(ObjRef::SeeWithdrawCookie);
    if let Some(listed) = object.cache().remove_object(&object) {
        object.see(ObjRef::SeeWithdrawal);
        drop(listed);
    }
    ondemand::clean_object(&object);
    if let Some(file) = object.file() {
        if let Some(b) = object.cache().bound() {
            vfs::secure(&b.cred, || object.clean_up(&file));
        }
    }
    object.trace_put(ObjRef::PutDetach);
    drop(object);
}
