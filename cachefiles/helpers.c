// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for kernel static inlines and macros the Rust side of
 * cachefiles.ko calls (bindgen cannot bind those).
 */
#include <linux/security.h>
#include "helpers.h"

int fsrs_security_secctx_to_secid(const char *secdata, u32 seclen, u32 *secid)
{
	return security_secctx_to_secid(secdata, seclen, secid);
}
