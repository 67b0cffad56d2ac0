# SPDX-License-Identifier: GPL-2.0
# The demo's on-demand part (scripts/demo): a lazily pulled erofs image
# served by our daemon (fsrs-ondemandd) through the cell's modules. The
# first read of each block asks the daemon; a remount reads from the
# cache without asking.
# timeout: 180
# erofs-image: demo
. /fsrs/lib.sh

for m in fscache netfs cachefiles 9pnet_virtio 9p libcrc32c erofs; do
	must "modprobe $m" modprobe $m
done
echo "modules: fscache=$(impl_of fscache) cachefiles=$(impl_of cachefiles)"
must "cache disk mounts" mount_cache_disk
mkdir -p /share /mnt/image
must "the image directory (9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L share /share

reads() { grep -c ": READ [0-9]*: .* bytes$" /tmp/d.log; }
fsrs-ondemandd -v /var/cache/fscache /share >/tmp/d.log 2>&1 &
daemon=$!
must "fsrs-ondemandd binds an on-demand cache" \
	wait_for 30 grep -q " A fsrs-ondemandd$" /proc/fs/fscache/caches
must "mount -t erofs -o fsid=demo none /mnt/image" mount -t erofs -o fsid=demo none /mnt/image
echo "after the mount, the daemon has served $(reads) READs (the metadata only)"
ls -l /mnt/image
check "every file reads back exactly" sh -c 'cd /mnt/image && sha256sum -c /share/demo.sha256sums'
first=$(reads)
echo "after reading every file: $first READs served lazily"
umount /mnt/image
echo 3 >/proc/sys/vm/drop_caches
must "mount again" mount -t erofs -o fsid=demo none /mnt/image
check "every file reads back exactly again" sh -c 'cd /mnt/image >/dev/null && sha256sum -c /share/demo.sha256sums >/dev/null'
echo "after reading everything again: $(($(reads) - first)) more READs (served from the cache)"
check "the second pass asked the daemon for nothing" [ "$(reads)" = "$first" ]
umount /mnt/image
grep -E ": (OPEN|CLOSE)" /tmp/d.log
kill $daemon
wait $daemon
tail -1 /tmp/d.log
umount /share
umount /var/cache/fscache
finish
