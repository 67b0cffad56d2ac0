# SPDX-License-Identifier: GPL-2.0
# SMB 3.1.1 with -o fsc over loopback: the kernel's SMB client (cifs.ko)
# against Samba's smbd in the guest, serving a share on a tmpfs, with
# cachefilesd's cache bound. The shared network filesystem checks
# (netfs_suite in lib.sh): a remount is served from the cache, the volume
# sits under the client's key (cifs,ADDRESS:PORT,SHARE), and local writes,
# truncation and a same-size change on the server all read back byte for
# byte across remounts.
# timeout: 400
# boot: shared
# leak-scan: boot
# share: 4M
# guest-files: /usr/sbin/smbd /usr/bin/smbpasswd /usr/lib/x86_64-linux-gnu/samba
. /fsrs/lib.sh

EXPORT=/srv/smb
MODEL=/tmp/model
FILES="w.bin t.bin s.bin"

cache_up cifs

netfs_data
# The share smbd serves: a tmpfs with a copy of the model's files.
# noatime: the SMB client keys each file's cookie by its creation time,
# which Samba, on a filesystem without birth times, takes as the oldest of
# the file's times; a first read that moved the atime past the mtime would
# change the key, and the next mount would miss the cache for that reason
# alone (the same on the C modules).
mkdir -p $EXPORT
mount -t tmpfs -o size=16m,noatime tmpfs $EXPORT
for f in $FILES; do cp $MODEL/$f $EXPORT/$f; done

# The server: smbd on 127.0.0.1:445 only, SMB3 only, no NetBIOS, no
# printing, no DOS attributes in xattrs; one user (root) in its tdbsam.
must "loopback interface up" ifconfig lo 127.0.0.1 up
echo "127.0.0.1 localhost" >/etc/hosts
mkdir -p /etc/samba /run/samba /var/lib/samba/private /var/cache/samba /var/log/samba
cat >/etc/samba/smb.conf <<CONF
[global]
	server role = standalone server
	interfaces = lo
	bind interfaces only = yes
	smb ports = 445
	disable netbios = yes
	server min protocol = SMB3
	load printers = no
	printing = bsd
	printcap name = /dev/null
	disable spoolss = yes
	store dos attributes = no
	log file = /tmp/smbd.log
	log level = 1
[fsrs]
	path = $EXPORT
	read only = no
CONF
# smbd will not start without its guest account (nobody), used or not.
grep -q '^nobody:' /etc/passwd || echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>/etc/passwd
grep -q '^nogroup:' /etc/group || echo 'nogroup:x:65534:' >>/etc/group
printf 'fsrs\nfsrs\n' | smbpasswd -a -s root >/tmp/smbpasswd.log 2>&1
check "smbpasswd adds the user" [ $? = 0 ]
cat /tmp/smbpasswd.log
# (smbd in a process group of its own: at SIGTERM it signals its group.)
smbd --foreground >/tmp/smbd.out 2>&1 &
smbd=$!
smb_listening() { grep -q ':01BD ' /proc/net/tcp || ! kill -0 $smbd; }
wait_for 60 smb_listening || cat /tmp/smbd.out /tmp/smbd.log
must "smbd listens on 445" grep -q ':01BD ' /proc/net/tcp

mkdir -p /mnt
netfs_mount() {
	mount -t cifs //127.0.0.1/fsrs /mnt -o username=root,password=fsrs,vers=3.1.1,fsc
}
server_put() { put "$1" "$2" "$EXPORT/$3" "$4" "$5"; }
server_same() { same_as_model $EXPORT; }
netfs_suite SMB 'Icifs,127.0.0.1:445,fsrs'

kill $smbd
wait $smbd
cat /tmp/smbd.out /tmp/smbd.log
cache_down
umount $EXPORT
finish
