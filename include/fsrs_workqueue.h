/* SPDX-License-Identifier: GPL-2.0 */
/* Prototypes of rust/helpers/workqueue.c. */
#ifndef FSRS_WORKQUEUE_H
#define FSRS_WORKQUEUE_H

#include <linux/types.h>

struct work_struct;

bool fsrs_schedule_work(struct work_struct *work);

#endif
