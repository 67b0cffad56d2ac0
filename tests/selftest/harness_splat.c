// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test: a module that splats on load, so the test suite can
 * prove the VM runner fails a run whose console shows a kernel warning.
 * Only the harness self-tests load it.
 */
#include <linux/module.h>

static char *kind = "warn";
module_param(kind, charp, 0444);
MODULE_PARM_DESC(kind, "warn: WARN() on load; none: load quietly");

static int __init harness_splat_init(void)
{
	if (!strcmp(kind, "warn"))
		WARN(1, "fscache-rs harness self-test: deliberate warning\n");
	return 0;
}
module_init(harness_splat_init);

static void __exit harness_splat_exit(void)
{
}
module_exit(harness_splat_exit);

MODULE_DESCRIPTION("fscache-rs VM harness self-test (deliberate splat)");
MODULE_LICENSE("GPL");
