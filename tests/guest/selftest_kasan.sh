# SPDX-License-Identifier: GPL-2.0
# Harness self-test: the script passes, but the kernel reads freed memory (KASAN).
# The runner must fail this run (tests/lists/all marks it xfail=splat).
# timeout: 60
# boot: shared
. /fsrs/lib.sh
check "module loads" insmod /fsrs/modules/harness_splat.ko kind=kasan
rmmod harness_splat
finish
