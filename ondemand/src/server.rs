// SPDX-License-Identifier: GPL-2.0
//! Serving the kernel's requests from blob files: the object table, the
//! blob lookup, and one handler per request type.

use crate::proto::{self, Request, IOC_READ_COMPLETE};
use crate::sys;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const ENOENT: i64 = 2;

/// Writes go through the kernel's direct I/O to the cache file: whole,
/// page-aligned buffers of this size at most.
const CHUNK: usize = 1 << 20;

/// What has been served, for the log and `SIGUSR1`.
#[derive(Default, Debug, Clone)]
pub struct Counters {
    pub opens: u64,
    pub opens_refused: u64,
    pub reads: u64,
    pub read_bytes: u64,
    pub read_errors: u64,
    pub closes: u64,
    pub malformed: u64,
    /// The longest time from reading a READ to completing it.
    pub slowest_read: Duration,
}

impl Counters {
    pub fn line(&self) -> String {
        format!(
            "opens={} refused={} reads={} bytes={} read_errors={} closes={} malformed={} slowest_read={:.1}ms",
            self.opens,
            self.opens_refused,
            self.reads,
            self.read_bytes,
            self.read_errors,
            self.closes,
            self.malformed,
            self.slowest_read.as_secs_f64() * 1000.0
        )
    }
}

/// An object the kernel opened: its anonymous fd and its blob.
struct Object {
    anon: File,
    blob: File,
    name: String,
}

/// A buffer aligned for direct I/O.
#[repr(C, align(4096))]
struct Aligned([u8; CHUNK]);

pub struct Server {
    blob_dir: PathBuf,
    objects: HashMap<u32, Object>,
    pub counters: Counters,
    pub verbose: u8,
    /// Testing: stop answering after this many READs.
    pub stall_after: Option<u64>,
    buf: Box<Aligned>,
}

/// Whether `key` names a file directly in the blob directory (no path
/// separators, not `.` or `..`, no NUL, valid UTF-8 for the log).
fn blob_name(key: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(key).ok()?;
    if s.is_empty() || s == "." || s == ".." || s.contains('/') || s.contains('\0') {
        return None;
    }
    Some(s)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Server {
    pub fn new(blob_dir: &Path, verbose: u8) -> Server {
        Server {
            blob_dir: blob_dir.to_path_buf(),
            objects: HashMap::new(),
            counters: Counters::default(),
            verbose,
            stall_after: None,
            buf: Box::new(Aligned([0; CHUNK])),
        }
    }

    pub fn log(&self, level: u8, msg: std::fmt::Arguments<'_>) {
        if self.verbose >= level {
            let _ = writeln!(io::stdout(), "fsrs-ondemandd[{}]: {}", sys::pid(), msg);
        }
    }

    /// Handles one message as read from the device; the reply (a `copen`
    /// command) if there is one.
    pub fn handle(&mut self, raw: &[u8]) -> Option<String> {
        self.log(2, format_args!("message {}", hex(raw)));
        let req = match proto::decode(raw) {
            Ok(r) => r,
            Err(e) => {
                self.counters.malformed += 1;
                self.log(0, format_args!("malformed message ({e:?}): {}", hex(raw)));
                return None;
            }
        };
        match req {
            Request::Open {
                msg_id,
                object_id,
                cookie_key,
                volume_key,
                fd,
            } => Some(self.open(msg_id, object_id, &volume_key, &cookie_key, fd)),
            Request::Read {
                msg_id,
                object_id,
                off,
                len,
            } => {
                self.read(msg_id, object_id, off, len);
                None
            }
            Request::Close { object_id, .. } => {
                self.counters.closes += 1;
                if let Some(o) = self.objects.remove(&object_id) {
                    self.log(1, format_args!("CLOSE object {object_id} ({})", o.name));
                }
                None
            }
        }
    }

    fn open(&mut self, msg_id: u32, object_id: u32, volume: &[u8], key: &[u8], fd: u32) -> String {
        // SAFETY: the kernel installed `fd` in our table for this OPEN;
        // from here the File owns it (closed on refusal or CLOSE).
        let anon = unsafe { File::from_raw_fd(fd as RawFd) };
        // A new instance of the daemon (re-exec) does not know it: closed
        // on exec, the kernel re-opens the object when it next needs it.
        let _ = sys::set_cloexec(anon.as_raw_fd(), true);
        let volume = String::from_utf8_lossy(volume).into_owned();
        let Some(name) = blob_name(key) else {
            self.counters.opens_refused += 1;
            self.log(
                0,
                format_args!("OPEN {msg_id}: refused key {} (volume {volume})", hex(key)),
            );
            return proto::copen(msg_id, -ENOENT);
        };
        let path = self.blob_dir.join(name);
        let blob = match File::open(&path).and_then(|f| f.metadata().map(|m| (f, m.len()))) {
            Ok(b) => b,
            Err(e) => {
                self.counters.opens_refused += 1;
                self.log(0, format_args!("OPEN {msg_id}: {}: {e}", path.display()));
                return proto::copen(msg_id, -ENOENT);
            }
        };
        self.counters.opens += 1;
        self.log(
            1,
            format_args!(
                "OPEN {msg_id}: object {object_id} = {name} ({} bytes, volume {volume})",
                blob.1
            ),
        );
        // A second OPEN of an id the kernel reused replaces the first.
        self.objects.insert(
            object_id,
            Object {
                anon,
                blob: blob.0,
                name: name.to_string(),
            },
        );
        proto::copen(msg_id, blob.1 as i64)
    }

    fn read(&mut self, msg_id: u32, object_id: u32, off: u64, len: u64) {
        let start = Instant::now();
        if self.stall_after.is_some_and(|n| self.counters.reads >= n) {
            self.log(
                0,
                format_args!("READ {msg_id}: stalling (--stall-after-reads)"),
            );
            loop {
                std::thread::sleep(Duration::from_millis(200));
                if sys::STOP.load(std::sync::atomic::Ordering::Relaxed) != 0 {
                    std::process::exit(1);
                }
            }
        }
        self.counters.reads += 1;
        let Some(o) = self.objects.get(&object_id) else {
            // Not ours (a request for an object a previous instance had
            // open): the kernel re-opens it first, so this is unexpected.
            self.counters.read_errors += 1;
            self.log(0, format_args!("READ {msg_id}: unknown object {object_id}"));
            return;
        };
        let r = fill(&o.blob, &o.anon, &mut self.buf.0, off, len);
        let done = r.and_then(|n| {
            sys::ioctl_arg(o.anon.as_raw_fd(), IOC_READ_COMPLETE, u64::from(msg_id)).map(|()| n)
        });
        match done {
            Ok(n) => {
                self.counters.read_bytes += n;
                self.log(
                    1,
                    format_args!("READ {msg_id}: {} {off}+{len}: {n} bytes", o.name),
                );
            }
            Err(e) => {
                self.counters.read_errors += 1;
                self.log(
                    0,
                    format_args!("READ {msg_id}: {} {off}+{len}: {e}", o.name),
                );
            }
        }
        let took = start.elapsed();
        if took > self.counters.slowest_read {
            self.counters.slowest_read = took;
        }
    }
}

/// The kernel writes the anonymous fd's data to the cache file by direct
/// I/O: offsets and lengths in whole pages.
const PAGE: usize = 4096;

/// Copies `len` bytes at `off` from `blob` into `anon`, in aligned chunks;
/// where the blob ends inside a page, the page is padded with zeros (a
/// direct write of a partial page fails). The blob bytes written.
fn fill(blob: &File, anon: &File, buf: &mut [u8], off: u64, len: u64) -> io::Result<u64> {
    let mut done = 0u64;
    while done < len {
        let want = ((len - done) as usize).min(buf.len());
        let n = blob.read_at(&mut buf[..want], off + done)?;
        if n == 0 {
            break;
        }
        let padded = if n % PAGE != 0 && n < want {
            // The blob's end: a partial last page.
            let p = n.div_ceil(PAGE) * PAGE;
            buf[n..p].fill(0);
            p
        } else {
            n
        };
        anon.write_all_at(&buf[..padded], off + done)?;
        done += n as u64;
        if padded != n {
            break;
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_names_stay_in_the_directory() {
        assert_eq!(blob_name(b"fsrsblob"), Some("fsrsblob"));
        assert_eq!(blob_name(b"sha256-abc"), Some("sha256-abc"));
        assert_eq!(blob_name(b"../etc/passwd"), None);
        assert_eq!(blob_name(b".."), None);
        assert_eq!(blob_name(b""), None);
        assert_eq!(blob_name(b"a\0b"), None);
        assert_eq!(blob_name(&[0xff]), None);
    }

    #[test]
    fn fill_copies_ranges() {
        let dir = std::env::temp_dir().join(format!("fsrs-od-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (bp, ap) = (dir.join("blob"), dir.join("anon"));
        let data: Vec<u8> = (0..10000u32).map(|i| i as u8).collect();
        std::fs::write(&bp, &data).unwrap();
        let blob = File::open(&bp).unwrap();
        let anon = File::create(&ap).unwrap();
        let mut buf = vec![0u8; 4096];
        assert_eq!(
            fill(&blob, &anon, &mut buf, 4096, 8192).unwrap(),
            10000 - 4096
        );
        let got = std::fs::read(&ap).unwrap();
        // The blob's partial last page is written whole, zero-padded.
        assert_eq!(got.len(), 12288);
        assert!(got[4096..10000] == data[4096..]);
        assert!(got[10000..].iter().all(|&b| b == 0));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
