# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# cpus: 2
# boot: shared
# leak-scan: boot
# erofs-image: fsrsblob
# An object's last put in a read's completion, on two
# CPUs, on the C cachefiles and then ours:
# erofs (fscache mode) ends its cache operation inside the read's
# completion, so on another CPU the cache can withdraw the object before
# cachefiles puts its kiocb, whose put is then the object's last, in
# interrupt context. tests/kunit/endio_probe.c holds one completion in
# that window (its CPU spins, interrupts off) until the withdrawal (the
# daemon killed) returns on the other CPU. The reader runs on CPU 0; this
# script, the daemon and the unbound workqueues on CPU 1. The object must
# be freed in process context: no "sleeping function called from invalid
# context" (Object::drop's might_sleep()), no lockdep report, and unbind
# ends. Before the fix, ours freed it there, in the completion.
. /fsrs/lib.sh

check "the guest has two CPUs" [ "$(nproc)" = 2 ]
# Everything but the reader on CPU 1 (mask 2), unbound work items too:
# CPU 0 is held with interrupts off, so nothing the withdrawal needs may
# wait for it.
must "this script runs on CPU 1" taskset -p 2 $$
must "unbound work runs on CPU 1" sh -c 'echo 2 >/sys/devices/virtual/workqueue/cpumask'
must "erofs loads" modprobe erofs
must "cache disk mounts" mount_cache_disk
mkdir -p /share /mnt/erofs
must "the share (plain 9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L share /share
P=/sys/module/endio_probe/parameters

for impl in c rust; do
	echo "=== cachefiles $impl"
	[ -e /sys/module/cachefiles ] && must "cachefiles unloads" unload_cachefiles
	must "cachefiles $impl loads" load_cachefiles_impl $impl
	if [ $impl = c ]; then
		sym=cachefiles_withdraw_cookie
	else
		# The withdraw_cookie op's trampoline (the shared layer's table
		# for cachefiles' backend), which takes the object off the cookie.
		sym=$(awk '$4 == "[cachefiles]" && $3 ~ /14CacheOpsVTable.*15withdraw_cookie/ { print $3 }' /proc/kallsyms)
	fi
	must "the probe loads (withdraw_cookie: $sym)" insmod /fsrs/modules/endio_probe.ko withdraw_sym=$sym
	empty_cache
	fsrs-ondemand /var/cache/fscache /share >/tmp/ondemand.log 2>&1 &
	daemon=$!
	must "the daemon binds" wait_for 30 sh -c 'grep -q " A ondemand$" /proc/fs/fscache/caches'
	must "erofs mounts" mount -t erofs -o fsid=fsrsblob none /mnt/erofs
	check "$impl: every file reads back exactly (the cache fills)" \
		sh -c 'cd /mnt/erofs && sha256sum -c /share/fsrsblob.sha256sums >/dev/null'
	# Data from the cache file now; the metadata read again before arming.
	echo 3 >/proc/sys/vm/drop_caches
	ls -l /mnt/erofs >/dev/null
	echo 1 >$P/arm
	taskset 1 dd if=/mnt/erofs/data.bin of=/tmp/head bs=4096 count=1 2>/dev/null &
	reader=$!
	check "$impl: a completion is held" wait_for 20 sh -c "[ \$(cat $P/holding) = 1 ]"
	kill -9 $daemon
	wait $daemon 2>/dev/null
	wait $reader
	check "$impl: the reader's read succeeded" [ $? = 0 ]
	echo "held $(cat $P/held), timeouts $(cat $P/timeouts)"
	check "$impl: the completion was held until the object was withdrawn" \
		[ "$(cat $P/held)" = 1 -a "$(cat $P/timeouts)" = 0 ]
	check "$impl: the cache is withdrawn" wait_for 30 sh -c '! grep -q " A ondemand$" /proc/fs/fscache/caches'
	umount /mnt/erofs
	must "the probe unloads" rmmod endio_probe
done
finish
