# SPDX-License-Identifier: GPL-2.0
# Harness self-test, control case: the same module loaded quietly must
# pass, so the splat self-test fails for the splat and nothing else.
# timeout: 60
# boot: shared
. /fsrs/lib.sh
check "module loads without a splat" insmod /fsrs/modules/harness_splat.ko kind=none
check "module unloads" rmmod harness_splat
finish
