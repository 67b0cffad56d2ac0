# SPDX-License-Identifier: GPL-2.0
# erofs over fscache in on-demand mode: a minimal daemon (fsrs-ondemand)
# binds the cache with "bind ondemand" and serves the image's blocks from
# the share as the kernel asks. The files must read back exactly; a
# remount must be served from the cache without asking the daemon again.
# timeout: 300
# erofs-image: fsrsblob
. /fsrs/lib.sh

for m in fscache netfs cachefiles 9pnet_virtio 9p libcrc32c erofs; do
	must "modprobe $m" modprobe $m
done
echo "loaded: fscache=$(impl_of fscache) cachefiles=$(impl_of cachefiles)"
must "cache disk mounts" mount_cache_disk
mkdir -p /share
must "the share (plain 9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L share /share
fsrs-ondemand /var/cache/fscache /share >/tmp/ondemand.log 2>&1 &
daemon=$!
cache_active() { grep -q " A ondemand$" /proc/fs/fscache/caches; }
must "the daemon binds an on-demand cache" wait_for 30 cache_active
cat /proc/fs/fscache/caches

mkdir -p /mnt/erofs
must "erofs mounts from the cache (fsid=fsrsblob)" mount -t erofs -o fsid=fsrsblob none /mnt/erofs
ls -lR /mnt/erofs
check "every file reads back exactly" sh -c 'cd /mnt/erofs && sha256sum -c /share/fsrsblob.sha256sums'
cat /proc/fs/fscache/volumes /proc/fs/fscache/cookies
umount /mnt/erofs
reads1=$(grep -c "^READ " /tmp/ondemand.log)
echo "daemon served $reads1 reads"
check "the daemon was asked to open the blob" grep -q "^OPEN .*cookie='fsrsblob'" /tmp/ondemand.log
check "the daemon served reads" [ "$reads1" -gt 0 ]

echo 3 >/proc/sys/vm/drop_caches
must "erofs mounts again" mount -t erofs -o fsid=fsrsblob none /mnt/erofs
check "every file reads back exactly again" sh -c 'cd /mnt/erofs && sha256sum -c /share/fsrsblob.sha256sums'
umount /mnt/erofs
reads2=$(grep -c "^READ " /tmp/ondemand.log)
echo "daemon served $reads2 reads in all"
check "the remount was served from the cache (no new reads)" [ "$reads2" = "$reads1" ]
check "cache directory holds the erofs volume" sh -c 'ls -d /var/cache/fscache/cache/Ierofs,fsrsblob'

kill $daemon
wait $daemon
cat /tmp/ondemand.log | tail -5
check "cache withdrawn when the daemon exits" wait_for 30 sh -c '! grep -q " A ondemand$" /proc/fs/fscache/caches'
umount /share
umount /var/cache/fscache
finish
