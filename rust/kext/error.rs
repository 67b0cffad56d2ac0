// SPDX-License-Identifier: GPL-2.0
//! The errnos fscache and cachefiles return that 6.12's
//! `kernel::error::code` lacks, in one place for both modules.
//!
//! Upstream declares them as constants (`kernel::error::code::ENOBUFS`
//! and others, added over 6.13..6.16); 6.12's `Error` cannot be built in a
//! `const` outside the kernel crate, so these are functions of the same
//! names: `ENOBUFS()` here is `ENOBUFS` there.

/// Error codes, as `kernel::error::code`.
pub mod code {
    use kernel::{bindings, error::Error};

    macro_rules! errnos {
        ($($name:ident),*) => {
            $(
                #[doc = concat!("`-", stringify!($name), "`.")]
                #[inline]
                #[allow(non_snake_case)]
                pub fn $name() -> Error {
                    Error::from_errno(-(bindings::$name as i32))
                }
            )*
        };
    }

    errnos!(EMSGSIZE, ENAMETOOLONG, ENOBUFS, ENODATA, EOPNOTSUPP, ESTALE);
}
