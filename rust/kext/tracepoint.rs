// SPDX-License-Identifier: GPL-2.0
//! Tracepoints: whether one is on, read in Rust. A module's C file
//! creates its events (CREATE_TRACE_POINTS) and wraps the static inline
//! `trace_*()` calls; checking the event's key here first means a
//! disabled event costs one load, not a call into C, as it costs none in
//! C. (Measured: those calls were a third of the Rust fscache's extra cost
//! per cookie acquire and relinquish, `scripts/bench`.)
//!
//! Upstream (6.12's `kernel::tracepoint`) uses jump labels through
//! `declare_trace!`, which needs the events declared to Rust; ours are
//! created in C, so the key is read instead.

/// Whether the tracepoint `$tp` (a `__tracepoint_*` symbol the calling
/// module defines) has probes attached: its static key's count, which is
/// what `static_key_false()` reads on kernels without jump labels and what
/// the tracing core keeps up to date on every kernel.
#[macro_export]
macro_rules! tracepoint_enabled {
    ($tp:ident) => {{
        // The struct holds a lockdep_map, empty without lockdep, which
        // rustc calls not FFI-safe: only a field's address is taken here.
        #[allow(improper_ctypes)]
        extern "C" {
            static $tp: kernel::bindings::tracepoint;
        }
        // SAFETY: `$tp` is defined by the module's C file
        // (CREATE_TRACE_POINTS) and lives as long as the module; its key's
        // count is an atomic_t, only accessed atomically.
        unsafe {
            core::sync::atomic::AtomicI32::from_ptr(
                core::ptr::addr_of!($tp.key.enabled.counter).cast_mut(),
            )
            .load(core::sync::atomic::Ordering::Relaxed)
                > 0
        }
    }};
}
