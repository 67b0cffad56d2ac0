/* SPDX-License-Identifier: GPL-2.0 */
/* C helpers of fscache.ko for static inlines and macros; the Rust side
 * declares them in sys.rs. */
#ifndef FSRS_FSCACHE_HELPERS_H
#define FSRS_FSCACHE_HELPERS_H

#include <linux/atomic.h>
#include <linux/refcount.h>

struct fscache_volume;
struct work_struct;

bool fsrs_refcount_inc_not_zero(refcount_t *r);
void fsrs_wait_var_zero(atomic_t *v);
void fsrs_volume_init(struct fscache_volume *volume, void (*fn)(struct work_struct *));
bool fsrs_schedule_work(struct work_struct *work);
void fsrs_wait_on_bit(unsigned long *word, int bit);
bool fsrs_wait_on_bit_timeout(unsigned long *word, int bit, unsigned long timeout);
void fsrs_clear_and_wake_up_bit(int bit, unsigned long *word);

#endif
