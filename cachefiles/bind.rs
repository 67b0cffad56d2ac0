// SPDX-License-Identifier: GPL-2.0
//! A cache's life with fscache: binding it to a directory and registering
//! it ([`bind`]), and taking it out of service ([`unbind`]): fscache stops
//! using it, every object and volume is withdrawn, the backing fs is
//! synced. What keeps a cache bound ([`UnbindPin`]) and the device's one
//! opener ([`Exclusive`]) are here too.
//!
//! Unbinding waits until fscache has let go of every object
//! (`fscache_wait_for_objects`), so the bound resources (mount, dentries,
//! credentials) are always released in the daemon's process context.

use crate::backend::Backend;
use crate::cache::{flag, Bound, Cache, SpaceFor};
use crate::daemon_cmd::Limits;
use crate::dir;
use crate::kext::error::code::*;
use crate::kext::fscache::AcquiredCache;
use crate::log::{pr_err, pr_info, Name};
use crate::space::{self, Thresholds};
use crate::trace::ObjRef;
use crate::vfs::{self, Credential, Dentry, Mount, NewCred};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{prelude::*, sync::Arc, types::ARef};

/// The device may be open once at a time.
static DEVICE_OPEN: AtomicBool = AtomicBool::new(false);

/// Holding this is being the one opener; dropping it lets the next in.
pub(crate) struct Exclusive;

impl Exclusive {
    pub(crate) fn take() -> Result<Self> {
        if DEVICE_OPEN.swap(true, Ordering::AcqRel) {
            return Err(EBUSY);
        }
        Ok(Exclusive)
    }
}

impl Drop for Exclusive {
    fn drop(&mut self) {
        DEVICE_OPEN.store(false, Ordering::Release);
    }
}

/// Keeps a cache bound (C's unbind pincount): held by the daemon's open
/// file and by each on-demand anonymous fd. The last holder unbinds the
/// cache and lets the device be opened again.
pub(crate) struct UnbindPin {
    cache: Arc<Cache>,
    _exclusive: Exclusive,
}

impl UnbindPin {
    /// The pin of a cache just made for the opener holding `exclusive`.
    pub(crate) fn new(cache: Arc<Cache>, exclusive: Exclusive) -> Result<Arc<UnbindPin>> {
        let pin = UnbindPin {
            cache,
            _exclusive: exclusive,
        };
        Ok(Arc::new(pin, GFP_KERNEL)?)
    }
}

impl Drop for UnbindPin {
    fn drop(&mut self) {
        unbind(&self.cache);
    }
}

/// Binds the cache to `dir` and registers it with fscache as `tag`.
pub(crate) fn bind(
    cache: &Arc<Cache>,
    dir: &CStr,
    tag: &CStr,
    secid: Option<u32>,
    limits: &Limits,
) -> Result {
    let fscache = AcquiredCache::acquire(tag)?;
    // On an error before the binding is published, the cache was
    // relinquished where bind_to() dropped it.
    bind_to(cache, fscache, dir, secid, limits).inspect_err(|e| {
        pr_err!("Failed to register: {}\n", e.to_errno());
    })
}

fn bind_to(
    cache: &Arc<Cache>,
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
        bind_as(cache, fscache, mnt, &root, cred, limits)
    })
}

/// The rest of bind_to(), with the cache's credentials `cred` in
/// force: the cache's directories, then fscache's cache goes online.
fn bind_as(
    cache: &Arc<Cache>,
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

    let space = || cache.has_space_on(&mnt, &t, 1, 0, SpaceFor::Create);
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
    // Published first: fscache's callbacks use it as soon as the cache
    // is added.
    let b = cache.set_bound(bound)?;
    // fscache's private pointer holds a reference on the cache until
    // unbind takes it back. fscache refuses only a cache that is not
    // being prepared, which one just acquired is; should it refuse,
    // the binding stays, unused (the cache is not READY), until the
    // daemon closes the device, which releases it.
    b.fscache.add(cache.clone())?;
    cache.set(flag::READY);
    pr_info!(
        "File cache on {} registered\n",
        Name(b.fscache.name().as_bytes())
    );
    let _ = cache.has_space(0, 0, SpaceFor::Check);
    Ok(())
}

/// Takes the cache out of service: fscache stops using it, every object
/// and volume is withdrawn, the backing fs is synced.
pub(crate) fn unbind(cache: &Cache) {
    let Some(b) = cache.bound() else { return };
    if !cache.test(flag::READY) {
        return;
    }
    pr_info!(
        "File cache on {} unregistering\n",
        Name(b.fscache.name().as_bytes())
    );
    // fscache calls us no more: its reference on us goes.
    drop(b.fscache.withdraw());
    withdraw_fscache_volumes(cache);
    withdraw_objects(cache);
    b.fscache.wait_for_objects();
    withdraw_volumes(cache);
    sync(cache, b);
    // The fscache cache is relinquished when the Bound goes, with the
    // cache: its last holder is the daemon's file, being released.
}

/// Writes everything back to the backing fs at unbind. As in C, only
/// EIO is reported (a shut-down or failing disk); the admin guide
/// tells admins to look for this line.
fn sync(cache: &Cache, b: &Bound) {
    let r = vfs::secure(&b.cred, || b.mnt.sync());
    if let Err(e) = r {
        if e == EIO {
            cache.io_error(format_args!(
                "Attempt to sync backing fs superblock returned error {}",
                e.to_errno()
            ));
        }
    }
}

/// Withdraws the volumes fscache still has accesses on.
fn withdraw_fscache_volumes(cache: &Cache) {
    loop {
        let found = {
            let lists = cache.lists().lock();
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

fn withdraw_objects(cache: &Cache) {
    loop {
        let Some(node) = cache.lists().lock().pop_object() else {
            break;
        };
        let (_, object) = node.to_key_value();
        object.see(ObjRef::SeeWithdrawal);
        object.cookie().withdraw();
    }
}

fn withdraw_volumes(cache: &Cache) {
    loop {
        let (volume, vref) = {
            let mut lists = cache.lists().lock();
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
