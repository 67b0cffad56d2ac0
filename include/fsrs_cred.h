/* SPDX-License-Identifier: GPL-2.0 */
/* Prototypes of rust/helpers/cred.c: credentials and security contexts. */
#ifndef FSRS_CRED_H
#define FSRS_CRED_H

#include <linux/types.h>

struct cred;

int fsrs_security_secctx_to_secid(const char *secdata, u32 seclen, u32 *secid);
void fsrs_put_cred(const struct cred *cred);
const struct cred *fsrs_get_cred(const struct cred *cred);

#endif
