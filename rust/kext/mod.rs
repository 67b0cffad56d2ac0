// SPDX-License-Identifier: GPL-2.0
//! kext: the kernel abstractions fscache-rs needs that 6.12's `kernel`
//! crate lacks, shared by both modules (6.12's Kbuild builds one crate per
//! module, so each includes this tree by path). Each file names its
//! upstream equivalent; `Documentation/bindings.rst` is the map.

// The layer is written as the crate it would be if 6.12's Kbuild could
// link one: its API is `pub`, though only this module's crate sees it,
// and each module uses only part of it.
#![allow(unreachable_pub, dead_code)]

pub mod bitops;
pub mod cred;
pub mod error;
pub mod fs;
pub mod fscache;
pub mod miscdevice;
pub mod netfs;
pub mod sched;
pub mod seq_file;
pub mod slab;
pub mod sync;
pub mod time;
pub mod tracepoint;
pub mod xarray;
