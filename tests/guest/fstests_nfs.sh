# SPDX-License-Identifier: GPL-2.0
# fstests (xfstests) tests on NFSv4.2 mounted with -o fsc, against the
# guest's own kernel nfsd over loopback (the setup of nfs_cachefilesd:
# NFSv4 only, 127.0.0.1, an export on a tmpfs), with cachefilesd bound.
# Run by scripts/fstests, which stages fstests into the guest and names
# the tests; the timeout below is its default, which it replaces by one
# that fits the number of tests.
# timeout: 3600

. /fsrs/lib.sh
[ -r /fsrs/fstests.inc ] || { not_ok "fstests staged (run this test with scripts/fstests)"; finish; }
. /fsrs/fstests.inc

EXPORT=/srv/test

cache_up nfsd nfsv4
cat /proc/fs/fscache/caches
mkdir -p $EXPORT
must "export tmpfs mounts" mount -t tmpfs -o size=1g tmpfs $EXPORT

must "loopback interface up" ifconfig lo 127.0.0.1 up
echo "127.0.0.1 localhost" >/etc/hosts
mkdir -p /var/lib/nfs/v4recovery /proc/fs/nfsd
must "nfsd filesystem mounts" mount -t nfsd nfsd /proc/fs/nfsd
echo "$EXPORT 127.0.0.1(rw,sync,no_subtree_check,no_root_squash,fsid=1)" >/etc/exports
must "exportfs exports $EXPORT" exportfs -ra
rpc.mountd -F -N 2 -N 3 >/tmp/mountd.log 2>&1 &
mountd=$!
must "rpc.nfsd starts (v4 only, 127.0.0.1)" rpc.nfsd -N 3 -V 4 -H 127.0.0.1 -p 2049 -G 10 4
echo Y >/proc/fs/nfsd/v4_end_grace

fstests_run nfs 127.0.0.1:$EXPORT "-o vers=4.2,fsc"

rpc.nfsd 0
exportfs -ua
kill $mountd
wait $mountd
umount /proc/fs/nfsd
cache_down
umount $EXPORT
finish
