// SPDX-License-Identifier: GPL-2.0
/*
 * endio_probe: holds one erofs cache-read completion, on its CPU, in the
 * window between erofs ending the cache operation and cachefiles putting
 * its kiocb, until the cache has withdrawn the object from another CPU.
 *
 * erofs's completion (erofs_fscache_req_end_io) ends the operation
 * inline, in the read's completion context. Once the operation has ended,
 * the object can be withdrawn; if that finishes before cachefiles drops
 * the kiocb, the kiocb holds the object's last reference and its put runs
 * in interrupt context. Nothing the cache does there may
 * sleep or take a lock taken with interrupts enabled elsewhere. The window
 * is a few instructions wide; this probe makes it as wide as the
 * withdrawal takes, so the test hits it every time. It needs two CPUs:
 * the held one spins with interrupts off.
 *
 *   withdraw_sym (load): the cache's withdraw_cookie op, by symbol
 *   arm (write 1): hold the next completion that runs outside task context
 *   holding, held, timeouts (read): held now; held until a withdrawal; gave
 *     up after HOLD_NS without one
 */
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/preempt.h>

#define HOLD_NS (5 * NSEC_PER_SEC)

static char *withdraw_sym = "cachefiles_withdraw_cookie";
module_param(withdraw_sym, charp, 0444);
MODULE_PARM_DESC(withdraw_sym, "the cache's withdraw_cookie op");

static int arm;
module_param(arm, int, 0644);
MODULE_PARM_DESC(arm, "1: hold the next completion outside task context");

static int holding;
module_param(holding, int, 0444);
MODULE_PARM_DESC(holding, "1 while a completion is held");

static int held;
module_param(held, int, 0444);
MODULE_PARM_DESC(held, "completions held until a withdrawal returned");

static int timeouts;
module_param(timeouts, int, 0444);
MODULE_PARM_DESC(timeouts, "holds given up with no withdrawal");

static int withdrawn;

static int end_io_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	u64 until;

	if (in_task() || cmpxchg(&arm, 1, 0) != 1)
		return 0;
	WRITE_ONCE(withdrawn, 0);
	WRITE_ONCE(holding, 1);
	until = ktime_get_ns() + HOLD_NS;
	while (!READ_ONCE(withdrawn) && ktime_get_ns() < until)
		cpu_relax();
	if (READ_ONCE(withdrawn))
		WRITE_ONCE(held, held + 1);
	else
		WRITE_ONCE(timeouts, timeouts + 1);
	WRITE_ONCE(holding, 0);
	return 0;
}

static int withdraw_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (READ_ONCE(holding))
		WRITE_ONCE(withdrawn, 1);
	return 0;
}

static struct kretprobe end_io_rp = {
	.kp.symbol_name = "erofs_fscache_req_end_io",
	.handler = end_io_ret,
	.maxactive = 16,
};

static struct kretprobe withdraw_rp = {
	.handler = withdraw_ret,
	.maxactive = 16,
};

static int __init endio_probe_init(void)
{
	int ret;

	withdraw_rp.kp.symbol_name = withdraw_sym;
	ret = register_kretprobe(&withdraw_rp);
	if (ret) {
		pr_err("endio_probe: %s: %d\n", withdraw_sym, ret);
		return ret;
	}
	ret = register_kretprobe(&end_io_rp);
	if (ret) {
		pr_err("endio_probe: erofs_fscache_req_end_io: %d\n", ret);
		unregister_kretprobe(&withdraw_rp);
	}
	return ret;
}

static void __exit endio_probe_exit(void)
{
	unregister_kretprobe(&end_io_rp);
	unregister_kretprobe(&withdraw_rp);
}

module_init(endio_probe_init);
module_exit(endio_probe_exit);
MODULE_DESCRIPTION("Holds an erofs cache-read completion until a withdrawal (test probe)");
MODULE_LICENSE("GPL");
