# SPDX-License-Identifier: GPL-2.0
# A measurement, not in the suite (tests/lists/all): how soon after an
# on-demand daemon reads an object's CLOSE the object's file is free for
# `inuse`, on the C cachefiles and ours alternately in one boot (20 rounds
# each, fsrs-odprobe close-inuse and close-inuse-new), with the trace of
# the CLOSE, the unmark and the link.
#   scripts/vmtest ondemand_close_window@c/c
# timeout: 2400
# erofs-image: fsrsblob
. /fsrs/lib.sh
must "9p and erofs load" sh -c 'modprobe 9pnet_virtio && modprobe 9p && modprobe erofs'
must "cache disk mounts" mount_cache_disk
mkdir -p /share
must "share" mount -t 9p -o trans=virtio,version=9p2000.L share /share
T=/sys/kernel/tracing
[ -e $T/trace ] || mount -t tracefs nodev $T
for SC in close-inuse-new close-inuse; do for impl in c rust rust c; do
	[ -e /sys/module/cachefiles ] && must "unload" unload_cachefiles
	must "load $impl" load_cachefiles_impl $impl
	echo 0 >$T/tracing_on; echo >$T/trace
	for e in cachefiles_ondemand_close cachefiles_mark_inactive cachefiles_mark_active cachefiles_link; do echo 1 >$T/events/cachefiles/$e/enable; done
	echo 1 >$T/tracing_on
	fsrs-odprobe $SC /var/cache/fscache /share /mnt/od fsrsblob 20 >/tmp/probe.out 2>&1
	echo "rc=$?"
	echo 0 >$T/tracing_on
	echo "=== $impl $SC"
	grep -v "^  'inuse" /tmp/probe.out | grep -v "^  'copen\|got \|reader:" 
	grep -v "^#" $T/trace | grep -v "o=00000000" | tail -20
done; done
umount /share
umount /var/cache/fscache
finish
