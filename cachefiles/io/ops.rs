// SPDX-License-Identifier: GPL-2.0
//! The `netfs_cache_ops` table and its trampolines: each turns the C
//! pointers netfs (or fscache) gives it into our types and calls the logic
//! in `mod.rs`.

use super::netfs::{Resources, Subrequest};
use crate::kext::netfs::{Completion, IovIter};
use core::ffi::c_void;
use kernel::{bindings, ffi::c_int};

/// The ops begin_operation() gives each operation.
pub(crate) static NETFS_OPS: crate::interface::Ops<bindings::netfs_cache_ops> =
    crate::interface::Ops(bindings::netfs_cache_ops {
        end_operation: Some(end_operation),
        read: Some(read),
        write: Some(write),
        issue_write: Some(issue_write),
        expand_readahead: None,
        prepare_read: Some(prepare_read),
        prepare_write_subreq: Some(prepare_write_subreq),
        prepare_write: Some(prepare_write),
        prepare_ondemand_read: Some(prepare_ondemand_read),
        query_occupancy: Some(query_occupancy),
    });

/// fscache's begin_operation: attaches our ops and the backing file.
///
/// # Safety
///
/// Called by fscache with valid resources whose cookie has our object.
pub(crate) unsafe extern "C" fn begin_operation(
    cres: *mut bindings::netfs_cache_resources,
    want: bindings::fscache_want_state,
) -> bool {
    // SAFETY: per the contract, lent for the call.
    super::begin_operation(unsafe { Resources::from_raw(cres) }, want)
}

/// # Safety
///
/// Called by netfs once per operation begun.
unsafe extern "C" fn end_operation(cres: *mut bindings::netfs_cache_resources) {
    // SAFETY: per the contract, lent for the call.
    super::end_operation(unsafe { Resources::from_raw(cres) })
}

/// # Safety
///
/// Called by netfs with valid resources, iterator and callback.
unsafe extern "C" fn read(
    cres: *mut bindings::netfs_cache_resources,
    start: i64,
    iter: *mut bindings::iov_iter,
    read_hole: bindings::netfs_read_from_hole,
    term: bindings::netfs_io_terminated_t,
    term_priv: *mut c_void,
) -> c_int {
    // SAFETY: per the contract: the resources and the iterator are lent
    // for the call (the iterator until the I/O completes), and the
    // completion takes its data, once.
    let (res, iter, done) = unsafe {
        (
            Resources::from_raw(cres),
            IovIter::from_raw(iter),
            Completion::new(term, term_priv),
        )
    };
    super::read(res, start, iter, read_hole, done)
}

/// # Safety
///
/// Called by netfs with valid resources, iterator and callback.
unsafe extern "C" fn write(
    cres: *mut bindings::netfs_cache_resources,
    start: i64,
    iter: *mut bindings::iov_iter,
    term: bindings::netfs_io_terminated_t,
    term_priv: *mut c_void,
) -> c_int {
    // SAFETY: as for read().
    let (res, iter, done) = unsafe {
        (
            Resources::from_raw(cres),
            IovIter::from_raw(iter),
            Completion::new(term, term_priv),
        )
    };
    super::write(res, start, iter, done)
}

/// # Safety
///
/// Called by netfs with valid resources and out-parameters.
unsafe extern "C" fn prepare_write(
    cres: *mut bindings::netfs_cache_resources,
    start: *mut i64,
    len: *mut usize,
    upper_len: usize,
    _i_size: i64,
    no_space_allocated_yet: bool,
) -> c_int {
    // SAFETY: per the contract: the resources are lent for the call, and
    // the out-parameters are valid and ours to write.
    let (res, start, len) = unsafe { (Resources::from_raw(cres), &mut *start, &mut *len) };
    super::prepare_write(res, start, len, upper_len, no_space_allocated_yet)
}

/// # Safety
///
/// Called by netfs with a valid write subrequest.
unsafe extern "C" fn prepare_write_subreq(subreq: *mut bindings::netfs_io_subrequest) {
    // SAFETY: per the contract, ours for the call, on a request whose
    // cache operation is ours.
    super::prepare_write_subreq(unsafe { Subrequest::from_raw(subreq) })
}

/// # Safety
///
/// Called by netfs with a valid write subrequest ready to go.
unsafe extern "C" fn issue_write(subreq: *mut bindings::netfs_io_subrequest) {
    // SAFETY: per the contract, ours until terminated, on a request whose
    // cache operation is ours.
    super::issue_write(unsafe { Subrequest::from_raw(subreq) })
}

/// # Safety
///
/// Called by netfs with a valid read subrequest.
unsafe extern "C" fn prepare_read(
    subreq: *mut bindings::netfs_io_subrequest,
    i_size: u64,
) -> bindings::netfs_io_source {
    // SAFETY: per the contract, ours for the call, on a request whose
    // cache operation is ours.
    let sub = unsafe { Subrequest::from_raw(subreq) };
    let (start, ino) = (sub.start(), sub.netfs_ino());
    sub.with_len_flags(|len, flags| {
        super::prepare_read(sub.resources(), start, len, i_size as i64, flags, ino)
    })
}

/// # Safety
///
/// Called (by erofs) with valid resources and out-parameters.
unsafe extern "C" fn prepare_ondemand_read(
    cres: *mut bindings::netfs_cache_resources,
    start: i64,
    len: *mut usize,
    i_size: i64,
    flags: *mut usize,
    ino: bindings::ino_t,
) -> bindings::netfs_io_source {
    // SAFETY: per the contract: the resources are lent for the call, and
    // the out-parameters are valid and ours to write.
    let (res, len, flags) = unsafe { (Resources::from_raw(cres), &mut *len, &mut *flags) };
    super::prepare_read(res, start, len, i_size, flags, ino as u64)
}

/// # Safety
///
/// Called by netfs with valid resources and out-parameters.
unsafe extern "C" fn query_occupancy(
    cres: *mut bindings::netfs_cache_resources,
    start: i64,
    len: usize,
    granularity: usize,
    data_start: *mut i64,
    data_len: *mut usize,
) -> c_int {
    // SAFETY: per the contract: the resources are lent for the call, and
    // the out-parameters are valid and ours to write.
    let (res, data_start, data_len) =
        unsafe { (Resources::from_raw(cres), &mut *data_start, &mut *data_len) };
    super::query_occupancy(res, start, len, granularity, data_start, data_len)
}
