# SPDX-License-Identifier: GPL-2.0
# Many concurrent readers over many blobs, served by fsrs-ondemandd:
# six erofs images mounted at once (and a second mount of a mounted fsid
# refused), two readers on each at the same time; every file exact, and
# the longest wait of any READ (from the request to the daemon's first
# write of its range, from the cachefiles_ondemand_* tracepoints) is
# reported: the daemon's reads scan the requests cyclically, so no blob
# starves.
# timeout: 300
# erofs-image: od1 od2 od3 od4 od5 od6
. /fsrs/lib.sh

for m in fscache netfs cachefiles 9pnet_virtio 9p libcrc32c erofs; do
	must "modprobe $m" modprobe $m
done
echo "loaded: fscache=$(impl_of fscache) cachefiles=$(impl_of cachefiles)"
must "cache disk mounts" mount_cache_disk
mkdir -p /share
must "the share (plain 9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L share /share

T=/sys/kernel/tracing
[ -e $T/trace ] || mount -t tracefs nodev $T
echo 16384 >$T/buffer_size_kb
for e in read fd_write; do echo 1 >$T/events/cachefiles/cachefiles_ondemand_$e/enable; done
echo 1 >$T/tracing_on

fsrs-ondemandd --stats 600 /var/cache/fscache /share >/tmp/d.log 2>&1 &
daemon=$!
must "the daemon binds" wait_for 30 grep -q " A fsrs-ondemandd$" /proc/fs/fscache/caches
for i in 1 2 3 4 5 6; do
	mkdir -p /mnt/od$i
	must "od$i mounts" mount -t erofs -o fsid=od$i none /mnt/od$i
done
mkdir -p /mnt/again
check "a second mount of a mounted fsid is refused (fscache: duplicate volume)" \
	sh -c '! mount -t erofs -o fsid=od1 none /mnt/again'
cat /proc/fs/fscache/volumes

# Two readers per image at once: one reads data.bin from the start, one
# checks every file (both ask for the same blocks at the same time).
pids=""
for i in 1 2 3 4 5 6; do
	(cat /mnt/od$i/data.bin >/dev/null; echo $? >/tmp/cat.$i) &
	pids="$pids $!"
	(cd /mnt/od$i && sha256sum -c /share/od$i.sha256sums >/tmp/sum.$i 2>&1; echo $? >>/tmp/sum.$i) &
	pids="$pids $!"
done
for p in $pids; do wait $p; done
echo 0 >$T/tracing_on
for i in 1 2 3 4 5 6; do
	check "od$i: every file exact under load" sh -c "tail -1 /tmp/sum.$i | grep -qx 0"
	check "od$i: the concurrent reader got no error" grep -qx 0 /tmp/cat.$i
done

# Wait of each READ: from its request to the first write of its range.
sed -n 's/.* \([0-9][0-9]*\.[0-9]*\): cachefiles_ondemand_\(read\|fd_write\): o=\([0-9a-f]*\) .* s=\([0-9a-f]*\) .*/\1 \2 \3 \4/p' \
	$T/trace >/tmp/events
awk '
	$2 == "read" { if (!(($3 " " $4) in t)) { t[$3 " " $4] = $1; n++ } }
	$2 == "fd_write" { k = $3 " " $4; if ((k in t) && !(k in w)) { w[k] = $1 - t[k]; m++; if (w[k] > max) { max = w[k]; at = k } sum += w[k] } }
	END { printf "%d READs, %d served; longest wait %.0f ms (object/offset %s), mean %.0f ms\n", n, m, max * 1000, at, (m ? sum / m * 1000 : 0)
	      print (n == m) ? "all-served" : "some-unserved"; printf "max-ms %d\n", max * 1000 }' /tmp/events >/tmp/waits
cat /tmp/waits
check "every READ was served" grep -q "^all-served" /tmp/waits
check "no READ waited 30 s or more (no starvation)" \
	awk '/^max-ms/ { exit !($2 < 30000) }' /tmp/waits
for i in 1 2 3 4 5 6; do umount /mnt/od$i; done
kill -USR1 $daemon
kill $daemon
wait $daemon
tail -2 /tmp/d.log
check "the cache is withdrawn" wait_for 30 sh -c '! grep -q " fsrs-ondemandd$" /proc/fs/fscache/caches'
umount /share
umount /var/cache/fscache
finish
