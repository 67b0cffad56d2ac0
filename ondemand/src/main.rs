// SPDX-License-Identifier: GPL-2.0
//! fsrs-ondemandd: an on-demand cachefiles daemon.
//!
//! erofs over fscache (`mount -t erofs -o fsid=NAME none DIR`) asks the
//! cache for its image; in on-demand mode the cache asks this daemon,
//! which serves each blob from a file in a directory. See `--help`.

mod proto;
mod server;
mod sys;

use server::Server;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const HELP: &str = "\
fsrs-ondemandd: serve erofs images to the kernel's cache on demand.

usage: fsrs-ondemandd [OPTIONS] CACHE_DIR BLOB_DIR

Binds /dev/cachefiles in on-demand mode (`bind ondemand`) on CACHE_DIR
(a directory on a local filesystem with xattrs, e.g. ext4) and serves
the kernel's requests from BLOB_DIR: an object whose cookie key is NAME
is the file BLOB_DIR/NAME. For erofs, NAME is the mount's fsid for the
image (the bootstrap), and each extra device's tag for its data blob.

  1. modprobe cachefiles erofs      (CONFIG_CACHEFILES_ONDEMAND,
                                     CONFIG_EROFS_FS_ONDEMAND)
  2. mkfs.erofs BLOB_DIR/myimage SRC_DIR
  3. fsrs-ondemandd /var/cache/fscache BLOB_DIR &
  4. mount -t erofs -o fsid=myimage none /mnt

The first read of each block asks the daemon (OPEN once per blob, then
READ per range); later reads, and later mounts, are served from the
cache without it. A blob not in BLOB_DIR gets copen -ENOENT, and the
mount or read fails with an error.

Options:
  --tag TAG       the cache's tag in /proc/fs/fscache/caches
                  (default: fsrs-ondemandd)
  --supervise     keep the device open in a supervisor process and run
                  the daemon as its child; if the child dies it is
                  restarted on the same device and sends `restore`, so
                  reads in flight complete instead of failing
  --stats SECS    print the counters every SECS seconds
  -v              log each request (OPEN, READ, CLOSE); -vv also dumps
                  each message in hex
  --device-fd N   serve the already bound device on fd N (sending
                  `restore` first): how the daemon hands over to a new
                  instance of itself
  -h, --help      this text

Testing:
  --stall-after-reads N   after serving N READs, stop answering (until
                          killed), as a hung daemon would; a restarted
                          instance does not stall

Signals: SIGTERM or SIGINT stop the daemon (the cache is withdrawn once
the device and every anonymous fd are closed); SIGUSR1 prints the
counters; SIGHUP re-executes the daemon in place, keeping the device.
Runs in the foreground and logs to stdout.
";

#[derive(Debug, Clone, Default)]
struct Config {
    cache_dir: PathBuf,
    blob_dir: PathBuf,
    tag: String,
    supervise: bool,
    stats: Option<u64>,
    verbose: u8,
    device_fd: Option<RawFd>,
    stall_after: Option<u64>,
}

fn parse_args(args: &[String]) -> Result<Config, String> {
    let mut c = Config {
        tag: "fsrs-ondemandd".into(),
        ..Default::default()
    };
    let mut pos = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--tag" => c.tag = value("--tag")?,
            "--supervise" => c.supervise = true,
            "--stats" => {
                let v = value("--stats")?;
                c.stats = Some(v.parse().map_err(|_| format!("--stats: bad number {v}"))?);
            }
            "--device-fd" => {
                let v = value("--device-fd")?;
                c.device_fd = Some(v.parse().map_err(|_| format!("--device-fd: bad fd {v}"))?);
            }
            "--stall-after-reads" => {
                let v = value("--stall-after-reads")?;
                c.stall_after = Some(v.parse().map_err(|_| format!("bad number {v}"))?);
            }
            "-v" => c.verbose += 1,
            "-vv" => c.verbose += 2,
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            _ => pos.push(a.clone()),
        }
    }
    if pos.len() != 2 {
        return Err("expected CACHE_DIR and BLOB_DIR".into());
    }
    c.cache_dir = pos[0].clone().into();
    c.blob_dir = pos[1].clone().into();
    if c.tag.is_empty() || c.tag.contains(char::is_whitespace) {
        return Err("--tag: one word, please".into());
    }
    Ok(c)
}

fn log(msg: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stdout(), "fsrs-ondemandd[{}]: {}", sys::pid(), msg);
}

/// One command, in one write, as the device requires.
fn command(dev: &mut File, cmd: &str) -> io::Result<()> {
    let n = dev.write(cmd.as_bytes())?;
    if n != cmd.len() {
        return Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "short command write",
        ));
    }
    Ok(())
}

/// Opens /dev/cachefiles and binds an on-demand cache.
fn bind(c: &Config) -> io::Result<File> {
    let mut dev = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/cachefiles")?;
    let dir = c.cache_dir.to_str().ok_or(io::ErrorKind::InvalidInput)?;
    for cmd in [
        format!("dir {dir}"),
        format!("tag {}", c.tag),
        "bind ondemand".into(),
    ] {
        command(&mut dev, &cmd).map_err(|e| io::Error::new(e.kind(), format!("'{cmd}': {e}")))?;
    }
    log(format_args!(
        "bound on-demand cache '{}' on {}, blobs from {}",
        c.tag,
        c.cache_dir.display(),
        c.blob_dir.display()
    ));
    Ok(dev)
}

/// Serves the device until a stop signal; the exit status.
fn serve(c: &Config, mut dev: File, restore: bool) -> ExitCode {
    let mut server = Server::new(&c.blob_dir, c.verbose);
    if !restore {
        server.stall_after = c.stall_after;
    }
    if restore {
        // Requests a previous instance read but did not answer come again.
        match command(&mut dev, "restore") {
            Ok(()) => log(format_args!("restore sent: requests in flight come again")),
            Err(e) => log(format_args!("restore: {e}")),
        }
    }
    let mut buf = vec![0u8; proto::MSG_MAX_SIZE];
    let mut last_stats = Instant::now();
    loop {
        if sys::STOP.load(Ordering::Relaxed) != 0 {
            break;
        }
        if sys::REPORT.swap(false, Ordering::Relaxed)
            || c.stats
                .is_some_and(|s| last_stats.elapsed() >= Duration::from_secs(s))
        {
            log(format_args!("{}", server.counters.line()));
            last_stats = Instant::now();
        }
        if sys::UPGRADE.swap(false, Ordering::Relaxed) {
            log(format_args!("SIGHUP: handing the device to a new instance"));
            let e = reexec(c, &dev);
            log(format_args!("re-exec failed: {e}"));
        }
        match sys::readable(dev.as_raw_fd(), 500) {
            Ok(true) => (),
            Ok(false) => continue,
            Err(e) => {
                log(format_args!("poll: {e}"));
                return ExitCode::FAILURE;
            }
        }
        let n = match dev.read(&mut buf) {
            Ok(0) => continue,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock
                ) =>
            {
                continue
            }
            Err(e) => {
                log(format_args!("read: {e}"));
                if e.raw_os_error() == Some(17) {
                    // EEXIST: an OPEN for an object already open (after a
                    // restore); the kernel failed that request.
                    continue;
                }
                return ExitCode::FAILURE;
            }
        };
        if let Some(reply) = server.handle(&buf[..n]) {
            if let Err(e) = command(&mut dev, &reply) {
                log(format_args!("'{reply}': {e}"));
            }
        }
    }
    log(format_args!("stopping: {}", server.counters.line()));
    ExitCode::SUCCESS
}

/// Re-executes this program on the same device (it survives exec); the
/// anonymous fds are closed on exec, so the kernel re-opens objects as
/// their READs come. Returns only on failure.
fn reexec(c: &Config, dev: &File) -> io::Error {
    let fd = dev.as_raw_fd();
    if let Err(e) = sys::set_cloexec(fd, false) {
        return e;
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return e,
    };
    let mut cmd = Command::new(exe);
    cmd.arg("--device-fd")
        .arg(fd.to_string())
        .arg("--tag")
        .arg(&c.tag);
    if let Some(s) = c.stats {
        cmd.arg("--stats").arg(s.to_string());
    }
    for _ in 0..c.verbose {
        cmd.arg("-v");
    }
    cmd.arg(&c.cache_dir).arg(&c.blob_dir);
    cmd.exec()
}

/// Keeps the device and runs the daemon as a child, restarting it (with
/// `restore`) when it dies.
fn supervise(c: &Config, dev: File) -> ExitCode {
    let mut restarts = 0u32;
    loop {
        let pid = match sys::fork_process() {
            Ok(0) => {
                let dup = dev.try_clone().expect("dup of the device fd");
                std::process::exit(match serve(c, dup, restarts > 0) {
                    code if code == ExitCode::SUCCESS => 0,
                    _ => 1,
                });
            }
            Ok(pid) => pid,
            Err(e) => {
                log(format_args!("fork: {e}"));
                return ExitCode::FAILURE;
            }
        };
        log(format_args!("supervising daemon {pid}"));
        let exit = loop {
            if sys::STOP.load(Ordering::Relaxed) != 0 {
                sys::send_signal(pid, sys::SIGTERM);
                let _ = sys::wait_child(pid, false);
                log(format_args!("stopped"));
                return ExitCode::SUCCESS;
            }
            match sys::wait_child(pid, true) {
                Ok(Some(exit)) => break exit,
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => {
                    log(format_args!("wait: {e}"));
                    return ExitCode::FAILURE;
                }
            }
        };
        if exit == sys::Exit::Code(0) {
            return ExitCode::SUCCESS;
        }
        restarts += 1;
        log(format_args!(
            "daemon {pid} ended ({exit:?}); restart {restarts}"
        ));
        std::thread::sleep(Duration::from_millis(100 * u64::from(restarts.min(10))));
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let c = match parse_args(&args) {
        Ok(c) => c,
        Err(e) if e.is_empty() => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("fsrs-ondemandd: {e} (see --help)");
            return ExitCode::from(2);
        }
    };
    sys::install_handlers();
    if let Some(fd) = c.device_fd {
        // SAFETY: the fd was handed to us by the instance that exec'ed us
        // (or by the caller), open on /dev/cachefiles; we own it now.
        let dev = unsafe { File::from_raw_fd(fd) };
        let _ = sys::set_cloexec(dev.as_raw_fd(), true);
        log(format_args!("serving the device handed over on fd {fd}"));
        return serve(&c, dev, true);
    }
    let dev = match bind(&c) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("fsrs-ondemandd: bind failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    if c.supervise {
        return supervise(&c, dev);
    }
    serve(&c, dev, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_options() {
        let c = parse_args(&args("--tag t -v --supervise --stats 5 /c /b")).unwrap();
        assert_eq!(c.tag, "t");
        assert_eq!(c.verbose, 1);
        assert!(c.supervise);
        assert_eq!(c.stats, Some(5));
        assert_eq!(c.cache_dir, PathBuf::from("/c"));
        assert!(parse_args(&args("/c")).is_err());
        assert!(parse_args(&args("--bogus /c /b")).is_err());
        assert_eq!(parse_args(&args("--help")).unwrap_err(), "");
        assert!(parse_args(&args("--tag /c /b")).is_err());
    }

    #[test]
    fn help_explains_the_setup() {
        for needle in [
            "bind",
            "mount -t erofs",
            "fsid",
            "--supervise",
            "restore",
            "SIGTERM",
        ] {
            assert!(HELP.contains(needle), "{needle}");
        }
    }
}
