// SPDX-License-Identifier: GPL-2.0
/*
 * hold_probe: holds one task at a chosen point of the kernel, on its CPU,
 * until another task has returned from a chosen function: it turns a race
 * window of a few instructions into one as wide as the other side takes,
 * so that a test lands in it every run.
 *
 *   hold_sym (load): where to hold: at this function's entry, or at its
 *     return with hold_ret=1
 *   within_sym (load, optional): hold only a task that is inside this
 *     function (between its entry and its return)
 *   skip (load): let this many eligible hits pass after arming, hold the
 *     next one
 *   release_sym (load): the hold ends once another task returns from this
 *     function
 *   hold_ms (load): and at the latest after this long (a timeout)
 *   arm (write 1): hold the next eligible hit (once)
 *   holding, held, timeouts (read): a task is held now; holds ended by
 *     the release; holds that timed out
 *
 * The held CPU spins with interrupts off, so the test needs two CPUs and
 * must keep on the other one everything the releasing side waits for.
 */
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>

static char *hold_sym;
module_param(hold_sym, charp, 0444);
MODULE_PARM_DESC(hold_sym, "the function where a task is held");

static bool hold_ret;
module_param(hold_ret, bool, 0444);
MODULE_PARM_DESC(hold_ret, "hold at hold_sym's return, not its entry");

static char *within_sym;
module_param(within_sym, charp, 0444);
MODULE_PARM_DESC(within_sym, "hold only a task inside this function");

static int skip;
module_param(skip, int, 0444);
MODULE_PARM_DESC(skip, "eligible hits let pass after arming");

static char *release_sym;
module_param(release_sym, charp, 0444);
MODULE_PARM_DESC(release_sym, "the hold ends when another task returns from this");

static int hold_ms = 5000;
module_param(hold_ms, int, 0444);
MODULE_PARM_DESC(hold_ms, "the longest hold");

static int arm;
module_param(arm, int, 0644);
MODULE_PARM_DESC(arm, "1: hold the next eligible hit");

static int holding;
module_param(holding, int, 0444);
MODULE_PARM_DESC(holding, "1 while a task is held");

static int held;
module_param(held, int, 0444);
MODULE_PARM_DESC(held, "holds ended by the release");

static int timeouts;
module_param(timeouts, int, 0444);
MODULE_PARM_DESC(timeouts, "holds given up");

/* The task inside within_sym, and how deep (it may recurse). */
static struct task_struct *inside;
static int depth;
static DEFINE_RAW_SPINLOCK(inside_lock);
static int skipped;
static struct task_struct *held_task;
static int released;

static bool eligible(void)
{
	bool in;

	if (!within_sym)
		return true;
	raw_spin_lock(&inside_lock);
	in = inside == current;
	raw_spin_unlock(&inside_lock);
	return in;
}

static void hold(void)
{
	unsigned long flags;
	u64 until;

	if (READ_ONCE(arm) != 1 || !eligible())
		return;
	if (skipped < skip) {
		skipped++;
		return;
	}
	if (cmpxchg(&arm, 1, 0) != 1)
		return;
	skipped = 0;
	local_irq_save(flags);
	WRITE_ONCE(released, 0);
	WRITE_ONCE(held_task, current);
	WRITE_ONCE(holding, 1);
	until = ktime_get_ns() + (u64)hold_ms * NSEC_PER_MSEC;
	while (!READ_ONCE(released) && ktime_get_ns() < until)
		cpu_relax();
	if (READ_ONCE(released))
		WRITE_ONCE(held, held + 1);
	else
		WRITE_ONCE(timeouts, timeouts + 1);
	WRITE_ONCE(held_task, NULL);
	WRITE_ONCE(holding, 0);
	local_irq_restore(flags);
}

static int hold_entry(struct kprobe *p, struct pt_regs *regs)
{
	hold();
	return 0;
}

static int hold_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	hold();
	return 0;
}

static int within_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	int track = 1;

	raw_spin_lock(&inside_lock);
	if (!inside)
		inside = current;
	if (inside == current)
		depth++;
	else
		track = 0;
	raw_spin_unlock(&inside_lock);
	/* Non-zero: no return handler for this instance. */
	return !track;
}

static int within_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	raw_spin_lock(&inside_lock);
	if (inside == current && --depth == 0)
		inside = NULL;
	raw_spin_unlock(&inside_lock);
	return 0;
}

static int release_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (READ_ONCE(holding) && READ_ONCE(held_task) != current)
		WRITE_ONCE(released, 1);
	return 0;
}

static struct kprobe hold_kp = { .pre_handler = hold_entry };
static struct kretprobe hold_rp = { .handler = hold_return, .maxactive = 32 };
static struct kretprobe within_rp = {
	.entry_handler = within_entry,
	.handler = within_return,
	.maxactive = 32,
};
static struct kretprobe release_rp = { .handler = release_return, .maxactive = 32 };

static int __init hold_probe_init(void)
{
	int ret;

	if (!hold_sym || !release_sym) {
		pr_err("hold_probe: hold_sym and release_sym are needed\n");
		return -EINVAL;
	}
	release_rp.kp.symbol_name = release_sym;
	ret = register_kretprobe(&release_rp);
	if (ret) {
		pr_err("hold_probe: %s: %d\n", release_sym, ret);
		return ret;
	}
	if (within_sym) {
		within_rp.kp.symbol_name = within_sym;
		ret = register_kretprobe(&within_rp);
		if (ret) {
			pr_err("hold_probe: %s: %d\n", within_sym, ret);
			goto out_release;
		}
	}
	if (hold_ret) {
		hold_rp.kp.symbol_name = hold_sym;
		ret = register_kretprobe(&hold_rp);
	} else {
		hold_kp.symbol_name = hold_sym;
		ret = register_kprobe(&hold_kp);
	}
	if (ret) {
		pr_err("hold_probe: %s: %d\n", hold_sym, ret);
		goto out_within;
	}
	return 0;

out_within:
	if (within_sym)
		unregister_kretprobe(&within_rp);
out_release:
	unregister_kretprobe(&release_rp);
	return ret;
}

static void __exit hold_probe_exit(void)
{
	if (hold_ret)
		unregister_kretprobe(&hold_rp);
	else
		unregister_kprobe(&hold_kp);
	if (within_sym)
		unregister_kretprobe(&within_rp);
	unregister_kretprobe(&release_rp);
}

module_init(hold_probe_init);
module_exit(hold_probe_exit);
MODULE_DESCRIPTION("Holds a task at a kernel function until another returns from one (test probe)");
MODULE_LICENSE("GPL");
