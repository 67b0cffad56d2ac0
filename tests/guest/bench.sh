# SPDX-License-Identifier: GPL-2.0
# The benchmark's workloads, once, on the boot's cell (scripts/bench runs
# it in every cell, interleaved, several times; it is no test of the
# suite). Each figure is a line "BENCH NAME VALUE"; the checks only make
# sure that what was timed did what it should (data exact, hits from the
# cache), so a broken cell cannot report a fast number.
# timeout: 900
# share: 64M
# share-small: 20000
# cache-disk: 512M
# erofs-image: big:16M od1 od2 od3 od4
. /fsrs/lib.sh

SMALL=20000       # files for the cache-creation and lookup passes
CHURN=2000        # files per churn pass
C=/var/cache/fscache
T=/sys/kernel/tracing

bench() { echo "BENCH $1 $2"; }
now() { fsrs-bench now; }
# secs T0 T1: seconds between two `now`s, 3 decimals.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
# mbps "bytes=N ns=T": MB/s (MiB, really: 2^20 bytes per second).
mbps() { echo "$1" | awk -F'[= ]' '{ printf "%.1f", $2 / 1048576 / ($4 / 1e9) }'; }
# rate "ops=N ns=T": operations per second.
rate() { echo "$1" | awk -F'[= ]' '{ printf "%.0f", $2 / ($4 / 1e9) }'; }
# Reclaimable and unreclaimable slab, in bytes.
slab_bytes() { awk '/^Slab:/ { print $2 * 1024 }' /proc/meminfo; }
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
# The boot's calibration, sampled between the workloads so that its median
# is the speed of the whole boot (scripts/bench normalises each figure by
# it, Documentation/benchmarks.rst): a fixed CPU loop in user space, and
# a file of the cache disk outside the cache read cold, buffered, in 1 MiB
# requests, which is the disk path with none of fscache, cachefiles or
# netfs in it.
CALIB=/var/cache/fscache/calib.bin
cal_cpu() {
	r=$(fsrs-bench cpu) || must "CPU calibration loop" false
	bench cal_cpu_MBps "$(mbps "$r")"
}
cal_io() {
	drop
	r=$(fsrs-bench read $CALIB) || must "I/O calibration read" false
	bench cal_io_MBps "$(mbps "$r")"
}
calibrate() { cal_cpu; cal_io; }

must "caching stack loads" load_stack
for m in nfsd nfsv4 libcrc32c erofs; do must "modprobe $m" modprobe $m; done
echo "cell: fscache=$(impl_of fscache) cachefiles=$(impl_of cachefiles)"
# Timing needs the TSC (vmtest boots with tsc=reliable): jiffies would
# give every figure a 4 ms grain and other costs.
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
must "the clocksource is the TSC ($cs)" [ "${cs#tsc}" != "$cs" ]

# --- 1. In-kernel: the cookie API against a fake backend, and the slab
# bytes of 100,000 live cookies (held by the module until it goes).
cal_cpu
drop
s0=$(slab_bytes)
must "fscache_bench runs" insmod /fsrs/modules/fscache_bench.ko ops=20000 hold=100000
s1=$(slab_bytes)
dmesg | grep "fscache_bench:"
for v in $(dmesg | sed -n 's/.*fscache_bench: acquire_relinquish .* ns_per_op=//p'); do
	bench k_acquire_relinquish_ns "$v"
done
for v in $(dmesg | sed -n 's/.*fscache_bench: use_unuse .* ns_per_op=//p'); do
	bench k_use_unuse_ns "$v"
done
bench cookie_bytes $(((s1 - s0) / 100000))
must "fscache_bench unloads" rmmod fscache_bench
cal_cpu

# --- The cache: cachefilesd on the cache disk, limits that never cull
# (and no `debug`, which costs log lines).
must "cache disk mounts" mount_cache_disk
printf '%s\n' "dir $C" "tag fsrs" "brun 10%" "bcull 7%" "bstop 3%" \
	"frun 10%" "fcull 7%" "fstop 3%" >/etc/cachefilesd.conf
must "cachefilesd binds the cache" start_cachefilesd

# --- 2. and 1. cold_and_hit FS MOUNT: a cold fill of data.bin (the
# network read plus the cache write), then five cache-hit reads with the
# page cache dropped before each; leaves rd_per_pass, the cache reads of
# one hit pass.
cold_and_hit() {
	_fs=$1 _mount=$2
	must "$_fs mounts" $_mount
	drop
	_t0=$(now)
	r=$(fsrs-bench read /mnt/data.bin) || must "cold $_fs read" false
	bench "cold_${_fs}_MBps" "$(mbps "$r")"
	# Written back and committed: umount waits for the cache writes, the
	# cookie workers then withdraw (commit) the objects.
	umount /mnt
	must "$_fs cookies withdrawn" cookies_gone 60
	bench "fill_${_fs}_s" "$(secs "$_t0" "$(now)")"
	_wr=$(stat_field "IO " wr)
	must "$_fs mounts again" $_mount
	_rd0=$(stat_field "IO " rd)
	for _i in 1 2 3 4 5; do
		drop
		r=$(fsrs-bench read /mnt/data.bin) || must "cache-hit $_fs read" false
		bench "hit_${_fs}_MBps" "$(mbps "$r")"
	done
	rd_per_pass=$((($(stat_field "IO " rd) - _rd0) / 5))
	check "$_fs: cold pass wrote to the cache (IO wr=$_wr)" [ "${_wr:-0}" -gt 0 ]
	check "$_fs: cache-hit passes read the cache ($rd_per_pass reads each)" [ "$rd_per_pass" -gt 0 ]
	check "$_fs: cache-hit read exact" [ "$(sha_of /mnt/data.bin)" = "$want" ]
	umount /mnt
	must "$_fs cookies withdrawn" cookies_gone 60
}

mount_9p() { mount -t 9p -o trans=virtio,version=9p2000.L,cache=fscache share /mnt; }
mkdir -p /share
must "the share (plain 9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 share /share
want=$(cut -d" " -f1 /share/data.sha256)
# The I/O calibration's file, beside the cache on its disk: neither the
# cache nor cachefilesd look outside cache/ and graveyard/.
copy /share/data.bin $CALIB
umount /share
cal_io
cold_and_hit 9p mount_9p

# The limit: the backing file itself, read from the cache disk the same
# way (buffered, 1 MiB requests, cold page cache).
backing=$(find $C/cache -type f -size +65536 | head -1)
must "the backing file of data.bin is in the cache" [ -n "$backing" ]
for i in 1 2 3 4 5; do
	drop
	r=$(fsrs-bench read "$backing") || must "direct backing-file read" false
	bench direct_MBps "$(mbps "$r")"
done
# The cache is read by direct I/O in requests of the mean size below: the
# same file read so (O_DIRECT) shows what the disk path alone can do, so
# what a cache hit loses beyond it is what netfs and the cache do per
# request (Documentation/benchmarks.rst).
chunk=$((64 * 1048576 / rd_per_pass / 4096 * 4096))
echo "cache reads per 64 MiB pass: $rd_per_pass, $((chunk / 1024)) KiB each"
bench cache_read_kib "$((chunk / 1024))"
for i in 1 2 3; do
	r=$(fsrs-bench read -d -b "$chunk" "$backing") || must "O_DIRECT backing-file read" false
	bench direct_dio_MBps "$(mbps "$r")"
done
calibrate

# --- 3. NFSv4.2 -o fsc over loopback (the guest's own nfsd, from tmpfs).
mkdir -p /srv/export /share
mount -t tmpfs -o size=80m tmpfs /srv/export
must "the share (plain 9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 share /share
copy /share/data.bin /srv/export/data.bin
umount /share
ifconfig lo 127.0.0.1 up
echo "127.0.0.1 localhost" >/etc/hosts
mkdir -p /var/lib/nfs/v4recovery /proc/fs/nfsd
mount -t nfsd nfsd /proc/fs/nfsd
echo "/srv/export 127.0.0.1(rw,sync,no_subtree_check,no_root_squash,fsid=1)" >/etc/exports
exportfs -ra
rpc.mountd -F -N 2 -N 3 >/tmp/mountd.log 2>&1 &
must "rpc.nfsd starts" rpc.nfsd -N 3 -V 4 -H 127.0.0.1 -p 2049 -G 10 4
echo Y >/proc/fs/nfsd/v4_end_grace
mount_nfs() { mount -t nfs4 -o vers=4.2,fsc,nosharecache 127.0.0.1:/srv/export /mnt; }
cold_and_hit nfs mount_nfs
calibrate

# --- 4. Many small files on 9p: creating their cache files, looking them
# up again after a remount, and cookie churn.
must "9p share mounts" mount_9p
drop
r=$(fsrs-bench files /mnt/small $SMALL 1024) || must "first pass over the small files" false
bench create_files_per_s "$(rate "$r")"
t0=$(now)
umount /mnt
must "small-file cookies withdrawn" cookies_gone 120
bench commit_s "$(secs "$t0" "$(now)")"
objects() { find $C/cache -type f | wc -l; }
n0=$(objects)
check "every small file has a cache file ($n0)" [ "$n0" -ge $SMALL ]
must "9p share mounts again" mount_9p
drop
s0=$(slab_bytes)
r=$(fsrs-bench files /mnt/small $SMALL 1024) || must "lookup pass over the small files" false
s1=$(slab_bytes)
bench lookup_files_per_s "$(rate "$r")"
# Each file now has a live inode, cookie and object, over the whole stack.
bench slab_per_file_bytes $(((s1 - s0) / SMALL))
check "the lookup pass found every object on disk (no new cache file)" [ "$(objects)" = "$n0" ]
grep -E "^(Acquire|Relinqs|LRU|Cookies|CacheOp)" /proc/fs/fscache/stats
# Churn: inodes evicted (their cookies relinquished), then opened, stat'd
# and closed again: acquire, on-disk lookup, use, unuse.
for i in 1 2 3; do
	drop
	r=$(fsrs-bench files /mnt/small $CHURN) || must "churn pass" false
	bench churn_files_per_s "$(rate "$r")"
done
umount /mnt
must "small-file cookies withdrawn" cookies_gone 120
calibrate

# --- 5. Culling: the daemon, restarted with file limits 5% above what is
# free now, culls the cache until the kernel says it is back under them
# (about 1,600 files). That is when the free inodes reach the new frun
# limit (cachefiles stops asking for culls there), which the loop waits
# for, sampling every 50 ms, with a deadline far beyond any load: the
# daemon first scans all 20,000 files before it culls one, and a loaded
# host stretches that scan. Timed from the daemon's start to its last
# cull up to then, as the cull counter of /proc/fs/fscache/stats shows it.
must "cachefilesd stops" stop_cachefilesd
set -- $(stat -f -c "%d %c" $C)
free_pct=$(($1 * 100 / $2))
# frun in inodes as cachefiles computes it at bind: the hundredth of the
# inodes rounded down first, then times the percentage.
frun=$(($2 / 100 * (free_pct + 5)))
printf '%s\n' "dir $C" "tag fsrs" "brun 10%" "bcull 7%" "bstop 3%" \
	"frun $((free_pct + 5))%" "fcull $((free_pct + 4))%" "fstop 1%" >/etc/cachefilesd.conf
echo "free inodes $1 of $2 ($free_pct%); culling up to $((free_pct + 5))% ($frun free)"
culls() { stat_field "NoSpace:" cull; }
cull0=$(culls)
t0=$(now)
must "cachefilesd binds the full cache" start_cachefilesd
last=$t0 seen=$cull0 back=0
while :; do
	# Free inodes first: a cull is counted before the daemon deletes
	# its file, so every cull that freed them is in the count read next.
	f=$(stat -f -c %d $C) c=$(culls) t=$(now)
	[ "$c" = "$seen" ] || seen=$c last=$t
	if [ "$f" -ge "$frun" ]; then
		back=1
		break
	fi
	[ $(((t - t0) / 1000000000)) -lt 300 ] || break
	sleep 0.05
done
echo "culled $((seen - cull0)) files; free inodes now $(stat -f -c %d $C)"
check "the cache is back under its limits ($frun free inodes) within 300 s" [ $back = 1 ]
check "the daemon culled over 1,000 files ($((seen - cull0)))" [ $((seen - cull0)) -gt 1000 ]
[ $back = 0 ] || bench cull_s "$(secs "$t0" "$last")"
must "cachefilesd stops" stop_cachefilesd
calibrate

# --- 6. On-demand: erofs through fsrs-ondemandd on a fresh cache. A cold
# read of a 16 MiB file, then eight readers of four images at once; the
# READ round trip (request to the daemon's completion) from the
# cachefiles_ondemand_read and _cread events.
rm -rf $C/cache $C/graveyard
mkdir -p /share
must "the share (plain 9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L share /share
[ -e $T/trace ] || mount -t tracefs nodev $T
echo 16384 >$T/buffer_size_kb
echo >$T/trace
for e in read fd_write cread; do echo 1 >$T/events/cachefiles/cachefiles_ondemand_$e/enable; done
fsrs-ondemandd /var/cache/fscache /share >/tmp/d.log 2>&1 &
daemon=$!
must "fsrs-ondemandd binds" wait_for 30 grep -q " A fsrs-ondemandd$" /proc/fs/fscache/caches
for i in big od1 od2 od3 od4; do
	mkdir -p /mnt/$i
	must "$i mounts" mount -t erofs -o fsid=$i none /mnt/$i
done
drop
r=$(fsrs-bench read /mnt/big/data.bin) || must "cold erofs read" false
bench od_cold_MBps "$(mbps "$r")"
t0=$(now)
pids=""
for i in od1 od2 od3 od4; do
	fsrs-bench read /mnt/$i/data.bin >/tmp/r1.$i 2>&1 &
	pids="$pids $!"
	(cd /mnt/$i && sha256sum -c /share/$i.sha256sums >/tmp/r2.$i 2>&1) &
	pids="$pids $!"
done
bad=0
for p in $pids; do wait $p || bad=1; done
bench od_parallel_s "$(secs "$t0" "$(now)")"
check "eight concurrent readers: every file exact, no error" [ $bad = 0 ]
for e in read fd_write cread; do echo 0 >$T/events/cachefiles/cachefiles_ondemand_$e/enable; done
check "big image exact" sh -c 'cd /mnt/big && sha256sum -c /share/big.sha256sums >/dev/null'
# A READ event (object, start) is not given its id yet (the tracepoint
# fires before the id is allocated, in C as in ours): it is paired with
# the daemon's first write at that start, then that object's next
# completion (the daemon serves one request at a time: its writes, then
# the completion ioctl).
sed -n 's/.* \([0-9][0-9]*\.[0-9]*\): cachefiles_ondemand_\([a-z_]*\): o=\([0-9a-f]*\) \(.*\)/\1 \2 \3 \4/p' \
	$T/trace >/tmp/events
awk '
	function field(k,   i) { for (i = 4; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2) }
	$2 == "read" { key = $3 " " field("s"); if (!(key in req)) req[key] = $1 }
	$2 == "fd_write" { key = $3 " " field("s"); if (key in req) { wait[$3] = req[key]; delete req[key] } }
	$2 == "cread" && ($3 in wait) { printf "%d\n", ($1 - wait[$3]) * 1e6; delete wait[$3] }' \
	/tmp/events | sort -n >/tmp/rtt
n=$(wc -l </tmp/rtt)
check "READ round trips measured ($n)" [ "$n" -gt 10 ]
bench od_read_p50_us "$(sed -n "$(((n + 1) / 2))p" /tmp/rtt)"
bench od_read_p99_us "$(sed -n "$(((n * 99 + 99) / 100))p" /tmp/rtt)"
for i in big od1 od2 od3 od4; do umount /mnt/$i; done
kill $daemon
wait $daemon
umount /share
calibrate
finish
