// SPDX-License-Identifier: GPL-2.0
/*
 * The shared layer's C shims (rust/helpers/), built into this module: each
 * module includes the whole layer (rust/kext by path, these by #include),
 * as 6.12's Kbuild links one crate per module and an object may not be
 * linked into two modules.
 */
#include "../rust/helpers/cred.c"
#include "../rust/helpers/fs.c"
#include "../rust/helpers/fscache.c"
#include "../rust/helpers/refcount.c"
#include "../rust/helpers/sched.c"
#include "../rust/helpers/slab.c"
#include "../rust/helpers/uio.c"
#include "../rust/helpers/wait.c"
#include "../rust/helpers/workqueue.c"
#include "../rust/helpers/xarray.c"
