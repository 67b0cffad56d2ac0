// SPDX-License-Identifier: GPL-2.0
//! The `/dev/cachefiles` daemon interface: one open file is one cache,
//! configured by command writes, bound by `bind`, reporting its state by
//! read and poll, culled by `cull`, and withdrawn on the last close.

use crate::bind::{self, Exclusive, UnbindPin};
use crate::cache::{flag, Cache};
use crate::daemon_cmd::{self, BindMode, Limit, LimitError, Limits, Verb};
use crate::kext::error::code::*;
use crate::kext::miscdevice::MiscDevice;
use crate::kext::sync::poll::PollTable;
use crate::log::pr_err;
use crate::namei;
use crate::sys;
use crate::vfs;
use core::pin::Pin;
use kernel::{
    new_mutex,
    page::PAGE_SIZE,
    prelude::*,
    str::CString,
    sync::{Arc, Mutex},
    uaccess::{UserSliceReader, UserSliceWriter},
};

/// Whether this build has the on-demand commands (`copen`, `restore`).
const ONDEMAND: bool = cfg!(CONFIG_CACHEFILES_RS_ONDEMAND);

/// Configuration gathered from commands before `bind`.
struct Config {
    limits: Limits,
    /// Kept as C strings, byte for byte as the daemon wrote them.
    dir: Option<CString>,
    tag: Option<CString>,
    secid: Option<u32>,
}

/// One open of `/dev/cachefiles`.
#[pin_data(PinnedDrop)]
pub(crate) struct Daemon {
    /// Commands run one at a time, as under the C daemon_mutex.
    #[pin]
    config: Mutex<Config>,
    cache: Arc<Cache>,
    /// Dropped after PinnedDrop: unbinds unless an anonymous fd is open.
    pin: Arc<UnbindPin>,
}

#[pinned_drop]
impl PinnedDrop for Daemon {
    fn drop(self: Pin<&mut Self>) {
        // The daemon went away: the cache dies with it, and so do the
        // requests waiting for it.
        self.cache.set(flag::DEAD);
        if self.cache.test(flag::ONDEMAND) {
            crate::ondemand::flush_reqs(&self.cache);
        }
    }
}

fn to_error(e: daemon_cmd::Errno) -> Error {
    Error::from_errno(-e.0)
}

/// The tag a cache gets when `bind` runs without a `tag` command.
const DEFAULT_TAG: &[u8] = b"CacheFiles";

/// `bytes` as a C string, unchanged: a directory or tag is a path or a
/// name in whatever encoding the daemon uses, as in C. Command arguments
/// never hold a NUL ([`daemon_cmd::split`] refuses them).
fn c_string(bytes: &[u8]) -> Result<CString> {
    let mut v = KVec::with_capacity(bytes.len() + 1, GFP_KERNEL)?;
    v.extend_from_slice(bytes, GFP_KERNEL)?;
    v.push(0, GFP_KERNEL)?;
    let s = CStr::from_bytes_with_nul(&v).map_err(|_| EINVAL)?;
    Ok(CString::try_from(s)?)
}

impl Daemon {
    // Not inlined: tests/kunit/hold_probe.c holds tasks at it
    // (erofs_ondemand_races).
    #[inline(never)]
    fn run(&self, verb: Verb, args: &[u8]) -> Result {
        let mut cfg = self.config.lock();
        // Under the lock, as C checks under its daemon_mutex: a command
        // that waited for the lock while an I/O error killed the cache
        // does not run on the dead cache.
        if self.cache.test(flag::DEAD) {
            return Err(EIO);
        }
        let limit = |which| match which {
            Verb::Frun => Limit::Frun,
            Verb::Fcull => Limit::Fcull,
            Verb::Fstop => Limit::Fstop,
            Verb::Brun => Limit::Brun,
            Verb::Bcull => Limit::Bcull,
            _ => Limit::Bstop,
        };
        match verb {
            Verb::Frun | Verb::Fcull | Verb::Fstop | Verb::Brun | Verb::Bcull | Verb::Bstop => {
                cfg.limits.set(limit(verb), args).map_err(|e| {
                    if e == LimitError::Range {
                        pr_err!("{}\n", daemon_cmd::RANGE_ERROR_MSG);
                    }
                    to_error(e.into())
                })
            }
            Verb::Dir => {
                if args.is_empty() {
                    pr_err!("Empty directory specified\n");
                    return Err(EINVAL);
                }
                if cfg.dir.is_some() {
                    pr_err!("Second cache directory specified\n");
                    return Err(EEXIST);
                }
                cfg.dir = Some(c_string(args)?);
                Ok(())
            }
            Verb::Tag => {
                if args.is_empty() {
                    pr_err!("Empty tag specified\n");
                    return Err(EINVAL);
                }
                if cfg.tag.is_some() {
                    return Err(EEXIST);
                }
                cfg.tag = Some(c_string(args)?);
                Ok(())
            }
            Verb::Secctx => {
                if args.is_empty() {
                    pr_err!("Empty security context specified\n");
                    return Err(EINVAL);
                }
                if cfg.secid.is_some() {
                    pr_err!("Second security context specified\n");
                    return Err(EINVAL);
                }
                cfg.secid = Some(sys::secctx_to_secid(args)?);
                Ok(())
            }
            Verb::Debug => {
                let mask = daemon_cmd::parse_debug_mask(args).map_err(|e| {
                    pr_err!("debug command requires mask\n");
                    to_error(e)
                })?;
                // The C variable is an unsigned int: keep the low bits.
                sys::set_debug_mask(mask as u32);
                Ok(())
            }
            Verb::Bind => {
                // A plain borrow, so that dir and tag can be borrowed apart.
                let cfg = &mut *cfg;
                cfg.limits.check_for_bind().map_err(to_error)?;
                let Some(dir) = cfg.dir.as_ref() else {
                    pr_err!("No cache directory specified\n");
                    return Err(EINVAL);
                };
                if self.cache.test(flag::READY) {
                    pr_err!("Cache already bound\n");
                    return Err(EBUSY);
                }
                let mode = daemon_cmd::parse_bind_mode(args, ONDEMAND).map_err(|e| {
                    pr_err!("Invalid argument to the 'bind' command\n");
                    to_error(e)
                })?;
                if mode == BindMode::OnDemand {
                    self.cache.set(flag::ONDEMAND);
                }
                // As in C, the default tag is recorded here, whether or not
                // the bind then succeeds: a later `tag` gets EEXIST.
                let tag = match &mut cfg.tag {
                    Some(t) => t,
                    none => none.insert(c_string(DEFAULT_TAG)?),
                };
                bind::bind(&self.cache, dir, tag, cfg.secid, &cfg.limits)
            }
            Verb::Cull | Verb::Inuse => {
                let name = if verb == Verb::Cull { "cull" } else { "inuse" };
                daemon_cmd::check_cull_name(args).map_err(|e| {
                    pr_err!("{} command requires dirfd and filename\n", name);
                    to_error(e)
                })?;
                if !self.cache.test(flag::READY) {
                    pr_err!("{} applied to unready cache\n", name);
                    return Err(EIO);
                }
                if self.cache.test(flag::DEAD) {
                    pr_err!("{} applied to dead cache\n", name);
                    return Err(EIO);
                }
                let b = self.cache.bound().ok_or(EIO)?;
                let (_mnt, dir) = vfs::pwd();
                if !dir.can_lookup() {
                    pr_err!("{} command requires dirfd to be a directory\n", name);
                    return Err(ENOTDIR);
                }
                vfs::secure(&b.cred, || {
                    if verb == Verb::Cull {
                        namei::cull(&self.cache, &dir, args)
                    } else {
                        namei::check_in_use(&self.cache, &dir, args)
                    }
                })
            }
            // Only valid on a cache bound in on-demand mode.
            Verb::Copen => crate::ondemand::copen(&self.cache, args),
            Verb::Restore => crate::ondemand::restore(&self.cache),
        }
    }
}

#[vtable]
impl MiscDevice for Daemon {
    type Ptr = Pin<KBox<Self>>;

    fn open() -> Result<Pin<KBox<Self>>> {
        if !sys::capable_sys_admin() {
            return Err(EPERM);
        }
        let exclusive = Exclusive::take()?;
        let config = Config {
            limits: Limits::default(),
            dir: None,
            tag: None,
            secid: None,
        };
        let cache = Cache::new()?;
        let pin = UnbindPin::new(cache.clone(), exclusive)?;
        KBox::pin_init(
            pin_init!(Daemon {
                config <- new_mutex!(config, "cachefiles_daemon"),
                cache,
                pin,
            }),
            GFP_KERNEL,
        )
    }

    fn read(this: Pin<&Self>, out: &mut UserSliceWriter) -> Result<usize> {
        this.get_ref().read_status(out)
    }

    fn write(this: Pin<&Self>, input: UserSliceReader) -> Result<usize> {
        this.get_ref().write_command(input)
    }

    fn poll<'a>(this: Pin<&'a Self>, table: &PollTable<'a>) -> u32 {
        // The queue lives as long as the cache, which this file's object
        // holds until release.
        table.register_wait(this.get_ref().cache.pollwq());
        poll_mask(&this.cache)
    }
}

/// poll(2) bits (uapi/linux/eventpoll.h; bindgen skips the __poll_t casts).
const EPOLLIN: u32 = 0x001;
const EPOLLOUT: u32 = 0x004;

/// What the daemon's poll(2) sees: news to read (the state changed, or
/// on-demand requests are new), and a need to cull.
fn poll_mask(cache: &Cache) -> u32 {
    let mut mask = 0;
    let news = if cache.test(flag::ONDEMAND) {
        crate::ondemand::has_new(cache)
    } else {
        cache.test(flag::STATE_CHANGED)
    };
    if news {
        mask |= EPOLLIN;
    }
    if cache.test(flag::CULLING) {
        mask |= EPOLLOUT;
    }
    mask
}

impl Daemon {
    /// read(2): the status line.
    fn read_status(&self, out: &mut UserSliceWriter) -> Result<usize> {
        // An unbound cache has no status to report: end of file, as in C.
        if !self.cache.test(flag::READY) {
            return Ok(0);
        }
        if self.cache.test(flag::ONDEMAND) {
            return crate::ondemand::daemon_read(&self.cache, &self.pin, out);
        }
        let line = self.cache.status();
        let line = line.as_bytes();
        if line.len() > out.len() {
            return Err(EMSGSIZE());
        }
        out.write_slice(line)?;
        Ok(line.len())
    }

    /// write(2): one command.
    fn write_command(&self, input: UserSliceReader) -> Result<usize> {
        if self.cache.test(flag::DEAD) {
            return Err(EIO);
        }
        let len = input.len();
        // Refuse before copying anything, as C does.
        if len > daemon_cmd::max_command_len(PAGE_SIZE) {
            return Err(to_error(daemon_cmd::EOPNOTSUPP));
        }
        let mut data = KVec::with_capacity(len, GFP_KERNEL)?;
        input.read_all(&mut data, GFP_KERNEL)?;
        let (verb, args) =
            daemon_cmd::split_for_page(&data, ONDEMAND, PAGE_SIZE).map_err(to_error)?;
        self.run(verb, args)?;
        Ok(len)
    }
}
