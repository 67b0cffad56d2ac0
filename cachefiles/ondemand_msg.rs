// SPDX-License-Identifier: GPL-2.0
//! The on-demand protocol's bytes (`include/uapi/linux/cachefiles.h`):
//! the messages the device's read returns, and the parsing of the daemon's
//! `copen` reply.
//!
//! Pure logic (only `core`), compiled by the module and by the host crate
//! (`host/`), whose tests check it against message bytes laid out from the
//! uapi header, and shared with the on-demand daemon, which decodes what
//! this encodes.
#![allow(unreachable_pub, dead_code)]

/// A kernel errno, positive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

pub const EINVAL: Errno = Errno(22);
pub const ERANGE: Errno = Errno(34);

/// The largest errno an `-errno` value may carry (`MAX_ERRNO`).
pub const MAX_ERRNO: i64 = 4095;

/// `CACHEFILES_MSG_MAX_SIZE`: no message is longer.
pub const MSG_MAX_SIZE: usize = 1024;

/// `struct cachefiles_msg`: msg_id, opcode, len, object_id, then data.
pub const HEADER_LEN: usize = 16;
/// `struct cachefiles_open`: volume_key_size, cookie_key_size, fd, flags,
/// then the keys.
pub const OPEN_LEN: usize = 16;
/// `struct cachefiles_read`: off, len.
pub const READ_LEN: usize = 16;
/// Where an OPEN message's fd sits (header, then two u32s).
pub const OPEN_FD_OFFSET: usize = HEADER_LEN + 8;

/// `CACHEFILES_IOC_READ_COMPLETE`: `_IOW(0x98, 1, int)`.
pub const IOC_READ_COMPLETE: u32 = (1 << 30) | (4 << 16) | (0x98 << 8) | 1;

/// `enum cachefiles_opcode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opcode {
    Open = 0,
    Close = 1,
    Read = 2,
}

impl Opcode {
    pub fn from_u32(v: u32) -> Option<Opcode> {
        match v {
            0 => Some(Opcode::Open),
            1 => Some(Opcode::Close),
            2 => Some(Opcode::Read),
            _ => None,
        }
    }
}

/// A message header, as the daemon reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub msg_id: u32,
    pub opcode: u32,
    pub len: u32,
    pub object_id: u32,
}

fn put32(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_ne_bytes());
}

fn put64(buf: &mut [u8], at: usize, v: u64) {
    buf[at..at + 8].copy_from_slice(&v.to_ne_bytes());
}

fn get32(buf: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&buf[at..at + 4]);
    u32::from_ne_bytes(b)
}

fn get64(buf: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&buf[at..at + 8]);
    u64::from_ne_bytes(b)
}

/// The payload length of an OPEN for these keys: the volume key is sent
/// with its NUL (C's `key[0] + 1` bytes), the cookie key as it is.
pub fn open_payload_len(volume_key: &[u8], cookie_key: &[u8]) -> usize {
    OPEN_LEN + volume_key.len() + 1 + cookie_key.len()
}

/// Writes an OPEN payload (fd 0 until the daemon reads it) into `buf`,
/// which is [`open_payload_len`] bytes.
pub fn write_open_payload(buf: &mut [u8], volume_key: &[u8], cookie_key: &[u8]) {
    let vlen = volume_key.len() + 1;
    put32(buf, 0, vlen as u32);
    put32(buf, 4, cookie_key.len() as u32);
    put32(buf, 8, 0);
    put32(buf, 12, 0);
    buf[OPEN_LEN..OPEN_LEN + volume_key.len()].copy_from_slice(volume_key);
    buf[OPEN_LEN + volume_key.len()] = 0;
    buf[OPEN_LEN + vlen..OPEN_LEN + vlen + cookie_key.len()].copy_from_slice(cookie_key);
}

/// Writes a READ payload into `buf` ([`READ_LEN`] bytes).
pub fn write_read_payload(buf: &mut [u8], off: u64, len: u64) {
    put64(buf, 0, off);
    put64(buf, 8, len);
}

/// Writes a message into `out`: the header, then `payload`, with `fd` in
/// an OPEN's payload. `out` must be `HEADER_LEN + payload.len()` bytes.
pub fn encode(out: &mut [u8], h: Header, payload: &[u8], fd: Option<u32>) {
    put32(out, 0, h.msg_id);
    put32(out, 4, h.opcode);
    put32(out, 8, h.len);
    put32(out, 12, h.object_id);
    out[HEADER_LEN..HEADER_LEN + payload.len()].copy_from_slice(payload);
    if let Some(fd) = fd {
        put32(out, OPEN_FD_OFFSET, fd);
    }
}

/// The header of a message the device returned, if it is long enough and
/// its length field matches.
pub fn decode_header(msg: &[u8]) -> Option<Header> {
    if msg.len() < HEADER_LEN {
        return None;
    }
    let h = Header {
        msg_id: get32(msg, 0),
        opcode: get32(msg, 4),
        len: get32(msg, 8),
        object_id: get32(msg, 12),
    };
    (h.len as usize == msg.len()).then_some(h)
}

/// An OPEN's payload, decoded.
#[derive(Debug, PartialEq, Eq)]
pub struct Open<'a> {
    /// Without its NUL.
    pub volume_key: &'a [u8],
    pub cookie_key: &'a [u8],
    pub fd: u32,
    pub flags: u32,
}

/// Decodes an OPEN's payload (after the header).
pub fn decode_open(p: &[u8]) -> Option<Open<'_>> {
    if p.len() < OPEN_LEN {
        return None;
    }
    let vlen = get32(p, 0) as usize;
    let clen = get32(p, 4) as usize;
    if vlen == 0 || p.len() != OPEN_LEN.checked_add(vlen)?.checked_add(clen)? {
        return None;
    }
    let v = &p[OPEN_LEN..OPEN_LEN + vlen];
    Some(Open {
        volume_key: v.strip_suffix(&[0]).unwrap_or(v),
        cookie_key: &p[OPEN_LEN + vlen..],
        fd: get32(p, 8),
        flags: get32(p, 12),
    })
}

/// Decodes a READ's payload: (offset, length).
pub fn decode_read(p: &[u8]) -> Option<(u64, u64)> {
    (p.len() == READ_LEN).then(|| (get64(p, 0), get64(p, 8)))
}

/// `_parse_integer_fixup_radix()` then `_parse_integer()`: the digits of
/// `s` in `base` (0: `0x` hex, leading-`0` octal, else decimal). Returns
/// the value and the rest; ERANGE on overflow, EINVAL if no digit.
fn parse_integer(s: &[u8], base: u32) -> Result<(u64, &[u8]), Errno> {
    let lower = |b: u8| b | 0x20;
    let (base, s) = match base {
        0 => match s {
            [b'0', x, d, ..] if lower(*x) == b'x' && d.is_ascii_hexdigit() => (16, &s[2..]),
            [b'0', ..] => (8, s),
            _ => (10, s),
        },
        16 => match s {
            [b'0', x, ..] if lower(*x) == b'x' => (16, &s[2..]),
            _ => (16, s),
        },
        b => (b, s),
    };
    let mut val: u64 = 0;
    let mut used = 0;
    for &b in s {
        let d = match (b as char).to_digit(16) {
            Some(d) if d < base => d,
            _ => break,
        };
        val = val
            .checked_mul(u64::from(base))
            .and_then(|v| v.checked_add(u64::from(d)))
            .ok_or(ERANGE)?;
        used += 1;
    }
    if used == 0 {
        return Err(EINVAL);
    }
    Ok((val, &s[used..]))
}

/// Nothing may follow the number but one newline.
fn only_newline(rest: &[u8]) -> Result<(), Errno> {
    match rest {
        b"" | b"\n" => Ok(()),
        _ => Err(EINVAL),
    }
}

/// The kernel's `kstrtoull()`: an optional `+`, the digits, an optional
/// newline, nothing else.
pub fn kstrtoull(s: &[u8], base: u32) -> Result<u64, Errno> {
    let s = s.strip_prefix(b"+").unwrap_or(s);
    let (v, rest) = parse_integer(s, base)?;
    only_newline(rest)?;
    Ok(v)
}

/// The kernel's `kstrtoul()` on a 64-bit machine.
pub fn kstrtoul(s: &[u8], base: u32) -> Result<u64, Errno> {
    kstrtoull(s, base)
}

/// The kernel's `kstrtoll()`: a `-` or `+` sign, then as kstrtoull().
pub fn kstrtoll(s: &[u8], base: u32) -> Result<i64, Errno> {
    if let Some(digits) = s.strip_prefix(b"-") {
        let (v, rest) = parse_integer(digits, base)?;
        only_newline(rest)?;
        if v > (i64::MAX as u64) + 1 {
            return Err(ERANGE);
        }
        return Ok((v as i64).wrapping_neg());
    }
    let v = kstrtoull(s, base)?;
    i64::try_from(v).map_err(|_| ERANGE)
}

/// Why a `copen` was refused before its request was looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopenSyntax {
    /// "Empty id specified" (EINVAL).
    EmptyId,
    /// "Cache size is not specified" (EINVAL).
    NoSize,
    /// The id is not a number (its kstrtoul() error).
    BadId(Errno),
}

/// `copen <id>,<size>`: the id, and the size text (parsed only once the
/// request is found, as in C, so that a bad size fails the request).
pub fn split_copen(args: &[u8]) -> Result<(u64, &[u8]), CopenSyntax> {
    if args.is_empty() {
        return Err(CopenSyntax::EmptyId);
    }
    let comma = args
        .iter()
        .position(|&b| b == b',')
        .ok_or(CopenSyntax::NoSize)?;
    let id = kstrtoul(&args[..comma], 0).map_err(CopenSyntax::BadId)?;
    Ok((id, &args[comma + 1..]))
}

/// What a `copen` reply does to its OPEN request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopenVerdict {
    /// The object opens with this size.
    Open(u64),
    /// The OPEN fails with `req_error` (negative); the write returns
    /// `ret` (0 or negative).
    Fail { req_error: i32, ret: i32 },
}

/// The size rule: a size (as kstrtol() reads it) opens the object; a
/// negative errno fails the OPEN with it and the write succeeds; anything
/// more negative fails both with EINVAL; unparsable text fails both with
/// the parse error.
pub fn copen_verdict(size: &[u8]) -> CopenVerdict {
    match kstrtoll(size, 0) {
        Err(e) => CopenVerdict::Fail {
            req_error: -e.0,
            ret: -e.0,
        },
        Ok(s) if s >= 0 => CopenVerdict::Open(s as u64),
        Ok(s) if s >= -MAX_ERRNO => CopenVerdict::Fail {
            req_error: s as i32,
            ret: 0,
        },
        Ok(_) => CopenVerdict::Fail {
            req_error: -EINVAL.0,
            ret: -EINVAL.0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An OPEN for erofs's `fsid=fsrsblob` blob, laid out by hand from
    /// the uapi header: msg_id 0, object_id 1, fd 5; volume key
    /// "erofs,fsrsblob" with its NUL, cookie key "fsrsblob".
    const C_OPEN: [u8; 55] = [
        0, 0, 0, 0, 0, 0, 0, 0, 55, 0, 0, 0, 1, 0, 0, 0, // header
        15, 0, 0, 0, 8, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, // open
        b'e', b'r', b'o', b'f', b's', b',', b'f', b's', b'r', b's', b'b', b'l', b'o', b'b', 0,
        b'f', b's', b'r', b's', b'b', b'l', b'o', b'b', // cookie key
    ];

    #[test]
    fn open_matches_c_bytes() {
        let (vk, ck) = (&b"erofs,fsrsblob"[..], &b"fsrsblob"[..]);
        let plen = open_payload_len(vk, ck);
        assert_eq!(HEADER_LEN + plen, 55);
        let mut payload = [0u8; 39];
        write_open_payload(&mut payload, vk, ck);
        let mut out = [0u8; 55];
        let h = Header {
            msg_id: 0,
            opcode: Opcode::Open as u32,
            len: 55,
            object_id: 1,
        };
        encode(&mut out, h, &payload, Some(5));
        assert_eq!(out, C_OPEN);
        assert_eq!(decode_header(&out), Some(h));
        let open = decode_open(&out[HEADER_LEN..]).unwrap();
        assert_eq!(open.volume_key, vk);
        assert_eq!(open.cookie_key, ck);
        assert_eq!(open.fd, 5);
    }

    #[test]
    fn read_and_close() {
        let mut p = [0u8; READ_LEN];
        write_read_payload(&mut p, 0x10000, 0x1000);
        assert_eq!(decode_read(&p), Some((0x10000, 0x1000)));
        let mut out = [0u8; HEADER_LEN + READ_LEN];
        let h = Header {
            msg_id: 7,
            opcode: Opcode::Read as u32,
            len: 32,
            object_id: 3,
        };
        encode(&mut out, h, &p, None);
        assert_eq!(decode_header(&out), Some(h));
        assert_eq!(decode_header(&out[..31]), None);
        assert_eq!(Opcode::from_u32(1), Some(Opcode::Close));
        assert_eq!(Opcode::from_u32(3), None);
    }

    #[test]
    fn ioctl_number_is_c() {
        // _IOW(0x98, 1, int) as the C header computes it.
        assert_eq!(IOC_READ_COMPLETE, 0x4004_9801);
    }

    #[test]
    fn kstrto_like_the_kernel() {
        assert_eq!(kstrtoul(b"12", 0), Ok(12));
        assert_eq!(kstrtoul(b"0x1f\n", 0), Ok(31));
        assert_eq!(kstrtoul(b"017", 0), Ok(15));
        assert_eq!(kstrtoul(b"+5", 0), Ok(5));
        assert_eq!(kstrtoul(b"", 0), Err(EINVAL));
        assert_eq!(kstrtoul(b"-1", 0), Err(EINVAL));
        assert_eq!(kstrtoul(b"1 ", 0), Err(EINVAL));
        assert_eq!(kstrtoul(b"1\n\n", 0), Err(EINVAL));
        assert_eq!(kstrtoul(b"08", 0), Err(EINVAL));
        assert_eq!(kstrtoul(b"18446744073709551616", 0), Err(ERANGE));
        assert_eq!(kstrtoll(b"-2", 0), Ok(-2));
        assert_eq!(kstrtoll(b"-9223372036854775808", 0), Ok(i64::MIN));
        assert_eq!(kstrtoll(b"9223372036854775808", 0), Err(ERANGE));
        assert_eq!(kstrtoll(b"-9223372036854775809", 0), Err(ERANGE));
        assert_eq!(kstrtoll(b"-+1", 0), Err(EINVAL));
    }

    #[test]
    fn copen_rules() {
        assert_eq!(split_copen(b""), Err(CopenSyntax::EmptyId));
        assert_eq!(split_copen(b"12"), Err(CopenSyntax::NoSize));
        assert_eq!(split_copen(b"x,1"), Err(CopenSyntax::BadId(EINVAL)));
        assert_eq!(split_copen(b"3,4096"), Ok((3, &b"4096"[..])));
        assert_eq!(copen_verdict(b"4096"), CopenVerdict::Open(4096));
        assert_eq!(copen_verdict(b"0"), CopenVerdict::Open(0));
        assert_eq!(
            copen_verdict(b"-2"),
            CopenVerdict::Fail {
                req_error: -2,
                ret: 0
            }
        );
        assert_eq!(
            copen_verdict(b"-4096"),
            CopenVerdict::Fail {
                req_error: -22,
                ret: -22
            }
        );
        assert_eq!(
            copen_verdict(b"abc"),
            CopenVerdict::Fail {
                req_error: -22,
                ret: -22
            }
        );
    }
}
