# SPDX-License-Identifier: GPL-2.0
# AFS: the kernel's AFS client (kafs, over AF_RXRPC) against an OpenAFS
# 1.8 cell served in the guest (ptserver, vlserver, fileserver, volserver;
# no Kerberos: the servers' NoAuth file), with cachefilesd's cache bound.
# The shared network filesystem checks (netfs_suite in lib.sh): a remount
# is served from the cache, the volume sits under kafs's key
# (afs,CELL,VOLUME-ID), and local writes, truncation and a same-size
# change made by another client read back byte for byte across remounts.
# The other client is a second kafs mount with no cache bound (below).
# It must run last in its boot: it leaves a kafs mount (hold_and_populate).
# timeout: 400
# boot: shared
# leak-scan: boot
# share: 4M
# guest-files: /usr/lib/openafs/ptserver /usr/lib/openafs/vlserver /usr/lib/openafs/fileserver /usr/lib/openafs/volserver /usr/bin/vos /usr/bin/udebug /sbin/request-key /usr/libexec/kafs-dns
. /fsrs/lib.sh

CELL=fsrs.test
# OpenAFS's Rx and Ubik ignore 127.0.0.0/8: the servers need an address of
# their own, here on lo.
IP=10.0.9.1
MODEL=/tmp/model
FILES="w.bin t.bin s.bin"
SRV=/tmp/srv

cache_up kafs

netfs_data

# The cell: configuration for the servers and for vos/udebug, the host
# name resolvable (the database servers exit otherwise), authorisation off,
# a vice partition that is a plain directory.
must "loopback interface up" ifconfig lo 127.0.0.1 up
must "the servers' address on lo" ip addr add $IP/32 dev lo
hostname afsdb1
echo "127.0.0.1 localhost" >/etc/hosts
echo "$IP afsdb1.$CELL afsdb1" >>/etc/hosts
mkdir -p /etc/openafs/server /var/lib/openafs/db /var/lib/openafs/local /var/log/openafs /vicepa
chmod 700 /var/lib/openafs/db /var/lib/openafs/local
for d in /etc/openafs /etc/openafs/server; do
	echo $CELL >$d/ThisCell
	printf '>%s #fsrs test cell\n%s #afsdb1.%s\n' $CELL $IP $CELL >$d/CellServDB
done
: >/var/lib/openafs/local/NoAuth
: >/vicepa/AlwaysAttach

# A one-server Ubik database is usable once it is sync site and its
# recovery is done (state 1f), not merely elected.
db_ready() {
	_u=$(udebug $IP $1 2>/dev/null) &&
		echo "$_u" | grep -q "I am sync site" &&
		echo "$_u" | grep -q "Recovery state 1f"
}
/usr/lib/openafs/ptserver >/dev/null 2>&1 &
/usr/lib/openafs/vlserver >/dev/null 2>&1 &
check "ptserver database ready" wait_for 120 db_ready 7002
must "vlserver database ready" wait_for 120 db_ready 7003
# The file server only now: at its start it asks the ptserver for the
# anonymous user's groups, and retries only every 30 s.
/usr/lib/openafs/fileserver >/dev/null 2>&1 &
/usr/lib/openafs/volserver >/dev/null 2>&1 &
must "volserver answers" wait_for 120 vos listpart $IP -noauth
must "vos creates root.afs" vos create $IP a root.afs -noauth
must "vos creates root.cell" vos create $IP a root.cell -noauth

# NoAuth lets anyone administer the servers, not read or write files: a
# new volume's root directory grants everything to system:administrators
# (-204) only. No AFS client can change that anonymously, so the ACL of
# root.cell's root is
# changed in a dump of the volume (the root vnode's ACL, network byte
# order: size, version, total, positive, negative, then id/rights pairs),
# which is restored over it: system:administrators rlidwka and
# system:anyuser (-101) rlidwk.
open_root() {
	vos dump -id root.cell -file /tmp/root.dump -noauth >/dev/null 2>&1 || return 1
	_off=$(od -A n -v -t x1 /tmp/root.dump | tr -s ' \n' '  ' | awk '{
		n = split($0, b, " ")
		m = split("41 00 00 00 1c 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00 00 ff ff ff 34 00 00 00 7f", p, " ")
		for (i = 1; i <= n - m + 1; i++) {
			for (j = 1; j <= m && b[i + j - 1] == p[j]; j++) ;
			if (j > m) { print i; exit }
		}
	}')
	[ -n "$_off" ] || { echo "no default ACL in the dump of root.cell"; return 1; }
	printf '\0\0\0\044\0\0\0\1\0\0\0\2\0\0\0\2\0\0\0\0\377\377\377\064\0\0\0\177\377\377\377\233\0\0\0\077' |
		dd of=/tmp/root.dump bs=1 seek="$_off" conv=notrunc 2>/dev/null &&
		vos restore $IP a root.cell -file /tmp/root.dump -overwrite full -noauth >/dev/null 2>&1
}
must "root.cell made writable for anonymous users" open_root
vos examine root.cell -noauth

# kafs finds a cell's volume location servers through the DNS resolver
# upcall (request-key), which kafs-client's kafs-dns answers from its
# configuration. (A cell added by hand in /proc/net/afs/cells is looked up
# again when mounted, and the mount fails without the upcall.)
mkdir -p /etc/kafs /mnt $SRV
echo 'create dns_resolver afsdb:* * /usr/libexec/kafs-dns %k' >/etc/request-key.conf
printf '[cells]\n%s = {\n use_dns = no\n servers = {\n  afsdb1.%s = {\n   address = %s\n  }\n }\n}\n' \
	$CELL $CELL $IP >/etc/kafs/client.conf

# kafs looks a cell up once (a DNS resolver upcall) and keeps the answer.
# That first upcall has failed now and then (once in twelve boots: "kAFS:
# unable to lookup cell", EDESTADDRREQ, kafs's mapping of a temporary DNS
# failure), before kafs asks any server or touches the cache; a mount a
# second later succeeded. So a mount is retried while it fails that way,
# and each such failure is logged.
afs_mount() {
	_tries=30
	while ! mount -t afs "%$CELL:${2:-root.cell}." "$1" 2>/tmp/afs_mount.err; do
		cat /tmp/afs_mount.err
		grep -q "Destination address required" /tmp/afs_mount.err || return 1
		dmesg | grep "kAFS:" | tail -1
		_tries=$((_tries - 1))
		[ $_tries -gt 0 ] || return 1
		sleep 1
	done
}
netfs_mount() {
	afs_mount /mnt
}

# The other client: a second kafs mount, at $SRV, while cachefilesd is
# stopped (so no cache is bound: it reaches the cache neither to fill it
# nor to update it). The client under test is unmounted meanwhile, and
# kafs ties the volume's cookie and the vnodes to the superblock, so the
# next mount of /mnt starts from a cache that still holds the files' old
# contents under their old data versions: a change that was not caught
# would be read back stale. (OpenAFS's userspace afsio cannot serve: in
# 1.8.9 its write, fidwrite and fidappend crash. kafs is not reloaded
# instead: its 6.12 module unload can free a server record whose
# destroyer work is queued again, an ODEBUG splat.)
uncached() {
	stop_cachefilesd && afs_mount $SRV ||
		return 1
	"$@"
	_r=$?
	umount $SRV && start_cachefilesd || _r=1
	return $_r
}
server_put() { uncached put "$1" "$2" "$SRV/$3" "$4" "$5"; }
server_same() { uncached same_as_model $SRV; }
# kafs 6.12.117 can free a file server record while its destroyer work is
# queued again (ODEBUG: free active ... afs_server_destroyer, then a
# cascade of splats in softirq): when a record expires (10 s after its
# last user goes) kafs gives up its callbacks with an RPC whose completion
# queues the destroyer once more, and the RCU free of the record can come
# first. Seen twice in about fifteen boots, 6 s after the test's last
# unmount and in the next test of the boot. So the record never expires
# here: another volume of the cell, root.afs, stays mounted from before
# the first mount of root.cell until the guest powers off (this test runs
# last in its boot). It is mounted while no cache is bound, so it caches
# nothing, and being another volume it shares no superblock with root.cell.
hold_and_populate() {
	mkdir -p /afs-hold && afs_mount /afs-hold root.afs && srv_populate
}
check "test data written through the other client" uncached hold_and_populate

netfs_suite AFS "Iafs,$CELL,*"

# The servers and /afs-hold stay up until the guest powers off (above).
cache_down
finish
