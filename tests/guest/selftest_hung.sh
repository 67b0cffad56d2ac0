# SPDX-License-Identifier: GPL-2.0
# Harness self-test: the script passes, but the kernel sleeps uninterruptibly past the hung-task timeout.
# The runner must fail this run (tests/lists/all marks it xfail=splat).
# timeout: 60
# boot: shared
. /fsrs/lib.sh
echo 5 >/proc/sys/kernel/hung_task_timeout_secs
check "module loads" insmod /fsrs/modules/harness_splat.ko kind=hung
rmmod harness_splat
finish
