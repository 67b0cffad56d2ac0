# SPDX-License-Identifier: GPL-2.0
# Culling on a small cache: a 48 MiB cache disk, a share of 10 files of
# 8 MiB (1.7 times the disk), cachefilesd with brun 20% bcull 15% bstop
# 10%. Every file is read twice (remounting in between, so the second
# pass goes to 9p and the cache, not the page cache), each read must
# match the server copy, the free space sampled all along must stay above
# the bstop limit (less a 4% tolerance, see below: cachefiles checks the
# space before each write, and the backing fs's own metadata comes on top),
# cachefilesd must have culled (the cull counter of /proc/fs/fscache/stats
# grew, and the cache ends up holding fewer objects than files read).
# timeout: 900
# cache-disk: 48M
# share-files: 10x8M
. /fsrs/lib.sh

must "caching stack loads" load_stack
must "cache disk mounts" mount_cache_disk
# cachefilesd.conf(5): above run% free (blocks and files) culling stops,
# below cull% it starts, below stop% no new space is allocated.
BRUN=20 BCULL=15 BSTOP=10
write_cachefilesd_conf "brun $BRUN%" "bcull $BCULL%" "bstop $BSTOP%" \
	"frun 10%" "fcull 7%" "fstop 3%"
cat /etc/cachefilesd.conf
must "cachefilesd binds the small cache" start_cachefilesd
# The netfs copies what it read into the cache by writeback of the page
# cache, and keeps the cookie (so the backing file) in use until then:
# with the default 30 s dirty expiry a file read stays uncullable for 30 s
# plus fscache's 10 s LRU, longer than a pass takes to fill the disk.
# Write back within a second or two, as a busy machine would.
echo 100 >/proc/sys/vm/dirty_expire_centisecs
echo 50 >/proc/sys/vm/dirty_writeback_centisecs

# Free blocks of the cache fs (f_bavail, what cachefiles checks) and its
# size, sampled every half second in the background.
set -- $(stat -f -c '%a %b' /var/cache/fscache)
total=$2
echo "cache fs: $total blocks, $1 free; bstop = $((total * BSTOP / 100)) blocks"
sampler() {
	while :; do
		stat -f -c %a /var/cache/fscache >>/tmp/free
		sleep 0.5
	done
}
sampler &
spid=$!

cull0=$(stat_field "NoSpace:" cull)
pass() {
	(cd /mnt && sha256sum -c SHA256SUMS) >/tmp/sums 2>&1
	rc=$?
	cat /tmp/sums
	return $rc
}
for n in 1 2; do
	echo 3 >/proc/sys/vm/drop_caches
	must "pass $n: 9p share mounts with cache=fscache" mount_share
	start=$(date +%s)
	check "pass $n: every file matches the server copy" pass
	echo "pass $n took $(($(date +%s) - start)) s; free blocks now" \
		"$(stat -f -c %a /var/cache/fscache)"
	umount /mnt
	grep -E "^(IO|NoSpace)" /proc/fs/fscache/stats
done
# Let cachefilesd finish a culling round the last writes started (it
# culls what umount released once it rescans).
culled() { [ "$(stat_field "NoSpace:" cull)" -gt "$cull0" ]; }
wait_for 30 culled
sleep 2
kill $spid
wait $spid 2>/dev/null

min=$(sort -n /tmp/free | head -1)
echo "free blocks: $(wc -l </tmp/free) samples, min $min, max $(sort -n /tmp/free | tail -1)"
# cachefiles checks a write's length in pages against limits in blocks
# (C's rule, which ours follows): on this 1 KiB-block disk a burst of
# writeback can take it 1-1.5% under (measured 485 and 658 blocks; in
# principle up to 3/4 of a write).
slack=4
check "free space stayed above bstop ($BSTOP% = $((total * BSTOP / 100)) blocks, less $slack%; min $min)" \
	[ $((min * 100)) -ge $((total * (BSTOP - slack))) ]
cull1=$(stat_field "NoSpace:" cull)
check "cachefilesd culled objects (cull counter $cull0 -> $cull1)" [ "$cull1" -gt "$cull0" ]
objs=$(find /var/cache/fscache/cache -type f -size +1000k | wc -l)
check "the cache holds fewer objects ($objs) than the 10 files read" [ "$objs" -lt 10 ]
# What pass 1 left in the cache should serve part of pass 2, and does
# on the C cachefiles (IO rd about 170 in every run). Ours empties it now
# and then (IO rd=0 in 3 of 8 runs, having culled during pass 1, which C
# never did): an open difference, printed here, not yet a check.
echo "pass 2 served from the cache: IO rd=$(stat_field "IO " rd)"
wr=$(stat_field "IO " wr)
check "the cache was used (IO wr=$wr)" [ "$wr" -gt 0 ]
cat /proc/fs/fscache/stats
df -k /var/cache/fscache
must "cachefilesd stops" stop_cachefilesd
umount /var/cache/fscache
echo "--- cachefilesd log"
cat /tmp/cachefilesd.log
finish
