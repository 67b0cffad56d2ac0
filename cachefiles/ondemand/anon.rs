// SPDX-License-Identifier: GPL-2.0
//! The anonymous fd an OPEN gives the daemon (`[cachefiles]`): how it is
//! made for a request, and what it does: writes into the object's backing
//! file, seeks in it, completes READs (the read-complete ioctl), and on
//! its last close marks the object closed.

use super::{msg, ondemand_mode, with_reqs, Opcode, Request, State, ID_CLOSED, REQ_NEW};
use crate::backend::ObjectArc;
use crate::bind::UnbindPin;
use crate::cache::Cache;
use crate::io;
use crate::kext::error::code::*;
use crate::kext::fs::anon::{self, AnonFile, Kiocb};
use crate::kext::fs::file::FileDescriptorReservation;
use crate::kext::netfs::IovIter;
use crate::object::Object;
use crate::trace::{self, ObjRef};
use crate::vfs::{self, File};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{
    bindings, c_str,
    prelude::*,
    sync::{Arc, ArcBorrow},
    types::ARef,
};

crate::anon_fops!(static ANON_FOPS: AnonFd);

/// Makes the anonymous fd of an OPEN: an object id, a reserved fd and
/// the file, which holds the object and the cache's binding.
pub(super) fn get_fd(
    cache: &Cache,
    pin: &Arc<UnbindPin>,
    req: &Request,
) -> Result<(FileDescriptorReservation, ARef<File>)> {
    let object = req.object();
    object.trace_get(ObjRef::GetOndemandFd);
    let r = make_fd(cache, pin, object);
    if r.is_err() {
        // Unless it is open already (a second OPEN's fd lost the race).
        let mut st = object.od_state().lock();
        if st.id <= 0 {
            st.state = State::Close;
        }
        drop(st);
        object.trace_put(ObjRef::PutOndemandFd);
    }
    let (fd, file) = r?;
    trace::od_open(
        object.debug_id(),
        req.msg_id.load(Ordering::Relaxed),
        req.object_id.load(Ordering::Relaxed),
        fd.reserved_fd(),
        0,
    );
    Ok((fd, file))
}

fn make_fd(
    cache: &Cache,
    pin: &Arc<UnbindPin>,
    object: &Object,
) -> Result<(FileDescriptorReservation, ARef<File>)> {
    let id = cache.ondemand.ids.alloc(i32::MAX as u32)?;
    let made = (|| {
        let fd = FileDescriptorReservation::get_unused_fd_flags(bindings::O_WRONLY)?;
        let anon = Arc::new(
            AnonFd {
                object: object.arc(),
                _pin: pin.clone(),
                live: AtomicBool::new(true),
            },
            GFP_KERNEL,
        )?;
        let file = anon::new_file(
            c_str!("[cachefiles]"),
            &ANON_FOPS,
            anon.clone(),
            bindings::O_WRONLY,
        )?;
        let mut st = object.od_state().lock();
        if st.id > 0 {
            drop(st);
            // Its release must not close the object that is open.
            anon.live.store(false, Ordering::Relaxed);
            drop(file);
            return Err(EEXIST);
        }
        st.id = id as i32;
        Ok((fd, file))
    })();
    match made {
        Ok(made) => Ok(made),
        Err(e) => {
            cache.ondemand.ids.free(id);
            Err(e)
        }
    }
}

/// What an anonymous fd holds: its object, and the cache's binding (the
/// cache stays bound until the last such fd is closed).
pub(crate) struct AnonFd {
    object: ObjectArc,
    _pin: Arc<UnbindPin>,
    /// False for an fd made for an object already open (never given to
    /// the daemon): its release must change nothing.
    live: AtomicBool,
}

#[vtable]
impl AnonFile for AnonFd {
    type Ptr = Arc<AnonFd>;

    fn release(this: Arc<AnonFd>) {
        if !this.live.load(Ordering::Relaxed) {
            return;
        }
        let object = &*this.object;
        let cache = object.cache();
        // In one hold of the lock, as in C: the object is closed, and a
        // CLOSE the daemon has not read yet is moot now. (C matches it by
        // the id its message last went out with, so it misses a CLOSE
        // never read; a CLOSE left behind is only answered later.)
        let id = with_reqs(cache, |g, taken| {
            let id = {
                let mut st = object.od_state().lock();
                let id = st.id;
                st.id = ID_CLOSED;
                st.state = State::Close;
                id
            };
            let close = |r: &Request| r.opcode == Opcode::Close && r.is_for(object);
            taken.drain(g, Some(REQ_NEW), close, 0);
            id
        });
        if id > 0 {
            cache.ondemand.ids.free(id as u32);
        }
        trace::od_fd_release(object.debug_id(), id);
        object.trace_put(ObjRef::PutOndemandFd);
    }

    fn write_iter(
        this: ArcBorrow<'_, AnonFd>,
        kiocb: &mut Kiocb<'_>,
        iter: &IovIter,
    ) -> Result<usize> {
        let object = &*this.object;
        // The file slot's lock pins the backing file for this write.
        let file = object.file().ok_or(ENOBUFS())?;
        let b = object.cache().bound().ok_or(ENOBUFS())?;
        let len = iter.count();
        let mut pos = kiocb.ki_pos();
        let mut aligned = len;
        vfs::secure(&b.cred, || {
            io::prepare_write_range(object, &file, &mut pos, &mut aligned, len, true)
        })?;
        trace::od_fd_write(object.debug_id(), file.inode(), pos, len);
        let n = io::write_sync(object, file, pos, iter)?;
        *kiocb.ki_pos_mut() += n as i64;
        Ok(n)
    }

    fn llseek(this: ArcBorrow<'_, AnonFd>, pos: i64, whence: u32) -> Result<i64> {
        let file = this.object.file().ok_or(ENOBUFS())?;
        file.llseek(pos, whence)
    }

    fn ioctl(this: ArcBorrow<'_, AnonFd>, cmd: u32, arg: usize) -> Result<isize> {
        if cmd != msg::IOC_READ_COMPLETE {
            return Err(EINVAL);
        }
        let object = &*this.object;
        let cache = object.cache();
        if !ondemand_mode(cache) {
            return Err(EOPNOTSUPP());
        }
        let req = with_reqs(cache, |g, _| {
            let ok = g
                .get(arg)
                .is_some_and(|r| r.opcode == Opcode::Read && r.is_for(object));
            if !ok {
                return Err(EINVAL);
            }
            g.remove(arg).ok_or(EINVAL)
        })?;
        trace::od_cread(object.debug_id(), arg as u32);
        req.finish(0);
        drop(req);
        Ok(0)
    }
}
