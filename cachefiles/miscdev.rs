// SPDX-License-Identifier: GPL-2.0
//! A misc character device whose open files are Rust objects.
//!
//! The only place the cachefiles crate touches `struct miscdevice` and
//! `struct file_operations`; the daemon logic above it is safe Rust. (The
//! 6.12 `kernel` crate has no misc device abstraction yet.)

use core::{marker::PhantomData, pin::Pin};
use kernel::{
    bindings,
    error::{from_result, to_result},
    ffi::{c_char, c_int, c_uint, c_void},
    prelude::*,
    types::{ForeignOwnable, Opaque},
    uaccess::{UserPtr, UserSlice, UserSliceReader, UserSliceWriter},
};

/// What one open file of the device is.
pub(crate) trait DeviceFile: Sized + Send + Sync + 'static {
    /// Called on open(2); the object lives until the last close.
    fn open() -> Result<Pin<KBox<Self>>>;
    /// Serves read(2) by writing into `out`; returns the byte count.
    fn read(&self, out: &mut UserSliceWriter) -> Result<usize>;
    /// Serves write(2) from `input`; returns the byte count taken.
    fn write(&self, input: UserSliceReader) -> Result<usize>;
    /// Serves poll(2): registers on the wait queues that will signal a
    /// change through `table`, and returns the `EPOLL*` mask that holds now.
    fn poll(&self, table: &PollTable) -> c_uint;
}

struct Inner {
    misc: Opaque<bindings::miscdevice>,
    fops: bindings::file_operations,
}

/// A registered misc device; deregistered on drop.
pub(crate) struct Registration<T: DeviceFile> {
    // Boxed so the addresses handed to C stay put while `Self` moves.
    inner: KBox<Inner>,
    _file: PhantomData<T>,
}

// SAFETY: the registration is only read after construction; C serialises
// its own use of the miscdevice with misc_mtx.
unsafe impl<T: DeviceFile> Send for Registration<T> {}
// SAFETY: as above, no `&self` method mutates anything.
unsafe impl<T: DeviceFile> Sync for Registration<T> {}

impl<T: DeviceFile> Registration<T> {
    /// Registers `/dev/<name>` with a dynamic minor, owned by `module` so
    /// the module cannot go while a file is open.
    pub(crate) fn register(name: &'static CStr, module: &'static ThisModule) -> Result<Self> {
        let fops = bindings::file_operations {
            owner: module.as_ptr(),
            open: Some(open::<T>),
            release: Some(release::<T>),
            read: Some(read::<T>),
            write: Some(write::<T>),
            poll: Some(poll::<T>),
            llseek: Some(bindings::noop_llseek),
            ..Default::default()
        };
        let inner = KBox::new(
            Inner {
                misc: Opaque::uninit(),
                fops,
            },
            GFP_KERNEL,
        )?;
        let misc = bindings::miscdevice {
            minor: bindings::MISC_DYNAMIC_MINOR as c_int,
            name: name.as_char_ptr(),
            fops: &inner.fops,
            ..Default::default()
        };
        // SAFETY: `inner.misc` is valid for writes and nothing else sees it
        // before misc_register().
        unsafe { inner.misc.get().write(misc) };
        // SAFETY: the miscdevice is initialised and lives in a box that is
        // only freed after misc_deregister() in drop().
        to_result(unsafe { bindings::misc_register(inner.misc.get()) })?;
        Ok(Self {
            inner,
            _file: PhantomData,
        })
    }
}

impl<T: DeviceFile> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: registered in register(); deregistered exactly once here.
        unsafe { bindings::misc_deregister(self.inner.misc.get()) };
    }
}

/// # Safety
///
/// Called by the VFS on open with a valid `file`.
unsafe extern "C" fn open<T: DeviceFile>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    from_result(|| {
        let this = T::open()?;
        // SAFETY: `file` is valid per the function's contract and is not
        // yet shared; release() takes the object back.
        unsafe { (*file).private_data = this.into_foreign() as *mut c_void };
        Ok(0)
    })
}

/// # Safety
///
/// `file` must be one whose open::<T>() succeeded.
unsafe fn this<'a, T: DeviceFile>(file: *mut bindings::file) -> Pin<&'a T> {
    // SAFETY: open::<T>() stored a `Pin<KBox<T>>` there; it stays until
    // release, and the VFS calls no other method after release.
    unsafe { <Pin<KBox<T>> as ForeignOwnable>::borrow((*file).private_data) }
}

/// # Safety
///
/// Called by the VFS on the last close of a file opened by open::<T>().
unsafe extern "C" fn release<T: DeviceFile>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: per the contract this is the last use of the object open()
    // handed over, so it is taken back and dropped here.
    drop(unsafe { <Pin<KBox<T>> as ForeignOwnable>::from_foreign((*file).private_data) });
    0
}

/// # Safety
///
/// Called by the VFS with a valid file and a user buffer of `len` bytes.
unsafe extern "C" fn read<T: DeviceFile>(
    file: *mut bindings::file,
    buf: *mut c_char,
    len: usize,
    _pos: *mut bindings::loff_t,
) -> isize {
    let mut out = UserSlice::new(buf as UserPtr, len).writer();
    // SAFETY: the file is open, per the contract.
    let this = unsafe { this::<T>(file) };
    match this.read(&mut out) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// # Safety
///
/// Called by the VFS with a valid file and a user buffer of `len` bytes.
unsafe extern "C" fn write<T: DeviceFile>(
    file: *mut bindings::file,
    buf: *const c_char,
    len: usize,
    _pos: *mut bindings::loff_t,
) -> isize {
    let input = UserSlice::new(buf as UserPtr, len).reader();
    // SAFETY: the file is open, per the contract.
    let this = unsafe { this::<T>(file) };
    match this.write(input) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// The poll table of a poll(2) call in progress on one of our files.
pub(crate) struct PollTable {
    file: *mut bindings::file,
    table: *mut bindings::poll_table_struct,
}

impl PollTable {
    /// Makes the poller wait on `wq` for changes.
    pub(crate) fn register(&self, wq: &crate::sys::WaitQueue) {
        // SAFETY: `file` and `table` are the arguments of the f_op->poll
        // in progress; the queue lives in the file's private data, which
        // outlives every poller (they are removed before release).
        unsafe { wq.poll_wait(self.file, self.table) };
    }
}

/// # Safety
///
/// Called by the VFS with a valid file.
unsafe extern "C" fn poll<T: DeviceFile>(
    file: *mut bindings::file,
    table: *mut bindings::poll_table_struct,
) -> bindings::__poll_t {
    let table = PollTable { file, table };
    // SAFETY: the file is open, per the contract.
    unsafe { this::<T>(file) }.poll(&table)
}
