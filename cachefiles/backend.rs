// SPDX-License-Identifier: GPL-2.0
//! cachefiles as fscache's cache backend: [`Backend`], the type the shared
//! layer builds fscache's and netfs's ops tables for, and the references
//! fscache's private pointers hold for it.
//!
//! The ops themselves (the impls of `kext::fscache`'s traits) are
//! `interface.rs`'s, on top of the other files. The files below it that
//! keep volumes and objects (the cache's lists, on-demand requests) name
//! them [`VolumeArc`] and [`ObjectArc`], the impl's associated types, so
//! that the cache, which every other file builds on, imports none of the
//! files that make them.

use crate::kext::fscache::CacheBackend;

/// cachefiles, as fscache and netfs see it (its ops: `interface.rs`).
pub(crate) struct Backend;

/// A reference on one of our volumes (`Arc<Volume>`), as a volume's
/// private pointer holds one.
pub(crate) type VolumeArc = <Backend as CacheBackend>::VolumePtr;

/// A reference on one of our objects (`SlabArc<Object>`), as a cookie's
/// private pointer holds one.
pub(crate) type ObjectArc = <Backend as CacheBackend>::ObjectPtr;
