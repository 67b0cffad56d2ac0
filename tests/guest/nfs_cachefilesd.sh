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
# boot: shared
# leak-scan: boot
# share: 4M
. /fsrs/lib.sh

EXPORT=/srv/export
MODEL=/tmp/model
FILES="w.bin t.bin s.bin"

cache_up nfsd nfsv4
cat /proc/fs/fscache/caches

# Test data (netfs_data), exported from a tmpfs (fsid= is required:
# tmpfs has no device UUID); the copy in /tmp is the model every change is
# also applied to.
netfs_data
mkdir -p $EXPORT
mount -t tmpfs -o size=16m tmpfs $EXPORT
for f in $FILES; do cp $MODEL/$f $EXPORT/$f; done
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
netfs_mount() {
	mount.nfs4 127.0.0.1:$EXPORT /mnt -n -o vers=4.2,fsc
}
server_put() { put "$1" "$2" "$EXPORT/$3" "$4" "$5"; }
server_same() { same_as_model $EXPORT; }
netfs_suite NFS 'Infs,*'

# A server-side change while mounted: close-to-open must see it on the
# next open, and it must not come back stale from the cache after that.
must "NFS mounts" netfs_mount
cat /mnt/s.bin >/dev/null
put $MODEL/data.bin 99999 $EXPORT/s.bin 500000 8192 && put $MODEL/data.bin 99999 $MODEL/s.bin 500000 8192
model_changed
check "server-side change while mounted seen on the next open" same_files /mnt $EXPORT s.bin
must "NFS remounts" netfs_remount
check "and after a remount" mnt_same_as_model
check "the server holds exactly the model" server_same
umount /mnt
cat /proc/fs/fscache/stats

rpc.nfsd 0
exportfs -ua
kill $mountd
wait $mountd
cat /tmp/mountd.log
umount /proc/fs/nfsd
cache_down
umount $EXPORT
finish
