// SPDX-License-Identifier: GPL-2.0
/*
 * Test backend: registers an active cache named by its parameter on load
 * and withdraws it on unload, so guest tests can compare what either
 * fscache shows for a live cache (/proc/fs/fscache/caches). Uses only the
 * exported cache API.
 */
#include <linux/fscache-cache.h>
#include <linux/module.h>

static char *tag = "fsrs-probe";
module_param(tag, charp, 0444);
MODULE_PARM_DESC(tag, "name of the cache to register");

static const struct fscache_cache_ops probe_ops = {
	.name = "probe",
};

static struct fscache_cache *probe_cache;

static int __init fscache_probe_init(void)
{
	int ret;

	probe_cache = fscache_acquire_cache(tag);
	if (IS_ERR(probe_cache))
		return PTR_ERR(probe_cache);
	ret = fscache_add_cache(probe_cache, &probe_ops, NULL);
	if (ret < 0)
		fscache_relinquish_cache(probe_cache);
	return ret;
}
module_init(fscache_probe_init);

static void __exit fscache_probe_exit(void)
{
	fscache_withdraw_cache(probe_cache);
	fscache_relinquish_cache(probe_cache);
}
module_exit(fscache_probe_exit);

MODULE_DESCRIPTION("fscache-rs test backend: one empty cache");
MODULE_LICENSE("GPL");
