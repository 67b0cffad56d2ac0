// SPDX-License-Identifier: GPL-2.0
//! cachefiles.ko: the CacheFiles backend of fscache-rs, caching network
//! filesystem data in files on a local filesystem, driven by a daemon
//! through `/dev/cachefiles`.

use kernel::{c_str, prelude::*};

mod daemon;
mod daemon_cmd;
mod miscdev;
mod sys;

module! {
    type: CacheFiles,
    name: "cachefiles",
    author: "fscache-rs developers",
    description: "Mounted-filesystem based cache (fscache-rs, Rust)",
    license: "GPL",
}

struct CacheFiles {
    _dev: miscdev::Registration<daemon::Daemon>,
}

impl kernel::Module for CacheFiles {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let dev =
            miscdev::Registration::register(c_str!("cachefiles"), module).inspect_err(|e| {
                pr_err!("failed to register the misc device: {:?}\n", e);
            })?;
        pr_info!("Loaded (fscache-rs)\n");
        Ok(CacheFiles { _dev: dev })
    }
}

impl Drop for CacheFiles {
    fn drop(&mut self) {
        pr_info!("Unloading (fscache-rs)\n");
    }
}
