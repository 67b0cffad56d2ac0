// SPDX-License-Identifier: GPL-2.0
//! Anonymous-inode files whose private data is a Rust object: files a
//! driver hands to userspace (through a reserved fd) without a path.
//!
//! Upstream: none in 6.12 or later as a type of its own; Rust Binder makes
//! its files through C. The shape follows [`super::super::miscdevice`]: a
//! `#[vtable]` trait ([`AnonFile`]) whose `Ptr` lives in
//! `file->private_data` from creation to release, and a `static` ops table
//! made by [`anon_fops!`](crate::anon_fops) with `owner` set, so the module
//! stays loaded while such a file is open. [`Kiocb`] follows upstream's
//! `kernel::fs::Kiocb` (6.18).

use super::file::File;
use super::returned;
use crate::kext::netfs::IovIter;
use core::marker::PhantomData;
use kernel::{
    bindings,
    error::VTABLE_DEFAULT_ERROR,
    ffi::{c_char, c_int, c_long, c_uint, c_ulong},
    prelude::*,
    types::{ARef, ForeignOwnable},
};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/fs.c
    fn fsrs_anon_getfile(
        name: *const c_char,
        fops: *const bindings::file_operations,
        priv_: *mut core::ffi::c_void,
        flags: c_int,
    ) -> *mut bindings::file;
}

/// What an anonymous file does.
#[vtable]
pub trait AnonFile: Sized {
    /// What `file->private_data` holds from creation to release.
    type Ptr: ForeignOwnable + Send + Sync;

    /// Called on the last close.
    fn release(this: Self::Ptr) {
        drop(this);
    }

    /// Serves write(2)/pwrite(2): writes `iter` at `kiocb`'s position and
    /// moves the position; returns the byte count taken. Without it, the
    /// file cannot be written (EINVAL) and pwrite(2) gets ESPIPE.
    fn write_iter(
        _this: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _kiocb: &mut Kiocb<'_>,
        _iter: &IovIter,
    ) -> Result<usize> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Serves lseek(2). Without it, the file is not seekable: lseek(2)
    /// gets ESPIPE (the VFS sets `FMODE_LSEEK` only with an `llseek`).
    fn llseek(
        _this: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _pos: i64,
        _whence: u32,
    ) -> Result<i64> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Serves ioctl(2).
    fn ioctl(
        _this: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _cmd: u32,
        _arg: usize,
    ) -> Result<isize> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The I/O control block of one read or write call: its position.
///
/// # Invariants
///
/// `inner` is the call's kiocb, ours to change for `'a`.
pub struct Kiocb<'a> {
    inner: *mut bindings::kiocb,
    _p: PhantomData<&'a mut bindings::kiocb>,
}

impl Kiocb<'_> {
    /// The file position the call works at.
    pub fn ki_pos(&self) -> i64 {
        // SAFETY: valid for the call (type invariant).
        unsafe { (*self.inner).ki_pos }
    }

    /// The position, to move it.
    pub fn ki_pos_mut(&mut self) -> &mut i64 {
        // SAFETY: valid and exclusively ours for the call (type invariant).
        unsafe { &mut (*self.inner).ki_pos }
    }
}

/// The `file_operations` of an anonymous file of type `T`.
#[repr(transparent)]
pub struct AnonFops<T>(bindings::file_operations, PhantomData<fn() -> T>);

// SAFETY: an immutable table of function pointers and the module pointer,
// read by any thread.
unsafe impl<T> Sync for AnonFops<T> {}

impl<T: AnonFile> AnonFops<T> {
    /// The table for `T`, owned by `owner` (`__this_module`).
    ///
    /// # Safety
    ///
    /// `owner` must be the module whose code `T`'s methods are.
    pub const unsafe fn new(owner: *mut bindings::module) -> Self {
        // SAFETY: all-zero is a valid file_operations (no ops, no owner).
        let mut ops: bindings::file_operations = unsafe { core::mem::zeroed() };
        ops.owner = owner;
        ops.release = Some(fops_release::<T>);
        // The file's FMODE_PWRITE and FMODE_LSEEK follow these two
        // (new_file()), so a file never claims an op its table lacks.
        if T::HAS_WRITE_ITER {
            ops.write_iter = Some(fops_write_iter::<T>);
        }
        if T::HAS_LLSEEK {
            ops.llseek = Some(fops_llseek::<T>);
        }
        if T::HAS_IOCTL {
            ops.unlocked_ioctl = Some(fops_ioctl::<T>);
        }
        AnonFops(ops, PhantomData)
    }
}

/// Defines `static $name: AnonFops<$t>`, owned by this module.
#[macro_export]
macro_rules! anon_fops {
    ($vis:vis static $name:ident: $t:ty) => {
        $vis static $name: $crate::kext::fs::anon::AnonFops<$t> = {
            // Only the address crosses; the layout does not matter.
            #[allow(improper_ctypes)]
            extern "C" {
                static __this_module: ::kernel::types::Opaque<::kernel::bindings::module>;
            }
            // SAFETY: `__this_module` is this module (the kernel makes it at
            // load); only its address is taken, and `$t`'s code is ours.
            unsafe {
                $crate::kext::fs::anon::AnonFops::new(
                    ::core::ptr::addr_of!(__this_module).cast_mut().cast(),
                )
            }
        };
    };
}

/// A new anonymous file named `name` (`[name]` in /proc/*/fd), opened
/// with `flags`, holding `this` until its last close calls
/// [`AnonFile::release`]. It is seekable if `T` has an `llseek` and
/// writable at any position (pwrite(2)) if `T` has a `write_iter`: the
/// file's mode follows `fops`, which has those ops exactly when `T` does,
/// so the VFS never calls an op the table lacks.
pub fn new_file<T: AnonFile>(
    name: &'static CStr,
    fops: &'static AnonFops<T>,
    this: T::Ptr,
    flags: u32,
) -> Result<ARef<File>> {
    let p = this.into_foreign();
    // SAFETY: `name` and `fops` are static; `p` is handed to the file,
    // whose release gives it back to T::release(). The file's mode offers
    // only the ops `fops` has (fsrs_anon_getfile()).
    let f = unsafe { fsrs_anon_getfile(name.as_char_ptr(), &fops.0, p.cast_mut(), flags as c_int) };
    match returned(f) {
        // SAFETY: a new file, whose reference is ours.
        Ok(f) => Ok(unsafe { File::adopt(f) }),
        Err(e) => {
            // SAFETY: no file was made, so `p` was not handed over.
            drop(unsafe { T::Ptr::from_foreign(p) });
            Err(e)
        }
    }
}

/// # Safety
///
/// `file` must be one made by new_file::<T>(), not released.
unsafe fn this<'a, T: AnonFile>(
    file: *mut bindings::file,
) -> <T::Ptr as ForeignOwnable>::Borrowed<'a> {
    // SAFETY: new_file() stored a `T::Ptr` there; it stays until release,
    // and the VFS calls no other method after release.
    unsafe { T::Ptr::borrow((*file).private_data) }
}

/// # Safety
///
/// Called by the VFS on the last close of a file made by new_file::<T>().
unsafe extern "C" fn fops_release<T: AnonFile>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: the last use of the object new_file() handed over; no borrow
    // of it is left.
    T::release(unsafe { T::Ptr::from_foreign((*file).private_data) });
    0
}

/// # Safety
///
/// Called by the VFS with the kiocb and iterator of a write to an open
/// file made by new_file::<T>().
unsafe extern "C" fn fops_write_iter<T: AnonFile>(
    iocb: *mut bindings::kiocb,
    iter: *mut bindings::iov_iter,
) -> isize {
    // INVARIANT: the call's kiocb, ours for the call.
    let mut kiocb = Kiocb {
        inner: iocb,
        _p: PhantomData,
    };
    // SAFETY: the call's iterator, ours for the call; the kiocb's file is
    // open, per the contract.
    let (iter, this) = unsafe { (IovIter::from_raw(iter), this::<T>((*iocb).ki_filp)) };
    match T::write_iter(this, &mut kiocb, iter) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// # Safety
///
/// Called by the VFS on an open file made by new_file::<T>().
unsafe extern "C" fn fops_llseek<T: AnonFile>(
    file: *mut bindings::file,
    pos: bindings::loff_t,
    whence: c_int,
) -> bindings::loff_t {
    // SAFETY: the file is open, per the contract.
    match T::llseek(unsafe { this::<T>(file) }, pos, whence as u32) {
        Ok(p) => p,
        Err(e) => e.to_errno() as bindings::loff_t,
    }
}

/// # Safety
///
/// Called by the VFS on an open file made by new_file::<T>().
unsafe extern "C" fn fops_ioctl<T: AnonFile>(
    file: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: the file is open, per the contract.
    match T::ioctl(unsafe { this::<T>(file) }, cmd, arg) {
        Ok(r) => r as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}
