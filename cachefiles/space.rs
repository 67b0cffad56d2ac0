// SPDX-License-Identifier: GPL-2.0
//! Free-space policy: the limits computed at bind from the percentages, the
//! verdict on whether an allocation may go ahead, when culling starts and
//! stops, and the status line the daemon reads.
//!
//! Pure logic (only `core`), shared with the host crate.
#![allow(unreachable_pub)]

use crate::daemon_cmd::Limits;

/// Absolute limits: files (`f*`) and blocks (`b*`) that must stay free.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Thresholds {
    pub frun: u64,
    pub fcull: u64,
    pub fstop: u64,
    pub brun: u64,
    pub bcull: u64,
    pub bstop: u64,
}

impl Thresholds {
    /// Scales the percentages by the backing filesystem's totals, rounding
    /// each hundredth down first as the C module does.
    pub fn from_statfs(limits: &Limits, files: u64, blocks: u64) -> Self {
        let f = files / 100;
        let b = blocks / 100;
        Thresholds {
            frun: f.wrapping_mul(u64::from(limits.frun)),
            fcull: f.wrapping_mul(u64::from(limits.fcull)),
            fstop: f.wrapping_mul(u64::from(limits.fstop)),
            brun: b.wrapping_mul(u64::from(limits.brun)),
            bcull: b.wrapping_mul(u64::from(limits.bcull)),
            bstop: b.wrapping_mul(u64::from(limits.bstop)),
        }
    }
}

/// What the space check concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Above the run limits, or between cull and run while not culling.
    Plenty,
    /// Above stop but below cull: go ahead, and cull.
    Cull,
    /// Below stop: refuse (ENOBUFS), and cull.
    Stop,
}

/// What the culling flag should become.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CullChange {
    None,
    Begin,
    Cease,
}

/// Decides whether `files` more files and `blocks` more blocks fit, given
/// what statfs says is free and the blocks already promised to writes in
/// flight (`writing`), and whether culling should begin or cease.
pub fn assess(
    t: &Thresholds,
    ffree: u64,
    bavail: u64,
    writing: u64,
    files: u64,
    blocks: u64,
    culling: bool,
) -> (Verdict, CullChange) {
    let bavail = bavail.saturating_sub(writing).saturating_sub(blocks);
    let ffree = ffree.saturating_sub(files);
    let begin = if culling {
        CullChange::None
    } else {
        CullChange::Begin
    };
    if ffree < t.fstop || bavail < t.bstop {
        return (Verdict::Stop, begin);
    }
    if ffree < t.fcull || bavail < t.bcull {
        return (Verdict::Cull, begin);
    }
    if culling && ffree >= t.frun && bavail >= t.brun {
        return (Verdict::Plenty, CullChange::Cease);
    }
    (Verdict::Plenty, CullChange::None)
}

/// The block shift of a backing fs with blocks of `bsize` bytes (C's
/// `ilog2(f_bsize)`): the shift of the largest power of two not above it.
/// A block size that is not a power of two (statfs allows one: FUSE and
/// some network filesystems report what their server says) gets the next
/// smaller power of two, so writes in flight are counted in smaller units
/// than the limits: more of them, which errs on the side of stopping.
/// `None` for a zero size, which bind refuses.
pub fn block_shift(bsize: u32) -> Option<u32> {
    bsize.checked_ilog2()
}

/// The blocks a write of `len` bytes holds in `b_writing` while in flight:
/// its length rounded up to whole blocks of `1 << bshift` bytes.
pub fn write_blocks(len: u64, bshift: u32) -> u64 {
    let unit = 1u64 << bshift;
    len / unit + u64::from(len % unit != 0)
}

/// What a write of `len` bytes (already rounded up to whole pages) asks of
/// the space check: its length in pages, as C passes it, whatever the
/// backing fs's block size (see the admin guide's space limits).
pub fn write_check_units(len: u64, page_size: u64) -> u64 {
    len / page_size
}

/// Longest status line (the C module formats into 256 bytes).
pub const STATUS_MAX: usize = 256;

/// The status line a read of `/dev/cachefiles` returns on a bound cache.
pub struct Status {
    pub culling: bool,
    pub t: Thresholds,
    pub f_released: u32,
    pub b_released: u64,
}

impl Status {
    /// Formats the line (no newline, no NUL) as `cachefilesd` parses it.
    pub fn format(&self, out: &mut impl core::fmt::Write) -> core::fmt::Result {
        write!(
            out,
            "cull={} frun={:x} fcull={:x} fstop={:x} brun={:x} bcull={:x} bstop={:x} freleased={:x} breleased={:x}",
            if self.culling { '1' } else { '0' },
            self.t.frun,
            self.t.fcull,
            self.t.fstop,
            self.t.brun,
            self.t.bcull,
            self.t.bstop,
            self.f_released,
            self.b_released,
        )
    }
}

/// A `core::fmt::Write` sink into a fixed buffer.
pub struct LineBuf {
    pub buf: [u8; STATUS_MAX],
    pub len: usize,
}

impl LineBuf {
    pub fn new() -> Self {
        LineBuf {
            buf: [0; STATUS_MAX],
            len: 0,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Default for LineBuf {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Write for LineBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(core::fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon_cmd::Limits;

    #[test]
    fn thresholds_and_culling() {
        let t = Thresholds::from_statfs(&Limits::default(), 1000, 65536);
        assert_eq!((t.frun, t.fcull, t.fstop), (70, 50, 10));
        assert_eq!((t.brun, t.bcull, t.bstop), (655 * 7, 655 * 5, 655));
        // Plenty of space: nothing changes.
        assert_eq!(
            assess(&t, 500, 60000, 0, 0, 0, false),
            (Verdict::Plenty, CullChange::None)
        );
        // Below cull: go ahead, begin culling (once).
        assert_eq!(
            assess(&t, 500, 3000, 0, 0, 0, false),
            (Verdict::Cull, CullChange::Begin)
        );
        assert_eq!(
            assess(&t, 500, 3000, 0, 0, 0, true),
            (Verdict::Cull, CullChange::None)
        );
        // Blocks in flight count against the free space.
        assert_eq!(
            assess(&t, 500, 5000, 2000, 0, 0, true),
            (Verdict::Cull, CullChange::None)
        );
        // Below stop: refuse.
        assert_eq!(
            assess(&t, 5, 60000, 0, 0, 0, false),
            (Verdict::Stop, CullChange::Begin)
        );
        assert_eq!(
            assess(&t, 500, 700, 0, 0, 100, true),
            (Verdict::Stop, CullChange::None)
        );
        // Between cull and run while culling: keep culling; above run: cease.
        assert_eq!(
            assess(&t, 60, 60000, 0, 0, 0, true),
            (Verdict::Plenty, CullChange::None)
        );
        assert_eq!(
            assess(&t, 70, 4585, 0, 0, 0, true),
            (Verdict::Plenty, CullChange::Cease)
        );
        // Saturating arithmetic: more asked than free is simply none free.
        assert_eq!(
            assess(&t, 0, 0, u64::MAX, u64::MAX, u64::MAX, true).0,
            Verdict::Stop
        );
    }

    #[test]
    fn status_line() {
        let mut line = LineBuf::new();
        let s = Status {
            culling: true,
            t: Thresholds {
                frun: 0x46,
                fcull: 0x32,
                fstop: 0xa,
                brun: 0x11e9,
                bcull: 0xcc7,
                bstop: 0x28f,
            },
            f_released: 3,
            b_released: 0x80,
        };
        s.format(&mut line).unwrap();
        assert_eq!(
            std::str::from_utf8(line.as_bytes()).unwrap(),
            "cull=1 frun=46 fcull=32 fstop=a brun=11e9 bcull=cc7 bstop=28f freleased=3 breleased=80"
        );
        // The longest possible line still fits.
        let mut line = LineBuf::new();
        let m = u64::MAX;
        Status {
            culling: false,
            t: Thresholds {
                frun: m,
                fcull: m,
                fstop: m,
                brun: m,
                bcull: m,
                bstop: m,
            },
            f_released: u32::MAX,
            b_released: m,
        }
        .format(&mut line)
        .unwrap();
        assert!(line.as_bytes().len() < STATUS_MAX);
    }

    #[test]
    fn block_shift_and_write_accounting() {
        // Powers of two: the exact shift.
        assert_eq!(block_shift(512), Some(9));
        assert_eq!(block_shift(1024), Some(10));
        assert_eq!(block_shift(4096), Some(12));
        // Not powers of two: the largest power of two below, as C's ilog2().
        assert_eq!(block_shift(1536), Some(10));
        assert_eq!(block_shift(3000), Some(11));
        assert_eq!(block_shift(4095), Some(11));
        assert_eq!(block_shift(1), Some(0));
        assert_eq!(block_shift(0), None);
        // A write's blocks in flight round up.
        assert_eq!(write_blocks(0, 12), 0);
        assert_eq!(write_blocks(1, 12), 1);
        assert_eq!(write_blocks(4096, 12), 1);
        assert_eq!(write_blocks(4097, 12), 2);
        assert_eq!(write_blocks(262144, 10), 256);
        // With 3000-byte blocks a 256 KiB write holds 128 units of 2048
        // bytes, against the 88 blocks of 3000 it really takes: counted
        // high, never low.
        let shift = block_shift(3000).unwrap();
        assert_eq!(write_blocks(262144, shift), 128);
        assert!(write_blocks(262144, shift) * 3000 >= 262144);
        // No overflow at the top of the range.
        assert_eq!(write_blocks(u64::MAX, 0), u64::MAX);
        assert_eq!(write_blocks(u64::MAX, 12), (u64::MAX >> 12) + 1);
        // The space check sees pages, whatever the block size.
        assert_eq!(write_check_units(262144, 4096), 64);
        assert_eq!(write_check_units(4096, 4096), 1);
    }
}
