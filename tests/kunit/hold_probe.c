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
 *   sleep (load): at an entry, the held task sleeps instead of spinning
 *
 * A spinning hold keeps its CPU with interrupts off, so the test needs two
 * CPUs and must keep on the other one everything the releasing side waits
 * for; nothing there may wait for an RCU grace period or an IPI either (an
 * unmount does both). A sleeping hold has none of these limits but needs a
 * point where the task may sleep: the probe sends the task from the
 * function's entry to held_call(), which sleeps, then calls the function
 * with the registers it was entered with (at most six arguments, none on
 * the stack) and returns its result (rax:rdx) to the original caller.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <asm/ibt.h>

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

static bool sleep_mode;
module_param_named(sleep, sleep_mode, bool, 0444);
MODULE_PARM_DESC(sleep, "at an entry, the held task sleeps instead of spinning");

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

/*
 * The task inside within_sym, and how deep (it may recurse): only that
 * task changes the depth. No locks: the handlers run in int3 (NMI-like)
 * context as well as in task context.
 */
static struct task_struct *inside;
static int depth;
static atomic_t skipped = ATOMIC_INIT(0);
static struct task_struct *held_task;
static int released;
static DECLARE_WAIT_QUEUE_HEAD(hold_wq);
/* The held function's start, called once a sleeping hold ends. */
static unsigned long hold_fn;
/* The task let through the probe once: a held task calling hold_fn. */
static struct task_struct *passing;
/* Tasks in held_call(): the module stays until they are out. */
static atomic_t in_held_call = ATOMIC_INIT(0);

static bool eligible(void)
{
	return !within_sym || READ_ONCE(inside) == current;
}

/*
 * Whether the probed code runs in task context (an interrupt is not the
 * task it interrupted). A kprobe's int3 handler runs as an NMI, one
 * hardirq level and the NMI bit above the probed code.
 */
static bool probed_in_task(void)
{
	unsigned long pc = preempt_count();

	if (in_nmi())
		pc -= NMI_OFFSET + HARDIRQ_OFFSET;
	return !(pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET));
}

/* Whether to hold this hit: armed, eligible, and past the skipped ones. */
static bool take(void)
{
	if (READ_ONCE(arm) != 1 || !probed_in_task() || !eligible())
		return false;
	if (atomic_inc_return(&skipped) <= skip)
		return false;
	if (cmpxchg(&arm, 1, 0) != 1)
		return false;
	atomic_set(&skipped, 0);
	WRITE_ONCE(released, 0);
	WRITE_ONCE(held_task, current);
	WRITE_ONCE(holding, 1);
	return true;
}

static void end_hold(bool ok)
{
	if (ok)
		WRITE_ONCE(held, held + 1);
	else
		WRITE_ONCE(timeouts, timeouts + 1);
	WRITE_ONCE(held_task, NULL);
	WRITE_ONCE(holding, 0);
}

typedef unsigned __int128 (*fn6_t)(unsigned long, unsigned long, unsigned long,
				   unsigned long, unsigned long, unsigned long);

/* Entered instead of the held function, with its arguments and its
 * caller's return address: sleeps, then calls it. */
static noinline unsigned __int128 held_call(unsigned long a1, unsigned long a2,
					    unsigned long a3, unsigned long a4,
					    unsigned long a5, unsigned long a6)
{
	unsigned __int128 r;
	long left;

	atomic_inc(&in_held_call);
	left = wait_event_timeout(hold_wq, READ_ONCE(released), msecs_to_jiffies(hold_ms));
	end_hold(left > 0);
	WRITE_ONCE(passing, current);
	r = ((fn6_t)hold_fn)(a1, a2, a3, a4, a5, a6);
	atomic_dec(&in_held_call);
	return r;
}

static void hold(void)
{
	unsigned long flags;
	u64 until;

	if (!take())
		return;
	local_irq_save(flags);
	until = ktime_get_ns() + (u64)hold_ms * NSEC_PER_MSEC;
	while (!READ_ONCE(released) && ktime_get_ns() < until)
		cpu_relax();
	end_hold(READ_ONCE(released));
	local_irq_restore(flags);
}

static int hold_entry(struct kprobe *p, struct pt_regs *regs)
{
	if (current == READ_ONCE(passing)) {
		WRITE_ONCE(passing, NULL);
		return 0;
	}
	if (!sleep_mode) {
		hold();
		return 0;
	}
	if (!take())
		return 0;
	/* Non-zero: regs->ip changed, the probed instruction is not run. */
	regs->ip = (unsigned long)held_call;
	return 1;
}

static int hold_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	hold();
	return 0;
}

static int within_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (READ_ONCE(inside) != current && cmpxchg(&inside, NULL, current) != NULL)
		return 1;	/* another task is tracked: no return handler */
	depth++;
	return 0;
}

static int within_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (READ_ONCE(inside) == current && --depth == 0)
		WRITE_ONCE(inside, NULL);
	return 0;
}

static int release_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (READ_ONCE(holding) && READ_ONCE(held_task) != current) {
		WRITE_ONCE(released, 1);
		wake_up(&hold_wq);
	}
	return 0;
}

/* A post handler keeps the probe an int3 one: an optimized (jump) probe
 * ignores a pre handler's change of regs->ip. */
static void hold_entry_post(struct kprobe *p, struct pt_regs *regs, unsigned long flags)
{
}

static struct kprobe hold_kp = { .pre_handler = hold_entry, .post_handler = hold_entry_post };
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

	if (!hold_sym || !release_sym || (sleep_mode && hold_ret)) {
		pr_err("hold_probe: hold_sym and release_sym are needed; sleep holds at an entry\n");
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
	if (!hold_ret) {
		u32 insn;

		/* The probe sits after an ENDBR; a call goes to the start. */
		hold_fn = (unsigned long)hold_kp.addr;
		if (ENDBR_INSN_SIZE &&
		    !copy_from_kernel_nofault(&insn, (void *)(hold_fn - ENDBR_INSN_SIZE), sizeof(insn)) &&
		    is_endbr(insn))
			hold_fn -= ENDBR_INSN_SIZE;
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
	/* A held task returns through held_call(): let it out first. */
	WRITE_ONCE(released, 1);
	wake_up(&hold_wq);
	while (atomic_read(&in_held_call))
		msleep(10);
}

module_init(hold_probe_init);
module_exit(hold_probe_exit);
MODULE_DESCRIPTION("Holds a task at a kernel function until another returns from one (test probe)");
MODULE_LICENSE("GPL");
