// SPDX-License-Identifier: GPL-2.0
/* C shims of fscache.ko: cookies (their slab, the hash chains, the /proc list and its seq_file iterator, the work queue); cookie/ holds the logic. */
#include <linux/fscache.h>
#include <linux/fscache-cache.h>
#include <linux/list_bl.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/sched.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include "../helpers.h"

/*
 * Cookies. The Rust side (cookie/) holds the logic; these wrap the
 * kernel's intrusive lists, bit locks, slab and timer macros it sits on.
 */
extern struct workqueue_struct *fscache_wq;	/* exports.c */

static struct kmem_cache *fsrs_cookie_jar;

int fsrs_cookie_jar_init(void)
{
	fsrs_cookie_jar = kmem_cache_create("fscache_cookie_jar", sizeof(struct fscache_cookie),
					    0, 0, NULL);
	return fsrs_cookie_jar ? 0 : -ENOMEM;
}

void fsrs_cookie_jar_exit(void)
{
	kmem_cache_destroy(fsrs_cookie_jar);
}

/* A zeroed cookie with its lock, list links and work item initialised. */
struct fscache_cookie *fsrs_cookie_alloc(void (*fn)(struct work_struct *))
{
	struct fscache_cookie *cookie = kmem_cache_zalloc(fsrs_cookie_jar, GFP_KERNEL);

	if (!cookie)
		return NULL;
	spin_lock_init(&cookie->lock);
	INIT_HLIST_BL_NODE(&cookie->hash_link);
	INIT_LIST_HEAD(&cookie->proc_link);
	INIT_LIST_HEAD(&cookie->commit_link);
	INIT_WORK(&cookie->work, fn);
	return cookie;
}

void fsrs_cookie_free(struct fscache_cookie *cookie)
{
	kmem_cache_free(fsrs_cookie_jar, cookie);
}

/* The hash table: one bit-locked chain per bucket, as in C. */
#define FSRS_COOKIE_HASH_SHIFT 15
static struct hlist_bl_head fsrs_cookie_hash[1 << FSRS_COOKIE_HASH_SHIFT];

/* Locks the chain @key_hash falls in and returns it (one call, not two). */
struct hlist_bl_head *fsrs_bucket_lock(u32 key_hash)
{
	struct hlist_bl_head *h = &fsrs_cookie_hash[key_hash & (ARRAY_SIZE(fsrs_cookie_hash) - 1)];

	hlist_bl_lock(h);
	return h;
}

void fsrs_bucket_unlock(struct hlist_bl_head *h)
{
	hlist_bl_unlock(h);
}

/* The cookie after @prev in the locked bucket (the first if @prev is NULL). */
struct fscache_cookie *fsrs_bucket_next(struct hlist_bl_head *h, struct fscache_cookie *prev)
{
	struct hlist_bl_node *n = prev ? prev->hash_link.next : hlist_bl_first(h);

	return n ? hlist_bl_entry(n, struct fscache_cookie, hash_link) : NULL;
}

void fsrs_bucket_add(struct hlist_bl_head *h, struct fscache_cookie *cookie)
{
	hlist_bl_add_head(&cookie->hash_link, h);
}

void fsrs_bucket_del(struct fscache_cookie *cookie)
{
	hlist_bl_del_init(&cookie->hash_link);
}

/* Every cookie, oldest first, for /proc/fs/fscache/cookies. */
static LIST_HEAD(fsrs_cookies);
static DEFINE_RWLOCK(fsrs_cookies_lock);

void fsrs_cookies_add(struct fscache_cookie *cookie)
{
	write_lock(&fsrs_cookies_lock);
	list_add_tail(&cookie->proc_link, &fsrs_cookies);
	write_unlock(&fsrs_cookies_lock);
}

void fsrs_cookies_del(struct fscache_cookie *cookie)
{
	write_lock(&fsrs_cookies_lock);
	list_del_init(&cookie->proc_link);
	write_unlock(&fsrs_cookies_lock);
}

/*
 * /proc/fs/fscache/cookies as a seq_file iterator, as C has it: one cookie
 * per show() call under the read lock (taken in start, dropped in stop),
 * so the table is printed a page at a time however many cookies there
 * are. show() of the list head prints the header; of a cookie, calls
 * fsrs_cookie_seq_show() (proc/mod.rs).
 */
int fsrs_cookie_seq_show(struct seq_file *m, struct fscache_cookie *cookie, bool header);

static void *fsrs_cookies_seq_start(struct seq_file *m, loff_t *pos)
	__acquires(fsrs_cookies_lock)
{
	read_lock(&fsrs_cookies_lock);
	return seq_list_start_head(&fsrs_cookies, *pos);
}

static void *fsrs_cookies_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	return seq_list_next(v, &fsrs_cookies, pos);
}

static void fsrs_cookies_seq_stop(struct seq_file *m, void *v)
	__releases(fsrs_cookies_lock)
{
	read_unlock(&fsrs_cookies_lock);
}

static int fsrs_cookies_seq_show(struct seq_file *m, void *v)
{
	if (v == &fsrs_cookies)
		return fsrs_cookie_seq_show(m, NULL, true);
	return fsrs_cookie_seq_show(m, list_entry(v, struct fscache_cookie, proc_link), false);
}

static const struct seq_operations fsrs_cookies_seq_ops = {
	.start	= fsrs_cookies_seq_start,
	.next	= fsrs_cookies_seq_next,
	.stop	= fsrs_cookies_seq_stop,
	.show	= fsrs_cookies_seq_show,
};

struct proc_dir_entry *fsrs_proc_create_cookies(const char *path)
{
	return proc_create_seq(path, S_IFREG | 0444, NULL, &fsrs_cookies_seq_ops);
}

/* Calls @fn on each cookie under the read lock (it must not sleep). */
void fsrs_cookies_for_each(void (*fn)(void *ctx, struct fscache_cookie *cookie), void *ctx)
{
	struct fscache_cookie *cookie;

	read_lock(&fsrs_cookies_lock);
	list_for_each_entry(cookie, &fsrs_cookies, proc_link)
		fn(ctx, cookie);
	read_unlock(&fsrs_cookies_lock);
}

bool fsrs_queue_work(struct workqueue_struct *wq, struct work_struct *work)
{
	return queue_work(wq, work);
}
