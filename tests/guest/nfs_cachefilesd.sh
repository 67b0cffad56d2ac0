# SPDX-License-Identifier: GPL-2.0
# NFSv4.2 with -o fsc over loopback, against the guest's own kernel nfsd:
# cachefilesd binds the cache; files exported from a tmpfs are read,
# remounted and read again from the cache. Then local writes (overwrite,
# append), truncation (shrink, extend) through the mount and changes made
# directly in the exported directory (same size: only the coherency data
# tells) must all read back byte for byte as the server has them, across
# remounts that start from a cold page cache, and the server must hold
# exactly what an independent copy (a model in /tmp) says.
# timeout: 600
# share: 10M
. /fsrs/lib.sh

EXPORT=/srv/export
MODEL=/tmp/model
# Three 3 MiB slices of the runner's data.bin (each spans several cache
# granules); data.bin itself is only their source.
FILES="w.bin t.bin s.bin"

must "caching stack loads" load_stack
for m in nfsd nfsv4; do
	must "modprobe $m" modprobe $m
done
must "cache disk mounts" mount_cache_disk
must "cachefilesd binds the cache" start_cachefilesd
cat /proc/fs/fscache/caches

# Test data: the share's random file and three slices of it, exported from
# a tmpfs (fsid= is required: tmpfs has no device UUID); a copy in /tmp is
# the model every change is also applied to.
mkdir -p /share $EXPORT $MODEL
must "the share (plain 9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 share /share
mount -t tmpfs -o size=96m tmpfs $EXPORT
copy /share/data.bin $EXPORT/data.bin
must "test data copied intact" [ "$(sha_of $EXPORT/data.bin)" = "$(cut -d' ' -f1 /share/data.sha256)" ]
umount /share
put $EXPORT/data.bin 1048576 $EXPORT/w.bin 0 3145728
put $EXPORT/data.bin 4194304 $EXPORT/t.bin 0 3145728
put $EXPORT/data.bin 7340032 $EXPORT/s.bin 0 3145728
for f in data.bin $FILES; do cp $EXPORT/$f $MODEL/$f; done
ls -l $EXPORT

# The server: nfsd on 127.0.0.1 only, NFSv4 only (no rpcbind, no lockd),
# rpc.mountd answering the kernel's export upcalls, a short grace period
# ended at once (nothing to reclaim after a fresh start).
must "loopback interface up" ifconfig lo 127.0.0.1 up
echo "127.0.0.1 localhost" >/etc/hosts
mkdir -p /var/lib/nfs/v4recovery /proc/fs/nfsd
must "nfsd filesystem mounts" mount -t nfsd nfsd /proc/fs/nfsd
echo "$EXPORT 127.0.0.1(rw,sync,no_subtree_check,no_root_squash,fsid=1)" >/etc/exports
must "exportfs exports $EXPORT" exportfs -ra
exportfs -v
rpc.mountd -F -N 2 -N 3 >/tmp/mountd.log 2>&1 &
mountd=$!
must "rpc.nfsd starts (v4 only, 127.0.0.1)" rpc.nfsd -N 3 -V 4 -H 127.0.0.1 -p 2049 -G 10 4
echo Y >/proc/fs/nfsd/v4_end_grace
cat /proc/fs/nfsd/versions /proc/fs/nfsd/portlist

mkdir -p /mnt
mount_nfs() {
	mount.nfs4 127.0.0.1:$EXPORT /mnt -n -o vers=4.2,fsc
}
# remount: umount (which flushes writes and waits for cache writes), drop
# every cached page and inode, mount again.
remount() {
	umount /mnt && echo 3 >/proc/sys/vm/drop_caches && mount_nfs
}
all_same_as_server() { same_files /mnt $EXPORT $FILES; }
all_same_as_model() { same_files $MODEL $EXPORT $FILES; }

must "NFS mounts with -o fsc over loopback" mount_nfs
grep " /mnt " /proc/mounts
check "first read matches the server copy" all_same_as_server
cat /proc/fs/fscache/volumes /proc/fs/fscache/cookies
umount /mnt
rd1=$(stat_field "IO " rd)
wr1=$(stat_field "IO " wr)
echo "after first read: IO rd=$rd1 wr=$wr1"
echo 3 >/proc/sys/vm/drop_caches

must "NFS mounts again" mount_nfs
check "second read matches the server copy" all_same_as_server
rd2=$(stat_field "IO " rd)
echo "after second read: IO rd=$rd2"
check "first pass wrote the data to the cache" [ "${wr1:-0}" -gt 0 ]
check "second pass was served from the cache (IO rd grew)" [ "${rd2:-0}" -gt "${rd1:-0}" ]
check "cache directory holds the NFS volume" sh -c 'ls -d /var/cache/fscache/cache/Infs,* >/dev/null'
find /var/cache/fscache/cache -maxdepth 1

# Local changes through the mount, into files the cache holds.
# w.bin: overwrite an unaligned range inside, then append.
put $MODEL/data.bin 12345 /mnt/w.bin 1234567 100000 &&
	put $MODEL/data.bin 12345 $MODEL/w.bin 1234567 100000
check "overwrite inside w.bin through NFS" [ $? = 0 ]
put $MODEL/data.bin 200000 /mnt/w.bin 3145728 300001 &&
	put $MODEL/data.bin 200000 $MODEL/w.bin 3145728 300001
check "append to w.bin through NFS" [ "$(stat -c %s /mnt/w.bin)" = 3445729 ]
# t.bin: shrink to an unaligned size, then extend (the new tail reads as
# zeroes, whatever the cache held there).
truncate -s 1000001 /mnt/t.bin && truncate -s 1000001 $MODEL/t.bin
check "shrink t.bin through NFS" [ "$(stat -c %s /mnt/t.bin)" = 1000001 ]
truncate -s 2500000 /mnt/t.bin && truncate -s 2500000 $MODEL/t.bin
check "extend t.bin through NFS" [ "$(stat -c %s /mnt/t.bin)" = 2500000 ]
check "local changes read back before remount" all_same_as_server
check "the server holds exactly the local changes" all_same_as_model

must "NFS remounts after local changes" remount
check "after local changes, remount reads match the server copy" all_same_as_server
must "NFS remounts again" remount
check "and again after another remount (cache refilled right)" all_same_as_server
umount /mnt

# A change on the server side while the client is unmounted: same size,
# so only the coherency data (change attribute, times) can tell.
put $MODEL/data.bin 5555 $EXPORT/s.bin 777777 4096 && put $MODEL/data.bin 5555 $MODEL/s.bin 777777 4096
check "server-side change applied" all_same_as_model
echo 3 >/proc/sys/vm/drop_caches
rd3=$(stat_field "IO " rd)
must "NFS mounts after a server-side change" mount_nfs
check "after a server-side change, the client reads the new data" all_same_as_server
rd4=$(stat_field "IO " rd)
echo "IO rd=$rd3 before, $rd4 after the reads"
check "unchanged files still come from the cache" [ "${rd4:-0}" -gt "${rd3:-0}" ]
must "NFS remounts" remount
check "and again after a remount" all_same_as_server

# A server-side change while mounted: close-to-open must see it on the
# next open, and it must not come back stale from the cache after that.
cat /mnt/s.bin >/dev/null
put $MODEL/data.bin 99999 $EXPORT/s.bin 2000000 8192 && put $MODEL/data.bin 99999 $MODEL/s.bin 2000000 8192
check "server-side change while mounted seen on the next open" same_files /mnt $EXPORT s.bin
must "NFS remounts" remount
check "and after a remount" all_same_as_server
check "the server holds exactly the model" all_same_as_model
umount /mnt
cat /proc/fs/fscache/stats

rpc.nfsd 0
exportfs -ua
kill $mountd
wait $mountd
cat /tmp/mountd.log
umount /proc/fs/nfsd
check "cache withdrawn when cachefilesd exits" stop_cachefilesd
umount $EXPORT
umount /var/cache/fscache
finish
