// SPDX-License-Identifier: GPL-2.0
//! Scheduling context: checks and yields. Upstream: none in 6.12 (later
//! kernels have `kernel::task::might_sleep()`).

extern "C" {
    // rust/helpers/sched.c
    fn fsrs_might_sleep();
    fn fsrs_in_task() -> bool;
}

/// Asserts process context: the debug kernel (CONFIG_DEBUG_ATOMIC_SLEEP)
/// reports a call from atomic context, interrupts included.
pub fn might_sleep() {
    // SAFETY: might_sleep() only checks the preempt count and irq state.
    unsafe { fsrs_might_sleep() }
}

/// Whether we run in a task, not in an interrupt or softirq (`in_task()`).
pub fn in_task() -> bool {
    // SAFETY: reads the preempt count; no precondition.
    unsafe { fsrs_in_task() }
}

/// Yields the CPU if a reschedule is due (`cond_resched()`); may sleep,
/// which the debug kernel checks.
pub fn cond_resched() {
    might_sleep();
    // SAFETY: __cond_resched() may sleep; might_sleep() above reports a
    // call from atomic context.
    unsafe { kernel::bindings::__cond_resched() };
}
