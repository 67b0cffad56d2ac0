// SPDX-License-Identifier: GPL-2.0
//! The pure-logic modules of fscache.ko and cachefiles.ko, compiled from the
//! very same files the kernel build uses.

#[path = "../../cachefiles/daemon_cmd.rs"]
pub mod daemon_cmd;

#[path = "../../fscache/key_hash.rs"]
pub mod key_hash;

#[path = "../../fscache/cookie/state.rs"]
pub mod cookie_state;

#[path = "../../cachefiles/key.rs"]
pub mod key;

#[path = "../../cachefiles/coherency.rs"]
pub mod coherency;

#[path = "../../cachefiles/space.rs"]
pub mod space;

#[path = "../../cachefiles/ondemand_msg.rs"]
pub mod ondemand_msg;
