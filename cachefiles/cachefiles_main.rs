// SPDX-License-Identifier: GPL-2.0
//! cachefiles.ko: the CacheFiles backend of fscache-rs, caching network
//! filesystem data in files on a local filesystem, driven by a daemon
//! through `/dev/cachefiles`.

use crate::log::{pr_err, pr_info};
use kernel::{c_str, prelude::*};
use kext::miscdevice::{MiscDeviceOptions, MiscDeviceRegistration};

// /dev/cachefiles's file operations (owned by this module).
misc_fops!(static DAEMON_FOPS: daemon::Daemon);

mod backend;
mod backing;
mod bind;
mod cache;
mod coherency;
mod daemon;
mod daemon_cmd;
mod dir;
mod error_inject;
mod interface;
mod io;
#[path = "../rust/kext/mod.rs"]
mod kext;
mod key;
mod lists;
mod log;
mod namei;
mod object;
mod ondemand;
mod ondemand_msg;
mod ondemand_state;
mod space;
mod sys;
mod trace;
mod vfs;
mod volume;

module! {
    type: CacheFiles,
    name: "cachefiles",
    author: "fscache-rs developers",
    description: "Mounted-filesystem based cache (fscache-rs, Rust)",
    license: "GPL",
}

struct CacheFiles {
    _dev: Pin<KBox<MiscDeviceRegistration<daemon::Daemon>>>,
    _einj: error_inject::Registration,
    // Dropped last: after the device, when no cache and so no object is
    // left (Drop below flushes the deferred I/O frees first).
    _jar: kext::slab::JarRegistration<object::Object>,
}

impl kernel::Module for CacheFiles {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let jar = object::OBJECT_JAR.create(c_str!("cachefiles_object_jar"))?;
        let einj = error_inject::Registration::register().inspect_err(|e| {
            pr_err!("failed to register: {}\n", e.to_errno());
        })?;
        let opts = MiscDeviceOptions {
            name: c_str!("cachefiles"),
        };
        let dev = KBox::pin_init(
            MiscDeviceRegistration::register(opts, &DAEMON_FOPS),
            GFP_KERNEL,
        )
        .inspect_err(|e| {
            pr_err!("failed to register the misc device: {:?}\n", e);
        })?;
        pr_info!("Loaded (fscache-rs)\n");
        Ok(CacheFiles {
            _dev: dev,
            _einj: einj,
            _jar: jar,
        })
    }
}

impl Drop for CacheFiles {
    fn drop(&mut self) {
        // No cache is left (each held the device open), but the last I/O
        // frees and on-demand re-opens may still be queued on fscache's
        // work queue (io/kiocb.rs, ondemand/): they run our code.
        kext::fscache::flush_workqueue();
        pr_info!("Unloading (fscache-rs)\n");
    }
}
