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
