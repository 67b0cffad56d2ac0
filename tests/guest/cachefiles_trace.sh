# SPDX-License-Identifier: GPL-2.0
# The cachefiles:* and fscache:* tracepoints, as a trace-cmd or perf user
# sees them, are the same on both cachefiles implementations: with every
# event of both systems enabled, the same workload (cachefilesd binds an
# empty cache, 9p cache=fscache reads two files twice across a remount,
# the daemon stops) runs on the C cachefiles, then on ours, under the
# cell's fscache. Each run's trace is reduced to its shapes (event name and
# field names, values dropped) in order of first appearance; the two lists
# must be the same, and each system's events must be there, with the
# reference events of fscache's caches and volumes. The cell's cachefiles
# is not used (both are).
# timeout: 300
# share-files: 2x1M
. /fsrs/lib.sh

T=/sys/kernel/tracing
must "fscache and netfs load" sh -c 'modprobe fscache && modprobe netfs'
must "9p loads" sh -c 'modprobe 9pnet_virtio && modprobe 9p'
must "cache disk mounts" mount_cache_disk
[ -e $T/trace ] || mount -t tracefs nodev $T
write_cachefilesd_conf

# shapes FILE: the trace's events reduced to "event field field ...",
# in order of first appearance.
shapes() {
	sed -n 's/^.* \(cachefiles_[a-z_]*\|fscache_[a-z_]*\): \(.*\)$/\1 \2/p' "$1" |
		awk '{ s = $1; for (i = 2; i <= NF; i++) if ($i ~ /^[A-Za-z_]+=/) { sub(/=.*/, "=", $i); s = s " " $i } print s }' |
		awk '!seen[$0]++'
}

lru_armed() {
	[ "$(stat_field "LRU " at)" -gt 0 ]
}

# run IMPL: the workload on cachefiles IMPL, its trace in /tmp/trace.IMPL.
run() {
	must "cachefiles $1 loads" load_cachefiles_impl "$1"
	echo 0 >$T/tracing_on
	echo >$T/trace
	echo 8192 >$T/buffer_size_kb
	must "cachefiles:* events ($1) enable" sh -c "echo 1 >$T/events/cachefiles/enable"
	must "fscache:* events enable" sh -c "echo 1 >$T/events/fscache/enable"
	echo 1 >$T/tracing_on
	must "cachefilesd ($1) binds an empty cache" start_cachefilesd
	must "9p share mounts ($1)" mount_share
	check "first read ($1) matches the server copy" sh -c 'cd /mnt && sha256sum -c SHA256SUMS'
	# The files are closed: their cookies wait on the LRU, whose timer
	# the stats' "at=" shows (jiffies left; 0 when not armed, which the
	# timer also is for a moment while it fires and re-arms).
	grep "^LRU" /proc/fs/fscache/stats
	check "the stats show the LRU timer armed ($1)" wait_for 5 lru_armed
	umount /mnt
	must "cookies are released ($1)" cookies_gone 30
	echo 3 >/proc/sys/vm/drop_caches
	must "9p share mounts again ($1)" mount_share
	check "second read ($1) matches the server copy" sh -c 'cd /mnt && sha256sum -c SHA256SUMS'
	umount /mnt
	must "cookies are released again ($1)" cookies_gone 30
	must "cachefilesd ($1) stops" stop_cachefilesd
	echo 0 >$T/tracing_on
	echo 0 >$T/events/cachefiles/enable
	echo 0 >$T/events/fscache/enable
	cp $T/trace "/tmp/trace.$1"
	echo >$T/trace
	check "the trace ($1) lost no events" sh -c "! grep -q LOST /tmp/trace.$1"
	shapes "/tmp/trace.$1" >"/tmp/shapes.$1"
	echo "trace ($1): $(grep -c ': cachefiles_' /tmp/trace.$1) cachefiles events," \
		"$(grep -c ': fscache_' /tmp/trace.$1) fscache events, $(wc -l </tmp/shapes.$1) shapes"
	must "cachefiles $1 unloads" unload_cachefiles
	# The next run starts from an empty cache, as this one did.
	rm -rf /var/cache/fscache/cache /var/cache/fscache/graveyard
}

run c
run rust
echo "--- shapes (C)"
cat /tmp/shapes.c
if ! cmp -s /tmp/shapes.c /tmp/shapes.rust; then
	echo "--- shapes (Rust)"
	cat /tmp/shapes.rust
	echo "--- diff"
	diff /tmp/shapes.c /tmp/shapes.rust
fi
check "the Rust cachefiles fires the same events with the same fields, in the same order" \
	cmp -s /tmp/shapes.c /tmp/shapes.rust
for impl in c rust; do
	check "the trace ($impl) has cachefiles events" grep -q "^cachefiles_" /tmp/shapes.$impl
	check "the trace ($impl) has fscache events" grep -q "^fscache_" /tmp/shapes.$impl
done
# The reasons printed symbolically must be C's strings: an enum out of
# step would print another reason or a number.
for why in "NEW obj" "SEE lookup_cookie" "GET ioreq" "PUT ioreq" "SEE withdraw_cookie" \
	"SEE clean_commit" "PUT detach"; do
	check "cachefiles_ref '$why' (rust)" grep -q "cachefiles_ref: .* $why\$" /tmp/trace.rust
done
# fscache's cache and volume reference events fire as in C, whichever
# fscache the cell has: each reason this workload must produce.
for why in "NEW acq" "GET acq" "PUT relnq" "PUT vol"; do
	check "fscache_cache '$why' ($FSCACHE_IMPL fscache)" \
		grep -q "fscache_cache: C=[0-9a-f]* $why" /tmp/trace.rust
done
for why in "NEW acq" "GET creat" "SEE creat" "PUT creat" "GET cook" "PUT cook" "PUT relnq" "FREE"; do
	check "fscache_volume '$why' ($FSCACHE_IMPL fscache)" \
		grep -q "fscache_volume: V=[0-9a-f]* $why" /tmp/trace.rust
done
finish
