// SPDX-License-Identifier: GPL-2.0
//! Parsing of `/dev/cachefiles` command writes and the cache-limit rules.
//!
//! Pure logic (only `core`): the module compiles it, and so does the host
//! crate in `host/` for `cargo test` and the fuzz targets. Every rule here
//! mirrors what the C daemon interface accepts and rejects, errno for errno,
//! because `cachefilesd` and on-demand daemons depend on those answers.
//!
//! Items are `pub` for the host crate; inside the module they are private.
#![allow(unreachable_pub)]

/// A kernel errno, positive (`EINVAL` is `Errno(22)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

pub const EINVAL: Errno = Errno(22);
pub const ERANGE: Errno = Errno(34);
pub const EOPNOTSUPP: Errno = Errno(95);

/// Longest command the device takes in one write: a page less the NUL the
/// C code appends. The page size is the machine's (64 KiB on some arm64
/// and ppc64 kernels), so the limit is too.
pub const fn max_command_len(page_size: usize) -> usize {
    page_size - 1
}

/// [`max_command_len`] with 4 KiB pages (x86_64), for the host tests.
#[allow(dead_code)] // The module uses the real page size.
pub const MAX_COMMAND_LEN: usize = max_command_len(4096);

/// The command words the device knows, in the C table's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Bind,
    Brun,
    Bcull,
    Bstop,
    Cull,
    Debug,
    Dir,
    Frun,
    Fcull,
    Fstop,
    Inuse,
    Secctx,
    Tag,
    /// On-demand mode only.
    Copen,
    /// On-demand mode only.
    Restore,
}

impl Verb {
    /// Looks a command word up; `ondemand` says whether the on-demand
    /// commands exist in this build (CONFIG_CACHEFILES_RS_ONDEMAND).
    pub fn lookup(word: &[u8], ondemand: bool) -> Option<Verb> {
        let verb = match word {
            b"bind" => Verb::Bind,
            b"brun" => Verb::Brun,
            b"bcull" => Verb::Bcull,
            b"bstop" => Verb::Bstop,
            b"cull" => Verb::Cull,
            b"debug" => Verb::Debug,
            b"dir" => Verb::Dir,
            b"frun" => Verb::Frun,
            b"fcull" => Verb::Fcull,
            b"fstop" => Verb::Fstop,
            b"inuse" => Verb::Inuse,
            b"secctx" => Verb::Secctx,
            b"tag" => Verb::Tag,
            b"copen" if ondemand => Verb::Copen,
            b"restore" if ondemand => Verb::Restore,
            _ => return None,
        };
        Some(verb)
    }
}

/// The kernel's `isspace()`: its ctype table also counts 0xa0 (Latin-1
/// no-break space) as a space, and so must we.
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0xa0)
}

fn skip_spaces(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| is_space(b)).count();
    &s[n..]
}

/// Splits one write to the device into its verb and argument string.
///
/// The order of checks (and so which errno wins) follows the C code: an
/// oversized write, a NUL byte anywhere, a newline as the first byte, a
/// leading space, then an unknown word. Everything after the first newline
/// is ignored; spaces between the verb and its arguments are skipped.
#[allow(dead_code)] // The module uses the real page size.
pub fn split(data: &[u8], ondemand: bool) -> Result<(Verb, &[u8]), Errno> {
    split_for_page(data, ondemand, 4096)
}

/// [`split`] on a machine whose pages are `page_size` bytes.
pub fn split_for_page(
    data: &[u8],
    ondemand: bool,
    page_size: usize,
) -> Result<(Verb, &[u8]), Errno> {
    if data.len() > max_command_len(page_size) {
        return Err(EOPNOTSUPP);
    }
    if data.contains(&0) {
        return Err(EINVAL);
    }
    let line = match data.iter().position(|&b| b == b'\n') {
        Some(0) => return Err(EINVAL),
        Some(n) => &data[..n],
        None => data,
    };
    let (word, args) = match line.iter().position(|&b| is_space(b)) {
        Some(0) => return Err(EOPNOTSUPP),
        Some(n) => (&line[..n], skip_spaces(&line[n + 1..])),
        None => (line, &line[line.len()..]),
    };
    let verb = Verb::lookup(word, ondemand).ok_or(EOPNOTSUPP)?;
    Ok((verb, args))
}

/// Result of the kernel's `simple_strtoul()`: the value (wrapping on
/// overflow, as the C does) and what follows the digits.
fn strtoul(s: &[u8], base: u32) -> (u64, &[u8]) {
    let (base, digits) = match base {
        0 => match s {
            [b'0', x, d, ..] if (*x | 0x20) == b'x' && d.is_ascii_hexdigit() => (16, &s[2..]),
            [b'0', ..] => (8, s),
            _ => (10, s),
        },
        b => (b, s),
    };
    let mut val: u64 = 0;
    let mut used = 0;
    for &b in digits {
        let d = match (b as char).to_digit(16) {
            Some(d) if d < base => d,
            _ => break,
        };
        val = val.wrapping_mul(u64::from(base)).wrapping_add(u64::from(d));
        used += 1;
    }
    (val, &digits[used..])
}

/// Parses a limit argument such as `7%`: decimal digits, then exactly `%`.
pub fn parse_percent(args: &[u8]) -> Result<u64, Errno> {
    if args.is_empty() {
        return Err(EINVAL);
    }
    match strtoul(args, 10) {
        (v, b"%") => Ok(v),
        _ => Err(EINVAL),
    }
}

/// Parses the `debug` mask: C integer syntax (`0x` hex, leading-0 octal),
/// nothing after it. The empty string is mask 0, as in C.
pub fn parse_debug_mask(args: &[u8]) -> Result<u64, Errno> {
    match strtoul(args, 0) {
        (v, b"") => Ok(v),
        _ => Err(EINVAL),
    }
}

/// Which of the six limits a command sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Frun,
    Fcull,
    Fstop,
    Brun,
    Bcull,
    Bstop,
}

/// Free-space (`b*`) and free-file (`f*`) limits, in percent: caching runs
/// freely above `run`, culling starts below `cull`, and new objects are
/// refused below `stop`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub frun: u32,
    pub fcull: u32,
    pub fstop: u32,
    pub brun: u32,
    pub bcull: u32,
    pub bstop: u32,
}

impl Default for Limits {
    /// The defaults a new open of the device starts from.
    fn default() -> Self {
        Limits {
            frun: 7,
            fcull: 5,
            fstop: 1,
            brun: 7,
            bcull: 5,
            bstop: 1,
        }
    }
}

/// Message logged when a limit would break `0 <= stop < cull < run < 100`.
pub const RANGE_ERROR_MSG: &str = "Free space limits must be in range 0%<=stop<cull<run<100%";

impl Limits {
    /// Sets one limit from its argument string. Each limit is checked only
    /// against its neighbours' current values, so a daemon raising them
    /// must set `run` before `cull` before `stop` (and lower them in the
    /// other order), exactly as with the C module. Userspace sees `EINVAL`
    /// for both kinds of [`LimitError`].
    pub fn set(&mut self, which: Limit, args: &[u8]) -> Result<(), LimitError> {
        let v = parse_percent(args).map_err(|_| LimitError::Syntax)?;
        let (run, cull, stop) = match which {
            Limit::Frun | Limit::Fcull | Limit::Fstop => (self.frun, self.fcull, self.fstop),
            _ => (self.brun, self.bcull, self.bstop),
        };
        let ok = match which {
            Limit::Frun | Limit::Brun => v > u64::from(cull) && v < 100,
            Limit::Fcull | Limit::Bcull => v > u64::from(stop) && v < u64::from(run),
            Limit::Fstop | Limit::Bstop => v < u64::from(cull),
        };
        if !ok {
            return Err(LimitError::Range);
        }
        // In range means below 100, so it fits.
        let v = v as u32;
        match which {
            Limit::Frun => self.frun = v,
            Limit::Fcull => self.fcull = v,
            Limit::Fstop => self.fstop = v,
            Limit::Brun => self.brun = v,
            Limit::Bcull => self.bcull = v,
            Limit::Bstop => self.bstop = v,
        }
        Ok(())
    }

    /// The check `bind` makes before it touches the filesystem.
    pub fn check_for_bind(&self) -> Result<(), Errno> {
        let ordered = |stop: u32, cull: u32, run: u32| stop < cull && cull < run && run < 100;
        if ordered(self.fstop, self.fcull, self.frun) && ordered(self.bstop, self.bcull, self.brun)
        {
            Ok(())
        } else {
            Err(ERANGE)
        }
    }
}

/// Why a limit command failed; both are `EINVAL` to userspace, but only a
/// range error is logged (with [`RANGE_ERROR_MSG`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitError {
    Syntax,
    Range,
}

impl From<LimitError> for Errno {
    fn from(_: LimitError) -> Errno {
        EINVAL
    }
}

/// The argument of `bind`: empty for the normal mode, `ondemand` for the
/// on-demand mode (only when the build has it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindMode {
    Normal,
    OnDemand,
}

/// Parses the argument of `bind`.
pub fn parse_bind_mode(args: &[u8], ondemand: bool) -> Result<BindMode, Errno> {
    match args {
        b"" => Ok(BindMode::Normal),
        b"ondemand" if ondemand => Ok(BindMode::OnDemand),
        _ => Err(EINVAL),
    }
}

/// The check `cull` and `inuse` make on their argument before anything
/// else: a single file name, never a path.
pub fn check_cull_name(args: &[u8]) -> Result<(), Errno> {
    if args.contains(&b'/') {
        Err(EINVAL)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            let Ok((verb, args)) = split(&data, rng.next().is_multiple_of(2)) else {
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
}
