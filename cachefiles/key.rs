// SPDX-License-Identifier: GPL-2.0
//! Backing-file names from cookie keys, and volume directory names.
//!
//! Pure logic (only `core`), shared with the host crate. The names must be
//! exactly those the C cachefiles makes, or a cache written by one module
//! would be a cache of strangers to the other:
//!
//! - `D<key>`: the key is printable (no space, control, `/` or bytes above
//!   0x7f), so it is used as it is.
//! - `S<hex>,<hex>...` / `T<hex>,...`: the key read as 32-bit big-endian
//!   (`S`) or little-endian (`T`) words, each in lower-case hex with zero
//!   words empty, when the shorter of the two beats base64. Ties go to `S`.
//! - `E<pad><base64>`: otherwise, a little-endian base64 over the charmap
//!   `0-9a-zA-Z_-`, `<pad>` being the number of padding bytes (`'0'`-`'2'`).
#![allow(unreachable_pub)]

/// Longest key the name encodings accept (NAME_MAX less the type letter
/// and room the C code reserves).
pub const MAX_KEY_LEN: usize = 255 - 3;

/// Longest name any encoding makes of a `MAX_KEY_LEN` key.
pub const MAX_NAME_LEN: usize = 2 + MAX_KEY_LEN.div_ceil(3) * 4;

const CHARMAP: &[u8; 64] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-";

/// A backing-file name, built on the stack.
#[derive(Clone)]
pub struct Name {
    buf: [u8; MAX_NAME_LEN],
    len: usize,
}

impl Name {
    fn new() -> Self {
        Name {
            buf: [0; MAX_NAME_LEN],
            len: 0,
        }
    }

    fn push(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }

    fn push_hex(&mut self, x: u32) {
        let digits = hex_digits(x);
        for i in (0..digits).rev() {
            self.push(b"0123456789abcdef"[((x >> (i * 4)) & 0xf) as usize]);
        }
    }

    /// The name's bytes (no NUL).
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Bytes a key may hold to be used as a name as it is.
fn printable(b: u8) -> bool {
    matches!(b, 33..=46 | 48..=127)
}

/// Lower-case hex digits `%x` prints for `x`, none for zero.
fn hex_digits(x: u32) -> u32 {
    if x == 0 {
        0
    } else {
        (32 - x.leading_zeros()).div_ceil(4)
    }
}

/// The 32-bit word at `i` of the key, zero-padded past its end as fscache
/// stores keys.
fn word(key: &[u8], i: usize) -> [u8; 4] {
    let mut w = [0u8; 4];
    for (j, b) in w.iter_mut().enumerate() {
        *b = key.get(i + j).copied().unwrap_or(0);
    }
    w
}

/// The backing-file name of a cookie key; `None` if the key is too long.
pub fn cook_key(key: &[u8]) -> Option<Name> {
    if key.len() > MAX_KEY_LEN {
        return None;
    }
    let mut name = Name::new();
    if key.iter().all(|&b| printable(b)) {
        name.push(b'D');
        for &b in key {
            name.push(b);
        }
        return Some(name);
    }

    let words = (0..key.len()).step_by(4);
    let (mut nbe, mut nle) = (0, 0);
    for i in words.clone() {
        let w = word(key, i);
        nbe += 1 + hex_digits(u32::from_be_bytes(w));
        nle += 1 + hex_digits(u32::from_le_bytes(w));
    }
    let groups = key.len().div_ceil(3);
    let pad = groups * 3 - key.len();
    let b64len = (2 + groups * 4) as u32;

    if nbe < b64len || nle < b64len {
        let big = nbe <= nle;
        let mut sep = if big { b'S' } else { b'T' };
        for i in words {
            let w = word(key, i);
            let x = if big {
                u32::from_be_bytes(w)
            } else {
                u32::from_le_bytes(w)
            };
            name.push(sep);
            name.push_hex(x);
            sep = b',';
        }
        return Some(name);
    }

    name.push(b'E');
    name.push(b'0' + pad as u8);
    for chunk in key.chunks(3) {
        let mut acc = 0u32;
        for (j, &b) in chunk.iter().enumerate() {
            acc |= u32::from(b) << (8 * j);
        }
        for _ in 0..4 {
            name.push(CHARMAP[(acc & 63) as usize]);
            acc >>= 6;
        }
    }
    Some(name)
}

/// Length of the volume directory name for a volume key of `len` bytes.
pub fn volume_dir_len(len: usize) -> usize {
    1 + len
}

/// Writes the volume directory name, `I` followed by the volume key (which
/// fscache has already made printable), into `out`; returns its length.
pub fn volume_dir_name(vkey: &[u8], out: &mut [u8]) -> Option<usize> {
    let n = volume_dir_len(vkey.len());
    let dst = out.get_mut(..n)?;
    dst[0] = b'I';
    dst[1..].copy_from_slice(vkey);
    Some(n)
}

/// Name of fan-out directory `i`: `@00` to `@ff`, chosen by the low byte of
/// the cookie's key hash.
pub fn fanout_name(i: u8) -> [u8; 3] {
    let hex = b"0123456789abcdef";
    [b'@', hex[usize::from(i >> 4)], hex[usize::from(i & 15)]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"\x13\xc1\x98\x00\x00\x00\x00\x00", b"T98c113,"),
            (b"abc", b"Dabc"),
            (b"a b", b"E0x1yo"),
            (b"\x00", b"S"),
            (b"\xff\xfe\xfd\xfc\xfb\xfa\xf9", b"E2-Xv-YLL_V300"),
            (b"/etc", b"S2f657463"),
            (b"\x01\x02\x03\x04\x05\x06\x07\x08\x09", b"E018M04kw17wg2"),
            // 0x7f is accepted as printable, '/' and space are not.
            (b"a\x7f~!", b"Da\x7f~!"),
        ];
        for (key, want) in cases {
            let got = cook_key(key).expect("short keys encode");
            assert_eq!(got.as_bytes(), *want, "key {:x?}", key);
        }
    }

    #[test]
    fn key_limits() {
        assert!(cook_key(&[b'x'; MAX_KEY_LEN]).is_some());
        assert!(cook_key(&[b'x'; MAX_KEY_LEN + 1]).is_none());
        // Every length and byte pattern fits the name buffer.
        for len in 0..=MAX_KEY_LEN {
            for fill in [0u8, 1, 0x20, 0x7f, 0x80, 0xff] {
                let key: Vec<u8> = (0..len).map(|i| fill.wrapping_add(i as u8)).collect();
                let name = cook_key(&key).unwrap();
                assert!(name.as_bytes().len() <= MAX_NAME_LEN);
                assert!(!name.as_bytes().contains(&b'/'));
                assert!(!name.as_bytes().contains(&0));
            }
        }
    }

    #[test]
    fn volume_and_fanout_names() {
        let mut buf = [0u8; 64];
        let n = volume_dir_name(b"9p,share,", &mut buf).unwrap();
        assert_eq!(&buf[..n], b"I9p,share,");
        assert_eq!(&fanout_name(0), b"@00");
        assert_eq!(&fanout_name(0x7f), b"@7f");
        assert_eq!(&fanout_name(0xff), b"@ff");
        assert!(volume_dir_name(b"toolong", &mut [0u8; 4]).is_none());
    }
}
