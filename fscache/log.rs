// SPDX-License-Identifier: GPL-2.0
//! Log lines that carry names: cache tags, backend type names, volume
//! keys.
//!
//! C prints these with `%s`, byte for byte: valid UTF-8 (`tägé`) as it
//! is, and any other byte raw. Rust's formatter carries `str`, and the
//! kernel crate's `CStr` prints every byte outside printable ASCII as
//! `\xNN`, so such a line is printed by printk itself: the text around
//! the names is Rust-formatted (`%pA`, as `pr_*!` does), each name goes
//! through `%.*s`, and the line has the module's prefix, as `pr_*!` gives.
//! Lines with no name keep the `pr_*!` macros.

use core::fmt;
use kernel::{
    bindings,
    ffi::{c_char, c_int, c_void},
};

/// The log levels lines with names use.
#[derive(Clone, Copy)]
pub(crate) enum Level {
    Err,
    Warning,
    Notice,
}

/// Prints one line at `level`: `t0`, the name `n0`, `t1`, the name `n1`,
/// then `t2`. The texts are formatted by Rust; the names are copied byte
/// for byte as C's `%s` copies them (up to a NUL, if one is inside).
pub(crate) fn print(
    level: Level,
    t0: fmt::Arguments<'_>,
    n0: &[u8],
    t1: fmt::Arguments<'_>,
    n1: &[u8],
    t2: fmt::Arguments<'_>,
) {
    // KERN_ERR, KERN_WARNING, KERN_NOTICE; then the module prefix and
    // the parts.
    let format: &[u8] = match level {
        Level::Err => b"\x013%s: %pA%.*s%pA%.*s%pA\0",
        Level::Warning => b"\x014%s: %pA%.*s%pA%.*s%pA\0",
        Level::Notice => b"\x015%s: %pA%.*s%pA%.*s%pA\0",
    };
    // printk's precision is an int; it cuts a line at 1 KiB anyway.
    let len = |n: &[u8]| c_int::try_from(n.len()).unwrap_or(c_int::MAX);
    // An empty name is given as "" (its slice's pointer may be dangling).
    let ptr = |n: &[u8]| -> *const c_char {
        if n.is_empty() {
            c"".as_ptr().cast()
        } else {
            n.as_ptr().cast()
        }
    };
    let arg = |a: &fmt::Arguments<'_>| (a as *const fmt::Arguments<'_>).cast::<c_void>();
    // SAFETY: `format` is NUL-terminated and its conversions match the
    // arguments: `%s` the NUL-terminated module prefix, each `%pA` a
    // `fmt::Arguments` (formatted by the kernel's rust_fmt_argument()
    // while the call runs, during which they live), each `%.*s` an int
    // and a pointer to at least that many readable bytes (or to "").
    unsafe {
        bindings::_printk(
            format.as_ptr().cast::<c_char>(),
            crate::__LOG_PREFIX.as_ptr().cast::<c_char>(),
            arg(&t0),
            len(n0),
            ptr(n0),
            arg(&t1),
            len(n1),
            ptr(n1),
            arg(&t2),
        )
    };
}

/// A line with one name: `pr_named!(Notice, ("text {}", x), name, ("text"))`;
/// with two: `pr_named!(Notice, (..), name, (..), name, (..))`. Each text
/// is a format string and its arguments in parentheses; each name a byte
/// slice, printed as C's `%s` prints it.
macro_rules! pr_named {
    ($level:ident, ($($t0:tt)+), $n0:expr, ($($t1:tt)+)) => {
        $crate::log::print(
            $crate::log::Level::$level,
            format_args!($($t0)+),
            $n0,
            format_args!($($t1)+),
            b"",
            format_args!(""),
        )
    };
    ($level:ident, ($($t0:tt)+), $n0:expr, ($($t1:tt)+), $n1:expr, ($($t2:tt)+)) => {
        $crate::log::print(
            $crate::log::Level::$level,
            format_args!($($t0)+),
            $n0,
            format_args!($($t1)+),
            $n1,
            format_args!($($t2)+),
        )
    };
}
pub(crate) use pr_named;
