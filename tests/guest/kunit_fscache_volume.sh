# SPDX-License-Identifier: GPL-2.0
# KUnit suite fscache_volume (tests/kunit/fscache_volume_kunit.c): volumes,
# their key hashes, collisions and backend calls, on either fscache.
# timeout: 120
# boot: shared
# leak-scan: boot
. /fsrs/lib.sh
run_kunit fscache_volume_kunit fscache_volume
finish
