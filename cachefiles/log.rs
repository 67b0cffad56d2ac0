// SPDX-License-Identifier: GPL-2.0
//! Log lines with C's `CacheFiles: ` prefix, file names in them, and the
//! debug lines the `debug` mask turns on ([`kdebug!`](crate::kdebug)).
//!
//! The kernel crate's `pr_*!` macros prefix every line with the module's
//! name (`cachefiles: `); the C module prints `CacheFiles: ` (its
//! `pr_fmt`), and admins and scripts grep for that. Each file imports
//! these by name (`use crate::log::pr_err;`), which shadows the prelude's
//! glob import, so every line this crate logs carries C's prefix.

use crate::sys;
use core::fmt;

/// The prefix of every line this module logs, NUL-terminated for printk.
pub(crate) const PREFIX: &[u8] = b"CacheFiles\0";

/// The log levels this module uses.
#[derive(Clone, Copy)]
pub(crate) enum Level {
    Err,
    Warning,
    Notice,
    Info,
}

/// Prints one line (the arguments of a `pr_*!` below) at `level`.
pub(crate) fn print(level: Level, args: fmt::Arguments<'_>) {
    use kernel::print::format_strings as f;
    let format = match level {
        Level::Err => &f::ERR,
        Level::Warning => &f::WARNING,
        Level::Notice => &f::NOTICE,
        Level::Info => &f::INFO,
    };
    // SAFETY: `format` is one of the fixed `format_strings`, and PREFIX is
    // NUL-terminated: that is all `call_printk()` asks.
    unsafe { kernel::print::call_printk(format, PREFIX, args) };
}

macro_rules! pr_err {
    ($($arg:tt)+) => { $crate::log::print($crate::log::Level::Err, format_args!($($arg)+)) };
}
macro_rules! pr_warn {
    ($($arg:tt)+) => { $crate::log::print($crate::log::Level::Warning, format_args!($($arg)+)) };
}
macro_rules! pr_notice {
    ($($arg:tt)+) => { $crate::log::print($crate::log::Level::Notice, format_args!($($arg)+)) };
}
macro_rules! pr_info {
    ($($arg:tt)+) => { $crate::log::print($crate::log::Level::Info, format_args!($($arg)+)) };
}
pub(crate) use {pr_err, pr_info, pr_notice, pr_warn};

/// Bytes of a file name, a directory or a tag, printed for a log line.
///
/// C prints these with `%s`, byte for byte. Valid UTF-8 (ASCII or not)
/// passes through unchanged here too; only a byte that is not part of a
/// UTF-8 sequence is shown as `\xNN`, because Rust's formatter carries
/// `str`, and a `str` holding such bytes would break its invariant.
pub(crate) struct Name<'a>(pub(crate) &'a [u8]);

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while !rest.is_empty() {
            match core::str::from_utf8(rest) {
                Ok(text) => return f.write_str(text),
                Err(e) => {
                    let (valid, bad) = rest.split_at(e.valid_up_to());
                    // from_utf8() vouched for these bytes.
                    f.write_str(core::str::from_utf8(valid).unwrap_or(""))?;
                    // A truncated sequence at the end is all invalid.
                    let n = e.error_len().unwrap_or(bad.len());
                    for b in &bad[..n] {
                        write!(f, "\\x{:02x}", b)?;
                    }
                    rest = &bad[n..];
                }
            }
        }
        Ok(())
    }
}

/// The mask bit that turns on [`kdebug!`](crate::kdebug) (C's
/// `CACHEFILES_DEBUG_KDEBUG`).
pub(crate) const DEBUG_KDEBUG: u32 = 4;

/// Whether `debug` asked for the object and volume events to be logged.
pub(crate) fn kdebug_on() -> bool {
    sys::debug_mask() & DEBUG_KDEBUG != 0
}

/// Logs an object or volume event when the daemon's `debug` mask has the
/// kdebug bit (4): lookups, coherency mismatches, failures and
/// withdrawals, one line each, so that a cache that stops caching says
/// why.
#[macro_export]
macro_rules! kdebug {
    ($($arg:tt)*) => {
        if $crate::log::kdebug_on() {
            kernel::pr_info!($($arg)*);
        }
    };
}
