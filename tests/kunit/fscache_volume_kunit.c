// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite: the fscache volume API, driven through its C ABI with no
 * cache, or a fake backend, bound. It only uses exported symbols, so the same suite
 * runs against the kernel's C fscache.ko and against fscache-rs's.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/fscache-cache.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <trace/events/fscache.h>

/*
 * Volume key hashes: they salt every cookie hash of the volume, and the low
 * byte of a cookie hash names cachefiles' fan-out directory, so every
 * fscache must agree on them. The same vectors are in the tests of
 * fscache/key_hash.rs (cookie hashes: fscache_cookie_kunit.c).
 */
static const struct {
	const char *key;
	u32 hash;
} volume_hashes[] = {
	{ "9p,share,", 0x62a4ec91 },
	{ "kunit,hash,", 0x57599981 },
	{ "a-volume-key-long-enough-to-span-several-words", 0x4ef0d773 },
};

static void key_hashes(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(volume_hashes); i++) {
		struct fscache_volume *volume;

		volume = fscache_acquire_volume(volume_hashes[i].key, NULL, NULL, 0);
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_OR_NULL(volume), "volume %s",
				       volume_hashes[i].key);
		KUNIT_EXPECT_EQ_MSG(test, volume->key_hash, volume_hashes[i].hash, "volume %s",
				    volume_hashes[i].key);
		fscache_relinquish_volume(volume, NULL, false);
	}
}

/* A second acquisition of a live volume's key is refused. */
static void duplicate_busy(struct kunit *test)
{
	struct fscache_volume *v1, *v2;

	v1 = fscache_acquire_volume("kunit,dup,", NULL, NULL, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(v1));
	v2 = fscache_acquire_volume("kunit,dup,", NULL, NULL, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(v2), -EBUSY);
	fscache_relinquish_volume(v1, NULL, false);

	/* Relinquished and freed: the key is free again. */
	v2 = fscache_acquire_volume("kunit,dup,", NULL, NULL, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(v2));
	fscache_relinquish_volume(v2, NULL, false);
}

/*
 * A volume being relinquished but still referenced (here by a backend's
 * try_get) makes a new acquisition of its key wait until it goes.
 */
struct collision_ctx {
	struct fscache_volume *old;
	struct completion started;
};

static int drop_old_later(void *data)
{
	struct collision_ctx *ctx = data;

	complete(&ctx->started);
	msleep(300);
	fscache_put_volume(ctx->old, fscache_volume_put_withdraw);
	return 0;
}

static void collision_waits_for_relinquish(struct kunit *test)
{
	struct collision_ctx ctx;
	struct fscache_volume *v1, *v2;
	struct task_struct *t;
	unsigned long start;

	v1 = fscache_acquire_volume("kunit,collide,", NULL, NULL, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(v1));
	ctx.old = fscache_try_get_volume(v1, fscache_volume_get_withdraw);
	KUNIT_ASSERT_PTR_EQ(test, ctx.old, v1);
	fscache_relinquish_volume(v1, NULL, false);
	KUNIT_EXPECT_TRUE(test, test_bit(FSCACHE_VOLUME_RELINQUISHED, &v1->flags));

	init_completion(&ctx.started);
	t = kthread_run(drop_old_later, &ctx, "kunit-vol-drop");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	wait_for_completion(&ctx.started);
	start = jiffies;
	v2 = fscache_acquire_volume("kunit,collide,", NULL, NULL, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(v2));
	/* It waited for the old one's last reference to go. */
	KUNIT_EXPECT_GE(test, jiffies - start, msecs_to_jiffies(200));
	KUNIT_EXPECT_FALSE(test, test_bit(FSCACHE_VOLUME_ACQUIRE_PENDING, &v2->flags));
	fscache_relinquish_volume(v2, NULL, false);
}

/* With a cache active, the backend is asked to create and free volumes. */
static atomic_t acquired, freed;
static int volume_priv;

static void fake_acquire_volume(struct fscache_volume *volume)
{
	atomic_inc(&acquired);
	volume->cache_priv = &volume_priv;
}

static void fake_free_volume(struct fscache_volume *volume)
{
	atomic_inc(&freed);
	volume->cache_priv = NULL;
}

static const struct fscache_cache_ops volume_ops = {
	.name = "kunit-vol",
	.acquire_volume = fake_acquire_volume,
	.free_volume = fake_free_volume,
};

static void backend_creates_and_frees(struct kunit *test)
{
	struct fscache_cache *cache = fscache_acquire_cache("kunit-vcache");
	struct fscache_volume *volume;

	KUNIT_ASSERT_FALSE(test, IS_ERR(cache));
	KUNIT_ASSERT_EQ(test, fscache_add_cache(cache, &volume_ops, NULL), 0);
	atomic_set(&acquired, 0);
	atomic_set(&freed, 0);

	volume = fscache_acquire_volume("kunit,backend,", "kunit-vcache", "coh", 3);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(volume));
	KUNIT_EXPECT_PTR_EQ(test, volume->cache, cache);
	KUNIT_EXPECT_EQ(test, volume->coherency_len, 3);
	KUNIT_EXPECT_EQ(test, memcmp(volume->coherency, "coh", 3), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&cache->n_volumes), 1);
	/* Creation runs in a work item; wait for it. */
	wait_on_bit(&volume->flags, FSCACHE_VOLUME_CREATING, TASK_UNINTERRUPTIBLE);
	KUNIT_EXPECT_EQ(test, atomic_read(&acquired), 1);
	KUNIT_EXPECT_PTR_EQ(test, volume->cache_priv, (void *)&volume_priv);

	fscache_relinquish_volume(volume, "new", false);
	KUNIT_EXPECT_EQ(test, atomic_read(&freed), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&cache->n_volumes), 0);

	fscache_withdraw_cache(cache);
	fscache_relinquish_cache(cache);
}

static struct kunit_case fscache_volume_cases[] = {
	KUNIT_CASE(key_hashes),
	KUNIT_CASE(duplicate_busy),
	KUNIT_CASE(collision_waits_for_relinquish),
	KUNIT_CASE(backend_creates_and_frees),
	{}
};

static struct kunit_suite fscache_volume_suite = {
	.name = "fscache_volume",
	.test_cases = fscache_volume_cases,
};
kunit_test_suite(fscache_volume_suite);

MODULE_DESCRIPTION("KUnit tests of the fscache volume API (fscache-rs)");
MODULE_LICENSE("GPL");
