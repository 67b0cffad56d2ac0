# SPDX-License-Identifier: GPL-2.0
# timeout: 480
# erofs-image: fsrsblob fsrsmulti:blobdev fsrsblob2
# nydus-image: nyd
# erofs over fscache in on-demand mode, with three daemons in turn, each
# on a fresh cache directory:
# 1. fsrs-ondemand (tests/guest/tools/fsrs-ondemand.c), a minimal C
#    daemon: every file exact, a remount served from the cache without
#    asking the daemon again.
# 2. fsrs-ondemandd (ondemand/), our daemon: a plain image and one whose
#    data is in a separate blob (chunk-indexed, as nydus images are),
#    each file exact, a remount with no READ, an unknown blob refused
#    with an error to the mount, and failover: the daemon hangs in the
#    middle of reads, is killed, and its supervisor restarts it with
#    `restore`; the reads in flight complete with no error to the reader.
#    Then SIGHUP hands the device to a new instance (re-exec), which goes
#    on serving.
# 3. nydusd (crates.io's nydus-rs 2.2.0), the daemon most users run,
#    serving a nydus image (RAFS v6: an erofs bootstrap and a data blob
#    named by its digest): every file exact, a remount served from the
#    cache, two images sharing a domain_id (and so the data blob's
#    cookie), and a fresh nydusd over the same cache directory reusing
#    the cached files with no READ (READs and OPENs counted with the
#    cachefiles_ondemand_* tracepoints, the same on both cachefiles).
. /fsrs/lib.sh

for m in fscache netfs cachefiles 9pnet_virtio 9p libcrc32c erofs; do
	must "modprobe $m" modprobe $m
done
echo "loaded: fscache=$(impl_of fscache) cachefiles=$(impl_of cachefiles)"
must "cache disk mounts" mount_cache_disk
mkdir -p /share /mnt/erofs /mnt/a /mnt/b
must "the share (plain 9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L share /share
fresh_cache() { rm -rf /var/cache/fscache/cache /var/cache/fscache/graveyard; }

echo "=== 1. fsrs-ondemand (minimal C daemon)"
fsrs-ondemand /var/cache/fscache /share >/tmp/ondemand.log 2>&1 &
daemon=$!
cache_active() { grep -q " A ondemand$" /proc/fs/fscache/caches; }
must "the daemon binds an on-demand cache" wait_for 30 cache_active
cat /proc/fs/fscache/caches

check "erofs mounts from the cache (fsid=fsrsblob)" mount -t erofs -o fsid=fsrsblob none /mnt/erofs || {
	cat /tmp/ondemand.log
	finish
}
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

echo "=== 2. fsrs-ondemandd (our daemon)"
fresh_cache
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

echo "=== 3. nydusd"
fresh_cache
must "nydusd is in the guest (scripts/setup-host installs nydus-rs)" command -v nydusd
T=/sys/kernel/tracing
[ -e $T/trace ] || mount -t tracefs nodev $T
for e in open read; do echo 1 >$T/events/cachefiles/cachefiles_ondemand_$e/enable; done
echo 1 >$T/tracing_on
events() { grep -c "cachefiles_ondemand_$1:" $T/trace; }

# One bootstrap entry per (fsid, domain) the test mounts; the data blob is
# found from the bootstrap's device table.
entry() {
	cat <<-EOT
	{"type": "bootstrap", "id": "$1", "domain_id": "$2",
	 "config_v2": {"version": 2, "id": "$1",
	   "backend": {"type": "localfs", "localfs": {"dir": "/share/nyd-blobs"}},
	   "cache": {"type": "fscache", "fscache": {"work_dir": "/var/cache/fscache"}},
	   "metadata_path": "/share/nyd.boot"}}
	EOT
}
{
	echo '{"blobs": ['
	entry nyd nyd
	echo ','
	entry nyd dom
	echo ','
	entry nydb dom
	echo ']}'
} >/tmp/nydus.json

start_nydusd() {
	nydusd singleton --fscache /var/cache/fscache --fscache-tag nydus \
		--config /tmp/nydus.json --log-level info >>/tmp/nydusd.log 2>&1 &
	nydusd=$!
	wait_for 60 grep -q " A nydus$" /proc/fs/fscache/caches
}
exact() {
	(cd "$1" && sha256sum -c /share/nyd.sha256sums) >/tmp/sums 2>&1 || { cat /tmp/sums; return 1; }
}

must "nydusd binds an on-demand cache" start_nydusd
must "the image mounts (fsid=nyd)" mount -t erofs -o fsid=nyd none /mnt/a
check "every file reads back exactly" exact /mnt/a
umount /mnt/a
r1=$(events read)
o1=$(events open)
echo "after the first mount: $o1 OPENs, $r1 READs"
check "nydusd served READs" [ "$r1" -gt 0 ]
echo 3 >/proc/sys/vm/drop_caches
must "a remount" mount -t erofs -o fsid=nyd none /mnt/a
check "every file reads back exactly again" exact /mnt/a
umount /mnt/a
r2=$(events read)
check "the remount was served from the cache (no READ)" [ "$r2" = "$r1" ]

# Two images in one domain: the data blob's cookie is shared.
o2=$(events open)
must "fsid=nyd in domain dom mounts" mount -t erofs -o fsid=nyd,domain_id=dom none /mnt/a
must "fsid=nydb in domain dom mounts" mount -t erofs -o fsid=nydb,domain_id=dom none /mnt/b
check "the first reads back exactly" exact /mnt/a
check "the second reads back exactly" exact /mnt/b
o3=$(events open)
grep "erofs,dom" /proc/fs/fscache/volumes
echo "domain mounts: $((o3 - o2)) OPENs"
check "the domain shares the data blob: 3 OPENs (two bootstraps, one blob)" [ $((o3 - o2)) = 3 ]
umount /mnt/b
umount /mnt/a

# A fresh nydusd over the same cache directory: the files are reused.
kill -INT $nydusd
check "nydusd stops" wait_for 30 sh -c "! kill -0 $nydusd 2>/dev/null"
check "the cache is withdrawn" wait_for 30 sh -c '! grep -q " nydus$" /proc/fs/fscache/caches'
echo 3 >/proc/sys/vm/drop_caches
r3=$(events read)
must "a fresh nydusd binds the same cache directory" start_nydusd
must "the image mounts again" mount -t erofs -o fsid=nyd none /mnt/a
check "every file reads back exactly from the reused cache" exact /mnt/a
umount /mnt/a
r4=$(events read)
echo "READs before the restart: $r3, after: $r4"
check "the fresh nydusd was asked for no READ" [ "$r4" = "$r3" ]
kill -INT $nydusd
wait_for 30 sh -c '! grep -q " nydus$" /proc/fs/fscache/caches'
echo 0 >$T/tracing_on
grep -iE "warn|error" /tmp/nydusd.log | head -20
umount /share
umount /var/cache/fscache
finish
