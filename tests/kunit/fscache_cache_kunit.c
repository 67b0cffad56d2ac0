// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite: the fscache cache-level API, driven through its C ABI with a
 * fake backend. It only uses exported symbols, so the same suite runs
 * against the kernel's C fscache.ko and against fscache-rs's.
 */
#include <kunit/test.h>
#include <linux/fscache-cache.h>
#include <linux/module.h>

static const struct fscache_cache_ops fake_ops = {
	.name = "kunit-fake",
};

static enum fscache_cache_state state_of(struct fscache_cache *cache)
{
	return smp_load_acquire(&cache->state);
}

/* A named cache starts out preparing and carries its name. */
static void acquire_relinquish(struct kunit *test)
{
	struct fscache_cache *cache = fscache_acquire_cache("kunit-a");

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(cache), "err %ld", PTR_ERR(cache));
	KUNIT_EXPECT_EQ(test, state_of(cache), FSCACHE_CACHE_IS_PREPARING);
	KUNIT_EXPECT_STREQ(test, cache->name, "kunit-a");
	fscache_relinquish_cache(cache);
}

/* A second backend cannot take a tag that is in use. */
static void acquire_busy(struct kunit *test)
{
	struct fscache_cache *cache = fscache_acquire_cache("kunit-b");
	struct fscache_cache *again;

	KUNIT_ASSERT_FALSE(test, IS_ERR(cache));
	again = fscache_acquire_cache("kunit-b");
	KUNIT_EXPECT_EQ(test, PTR_ERR(again), -EBUSY);
	fscache_relinquish_cache(cache);

	/* Once relinquished, the tag is free again. */
	again = fscache_acquire_cache("kunit-b");
	KUNIT_ASSERT_FALSE(test, IS_ERR(again));
	fscache_relinquish_cache(again);
}

/* add makes the cache active; withdraw waits for accesses and ends it. */
static void add_withdraw(struct kunit *test)
{
	struct fscache_cache *cache = fscache_acquire_cache("kunit-c");
	int priv;

	KUNIT_ASSERT_FALSE(test, IS_ERR(cache));
	KUNIT_ASSERT_EQ(test, fscache_add_cache(cache, &fake_ops, &priv), 0);
	KUNIT_EXPECT_EQ(test, state_of(cache), FSCACHE_CACHE_IS_ACTIVE);
	KUNIT_EXPECT_PTR_EQ(test, cache->ops, &fake_ops);
	KUNIT_EXPECT_PTR_EQ(test, cache->cache_priv, (void *)&priv);
	/* add pins one access until withdrawal. */
	KUNIT_EXPECT_EQ(test, atomic_read(&cache->n_accesses), 1);

	fscache_withdraw_cache(cache);
	KUNIT_EXPECT_EQ(test, state_of(cache), FSCACHE_CACHE_IS_WITHDRAWN);
	KUNIT_EXPECT_EQ(test, atomic_read(&cache->n_accesses), 0);
	fscache_relinquish_cache(cache);
}

/* An I/O error stops an active cache. */
static void io_error(struct kunit *test)
{
	struct fscache_cache *cache = fscache_acquire_cache("kunit-d");

	KUNIT_ASSERT_FALSE(test, IS_ERR(cache));
	KUNIT_ASSERT_EQ(test, fscache_add_cache(cache, &fake_ops, NULL), 0);
	fscache_io_error(cache);
	KUNIT_EXPECT_EQ(test, state_of(cache), FSCACHE_CACHE_GOT_IOERROR);
	fscache_withdraw_cache(cache);
	fscache_relinquish_cache(cache);
}

static struct kunit_case fscache_cache_cases[] = {
	KUNIT_CASE(acquire_relinquish),
	KUNIT_CASE(acquire_busy),
	KUNIT_CASE(add_withdraw),
	KUNIT_CASE(io_error),
	{}
};

static struct kunit_suite fscache_cache_suite = {
	.name = "fscache_cache",
	.test_cases = fscache_cache_cases,
};
kunit_test_suite(fscache_cache_suite);

MODULE_DESCRIPTION("KUnit tests of the fscache cache API (fscache-rs)");
MODULE_LICENSE("GPL");
