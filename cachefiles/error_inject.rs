// SPDX-License-Identifier: GPL-2.0
//! Error injection (CONFIG_CACHEFILES_ERROR_INJECTION): a value written to
//! /proc/sys/cachefiles/error_injection makes backing-fs operations fail
//! before they are tried. Bit 0: writes fail with ENOSPC; bit 1: reads,
//! writes and removals fail with EIO.

use core::sync::atomic::{AtomicU32, Ordering};
use kernel::{ffi::c_int, prelude::*};

extern "C" {
    fn fsrs_register_error_injection(state: *mut u32) -> c_int;
    fn fsrs_unregister_error_injection();
}

static STATE: AtomicU32 = AtomicU32::new(0);

const ENABLED: bool = cfg!(CONFIG_CACHEFILES_ERROR_INJECTION);

fn state() -> u32 {
    if ENABLED {
        STATE.load(Ordering::Relaxed)
    } else {
        0
    }
}

pub(crate) fn inject_read() -> Result {
    if state() & 2 != 0 {
        return Err(EIO);
    }
    Ok(())
}

pub(crate) fn inject_write() -> Result {
    let s = state();
    if s & 2 != 0 {
        Err(EIO)
    } else if s & 1 != 0 {
        Err(ENOSPC)
    } else {
        Ok(())
    }
}

pub(crate) fn inject_remove() -> Result {
    inject_read()
}

/// The sysctl, registered while the module is loaded.
pub(crate) struct Registration;

impl Registration {
    pub(crate) fn register() -> Result<Self> {
        if ENABLED {
            // SAFETY: STATE is a static that outlives the sysctl, which
            // is unregistered in drop(); proc_douintvec reads and writes it
            // as an unsigned int, the layout of AtomicU32.
            kernel::error::to_result(unsafe { fsrs_register_error_injection(STATE.as_ptr()) })?;
        }
        Ok(Registration)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if ENABLED {
            // SAFETY: registered in register().
            unsafe { fsrs_unregister_error_injection() };
        }
    }
}
