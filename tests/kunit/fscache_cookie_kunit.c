// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite: the fscache cookie API, driven through its C ABI. It only
 * uses exported symbols, so the same suite runs against the kernel's C
 * fscache.ko and against fscache-rs's.
 */
#include <kunit/test.h>
#include <linux/fscache.h>
#include <linux/module.h>

/*
 * Key hashes: the low byte of a cookie's hash names the fan-out directory
 * cachefiles stores its file in, so every fscache must agree on them. The
 * same vectors are in host/tests/key_hash.rs.
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

static struct kunit_case fscache_cookie_cases[] = {
	KUNIT_CASE(cookie_key_hashes),
	{}
};

static struct kunit_suite fscache_cookie_suite = {
	.name = "fscache_cookie",
	.test_cases = fscache_cookie_cases,
};
kunit_test_suite(fscache_cookie_suite);

MODULE_DESCRIPTION("KUnit tests of the fscache cookie API (fscache-rs)");
MODULE_LICENSE("GPL");
