// SPDX-License-Identifier: GPL-2.0
/* C shims of fscache.ko: the I/O API's page-cache helper. */
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
