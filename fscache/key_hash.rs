// SPDX-License-Identifier: GPL-2.0
//! Hashes of volume and cookie keys.
//!
//! These must equal the C fscache's bit for bit: besides placing volumes and
//! cookies in the lookup hash tables, the low byte of a cookie's hash is the
//! fan-out directory (`@xx`) cachefiles stores its file in, so a different
//! hash would orphan every object of a cache written under the C fscache.
//!
//! Pure logic (only `core`), compiled by the host crate for `cargo test`;
//! `tests/kunit/fscache_volume_kunit.c` and `fscache_cookie_kunit.c` check
//! the same vectors against the running fscache.
//!
//! Items are `pub` for the host crate.
#![allow(unreachable_pub)]

/// The kernel's 32-bit golden-ratio multiplier (`GOLDEN_RATIO_32`).
const GOLDEN_RATIO_32: u32 = 0x61c8_8647;

/// The kernel's generic `__hash_32()` (x86 has no arch-specific one).
fn hash_32(val: u32) -> u32 {
    val.wrapping_mul(GOLDEN_RATIO_32)
}

/// Hashes `words` (little-endian 32-bit words) starting from `salt`: two
/// accumulators mixed with rotates by 7 and 20, then folded with
/// `__hash_32()`.
fn hash_words(salt: u32, words: impl Iterator<Item = u32>) -> u32 {
    let (mut x, mut y) = (0u32, salt);
    for a in words {
        x ^= a;
        y ^= x;
        x = x.rotate_left(7);
        x = x.wrapping_add(y);
        y = y.rotate_left(20);
        y = y.wrapping_mul(9);
    }
    hash_32(y ^ hash_32(x))
}

/// The little-endian words of `bytes` followed by zeros up to `len` bytes,
/// `len` a multiple of 4 (a trailing partial word would be ignored, as in C).
fn padded_words(bytes: impl Iterator<Item = u8>, len: usize) -> impl Iterator<Item = u32> {
    let mut bytes = bytes.chain(core::iter::repeat(0)).take(len);
    (0..len / 4).map(move |_| {
        let mut w = [0u8; 4];
        for b in w.iter_mut() {
            *b = bytes.next().unwrap_or(0);
        }
        u32::from_le_bytes(w)
    })
}

/// Rounds `n` up to a whole number of 32-bit words.
fn round_up_words(n: usize) -> usize {
    n.div_ceil(4) * 4
}

/// Hash of a volume key: the key is stored with its length byte in front
/// and a NUL after it, zero-padded to whole words, and hashed with salt 0.
/// Volume keys are at most 254 bytes (longer ones are refused earlier).
pub fn volume_key_hash(key: &[u8]) -> u32 {
    let len = round_up_words(1 + key.len() + 1);
    let bytes = core::iter::once(key.len() as u8).chain(key.iter().copied());
    hash_words(0, padded_words(bytes, len))
}

/// Hash of a cookie's index key, salted with its volume's hash; the key is
/// zero-padded to whole words.
pub fn cookie_key_hash(volume_hash: u32, key: &[u8]) -> u32 {
    let len = round_up_words(key.len());
    hash_words(volume_hash, padded_words(key.iter().copied(), len))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTORS: &[(&[u8], &[u8], u32, u32)] = &[
        (
            b"9p,share,",
            b"\x13\xc1\x98\x00\x00\x00\x00\x00",
            0x62a4ec91,
            0x30ce124a,
        ),
        (b"kunit,hash,", b"abc", 0x57599981, 0x9fb1e871),
        (b"kunit,hash,", b"0123456789abcdef", 0x57599981, 0xe18f3b00),
        (b"kunit,hash,", b"0123456789abcdefg", 0x57599981, 0x49cb35cd),
        (
            b"a-volume-key-long-enough-to-span-several-words",
            b"\xff\x00\x80\x7f\x01",
            0x4ef0d773,
            0x04604550,
        ),
    ];

    #[test]
    fn vectors() {
        let mut bad = 0;
        for (vk, ck, vh, kh) in VECTORS {
            let v = volume_key_hash(vk);
            let k = cookie_key_hash(v, ck);
            println!(
                "{:?} {:?} {:#010x} {:#010x}",
                String::from_utf8_lossy(vk),
                ck,
                v,
                k
            );
            bad += usize::from((v, k) != (*vh, *kh));
        }
        assert_eq!(bad, 0, "hashes differ from the vectors");
    }

    #[test]
    fn padding_is_part_of_the_key() {
        // Zero padding makes a key and the same key with trailing zeros up to
        // the word boundary hash alike; the C code has the same property.
        assert_eq!(cookie_key_hash(1, b"abc"), cookie_key_hash(1, b"abc\0"));
        assert_ne!(cookie_key_hash(1, b"abc"), cookie_key_hash(1, b"abd"));
        // The volume hash salts the cookie hash.
        assert_ne!(cookie_key_hash(1, b"abcd"), cookie_key_hash(2, b"abcd"));
        // The length byte makes "a" and "a\0" different volume keys.
        assert_ne!(volume_key_hash(b"a"), volume_key_hash(b"a\0"));
    }

    #[test]
    fn empty_keys() {
        // No words at all: only the fold of the salt.
        let v = volume_key_hash(b"");
        assert_eq!(cookie_key_hash(v, b""), cookie_key_hash(v, b""));
    }
}
