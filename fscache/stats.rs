// SPDX-License-Identifier: GPL-2.0
//! FS-Cache statistics: the counters and `fscache_stats_show()`, which
//! netfs calls to append the FS-Cache lines to `/proc/fs/fscache/stats`.
//! The lines are the C module's, character for character: tools parse them.
//!
//! Counters that C inline helpers bump live in `exports.c`; the rest are
//! ours alone.

use crate::proc::entry::SeqFile;
use crate::sys;
use core::{
    fmt::Write,
    ptr::addr_of_mut,
    sync::atomic::{AtomicI32, Ordering},
};
use kernel::bindings;

/// A statistics counter.
pub(crate) struct Stat(AtomicI32);

impl Stat {
    const fn new() -> Self {
        Self(AtomicI32::new(0))
    }

    pub(crate) fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn dec(&self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }

    fn get(&self) -> i32 {
        self.0.load(Ordering::Relaxed)
    }
}

pub(crate) static N_VOLUMES: Stat = Stat::new();
pub(crate) static N_VOLUMES_COLLISION: Stat = Stat::new();
pub(crate) static N_VOLUMES_NOMEM: Stat = Stat::new();
pub(crate) static N_COOKIES: Stat = Stat::new();
pub(crate) static N_COOKIES_LRU: Stat = Stat::new();
pub(crate) static N_COOKIES_LRU_EXPIRED: Stat = Stat::new();
pub(crate) static N_COOKIES_LRU_REMOVED: Stat = Stat::new();
pub(crate) static N_COOKIES_LRU_DROPPED: Stat = Stat::new();
pub(crate) static N_ACQUIRES: Stat = Stat::new();
pub(crate) static N_ACQUIRES_OK: Stat = Stat::new();
pub(crate) static N_ACQUIRES_OOM: Stat = Stat::new();
pub(crate) static N_INVALIDATES: Stat = Stat::new();
pub(crate) static N_RESIZES: Stat = Stat::new();
pub(crate) static N_RESIZES_NULL: Stat = Stat::new();
pub(crate) static N_RELINQUISHES: Stat = Stat::new();
pub(crate) static N_RELINQUISHES_RETIRE: Stat = Stat::new();
pub(crate) static N_RELINQUISHES_DROPPED: Stat = Stat::new();

/// Reads one of the exported C counters.
fn c_stat(counter: *mut bindings::atomic_t) -> i32 {
    // SAFETY: the exported counters are statics in exports.c, updated only
    // atomically (atomic_inc() in the C helpers).
    unsafe { sys::atomic(counter) }.load(Ordering::Relaxed)
}

/// Prints the FS-Cache statistics lines.
pub(crate) fn show(m: &SeqFile) -> core::fmt::Result {
    let mut m = m;
    // C prints these with %u: the bits of the int, unsigned.
    let u = |s: &Stat| s.get() as u32;
    let cu = |c: *mut bindings::atomic_t| c_stat(c) as u32;
    m.puts("-- FS-Cache statistics --\n");
    writeln!(
        m,
        "Cookies: n={} v={} vcol={} voom={}",
        N_COOKIES.get(),
        N_VOLUMES.get(),
        u(&N_VOLUMES_COLLISION),
        u(&N_VOLUMES_NOMEM)
    )?;
    writeln!(
        m,
        "Acquire: n={} ok={} oom={}",
        u(&N_ACQUIRES),
        u(&N_ACQUIRES_OK),
        u(&N_ACQUIRES_OOM)
    )?;
    // `at`: jiffies left on the LRU discard timer, 0 when not armed.
    writeln!(
        m,
        "LRU    : n={} exp={} rmv={} drp={} at={}",
        u(&N_COOKIES_LRU),
        u(&N_COOKIES_LRU_EXPIRED),
        u(&N_COOKIES_LRU_REMOVED),
        u(&N_COOKIES_LRU_DROPPED),
        crate::cookie::sys::lru_timer_left()
    )?;
    writeln!(m, "Invals : n={}", u(&N_INVALIDATES))?;
    writeln!(
        m,
        "Updates: n={} rsz={} rsn={}",
        cu(addr_of_mut!(bindings::fscache_n_updates)),
        u(&N_RESIZES),
        u(&N_RESIZES_NULL)
    )?;
    writeln!(
        m,
        "Relinqs: n={} rtr={} drop={}",
        u(&N_RELINQUISHES),
        u(&N_RELINQUISHES_RETIRE),
        u(&N_RELINQUISHES_DROPPED)
    )?;
    writeln!(
        m,
        "NoSpace: nwr={} ncr={} cull={}",
        cu(addr_of_mut!(bindings::fscache_n_no_write_space)),
        cu(addr_of_mut!(bindings::fscache_n_no_create_space)),
        cu(addr_of_mut!(bindings::fscache_n_culled))
    )?;
    writeln!(
        m,
        "IO     : rd={} wr={} mis={}",
        cu(addr_of_mut!(bindings::fscache_n_read)),
        cu(addr_of_mut!(bindings::fscache_n_write)),
        cu(addr_of_mut!(bindings::fscache_n_dio_misfit))
    )
}
