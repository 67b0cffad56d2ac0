// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel microbenchmark of the fscache cookie API through its C ABI,
 * with a fake cache backend: the same module measures the kernel's C
 * fscache.ko and fscache-rs's (scripts/bench loads it in every cell).
 *
 * On load it binds a cache ("bench") with a backend that attaches a dummy
 * object on lookup, acquires a volume, then runs each measurement and
 * logs one line per figure:
 *
 *   fscache_bench: NAME ops=N ns_per_op=X
 *
 * acquire_relinquish: acquire a cookie (a distinct 8-byte key each, as 9p
 *	uses), relinquish it; the time runs until the last cookie is freed,
 *	so the asynchronous half of relinquishing is counted too.
 * use_unuse: acquire, use (which looks the object up in the backend),
 *	unuse, relinquish (which withdraws it), also until all are freed.
 *
 * With hold=N it then acquires N cookies and keeps them until the module
 * is removed, so that the slab figures of a live cookie can be read from
 * /proc/meminfo and /proc/slabinfo while they exist.
 */
#include <linux/delay.h>
#include <linux/fscache-cache.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/netfs.h>
#include <linux/vmalloc.h>
#include <trace/events/fscache.h>

static unsigned int ops = 20000;
module_param(ops, uint, 0444);
MODULE_PARM_DESC(ops, "operations per measurement");
static unsigned int rounds = 3;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "times each measurement is repeated (each logged)");
static bool split;
module_param(split, bool, 0444);
MODULE_PARM_DESC(split, "also time acquiring and relinquishing apart");
static unsigned int hold;
module_param(hold, uint, 0444);
MODULE_PARM_DESC(hold, "cookies to acquire and keep until unload");

static struct fscache_cache *cache;
static struct fscache_volume *volume;
static struct fscache_cookie **held;
static unsigned int n_held;
static int dummy_volume, dummy_object;

static void bench_acquire_volume(struct fscache_volume *v)
{
	atomic_inc(&v->n_accesses);	/* pinned until withdrawal */
	v->cache_priv = &dummy_volume;
}

static void bench_free_volume(struct fscache_volume *v)
{
	v->cache_priv = NULL;
}

static bool bench_lookup_cookie(struct fscache_cookie *cookie)
{
	/* As cachefiles' objects do, ours pins the cookie until withdrawn. */
	fscache_get_cookie(cookie, fscache_cookie_get_attach_object);
	cookie->cache_priv = &dummy_object;
	fscache_count_object(cookie->volume->cache);
	return true;
}

static void bench_withdraw_cookie(struct fscache_cookie *cookie)
{
	cookie->cache_priv = NULL;
	fscache_uncount_object(cookie->volume->cache);
	fscache_put_cookie(cookie, fscache_cookie_put_object);
}

static void bench_end_operation(struct netfs_cache_resources *cres)
{
	fscache_end_cookie_access(fscache_cres_cookie(cres), fscache_access_io_end);
}

static const struct netfs_cache_ops bench_netfs_ops = {
	.end_operation = bench_end_operation,
};

static bool bench_begin_operation(struct netfs_cache_resources *cres,
				  enum fscache_want_state want_state)
{
	cres->ops = &bench_netfs_ops;
	cres->cache_priv2 = &dummy_object;
	return true;
}

static void bench_resize_cookie(struct netfs_cache_resources *cres, loff_t new_size)
{
}

static bool bench_invalidate_cookie(struct fscache_cookie *cookie)
{
	fscache_resume_after_invalidation(cookie);
	return true;
}

static void bench_prepare_to_write(struct fscache_cookie *cookie)
{
}

static const struct fscache_cache_ops bench_ops = {
	.name			= "bench-fake",
	.acquire_volume		= bench_acquire_volume,
	.free_volume		= bench_free_volume,
	.lookup_cookie		= bench_lookup_cookie,
	.withdraw_cookie	= bench_withdraw_cookie,
	.resize_cookie		= bench_resize_cookie,
	.invalidate_cookie	= bench_invalidate_cookie,
	.begin_operation	= bench_begin_operation,
	.prepare_to_write	= bench_prepare_to_write,
};

static struct fscache_cookie *acquire(u64 key)
{
	/* 9p's shape: the inode's qid path as key, version and size as aux. */
	struct { __le64 version, size; } aux = { cpu_to_le64(key), 0 };
	__le64 k = cpu_to_le64(key);

	return fscache_acquire_cookie(volume, 0, &k, sizeof(k), &aux, sizeof(aux), 4096);
}

/*
 * Waits (up to 60 s) until every cookie acquired so far is relinquished
 * and every object withdrawn (the backend counts them): then only the
 * cookies' last puts, which follow the withdrawal in the same work item,
 * are left.
 */
static bool drain(void)
{
	int i;

	for (i = 0; i < 60000; i++) {
		if (atomic_read(&volume->n_cookies) == 0 &&
		    atomic_read(&cache->object_count) == 0)
			return true;
		usleep_range(200, 400);
	}
	pr_err("fscache_bench: not drained: n_cookies=%d objects=%d\n",
	       atomic_read(&volume->n_cookies), atomic_read(&cache->object_count));
	return false;
}

/*
 * @ops cycles of acquire, (with @use: use and unuse,) relinquish, on fresh
 * keys from @base, timed until every object is withdrawn.
 */
static int run_cycles(const char *name, u64 base, bool use)
{
	unsigned int i;
	u64 t0 = ktime_get_ns();

	for (i = 0; i < ops; i++) {
		struct fscache_cookie *c = acquire(base + i);

		if (!c)
			return -ENOMEM;
		if (use) {
			fscache_use_cookie(c, false);
			fscache_unuse_cookie(c, NULL, NULL);
		}
		fscache_relinquish_cookie(c, false);
	}
	if (!drain())
		return -ETIMEDOUT;
	pr_info("fscache_bench: %s ops=%u ns_per_op=%llu\n", name, ops,
		div_u64(ktime_get_ns() - t0, ops));
	return 0;
}

/* The two halves apart: n acquires, then n relinquishes, then the frees. */
static int run_split(u64 base)
{
	unsigned int i;
	struct fscache_cookie **cs = vcalloc(ops, sizeof(*cs));
	u64 t0, t1, t2;

	if (!cs)
		return -ENOMEM;
	t0 = ktime_get_ns();
	for (i = 0; i < ops; i++) {
		cs[i] = acquire(base + i);
		if (!cs[i])
			break;
	}
	t1 = ktime_get_ns();
	while (i > 0)
		fscache_relinquish_cookie(cs[--i], false);
	t2 = ktime_get_ns();
	vfree(cs);
	if (!drain())
		return -ETIMEDOUT;
	pr_info("fscache_bench: split acquire_ns=%llu relinquish_ns=%llu drain_ns=%llu\n",
		div_u64(t1 - t0, ops), div_u64(t2 - t1, ops), div_u64(ktime_get_ns() - t2, ops));
	return 0;
}

static int hold_cookies(u64 base)
{
	held = vcalloc(hold, sizeof(*held));
	if (!held)
		return -ENOMEM;
	for (n_held = 0; n_held < hold; n_held++) {
		held[n_held] = acquire(base + n_held);
		if (!held[n_held])
			return -ENOMEM;
	}
	pr_info("fscache_bench: holding %u cookies\n", n_held);
	return 0;
}

static void release_all(void)
{
	while (n_held > 0)
		fscache_relinquish_cookie(held[--n_held], false);
	vfree(held);
	held = NULL;
	if (volume) {
		/* What cachefiles does when its cache goes: fscache, then volumes. */
		fscache_withdraw_cache(cache);
		fscache_wait_for_objects(cache);
		if (volume->cache_priv) {
			fscache_withdraw_volume(volume);
			volume->cache_priv = NULL;
		}
		fscache_relinquish_volume(volume, NULL, false);
		volume = NULL;
	}
	if (!IS_ERR_OR_NULL(cache))
		fscache_relinquish_cache(cache);
	cache = NULL;
}

static int __init fscache_bench_init(void)
{
	unsigned int r;
	int ret;

	cache = fscache_acquire_cache("bench");
	if (IS_ERR(cache))
		return PTR_ERR(cache);
	ret = fscache_add_cache(cache, &bench_ops, NULL);
	if (ret < 0)
		goto fail;
	volume = fscache_acquire_volume("bench,vol,", "bench", NULL, 0);
	if (IS_ERR_OR_NULL(volume)) {
		ret = volume ? PTR_ERR(volume) : -ENOMEM;
		volume = NULL;
		goto fail;
	}
	for (r = 0; r < rounds && ret == 0; r++) {
		ret = run_cycles("acquire_relinquish", (u64)(2 * r) << 32, false);
		if (ret == 0)
			ret = run_cycles("use_unuse", (u64)(2 * r + 1) << 32, true);
		if (ret == 0 && split)
			ret = run_split((u64)(2 * r + 2 * rounds + 2) << 32);
	}
	if (ret == 0 && hold)
		ret = hold_cookies((u64)(2 * rounds) << 32);
	if (ret < 0)
		goto fail;
	return 0;
fail:
	pr_err("fscache_bench: failed: %d\n", ret);
	release_all();
	return ret;
}

static void __exit fscache_bench_exit(void)
{
	release_all();
}

module_init(fscache_bench_init);
module_exit(fscache_bench_exit);
MODULE_DESCRIPTION("fscache-rs benchmark: cookie API cost with a fake backend");
MODULE_LICENSE("GPL");
