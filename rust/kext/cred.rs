// SPDX-License-Identifier: GPL-2.0
//! Credentials: `ARef<Credential>` counts a reference (get_cred/put_cred),
//! [`NewCred`] is a set being prepared, [`with_creds`] runs a closure with
//! a set in force for the current task. Upstream: `kernel::cred::Credential`
//! (6.13), whose names this follows; the other two have no upstream
//! equivalent.

use super::fs::inode::Inode;
use core::ptr::NonNull;
use kernel::{
    bindings,
    error::{to_result, Error},
    prelude::*,
    types::{ARef, AlwaysRefCounted, Opaque},
};

// Only pointers to these C types cross; their layout does not matter here.
#[allow(improper_ctypes)]
extern "C" {
    // rust/helpers/cred.c
    fn fsrs_put_cred(cred: *const bindings::cred);
    fn fsrs_get_cred(cred: *const bindings::cred) -> *const bindings::cred;
}

/// A set of credentials.
///
/// # Invariants
///
/// Only references to it exist, each backed by a counted reference held by
/// its owner; the credentials are not changed while shared.
#[repr(transparent)]
pub struct Credential(Opaque<bindings::cred>);

// SAFETY: credentials are immutable once shared and refcounted.
unsafe impl Send for Credential {}
// SAFETY: see `Send`.
unsafe impl Sync for Credential {}

// SAFETY: get_cred()/put_cred() count the references; the credentials are
// freed only after the last.
unsafe impl AlwaysRefCounted for Credential {
    fn inc_ref(&self) {
        // SAFETY: `&self` proves a reference is held.
        unsafe { fsrs_get_cred(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it holds.
        unsafe { fsrs_put_cred(obj.as_ref().as_ptr()) };
    }
}

impl Credential {
    /// Borrows credentials someone holds a reference on.
    ///
    /// # Safety
    ///
    /// `ptr` must be valid and referenced for `'a`.
    pub unsafe fn from_ptr<'a>(ptr: *const bindings::cred) -> &'a Credential {
        // SAFETY: transparent wrapper; validity per the caller.
        unsafe { &*ptr.cast::<Credential>() }
    }

    pub fn as_ptr(&self) -> *const bindings::cred {
        self.0.get()
    }
}

/// Credentials being prepared: not yet shared, so they may be changed.
/// Dropped unused, they are aborted.
///
/// # Invariants
///
/// `self.0` came from `prepare_creds()` or `prepare_kernel_cred()`, is
/// owned by this object (one reference), and is neither committed nor
/// shared.
pub struct NewCred(NonNull<bindings::cred>);

impl NewCred {
    /// Copies the task's current (subjective) credentials: inside
    /// [`with_creds`], the overriding ones.
    pub fn prepare() -> Result<NewCred> {
        // SAFETY: prepare_creds() has no precondition; it copies the
        // current task's subjective credentials.
        let new = NonNull::new(unsafe { bindings::prepare_creds() }).ok_or(ENOMEM)?;
        // INVARIANT: freshly prepared, and only this object has it.
        Ok(NewCred(new))
    }

    /// Kernel credentials based on the current task's
    /// (`prepare_kernel_cred(current)`).
    pub fn prepare_kernel() -> Result<NewCred> {
        // SAFETY: prepare_kernel_cred() copies the given task's creds; the
        // current task is live.
        let new = unsafe { bindings::prepare_kernel_cred(bindings::get_current()) };
        // INVARIANT: freshly prepared, and only this object has it.
        Ok(NewCred(NonNull::new(new).ok_or(ENOMEM)?))
    }

    /// `set_security_override()`: the LSM context `secid` for actions
    /// taken with these credentials.
    pub fn set_security_override(&mut self, secid: u32) -> Result {
        // SAFETY: ours and unshared (type invariant).
        to_result(unsafe { bindings::set_security_override(self.0.as_ptr(), secid) })
    }

    /// `set_create_files_as()`: files are created as `inode`'s owner and
    /// security context. The LSM checks the *current* subject against
    /// `inode`.
    pub fn set_create_files_as(&mut self, inode: &Inode) -> Result {
        // SAFETY: ours and unshared (type invariant); the inode is pinned
        // while borrowed.
        let r = unsafe { bindings::set_create_files_as(self.0.as_ptr(), inode.as_ptr()) };
        if r < 0 {
            return Err(Error::from_errno(r));
        }
        Ok(())
    }

    /// The prepared credentials, to be shared from now on (not committed to
    /// the task: used for overrides and opens).
    pub fn into_credential(self) -> ARef<Credential> {
        let new = self.0;
        core::mem::forget(self);
        // SAFETY: our one reference is handed over (type invariant), and
        // no one changes the credentials from now on.
        unsafe { ARef::from_raw(new.cast()) }
    }
}

impl Drop for NewCred {
    fn drop(&mut self) {
        // SAFETY: prepared by us, never committed or shared.
        unsafe { bindings::abort_creds(self.0.as_ptr()) };
    }
}

/// Runs `f` with `cred` in force for the current task
/// (`override_creds()` before, `revert_creds()` after), and returns what
/// it returns.
///
/// A closure rather than a guard: overrides nest as calls do, so each is
/// reverted on the task that made it, after every override made inside
/// it, and none can be forgotten (`mem::forget`) or dropped out of order,
/// which would leave the task on the wrong credentials.
pub fn with_creds<R>(cred: &Credential, f: impl FnOnce() -> R) -> R {
    // SAFETY: `cred` is valid and referenced for the whole call, so it
    // outlives the override, which is reverted below.
    let old = unsafe { bindings::override_creds(cred.as_ptr()) };
    let r = f();
    // SAFETY: `old` is what override_creds() returned on this task, and
    // every override `f` made has been reverted by now (they nest as calls
    // do), so ours is the one in force.
    unsafe { bindings::revert_creds(old) };
    r
}
