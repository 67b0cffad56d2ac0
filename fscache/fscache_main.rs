// SPDX-License-Identifier: GPL-2.0
//! fscache.ko: the FS-Cache core of fscache-rs, the local caching manager
//! between network filesystems and cache backends.

use kernel::{bindings, c_str, prelude::*};

mod abi;
mod cache;
mod cookie;
mod io;
#[path = "../rust/kext/mod.rs"]
mod kext;
mod key_hash;
mod log;
mod proc;
mod stats;
mod sys;
mod trace;
mod volume;

module! {
    type: FsCache,
    name: "fscache",
    author: "fscache-rs developers",
    description: "FS-Cache local caching manager (fscache-rs, Rust)",
    license: "GPL",
}

struct FsCache {
    _proc: proc::ProcFiles,
}

impl kernel::Module for FsCache {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: module init runs before anything can use the exported
        // `fscache_wq` (dependent modules link only once init succeeds).
        let wq = unsafe {
            bindings::fscache_wq = bindings::alloc_workqueue(
                c_str!("fscache").as_char_ptr(),
                bindings::wq_flags_WQ_UNBOUND | bindings::wq_flags_WQ_FREEZABLE,
                0,
            );
            bindings::fscache_wq
        };
        if wq.is_null() {
            return Err(ENOMEM);
        }
        let undo_wq = || {
            // SAFETY: allocated above and not published to anyone yet.
            unsafe { bindings::destroy_workqueue(wq) };
        };
        cookie::init().inspect_err(|_| undo_wq())?;
        let proc = proc::register().inspect_err(|_| {
            cookie::shutdown();
            undo_wq();
        })?;
        pr_notice!("FS-Cache loaded (fscache-rs)\n");
        Ok(FsCache { _proc: proc })
    }
}

impl Drop for FsCache {
    fn drop(&mut self) {
        // No module uses us any more, so every backend relinquished its
        // cache; records left over are references someone leaked.
        let cookies = cookie::shutdown();
        if cookies != 0 {
            pr_warn!("{} cookie(s) still referenced at unload\n", cookies);
        }
        let vols = volume::shutdown();
        if vols != 0 {
            pr_warn!("{} volume(s) still referenced at unload\n", vols);
        }
        let left = cache::shutdown();
        if left != 0 {
            pr_warn!("{} cache record(s) still referenced at unload\n", left);
        }
        // SAFETY: allocated in init; nothing can queue work any more.
        unsafe { bindings::destroy_workqueue(bindings::fscache_wq) };
        pr_notice!("FS-Cache unloaded (fscache-rs)\n");
    }
}
