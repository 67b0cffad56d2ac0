// SPDX-License-Identifier: GPL-2.0
//! `/proc/fs/fscache/`: the directory and the tables it shows.
//!
//! In 6.12 the real directory is `/proc/fs/netfs` and `/proc/fs/fscache`
//! links to it. With fscache split out of netfs, fscache loads first, so it
//! creates both; netfs adds `requests` and `stats` (whose fscache lines
//! come from `fscache_stats_show()`) when it loads.

pub(crate) mod entry;

use crate::seq_print;
use crate::{cache, cookie, volume};
use entry::{ProcEntry, SeqFile};
use kernel::{
    bindings, c_str,
    ffi::{c_int, c_void},
    prelude::*,
};

/// The entries, removed in reverse order of creation when dropped.
pub(crate) struct ProcFiles {
    // Field order is drop order: files, then the link, then the directory.
    _files: [ProcEntry; 3],
    _link: ProcEntry,
    _dir: ProcEntry,
}

// Column headers: the exact text the C module prints, which scripts parse.
const CACHES_HEADER: &str = "CACHE    REF   VOLS  OBJS  ACCES S NAME\n\
                             ======== ===== ===== ===== ===== = ===============\n";
const VOLUMES_HEADER: &str = "VOLUME   REF   nCOOK ACC FL CACHE           KEY\n\
                              ======== ===== ===== === == =============== ================\n";
const COOKIES_HEADER: &str = "COOKIE   VOLUME   REF ACT ACC S FL DEF             \n\
                              ======== ======== === === === = == ================\n";

/// A cache's name as the tables print it: `-` while nameless, as in C.
fn cache_name(c: &cache::Cache) -> &[u8] {
    c.name().map_or(b"-", |n| n.as_bytes())
}

/// One row of the caches table, or (`None`) its header.
fn show_cache(m: &SeqFile, cache: Option<&cache::Cache>) {
    let Some(c) = cache else {
        m.puts(CACHES_HEADER);
        return;
    };
    let (refs, vols, objs, acc) = c.counts();
    // seq_file output cannot fail short of a retry with more room.
    seq_print!(
        m,
        "{:08x} {:5} {:5} {:5} {:5} {} ",
        c.debug_id(),
        refs,
        vols,
        objs,
        acc,
        c.state().letter(),
    );
    m.put_bytes(cache_name(c));
    m.puts("\n");
}

/// One row of the volumes table, or (`None`) its header.
fn show_volume(m: &SeqFile, volume: Option<&volume::Volume>) {
    let Some(v) = volume else {
        m.puts(VOLUMES_HEADER);
        return;
    };
    let (refs, cookies, acc, flags) = v.counts();
    let cache = cache_name(v.cache());
    seq_print!(
        m,
        "{:08x} {:5} {:5} {:3} {:02x} ",
        v.debug_id(),
        refs,
        cookies,
        acc,
        flags,
    );
    // C prints the cache name with %-15.15s: cut to 15 bytes, then padded
    // with spaces to 15.
    let cut = &cache[..cache.len().min(15)];
    m.put_bytes(cut);
    m.puts(&"               "[cut.len()..]);
    m.puts(" ");
    m.put_bytes(v.key_str());
    m.puts("\n");
}

// The caches and volumes seq_file iterators (proc/proc.c) call these between
// their start() and stop(), which hold fscache_addremove_sem shared.

/// # Safety
///
/// Called by the caches iterator with fscache_addremove_sem held.
#[no_mangle]
unsafe extern "C" fn fsrs_proc_cache_at(n: i64) -> *mut c_void {
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    // SAFETY: the iterator holds the semaphore until its stop(), and the
    // pointer is used only by its show() before that.
    unsafe { cache::nth_held(n) }.map_or(core::ptr::null_mut(), |c| c.raw().cast())
}

/// # Safety
///
/// Called by the caches iterator's show() with its `m` and a cache that
/// fsrs_proc_cache_at() returned under the semaphore it still holds (or
/// null for the header).
#[no_mangle]
unsafe extern "C" fn fsrs_proc_cache_show(m: *mut bindings::seq_file, c: *mut c_void) -> c_int {
    // SAFETY: `m` is the seq_file of this show() call, used only during it.
    let file = unsafe { SeqFile::from_raw(m) };
    // SAFETY: a registered cache, alive while the semaphore is held.
    let cache = (!c.is_null()).then(|| unsafe { cache::Cache::from_raw(c.cast()) });
    show_cache(file, cache);
    0
}

/// # Safety
///
/// Called by the volumes iterator with fscache_addremove_sem held.
#[no_mangle]
unsafe extern "C" fn fsrs_proc_volume_at(n: i64) -> *mut c_void {
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    // SAFETY: the iterator holds the semaphore until its stop(), and the
    // pointer is used only by its show() before that.
    unsafe { volume::nth_held(n) }.map_or(core::ptr::null_mut(), |v| v.raw().cast())
}

/// # Safety
///
/// As fsrs_proc_cache_show(), for a volume from fsrs_proc_volume_at().
#[no_mangle]
unsafe extern "C" fn fsrs_proc_volume_show(m: *mut bindings::seq_file, v: *mut c_void) -> c_int {
    // SAFETY: `m` is the seq_file of this show() call, used only during it.
    let file = unsafe { SeqFile::from_raw(m) };
    // SAFETY: a registered volume, alive while the semaphore is held.
    let volume = (!v.is_null()).then(|| unsafe { volume::Volume::from_raw(v.cast()) });
    show_volume(file, volume);
    0
}

fn hex(m: &SeqFile, bytes: &[u8]) {
    for b in bytes {
        seq_print!(m, "{:02x}", b);
    }
}

/// One row of the cookies table (or, for `None`, its header): the show()
/// of its seq_file iterator (cookie/cookie.c), which holds the cookie list's
/// read lock from start to stop, so `cookie` stays listed and alive.
fn show_cookie(m: &SeqFile, cookie: Option<&cookie::Cookie>) {
    let Some(c) = cookie else {
        m.puts(COOKIES_HEADER);
        return;
    };
    let (refs, active, acc, letter, flags) = c.counts();
    seq_print!(
        m,
        "{:08x} {:08x} {:3} {:3} {:3} {} {:02x}",
        c.debug_id(),
        c.volume().debug_id(),
        refs,
        active,
        acc,
        letter,
        flags
    );
    c.with_key_aux(|key, aux| {
        if !key.is_empty() || !aux.is_empty() {
            m.puts(" ");
            hex(m, key);
            if !aux.is_empty() {
                m.puts(", ");
                hex(m, aux);
            }
        }
    });
    m.puts("\n");
}

/// # Safety
///
/// Called by the cookies seq_file's show() (cookie/cookie.c) with its `m`, and
/// a cookie on the list it holds read-locked (or null with `header`).
#[no_mangle]
unsafe extern "C" fn fsrs_cookie_seq_show(
    m: *mut kernel::bindings::seq_file,
    cookie: *mut kernel::bindings::fscache_cookie,
    header: bool,
) -> kernel::ffi::c_int {
    // SAFETY: `m` is the seq_file of this show() call, used only during it.
    let file = unsafe { SeqFile::from_raw(m) };
    if header || cookie.is_null() {
        show_cookie(file, None);
    } else {
        // SAFETY: a listed cookie, alive while the list is read-locked
        // (this function's contract).
        show_cookie(file, Some(unsafe { cookie::Cookie::from_raw(cookie) }));
    }
    0
}

/// Creates `/proc/fs/netfs/{caches,volumes,cookies}` and the
/// `/proc/fs/fscache` link.
pub(crate) fn register() -> Result<ProcFiles> {
    let dir = ProcEntry::mkdir(c_str!("fs/netfs"))?;
    let link = ProcEntry::symlink(c_str!("fs/fscache"), c_str!("netfs"))?;
    let files = [
        ProcEntry::caches(c_str!("fs/netfs/caches"))?,
        ProcEntry::volumes(c_str!("fs/netfs/volumes"))?,
        ProcEntry::cookies(c_str!("fs/netfs/cookies"))?,
    ];
    Ok(ProcFiles {
        _files: files,
        _link: link,
        _dir: dir,
    })
}
