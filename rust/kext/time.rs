// SPDX-License-Identifier: GPL-2.0
//! The wall clock. Upstream: `kernel::time` (6.12 has the monotonic
//! `Ktime::ktime_get()`; no wall-clock reading as of 6.18).

use kernel::bindings;

/// Seconds since the epoch (`ktime_get_real_seconds()`).
pub fn real_seconds() -> i64 {
    // SAFETY: reads the clock; no precondition.
    unsafe { bindings::ktime_get_real_seconds() }
}
