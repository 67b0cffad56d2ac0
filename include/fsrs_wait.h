/* SPDX-License-Identifier: GPL-2.0 */
/* Prototypes of rust/helpers/wait.c: wait queues and poll. */
#ifndef FSRS_WAIT_H
#define FSRS_WAIT_H

#include <linux/types.h>

struct wait_queue_head;
struct file;
struct poll_table_struct;

void fsrs_init_waitqueue(struct wait_queue_head *wq);
void fsrs_wake_up_all(struct wait_queue_head *wq);
void fsrs_wake_up_pollfree(struct wait_queue_head *wq);
void fsrs_poll_wait(struct file *file, struct wait_queue_head *wq, struct poll_table_struct *pt);
void fsrs_wait_on_bit(unsigned long *word, int bit);
bool fsrs_wait_on_bit_timeout(unsigned long *word, int bit, unsigned long timeout);
void fsrs_clear_and_wake_up_bit(int bit, unsigned long *word);
#include <linux/atomic.h>
void fsrs_wait_var_zero(atomic_t *v);
long fsrs_wait_var(void *var, bool (*cond)(const void *ctx), const void *ctx, long timeout);
struct completion;
void fsrs_init_completion(struct completion *x);

#endif
