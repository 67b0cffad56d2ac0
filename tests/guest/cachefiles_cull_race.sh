# SPDX-License-Identifier: GPL-2.0
# A measurement, not in the suite (tests/lists/all): the old form of
# cachefiles_cull's two passes (each file read and closed in turn, nothing
# held), run on the C cachefiles and ours alternately in one boot (ORDER),
# one summary line per round: each pass's time and per-file times, what
# was culled during it, and what pass 2 got from the cache (rd=). It shows
# the race the suite's test now avoids: any round whose first pass outlasts
# fscache's 10 s cookie LRU gets rd=0, whichever cachefiles is loaded.
#   scripts/vmtest cachefiles_cull_race@c/c
# timeout: 3600
# cache-disk: 48M
# share-files: 10x8M
. /fsrs/lib.sh
ORDER=${ORDER:-"c rust rust c c rust"}
modprobe fscache; modprobe netfs; modprobe 9pnet_virtio; modprobe 9p
must "cache disk mounts" mount_cache_disk
write_cachefilesd_conf "brun 20%" "bcull 15%" "bstop 10%" "frun 10%" "fcull 7%" "fstop 3%"
echo 100 >/proc/sys/vm/dirty_expire_centisecs
echo 50 >/proc/sys/vm/dirty_writeback_centisecs
up() { read -r _u _ </proc/uptime; }
jif() { _j=$(grep -m1 '^jiffies:' /proc/timer_list | cut -d' ' -f2); }
n=0
for impl in $ORDER; do
	n=$((n + 1))
	[ -e /sys/module/cachefiles ] && must "unload" unload_cachefiles
	must "load $impl" load_cachefiles_impl $impl
	empty_cache
	must "cachefilesd ($impl)" start_cachefilesd
	cull0=$(stat_field "NoSpace:" cull); rd0=$(stat_field "IO " rd); ncr0=$(stat_field "NoSpace:" ncr)
	res="round $n $impl:"
	for p in 1 2; do
		echo 3 >/proc/sys/vm/drop_caches
		must "mount" mount_share
		up; s=$_u; jif; j0=$_j
		line=""
		for f in $(cd /mnt && ls f*); do
			up; fs=$_u
			sha256sum /mnt/$f >/tmp/sum
			up; line="$line $(echo "$_u $fs" | awk '{printf "%.0f", $1-$2}')"
		done
		up; jif
		res="$res p$p=$(echo "$_u $s" | awk '{printf "%.0f", $1-$2}')s[$line ] jif/s=$(echo "$_j $j0 $_u $s" | awk '{printf "%.0f", ($1-$2)/($3-$4)}') cull=$(($(stat_field "NoSpace:" cull) - cull0))"
		umount /mnt
	done
	res="$res rd=$(($(stat_field "IO " rd) - rd0)) ncr=$(($(stat_field "NoSpace:" ncr) - ncr0))"
	must "cachefilesd stops" stop_cachefilesd
	echo "$res"
	echo "$res" >>/tmp/ab
done
umount /var/cache/fscache
echo "--- summary"
cat /tmp/ab
finish
