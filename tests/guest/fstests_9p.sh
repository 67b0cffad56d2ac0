# SPDX-License-Identifier: GPL-2.0
# fstests (xfstests) tests on 9p mounted with cache=fscache (the share,
# a fresh host directory, as the test filesystem), with cachefilesd
# bound. Run by scripts/fstests, which stages fstests into the guest and
# names the tests; the timeout below is its default, which it replaces
# by one that fits the number of tests.
# timeout: 3600
. /fsrs/lib.sh
[ -r /fsrs/fstests.inc ] || { not_ok "fstests staged (run this test with scripts/fstests)"; finish; }
. /fsrs/fstests.inc

cache_up
cat /proc/fs/fscache/caches

fstests_run 9p share "-o trans=virtio,version=9p2000.L,cache=fscache"

cache_down
finish
