// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for the kernel abstractions (rust/kext): the system work queue.
 */
#include <linux/workqueue.h>
#include "../../include/fsrs_workqueue.h"

bool fsrs_schedule_work(struct work_struct *work)
{
	return schedule_work(work);
}
