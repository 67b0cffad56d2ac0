/* SPDX-License-Identifier: GPL-2.0 */
/* Prototypes of rust/helpers/sched.c: scheduling context checks. */
#ifndef FSRS_SCHED_H
#define FSRS_SCHED_H

#include <linux/types.h>

void fsrs_might_sleep(void);
bool fsrs_in_task(void);

#endif
