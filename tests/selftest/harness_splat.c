// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test: a module that makes the kernel report a bug of the
 * kind its parameter names, so the test suite can prove the VM runner
 * fails a run for each detector the debug kernel has. Only the harness
 * self-tests load it.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

static char *kind = "none";
module_param(kind, charp, 0444);
MODULE_PARM_DESC(kind, "none|warn|leak|kasan|lockdep|hung: what to provoke on load");

static DEFINE_MUTEX(lock_a);
static DEFINE_MUTEX(lock_b);

/* Takes two locks in both orders: lockdep reports a possible deadlock. */
static void abba(void)
{
	mutex_lock(&lock_a);
	mutex_lock(&lock_b);
	mutex_unlock(&lock_b);
	mutex_unlock(&lock_a);

	mutex_lock(&lock_b);
	mutex_lock(&lock_a);
	mutex_unlock(&lock_a);
	mutex_unlock(&lock_b);
}

/* Reads a freed object: KASAN reports a use-after-free. */
static noinline void use_after_free(void)
{
	char *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	OPTIMIZER_HIDE_VAR(p);
	pr_info("harness_splat: read %d\n", READ_ONCE(p[8]));
}

/* Loses the only pointer to an object: kmemleak reports it. */
static noinline void leak(void)
{
	void *p = kmalloc(128, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(p);
	p = NULL;
}

static int __init harness_splat_init(void)
{
	if (!strcmp(kind, "warn"))
		WARN(1, "fscache-rs harness self-test: deliberate warning\n");
	else if (!strcmp(kind, "leak"))
		leak();
	else if (!strcmp(kind, "kasan"))
		use_after_free();
	else if (!strcmp(kind, "lockdep"))
		abba();
	else if (!strcmp(kind, "hung"))
		/* Uninterruptible, longer than the test's hung_task timeout. */
		msleep(12000);
	else if (strcmp(kind, "none"))
		return -EINVAL;
	return 0;
}
module_init(harness_splat_init);

static void __exit harness_splat_exit(void)
{
}
module_exit(harness_splat_exit);

MODULE_DESCRIPTION("fscache-rs VM harness self-test (deliberate bugs)");
MODULE_LICENSE("GPL");
