// SPDX-License-Identifier: GPL-2.0
/*
 * cred_probe: counts the calls of set_create_files_as() by whether the
 * caller's subjective credentials are overridden at the time.
 *
 * The LSM hook behind set_create_files_as() (SELinux's
 * kernel_create_files_as check) judges the *current* subject. cachefiles
 * must make that call as the daemon, with no override in force (C's
 * cachefiles_determine_cache_security()), or a policy written for the C
 * module denies bind. The test kernel has no LSM, so this probe watches
 * the subject instead: after a bind, as_task must have grown and
 * overridden must not.
 *
 *   /sys/module/cred_probe/parameters/{as_task,overridden}
 */
#include <linux/cred.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/sched.h>

static unsigned int as_task;
module_param(as_task, uint, 0444);
MODULE_PARM_DESC(as_task, "calls made with the task's own credentials");

static unsigned int overridden;
module_param(overridden, uint, 0444);
MODULE_PARM_DESC(overridden, "calls made under override_creds()");

static int pre(struct kprobe *p, struct pt_regs *regs)
{
	/* One bind at a time in the tests: plain increments are enough. */
	if (current->cred != current->real_cred)
		WRITE_ONCE(overridden, READ_ONCE(overridden) + 1);
	else
		WRITE_ONCE(as_task, READ_ONCE(as_task) + 1);
	return 0;
}

static struct kprobe kp = {
	.symbol_name = "set_create_files_as",
	.pre_handler = pre,
};

static int __init cred_probe_init(void)
{
	return register_kprobe(&kp);
}

static void __exit cred_probe_exit(void)
{
	unregister_kprobe(&kp);
}

module_init(cred_probe_init);
module_exit(cred_probe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test probe: the subject of set_create_files_as() (fscache-rs)");
