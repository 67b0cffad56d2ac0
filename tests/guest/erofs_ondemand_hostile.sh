# SPDX-License-Identifier: GPL-2.0
# A misbehaving on-demand daemon (tests/guest/tools/fsrs-odprobe.c), one
# scenario per run of the probe, each on a fresh cache: OPEN refused,
# writes and seeks before copen, the anonymous fd closed early (re-open,
# and a refused re-open), a READ completed with no data, wrong, stale
# and mismatched ids, the device closed and the daemon killed with a READ
# pending, restore, and writes racing the withdrawal. Each must end in
# an errno or a failed read for the reader, never a hang or a splat.
# timeout: 420
# erofs-image: fsrsblob fsrsblob2
. /fsrs/lib.sh

for m in fscache netfs cachefiles 9pnet_virtio 9p libcrc32c erofs; do
	must "modprobe $m" modprobe $m
done
echo "loaded: fscache=$(impl_of fscache) cachefiles=$(impl_of cachefiles)"
must "cache disk mounts" mount_cache_disk
mkdir -p /share
must "the share (plain 9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L share /share

probe() {
	echo "--- $1"
	fsrs-odprobe "$1" /var/cache/fscache /share /mnt/od fsrsblob fsrsblob2
}
for sc in open-error early-write close-reopen close-refuse no-data bad-ids \
	close-device kill restore race-umount; do
	check "hostile daemon: $sc" probe $sc
done
check "no cache is left bound" sh -c '! grep -q " ondemand$" /proc/fs/fscache/caches'
cat /proc/fs/fscache/stats | head -20
umount /share
umount /var/cache/fscache
finish
