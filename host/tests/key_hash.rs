// SPDX-License-Identifier: GPL-2.0
//! Key hashes. The fixed vectors are also checked against the running
//! fscache (C or ours) by tests/kunit/fscache_cache_kunit.c: keep the two
//! lists the same.

use fscache_rs_host::key_hash::*;

/// (volume key, cookie key, volume hash, cookie hash)
const VECTORS: &[(&[u8], &[u8], u32, u32)] = &[
    (b"9p,share,", b"\x13\xc1\x98\x00\x00\x00\x00\x00", 0, 0),
];

#[test]
fn print_vectors() {
    for (vk, ck, _, _) in VECTORS {
        let v = volume_key_hash(vk);
        println!("{:?} {:#010x} {:#010x}", String::from_utf8_lossy(vk), v, cookie_key_hash(v, ck));
    }
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
