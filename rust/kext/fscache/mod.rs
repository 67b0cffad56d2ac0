// SPDX-License-Identifier: GPL-2.0
//! fscache's interface for cache backends (`linux/fscache-cache.h`) and the
//! netfs cache operations a backend provides (`linux/netfs.h`): what a
//! backend such as cachefiles needs to be safe Rust.
//!
//! Upstream: none (no fscache or netfs abstraction as of 6.18), so the
//! names follow the rest of this layer and upstream's abstractions of the
//! same shape:
//! - the C objects fscache hands a backend are `Opaque` wrappers used by
//!   reference ([`Cache`], [`Volume`], [`Cookie`], [`CacheResources`],
//!   [`Subrequest`]), with `ARef` for counted references and owned types
//!   for the references a backend holds ([`AcquiredCache`], [`VolumeRef`],
//!   [`ObjectCount`]);
//! - the two ops tables are `#[vtable]` traits with generic static tables
//!   and trampolines, as `kernel::miscdevice` (6.13) builds its
//!   `MiscdeviceVTable<T>`: [`CacheBackend`] (`fscache_cache_ops`, table
//!   [`CacheOpsVTable`]) and [`NetfsCacheOps`] (`netfs_cache_ops`, table
//!   [`NetfsCacheOpsVTable`]);
//! - what a backend keeps in fscache's private pointers (`cache_priv` of a
//!   cache, a volume, a cookie) is typed by the backend's associated types
//!   and goes through `ForeignOwnable`: only the trampolines and the
//!   owners here store, borrow and take it back, so a backend never
//!   touches a private pointer.
//!
//! This is also the layer that changes for a later kernel's fscache or
//! netfs.

pub mod backend;
pub mod cache;
pub mod cookie;
mod private;
pub mod resources;
pub mod stats;
pub mod subrequest;
pub mod volume;

// The layer's API, of which each module uses a part (fscache.ko none).
#[allow(unused_imports)]
pub use backend::{CacheBackend, CacheOpsVTable, ObjectSlot, VolumeSlot};
#[allow(unused_imports)]
pub use cache::{AcquiredCache, Cache, ObjectCount};
#[allow(unused_imports)]
pub use cookie::{Cookie, Copied};
#[allow(unused_imports)]
pub use resources::{
    CacheResources, IoSource, NetfsCacheOps, NetfsCacheOpsVTable, ReadHole, WantState,
};
#[allow(unused_imports)]
pub use subrequest::Subrequest;
#[allow(unused_imports)]
pub use volume::{Volume, VolumeRef};

use kernel::{bindings, workqueue};

/// fscache's work queue (`fscache_wq`), on which a backend may run work
/// that must outlive a completion's context; module exit flushes it
/// ([`flush_workqueue`]).
pub fn workqueue() -> &'static workqueue::Queue {
    // SAFETY: fscache_wq is allocated at fscache's init, before any module
    // that uses fscache can load, and destroyed at its exit, after.
    unsafe { workqueue::Queue::from_raw(bindings::fscache_wq) }
}

/// Waits for the work queued on fscache's work queue (a backend's module
/// exit: the work's code is the backend's).
pub fn flush_workqueue() {
    // SAFETY: fscache_wq is valid (see workqueue()); flushing it may
    // sleep, and the callers are in process context. (flush_workqueue()
    // is a macro over this that only adds a check for the system queues.)
    unsafe { bindings::__flush_workqueue(bindings::fscache_wq) };
}
