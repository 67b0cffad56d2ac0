# SPDX-License-Identifier: GPL-2.0
# cachefilesd binds a cache on the ext4 disk; a 9p share mounted with
# cache=fscache is read, remounted and read again: the second read must be
# served from the cache, as /proc/fs/fscache/stats shows.
# timeout: 300
# share: 32M
. /fsrs/lib.sh

must "caching stack loads" load_stack
must "cache disk mounts" mount_cache_disk
must "cachefilesd binds the cache" start_cachefilesd
cat /proc/fs/fscache/caches

mount_share; want=$(cut -d" " -f1 /mnt/data.sha256 2>/dev/null)
must "9p share mounts with cache=fscache" [ -n "$want" ]
check "first read matches the server copy" [ "$(sha256sum </mnt/data.bin | cut -d' ' -f1)" = "$want" ]
cat /proc/fs/fscache/volumes /proc/fs/fscache/cookies
# Cache writes are asynchronous: sample after umount, which waits for them.
umount /mnt
rd1=$(stat_field "IO " rd)
wr1=$(stat_field "IO " wr)
echo "after first read: IO rd=$rd1 wr=$wr1"
echo 3 >/proc/sys/vm/drop_caches

must "9p share mounts again" mount_share
check "second read matches the server copy" [ "$(sha256sum </mnt/data.bin | cut -d' ' -f1)" = "$want" ]
rd2=$(stat_field "IO " rd)
wr2=$(stat_field "IO " wr)
echo "after second read: IO rd=$rd2 wr=$wr2"
cat /proc/fs/fscache/stats
check "first pass wrote the data to the cache" [ "${wr1:-0}" -gt 0 ]
check "second pass was served from the cache (IO rd grew)" [ "${rd2:-0}" -gt "${rd1:-0}" ]
check "cache directory holds the 9p volume" sh -c 'ls -d /var/cache/fscache/cache/I9p,* >/dev/null'
find /var/cache/fscache -maxdepth 3 | head -20
umount /mnt

check "cache withdrawn when cachefilesd exits" stop_cachefilesd
umount /var/cache/fscache
finish
