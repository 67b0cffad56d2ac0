# SPDX-License-Identifier: GPL-2.0
# CephFS with -o fsc: the kernel's Ceph client in the guest against a real
# Ceph 16 cluster (one monitor, one OSD on memstore, one MDS) that
# scripts/ceph-cluster starts on the host for this boot, in the boot's own
# network namespace, reached over a tap device (too heavy for a TCG guest:
# see the admin guide). With cachefilesd's cache bound, the shared network
# filesystem checks (netfs_suite in lib.sh): a remount is served from the
# cache, the volume sits under the client's key (ceph,FSID), and local
# writes, truncation and a same-size change made by another client read
# back byte for byte across remounts. The other client is a second mount
# with a Ceph client instance of its own (noshare) and no cache, mounted
# only while it is used: while it holds capabilities on a file the MDS may
# not grant the client under test the caching one (Fc), whose reads then
# bypass the page cache and fscache (seen: a first read that cached
# nothing).
# timeout: 400
# boot: shared
# leak-scan: boot
# share: 4M
# host-service: scripts/ceph-cluster
. /fsrs/lib.sh

MODEL=/tmp/model
FILES="w.bin t.bin s.bin"
SRV=/srv/ceph

cache_up ceph

netfs_data
# The cluster's address, file system id and name, from the host.
must "the host's cluster is described" . /tmp/host-service.env
cat /tmp/host-service.env

must "loopback interface up" ifconfig lo 127.0.0.1 up
must "eth0 up on the host's tap" ifconfig eth0 $net_guest netmask 255.255.255.0 up

mkdir -p /mnt $SRV
srv_mount() {
	mount -t ceph $mon:/ $SRV -o name=admin,noshare
}
must "the other client mounts CephFS" srv_mount
check "test data written through the other client" srv_populate
umount $SRV

netfs_mount() {
	mount -t ceph $mon:/ /mnt -o name=admin,fsc
}
server_put() { other_client put "$1" "$2" "$SRV/$3" "$4" "$5"; }
server_same() { other_client same_as_model $SRV; }
netfs_suite CephFS "Iceph,$fsid"

cache_down
finish
