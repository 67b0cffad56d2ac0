# SPDX-License-Identifier: GPL-2.0
# KUnit suite fscache_volume (tests/kunit/fscache_volume_kunit.c): volumes,
# cookies and their key hashes, against whichever fscache the cell loads.
# timeout: 120
. /fsrs/lib.sh
run_kunit fscache_volume_kunit fscache_volume
finish
