# SPDX-License-Identifier: GPL-2.0
# timeout: 480
# cpus: 2
# boot: shared
# leak-scan: boot
# erofs-image: fsrsblob fsrsblob2
# The on-demand mode's race windows, each made as wide as the other side
# takes (tests/guest/tools/fsrs-odrace.c, with tests/kunit/hold_probe.c
# holding one side there, asleep or spinning on its CPU), on the cell's
# cachefiles:
# 1. a re-open whose allocation fails (failslab on init_object) puts the
#    object back to closed and wakes the daemon: the READ re-opens it
#    again and is served, where the object stayed re-opening and the
#    reader waited for ever;
# 2. a withdrawal marks the object dropping and fails its requests in one
#    hold of the lock: a daemon's read in between gets none of them;
#    and a copen that took its OPEN out before the withdrawal does not
#    open the withdrawn object (no cachefiles_ondemand_copen event; C
#    opens it);
# 3. a CLOSE whose queueing dropped the lock to allocate checks again that
#    the object is open: none reaches the daemon for the fd it just
#    closed (object id 0xffffffff);
# 4. a device command checks for a dead cache under the command lock: a
#    copen that waited there while an I/O error killed the cache gets EIO.
# Only our cachefiles: the C one has no such function names to hold at.
. /fsrs/lib.sh

check "the guest has two CPUs" [ "$(nproc)" = 2 ]
for m in fscache netfs cachefiles 9pnet_virtio 9p libcrc32c erofs; do
	must "modprobe $m" modprobe $m
done
echo "loaded: fscache=$(impl_of fscache) cachefiles=$(impl_of cachefiles)"
must "cache disk mounts" mount_cache_disk
mkdir -p /share
must "the share (plain 9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L share /share
mount -t debugfs none /sys/kernel/debug 2>/dev/null
T=/sys/kernel/tracing
[ -e $T/trace ] || mount -t tracefs nodev $T
F=/sys/kernel/debug/failslab

# cachefiles.ko's functions, address and name, in address order (read
# once: /proc/kallsyms is slow to walk on the debug kernel).
awk '$4 == "[cachefiles]" && ($2 == "t" || $2 == "T") { print $1, $3 }' /proc/kallsyms |
	sort >/tmp/cachefiles.syms
# sym PATTERN: the one cachefiles.ko function whose name ends in PATTERN.
sym() {
	awk -v p="$1\$" '$2 ~ p { print $2 }' /tmp/cachefiles.syms
}
# range PATTERN: the start and end of that function's text.
range() {
	awk -v p="$1\$" 'f { print $1; exit } $2 ~ p { printf "%s ", $1; f = 1 }' /tmp/cachefiles.syms
}
# Cache::io_error of cachefiles' own cache (the shared layer's fscache
# Cache has an io_error too).
CACHE_IO_ERROR='_main5cacheNtB[0-9a-z]*_5Cache8io_error'
for f in 8ondemand11init_object 8ondemand12clean_object 8ondemand5copen 8ondemand11daemon_read \
	6Daemon3run "$CACHE_IO_ERROR"; do
	echo "$f: $(sym "$f")"
	check "cachefiles has one function named $f" [ "$(sym "$f" | wc -l)" = 1 ]
done
anon_release=$(sym 'fops_release.*AnonFd.*')
echo "anonymous fd release: $anon_release"

# failslab ARGS: fail the next slab allocation whose stack passes through
# the function PATTERN, waiting ones too unless "nowait".
failslab() {
	_r=$(range "$1")
	echo "failslab: $1 at $_r"
	echo 0 >$F/times
	echo N >$F/cache-filter
	echo 1 >$F/verbose
	echo 32 >$F/stacktrace-depth
	echo 0 >$F/space
	echo 1 >$F/interval
	echo 100 >$F/probability
	if [ "$2" = nowait ]; then echo Y >$F/ignore-gfp-wait; else echo N >$F/ignore-gfp-wait; fi
	echo "0x${_r% *}" >$F/require-start
	echo "0x${_r#* }" >$F/require-end
}

# race SCENARIO [hold_probe ARGS]: one run of fsrs-odrace.
race() {
	_sc=$1
	shift
	[ -e /sys/module/hold_probe ] && rmmod hold_probe
	if [ $# -gt 0 ]; then
		must "$_sc: the hold probe loads" insmod /fsrs/modules/hold_probe.ko "$@"
	fi
	echo "--- $_sc"
	# On CPU 1 from its start: a spinning hold keeps CPU 0, and a TLB
	# flush of a process that ever ran there would wait for it.
	taskset 2 fsrs-odrace "$_sc" /var/cache/fscache /share /mnt/od fsrsblob fsrsblob2 \
		>/tmp/race.out 2>&1
	_rc=$?
	cat /tmp/race.out
	check "$_sc" [ $_rc = 0 ]
	[ -e /sys/module/hold_probe ] && rmmod hold_probe
	echo 3 >/sys/devices/virtual/workqueue/cpumask
}

# 1.
failslab 8ondemand11init_object
ODRACE_ARM="echo 1 >$F/times" race reopen-nomem
check "reopen-nomem: the allocation under init_object was failed" [ "$(cat $F/times)" = 0 ]
echo 0 >$F/times

# 2.
race withdraw-read hold_sym=fsrs_xa_unlock hold_ret=1 within_sym="$(sym 8ondemand12clean_object)" \
	release_sym="$(sym 8ondemand11daemon_read)"
echo 0 >$T/tracing_on
echo >$T/trace
echo 1 >$T/events/cachefiles/cachefiles_ondemand_copen/enable
echo 1 >$T/tracing_on
race withdraw-copen sleep=1 hold_sym=rust_helper_spin_lock skip=1 \
	within_sym="$(sym 8ondemand5copen)" release_sym="$(sym 8ondemand12clean_object)"
echo 0 >$T/tracing_on
echo 0 >$T/events/cachefiles/cachefiles_ondemand_copen/enable
grep cachefiles_ondemand_copen $T/trace
check "withdraw-copen: only the first OPEN was opened, not the withdrawn object" \
	[ "$(grep -c cachefiles_ondemand_copen $T/trace)" = 1 ]

# 3.
failslab 8ondemand12clean_object nowait
ODRACE_ARM="echo 1 >$F/times" race withdraw-close sleep=1 hold_sym=kmem_cache_alloc_lru_noprof \
	skip=1 within_sym="$(sym 8ondemand12clean_object)" release_sym="$anon_release"
check "withdraw-close: the allocation under the lock was failed" [ "$(cat $F/times)" = 0 ]
echo 0 >$F/times
echo 0 >$F/probability

# 4.
race dead-copen sleep=1 hold_sym="$(sym 6Daemon3run)" release_sym="$(sym "$CACHE_IO_ERROR")"

check "no cache is left bound" sh -c '! grep -q " ondemand$" /proc/fs/fscache/caches'
umount /share
umount /var/cache/fscache
finish
