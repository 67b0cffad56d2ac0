// SPDX-License-Identifier: GPL-2.0
/*
 * Test backend: registers an active cache named by its parameter on load,
 * and a volume and a cookie in it if asked, and takes them down on unload, so guest
 * tests can compare what either fscache shows for them in
 * /proc/fs/fscache/. It also shows fscache_stats_show()'s lines in
 * /proc/fsrs-probe-stats, the way netfs's stats file does, since netfs
 * need not be loaded. Uses only the exported API.
 */
#include <linux/fscache-cache.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/wait_bit.h>

static char *tag = "fsrs-probe";
module_param(tag, charp, 0444);
MODULE_PARM_DESC(tag, "name of the cache to register");

static char *volume;
module_param(volume, charp, 0444);
MODULE_PARM_DESC(volume, "key of a volume to acquire in the cache (none if unset)");

static char *cookie;
module_param(cookie, charp, 0444);
MODULE_PARM_DESC(cookie, "key of a cookie to acquire in the volume, with aux data \"aux\"");

/* Order of /proc/fs/fscache/volumes after a removal: "order,0" to
 * "order,3" acquired in that order, then "order,1" relinquished. */
static bool order;
module_param(order, bool, 0444);
MODULE_PARM_DESC(order, "acquire volumes order,0..3 and relinquish order,1");
#define ORDER_N 4

/* A large cookie table: "many" cookies, keys k0000000 up, in the volume. */
static unsigned int many;
module_param(many, uint, 0444);
MODULE_PARM_DESC(many, "number of extra cookies to acquire in the volume");
static struct fscache_cookie **many_cookies;

static const struct fscache_cache_ops probe_ops = {
	.name = "probe",
};

/* Exported by fscache for netfs; declared in no public header. */
int fscache_stats_show(struct seq_file *m);

static int probe_stats_show(struct seq_file *m, void *v)
{
	return fscache_stats_show(m);
}

static struct fscache_cache *probe_cache;
static struct fscache_volume *probe_volume;
static struct fscache_cookie *probe_cookie;
static struct fscache_volume *order_volumes[ORDER_N];

static int acquire_order_volumes(void)
{
	char key[16];
	int i;

	for (i = 0; i < ORDER_N; i++) {
		snprintf(key, sizeof(key), "order,%d", i);
		order_volumes[i] = fscache_acquire_volume(key, tag, NULL, 0);
		if (IS_ERR_OR_NULL(order_volumes[i])) {
			int ret = order_volumes[i] ? PTR_ERR(order_volumes[i]) : -ENOMEM;

			order_volumes[i] = NULL;
			return ret;
		}
		wait_on_bit(&order_volumes[i]->flags, FSCACHE_VOLUME_CREATING,
			    TASK_UNINTERRUPTIBLE);
	}
	fscache_relinquish_volume(order_volumes[1], NULL, false);
	order_volumes[1] = NULL;
	return 0;
}

static int acquire_many(void)
{
	char key[16];
	unsigned int i;

	many_cookies = kvcalloc(many, sizeof(*many_cookies), GFP_KERNEL);
	if (!many_cookies)
		return -ENOMEM;
	for (i = 0; i < many; i++) {
		snprintf(key, sizeof(key), "k%07u", i);
		many_cookies[i] = fscache_acquire_cookie(probe_volume, 0, key, strlen(key),
							 NULL, 0, 0);
		if (!many_cookies[i])
			return -ENOMEM;
		cond_resched();
	}
	return 0;
}

static void relinquish_many(void)
{
	unsigned int i;

	if (!many_cookies)
		return;
	for (i = 0; i < many; i++) {
		if (many_cookies[i])
			fscache_relinquish_cookie(many_cookies[i], false);
		cond_resched();
	}
	kvfree(many_cookies);
	many_cookies = NULL;
}

static void relinquish_order_volumes(void)
{
	int i;

	for (i = 0; i < ORDER_N; i++)
		if (order_volumes[i])
			fscache_relinquish_volume(order_volumes[i], NULL, false);
}

/* Gives back everything init set up, newest first. */
static void release_all(void)
{
	relinquish_many();
	relinquish_order_volumes();
	if (probe_cookie)
		fscache_relinquish_cookie(probe_cookie, false);
	if (probe_volume)
		fscache_relinquish_volume(probe_volume, NULL, false);
	fscache_withdraw_cache(probe_cache);
	fscache_relinquish_cache(probe_cache);
	remove_proc_entry("fsrs-probe-stats", NULL);
}

static int __init fscache_probe_init(void)
{
	int ret;

	if (!proc_create_single("fsrs-probe-stats", 0444, NULL, probe_stats_show))
		return -ENOMEM;
	probe_cache = fscache_acquire_cache(tag);
	if (IS_ERR(probe_cache)) {
		remove_proc_entry("fsrs-probe-stats", NULL);
		return PTR_ERR(probe_cache);
	}
	ret = fscache_add_cache(probe_cache, &probe_ops, NULL);
	if (ret < 0)
		goto err_cache;
	if (volume) {
		probe_volume = fscache_acquire_volume(volume, tag, NULL, 0);
		if (IS_ERR_OR_NULL(probe_volume)) {
			ret = probe_volume ? PTR_ERR(probe_volume) : -ENOMEM;
			goto err_withdraw;
		}
		/* Let creation finish, so the table shows a settled volume. */
		wait_on_bit(&probe_volume->flags, FSCACHE_VOLUME_CREATING, TASK_UNINTERRUPTIBLE);
		if (cookie)
			probe_cookie = fscache_acquire_cookie(probe_volume, 0, cookie,
							      strlen(cookie), "aux", 3, 0);
	}
	if (order) {
		ret = acquire_order_volumes();
		if (ret < 0)
			goto err_volumes;
	}
	if (many && probe_volume) {
		ret = acquire_many();
		if (ret < 0)
			goto err_volumes;
	}
	return 0;

err_volumes:
	release_all();
	return ret;
err_withdraw:
	fscache_withdraw_cache(probe_cache);
err_cache:
	fscache_relinquish_cache(probe_cache);
	remove_proc_entry("fsrs-probe-stats", NULL);
	return ret;
}
module_init(fscache_probe_init);

static void __exit fscache_probe_exit(void)
{
	release_all();
}
module_exit(fscache_probe_exit);

MODULE_DESCRIPTION("fscache-rs test backend: one empty cache, maybe a volume and a cookie");
MODULE_LICENSE("GPL");
