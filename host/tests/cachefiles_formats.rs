// SPDX-License-Identifier: GPL-2.0
//! On-disk names and xattrs, and the space policy, of cachefiles. The name
//! vectors were worked out by hand from the encoding rules (and the first
//! matches what the C module wrote for a 9p file in a guest run).

use fscache_rs_host::coherency::*;
use fscache_rs_host::daemon_cmd::Limits;
use fscache_rs_host::key::*;
use fscache_rs_host::space::*;

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

#[test]
fn object_xattr_round_trip() {
    let mut buf = [0u8; MAX_OBJECT_XATTR_LEN];
    let aux = b"\x01\x02\x03\x04";
    let n = encode_object(0x1234_5678_9abc, Content::NoData, aux, &mut buf).unwrap();
    assert_eq!(n, 22);
    assert_eq!(
        &buf[..n],
        b"\x00\x00\x12\x34\x56\x78\x9a\xbc\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01\x02\x03\x04"
    );
    assert_eq!(
        check_object(&buf[..n], n, aux, 0x1234_5678_9abc),
        ObjectCheck::Ok
    );
    assert_eq!(check_object(&buf[..n], n, aux, 1), ObjectCheck::ObjectSize);
    assert_eq!(
        check_object(&buf[..n], n, b"\x01\x02\x03\x05", 0x1234_5678_9abc),
        ObjectCheck::Aux
    );
    assert_eq!(
        check_object(&buf[..n - 1], n, aux, 0x1234_5678_9abc),
        ObjectCheck::Xattr
    );
    let mut bad = buf;
    bad[16] = 2;
    assert_eq!(
        check_object(&bad[..n], n, aux, 0x1234_5678_9abc),
        ObjectCheck::Type
    );
    bad[16] = 1;
    bad[17] = Content::Dirty as u8;
    assert_eq!(
        check_object(&bad[..n], n, aux, 0x1234_5678_9abc),
        ObjectCheck::Dirty
    );
}

#[test]
fn garbage_object_xattrs_are_never_accepted_wrongly() {
    // Any xattr that is not exactly what encode_object makes is refused.
    let aux = b"coherency";
    let mut good = [0u8; MAX_OBJECT_XATTR_LEN];
    let n = encode_object(4096, Content::All, aux, &mut good).unwrap();
    let mut seed = 0x9e37_79b9_u32;
    for _ in 0..100_000 {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let len = (seed as usize) % (n + 4);
        let mut junk = good;
        let pos = (seed >> 8) as usize % n;
        junk[pos] ^= ((seed >> 16) as u8) | 1;
        let verdict = check_object(&junk[..len.min(n)], n, aux, 4096);
        let same = len >= n && junk[..n] == good[..n];
        if verdict == ObjectCheck::Ok {
            assert!(
                same || (pos == 17 && junk[17] != Content::Dirty as u8) || (pos >= 8 && pos < 16)
            );
        }
    }
}

#[test]
fn volume_xattr() {
    let mut buf = [0u8; MAX_VOLUME_XATTR_LEN];
    let n = encode_volume(b"\xaa\xbb", &mut buf).unwrap();
    assert_eq!(&buf[..n], b"\x00\x00\x00\x00\xaa\xbb");
    assert_eq!(check_volume(&buf[..n], b"\xaa\xbb"), VolumeCheck::Ok);
    assert_eq!(check_volume(&buf[..n], b"\xaa\xbc"), VolumeCheck::Compare);
    assert_eq!(check_volume(&buf[..n - 1], b"\xaa\xbb"), VolumeCheck::Xattr);
    assert_eq!(
        check_volume(b"\x00\x00\x00\x01\xaa\xbb", b"\xaa\xbb"),
        VolumeCheck::Reserved
    );
    assert_eq!(encode_volume(b"", &mut buf), Some(4));
}

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
