// SPDX-License-Identifier: GPL-2.0
//! fscache's statistics counters a backend bumps (shown in
//! `/proc/fs/fscache/stats`).

extern "C" {
    // rust/helpers/fscache.c
    fn fsrs_count_read();
    fn fsrs_count_write();
    fn fsrs_count_no_write_space();
    fn fsrs_count_no_create_space();
    fn fsrs_count_culled();
    fn fsrs_count_dio_misfit();
}

/// A read from the cache (`fscache_count_read()`).
pub fn read() {
    // SAFETY: an atomic increment of an exported counter.
    unsafe { fsrs_count_read() }
}

/// A write to the cache (`fscache_count_write()`).
pub fn write() {
    // SAFETY: an atomic increment of an exported counter.
    unsafe { fsrs_count_write() }
}

/// A write refused for want of space.
pub fn no_write_space() {
    // SAFETY: an atomic increment of an exported counter.
    unsafe { fsrs_count_no_write_space() }
}

/// A creation refused for want of space.
pub fn no_create_space() {
    // SAFETY: an atomic increment of an exported counter.
    unsafe { fsrs_count_no_create_space() }
}

/// A file culled.
pub fn culled() {
    // SAFETY: an atomic increment of an exported counter.
    unsafe { fsrs_count_culled() }
}

/// An I/O that does not fit direct I/O's alignment.
pub fn dio_misfit() {
    // SAFETY: an atomic increment of an exported counter.
    unsafe { fsrs_count_dio_misfit() }
}
