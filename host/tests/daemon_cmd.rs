// SPDX-License-Identifier: GPL-2.0
//! The `/dev/cachefiles` command rules, errno for errno with the C module.

use fscache_rs_host::daemon_cmd::*;

fn split_ok(data: &[u8]) -> (Verb, &[u8]) {
    split(data, true)
        .unwrap_or_else(|e| panic!("{:?} rejected: {:?}", String::from_utf8_lossy(data), e))
}

#[test]
fn splits_verb_and_args() {
    assert_eq!(split_ok(b"brun 10%"), (Verb::Brun, &b"10%"[..]));
    assert_eq!(
        split_ok(b"dir /var/cache/fscache\n"),
        (Verb::Dir, &b"/var/cache/fscache"[..])
    );
    assert_eq!(split_ok(b"bind"), (Verb::Bind, &b""[..]));
    assert_eq!(split_ok(b"bind\n"), (Verb::Bind, &b""[..]));
    // Several spaces and tabs between verb and args are skipped...
    assert_eq!(split_ok(b"tag \t  mycache"), (Verb::Tag, &b"mycache"[..]));
    // ...but trailing ones are kept, for the handler to judge.
    assert_eq!(split_ok(b"tag x "), (Verb::Tag, &b"x "[..]));
    // Everything after the first newline is ignored.
    assert_eq!(split_ok(b"cull foo\nbind"), (Verb::Cull, &b"foo"[..]));
}

#[test]
fn rejects_like_c() {
    assert_eq!(split(b"", true), Err(EOPNOTSUPP));
    assert_eq!(split(b"\n", true), Err(EINVAL));
    assert_eq!(split(b"\nbind", true), Err(EINVAL));
    assert_eq!(split(b"bind\0", true), Err(EINVAL));
    assert_eq!(split(b" bind", true), Err(EOPNOTSUPP));
    assert_eq!(split(b"BIND", true), Err(EOPNOTSUPP));
    assert_eq!(split(b"bindx", true), Err(EOPNOTSUPP));
    assert_eq!(split(b"frobnicate 1", true), Err(EOPNOTSUPP));
    // A NUL beats a bad verb: the C code checks it first.
    assert_eq!(split(b"nope\0", true), Err(EINVAL));
    // The kernel's isspace() takes 0xa0 too.
    assert_eq!(split(b"tag\xa0x", true), Ok((Verb::Tag, &b"x"[..])));
}

#[test]
fn size_limit_is_a_page_less_one() {
    let mut big = b"dir ".to_vec();
    big.resize(MAX_COMMAND_LEN, b'a');
    assert_eq!(split(&big, true).map(|(v, _)| v), Ok(Verb::Dir));
    big.push(b'a');
    assert_eq!(split(&big, true), Err(EOPNOTSUPP));
    // With 64 KiB pages the same command fits, up to 64 KiB less one.
    assert_eq!(
        split_for_page(&big, true, 65536).map(|(v, _)| v),
        Ok(Verb::Dir)
    );
    big.resize(max_command_len(65536), b'a');
    assert!(split_for_page(&big, true, 65536).is_ok());
    big.push(b'a');
    assert_eq!(split_for_page(&big, true, 65536), Err(EOPNOTSUPP));
}

#[test]
fn ondemand_commands_need_ondemand_build() {
    assert_eq!(split(b"copen 1,2", true).map(|(v, _)| v), Ok(Verb::Copen));
    assert_eq!(split(b"restore", true).map(|(v, _)| v), Ok(Verb::Restore));
    assert_eq!(split(b"copen 1,2", false), Err(EOPNOTSUPP));
    assert_eq!(split(b"restore", false), Err(EOPNOTSUPP));
}

#[test]
fn percent_syntax() {
    assert_eq!(parse_percent(b"7%"), Ok(7));
    assert_eq!(parse_percent(b"007%"), Ok(7));
    // No digits parses as 0, as simple_strtoul() does.
    assert_eq!(parse_percent(b"%"), Ok(0));
    for bad in [
        &b""[..],
        b"7",
        b"7 %",
        b"7%%",
        b"7% ",
        b"-1%",
        b"+1%",
        b"0x10%",
        b"1.5%",
    ] {
        assert_eq!(
            parse_percent(bad),
            Err(EINVAL),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    // Overflow wraps, as in C: 2^64 + 7 reads as 7.
    assert_eq!(parse_percent(b"18446744073709551623%"), Ok(7));
}

#[test]
fn limits_keep_stop_cull_run_ordered() {
    let mut l = Limits::default();
    assert_eq!(
        l,
        Limits {
            frun: 7,
            fcull: 5,
            fstop: 1,
            brun: 7,
            bcull: 5,
            bstop: 1
        }
    );
    // Raising in the wrong order fails: cull must stay below run.
    assert_eq!(l.set(Limit::Bcull, b"20%"), Err(LimitError::Range));
    l.set(Limit::Brun, b"30%").unwrap();
    l.set(Limit::Bcull, b"20%").unwrap();
    l.set(Limit::Bstop, b"10%").unwrap();
    assert_eq!((l.brun, l.bcull, l.bstop), (30, 20, 10));
    assert_eq!(l.set(Limit::Brun, b"100%"), Err(LimitError::Range));
    assert_eq!(l.set(Limit::Brun, b"20%"), Err(LimitError::Range));
    assert_eq!(l.set(Limit::Bstop, b"20%"), Err(LimitError::Range));
    assert_eq!(l.set(Limit::Bcull, b"10%"), Err(LimitError::Range));
    assert_eq!(l.set(Limit::Bcull, b"30%"), Err(LimitError::Range));
    assert_eq!(l.set(Limit::Frun, b"x"), Err(LimitError::Syntax));
    // Stop may be 0.
    l.set(Limit::Fstop, b"0%").unwrap();
    assert_eq!(l.fstop, 0);
    // The file limits did not move with the block ones.
    assert_eq!((l.frun, l.fcull), (7, 5));
    assert_eq!(l.check_for_bind(), Ok(()));
    assert_eq!(Errno::from(LimitError::Range), EINVAL);
}

#[test]
fn bind_check_and_mode() {
    let bad = Limits {
        bstop: 5,
        ..Limits::default()
    };
    assert_eq!(bad.check_for_bind(), Err(ERANGE));
    let bad = Limits {
        frun: 100,
        ..Limits::default()
    };
    assert_eq!(bad.check_for_bind(), Err(ERANGE));
    assert_eq!(parse_bind_mode(b"", true), Ok(BindMode::Normal));
    assert_eq!(parse_bind_mode(b"ondemand", true), Ok(BindMode::OnDemand));
    assert_eq!(parse_bind_mode(b"ondemand", false), Err(EINVAL));
    assert_eq!(parse_bind_mode(b"ondemand ", true), Err(EINVAL));
    assert_eq!(parse_bind_mode(b"normal", true), Err(EINVAL));
}

#[test]
fn debug_mask_uses_c_integer_syntax() {
    assert_eq!(parse_debug_mask(b""), Ok(0));
    assert_eq!(parse_debug_mask(b"7"), Ok(7));
    assert_eq!(parse_debug_mask(b"0x1f"), Ok(0x1f));
    assert_eq!(parse_debug_mask(b"0X1F"), Ok(0x1f));
    assert_eq!(parse_debug_mask(b"017"), Ok(0o17));
    assert_eq!(parse_debug_mask(b"08"), Err(EINVAL));
    assert_eq!(parse_debug_mask(b"0x"), Err(EINVAL));
    assert_eq!(parse_debug_mask(b"7 "), Err(EINVAL));
    assert_eq!(parse_debug_mask(b"mask"), Err(EINVAL));
}

#[test]
fn cull_names_are_not_paths() {
    assert_eq!(check_cull_name(b"Ifoo"), Ok(()));
    assert_eq!(check_cull_name(b"a/b"), Err(EINVAL));
    assert_eq!(check_cull_name(b"/"), Err(EINVAL));
}

/// Deterministic xorshift, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Random writes built from the pieces the rules care about: whatever the
/// bytes, the parser answers (no panic), and what it accepts is sane.
#[test]
fn random_writes_hold_the_invariants() {
    const PIECES: &[&[u8]] = &[
        b"bind",
        b"brun",
        b"bcull",
        b"fstop",
        b"dir",
        b"tag",
        b"cull",
        b"copen",
        b"debug",
        b" ",
        b"\t",
        b"\n",
        b"\0",
        b"\xa0",
        b"%",
        b"7",
        b"0x",
        b"/",
        b"ondemand",
        b"\xff",
    ];
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut accepted = 0;
    for _ in 0..200_000 {
        let mut data = Vec::new();
        for _ in 0..rng.next() % 8 {
            data.extend_from_slice(PIECES[(rng.next() % PIECES.len() as u64) as usize]);
        }
        let Ok((verb, args)) = split(&data, rng.next() % 2 == 0) else {
            continue;
        };
        accepted += 1;
        assert!(!data.contains(&0), "accepted a NUL: {data:?}");
        assert!(
            !args.contains(&b'\n'),
            "args run past the newline: {data:?}"
        );
        assert!(
            !args.first().is_some_and(|&b| is_space(b)),
            "args start with a space: {data:?}"
        );
        assert!(
            data.ends_with(args) || data.contains(&b'\n'),
            "args not from the write: {data:?}"
        );
        // Every accepted verb is a known word at the start of the write.
        assert!(
            !is_space(data[0]),
            "{verb:?} from a write starting with a space"
        );
        let _ = (
            parse_percent(args),
            parse_debug_mask(args),
            parse_bind_mode(args, true),
        );
    }
    assert!(
        accepted > 1000,
        "the generator hardly reaches the parser ({accepted})"
    );
}
