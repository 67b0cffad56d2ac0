# SPDX-License-Identifier: GPL-2.0
# Our on-demand daemon (ondemandd/, fsrs-ondemandd) serving erofs images:
# a plain image and one whose data is in a separate blob (chunk-indexed,
# as nydus images are), each file exact, a remount served from the cache
# with no READ, an unknown blob refused with an error to the mount, and
# failover: the daemon hangs in the middle of reads, is killed, and its
# supervisor restarts it with `restore`; the reads in flight complete
# with no error to the reader. Then SIGHUP hands the device to a new
# instance of the daemon (re-exec), which goes on serving.
# timeout: 300
# erofs-image: fsrsblob fsrsmulti:blobdev fsrsblob2
. /fsrs/lib.sh

for m in fscache netfs cachefiles 9pnet_virtio 9p libcrc32c erofs; do
	must "modprobe $m" modprobe $m
done
echo "loaded: fscache=$(impl_of fscache) cachefiles=$(impl_of cachefiles)"
must "cache disk mounts" mount_cache_disk
mkdir -p /share /mnt/erofs
must "the share (plain 9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L share /share
fsrs-ondemandd --help | head -3

cache_active() { grep -q " A fsrs-ondemandd$" /proc/fs/fscache/caches; }
cache_gone() { ! grep -q " fsrs-ondemandd$" /proc/fs/fscache/caches; }
reads() { grep -c ": READ [0-9]*: .* bytes$" /tmp/d.log; }
# exact NAME: mounts fsid=NAME and checks every file.
exact() {
	mount -t erofs -o fsid="$1" none /mnt/erofs || return 1
	(cd /mnt/erofs && sha256sum -c "/share/$1.sha256sums") >/tmp/sums 2>&1
	_r=$?
	umount /mnt/erofs
	[ $_r = 0 ] || cat /tmp/sums
	return $_r
}

fsrs-ondemandd --supervise --stats 60 -vv /var/cache/fscache /share >/tmp/d.log 2>&1 &
sup=$!
must "the daemon binds an on-demand cache" wait_for 30 cache_active
check "a plain image reads back exactly" exact fsrsblob
r1=$(reads)
echo 3 >/proc/sys/vm/drop_caches
check "a remount reads back exactly" exact fsrsblob
r2=$(reads)
echo "READs served: $r1, then $r2"
check "the daemon served READs" [ "$r1" -gt 0 ]
# The first message of each type, as the kernel sent it (the daemon's
# protocol tests hold these bytes).
for op in 00000000 02000000 01000000; do
	grep -m1 "message ........$op" /tmp/d.log
done
check "the remount was served from the cache (no READ)" [ "$r2" = "$r1" ]
check "an image with a separate data blob reads back exactly" exact fsrsmulti
check "the data blob was opened by its device tag" grep -q "= fsrsmulti-data (" /tmp/d.log
check "a mount of an unknown image fails" sh -c '! mount -t erofs -o fsid=nosuch none /mnt/erofs'
check "the daemon refused it with ENOENT" grep -q "share/nosuch: No such file" /tmp/d.log
kill -USR1 $(sed -n 's/.*supervising daemon \([0-9]*\)$/\1/p' /tmp/d.log | tail -1)
kill $sup
check "the supervisor stops on SIGTERM" wait_for 30 sh -c "! kill -0 $sup 2>/dev/null"
check "the cache is withdrawn" wait_for 30 cache_gone
tail -4 /tmp/d.log

# Failover: a daemon that hangs after 3 READs, killed mid-read.
rm -rf /var/cache/fscache/cache /var/cache/fscache/graveyard
fsrs-ondemandd --supervise -v --stall-after-reads 3 /var/cache/fscache /share >/tmp/d.log 2>&1 &
sup=$!
must "the daemon binds again" wait_for 30 cache_active
(exact fsrsblob2; echo "reader: $?" >/tmp/reader) &
reader=$!
check "the daemon hangs with a READ in flight" wait_for 60 grep -q "stalling" /tmp/d.log
worker=$(sed -n 's/.*supervising daemon \([0-9]*\)$/\1/p' /tmp/d.log | tail -1)
echo "killing daemon $worker"
kill -9 "$worker"
check "the supervisor restarts it with restore" wait_for 30 grep -q "restore sent" /tmp/d.log
check "the reads in flight complete" wait_for 120 test -s /tmp/reader
check "with no error to the reader: every file exact" grep -q "reader: 0" /tmp/reader
wait $reader
# Hand-over in place: SIGHUP re-executes the daemon on the same device.
worker=$(sed -n 's/.*supervising daemon \([0-9]*\)$/\1/p' /tmp/d.log | tail -1)
kill -HUP "$worker"
check "SIGHUP: the daemon re-executes on the same device" \
	wait_for 30 grep -q "serving the device handed over on fd" /tmp/d.log
check "the new instance serves a fresh image exactly" exact fsrsblob
kill $sup
check "the cache is withdrawn again" wait_for 30 cache_gone
grep -E "restart|restore|stalling|stopping" /tmp/d.log
umount /share
umount /var/cache/fscache
finish
