// SPDX-License-Identifier: GPL-2.0
//! Synchronisation primitives 6.12's `kernel::sync` lacks.

pub mod completion;
pub mod once;
pub mod poll;
