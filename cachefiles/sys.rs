// SPDX-License-Identifier: GPL-2.0
//! Safe wrappers for the few kernel services the daemon interface uses
//! that the `kernel` crate does not wrap: capabilities, security contexts,
//! the debug mask.

use kernel::{bindings, error::to_result, ffi::c_int, prelude::*};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/cred.c: security_secctx_to_secid() is a static inline
    // without LSMs.
    fn fsrs_security_secctx_to_secid(secdata: *const u8, seclen: u32, secid: *mut u32) -> c_int;
    fn fsrs_debug_mask() -> u32;
    fn fsrs_set_debug_mask(mask: u32);
}

/// The debug mask: the `debug` module parameter, which the daemon's
/// `debug` command also sets (params.c holds it, as 6.12's `module!` has
/// no parameters).
pub(crate) fn debug_mask() -> u32 {
    // SAFETY: a READ_ONCE of a static of params.c; no precondition.
    unsafe { fsrs_debug_mask() }
}

/// Sets the debug mask (the daemon's `debug` command).
pub(crate) fn set_debug_mask(mask: u32) {
    // SAFETY: a WRITE_ONCE of a static of params.c; no precondition.
    unsafe { fsrs_set_debug_mask(mask) }
}

/// Whether the calling task has CAP_SYS_ADMIN (and so may run a cache).
pub(crate) fn capable_sys_admin() -> bool {
    // SAFETY: capable() only reads the current task's credentials.
    unsafe { bindings::capable(bindings::CAP_SYS_ADMIN as c_int) }
}

/// Turns a security context string into the LSM's secid.
pub(crate) fn secctx_to_secid(ctx: &[u8]) -> Result<u32> {
    let len = u32::try_from(ctx.len()).map_err(|_| EINVAL)?;
    let mut secid = 0u32;
    // SAFETY: `ctx` is valid for `len` bytes; `secid` is a valid out pointer.
    to_result(unsafe { fsrs_security_secctx_to_secid(ctx.as_ptr(), len, &mut secid) })?;
    Ok(secid)
}
