// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite: the fscache cookie API, driven through its C ABI with a
 * fake cache backend. It only uses exported symbols and header inlines,
 * so the same suite runs against the kernel's C fscache.ko and against
 * fscache-rs's.
 *
 * Each case gets a fresh cache ("kunit-ck") with the fake backend and a
 * volume in it. The backend attaches a dummy object on lookup and can be
 * told to fail lookups, report a negative lookup, fail caching, or block
 * a lookup until released.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/fscache-cache.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/netfs.h>
#include <trace/events/fscache.h>

/*
 * Key hashes: the low byte of a cookie's hash names the fan-out directory
 * cachefiles stores its file in, so every fscache must agree on them. The
 * same vectors are in the tests of fscache/key_hash.rs.
 */
struct hash_vector {
	const char *volume_key;
	const void *cookie_key;
	size_t cookie_key_len;
	u32 volume_hash;
	u32 cookie_hash;
};

static const struct hash_vector hash_vectors[] = {
	{ "9p,share,", "\x13\xc1\x98\x00\x00\x00\x00\x00", 8, 0x62a4ec91, 0x30ce124a },
	{ "kunit,hash,", "abc", 3, 0x57599981, 0x9fb1e871 },
	{ "kunit,hash,", "0123456789abcdef", 16, 0x57599981, 0xe18f3b00 },
	{ "kunit,hash,", "0123456789abcdefg", 17, 0x57599981, 0x49cb35cd },
	{ "a-volume-key-long-enough-to-span-several-words", "\xff\x00\x80\x7f\x01", 5,
	  0x4ef0d773, 0x04604550 },
};

static void cookie_key_hashes(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(hash_vectors); i++) {
		const struct hash_vector *v = &hash_vectors[i];
		struct fscache_volume *volume;
		struct fscache_cookie *cookie;

		volume = fscache_acquire_volume(v->volume_key, NULL, NULL, 0);
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_OR_NULL(volume), "volume %s", v->volume_key);
		KUNIT_EXPECT_EQ_MSG(test, volume->key_hash, v->volume_hash, "volume %s",
				    v->volume_key);
		cookie = fscache_acquire_cookie(volume, FSCACHE_ADV_SINGLE_CHUNK, v->cookie_key,
						v->cookie_key_len, NULL, 0, 0);
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_OR_NULL(cookie), "vector %d", i);
		KUNIT_EXPECT_EQ_MSG(test, cookie->key_hash, v->cookie_hash, "vector %d", i);
		fscache_relinquish_cookie(cookie, false);
		fscache_relinquish_volume(volume, NULL, false);
	}
}

/* ---- The fake backend ---- */

enum lookup_mode { LOOKUP_OK, LOOKUP_FAIL, LOOKUP_NEGATIVE, LOOKUP_CACHING_FAILED };

static struct fake {
	struct fscache_cache *cache;
	struct fscache_volume *volume;
	enum lookup_mode mode;
	struct completion *lookup_gate;	/* if set, lookups wait for it */
	struct completion lookup_started;
	atomic_t lookups, withdrawals, invalidations, prep_writes, resizes, volumes;
	loff_t last_resize;
	u8 state_in_lookup;		/* state seen after lookup_negative */
	bool retired_seen;
} fake;

static int fake_volume_obj, fake_object;

static void fake_acquire_volume(struct fscache_volume *volume)
{
	atomic_inc(&fake.volumes);
	atomic_inc(&volume->n_accesses);	/* pinned until withdrawal */
	volume->cache_priv = &fake_volume_obj;
}

static void fake_free_volume(struct fscache_volume *volume)
{
	volume->cache_priv = NULL;
}

static bool fake_lookup_cookie(struct fscache_cookie *cookie)
{
	atomic_inc(&fake.lookups);
	complete(&fake.lookup_started);
	if (fake.lookup_gate)
		wait_for_completion(fake.lookup_gate);
	switch (fake.mode) {
	case LOOKUP_FAIL:
		return false;
	case LOOKUP_CACHING_FAILED:
		fscache_caching_failed(cookie);
		return false;
	case LOOKUP_NEGATIVE:
		fscache_cookie_lookup_negative(cookie);
		fake.state_in_lookup = READ_ONCE(cookie->state);
		break;
	case LOOKUP_OK:
		break;
	}
	/* As cachefiles' objects do, ours pins the cookie until withdrawn. */
	fscache_get_cookie(cookie, fscache_cookie_get_attach_object);
	cookie->cache_priv = &fake_object;
	fscache_count_object(cookie->volume->cache);
	return true;
}

static void fake_withdraw_cookie(struct fscache_cookie *cookie)
{
	atomic_inc(&fake.withdrawals);
	fake.retired_seen = test_bit(FSCACHE_COOKIE_RETIRED, &cookie->flags);
	cookie->cache_priv = NULL;
	fscache_uncount_object(cookie->volume->cache);
	fscache_put_cookie(cookie, fscache_cookie_put_object);
}

static bool fake_invalidate_cookie(struct fscache_cookie *cookie)
{
	atomic_inc(&fake.invalidations);
	fscache_resume_after_invalidation(cookie);
	return true;
}

static void fake_end_operation(struct netfs_cache_resources *cres)
{
	fscache_end_cookie_access(fscache_cres_cookie(cres), fscache_access_io_end);
}

static const struct netfs_cache_ops fake_netfs_ops = {
	.end_operation = fake_end_operation,
};

static bool fake_begin_operation(struct netfs_cache_resources *cres,
				 enum fscache_want_state want_state)
{
	cres->ops = &fake_netfs_ops;
	cres->cache_priv2 = &fake_object;
	return true;
}

static void fake_resize_cookie(struct netfs_cache_resources *cres, loff_t new_size)
{
	atomic_inc(&fake.resizes);
	fake.last_resize = new_size;
}

static void fake_prepare_to_write(struct fscache_cookie *cookie)
{
	atomic_inc(&fake.prep_writes);
}

static const struct fscache_cache_ops fake_ops = {
	.name			= "kunit-fake",
	.acquire_volume		= fake_acquire_volume,
	.free_volume		= fake_free_volume,
	.lookup_cookie		= fake_lookup_cookie,
	.withdraw_cookie	= fake_withdraw_cookie,
	.resize_cookie		= fake_resize_cookie,
	.invalidate_cookie	= fake_invalidate_cookie,
	.begin_operation	= fake_begin_operation,
	.prepare_to_write	= fake_prepare_to_write,
};

static int fake_bind(struct kunit *test, const char *name)
{
	fake.cache = fscache_acquire_cache(name);
	if (IS_ERR(fake.cache))
		return PTR_ERR(fake.cache);
	return fscache_add_cache(fake.cache, &fake_ops, NULL);
}

static int cookie_case_init(struct kunit *test)
{
	memset(&fake, 0, sizeof(fake));
	init_completion(&fake.lookup_started);
	if (fake_bind(test, "kunit-ck") < 0)
		return -ENODEV;
	fake.volume = fscache_acquire_volume("kunit,ck,", "kunit-ck", NULL, 0);
	if (IS_ERR_OR_NULL(fake.volume))
		return -ENOMEM;
	return 0;
}

/* What cachefiles does when its cache goes: fscache first, then volumes. */
static void fake_withdraw_cache(void)
{
	fscache_withdraw_cache(fake.cache);
	fscache_wait_for_objects(fake.cache);
	if (fake.volume && fake.volume->cache_priv) {
		fscache_withdraw_volume(fake.volume);
		fake.volume->cache_priv = NULL;
	}
}

static void cookie_case_exit(struct kunit *test)
{
	if (fake.cache && fake.cache->state == FSCACHE_CACHE_IS_ACTIVE)
		fake_withdraw_cache();
	if (!IS_ERR_OR_NULL(fake.volume))
		fscache_relinquish_volume(fake.volume, NULL, false);
	if (!IS_ERR_OR_NULL(fake.cache))
		fscache_relinquish_cache(fake.cache);
}

static struct fscache_cookie *get_cookie(struct kunit *test, const char *key)
{
	struct fscache_cookie *c;

	c = fscache_acquire_cookie(fake.volume, 0, key, strlen(key), "aux1", 4, 4096);
	KUNIT_ASSERT_NOT_NULL(test, c);
	return c;
}

static bool wait_state(struct fscache_cookie *c, enum fscache_cookie_state s)
{
	return wait_var_event_timeout(&c->state, READ_ONCE(c->state) == s, 5 * HZ) > 0;
}

/* Polls @cond for up to 5 s (for what nobody wakes a waiter on). */
#define POLL(cond) ({						\
	int __i;						\
	for (__i = 0; __i < 500 && !(cond); __i++)		\
		msleep(10);					\
	(cond);							\
})

/* The state machine has run to rest. */
#define MACHINE_IDLE(c) (atomic_read(&(c)->n_accesses) == 0 && !work_busy(&(c)->work))

#define EXPECT_STATE(test, c, s) \
	KUNIT_EXPECT_TRUE_MSG(test, wait_state(c, s), "state %d, want %d", READ_ONCE((c)->state), s)

/* Relinquishes @c and checks it reaches DROPPED (holding a ref to look). */
static void relinquish_and_check(struct kunit *test, struct fscache_cookie *c, bool retire)
{
	fscache_get_cookie(c, fscache_cookie_get_attach_object);
	fscache_relinquish_cookie(c, retire);
	EXPECT_STATE(test, c, FSCACHE_COOKIE_STATE_DROPPED);
	KUNIT_EXPECT_FALSE(test, test_bit(FSCACHE_COOKIE_IS_HASHED, &c->flags));
	fscache_put_cookie(c, fscache_cookie_put_object);
}

/* Uses @c and waits for the lookup to make it active. */
static void use_active(struct kunit *test, struct fscache_cookie *c, bool will_modify)
{
	fscache_use_cookie(c, will_modify);
	EXPECT_STATE(test, c, FSCACHE_COOKIE_STATE_ACTIVE);
	KUNIT_EXPECT_TRUE(test, POLL(MACHINE_IDLE(c)));
}

/* ---- Cases ---- */

static void acquire_refuses_bad_keys(struct kunit *test)
{
	char big[256] = {};

	KUNIT_EXPECT_NULL(test, __fscache_acquire_cookie(fake.volume, 0, NULL, 4, NULL, 0, 0));
	KUNIT_EXPECT_NULL(test, __fscache_acquire_cookie(fake.volume, 0, "k", 0, NULL, 0, 0));
	KUNIT_EXPECT_NULL(test, __fscache_acquire_cookie(fake.volume, 0, big, 256, NULL, 0, 0));
	KUNIT_EXPECT_NULL(test, __fscache_acquire_cookie(fake.volume, 0, "k", 1, big, 256, 0));
}

/* Inline and out-of-line keys and aux data are stored as given. */
static void acquire_stores_key_and_aux(struct kunit *test)
{
	static const char long_key[] = "a-key-longer-than-sixteen-bytes";
	static const char long_aux[] = "aux-longer-than-8";
	struct fscache_cookie *a, *b;

	a = fscache_acquire_cookie(fake.volume, FSCACHE_ADV_SINGLE_CHUNK, "short", 5, "ax", 2, 0);
	b = fscache_acquire_cookie(fake.volume, 0, long_key, strlen(long_key), long_aux,
				   strlen(long_aux), 123);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, a->key_len, 5);
	KUNIT_EXPECT_EQ(test, memcmp(a->inline_key, "short", 5), 0);
	KUNIT_EXPECT_EQ(test, memcmp(fscache_get_aux(a), "ax", 2), 0);
	KUNIT_EXPECT_EQ(test, a->advice, FSCACHE_ADV_SINGLE_CHUNK);
	/* Size zero: nothing to read until something is written. */
	KUNIT_EXPECT_TRUE(test, test_bit(FSCACHE_COOKIE_NO_DATA_TO_READ, &a->flags));
	KUNIT_EXPECT_EQ(test, b->key_len, strlen(long_key));
	KUNIT_EXPECT_EQ(test, memcmp(b->key, long_key, strlen(long_key)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(fscache_get_aux(b), long_aux, strlen(long_aux)), 0);
	KUNIT_EXPECT_EQ(test, b->object_size, 123);
	KUNIT_EXPECT_FALSE(test, test_bit(FSCACHE_COOKIE_NO_DATA_TO_READ, &b->flags));
	KUNIT_EXPECT_EQ(test, a->state, FSCACHE_COOKIE_STATE_QUIESCENT);
	KUNIT_EXPECT_TRUE(test, test_bit(FSCACHE_COOKIE_IS_HASHED, &a->flags));
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.volume->n_cookies), 2);
	KUNIT_EXPECT_NE(test, a->debug_id, b->debug_id);
	/* Never used: dropped at once. */
	relinquish_and_check(test, a, false);
	relinquish_and_check(test, b, false);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.volume->n_cookies), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.lookups), 0);
}

/* A live cookie's key cannot be acquired twice. */
static void duplicate_cookie_refused(struct kunit *test)
{
	struct fscache_cookie *a = get_cookie(test, "dup");

	KUNIT_EXPECT_NULL(test, fscache_acquire_cookie(fake.volume, 0, "dup", 3, NULL, 0, 0));
	fscache_relinquish_cookie(a, false);
	/* Gone: the key is free again. */
	a = get_cookie(test, "dup");
	fscache_relinquish_cookie(a, false);
}

/*
 * A cookie being relinquished, held in RELINQUISHED by an access, makes a
 * new acquisition of its key wait until it is dropped.
 */
struct end_later {
	struct netfs_cache_resources *cres;
	unsigned int ms;
};

static int end_op_later(void *data)
{
	struct end_later *e = data;

	msleep(e->ms);
	fscache_end_operation(e->cres);
	return 0;
}

static void collision_waits_for_drop(struct kunit *test)
{
	struct netfs_cache_resources cres = {};
	struct end_later e = { &cres, 300 };
	struct fscache_cookie *a, *b;
	struct task_struct *t;
	unsigned long start;

	a = get_cookie(test, "collide");
	use_active(test, a, false);
	KUNIT_ASSERT_EQ(test, fscache_begin_read_operation(&cres, a), 0);
	fscache_unuse_cookie(a, NULL, NULL);
	fscache_relinquish_cookie(a, false);

	t = kthread_run(end_op_later, &e, "kunit-ck-end");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	start = jiffies;
	b = get_cookie(test, "collide");
	KUNIT_EXPECT_GE(test, jiffies - start, msecs_to_jiffies(200));
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.withdrawals), 1);
	relinquish_and_check(test, b, false);
}

/* QUIESCENT -> LOOKING_UP -> ACTIVE -> RELINQUISHING -> DROPPED. */
static void lifecycle(struct kunit *test)
{
	struct fscache_cookie *c = get_cookie(test, "life");

	use_active(test, c, false);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.lookups), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.volumes), 1);
	KUNIT_EXPECT_PTR_EQ(test, c->cache_priv, (void *)&fake_object);
	KUNIT_EXPECT_TRUE(test, test_bit(FSCACHE_COOKIE_IS_CACHING, &c->flags));
	KUNIT_EXPECT_TRUE(test, test_bit(FSCACHE_COOKIE_HAS_BEEN_CACHED, &c->flags));
	KUNIT_EXPECT_TRUE(test, test_bit(FSCACHE_COOKIE_NO_ACCESS_WAKE, &c->flags));
	KUNIT_EXPECT_EQ(test, atomic_read(&c->n_active), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->n_accesses), 0);
	/* A second user does not look up again. */
	fscache_use_cookie(c, false);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->n_active), 2);
	fscache_unuse_cookie(c, NULL, NULL);
	fscache_unuse_cookie(c, NULL, NULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->n_active), 0);
	/* Unused and cached: on the LRU, which holds a reference (the
	 * others are ours and the backend object's). */
	KUNIT_EXPECT_TRUE(test, POLL(refcount_read(&c->ref) == 3));
	relinquish_and_check(test, c, true);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.lookups), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.withdrawals), 1);
	KUNIT_EXPECT_TRUE(test, fake.retired_seen);
}

/* The backend finds nothing: CREATING during the lookup, nothing to read. */
static void lookup_negative_creates(struct kunit *test)
{
	struct fscache_cookie *c = get_cookie(test, "negative");

	fake.mode = LOOKUP_NEGATIVE;
	use_active(test, c, false);
	KUNIT_EXPECT_EQ(test, fake.state_in_lookup, FSCACHE_COOKIE_STATE_CREATING);
	KUNIT_EXPECT_TRUE(test, test_bit(FSCACHE_COOKIE_NO_DATA_TO_READ, &c->flags));
	fscache_unuse_cookie(c, NULL, NULL);
	relinquish_and_check(test, c, false);
}

/* A failed lookup leaves the cookie QUIESCENT, uncached; I/O is refused. */
static void lookup_failure(struct kunit *test)
{
	struct netfs_cache_resources cres = {};
	struct fscache_cookie *c = get_cookie(test, "fail");

	fake.mode = LOOKUP_FAIL;
	fscache_use_cookie(c, false);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&fake.lookup_started, 5 * HZ) > 0);
	EXPECT_STATE(test, c, FSCACHE_COOKIE_STATE_QUIESCENT);
	KUNIT_EXPECT_EQ(test, fscache_begin_read_operation(&cres, c), -ENOBUFS);
	fscache_unuse_cookie(c, NULL, NULL);
	relinquish_and_check(test, c, false);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.withdrawals), 0);
}

/* The backend reports a failure: FAILED, then withdrawn to QUIESCENT. */
static void caching_failed(struct kunit *test)
{
	struct netfs_cache_resources cres = {};
	struct fscache_cookie *c = get_cookie(test, "cfail");

	fake.mode = LOOKUP_CACHING_FAILED;
	fscache_use_cookie(c, false);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&fake.lookup_started, 5 * HZ) > 0);
	EXPECT_STATE(test, c, FSCACHE_COOKIE_STATE_QUIESCENT);
	KUNIT_EXPECT_FALSE(test, test_bit(FSCACHE_COOKIE_IS_CACHING, &c->flags));
	KUNIT_EXPECT_FALSE(test, test_bit(FSCACHE_COOKIE_DO_WITHDRAW, &c->flags));
	KUNIT_EXPECT_EQ(test, fscache_begin_read_operation(&cres, c), -ENOBUFS);
	fscache_unuse_cookie(c, NULL, NULL);
	relinquish_and_check(test, c, false);
}

/* Without an active cache nothing happens; a cache bound later is used. */
static void lazy_binding(struct kunit *test)
{
	struct fscache_volume *v;
	struct fscache_cookie *c;
	struct fscache_cache *cache;

	v = fscache_acquire_volume("kunit,lazy,", "kunit-lazy", NULL, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(v));
	c = fscache_acquire_cookie(v, 0, "lazy", 4, NULL, 0, 100);
	KUNIT_ASSERT_NOT_NULL(test, c);
	fscache_use_cookie(c, false);
	KUNIT_EXPECT_EQ(test, c->state, FSCACHE_COOKIE_STATE_QUIESCENT);
	KUNIT_EXPECT_FALSE(test, test_bit(FSCACHE_COOKIE_IS_CACHING, &c->flags));
	fscache_unuse_cookie(c, NULL, NULL);

	cache = fscache_acquire_cache("kunit-lazy");
	KUNIT_ASSERT_FALSE(test, IS_ERR(cache));
	KUNIT_EXPECT_PTR_EQ(test, cache, v->cache);
	KUNIT_ASSERT_EQ(test, fscache_add_cache(cache, &fake_ops, NULL), 0);
	use_active(test, c, false);
	KUNIT_EXPECT_PTR_NE(test, v->cache_priv, NULL);
	fscache_unuse_cookie(c, NULL, NULL);
	relinquish_and_check(test, c, false);

	fscache_withdraw_cache(cache);
	fscache_withdraw_volume(v);
	v->cache_priv = NULL;
	fscache_relinquish_volume(v, NULL, false);
	fscache_relinquish_cache(cache);
}

/* ACTIVE -> INVALIDATING -> ACTIVE, with the data marked stale. */
static void invalidate_active(struct kunit *test)
{
	struct fscache_cookie *c = get_cookie(test, "inval");
	unsigned int counter;

	use_active(test, c, false);
	counter = c->inval_counter;
	fscache_invalidate(c, "aux2", 8192, 0);
	KUNIT_EXPECT_EQ(test, c->inval_counter, counter + 1);
	KUNIT_EXPECT_EQ(test, c->object_size, 8192);
	KUNIT_EXPECT_EQ(test, memcmp(fscache_get_aux(c), "aux2", 4), 0);
	KUNIT_EXPECT_TRUE(test, test_bit(FSCACHE_COOKIE_NO_DATA_TO_READ, &c->flags));
	EXPECT_STATE(test, c, FSCACHE_COOKIE_STATE_ACTIVE);
	KUNIT_EXPECT_TRUE(test, POLL(MACHINE_IDLE(c)));
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.invalidations), 1);
	fscache_unuse_cookie(c, NULL, NULL);
	relinquish_and_check(test, c, false);
}

/* An operation in flight sees the invalidation through inval_counter. */
static void invalidate_during_io(struct kunit *test)
{
	struct netfs_cache_resources cres = {};
	struct fscache_cookie *c = get_cookie(test, "inval-io");

	use_active(test, c, false);
	KUNIT_ASSERT_EQ(test, fscache_begin_read_operation(&cres, c), 0);
	KUNIT_EXPECT_EQ(test, cres.inval_counter, c->inval_counter);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->n_accesses), 1);
	fscache_invalidate(c, NULL, 0, 0);
	EXPECT_STATE(test, c, FSCACHE_COOKIE_STATE_ACTIVE);
	KUNIT_EXPECT_TRUE(test, POLL(atomic_read(&c->n_accesses) == 1 && !work_busy(&c->work)));
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.invalidations), 1);
	KUNIT_EXPECT_NE(test, cres.inval_counter, c->inval_counter);
	fscache_end_operation(&cres);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->n_accesses), 0);
	/* A new operation starts from the new data. */
	KUNIT_ASSERT_EQ(test, fscache_begin_write_operation(&cres, c), 0);
	KUNIT_EXPECT_EQ(test, cres.inval_counter, c->inval_counter);
	fscache_end_operation(&cres);
	fscache_unuse_cookie(c, NULL, NULL);
	relinquish_and_check(test, c, false);
}

/* Invalidated while looking up: done after the lookup (INVALIDATING). */
static void invalidate_during_lookup(struct kunit *test)
{
	DECLARE_COMPLETION_ONSTACK(gate);
	struct fscache_cookie *c = get_cookie(test, "inval-look");

	fake.lookup_gate = &gate;
	fscache_use_cookie(c, false);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&fake.lookup_started, 5 * HZ) > 0);
	KUNIT_EXPECT_EQ(test, c->state, FSCACHE_COOKIE_STATE_LOOKING_UP);
	fscache_invalidate(c, NULL, 0, 0);
	KUNIT_EXPECT_TRUE(test, test_bit(FSCACHE_COOKIE_DO_INVALIDATE, &c->flags));
	/* The lookup's access and the pending invalidation's. */
	KUNIT_EXPECT_EQ(test, atomic_read(&c->n_accesses), 2);
	complete(&gate);
	EXPECT_STATE(test, c, FSCACHE_COOKIE_STATE_ACTIVE);
	KUNIT_EXPECT_TRUE(test, POLL(MACHINE_IDLE(c)));
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.invalidations), 1);
	KUNIT_EXPECT_FALSE(test, test_bit(FSCACHE_COOKIE_DO_INVALIDATE, &c->flags));
	fake.lookup_gate = NULL;
	fscache_unuse_cookie(c, NULL, NULL);
	relinquish_and_check(test, c, false);
}

/* A DIO write disables caching until the cookie is no longer used. */
static void dio_write_disables(struct kunit *test)
{
	struct fscache_cookie *c = get_cookie(test, "dio");
	unsigned int counter;

	use_active(test, c, true);
	fscache_invalidate(c, NULL, 0, FSCACHE_INVAL_DIO_WRITE);
	KUNIT_EXPECT_FALSE(test, fscache_cookie_enabled(c));
	counter = c->inval_counter;
	fscache_invalidate(c, NULL, 0, FSCACHE_INVAL_DIO_WRITE);
	KUNIT_EXPECT_EQ(test, c->inval_counter, counter);
	EXPECT_STATE(test, c, FSCACHE_COOKIE_STATE_ACTIVE);
	fscache_unuse_cookie(c, NULL, NULL);
	KUNIT_EXPECT_TRUE(test, fscache_cookie_enabled(c));
	relinquish_and_check(test, c, false);
}

/* A writer on an active cookie gets the object prepared for writing. */
static void use_for_write_prepares(struct kunit *test)
{
	struct fscache_cookie *c = get_cookie(test, "write");

	use_active(test, c, false);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.prep_writes), 0);
	fscache_use_cookie(c, true);
	KUNIT_EXPECT_TRUE(test, test_bit(FSCACHE_COOKIE_LOCAL_WRITE, &c->flags));
	KUNIT_EXPECT_TRUE(test, POLL(atomic_read(&fake.prep_writes) == 1));
	/* Once only. */
	fscache_use_cookie(c, true);
	msleep(50);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.prep_writes), 1);
	fscache_unuse_cookie(c, NULL, NULL);
	fscache_unuse_cookie(c, NULL, NULL);
	fscache_unuse_cookie(c, NULL, NULL);
	relinquish_and_check(test, c, false);
}

/* unuse/update store aux data and size and mark the object for update. */
static void unuse_updates(struct kunit *test)
{
	struct fscache_cookie *c = get_cookie(test, "update");
	loff_t size = 777;

	use_active(test, c, false);
	fscache_unuse_cookie(c, "AUX9", &size);
	KUNIT_EXPECT_EQ(test, memcmp(fscache_get_aux(c), "AUX9", 4), 0);
	KUNIT_EXPECT_EQ(test, c->object_size, 777);
	KUNIT_EXPECT_TRUE(test, test_bit(FSCACHE_COOKIE_NEEDS_UPDATE, &c->flags));
	relinquish_and_check(test, c, false);
}

/* Resize reaches the backend only while the cookie is cached. */
static void resize(struct kunit *test)
{
	struct fscache_cookie *c = get_cookie(test, "resize");

	fscache_resize_cookie(c, 10);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.resizes), 0);
	use_active(test, c, true);
	fscache_resize_cookie(c, 5000);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.resizes), 1);
	KUNIT_EXPECT_EQ(test, fake.last_resize, 5000);
	KUNIT_EXPECT_TRUE(test, test_bit(FSCACHE_COOKIE_NEEDS_UPDATE, &c->flags));
	KUNIT_EXPECT_EQ(test, atomic_read(&c->n_accesses), 0);
	fscache_unuse_cookie(c, NULL, NULL);
	relinquish_and_check(test, c, false);
}

/* The access gate: withdrawal waits for the access in flight. */
static void withdraw_waits_for_access(struct kunit *test)
{
	struct netfs_cache_resources cres = {};
	struct fscache_cookie *c = get_cookie(test, "gate");

	use_active(test, c, false);
	KUNIT_ASSERT_EQ(test, fscache_begin_read_operation(&cres, c), 0);
	KUNIT_EXPECT_TRUE(test, fscache_wait_for_operation(&cres, FSCACHE_WANT_READ));
	fscache_withdraw_cookie(c);	/* as a backend culling it would */
	KUNIT_EXPECT_FALSE(test, test_bit(FSCACHE_COOKIE_NO_ACCESS_WAKE, &c->flags));
	msleep(100);
	KUNIT_EXPECT_EQ(test, c->state, FSCACHE_COOKIE_STATE_ACTIVE);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.withdrawals), 0);
	fscache_end_operation(&cres);
	EXPECT_STATE(test, c, FSCACHE_COOKIE_STATE_QUIESCENT);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.withdrawals), 1);
	KUNIT_EXPECT_NULL(test, c->cache_priv);
	/* Still in use: the next use looks it up again. */
	fscache_unuse_cookie(c, NULL, NULL);
	use_active(test, c, false);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.lookups), 2);
	fscache_unuse_cookie(c, NULL, NULL);
	relinquish_and_check(test, c, false);
}

/* The cache goes while cookies are in use: they are withdrawn cleanly. */
static void withdraw_cache_with_live_cookies(struct kunit *test)
{
	struct netfs_cache_resources cres = {};
	struct fscache_cookie *a = get_cookie(test, "live-a");
	struct fscache_cookie *b = get_cookie(test, "live-b");

	use_active(test, a, false);
	use_active(test, b, true);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.cache->object_count), 2);
	fscache_withdraw_cache(fake.cache);
	fscache_withdraw_cookie(a);
	fscache_withdraw_cookie(b);
	fscache_wait_for_objects(fake.cache);
	EXPECT_STATE(test, a, FSCACHE_COOKIE_STATE_QUIESCENT);
	EXPECT_STATE(test, b, FSCACHE_COOKIE_STATE_QUIESCENT);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.withdrawals), 2);
	KUNIT_EXPECT_EQ(test, fscache_begin_read_operation(&cres, a), -ENOBUFS);
	fscache_withdraw_volume(fake.volume);
	fake.volume->cache_priv = NULL;
	/* Users carry on uncached. */
	fscache_use_cookie(a, false);
	KUNIT_EXPECT_EQ(test, a->state, FSCACHE_COOKIE_STATE_QUIESCENT);
	fscache_unuse_cookie(a, NULL, NULL);
	fscache_unuse_cookie(a, NULL, NULL);
	fscache_unuse_cookie(b, NULL, NULL);
	relinquish_and_check(test, a, false);
	relinquish_and_check(test, b, false);
}

/*
 * The LRU: an unused cookie loses its object after 10 s. And the v3 race:
 * a discard requested (but held off by an access) followed by relinquish
 * must still end in DROPPED, not QUIESCENT.
 */
static void lru_discard_and_relinquish(struct kunit *test)
{
	struct netfs_cache_resources cres = {};
	struct fscache_cookie *a = get_cookie(test, "lru-a");
	struct fscache_cookie *b = get_cookie(test, "lru-b");

	use_active(test, a, false);
	use_active(test, b, false);
	KUNIT_ASSERT_EQ(test, fscache_begin_read_operation(&cres, b), 0);
	fscache_unuse_cookie(a, NULL, NULL);
	fscache_unuse_cookie(b, NULL, NULL);

	/* a: discarded by the LRU, back to QUIESCENT, still acquired. */
	KUNIT_EXPECT_TRUE(test, wait_var_event_timeout(&a->state,
		READ_ONCE(a->state) == FSCACHE_COOKIE_STATE_QUIESCENT, 15 * HZ));
	KUNIT_EXPECT_NULL(test, a->cache_priv);
	KUNIT_EXPECT_FALSE(test, test_bit(FSCACHE_COOKIE_DO_LRU_DISCARD, &a->flags));

	/* b: the discard is due but waits for the access. */
	KUNIT_EXPECT_TRUE(test, POLL(test_bit(FSCACHE_COOKIE_DO_LRU_DISCARD, &b->flags)));
	KUNIT_EXPECT_EQ(test, b->state, FSCACHE_COOKIE_STATE_ACTIVE);
	fscache_get_cookie(b, fscache_cookie_get_attach_object);
	fscache_relinquish_cookie(b, false);
	fscache_end_operation(&cres);
	EXPECT_STATE(test, b, FSCACHE_COOKIE_STATE_DROPPED);
	fscache_put_cookie(b, fscache_cookie_put_object);

	relinquish_and_check(test, a, false);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.withdrawals), 2);
}

/* A user within the LRU window keeps the object. */
static void lru_use_cancels_discard(struct kunit *test)
{
	struct fscache_cookie *c = get_cookie(test, "lru-keep");

	use_active(test, c, false);
	fscache_unuse_cookie(c, NULL, NULL);
	msleep(5000);
	use_active(test, c, false);
	msleep(7000);
	KUNIT_EXPECT_EQ(test, c->state, FSCACHE_COOKIE_STATE_ACTIVE);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.withdrawals), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.lookups), 1);
	fscache_unuse_cookie(c, NULL, NULL);
	relinquish_and_check(test, c, false);
}

static struct kunit_case fscache_cookie_cases[] = {
	KUNIT_CASE(cookie_key_hashes),
	KUNIT_CASE(acquire_refuses_bad_keys),
	KUNIT_CASE(acquire_stores_key_and_aux),
	KUNIT_CASE(duplicate_cookie_refused),
	KUNIT_CASE(collision_waits_for_drop),
	KUNIT_CASE(lifecycle),
	KUNIT_CASE(lookup_negative_creates),
	KUNIT_CASE(lookup_failure),
	KUNIT_CASE(caching_failed),
	KUNIT_CASE(lazy_binding),
	KUNIT_CASE(invalidate_active),
	KUNIT_CASE(invalidate_during_io),
	KUNIT_CASE(invalidate_during_lookup),
	KUNIT_CASE(dio_write_disables),
	KUNIT_CASE(use_for_write_prepares),
	KUNIT_CASE(unuse_updates),
	KUNIT_CASE(resize),
	KUNIT_CASE(withdraw_waits_for_access),
	KUNIT_CASE(withdraw_cache_with_live_cookies),
	KUNIT_CASE_SLOW(lru_discard_and_relinquish),
	KUNIT_CASE_SLOW(lru_use_cancels_discard),
	{}
};

static struct kunit_suite fscache_cookie_suite = {
	.name = "fscache_cookie",
	.init = cookie_case_init,
	.exit = cookie_case_exit,
	.test_cases = fscache_cookie_cases,
};
kunit_test_suite(fscache_cookie_suite);

MODULE_DESCRIPTION("KUnit tests of the fscache cookie API (fscache-rs)");
MODULE_LICENSE("GPL");
