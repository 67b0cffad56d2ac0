// SPDX-License-Identifier: GPL-2.0
/* C shims of fscache.ko: the LRU of unused cookies and its timer. */
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
 * The LRU of unused cookies. Being on it owns one reference on the cookie:
 * taken here when a cookie joins, handed to the caller when one leaves.
 */
static LIST_HEAD(fsrs_cookie_lru);
static DEFINE_SPINLOCK(fsrs_cookie_lru_lock);
static void fsrs_lru_timed_out(struct timer_list *timer);
static DEFINE_TIMER(fsrs_cookie_lru_timer, fsrs_lru_timed_out);
void fsrs_cookie_lru_worker(struct work_struct *work);	/* cookie/object.rs */
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
