// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for the kernel abstractions (rust/kext): credentials and security
 * contexts. Static inlines and macros bindgen cannot bind; each is a plain
 * wrapper.
 */
#include <linux/cred.h>
#include <linux/security.h>
#include "../../include/fsrs_cred.h"

int fsrs_security_secctx_to_secid(const char *secdata, u32 seclen, u32 *secid)
{
	return security_secctx_to_secid(secdata, seclen, secid);
}

/* Credentials. */

void fsrs_put_cred(const struct cred *cred)
{
	put_cred(cred);
}

const struct cred *fsrs_get_cred(const struct cred *cred)
{
	return get_cred(cred);
}
