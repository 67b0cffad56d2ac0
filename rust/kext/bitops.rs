// SPDX-License-Identifier: GPL-2.0
//! Flag words operated on with atomic bit operations: [`BitFlags`], a view
//! of a C `unsigned long` that C code also reads and changes with
//! `test_bit()`/`set_bit()`, and [`AtomicFlags`], a word of our own. Both
//! use one memory ordering throughout: read-modify-writes are sequentially
//! consistent (at least as strong as C's fully ordered `test_and_set_bit()`),
//! reads are acquire loads. Upstream: none as of 6.18 (C's bitops are not
//! wrapped; `kernel::sync::atomic` is coming).

use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::ffi::{c_int, c_ulong};

extern "C" {
    // rust/helpers/wait.c
    fn fsrs_wait_on_bit(word: *mut c_ulong, bit: c_int);
    fn fsrs_wait_on_bit_timeout(word: *mut c_ulong, bit: c_int, timeout: c_ulong) -> bool;
    fn fsrs_clear_and_wake_up_bit(bit: c_int, word: *mut c_ulong);
}

// The operations below rely on C's unsigned long being usize.
const _: () = assert!(core::mem::size_of::<c_ulong>() == core::mem::size_of::<usize>());

fn test(w: &AtomicUsize, bit: u32) -> bool {
    w.load(Ordering::Acquire) & (1 << bit) != 0
}

fn test_and_set(w: &AtomicUsize, bit: u32) -> bool {
    w.fetch_or(1 << bit, Ordering::SeqCst) & (1 << bit) != 0
}

fn test_and_clear(w: &AtomicUsize, bit: u32) -> bool {
    w.fetch_and(!(1 << bit), Ordering::SeqCst) & (1 << bit) != 0
}

/// A C object's `unsigned long` flags word, borrowed for `'a`.
///
/// # Invariants
///
/// `0` is the word, valid for `'a`, and changed by everyone only with
/// atomic bit operations.
#[derive(Clone, Copy)]
pub struct BitFlags<'a>(&'a AtomicUsize);

impl<'a> BitFlags<'a> {
    /// # Safety
    ///
    /// `word` must be valid for `'a` and changed only atomically (C's bit
    /// ops, or these).
    pub unsafe fn from_raw(word: *mut c_ulong) -> Self {
        // SAFETY: c_ulong is usize (checked above) and AtomicUsize has its
        // layout; validity and atomic-only access per the caller.
        BitFlags(unsafe { AtomicUsize::from_ptr(word.cast()) })
    }

    fn raw(&self) -> *mut c_ulong {
        self.0.as_ptr().cast()
    }

    /// The whole word.
    pub fn word(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }

    pub fn test(&self, bit: u32) -> bool {
        test(self.0, bit)
    }

    pub fn set(&self, bit: u32) {
        test_and_set(self.0, bit);
    }

    /// Sets the bit; returns whether it was set already.
    pub fn test_and_set(&self, bit: u32) -> bool {
        test_and_set(self.0, bit)
    }

    pub fn clear(&self, bit: u32) {
        test_and_clear(self.0, bit);
    }

    /// Clears the bit; returns whether it was set.
    pub fn test_and_clear(&self, bit: u32) -> bool {
        test_and_clear(self.0, bit)
    }

    /// Clears every bit set in `mask`, at once.
    pub fn clear_mask(&self, mask: usize) {
        self.0.fetch_and(!mask, Ordering::SeqCst);
    }

    /// Clears the bit and wakes [`BitFlags::wait`]ers
    /// (`clear_and_wake_up_bit()`).
    pub fn clear_and_wake(&self, bit: u32) {
        // SAFETY: the word is valid (type invariant); the C side clears it
        // atomically with a barrier before the wake-up.
        unsafe { fsrs_clear_and_wake_up_bit(bit as c_int, self.raw()) };
    }

    /// Sleeps until the bit is clear (`wait_on_bit()`).
    pub fn wait(&self, bit: u32) {
        // SAFETY: the word is valid (type invariant); clear_and_wake()
        // wakes the sleeper.
        unsafe { fsrs_wait_on_bit(self.raw(), bit as c_int) };
    }

    /// Sleeps until the bit is clear or `jiffies` pass; true if still set.
    pub fn wait_timeout(&self, bit: u32, jiffies: c_ulong) -> bool {
        // SAFETY: as in wait().
        unsafe { fsrs_wait_on_bit_timeout(self.raw(), bit as c_int, jiffies) }
    }
}

/// A flags word of our own (no C code sees it).
#[derive(Default)]
pub struct AtomicFlags(AtomicUsize);

impl AtomicFlags {
    pub const fn new() -> Self {
        AtomicFlags(AtomicUsize::new(0))
    }

    pub fn test(&self, bit: u32) -> bool {
        test(&self.0, bit)
    }

    /// Sets the bit; returns whether it was set already.
    pub fn test_and_set(&self, bit: u32) -> bool {
        test_and_set(&self.0, bit)
    }

    /// Clears the bit; returns whether it was set.
    pub fn test_and_clear(&self, bit: u32) -> bool {
        test_and_clear(&self.0, bit)
    }

    /// Sets or clears the bit.
    pub fn assign(&self, bit: u32, on: bool) {
        if on {
            test_and_set(&self.0, bit);
        } else {
            test_and_clear(&self.0, bit);
        }
    }
}
