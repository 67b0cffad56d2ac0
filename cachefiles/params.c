// SPDX-License-Identifier: GPL-2.0
/*
 * C shims of cachefiles.ko: the debug module parameter and the error-
 * injection sysctl.
 */
#include <linux/moduleparam.h>
#include <linux/sysctl.h>
#include "helpers.h"

/*
 * The debug mask: the "debug" module parameter (modprobe cachefiles
 * debug=4, /sys/module/cachefiles/parameters/debug), as C has it, and the
 * daemon's "debug" command. 6.12's Rust module! has no parameters.
 */
static unsigned int cachefiles_debug;
module_param_named(debug, cachefiles_debug, uint, 0644);
MODULE_PARM_DESC(debug, "CacheFiles debugging mask");

unsigned int fsrs_debug_mask(void)
{
	return READ_ONCE(cachefiles_debug);
}

void fsrs_set_debug_mask(unsigned int mask)
{
	WRITE_ONCE(cachefiles_debug, mask);
}

/* /proc/sys/cachefiles/error_injection (CACHEFILES_ERROR_INJECTION). */

static struct ctl_table_header *fsrs_sysctl;
static struct ctl_table fsrs_sysctls[] = {
	{
		.procname	= "error_injection",
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= proc_douintvec,
	},
};

int fsrs_register_error_injection(unsigned int *state)
{
	fsrs_sysctls[0].data = state;
	fsrs_sysctl = register_sysctl("cachefiles", fsrs_sysctls);
	return fsrs_sysctl ? 0 : -ENOMEM;
}

void fsrs_unregister_error_injection(void)
{
	unregister_sysctl_table(fsrs_sysctl);
}
