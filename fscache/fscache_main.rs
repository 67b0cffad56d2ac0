// SPDX-License-Identifier: GPL-2.0
//! fscache.ko: the FS-Cache core of fscache-rs, the local caching manager
//! between network filesystems and cache backends.

use kernel::prelude::*;

mod proc;
mod proc_fs;

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
        let proc = proc::register()?;
        pr_notice!("FS-Cache loaded (fscache-rs)\n");
        Ok(FsCache { _proc: proc })
    }
}

impl Drop for FsCache {
    fn drop(&mut self) {
        pr_notice!("FS-Cache unloaded (fscache-rs)\n");
    }
}
