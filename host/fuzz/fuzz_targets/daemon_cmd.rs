// SPDX-License-Identifier: GPL-2.0
//! Fuzz target for the `/dev/cachefiles` command parser
//! (`cachefiles/daemon_cmd.rs`), checked against a model of the C code.
//!
//! The model below is a transliteration of `fs/cachefiles/daemon.c` (Linux
//! 6.12) and of the kernel's `simple_strtoul()` and `isspace()`: it works on
//! a NUL-terminated copy of the write, walking it the way the C does, so it
//! shares no code with the Rust parser it checks. Each input is used twice:
//!
//! - as one write: `split` must give the C errno or the C verb and argument
//!   string, and the per-verb parsers (`parse_percent`, `parse_debug_mask`,
//!   `parse_bind_mode`, `check_cull_name`) the C handler's answer;
//! - as a session: the input split at 0xff bytes is a sequence of writes
//!   to one open of the device. The C model keeps the whole device state
//!   (limits, `dir`, `tag`, bound or not); the Rust side keeps a `Limits`
//!   and combines the pure checks in the order `cachefiles/daemon.rs` does.
//!   Every write must get the same errno from both, and after every write
//!   the limits must be equal and still ordered
//!   (`0 <= stop < cull < run < 100`, so `check_for_bind` accepts them):
//!   no sequence of accepted limit commands can disorder them.
//!
//! Plus invariants of `split`: arguments never hold a newline or a NUL,
//! never start with a space, and lie inside the write.
#![no_main]

use fscache_rs_host::daemon_cmd::{self as rs, Errno, Limit, LimitError, Limits, Verb};
use libfuzzer_sys::fuzz_target;

const EIO: i32 = 5;
const EBUSY: i32 = 16;
const EEXIST: i32 = 17;
const EINVAL: i32 = 22;
const ERANGE: i32 = 34;
const EOPNOTSUPP: i32 = 95;

/// CONFIG_CACHEFILES_ONDEMAND: the module is built with it, but the
/// parser must be right either way.
const ONDEMAND_BUILDS: [bool; 2] = [true, false];

/// The C model. Buffers are NUL-terminated, indices play the pointers.
mod c {
    use super::*;

    /// `isspace()` from the kernel's `_ctype[]` table (lib/ctype.c):
    /// 9..=13 are `_C|_S`, 32 and 160 are `_S|_SP`.
    pub fn isspace(c: u8) -> bool {
        (9..=13).contains(&c) || c == 32 || c == 160
    }

    /// `strlen()` from index `i`.
    fn cstr(buf: &[u8], i: usize) -> &[u8] {
        let end = buf[i..].iter().position(|&b| b == 0).unwrap() + i;
        &buf[i..end]
    }

    /// The C command table, in order (`name[8]`, compared with strcmp).
    pub fn table(ondemand: bool) -> Vec<&'static [u8]> {
        let mut t: Vec<&'static [u8]> = vec![
            b"bind", b"brun", b"bcull", b"bstop", b"cull", b"debug", b"dir", b"frun", b"fcull",
            b"fstop", b"inuse", b"secctx", b"tag",
        ];
        if ondemand {
            t.push(b"copen");
            t.push(b"restore");
        }
        t
    }

    /// `cachefiles_daemon_write()` up to the handler: the command name and
    /// the NUL-terminated argument string, or the errno.
    pub fn write(data: &[u8], ondemand: bool) -> Result<(&'static [u8], Vec<u8>), i32> {
        // if (datalen > PAGE_SIZE - 1) return -EOPNOTSUPP;
        if data.len() > 4096 - 1 {
            return Err(EOPNOTSUPP);
        }
        // data = memdup_user_nul(_data, datalen);
        let mut buf = data.to_vec();
        buf.push(0);
        let datalen = data.len();
        // if (memchr(data, '\0', datalen)) goto error; (-EINVAL)
        if buf[..datalen].iter().any(|&b| b == 0) {
            return Err(EINVAL);
        }
        // cp = memchr(data, '\n', datalen); if (cp == data) error; *cp = 0;
        if let Some(cp) = buf[..datalen].iter().position(|&b| b == b'\n') {
            if cp == 0 {
                return Err(EINVAL);
            }
            buf[cp] = 0;
        }
        // for (args = data; *args; args++) if (isspace(*args)) break;
        let mut args = 0;
        while buf[args] != 0 && !isspace(buf[args]) {
            args += 1;
        }
        if buf[args] != 0 {
            if args == 0 {
                return Err(EOPNOTSUPP);
            }
            buf[args] = 0;
            args += 1;
            // skip_spaces(): NUL is not a space, so it stops there.
            while isspace(buf[args]) {
                args += 1;
            }
        }
        let name = cstr(&buf, 0).to_vec();
        for cmd in table(ondemand) {
            if cmd == &name[..] {
                return Ok((cmd, cstr(&buf, args).to_vec()));
            }
        }
        Err(EOPNOTSUPP)
    }

    /// `simple_strtoul(cp, &endp, base)`: the value and the index of endp.
    /// `_parse_integer_fixup_radix()` then `_parse_integer_limit()`, which
    /// wraps on overflow (the overflow flag is ignored by simple_strtoul).
    pub fn simple_strtoul(s: &[u8], base: u32) -> (u64, usize) {
        let at = |i: usize| s.get(i).copied().unwrap_or(0);
        let tolower = |c: u8| c | 0x20; // the kernel's _tolower()
        let mut base = base;
        if base == 0 {
            if at(0) == b'0' {
                if tolower(at(1)) == b'x' && at(2).is_ascii_hexdigit() {
                    base = 16;
                } else {
                    base = 8;
                }
            } else {
                base = 10;
            }
        }
        let mut i = 0;
        if base == 16 && at(0) == b'0' && tolower(at(1)) == b'x' {
            i = 2;
        }
        let mut res: u64 = 0;
        loop {
            let c = at(i);
            let val = if c.is_ascii_digit() {
                u32::from(c - b'0')
            } else if (b'a'..=b'f').contains(&tolower(c)) {
                u32::from(tolower(c) - b'a' + 10)
            } else {
                break;
            };
            if val >= base {
                break;
            }
            res = res
                .wrapping_mul(u64::from(base))
                .wrapping_add(u64::from(val));
            i += 1;
        }
        (res, i)
    }

    /// The limit handlers' parse: `if (!*args) EINVAL; n = simple_strtoul
    /// (args, &args, 10); if (args[0] != '%' || args[1] != '\0') EINVAL`.
    pub fn percent(args: &[u8]) -> Result<u64, i32> {
        if args.is_empty() {
            return Err(EINVAL);
        }
        let (v, end) = simple_strtoul(args, 10);
        if args.get(end) != Some(&b'%') || end + 1 != args.len() {
            return Err(EINVAL);
        }
        Ok(v)
    }

    /// `cachefiles_daemon_debug()`.
    pub fn debug(args: &[u8]) -> Result<u64, i32> {
        let (v, end) = simple_strtoul(args, 0);
        if end != args.len() {
            return Err(EINVAL);
        }
        Ok(v)
    }

    /// The part of `struct cachefiles_cache` the commands touch.
    #[derive(Clone, Debug)]
    pub struct Cache {
        pub frun: u32,
        pub fcull: u32,
        pub fstop: u32,
        pub brun: u32,
        pub bcull: u32,
        pub bstop: u32,
        pub dir: bool,
        pub tag: bool,
        pub ready: bool,
    }

    impl Cache {
        /// `cachefiles_daemon_open()`'s defaults.
        pub fn open() -> Self {
            Cache {
                frun: 7,
                fcull: 5,
                fstop: 1,
                brun: 7,
                bcull: 5,
                bstop: 1,
                dir: false,
                tag: false,
                ready: false,
            }
        }

        /// What `bind` returns up to `cachefiles_add_cache()`, which the
        /// model takes to succeed.
        pub fn bind(&mut self, args: &[u8], ondemand: bool) -> Result<(), i32> {
            if self.fstop >= self.fcull || self.fcull >= self.frun || self.frun >= 100 {
                return Err(ERANGE);
            }
            if self.bstop >= self.bcull || self.bcull >= self.brun || self.brun >= 100 {
                return Err(ERANGE);
            }
            if !self.dir {
                return Err(EINVAL);
            }
            if self.ready {
                return Err(EBUSY);
            }
            if ondemand {
                if args != b"ondemand" && !args.is_empty() {
                    return Err(EINVAL);
                }
            } else if !args.is_empty() {
                return Err(EINVAL);
            }
            self.tag = true; // kstrdup("CacheFiles") when none was given
            self.ready = true;
            Ok(())
        }

        /// One write; `Ok(None)` where the C code would go on into the
        /// filesystem or the LSM (cull, inuse, secctx), which the model
        /// does not follow.
        pub fn write(&mut self, data: &[u8], ondemand: bool) -> Result<Option<()>, Outcome> {
            let (cmd, args) = write(data, ondemand).map_err(Outcome::Errno)?;
            let range = |ok: bool| if ok { Ok(()) } else { Err(Outcome::RangeError) };
            let pct = || percent(&args).map_err(Outcome::Errno);
            match cmd {
                b"frun" => {
                    let v = pct()?;
                    range(!(v <= u64::from(self.fcull) || v >= 100))?;
                    self.frun = v as u32;
                }
                b"fcull" => {
                    let v = pct()?;
                    range(!(v <= u64::from(self.fstop) || v >= u64::from(self.frun)))?;
                    self.fcull = v as u32;
                }
                b"fstop" => {
                    let v = pct()?;
                    range(v < u64::from(self.fcull))?;
                    self.fstop = v as u32;
                }
                b"brun" => {
                    let v = pct()?;
                    range(!(v <= u64::from(self.bcull) || v >= 100))?;
                    self.brun = v as u32;
                }
                b"bcull" => {
                    let v = pct()?;
                    range(!(v <= u64::from(self.bstop) || v >= u64::from(self.brun)))?;
                    self.bcull = v as u32;
                }
                b"bstop" => {
                    let v = pct()?;
                    range(v < u64::from(self.bcull))?;
                    self.bstop = v as u32;
                }
                b"dir" | b"tag" => {
                    if args.is_empty() {
                        return Err(Outcome::Errno(EINVAL));
                    }
                    let set = if cmd == b"dir" {
                        &mut self.dir
                    } else {
                        &mut self.tag
                    };
                    if *set {
                        return Err(Outcome::Errno(EEXIST));
                    }
                    *set = true;
                }
                b"secctx" => {
                    if args.is_empty() {
                        return Err(Outcome::Errno(EINVAL));
                    }
                    return Ok(None);
                }
                b"debug" => {
                    debug(&args).map_err(Outcome::Errno)?;
                }
                b"bind" => self.bind(&args, ondemand).map_err(Outcome::Errno)?,
                b"cull" | b"inuse" => {
                    if args.contains(&b'/') {
                        return Err(Outcome::Errno(EINVAL));
                    }
                    if !self.ready {
                        return Err(Outcome::Errno(EIO));
                    }
                    return Ok(None);
                }
                // copen/restore: the on-demand handlers, not modelled.
                _ => return Ok(None),
            }
            Ok(Some(()))
        }
    }

    /// How a write failed: an errno, or EINVAL with the range-error log.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Outcome {
        Errno(i32),
        RangeError,
    }
}

fn verb_name(v: Verb) -> &'static [u8] {
    match v {
        Verb::Bind => b"bind",
        Verb::Brun => b"brun",
        Verb::Bcull => b"bcull",
        Verb::Bstop => b"bstop",
        Verb::Cull => b"cull",
        Verb::Debug => b"debug",
        Verb::Dir => b"dir",
        Verb::Frun => b"frun",
        Verb::Fcull => b"fcull",
        Verb::Fstop => b"fstop",
        Verb::Inuse => b"inuse",
        Verb::Secctx => b"secctx",
        Verb::Tag => b"tag",
        Verb::Copen => b"copen",
        Verb::Restore => b"restore",
    }
}

fn limit_of(v: Verb) -> Option<Limit> {
    Some(match v {
        Verb::Frun => Limit::Frun,
        Verb::Fcull => Limit::Fcull,
        Verb::Fstop => Limit::Fstop,
        Verb::Brun => Limit::Brun,
        Verb::Bcull => Limit::Bcull,
        Verb::Bstop => Limit::Bstop,
        _ => return None,
    })
}

fn ordered(l: &Limits) -> bool {
    l.fstop < l.fcull
        && l.fcull < l.frun
        && l.frun < 100
        && l.bstop < l.bcull
        && l.bcull < l.brun
        && l.brun < 100
}

/// One write through the Rust parser, checked against the C model.
fn single_write(data: &[u8], ondemand: bool) {
    let got = rs::split(data, ondemand);
    let want = c::write(data, ondemand);
    let (verb, args) = match (got, &want) {
        (Err(Errno(e)), Err(w)) => {
            assert_eq!(e, *w, "split errno for {data:?}");
            return;
        }
        (Ok((verb, args)), Ok((name, cargs))) => {
            assert_eq!(verb_name(verb), *name, "verb of {data:?}");
            assert_eq!(args, &cargs[..], "args of {data:?}");
            (verb, args)
        }
        (got, want) => panic!("{data:?}: Rust {got:?}, C {want:?}"),
    };

    // Invariants of an accepted split.
    assert!(data.len() <= rs::MAX_COMMAND_LEN);
    assert!(!args.contains(&b'\n') && !args.contains(&0));
    assert!(args.first().is_none_or(|&b| !c::isspace(b)));
    let (lo, hi) = (data.as_ptr() as usize, data.as_ptr() as usize + data.len());
    let a = args.as_ptr() as usize;
    assert!(
        args.is_empty() || (a >= lo && a + args.len() <= hi),
        "args outside the write"
    );
    assert!(data.starts_with(verb_name(verb)));

    // The handlers' argument parsers.
    let pct = rs::parse_percent(args).map_err(|e| e.0);
    assert_eq!(pct, c::percent(args), "percent {args:?}");
    if let Ok(v) = pct {
        // Only digits then '%'; and a value below 100 prints back the same.
        let (digits, pc) = args.split_at(args.len() - 1);
        assert_eq!(pc, b"%");
        assert!(digits.iter().all(u8::is_ascii_digit));
        if v < 100 {
            assert_eq!(rs::parse_percent(format!("{v}%").as_bytes()), Ok(v));
        }
    }
    assert_eq!(
        rs::parse_debug_mask(args).map_err(|e| e.0),
        c::debug(args),
        "debug mask {args:?}"
    );
    let mut fresh = c::Cache::open();
    fresh.dir = true;
    let cbind = fresh.bind(args, ondemand).map(|_| ());
    let rbind = rs::parse_bind_mode(args, ondemand)
        .map(|_| ())
        .map_err(|e| e.0);
    assert_eq!(rbind, cbind, "bind args {args:?}");
    assert_eq!(
        rs::check_cull_name(args).is_err(),
        args.contains(&b'/'),
        "cull name {args:?}"
    );
}

/// Device state on the Rust side, as `cachefiles/daemon.rs` keeps it.
struct RsDevice {
    limits: Limits,
    dir: bool,
    tag: bool,
    bound: bool,
}

impl RsDevice {
    /// The Rust path for one write, composed from the pure checks in the
    /// order daemon.rs runs them; a bind that passes them is taken to
    /// succeed, as in the model.
    fn write(&mut self, data: &[u8], ondemand: bool) -> Result<Option<()>, c::Outcome> {
        use c::Outcome::{Errno as E, RangeError};
        let (verb, args) = rs::split(data, ondemand).map_err(|e| E(e.0))?;
        if let Some(which) = limit_of(verb) {
            let before = self.limits;
            let r = self.limits.set(which, args);
            if r.is_err() {
                assert_eq!(self.limits, before, "a refused limit changed the limits");
            }
            return match r {
                Ok(()) => Ok(Some(())),
                Err(LimitError::Range) => Err(RangeError),
                Err(LimitError::Syntax) => Err(E(Errno::from(LimitError::Syntax).0)),
            };
        }
        match verb {
            Verb::Dir | Verb::Tag => {
                if args.is_empty() {
                    return Err(E(EINVAL));
                }
                let set = if verb == Verb::Dir {
                    &mut self.dir
                } else {
                    &mut self.tag
                };
                if *set {
                    return Err(E(EEXIST));
                }
                *set = true;
            }
            Verb::Secctx => {
                return if args.is_empty() {
                    Err(E(EINVAL))
                } else {
                    Ok(None)
                };
            }
            Verb::Debug => {
                rs::parse_debug_mask(args).map_err(|e| E(e.0))?;
            }
            Verb::Bind => {
                self.limits.check_for_bind().map_err(|e| E(e.0))?;
                if !self.dir {
                    return Err(E(EINVAL));
                }
                if self.bound {
                    return Err(E(EBUSY));
                }
                rs::parse_bind_mode(args, ondemand).map_err(|e| E(e.0))?;
                self.tag = true;
                self.bound = true;
            }
            Verb::Cull | Verb::Inuse => {
                rs::check_cull_name(args).map_err(|e| E(e.0))?;
                if !self.bound {
                    return Err(E(EIO));
                }
                return Ok(None);
            }
            _ => return Ok(None),
        }
        Ok(Some(()))
    }
}

fn session(input: &[u8], ondemand: bool) {
    let mut model = c::Cache::open();
    let mut dev = RsDevice {
        limits: Limits::default(),
        dir: false,
        tag: false,
        bound: false,
    };
    for w in input.split(|&b| b == 0xff) {
        let want = model.write(w, ondemand);
        let got = dev.write(w, ondemand);
        assert_eq!(got, want, "write {w:?}");
        let l = &dev.limits;
        let cl = (
            model.frun,
            model.fcull,
            model.fstop,
            model.brun,
            model.bcull,
            model.bstop,
        );
        assert_eq!((l.frun, l.fcull, l.fstop, l.brun, l.bcull, l.bstop), cl);
        assert!(ordered(l), "limits disordered: {l:?}");
        assert_eq!(l.check_for_bind(), Ok(()));
        assert_eq!(
            (dev.dir, dev.tag, dev.bound),
            (model.dir, model.tag, model.ready)
        );
    }
}

/// `check_for_bind` on any limits, not just reachable ones, against C's
/// bind test.
fn any_limits(input: &[u8]) {
    if input.len() < 6 {
        return;
    }
    let v = |i: usize| u32::from(input[i]) % 128;
    let l = Limits {
        frun: v(0),
        fcull: v(1),
        fstop: v(2),
        brun: v(3),
        bcull: v(4),
        bstop: v(5),
    };
    let mut m = c::Cache::open();
    (m.frun, m.fcull, m.fstop, m.brun, m.bcull, m.bstop) =
        (l.frun, l.fcull, l.fstop, l.brun, l.bcull, l.bstop);
    m.dir = true;
    let want = match m.bind(b"", true) {
        Err(ERANGE) => Err(Errno(ERANGE)),
        _ => Ok(()),
    };
    assert_eq!(l.check_for_bind(), want, "{l:?}");
}

fuzz_target!(|data: &[u8]| {
    for ondemand in ONDEMAND_BUILDS {
        single_write(data, ondemand);
        session(data, ondemand);
    }
    any_limits(data);
});
