# SPDX-License-Identifier: GPL-2.0
# nydusd (crates.io's nydus-rs 2.2.0), the on-demand daemon most users
# run, serving a nydus image (RAFS v6: an erofs bootstrap and a data blob
# named by its digest) through the cell's cachefiles: every file exact, a
# remount served from the cache, two images sharing a domain_id (and so
# the data blob's cookie), and a fresh nydusd over the same cache
# directory reusing the cached files with no READ. READs and OPENs are
# counted with the cachefiles_ondemand_* tracepoints (the same on both
# cachefiles).
# timeout: 300
# nydus-image: nyd
. /fsrs/lib.sh

for m in fscache netfs cachefiles 9pnet_virtio 9p libcrc32c erofs; do
	must "modprobe $m" modprobe $m
done
echo "loaded: fscache=$(impl_of fscache) cachefiles=$(impl_of cachefiles)"
must "nydusd is in the guest (scripts/setup-host installs nydus-rs)" command -v nydusd
must "cache disk mounts" mount_cache_disk
mkdir -p /share /mnt/a /mnt/b
must "the share (plain 9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L share /share

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
