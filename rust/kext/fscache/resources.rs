// SPDX-License-Identifier: GPL-2.0
//! One netfs operation on the cache: `struct netfs_cache_resources`
//! ([`CacheResources`]), which fscache begins and the backend fills, and
//! the netfs cache operations a backend provides (`struct
//! netfs_cache_ops`) as a `#[vtable]` trait ([`NetfsCacheOps`]) with its
//! static table ([`NetfsCacheOpsVTable`]).

use super::backend::CacheBackend;
use super::cookie::Cookie;
use super::private::PrivateField;
use super::subrequest::Subrequest;
use crate::kext::fs::file::File;
use crate::kext::netfs::{Completion, IovIter};
use core::{
    ffi::c_void,
    marker::PhantomData,
    ptr::{addr_of_mut, NonNull},
};
use kernel::{
    bindings,
    error::{from_result, VTABLE_DEFAULT_ERROR},
    ffi::c_int,
    prelude::*,
    types::{ARef, ForeignOwnable, Opaque},
};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/fscache.c
    fn fsrs_cres_cookie(
        cres: *mut bindings::netfs_cache_resources,
    ) -> *mut bindings::fscache_cookie;
}

/// What an operation needs of the cache (`enum fscache_want_state`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct WantState(bindings::fscache_want_state);

impl WantState {
    /// Only the object's parameters (a resize).
    pub const PARAMS: Self = Self(bindings::fscache_want_state_FSCACHE_WANT_PARAMS);
    /// Reading from the cache.
    pub const READ: Self = Self(bindings::fscache_want_state_FSCACHE_WANT_READ);
    /// Writing to the cache.
    pub const WRITE: Self = Self(bindings::fscache_want_state_FSCACHE_WANT_WRITE);

    pub(super) fn from_raw(want: bindings::fscache_want_state) -> Self {
        Self(want)
    }
}

/// Where the data of a read comes from (`enum netfs_io_source`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct IoSource(bindings::netfs_io_source);

impl IoSource {
    /// Zeroes (past the end of the file).
    pub const FILL_WITH_ZEROES: Self = Self(bindings::netfs_io_source_NETFS_FILL_WITH_ZEROES);
    /// The server (and a copy to the cache, if the netfs asks).
    pub const DOWNLOAD_FROM_SERVER: Self =
        Self(bindings::netfs_io_source_NETFS_DOWNLOAD_FROM_SERVER);
    /// The cache.
    pub const READ_FROM_CACHE: Self = Self(bindings::netfs_io_source_NETFS_READ_FROM_CACHE);
    /// Nowhere: the read fails.
    pub const INVALID_READ: Self = Self(bindings::netfs_io_source_NETFS_INVALID_READ);

    /// The C value, as the tracepoints print it.
    pub fn as_raw(self) -> u32 {
        self.0 as u32
    }
}

/// What a read from the cache does with a hole (`enum
/// netfs_read_from_hole`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ReadHole(bindings::netfs_read_from_hole);

impl ReadHole {
    /// Reads it as it is (the backing filesystem's zeroes).
    pub const IGNORE: Self = Self(bindings::netfs_read_from_hole_NETFS_READ_HOLE_IGNORE);
    /// Clears the buffer there.
    pub const CLEAR: Self = Self(bindings::netfs_read_from_hole_NETFS_READ_HOLE_CLEAR);
    /// Fails the read (`ENODATA`).
    pub const FAIL: Self = Self(bindings::netfs_read_from_hole_NETFS_READ_HOLE_FAIL);
}

/// An operation's `struct netfs_cache_resources`, on a cookie of a cache
/// of backend `T`.
///
/// # Invariants
///
/// Lent by netfs or fscache for the call that gave it (or, for a
/// subrequest's, for as long as the subrequest is ours). `cache_priv` is
/// null or fscache's cookie, in a cache added with `T`'s table, on which
/// the operation holds an access (so the cookie's private pointer is null
/// or a `T::ObjectPtr`, which stays attached while the access is held:
/// withdrawal needs none left). `ops` is null or
/// [`NetfsCacheOpsVTable<T>`]'s table; `cache_priv2` is null or a file
/// reference that [`Self::attach`] stored and the end of the operation
/// takes back.
#[repr(transparent)]
pub struct CacheResources<T: CacheBackend>(Opaque<bindings::netfs_cache_resources>, PhantomData<T>);

impl<T: CacheBackend> CacheResources<T> {
    /// # Safety
    ///
    /// `p` must be an operation's resources, valid and ours to use for
    /// `'a`, begun by fscache on a cookie of a cache added with `T`'s
    /// table.
    pub unsafe fn from_raw<'a>(p: *mut bindings::netfs_cache_resources) -> &'a Self {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*p.cast::<Self>() }
    }

    fn raw(&self) -> *mut bindings::netfs_cache_resources {
        self.0.get()
    }

    /// The operation's cookie.
    pub fn cookie(&self) -> Option<&Cookie> {
        // SAFETY: valid while borrowed (type invariant).
        let p = unsafe { fsrs_cres_cookie(self.raw()) };
        // SAFETY: the operation's access keeps the cookie live while the
        // resources are lent (type invariant).
        (!p.is_null()).then(|| unsafe { Cookie::from_raw(p) })
    }

    /// The backend's object for the cookie: attached while the operation
    /// holds its access.
    pub fn object(&self) -> Option<<T::ObjectPtr as ForeignOwnable>::Borrowed<'_>> {
        // SAFETY: the cookie's pointer is null or a `T::ObjectPtr`, kept
        // attached while the operation's access is held (type invariant).
        self.cookie()
            .and_then(|c| unsafe { c.private::<T::ObjectPtr>() })
    }

    /// The backing file the operation holds, with a reference of our own.
    pub fn file(&self) -> Option<ARef<File>> {
        // SAFETY: readable while borrowed (type invariant).
        let p = unsafe { (*self.raw()).cache_priv2 }.cast::<bindings::file>();
        // SAFETY: null or a file the operation holds a reference on until
        // its end (type invariant); ARef::from takes our own.
        (!p.is_null()).then(|| ARef::from(unsafe { File::from_raw_file(p) }))
    }

    /// Whether a backing file is attached.
    pub fn has_file(&self) -> bool {
        // SAFETY: readable while borrowed (type invariant).
        !unsafe { (*self.raw()).cache_priv2 }.is_null()
    }

    /// The cookie's invalidation counter when the operation began.
    pub fn inval_counter(&self) -> u32 {
        // SAFETY: readable while borrowed (type invariant).
        unsafe { (*self.raw()).inval_counter }
    }

    /// `fscache_wait_for_operation()`: waits until the object can be used
    /// as `want` needs; false if it never will be.
    pub fn wait_for(&self, want: WantState) -> bool {
        // SAFETY: the resources of an operation in progress (type
        // invariant).
        unsafe { bindings::fscache_wait_for_operation(self.raw(), want.0) }
    }

    /// Takes the backing file's reference back (the end of the
    /// operation).
    fn detach(&self) -> Option<ARef<File>> {
        // SAFETY: ours to change (type invariant); cleared as it is read,
        // so the reference attach() stored is taken back once.
        let p = unsafe {
            core::ptr::replace(
                addr_of_mut!((*self.raw()).cache_priv2),
                core::ptr::null_mut(),
            )
        };
        // SAFETY: attach()'s file reference (type invariant).
        NonNull::new(p.cast::<bindings::file>()).map(|p| unsafe { File::adopt(p) })
    }
}

impl<T: NetfsCacheOps> CacheResources<T> {
    /// Gives the operation `T`'s netfs ops and, if there is one, the
    /// backing file (a reference it holds until the operation ends). Only
    /// while no file is attached: the first begin attaches.
    pub fn attach(&self, file: Option<ARef<File>>) {
        if self.has_file() {
            return;
        }
        let f = file.map_or(core::ptr::null_mut(), |f| ARef::into_raw(f).as_ptr().cast());
        // SAFETY: ours to fill in (type invariant); the table is static
        // and T's.
        unsafe {
            (*self.raw()).ops = NetfsCacheOpsVTable::<T>::build();
            (*self.raw()).cache_priv2 = f;
        }
    }
}

/// The netfs cache operations of a backend: `struct netfs_cache_ops`,
/// which its [`CacheBackend::begin_operation`] attaches to an operation
/// ([`CacheResources::attach`]).
///
/// The end of an operation (`end_operation`) is this layer's: it lets go
/// of the backing file and of the operation's access on the cookie, as
/// the interface requires of every backend.
#[vtable]
pub trait NetfsCacheOps: CacheBackend {
    /// `read`: reads `iter`'s length at `start` from the cache; holes as
    /// `read_hole` says. `done` gets the result (or, before submission,
    /// the error, which is also returned).
    fn read(
        _res: &CacheResources<Self>,
        _start: i64,
        _iter: &IovIter,
        _read_hole: ReadHole,
        _done: Completion,
    ) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `write`: writes `iter` at `start` to the cache; `done` gets the
    /// result. Returns what the submission returned (the C op's `int`).
    fn write(
        _res: &CacheResources<Self>,
        _start: i64,
        _iter: &IovIter,
        _done: Completion,
    ) -> c_int {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `issue_write`: writes a prepared write subrequest; `done`, its
    /// completion (`netfs_write_subrequest_terminated()`), is called in
    /// every case.
    fn issue_write(_sub: &Subrequest<Self>, _done: Completion) {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `prepare_read`: where the data of a read subrequest comes from; may
    /// shorten it and set its flags.
    fn prepare_read(_sub: &Subrequest<Self>, _i_size: u64) -> IoSource {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `prepare_write_subreq`: sets the stream's limits for a write
    /// subrequest, or fails it.
    fn prepare_write_subreq(_sub: &Subrequest<Self>) {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `prepare_write`: whether a write of `*len` bytes at `*start` may
    /// go ahead; may round them out.
    fn prepare_write(
        _res: &CacheResources<Self>,
        _start: &mut i64,
        _len: &mut usize,
        _upper_len: usize,
        _i_size: i64,
        _no_space_allocated_yet: bool,
    ) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `prepare_ondemand_read`: as [`Self::prepare_read`] for a read
    /// outside netfs's requests (erofs).
    fn prepare_ondemand_read(
        _res: &CacheResources<Self>,
        _start: i64,
        _len: &mut usize,
        _i_size: i64,
        _flags: &mut usize,
        _ino: u64,
    ) -> IoSource {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `query_occupancy`: the first run of cached data in `len` bytes at
    /// `start`, in `granularity` units.
    fn query_occupancy(
        _res: &CacheResources<Self>,
        _start: i64,
        _len: usize,
        _granularity: usize,
        _data_start: &mut i64,
        _data_len: &mut usize,
    ) -> Result {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The `netfs_cache_ops` of backend `T`, with its trampolines.
pub struct NetfsCacheOpsVTable<T: NetfsCacheOps>(PhantomData<T>);

impl<T: NetfsCacheOps> NetfsCacheOpsVTable<T> {
    const VTABLE: bindings::netfs_cache_ops = bindings::netfs_cache_ops {
        end_operation: Some(Self::end_operation),
        read: if T::HAS_READ { Some(Self::read) } else { None },
        write: if T::HAS_WRITE {
            Some(Self::write)
        } else {
            None
        },
        issue_write: if T::HAS_ISSUE_WRITE {
            Some(Self::issue_write)
        } else {
            None
        },
        expand_readahead: None,
        prepare_read: if T::HAS_PREPARE_READ {
            Some(Self::prepare_read)
        } else {
            None
        },
        prepare_write_subreq: if T::HAS_PREPARE_WRITE_SUBREQ {
            Some(Self::prepare_write_subreq)
        } else {
            None
        },
        prepare_write: if T::HAS_PREPARE_WRITE {
            Some(Self::prepare_write)
        } else {
            None
        },
        prepare_ondemand_read: if T::HAS_PREPARE_ONDEMAND_READ {
            Some(Self::prepare_ondemand_read)
        } else {
            None
        },
        query_occupancy: if T::HAS_QUERY_OCCUPANCY {
            Some(Self::query_occupancy)
        } else {
            None
        },
    };

    /// The table, a static (each operation points at it).
    pub const fn build() -> &'static bindings::netfs_cache_ops {
        &Self::VTABLE
    }

    /// # Safety
    ///
    /// Called by netfs once per operation begun with this table attached.
    unsafe extern "C" fn end_operation(cres: *mut bindings::netfs_cache_resources) {
        // SAFETY: per the contract, lent for the call; the table is T's,
        // so are the resources.
        let res = unsafe { CacheResources::<T>::from_raw(cres) };
        drop(res.detach());
        if let Some(cookie) = res.cookie() {
            // SAFETY: the operation's access (type invariant), given up
            // once: netfs ends an operation once.
            unsafe { cookie.end_io_access() };
        }
    }

    /// # Safety
    ///
    /// Called by netfs with valid resources, iterator and callback.
    unsafe extern "C" fn read(
        cres: *mut bindings::netfs_cache_resources,
        start: bindings::loff_t,
        iter: *mut bindings::iov_iter,
        read_hole: bindings::netfs_read_from_hole,
        term: bindings::netfs_io_terminated_t,
        term_priv: *mut c_void,
    ) -> c_int {
        // SAFETY: per the contract: the resources (T's, as the table is)
        // and the iterator are lent for the call (the iterator until the
        // I/O completes), and the completion takes its data, once.
        let (res, iter, done) = unsafe {
            (
                CacheResources::<T>::from_raw(cres),
                IovIter::from_raw(iter),
                Completion::new(term, term_priv),
            )
        };
        from_result(|| {
            T::read(res, start, iter, ReadHole(read_hole), done)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by netfs with valid resources, iterator and callback.
    unsafe extern "C" fn write(
        cres: *mut bindings::netfs_cache_resources,
        start: bindings::loff_t,
        iter: *mut bindings::iov_iter,
        term: bindings::netfs_io_terminated_t,
        term_priv: *mut c_void,
    ) -> c_int {
        // SAFETY: as for read().
        let (res, iter, done) = unsafe {
            (
                CacheResources::<T>::from_raw(cres),
                IovIter::from_raw(iter),
                Completion::new(term, term_priv),
            )
        };
        T::write(res, start, iter, done)
    }

    /// # Safety
    ///
    /// Called by netfs with valid resources and out-parameters.
    unsafe extern "C" fn prepare_write(
        cres: *mut bindings::netfs_cache_resources,
        start: *mut bindings::loff_t,
        len: *mut usize,
        upper_len: usize,
        i_size: bindings::loff_t,
        no_space_allocated_yet: bool,
    ) -> c_int {
        // SAFETY: per the contract: the resources (T's) are lent for the
        // call, and the out-parameters are valid and ours to write.
        let (res, start, len) =
            unsafe { (CacheResources::<T>::from_raw(cres), &mut *start, &mut *len) };
        from_result(|| {
            T::prepare_write(res, start, len, upper_len, i_size, no_space_allocated_yet)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by netfs with a valid write subrequest.
    unsafe extern "C" fn prepare_write_subreq(subreq: *mut bindings::netfs_io_subrequest) {
        // SAFETY: per the contract, ours for the call, on a request whose
        // cache operation has this table.
        T::prepare_write_subreq(unsafe { Subrequest::<T>::from_raw(subreq) })
    }

    /// # Safety
    ///
    /// Called by netfs with a valid write subrequest ready to go.
    unsafe extern "C" fn issue_write(subreq: *mut bindings::netfs_io_subrequest) {
        // SAFETY: per the contract, ours until terminated, on a request
        // whose cache operation has this table; netfs's completion for
        // its subrequest is made once, here.
        let (sub, done) = unsafe {
            (
                Subrequest::<T>::from_raw(subreq),
                Completion::new(
                    Some(bindings::netfs_write_subrequest_terminated),
                    subreq.cast(),
                ),
            )
        };
        T::issue_write(sub, done)
    }

    /// # Safety
    ///
    /// Called by netfs with a valid read subrequest.
    unsafe extern "C" fn prepare_read(
        subreq: *mut bindings::netfs_io_subrequest,
        i_size: u64,
    ) -> bindings::netfs_io_source {
        // SAFETY: per the contract, ours for the call, on a request whose
        // cache operation has this table.
        T::prepare_read(unsafe { Subrequest::<T>::from_raw(subreq) }, i_size).0
    }

    /// # Safety
    ///
    /// Called (by erofs) with valid resources and out-parameters.
    unsafe extern "C" fn prepare_ondemand_read(
        cres: *mut bindings::netfs_cache_resources,
        start: bindings::loff_t,
        len: *mut usize,
        i_size: bindings::loff_t,
        flags: *mut usize,
        ino: bindings::ino_t,
    ) -> bindings::netfs_io_source {
        // SAFETY: per the contract: the resources (T's) are lent for the
        // call, and the out-parameters are valid and ours to write.
        let (res, len, flags) =
            unsafe { (CacheResources::<T>::from_raw(cres), &mut *len, &mut *flags) };
        T::prepare_ondemand_read(res, start, len, i_size, flags, ino as u64).0
    }

    /// # Safety
    ///
    /// Called by netfs with valid resources and out-parameters.
    unsafe extern "C" fn query_occupancy(
        cres: *mut bindings::netfs_cache_resources,
        start: bindings::loff_t,
        len: usize,
        granularity: usize,
        data_start: *mut bindings::loff_t,
        data_len: *mut usize,
    ) -> c_int {
        // SAFETY: per the contract: the resources (T's) are lent for the
        // call, and the out-parameters are valid and ours to write.
        let (res, data_start, data_len) = unsafe {
            (
                CacheResources::<T>::from_raw(cres),
                &mut *data_start,
                &mut *data_len,
            )
        };
        from_result(|| {
            T::query_occupancy(res, start, len, granularity, data_start, data_len)?;
            Ok(0)
        })
    }
}
