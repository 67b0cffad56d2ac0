/* SPDX-License-Identifier: GPL-2.0 */
/* C helpers of cachefiles.ko; the Rust side declares them in sys.rs. */
#ifndef FSRS_CACHEFILES_HELPERS_H
#define FSRS_CACHEFILES_HELPERS_H

#include <linux/types.h>

int fsrs_security_secctx_to_secid(const char *secdata, u32 seclen, u32 *secid);

#endif
