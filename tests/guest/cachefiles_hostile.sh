# SPDX-License-Identifier: GPL-2.0
# Hostile input to cachefiles. 1) /dev/cachefiles: malformed, oversized and
# out-of-order commands, a second opener, an opener without CAP_SYS_ADMIN,
# each answered with the errno the C module gives (fs/cachefiles/daemon.c).
# 2) Garbage in the user.CacheFiles.cache xattrs of cache files and of the
# volume directory, written while cachefilesd is stopped: the share must
# still read back byte for byte, untouched objects must still be served
# from the cache, and the kernel must not splat.
# timeout: 600
# share-files: 7x2M
# boot: shared
# leak-scan: boot
. /fsrs/lib.sh

must "caching stack loads" load_stack
must "cache disk mounts" mount_cache_disk
empty_cache
X=user.CacheFiles.cache

# --- 1. The device -------------------------------------------------------
# cull/inuse look names up in the caller's working directory: a file and
# a directory of our own in the cache root to cull (C unlinks files and
# moves directories to the graveyard).
mkdir -p /var/cache/fscache/cache/junkdir
touch /var/cache/fscache/cache/junk
cd /var/cache/fscache/cache || finish
zeros() { head -c "$1" /dev/zero | tr '\0' 0; }
big_ok="debug $(zeros 4089)"   # 4095 bytes: the most one write may hold
big_no="debug $(zeros 4090)"   # 4096 bytes
tab=$(printf '\t')
# "COMMAND|ANSWER" pairs, in order, sent over one open of the device.
cat >/tmp/script <<SCRIPT
@read|READ 0
@poll|POLL 0 0
$big_no|EOPNOTSUPP
$big_ok|OK
|EOPNOTSUPP
\n|EINVAL
\nbind|EINVAL
bind\0|EINVAL
\0bind|EINVAL
 bind|EOPNOTSUPP
${tab}bind|EOPNOTSUPP
frobnicate|EOPNOTSUPP
BIND|EOPNOTSUPP
bindx|EOPNOTSUPP
brun|EINVAL
brun 10|EINVAL
brun 10%%|EINVAL
brun -5%|EINVAL
brun 0x10%|EINVAL
brun 10% |EINVAL
brun 100%|EINVAL
bcull 15%|EINVAL
bstop 5%|EINVAL
brun 18446744073709551636%|OK
bcull 15%|OK
bstop 10%|OK
bstop 15%|EINVAL
fcull 7%|EINVAL
fstop %|OK
brun 30%\nbrun 99%|OK
bcull 30%|EINVAL
cull foo|EIO
inuse foo|EIO
cull a/b|EINVAL
inuse /etc|EINVAL
dir|EINVAL
dir  |EINVAL
tag|EINVAL
secctx|EINVAL
debug x|EINVAL
debug 0x|EINVAL
debug 08|EINVAL
debug 0|OK
bind|EINVAL
dir /var/cache/fscache|OK
dir /elsewhere|EEXIST
tag hostile|OK
tag again|EEXIST
bind nonsense|EINVAL
bind|OK
bind|EBUSY
dir /var/cache/fscache|EEXIST
tag x|EEXIST
cull no-such-object|ENOENT
inuse no-such-object|ENOENT
cull a/b|EINVAL
inuse junk|OK
cull junk|OK
cull junk|ENOENT
inuse junkdir|OK
cull junkdir|OK
brun 100%|EINVAL
SCRIPT
cut -d'|' -f1 /tmp/script >/tmp/cmds
# Run them all through one open (arguments from the file, one per line).
set --
while IFS= read -r c; do set -- "$@" "$c"; done </tmp/cmds
fsrs-devio /dev/cachefiles "$@" @status @poll >/tmp/got
cd /
n=0
while IFS='|' read -r cmd want; do
	n=$((n + 1))
	got=$(sed -n "${n}p" /tmp/got)
	shown=$(printf '%s' "$cmd" | cut -c1-40)
	case $cmd in
	@*) ;;
	*) got=${got%% *} ;;
	esac
	check "device: '$shown' -> $want" [ "$got" = "$want" ]
	[ "$got" = "$want" ] || echo "    got: $(sed -n "${n}p" /tmp/got | cut -c1-80)"
done </tmp/script
status=$(sed -n "$((n + 1))p" /tmp/got)
echo "$status"
check "status line of the bound cache has the C format" sh -c "echo '$status' | grep -Eq \
'^STATUS cull=[01] frun=[0-9a-f]+ fcull=[0-9a-f]+ fstop=[0-9a-f]+ brun=[0-9a-f]+ bcull=[0-9a-f]+ bstop=[0-9a-f]+ freleased=[0-9a-f]+ breleased=[0-9a-f]+\$'"
sed -n "$((n + 2))p" /tmp/got
check "every command got an answer" [ "$(wc -l </tmp/got)" = "$((n + 2))" ]
check "closing the device withdrew the 'hostile' cache" \
	wait_for 30 sh -c '! grep -q " A hostile$" /proc/fs/fscache/caches'
check "cull removed the file junk" [ ! -e /var/cache/fscache/cache/junk ]
check "cull removed the directory junkdir" [ ! -e /var/cache/fscache/cache/junkdir ]
ls -la /var/cache/fscache/graveyard
check "cull moved junkdir (only it) to the graveyard" \
	[ "$(ls /var/cache/fscache/graveyard | wc -l)" = 1 ]

exec 4<>/dev/cachefiles
check "a second opener is refused with EBUSY" [ "$(fsrs-devio /dev/cachefiles)" = "OPEN EBUSY" ]
exec 4>&-
check "an opener without CAP_SYS_ADMIN is refused with EPERM" \
	[ "$(fsrs-devio --no-sys-admin /dev/cachefiles)" = "OPEN EPERM" ]
check "the device opens again after all that" sh -c 'fsrs-devio /dev/cachefiles @read | grep -qx "READ 0"'

# --- 2. Garbage in the xattrs ---------------------------------------------
write_cachefilesd_conf
must "cachefilesd binds the cache" start_cachefilesd
must "9p share mounts with cache=fscache" mount_share
read_all() { (cd /mnt && sha256sum -c SHA256SUMS >/tmp/sums 2>&1); rc=$?; cat /tmp/sums; return $rc; }
check "first read of every file matches the server copy" read_all
umount /mnt
must "cachefilesd stops" stop_cachefilesd

vol=$(ls -d /var/cache/fscache/cache/I9p,* 2>/dev/null | head -1)
must "the 9p volume directory exists" [ -d "$vol" ]
# The data objects (the share's files are 2 MiB each), sorted by name.
objects() { find "$vol" -type f -size +1000k | sort; }
objects >/tmp/objs
must "the cache holds 7 data objects" [ "$(wc -l </tmp/objs)" = 7 ]
inode() { stat -c %i "$1" 2>/dev/null; }
i=0
while read -r f; do
	eval "obj$i=\$f; ino$i=\$(inode \$f)"
	echo "object $i: $f inode $(inode "$f") xattr $(fsrs-xattr get "$f" $X)"
	i=$((i + 1))
done </tmp/objs
echo "volume: $vol xattr $(fsrs-xattr get "$vol" $X)"
# Object xattr: be64 object_size, be64 zero_point, u8 type, u8 content,
# then the netfs's aux data. Object 0 is left alone.
must "damage: object 1 gets type 2" fsrs-xattr poke "$obj1" $X 16 02
must "damage: object 2 gets a 3-byte xattr" fsrs-xattr set "$obj2" $X 010203
must "damage: object 3 gets a wrong object size" fsrs-xattr poke "$obj3" $X 0 7f
must "damage: object 4 gets content=dirty" fsrs-xattr poke "$obj4" $X 17 04
must "damage: object 5 gets a 512-byte xattr (the cache disk has 1 KiB blocks)" fsrs-xattr fill "$obj5" $X ff 512
must "damage: object 6 loses its xattr" fsrs-xattr rm "$obj6" $X

echo 3 >/proc/sys/vm/drop_caches
rd1=$(stat_field "IO " rd)
wr1=$(stat_field "IO " wr)
must "cachefilesd binds the damaged cache" start_cachefilesd
must "9p share mounts again" mount_share
check "read after damage: every file matches the server copy" read_all
umount /mnt
# The objects are committed (stale files replaced) once the relinquished
# cookies are withdrawn, which umount does not wait for.
check "every cookie is released after umount" cookies_gone 30
echo "cookies after umount:"
cat /proc/fs/fscache/cookies
rd2=$(stat_field "IO " rd)
wr2=$(stat_field "IO " wr)
echo "after damage: IO rd $rd1 -> $rd2, wr $wr1 -> $wr2"
i=0
while [ $i -lt 7 ]; do
	eval "f=\$obj$i; old=\$ino$i"
	echo "object $i: inode $old -> $(inode "$f") xattr $(fsrs-xattr get "$f" $X | cut -c1-80)"
	i=$((i + 1))
done
check "the untouched object is still the same file" [ "$(inode "$obj0")" = "$ino0" ]
check "the untouched object was served from the cache (IO rd grew)" [ "$rd2" -gt "$rd1" ]
check "damaged objects were refetched (IO wr grew)" [ "$wr2" -gt "$wr1" ]
# A coherency mismatch (-ESTALE) buries the file and makes a new one.
for i in 1 2 3 4; do
	eval "f=\$obj$i; old=\$ino$i"
	check "object $i (stale xattr) was replaced by a new file" \
		sh -c "[ -e '$f' ] && [ \$(stat -c %i '$f') != $old ]"
done
# An xattr that cannot be read at the expected size (-ERANGE) or is
# missing (-ENODATA) fails the lookup instead: C leaves the file alone
# and the netfs reads from the server.
check "object 5 (oversized xattr) is left in place, unused" \
	[ "$(inode "$obj5")" = "$ino5" -a "$(fsrs-xattr get "$obj5" $X | cut -c1-8)" = ffffffff ]
check "object 6 (no xattr) is left in place, unused" \
	[ "$(inode "$obj6")" = "$ino6" -a "$(fsrs-xattr get "$obj6" $X)" = ENODATA ]
grep -E "^(IO|CacheOp|CaRdOps|Acquire|Relinqs|NoSpace)" /proc/fs/fscache/stats
must "cachefilesd stops again" stop_cachefilesd

# The volume directory's xattr: be32 reserved (must be 0), then the
# volume's coherency data. A mismatch buries the whole volume.
vino=$(inode "$vol")
must "damage: the volume's reserved word" fsrs-xattr poke "$vol" $X 3 01
echo 3 >/proc/sys/vm/drop_caches
wr1=$(stat_field "IO " wr)
must "cachefilesd binds the cache with a damaged volume" start_cachefilesd
must "9p share mounts a third time" mount_share
check "read after volume damage: every file matches the server copy" read_all
umount /mnt
check "every cookie is released after the third umount" cookies_gone 30
wr2=$(stat_field "IO " wr)
echo "after volume damage: IO wr $wr1 -> $wr2; volume inode $vino -> $(inode "$vol")"
check "the damaged volume was replaced by a new directory" sh -c "[ \$(stat -c %i '$vol') != $vino ]"
check "the new volume's objects were refetched (IO wr grew)" [ "$wr2" -gt "$wr1" ]
check "the new volume has a sound xattr" [ "$(fsrs-xattr get "$vol" $X | cut -c1-8)" = 00000000 ]
must "cachefilesd stops at the end" stop_cachefilesd
umount /var/cache/fscache
echo "--- cachefilesd log"
cat /tmp/cachefilesd.log
finish
