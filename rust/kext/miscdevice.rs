// SPDX-License-Identifier: GPL-2.0
//! Misc devices whose open files are Rust objects.
//!
//! Upstream: `kernel::miscdevice` (6.13), whose names this follows:
//! [`MiscDevice`] (a `#[vtable]` trait), [`MiscDeviceRegistration`],
//! [`MiscDeviceOptions`]. 6.13's trait has `open`, `release` and `ioctl`;
//! later kernels add `read_iter`/`write_iter`; ours has `read`, `write` and
//! `poll`, which the cachefiles daemon protocol uses. The ops table is a
//! `static` made by [`misc_fops!`] from the trait's `HAS_*` constants, with
//! `owner` set to the module, so a module cannot be unloaded while one of
//! its devices is open (a `const` table cannot name `__this_module`).

use super::fs::file::File;
use super::sync::poll::PollTable;
use core::marker::PhantomData;
use kernel::{
    bindings,
    error::{from_result, to_result, VTABLE_DEFAULT_ERROR},
    ffi::{c_char, c_int},
    prelude::*,
    types::{ForeignOwnable, Opaque},
    uaccess::{UserPtr, UserSlice, UserSliceReader, UserSliceWriter},
};

/// What one open file of a misc device is.
#[vtable]
pub trait MiscDevice: Sized {
    /// What `file->private_data` holds from open to release.
    type Ptr: ForeignOwnable + Send + Sync;

    /// Called on open(2); the object lives until the last close.
    fn open() -> Result<Self::Ptr>;

    /// Called on the last close.
    fn release(device: Self::Ptr) {
        drop(device);
    }

    /// Serves read(2) by writing into `out`; returns the byte count.
    fn read(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _out: &mut UserSliceWriter,
    ) -> Result<usize> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Serves write(2) from `input`; returns the byte count taken.
    fn write(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _input: UserSliceReader,
    ) -> Result<usize> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Serves poll(2): registers on the wait queues that will signal a
    /// change, and returns the `EPOLL*` mask that holds now. The table
    /// takes only queues borrowed for `'a`, the borrow of the file's
    /// object: queues that live until the file's release, after every
    /// poller of the file is gone.
    fn poll<'a>(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'a>,
        _table: &PollTable<'a>,
    ) -> u32 {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The `file_operations` of a misc device of type `T`.
#[repr(transparent)]
pub struct FileOps<T>(bindings::file_operations, PhantomData<fn() -> T>);

// SAFETY: an immutable table of function pointers, the module pointer and
// null, read by any thread.
unsafe impl<T> Sync for FileOps<T> {}

impl<T: MiscDevice> FileOps<T> {
    /// The table for `T`, owned by `owner` (`__this_module`).
    ///
    /// # Safety
    ///
    /// `owner` must be the module whose code `T`'s methods are.
    pub const unsafe fn new(owner: *mut bindings::module) -> Self {
        // SAFETY: all-zero is a valid file_operations (no ops, no owner).
        let mut ops: bindings::file_operations = unsafe { core::mem::zeroed() };
        ops.owner = owner;
        ops.open = Some(fops_open::<T>);
        ops.release = Some(fops_release::<T>);
        ops.llseek = Some(bindings::noop_llseek);
        if T::HAS_READ {
            ops.read = Some(fops_read::<T>);
        }
        if T::HAS_WRITE {
            ops.write = Some(fops_write::<T>);
        }
        if T::HAS_POLL {
            ops.poll = Some(fops_poll::<T>);
        }
        FileOps(ops, PhantomData)
    }
}

/// Defines `static $name: FileOps<$t>`, owned by this module.
#[macro_export]
macro_rules! misc_fops {
    ($vis:vis static $name:ident: $t:ty) => {
        $vis static $name: $crate::kext::miscdevice::FileOps<$t> = {
            // Only the address crosses; the layout does not matter.
            #[allow(improper_ctypes)]
            extern "C" {
                static __this_module: ::kernel::types::Opaque<::kernel::bindings::module>;
            }
            // SAFETY: `__this_module` is this module (the kernel makes it at
            // load); only its address is taken, and `$t`'s code is ours.
            unsafe {
                $crate::kext::miscdevice::FileOps::new(
                    ::core::ptr::addr_of!(__this_module).cast_mut().cast(),
                )
            }
        };
    };
}

/// What a misc device is registered as.
pub struct MiscDeviceOptions {
    /// The device's name: `/dev/<name>`.
    pub name: &'static CStr,
}

impl MiscDeviceOptions {
    /// The C `miscdevice` for these options and `fops`.
    fn into_raw<T: MiscDevice>(self, fops: &'static FileOps<T>) -> bindings::miscdevice {
        // SAFETY: all-zero is a valid miscdevice before registration.
        let mut misc: bindings::miscdevice = unsafe { core::mem::zeroed() };
        misc.minor = bindings::MISC_DYNAMIC_MINOR as c_int;
        misc.name = self.name.as_char_ptr();
        misc.fops = &fops.0;
        misc
    }
}

/// A registered misc device; deregistered on drop.
///
/// # Invariants
///
/// `inner` is registered with `misc_register()` until drop.
#[pin_data(PinnedDrop)]
pub struct MiscDeviceRegistration<T> {
    #[pin]
    inner: Opaque<bindings::miscdevice>,
    _t: PhantomData<T>,
}

// SAFETY: the registration is only read after construction; C serialises
// its own use of the miscdevice with misc_mtx.
unsafe impl<T> Send for MiscDeviceRegistration<T> {}
// SAFETY: see `Send`; no `&self` method mutates anything.
unsafe impl<T> Sync for MiscDeviceRegistration<T> {}

impl<T: MiscDevice> MiscDeviceRegistration<T> {
    /// Registers `/dev/<opts.name>` with a dynamic minor and `fops` (from
    /// [`misc_fops!`]).
    pub fn register(
        opts: MiscDeviceOptions,
        fops: &'static FileOps<T>,
    ) -> impl PinInit<Self, Error> {
        let init = move |slot: *mut Self| {
            // SAFETY: `slot` is valid for writes and pinned (the closure's
            // contract); `_t` is a ZST and needs no write.
            let inner =
                unsafe { core::ptr::addr_of_mut!((*slot).inner) }.cast::<bindings::miscdevice>();
            // SAFETY: `inner` is valid for writes and pinned (the
            // closure's contract); misc_register() sees the device only
            // once it is written, and on failure nothing refers to it.
            unsafe {
                inner.write(opts.into_raw::<T>(fops));
                to_result(bindings::misc_register(inner))
            }
            // INVARIANT: registered on success; drop deregisters.
        };
        // SAFETY: the closure initialises every field of `Self` or fails
        // leaving nothing to undo, and does not move the slot.
        unsafe { kernel::init::pin_init_from_closure(init) }
    }
}

#[pinned_drop]
impl<T> PinnedDrop for MiscDeviceRegistration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: registered in register() (type invariant); deregistered
        // exactly once, here.
        unsafe { bindings::misc_deregister(self.inner.get()) };
    }
}

/// # Safety
///
/// Called by the VFS on open with a valid `file`.
unsafe extern "C" fn fops_open<T: MiscDevice>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    from_result(|| {
        let ptr = T::open()?;
        // SAFETY: `file` is valid and not yet shared; release takes the
        // object back.
        unsafe { (*file).private_data = ptr.into_foreign().cast_mut() };
        Ok(0)
    })
}

/// # Safety
///
/// `file` must be one whose `fops_open::<T>()` succeeded, not released.
unsafe fn device<'a, T: MiscDevice>(
    file: *mut bindings::file,
) -> <T::Ptr as ForeignOwnable>::Borrowed<'a> {
    // SAFETY: fops_open() stored a `T::Ptr` there; it stays until release,
    // and the VFS calls no other method after release.
    unsafe { T::Ptr::borrow((*file).private_data) }
}

/// # Safety
///
/// Called by the VFS on the last close of a file opened by fops_open::<T>().
unsafe extern "C" fn fops_release<T: MiscDevice>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: the last use of the object fops_open() handed over; no
    // borrow of it is left.
    T::release(unsafe { T::Ptr::from_foreign((*file).private_data) });
    0
}

/// # Safety
///
/// Called by the VFS with an open file and a user buffer of `len` bytes.
unsafe extern "C" fn fops_read<T: MiscDevice>(
    file: *mut bindings::file,
    buf: *mut c_char,
    len: usize,
    _pos: *mut bindings::loff_t,
) -> isize {
    let mut out = UserSlice::new(buf as UserPtr, len).writer();
    // SAFETY: the file is open, per the contract.
    match T::read(unsafe { device::<T>(file) }, &mut out) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// # Safety
///
/// Called by the VFS with an open file and a user buffer of `len` bytes.
unsafe extern "C" fn fops_write<T: MiscDevice>(
    file: *mut bindings::file,
    buf: *const c_char,
    len: usize,
    _pos: *mut bindings::loff_t,
) -> isize {
    let input = UserSlice::new(buf as UserPtr, len).reader();
    // SAFETY: the file is open, per the contract.
    match T::write(unsafe { device::<T>(file) }, input) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// # Safety
///
/// Called by the VFS with an open file and its poll table.
unsafe extern "C" fn fops_poll<T: MiscDevice>(
    file: *mut bindings::file,
    table: *mut bindings::poll_table_struct,
) -> bindings::__poll_t {
    // SAFETY: the arguments of this poll call, valid while it runs; the
    // file is open and referenced by the caller.
    let (file, table) = unsafe { (File::from_raw_file(file), table) };
    // SAFETY: the file is open, per the contract; its object stays until
    // release.
    let device = unsafe { device::<T>(file.as_ptr()) };
    // SAFETY: `file` and `table` are this poll call's arguments, and the
    // table lives only during it; its lifetime is the device borrow's
    // (T::poll() ties them), which lasts until release, as the object does.
    let table = unsafe { PollTable::from_raw(file, table) };
    T::poll(device, &table)
}
