// SPDX-License-Identifier: GPL-2.0
//! Objects: the backing file of one data cookie, with its coherency
//! xattr, its size, and its commit when the cookie is done with (a tmpfile
//! linked in under the cookie's name). Finding or making the file is
//! `backing.rs`'s.
//!
//! Objects live in the `cachefiles_object_jar` slab, as C's do, so their
//! memory shows in `/proc/slabinfo`; `SlabArc` counts them as `Arc` would.
//!
//! Ownership: fscache's `cookie->cache_priv` holds one `SlabArc<Object>` from
//! lookup until withdrawal; each I/O in flight holds another;
//! the cache's withdrawal list holds one. The object pins its cookie. The
//! backing file sits in a spinlock because an invalidation swaps it while
//! reads are starting.

use crate::cache::Cache;
use crate::coherency::{self, Content, ObjectCheck};
use crate::error_inject::{inject_read, inject_remove, inject_write};
use crate::io_error;
use crate::kdebug;
use crate::kext::bitops::AtomicFlags;
use crate::kext::error::code::*;
use crate::kext::fscache::{cookie::flags as cookie_flag, Cookie, ObjectCount};
use crate::kext::slab::{InJar, Jar, SlabArc, SlabOnly};
use crate::key;
use crate::log::pr_warn;
use crate::namei;
use crate::ondemand_state;
use crate::trace::{self, Coherency, Kill, ObjRef, Trunc};
use crate::vfs::{self, Dentry, File, InUse};
use crate::volume::Volume;
use core::sync::atomic::{AtomicI32, AtomicU32, AtomicU8, Ordering};
use kernel::{
    new_spinlock,
    prelude::*,
    sync::{Arc, SpinLock},
    types::ARef,
};

/// Object flag: the backing file is an unlinked tmpfile not yet linked in.
const USING_TMPFILE: u32 = 0;

/// Backing files grow and shrink in whole direct-I/O blocks.
pub(crate) const DIO_BLOCK_SIZE: u64 = 4096;

static DEBUG_IDS: AtomicU32 = AtomicU32::new(0);

/// The objects' slab cache, created at module load (cachefiles_main.rs).
pub(crate) static OBJECT_JAR: Jar<Object> = Jar::new();

impl InJar for Object {
    fn jar() -> &'static Jar<Self> {
        &OBJECT_JAR
    }
}

// SAFETY: an Object is made only by Object::new(), in a SlabArc (its
// fields are private to this file), and its drop gives no `&Object` away.
unsafe impl SlabOnly for Object {}

/// The fields drop in their order of declaration: the cookie and the
/// volume first, then the count, after which the cache may go.
#[pin_data(PinnedDrop)]
pub(crate) struct Object {
    cookie: ARef<Cookie>,
    volume: Arc<Volume>,
    /// Dropped after the cookie and the volume: the cache may go once no
    /// object is counted.
    count: ObjectCount,
    #[pin]
    file: SpinLock<Option<ARef<File>>>,
    /// The backing file's name, at its length (C's `d_name`): a name
    /// buffer inline, as long as the longest key's (342 bytes), made every
    /// object about that much larger than C's (scripts/bench, slab per file).
    name: KVec<u8>,
    flags: AtomicFlags,
    content: AtomicU8,
    debug_id: u32,
    /// The object's count as C would keep it, for the cachefiles_ref
    /// trace only: one for fscache's cookie, one per I/O in flight. (Our
    /// references are `Arc`s, whose count is not readable.)
    usage: AtomicI32,
    /// On-demand mode: the object's state and id in the daemon's eyes.
    #[pin]
    od: SpinLock<ondemand_state::ObjectState>,
    /// On-demand mode only: the re-open work (its presence says the
    /// object was made in an on-demand cache).
    reopen: Option<Arc<ondemand_state::Reopen>>,
}

impl Object {
    /// A new object for `cookie` in `volume`, counted in the cache.
    pub(crate) fn new(cookie: &Cookie, volume: Arc<Volume>) -> Result<SlabArc<Object>> {
        let cooked = key::cook_key(cookie.key()).ok_or(EINVAL)?;
        let mut name = KVec::with_capacity(cooked.as_bytes().len(), GFP_KERNEL)?;
        name.extend_from_slice(cooked.as_bytes(), GFP_KERNEL)?;
        let count = volume
            .cache()
            .bound()
            .ok_or(ENOBUFS())?
            .fscache
            .count_object();
        let reopen = if volume.cache().test(crate::cache::flag::ONDEMAND) {
            Some(ondemand_state::Reopen::new()?)
        } else {
            None
        };
        let object = SlabArc::pin_init(pin_init!(Object {
            cookie: ARef::from(cookie),
            volume,
            count,
            file <- new_spinlock!(None, "cachefiles_object"),
            name,
            flags: AtomicFlags::new(),
            content: AtomicU8::new(Content::NoData as u8),
            debug_id: DEBUG_IDS.fetch_add(1, Ordering::Relaxed).wrapping_add(1),
            usage: AtomicI32::new(1),
            od <- new_spinlock!(ondemand_state::ObjectState::new(), "cachefiles_ondemand"),
            reopen,
        }))?;
        trace::obj_ref(object.debug_id, cookie.debug_id(), 1, ObjRef::New);
        Ok(object)
    }

    /// Traces the object at a point of interest (C's cachefiles_see_object).
    pub(crate) fn see(&self, why: ObjRef) {
        let usage = self.usage.load(Ordering::Relaxed);
        trace::obj_ref(self.debug_id, self.cookie().debug_id(), usage, why);
    }

    /// Traces a new holder of the object (C's cachefiles_grab_object): the
    /// count before.
    pub(crate) fn trace_get(&self, why: ObjRef) {
        let usage = self.usage.fetch_add(1, Ordering::Relaxed);
        trace::obj_ref(self.debug_id, self.cookie().debug_id(), usage, why);
    }

    /// Traces a holder letting go (C's cachefiles_put_object): the count
    /// before.
    pub(crate) fn trace_put(&self, why: ObjRef) {
        let usage = self.usage.fetch_sub(1, Ordering::Relaxed);
        trace::obj_ref(self.debug_id, self.cookie().debug_id(), usage, why);
    }

    pub(crate) fn cookie(&self) -> &Cookie {
        &self.cookie
    }

    /// Whether the object was made in an on-demand cache.
    pub(crate) fn ondemand(&self) -> bool {
        self.reopen.is_some()
    }

    /// The on-demand state (see ondemand/mod.rs for its lock order).
    pub(crate) fn od_state(&self) -> &SpinLock<ondemand_state::ObjectState> {
        &self.od
    }

    pub(crate) fn reopen(&self) -> Option<&Arc<ondemand_state::Reopen>> {
        self.reopen.as_ref()
    }

    /// A new reference on the object.
    pub(crate) fn arc(&self) -> SlabArc<Object> {
        SlabArc::from_ref(self)
    }

    pub(crate) fn cache(&self) -> &Cache {
        self.volume.cache()
    }

    /// The backing file, with a reference of its own.
    pub(crate) fn file(&self) -> Option<ARef<File>> {
        self.file.lock().clone()
    }

    /// Whether the backing file is a tmpfile not yet linked in.
    pub(crate) fn using_tmpfile(&self) -> bool {
        self.flags.test(USING_TMPFILE)
    }

    fn set_using_tmpfile(&self, on: bool) {
        self.flags.assign(USING_TMPFILE, on);
    }

    /// The fan-out directory the backing file is in.
    pub(crate) fn fan(&self) -> Result<ARef<Dentry>> {
        self.volume.fan(self.cookie().key_hash())
    }

    /// Traces a failed VFS operation on `d` (cachefiles_vfs_error).
    pub(crate) fn trace_vfs_error(&self, d: &Dentry, e: Error, why: trace::Err) {
        if let Some(inode) = d.inode() {
            trace::vfs_error(Some(self.debug_id), inode, e.to_errno(), why);
        }
    }

    /// Marks the cache dead after a backing-fs error about this object.
    pub(crate) fn io_error(&self, msg: core::fmt::Arguments<'_>) {
        self.cache()
            .io_error(format_args!("{} [o={:08x}]", msg, self.debug_id));
    }

    /// The backing file's name (C's `d_name`).
    pub(crate) fn name(&self) -> &[u8] {
        &self.name
    }

    /// Takes a new tmpfile as the backing file (a lookup that made one):
    /// its xattr is to be written, and it is to be linked in.
    pub(crate) fn attach_tmpfile(&self, file: ARef<File>) {
        self.cookie().set_flag(cookie_flag::NEEDS_UPDATE);
        self.set_using_tmpfile(true);
        *self.file.lock() = Some(file);
    }

    /// Takes the backing file a lookup found current: there is data to
    /// read, and the file's atime is touched (culling goes by atime, and
    /// lookups do not touch it).
    pub(crate) fn attach_file(&self, file: ARef<File>) {
        self.cookie().clear_flag(cookie_flag::NO_DATA_TO_READ);
        file.touch_atime();
        *self.file.lock() = Some(file);
    }

    /// Puts the empty tmpfile `new` in the old backing file's place (an
    /// invalidation): nothing in it, its xattr to be written, to be linked
    /// in. Returns the old file.
    pub(crate) fn replace_file(&self, new: ARef<File>) -> Option<ARef<File>> {
        let mut f = self.file.lock();
        let old = f.replace(new);
        self.content.store(Content::NoData as u8, Ordering::Relaxed);
        self.set_using_tmpfile(true);
        self.cookie().set_flag(cookie_flag::NEEDS_UPDATE);
        old
    }

    /// Gives up the in-use mark on the backing file and tells the daemon
    /// what it may now cull.
    pub(crate) fn unmark_in_use(&self, file: &File) {
        let inode = file.inode();
        inode.lock().unmark_in_use(Some(self.debug_id));
        if !self.using_tmpfile() {
            self.cache().released(inode.blocks());
        }
    }

    /// Checks the backing file's xattr against the cookie: ESTALE() if the
    /// file must be replaced.
    pub(crate) fn check_auxdata(&self, file: &File) -> Result {
        let cookie = self.cookie();
        let aux = cookie.aux();
        let aux = aux.as_bytes();
        let len = coherency::OBJECT_HEADER_LEN + aux.len();
        let mut buf = [0u8; coherency::MAX_OBJECT_XATTR_LEN];
        let dentry = file.dentry();
        let read =
            inject_read().and_then(|()| vfs::getxattr(&dentry, vfs::XATTR_NAME, &mut buf[..len]));
        let ino = file.inode().ino();
        let n = match read {
            Ok(n) => n,
            Err(e) => {
                let id = self.debug_id;
                trace::vfs_error(Some(id), file.inode(), e.to_errno(), trace::Err::Getxattr);
                if e == EIO {
                    self.io_error(format_args!(
                        "Failed to read aux with error {}",
                        e.to_errno()
                    ));
                }
                trace::coherency(id, ino, 0, Coherency::CheckXattr);
                return Err(e);
            }
        };
        let check = coherency::check_object(&buf[..n], len, aux, cookie.object_size());
        let why = match check {
            ObjectCheck::Ok => Coherency::CheckOk,
            ObjectCheck::Xattr => Coherency::CheckXattr,
            ObjectCheck::Type => Coherency::CheckType,
            ObjectCheck::Aux => Coherency::CheckAux,
            ObjectCheck::ObjectSize => Coherency::CheckObjsize,
            ObjectCheck::Dirty => Coherency::CheckDirty,
        };
        // The content byte of what was read (C prints its buffer's).
        let content = if n > 17 { buf[17] } else { 0 };
        if check == ObjectCheck::Dirty {
            pr_warn!("Dirty object in cache\n");
        }
        trace::coherency(self.debug_id, ino, content, why);
        if check != ObjectCheck::Ok {
            kdebug!("o={:08x}: coherency mismatch: {:?}\n", self.debug_id, check);
        }
        match check {
            ObjectCheck::Ok => Ok(()),
            _ => Err(ESTALE()),
        }
    }

    /// Stores the cookie's coherency data on the backing file.
    pub(crate) fn set_xattr(&self) -> Result {
        let file = self.file().ok_or(ESTALE())?;
        let cookie = self.cookie();
        let content = if cookie.test_flag(cookie_flag::LOCAL_WRITE) {
            Content::Dirty
        } else {
            content_from(self.content.load(Ordering::Relaxed))
        };
        let mut buf = [0u8; coherency::MAX_OBJECT_XATTR_LEN];
        let aux = cookie.aux();
        let n = coherency::encode_object(cookie.object_size(), content, aux.as_bytes(), &mut buf)
            .ok_or(EINVAL)?;
        let dentry = file.dentry();
        let r = inject_write()
            .and_then(|()| file.with_write(|| vfs::setxattr(&dentry, vfs::XATTR_NAME, &buf[..n])));
        let (id, inode) = (self.debug_id, file.inode());
        match r {
            Ok(()) => trace::coherency(id, inode.ino(), content as u8, Coherency::SetOk),
            Err(e) => {
                trace::vfs_error(Some(id), inode, e.to_errno(), trace::Err::Setxattr);
                trace::coherency(id, inode.ino(), content as u8, Coherency::SetFail);
            }
        }
        if let Err(e) = r {
            if e != ENOMEM {
                self.io_error(format_args!(
                    "Failed to set xattr with error {}",
                    e.to_errno()
                ));
            }
        }
        r
    }

    fn remove_xattr(&self, dentry: &Dentry) {
        let cache = self.cache();
        let Some(b) = cache.bound() else { return };
        let r = inject_remove().and_then(|()| {
            b.mnt
                .with_write(|| vfs::removexattr(dentry, vfs::XATTR_NAME))
        });
        if let Err(e) = r {
            self.trace_vfs_error(dentry, e, trace::Err::Remxattr);
        }
        match r {
            Ok(()) => (),
            Err(e) if e == ENOENT || e == ENODATA() || e == ENOMEM => (),
            Err(e) => {
                let ino = dentry.inode().map_or(0, |i| i.ino());
                io_error!(
                    cache,
                    "Can't remove xattr from {} (error {})",
                    ino,
                    -e.to_errno()
                );
            }
        }
    }

    /// Sizes the backing file to the object (in whole DIO blocks).
    pub(crate) fn adjust_size(&self) -> Result {
        let file = self.file().ok_or(ENOBUFS())?;
        let new = round_up(self.cookie().object_size(), DIO_BLOCK_SIZE) as i64;
        let inode = file.inode();
        let old = inode.size();
        if old == new {
            return Ok(());
        }
        let r = {
            let lock = inode.lock();
            let page_mask = !(kernel::page::PAGE_SIZE as i64 - 1);
            // A partial page at the old end would hide data written after
            // it: cut it off before growing.
            let cut = if old & !page_mask != 0 && new > old {
                inject_remove().and_then(|()| file.set_size(&lock, old & page_mask))
            } else {
                Ok(())
            };
            cut.and_then(|()| inject_write().and_then(|()| file.set_size(&lock, new)))
        };
        if let Err(e) = r {
            trace::io_error(None, inode, e.to_errno(), trace::Err::NotifyChange);
        }
        if r == Err(EIO) {
            self.io_error(format_args!("Size set failed"));
            return Err(ENOBUFS());
        }
        r
    }

    /// fscache's resize: shrinking cuts the file (zeroing the tail of its
    /// last block); growing needs nothing.
    pub(crate) fn resize(&self, file: Option<&File>, new_size: u64) {
        let cookie = self.cookie();
        if new_size < cookie.object_size() {
            if let (Some(file), Some(b)) = (file, self.cache().bound()) {
                // A failure is logged and kills the cache (io_error).
                let _ = vfs::secure(&b.cred, || self.shorten(file, new_size));
            }
        }
        cookie.set_object_size(new_size);
    }

    fn shorten(&self, file: &File, new_size: u64) -> Result {
        let dio = round_up(new_size, DIO_BLOCK_SIZE);
        let (id, inode) = (self.debug_id, file.inode());
        trace::trunc(id, inode, inode.size(), dio as i64, Trunc::Shrink);
        if let Err(e) = inject_remove().and_then(|()| file.truncate(dio as i64)) {
            trace::io_error(Some(id), inode, e.to_errno(), trace::Err::Trunc);
            self.io_error(format_args!("Trunc-to-size failed {}", e.to_errno()));
            self.remove_xattr(&file.dentry());
            return Err(e);
        }
        if new_size < dio {
            trace::trunc(id, inode, dio as i64, new_size as i64, Trunc::DioAdjust);
            let r = inject_write()
                .and_then(|()| file.zero_range(new_size as i64, (dio - new_size) as i64));
            if let Err(e) = r {
                trace::io_error(Some(id), inode, e.to_errno(), trace::Err::Fallocate);
                self.io_error(format_args!("Trunc-to-dio-size failed {}", e.to_errno()));
                self.remove_xattr(&file.dentry());
                return Err(e);
            }
        }
        Ok(())
    }

    /// Links a tmpfile in under the object's name, replacing a stale file.
    fn commit_tmpfile(&self) -> Result {
        let file = self.file().ok_or(ENOBUFS())?;
        let fan = self.fan()?;
        let finode = fan.inode().ok_or(ENOENT)?;
        let lock = finode.lock_parent();
        let name = &self.name;
        let id = Some(self.debug_id);
        let lookup = || {
            let r = inject_read().and_then(|()| fan.lookup_locked(&lock, name));
            if let Err(e) = &r {
                trace::vfs_error(id, finode, e.to_errno(), trace::Err::Lookup);
            }
            r
        };
        let mut dentry = lookup()?;
        if !dentry.is_negative() {
            if dentry.inode().map(|i| i.as_ptr()) == Some(file.inode().as_ptr()) {
                return Ok(());
            }
            namei::unlink(self.cache(), id, &fan, &lock, &dentry, Kill::IsStale)?;
            drop(dentry);
            dentry = lookup()?;
        }
        if let Err(e) = inject_read().and_then(|()| vfs::link(&file, &fan, &lock, &dentry)) {
            trace::vfs_error(id, finode, e.to_errno(), trace::Err::Link);
            return Err(e);
        }
        trace::link(self.debug_id, file.inode());
        let _guard = self.file.lock();
        self.set_using_tmpfile(false);
        Ok(())
    }

    /// Unlinks the backing file (the cookie was retired).
    fn delete(&self, file: &File) -> Result {
        let dentry = file.dentry();
        let fan = self.fan()?;
        let lock = fan.inode().ok_or(ENOENT)?.lock_parent();
        let id = Some(self.debug_id);
        namei::unlink(self.cache(), id, &fan, &lock, &dentry, Kill::WasRetired)
    }

    /// Saves the object's state to disk at withdrawal: xattr, and the link
    /// of a tmpfile.
    fn commit(&self) {
        let cookie = self.cookie();
        let mut update = cookie.test_and_clear_flag(cookie_flag::LOCAL_WRITE);
        update |= cookie.test_and_clear_flag(cookie_flag::NEEDS_UPDATE);
        if update {
            let _ = self.set_xattr();
        }
        if self.using_tmpfile() {
            // A tmpfile left unlinked is lost, as in C.
            let _ = self.commit_tmpfile();
        }
    }

    /// Commits or deletes the backing file at withdrawal (a retired
    /// cookie's goes) and lets it go.
    pub(crate) fn clean_up(&self, file: &File) {
        if self.cookie().test_flag(cookie_flag::RETIRED) {
            if !self.using_tmpfile() {
                self.see(ObjRef::SeeCleanDelete);
                let _ = self.delete(file);
            } else {
                self.see(ObjRef::SeeCleanDropTmp);
            }
        } else {
            self.see(ObjRef::SeeCleanCommit);
            self.commit();
        }
        self.unmark_in_use(file);
        let file = self.file.lock().take();
        drop(file);
    }

    /// fscache's prepare_to_write: a linked file's xattr is updated before
    /// the first local write so that a crash leaves it marked dirty.
    pub(crate) fn prepare_to_write(&self) {
        if !self.using_tmpfile() {
            if let Some(b) = self.cache().bound() {
                let _ = vfs::secure(&b.cred, || self.set_xattr());
            }
        }
    }

    pub(crate) fn debug_id(&self) -> u32 {
        self.debug_id
    }
}

#[pinned_drop]
impl PinnedDrop for Object {
    fn drop(self: Pin<&mut Self>) {
        // The last put of an object may drop the last cookie pin (which
        // takes fscache's hash-bucket and /proc locks) and the volume
        // (dentries): never in atomic context (io/kiocb.rs defers the
        // frees of completions). Checked on every drop by the debug kernel.
        // The fields go after this, in their order (see the struct).
        crate::kext::sched::might_sleep();
    }
}

fn content_from(v: u8) -> Content {
    match v {
        1 => Content::Single,
        2 => Content::All,
        3 => Content::BackfsMap,
        4 => Content::Dirty,
        _ => Content::NoData,
    }
}

pub(crate) fn round_up(v: u64, to: u64) -> u64 {
    v.div_ceil(to).wrapping_mul(to)
}
