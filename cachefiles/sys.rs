// SPDX-License-Identifier: GPL-2.0
//! Safe wrappers for the few kernel services the daemon interface uses
//! that the `kernel` crate does not wrap.

use kernel::{bindings, error::to_result, ffi::c_int, prelude::*};

extern "C" {
    // helpers.c: security_secctx_to_secid() is a static inline without LSMs.
    fn fsrs_security_secctx_to_secid(secdata: *const u8, seclen: u32, secid: *mut u32) -> c_int;
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
