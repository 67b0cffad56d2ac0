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

# The server (start_nfsd in lib.sh).
start_nfsd $EXPORT
exportfs -v
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

stop_nfsd
cat /tmp/mountd.log
umount /proc/fs/nfsd
cache_down
umount $EXPORT
finish
