# SPDX-License-Identifier: GPL-2.0
# A misbehaving on-demand daemon (tests/guest/tools/fsrs-odprobe.c), one
# scenario per run of the probe, each on a fresh cache: OPEN refused,
# writes and seeks before copen, the anonymous fd closed early (re-open,
# and a refused re-open), a READ completed with no data, wrong, stale
# and mismatched ids, the device closed and the daemon killed with a READ
# pending, restore, writes racing the withdrawal, a withdrawal while a
# re-open waits, and inuse/cull on an on-demand object. Each must end in
# an errno or a failed read for the reader, never a hang or a splat.
# Then the cachefiles_ondemand_* events of one scenario, on the C
# cachefiles and on ours in the same boot, must match value for value.
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
	close-device kill restore race-umount reopen-withdraw cull; do
	check "hostile daemon: $sc" probe $sc
done
check "no cache is left bound" sh -c '! grep -q " ondemand$" /proc/fs/fscache/caches'

# The cachefiles_ondemand_* events, values included, are the same (in any
# order) on the C cachefiles and ours for one scenario (close-reopen: every event type),
# each module freshly loaded so that object ids start alike (only the
# backing inode numbers differ, and are masked).
T=/sys/kernel/tracing
[ -e $T/trace ] || mount -t tracefs nodev $T
odtrace() {
	must "cachefiles unloads" unload_cachefiles
	must "cachefiles $1 loads" load_cachefiles_impl "$1"
	echo 0 >$T/tracing_on
	echo >$T/trace
	for e in $T/events/cachefiles/cachefiles_ondemand_*/enable; do echo 1 >"$e"; done
	echo 1 >$T/tracing_on
	fsrs-odprobe close-reopen /var/cache/fscache /share /mnt/od fsrsblob >/dev/null
	echo 0 >$T/tracing_on
	for e in $T/events/cachefiles/cachefiles_ondemand_*/enable; do echo 0 >"$e"; done
	# The backing inode (iB=) is a new tmpfile's number each run.
	sed -n 's/^.* \(cachefiles_ondemand_[a-z_]*\): \(.*\)$/\1 \2/p' $T/trace |
		sed 's/ iB=[0-9a-f]* / iB=* /' >/tmp/odtrace.$1
	echo "--- cachefiles_ondemand_* events on $1"
	cat /tmp/odtrace.$1
}
odtrace c
odtrace rust
# As a multiset: the daemon's close of its fd races the mount's first
# READ, so those two events come in either order on either module.
sort /tmp/odtrace.c >/tmp/odtrace.c.sorted
sort /tmp/odtrace.rust >/tmp/odtrace.rust.sorted
check "the on-demand events are the same on both cachefiles, values included" \
	cmp /tmp/odtrace.c.sorted /tmp/odtrace.rust.sorted
for ev in open copen read cread fd_write fd_release close; do
	check "cachefiles_ondemand_$ev fires" grep -q "^cachefiles_ondemand_$ev " /tmp/odtrace.rust
done
cat /proc/fs/fscache/stats | head -20
umount /share
umount /var/cache/fscache
finish
