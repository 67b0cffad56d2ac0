# SPDX-License-Identifier: GPL-2.0
# /proc/fs/fscache/caches with a live cache, in the C format: the same
# check passes on the C and the Rust fscache, so they differ only in
# numbers.
# timeout: 120
. /fsrs/lib.sh

must "fscache loads" modprobe fscache
echo "fscache: $(impl_of fscache)"
must "a test backend adds cache 'probe-one'" insmod /fsrs/modules/fscache_probe.ko tag=probe-one
cat /proc/fs/fscache/caches
check "the table keeps its two header lines" [ "$(sed -n 2p /proc/fs/fscache/caches)" = \
	"======== ===== ===== ===== ===== = ===============" ]
row=$(grep " probe-one$" /proc/fs/fscache/caches)
echo "row: '$row'"
# debug id, then ref 1, no volumes or objects, the pinned access, Active.
check "the cache's row has the C layout" \
	sh -c "echo '$row' | grep -Eq '^[0-9a-f]{8}     1     0     0     1 A probe-one\$'"
must "the backend withdraws" rmmod fscache_probe
cat /proc/fs/fscache/caches
check "the relinquished cache is gone" sh -c '! grep -q probe-one /proc/fs/fscache/caches'
rmmod fscache
finish
