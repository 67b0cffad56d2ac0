// SPDX-License-Identifier: GPL-2.0
//! The output buffer of a `seq_file` being shown. Upstream:
//! `kernel::seq_file` (6.13): `SeqFile::from_raw`, `call_printf` and the
//! `seq_print!` macro, whose names and use this mirrors; `puts` and `put_bytes` add the
//! byte-for-byte output a name that is not UTF-8 needs.

use kernel::{bindings, types::Opaque};

/// A `struct seq_file`, borrowed for a show() call.
///
/// # Invariants
///
/// The seq_file of a show() call in progress, used only by that call.
#[repr(transparent)]
pub struct SeqFile(Opaque<bindings::seq_file>);

impl SeqFile {
    /// # Safety
    ///
    /// `ptr` must be the seq_file of a show() call in progress, used by
    /// nothing else for `'a`.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::seq_file) -> &'a SeqFile {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*ptr.cast::<SeqFile>() }
    }

    /// Appends formatted text, piece by piece (`seq_write()`); seq_file
    /// retries the show with a bigger buffer on overflow. (Upstream
    /// formats through `seq_printf("%pA")`; writing the pieces directly
    /// skips vsprintf for tables of many rows.)
    pub fn call_printf(&self, args: core::fmt::Arguments<'_>) {
        let mut w = self;
        // Writing to a seq_file does not fail (see write_str below).
        let _ = core::fmt::Write::write_fmt(&mut w, args);
    }

    /// Appends `s`.
    pub fn puts(&self, s: &str) {
        self.put_bytes(s.as_bytes());
    }

    /// Appends `b` byte for byte, as C's `%s` prints a name: names (a
    /// cache's tag, a volume's key) are bytes, not necessarily UTF-8.
    pub fn put_bytes(&self, b: &[u8]) {
        // SAFETY: the seq_file of the show() in progress (type invariant);
        // `b` is valid for `b.len()` bytes.
        unsafe { bindings::seq_write(self.0.get(), b.as_ptr().cast(), b.len()) };
    }
}

// `write!` through a shared reference, as several lines are printed with
// `?` between them.
impl core::fmt::Write for &SeqFile {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.puts(s);
        Ok(())
    }
}

/// `write!` for a [`SeqFile`].
#[macro_export]
macro_rules! seq_print {
    ($m:expr, $($arg:tt)+) => {
        $m.call_printf(::core::format_args!($($arg)+))
    };
}
