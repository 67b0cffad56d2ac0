# SPDX-License-Identifier: GPL-2.0
# /proc/fs/fscache/caches, volumes and cookies with a live cache, volume
# and cookie, and
# the FS-Cache statistics lines, in the C format: the same checks pass on
# the C and the Rust fscache, so they differ only in numbers.
# timeout: 240
# boot: shared
# leak-scan: boot
. /fsrs/lib.sh

must "fscache loads" modprobe fscache
echo "fscache: $(impl_of fscache)"
# The fscache:* events of the backend's life, from load to unload, with
# their values: the same on both fscaches (see refs below).
T=/sys/kernel/tracing
[ -e $T/trace ] || mount -t tracefs nodev $T
echo 0 >$T/tracing_on
echo >$T/trace
echo 1 >$T/events/fscache/enable
echo 1 >$T/tracing_on
must "a test backend adds cache 'probe-one' with a volume" \
	insmod /fsrs/modules/fscache_probe.ko tag=probe-one volume=probe,vol, cookie=probe-key order=1
cat /proc/fs/fscache/caches /proc/fs/fscache/volumes /proc/fs/fscache/cookies
check "the table keeps its two header lines" [ "$(sed -n 2p /proc/fs/fscache/caches)" = \
	"======== ===== ===== ===== ===== = ===============" ]
row=$(grep " probe-one$" /proc/fs/fscache/caches)
echo "row: '$row'"
# debug id; the backend's ref and the volumes' (one each: probe,vol, and
# the three order volumes); four volumes, no objects, the pinned access;
# Active.
check "the cache's row has the C layout" \
	sh -c "echo '$row' | grep -Eq '^[0-9a-f]{8}     5     4     0     1 A probe-one\$'"
vrow=$(grep " probe,vol,$" /proc/fs/fscache/volumes)
echo "volume row: '$vrow'"
# debug id, ref 2 (ours and the cookie's), one cookie, no accesses, no
# flags, cache name padded to 15 columns, the key.
check "the volume's row has the C layout" \
	sh -c "echo '$vrow' | grep -Eq '^[0-9a-f]{8}     2     1   0 00 probe-one       probe,vol,\$'"
check "the cookies table has the C header" [ "$(sed -n 1p /proc/fs/fscache/cookies)" = \
	"COOKIE   VOLUME   REF ACT ACC S FL DEF             " ]
crow=$(grep " 70726f62652d6b6579, 617578$" /proc/fs/fscache/cookies)
echo "cookie row: '$crow'"
vid=$(echo "$vrow" | cut -d" " -f1)
# debug id, its volume's, ref 1, unused, quiescent, flags IS_HASHED and
# NO_DATA_TO_READ (size 0) in %02lx, the key and aux data in hex.
check "the cookie's row has the C layout" \
	sh -c "echo '$crow' | grep -Eq '^[0-9a-f]{8} $vid   1   0   0 - 4008 70726f62652d6b6579, 617578\$'"
# Volumes order,0..3 were acquired in order and order,1 relinquished: the
# table keeps the others oldest first, as C's list does.
grep -o " order,[0-9]\$" /proc/fs/fscache/volumes | tr -d ' \n' >/tmp/order
echo "volume order: $(cat /tmp/order)"
check "a removal keeps the other volumes in order" [ "$(cat /tmp/order)" = "order,0order,2order,3" ]
# The FS-Cache lines of the stats file, as netfs would show them: the
# same labels and fields in the same order, one volume counted.
cat /proc/fsrs-probe-stats
sed 's/=[-0-9]*/=N/g' /proc/fsrs-probe-stats >/tmp/stats.shape
cat >/tmp/stats.want <<'WANT'
-- FS-Cache statistics --
Cookies: n=N v=N vcol=N voom=N
Acquire: n=N ok=N oom=N
LRU    : n=N exp=N rmv=N drp=N at=N
Invals : n=N
Updates: n=N rsz=N rsn=N
Relinqs: n=N rtr=N drop=N
NoSpace: nwr=N ncr=N cull=N
IO     : rd=N wr=N mis=N
WANT
check "stats lines have the C labels and fields" cmp -s /tmp/stats.shape /tmp/stats.want
check "stats count the volumes and cookie" grep -q "^Cookies: n=1 v=4 vcol=0 voom=0$" /proc/fsrs-probe-stats
check "stats count the acquisition" grep -q "^Acquire: n=1 ok=1 oom=0$" /proc/fsrs-probe-stats
must "the backend withdraws" rmmod fscache_probe
check "every cookie is relinquished" cookies_gone 30
echo 0 >$T/tracing_on
echo 0 >$T/events/fscache/enable
# refs: each event with its values, object ids (c=, V=, C=) renumbered in
# order of first appearance, so only the numbering of ids may differ.
sed -n 's/^.* \(fscache_[a-z_]*\): \(.*\)$/\1 \2/p' $T/trace |
	awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^[cCV]=[0-9a-f]+$/) {
		if (!($i in id)) id[$i] = substr($i, 1, 2) "#" (++n[substr($i, 1, 1)])
		$i = id[$i] } print }' >/tmp/refs
# C's sequence (the cache's pin, four volumes, the cookie's count on its
# volume taken when it is hashed, the puts with the count left after each).
cat >/tmp/refs.want <<'WANT'
fscache_cache C=#1 NEW acq r=1
fscache_access_cache C=#1 PIN cache r=1 a=1
fscache_cache C=#1 GET acq r=2
fscache_volume V=#1 NEW acq u=1
fscache_access_cache C=#1 BEGIN acq_vol r=2 a=2
fscache_volume V=#1 GET creat u=2
fscache_volume V=#1 SEE creat u=2
fscache_access_cache C=#1 END acq_vol r=2 a=1
fscache_volume V=#1 PUT creat u=1
fscache_cookie c=#1 NEW acq r=1
fscache_volume V=#1 GET cook u=2
fscache_acquire c=#1 V=#1 vr=2 vc=1
fscache_cache C=#1 GET acq r=3
fscache_volume V=#2 NEW acq u=1
fscache_access_cache C=#1 BEGIN acq_vol r=3 a=2
fscache_volume V=#2 GET creat u=2
fscache_volume V=#2 SEE creat u=2
fscache_access_cache C=#1 END acq_vol r=3 a=1
fscache_volume V=#2 PUT creat u=1
fscache_cache C=#1 GET acq r=4
fscache_volume V=#3 NEW acq u=1
fscache_access_cache C=#1 BEGIN acq_vol r=4 a=2
fscache_volume V=#3 GET creat u=2
fscache_volume V=#3 SEE creat u=2
fscache_access_cache C=#1 END acq_vol r=4 a=1
fscache_volume V=#3 PUT creat u=1
fscache_cache C=#1 GET acq r=5
fscache_volume V=#4 NEW acq u=1
fscache_access_cache C=#1 BEGIN acq_vol r=5 a=2
fscache_volume V=#4 GET creat u=2
fscache_volume V=#4 SEE creat u=2
fscache_access_cache C=#1 END acq_vol r=5 a=1
fscache_volume V=#4 PUT creat u=1
fscache_cache C=#1 GET acq r=6
fscache_volume V=#5 NEW acq u=1
fscache_access_cache C=#1 BEGIN acq_vol r=6 a=2
fscache_volume V=#5 GET creat u=2
fscache_volume V=#5 SEE creat u=2
fscache_access_cache C=#1 END acq_vol r=6 a=1
fscache_volume V=#5 PUT creat u=1
fscache_volume V=#3 PUT relnq u=0
fscache_volume V=#3 FREE u=0
fscache_cache C=#1 PUT vol r=5
fscache_volume V=#2 PUT relnq u=0
fscache_volume V=#2 FREE u=0
fscache_cache C=#1 PUT vol r=4
fscache_volume V=#4 PUT relnq u=0
fscache_volume V=#4 FREE u=0
fscache_cache C=#1 PUT vol r=3
fscache_volume V=#5 PUT relnq u=0
fscache_volume V=#5 FREE u=0
fscache_cache C=#1 PUT vol r=2
fscache_relinquish c=#1 V=#1 r=1 U=0 f=09 rt=0
fscache_cookie c=#1 PUT relnq r=0
fscache_volume V=#1 PUT cook u=1
fscache_volume V=#1 PUT relnq u=0
fscache_volume V=#1 FREE u=0
fscache_cache C=#1 PUT vol r=1
fscache_access_cache C=#1 UNPIN cache r=1 a=0
fscache_cache C=#1 PUT relnq r=0
WANT
diff /tmp/refs.want /tmp/refs || cat /tmp/refs
check "the fscache:* events, values included, are C's" cmp -s /tmp/refs.want /tmp/refs
cat /proc/fs/fscache/caches
check "the relinquished cache is gone" sh -c '! grep -q probe-one /proc/fs/fscache/caches'
check "the relinquished volume is gone" sh -c '! grep -q probe,vol, /proc/fs/fscache/volumes'
check "the relinquished cookie is gone" sh -c '! grep -q 70726f62652d6b6579 /proc/fs/fscache/cookies'

# A table far larger than a seq_file buffer: 200,000 cookies list in full,
# oldest first (the table is printed a row at a time, not into one buffer
# that grows with it). Keys are k0000000 up, shown in hex. Our fscache
# only: the C one is the reference, and the check costs half a minute.
if [ "$FSCACHE_IMPL" = rust ]; then
	N=200000
	must "the backend acquires $N cookies" \
		insmod /fsrs/modules/fscache_probe.ko tag=probe-many volume=probe,many, many=$N
	echo "listing from uptime $(cut -d' ' -f1 /proc/uptime) s"
	cat /proc/fs/fscache/cookies >/tmp/cookies
	echo "listed by uptime $(cut -d' ' -f1 /proc/uptime) s: $(wc -l </tmp/cookies) lines"
	check "all $N cookies are listed, after the header" [ "$(wc -l </tmp/cookies)" = $((N + 2)) ]
	first=$(printf k0000000 | od -An -tx1 | tr -d ' \n')
	last=$(printf "k%07d" $((N - 1)) | od -An -tx1 | tr -d ' \n')
	check "the first is the oldest" sh -c "sed -n 3p /tmp/cookies | grep -q ' $first\$'"
	check "the last is the youngest" sh -c "tail -1 /tmp/cookies | grep -q ' $last\$'"
	check "no cookie is listed twice" [ "$(cut -d' ' -f1 /tmp/cookies | sort -u | wc -l)" = $((N + 2)) ]
	rm -f /tmp/cookies
	must "the backend relinquishes them" rmmod fscache_probe
	check "the cookies are gone" cookies_gone 120
fi
rmmod fscache
finish
