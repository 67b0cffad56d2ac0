# SPDX-License-Identifier: GPL-2.0
# A misbehaving on-demand daemon (tests/guest/tools/fsrs-odprobe.c), one
# scenario per run of the probe, each on a fresh cache: OPEN refused,
# writes and seeks before and after copen, the anonymous fd closed early
# (re-open, and a refused re-open), a READ completed with no data, wrong,
# stale and mismatched ids, the device closed and the daemon killed with
# a READ pending, restore, writes racing the withdrawal, a withdrawal
# while a re-open waits, and inuse/cull on an on-demand object. Each must
# end in an errno or a failed read for the reader, never a hang or a
# splat. Every scenario runs on the C cachefiles, then on ours, in this
# boot: each probe's answers must be the same, line for line, and so must
# the cachefiles_ondemand_* events of one scenario, values included. The
# cell's cachefiles is not used (both are).
# timeout: 480
# erofs-image: fsrsblob fsrsblob2
. /fsrs/lib.sh

must "9p and erofs load" sh -c 'modprobe 9pnet_virtio && modprobe 9p && modprobe erofs'
must "cache disk mounts" mount_cache_disk
mkdir -p /share
must "the share (plain 9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L share /share
T=/sys/kernel/tracing
[ -e $T/trace ] || mount -t tracefs nodev $T

SCENARIOS="open-error early-write close-reopen close-refuse no-data bad-ids close-device
	kill restore race-umount reopen-withdraw cull"

# probes IMPL: every scenario on cachefiles IMPL; the answers (the
# probe's lines less what depends on timing) in /tmp/answers.IMPL.
probes() {
	[ -e /sys/module/cachefiles ] && must "cachefiles unloads" unload_cachefiles
	must "cachefiles $1 loads" load_cachefiles_impl "$1"
	: >/tmp/answers.$1
	for sc in $SCENARIOS; do
		echo "--- $sc ($1)"
		fsrs-odprobe "$sc" /var/cache/fscache /share /mnt/od fsrsblob fsrsblob2 >/tmp/probe.out 2>&1
		_rc=$?
		cat /tmp/probe.out
		check "hostile daemon on $1: $sc" [ $_rc = 0 ]
		# Counts of loop iterations and of racing rounds vary by timing.
		grep -vE "messages, [0-9]+ restores|write\+seek rounds" /tmp/probe.out |
			sed "s/^/$sc: /" >>/tmp/answers.$1
	done
	check "no cache is left bound ($1)" sh -c '! grep -q " ondemand$" /proc/fs/fscache/caches'
}

# odtrace IMPL: the cachefiles_ondemand_* events of close-reopen on IMPL,
# freshly loaded so that object ids start alike.
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

probes c
probes rust
if ! cmp -s /tmp/answers.c /tmp/answers.rust; then
	echo "--- answers differ (C, then ours)"
	diff /tmp/answers.c /tmp/answers.rust
fi
check "every probe's answers are the same on the C cachefiles and ours" \
	cmp -s /tmp/answers.c /tmp/answers.rust

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
umount /share
umount /var/cache/fscache
finish
