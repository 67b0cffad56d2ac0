# SPDX-License-Identifier: GPL-2.0
# Many concurrent readers over many blobs, served by fsrs-ondemandd, on
# the C cachefiles and then on ours in this boot: six erofs images
# mounted at once (a second mount of a mounted fsid is refused), two
# readers on each at the same time; every file exact, and the longest
# wait of any READ (from the request to the daemon's first write of its
# range, from the cachefiles_ondemand_* tracepoints) reported for each:
# the daemon's reads scan the requests cyclically, so no blob starves.
# timeout: 360
# erofs-image: od1 od2 od3 od4 od5 od6
. /fsrs/lib.sh

must "9p and erofs load" sh -c 'modprobe 9pnet_virtio && modprobe 9p && modprobe erofs'
must "cache disk mounts" mount_cache_disk
mkdir -p /share /mnt/again
must "the share (plain 9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L share /share
T=/sys/kernel/tracing
[ -e $T/trace ] || mount -t tracefs nodev $T
echo 16384 >$T/buffer_size_kb

load() {
	[ -e /sys/module/cachefiles ] && must "cachefiles unloads" unload_cachefiles
	must "cachefiles $1 loads" load_cachefiles_impl "$1"
	rm -rf /var/cache/fscache/cache /var/cache/fscache/graveyard
	echo 0 >$T/tracing_on
	echo >$T/trace
	for e in read fd_write; do echo 1 >$T/events/cachefiles/cachefiles_ondemand_$e/enable; done
	echo 1 >$T/tracing_on
	fsrs-ondemandd /var/cache/fscache /share >/tmp/d.log 2>&1 &
	daemon=$!
	must "the daemon binds ($1)" wait_for 30 grep -q " A fsrs-ondemandd$" /proc/fs/fscache/caches
	for i in 1 2 3 4 5 6; do
		mkdir -p /mnt/od$i
		must "od$i mounts ($1)" mount -t erofs -o fsid=od$i none /mnt/od$i
	done
	check "a second mount of a mounted fsid is refused (fscache: duplicate volume) ($1)" \
		sh -c '! mount -t erofs -o fsid=od1 none /mnt/again'
	# Two readers per image at once: one reads data.bin from the start,
	# one checks every file (both ask for the same blocks together).
	pids=""
	for i in 1 2 3 4 5 6; do
		(cat /mnt/od$i/data.bin >/dev/null; echo $? >/tmp/cat.$i) &
		pids="$pids $!"
		(cd /mnt/od$i && sha256sum -c /share/od$i.sha256sums >/tmp/sum.$i 2>&1
			echo $? >>/tmp/sum.$i) &
		pids="$pids $!"
	done
	for p in $pids; do wait $p; done
	echo 0 >$T/tracing_on
	for e in read fd_write; do echo 0 >$T/events/cachefiles/cachefiles_ondemand_$e/enable; done
	for i in 1 2 3 4 5 6; do
		check "od$i: every file exact under load ($1)" sh -c "tail -1 /tmp/sum.$i | grep -qx 0"
		check "od$i: the concurrent reader got no error ($1)" grep -qx 0 /tmp/cat.$i
	done
	# Each READ's wait: from its request to the first write of its range.
	sed -n 's/.* \([0-9][0-9]*\.[0-9]*\): cachefiles_ondemand_\(read\|fd_write\): o=\([0-9a-f]*\) .* s=\([0-9a-f]*\) .*/\1 \2 \3 \4/p' \
		$T/trace >/tmp/events
	awk -v impl="$1" '
		$2 == "read" { if (!(($3 " " $4) in t)) { t[$3 " " $4] = $1; n++ } }
		$2 == "fd_write" { k = $3 " " $4; if ((k in t) && !(k in w)) { w[k] = $1 - t[k]; m++; if (w[k] > max) max = w[k]; sum += w[k] } }
		END { printf "%s: %d READs, %d served; longest wait %.0f ms, mean %.0f ms\n", impl, n, m, max * 1000, (m ? sum / m * 1000 : 0)
		      print (n == m && n > 0) ? "all-served" : "some-unserved"; printf "max-ms %d\n", max * 1000 }' \
		/tmp/events >/tmp/waits.$1
	cat /tmp/waits.$1
	check "every READ was served ($1)" grep -q "^all-served" /tmp/waits.$1
	check "no READ waited 30 s or more: no starvation ($1)" \
		awk '/^max-ms/ { exit !($2 < 30000) }' /tmp/waits.$1
	for i in 1 2 3 4 5 6; do umount /mnt/od$i; done
	kill $daemon
	wait $daemon
	check "the cache is withdrawn ($1)" \
		wait_for 30 sh -c '! grep -q " fsrs-ondemandd$" /proc/fs/fscache/caches'
}

load c
load rust
echo "--- longest READ waits (C, then ours)"
head -1 /tmp/waits.c
head -1 /tmp/waits.rust
umount /share
umount /var/cache/fscache
finish
