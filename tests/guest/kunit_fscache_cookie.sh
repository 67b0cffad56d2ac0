# SPDX-License-Identifier: GPL-2.0
# KUnit suite fscache_cookie (tests/kunit/fscache_cookie_kunit.c): cookies,
# their state machine, LRU, invalidation, withdrawal and I/O entry points,
# against whichever fscache the cell loads. The fscache tracepoints are
# enabled meanwhile: the suite must make the module fire them.
# timeout: 300
# boot: shared
# leak-scan: boot
. /fsrs/lib.sh

must "fscache loads" modprobe fscache
mkdir -p /sys/kernel/tracing
must "tracefs mounts" sh -c "[ -e /sys/kernel/tracing/trace ] || mount -t tracefs nodev /sys/kernel/tracing"
T=/sys/kernel/tracing
check "fscache trace events exist" [ -d $T/events/fscache/fscache_cookie ]
echo 1 >$T/events/fscache/enable
traced() {
	echo 0 >$T/events/fscache/enable
	grep -c fscache $T/trace | sed 's/^/trace lines: /'
	for ev in fscache_acquire fscache_cookie fscache_active fscache_access \
		fscache_relinquish fscache_invalidate fscache_resize \
		fscache_access_cache fscache_access_volume; do
		check "tracepoint $ev fired" grep -q " $ev: " $T/trace
	done
	grep -m3 " fscache_acquire: " $T/trace
}
run_kunit fscache_cookie_kunit fscache_cookie traced
finish
