# SPDX-License-Identifier: GPL-2.0
# KUnit suite fscache_cache (tests/kunit/fscache_cache_kunit.c): the cache
# API, against whichever fscache the cell loads.
# timeout: 120
# boot: shared
# leak-scan: boot
. /fsrs/lib.sh
run_kunit fscache_cache_kunit fscache_cache
finish
