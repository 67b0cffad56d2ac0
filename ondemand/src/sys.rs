// SPDX-License-Identifier: GPL-2.0
//! The few system calls std does not wrap: poll, ioctl, signals, fork and
//! exec. std links libc, so these are declared here rather than pulled in
//! from a crate (the daemon has no dependencies).

use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

#[repr(C)]
struct PollFd {
    fd: i32,
    events: i16,
    revents: i16,
}

const POLLIN: i16 = 0x1;
pub const SIGHUP: i32 = 1;
pub const SIGINT: i32 = 2;
pub const SIGUSR1: i32 = 10;
pub const SIGTERM: i32 = 15;
const F_GETFD: i32 = 1;
const F_SETFD: i32 = 2;
const FD_CLOEXEC: i32 = 1;
const WNOHANG: i32 = 1;

extern "C" {
    fn poll(fds: *mut PollFd, n: u64, timeout: i32) -> i32;
    fn ioctl(fd: i32, req: u64, ...) -> i32;
    fn signal(sig: i32, handler: extern "C" fn(i32)) -> usize;
    fn fcntl(fd: i32, cmd: i32, ...) -> i32;
    fn fork() -> i32;
    fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
    fn kill(pid: i32, sig: i32) -> i32;
    fn getpid() -> i32;
}

/// Whether `fd` is readable within `ms` milliseconds (EINTR counts as no).
pub fn readable(fd: RawFd, ms: i32) -> io::Result<bool> {
    let mut p = PollFd {
        fd,
        events: POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd for the call.
    let r = unsafe { poll(&mut p, 1, ms) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(false);
        }
        return Err(e);
    }
    Ok(r > 0 && p.revents & POLLIN != 0)
}

/// ioctl(fd, req, arg) with an integer argument.
pub fn ioctl_arg(fd: RawFd, req: u32, arg: u64) -> io::Result<()> {
    // SAFETY: the request takes an integer argument, passed by value.
    let r = unsafe { ioctl(fd, u64::from(req), arg) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The signal that asked us to stop (0 for none yet).
pub static STOP: AtomicI32 = AtomicI32::new(0);
/// Set by SIGUSR1: print the counters.
pub static REPORT: AtomicBool = AtomicBool::new(false);
/// Set by SIGHUP: hand the device over to a fresh instance.
pub static UPGRADE: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(sig: i32) {
    match sig {
        SIGUSR1 => REPORT.store(true, Ordering::Relaxed),
        SIGHUP => UPGRADE.store(true, Ordering::Relaxed),
        _ => STOP.store(sig, Ordering::Relaxed),
    }
}

/// Routes SIGTERM, SIGINT, SIGUSR1 and SIGHUP to the flags above.
pub fn install_handlers() {
    for sig in [SIGTERM, SIGINT, SIGUSR1, SIGHUP] {
        // SAFETY: the handler only stores to atomics (async-signal-safe).
        unsafe { signal(sig, on_signal) };
    }
}

/// Whether `fd` is closed on exec.
pub fn set_cloexec(fd: RawFd, on: bool) -> io::Result<()> {
    // SAFETY: fcntl on an fd we own; F_GETFD/F_SETFD take an int.
    let flags = unsafe { fcntl(fd, F_GETFD) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    let flags = if on {
        flags | FD_CLOEXEC
    } else {
        flags & !FD_CLOEXEC
    };
    // SAFETY: as above.
    if unsafe { fcntl(fd, F_SETFD, flags) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// fork(2): `Ok(0)` in the child, the child's pid in the parent.
pub fn fork_process() -> io::Result<i32> {
    // SAFETY: the daemon is single-threaded when it forks.
    let pid = unsafe { fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(pid)
}

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

/// Waits for `pid` (blocking unless `nohang`); `None` if still running.
pub fn wait_child(pid: i32, nohang: bool) -> io::Result<Option<Exit>> {
    let mut status = 0i32;
    // SAFETY: a valid out-pointer.
    let r = unsafe { waitpid(pid, &mut status, if nohang { WNOHANG } else { 0 }) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(None);
        }
        return Err(e);
    }
    if r == 0 {
        return Ok(None);
    }
    if status & 0x7f == 0 {
        Ok(Some(Exit::Code((status >> 8) & 0xff)))
    } else {
        Ok(Some(Exit::Signal(status & 0x7f)))
    }
}

pub fn send_signal(pid: i32, sig: i32) {
    // SAFETY: plain values.
    unsafe { kill(pid, sig) };
}

pub fn pid() -> i32 {
    // SAFETY: no precondition.
    unsafe { getpid() }
}
