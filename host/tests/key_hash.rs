// SPDX-License-Identifier: GPL-2.0
//! Key hashes. The fixed vectors are also checked against the running
//! fscache (C or ours) by tests/kunit/fscache_volume_kunit.c and
//! fscache_cookie_kunit.c: keep the lists the same.

use fscache_rs_host::key_hash::*;

/// (volume key, cookie key, volume hash, cookie hash)
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
