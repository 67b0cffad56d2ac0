// SPDX-License-Identifier: GPL-2.0
/* C helpers of fscache.ko for static inlines and macros. */
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
#include "helpers.h"

/* refcount_dec_and_test() that also gives the count before the drop,
 * which C's put functions trace (as ref - 1). */
bool fsrs_refcount_dec_and_test_old(refcount_t *r, int *old)
{
	return __refcount_dec_and_test(r, old);
}

bool fsrs_refcount_inc_not_zero(refcount_t *r)
{
	return refcount_inc_not_zero(r);
}

/* Sleeps until *v reads 0; the side that drops it calls wake_up_var(v). */
void fsrs_wait_var_zero(atomic_t *v)
{
	wait_var_event(v, atomic_read(v) == 0);
}

/* The parts of a new volume that need lockdep keys or macros. */
void fsrs_volume_init(struct fscache_volume *volume, void (*fn)(struct work_struct *))
{
	INIT_LIST_HEAD(&volume->proc_link);
	INIT_HLIST_BL_NODE(&volume->hash_link);
	INIT_WORK(&volume->work, fn);
	spin_lock_init(&volume->lock);
}

bool fsrs_schedule_work(struct work_struct *work)
{
	return schedule_work(work);
}

/*
 * Cookies. The Rust side (cookie.rs) holds the logic; these wrap the
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

struct hlist_bl_head *fsrs_cookie_bucket(u32 key_hash)
{
	return &fsrs_cookie_hash[key_hash & (ARRAY_SIZE(fsrs_cookie_hash) - 1)];
}

void fsrs_bucket_lock(struct hlist_bl_head *h)
{
	hlist_bl_lock(h);
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
 * fsrs_cookie_seq_show() (proc.rs).
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

/*
 * /proc/fs/fscache/caches and volumes as seq_file iterators too, over the
 * registries proc.rs indexes (oldest first), under fscache_addremove_sem
 * (shared) from start to stop, which is what guards the registries and
 * keeps their entries alive. Position 0 is the header.
 */
void *fsrs_proc_cache_at(loff_t n);		/* proc.rs */
int fsrs_proc_cache_show(struct seq_file *m, void *cache);
void *fsrs_proc_volume_at(loff_t n);
int fsrs_proc_volume_show(struct seq_file *m, void *volume);

#define FSRS_REGISTRY_SEQ(name, at_fn, show_fn)					\
static void *name##_start(struct seq_file *m, loff_t *pos)			\
	__acquires(&fscache_addremove_sem)					\
{										\
	down_read(&fscache_addremove_sem);					\
	return *pos == 0 ? SEQ_START_TOKEN : at_fn(*pos - 1);			\
}										\
static void *name##_next(struct seq_file *m, void *v, loff_t *pos)		\
{										\
	++*pos;									\
	return at_fn(*pos - 1);							\
}										\
static void name##_stop(struct seq_file *m, void *v)				\
	__releases(&fscache_addremove_sem)					\
{										\
	up_read(&fscache_addremove_sem);					\
}										\
static int name##_show(struct seq_file *m, void *v)				\
{										\
	return show_fn(m, v == SEQ_START_TOKEN ? NULL : v);			\
}										\
static const struct seq_operations name##_ops = {				\
	.start	= name##_start,							\
	.next	= name##_next,							\
	.stop	= name##_stop,							\
	.show	= name##_show,							\
}

FSRS_REGISTRY_SEQ(fsrs_caches_seq, fsrs_proc_cache_at, fsrs_proc_cache_show);
FSRS_REGISTRY_SEQ(fsrs_volumes_seq, fsrs_proc_volume_at, fsrs_proc_volume_show);

struct proc_dir_entry *fsrs_proc_create_caches(const char *path)
{
	return proc_create_seq(path, S_IFREG | 0444, NULL, &fsrs_caches_seq_ops);
}

struct proc_dir_entry *fsrs_proc_create_volumes(const char *path)
{
	return proc_create_seq(path, S_IFREG | 0444, NULL, &fsrs_volumes_seq_ops);
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

/*
 * The LRU of unused cookies. Being on it owns one reference on the cookie:
 * taken here when a cookie joins, handed to the caller when one leaves.
 */
static LIST_HEAD(fsrs_cookie_lru);
static DEFINE_SPINLOCK(fsrs_cookie_lru_lock);
static void fsrs_lru_timed_out(struct timer_list *timer);
static DEFINE_TIMER(fsrs_cookie_lru_timer, fsrs_lru_timed_out);
void fsrs_cookie_lru_worker(struct work_struct *work);	/* cookie.rs */
static DECLARE_WORK(fsrs_cookie_lru_work, fsrs_cookie_lru_worker);

static void fsrs_lru_timed_out(struct timer_list *timer)
{
	queue_work(fscache_wq, &fsrs_cookie_lru_work);
}

/* Moves @cookie to the young end; true if it joined (a reference taken). */
bool fsrs_lru_touch(struct fscache_cookie *cookie, unsigned long timeout)
{
	bool joined;

	spin_lock(&fsrs_cookie_lru_lock);
	joined = list_empty(&cookie->commit_link);
	if (joined)
		refcount_inc(&cookie->ref);
	list_move_tail(&cookie->commit_link, &fsrs_cookie_lru);
	spin_unlock(&fsrs_cookie_lru_lock);
	timer_reduce(&fsrs_cookie_lru_timer, jiffies + timeout);
	return joined;
}

/* Takes @cookie off the LRU; true if it was on it (its reference is the caller's). */
bool fsrs_lru_remove(struct fscache_cookie *cookie)
{
	bool was_on = false;

	if (list_empty(&cookie->commit_link))
		return false;
	spin_lock(&fsrs_cookie_lru_lock);
	if (!list_empty(&cookie->commit_link)) {
		list_del_init(&cookie->commit_link);
		was_on = true;
	}
	spin_unlock(&fsrs_cookie_lru_lock);
	return was_on;
}

/*
 * Takes the oldest cookie off the LRU if it has been unused for @timeout
 * (its reference is the caller's); otherwise re-arms the timer for when it
 * will have been, and returns NULL.
 */
struct fscache_cookie *fsrs_lru_pop_expired(unsigned long timeout)
{
	struct fscache_cookie *cookie = NULL;

	spin_lock(&fsrs_cookie_lru_lock);
	if (!list_empty(&fsrs_cookie_lru)) {
		cookie = list_first_entry(&fsrs_cookie_lru, struct fscache_cookie, commit_link);
		if (time_before(jiffies, cookie->unused_at + timeout)) {
			timer_reduce(&fsrs_cookie_lru_timer, cookie->unused_at + timeout);
			cookie = NULL;
		} else {
			list_del_init(&cookie->commit_link);
		}
	}
	spin_unlock(&fsrs_cookie_lru_lock);
	return cookie;
}

/* At unload: no timer or LRU work may run after this. */
/* Jiffies left on the LRU discard timer, 0 if it is not pending: the
 * "at=" of the LRU line of /proc/fs/fscache/stats. */
long fsrs_lru_timer_left(void)
{
	return timer_pending(&fsrs_cookie_lru_timer) ?
		(long)(fsrs_cookie_lru_timer.expires - jiffies) : 0;
}

void fsrs_lru_shutdown(void)
{
	timer_shutdown_sync(&fsrs_cookie_lru_timer);
	cancel_work_sync(&fsrs_cookie_lru_work);
}

bool fsrs_queue_work(struct workqueue_struct *wq, struct work_struct *work)
{
	return queue_work(wq, work);
}

/*
 * wait_var_event_timeout() on @var until @cond(@ctx) holds; with a timeout
 * of MAX_SCHEDULE_TIMEOUT, without one. Returns the jiffies left (at least
 * 1 if @cond held), 0 on timeout.
 */
long fsrs_wait_var(void *var, bool (*cond)(const void *ctx), const void *ctx, long timeout)
{
	if (timeout == MAX_SCHEDULE_TIMEOUT) {
		wait_var_event(var, cond(ctx));
		return 1;
	}
	return wait_var_event_timeout(var, cond(ctx), timeout);
}

/* Ends PG_private_2 on the folios of @mapping in [start, start + len). */
void fsrs_clear_page_bits(struct address_space *mapping, loff_t start, size_t len)
{
	pgoff_t first = start / PAGE_SIZE;
	pgoff_t last = (start + len - 1) / PAGE_SIZE;
	XA_STATE(xas, &mapping->i_pages, first);
	struct page *page;

	if (!len)
		return;
	rcu_read_lock();
	xas_for_each(&xas, page, last)
		folio_end_private_2(page_folio(page));
	rcu_read_unlock();
}
