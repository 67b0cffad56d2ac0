# SPDX-License-Identifier: GPL-2.0
# A cache filled by one cachefiles implementation is served by the other
# after a module swap, and back: cachefilesd + 9p cache=fscache with
# implementation A fills the cache; cachefilesd stops (the cache is
# withdrawn), cachefiles is removed and implementation B inserted;
# cachefilesd binds the same cache directory again, and the remounted
# share must read the same bytes from the cache (IO rd grows, IO wr does
# not, the cache files are the very same inodes). Then back to A, same
# checks. A is the C cachefiles, B the cell's: c/c swaps C->C->C (the
# mechanics), FSCACHE/rust swaps C->Rust->C.
# timeout: 600
# share: 8M
# boot: shared
# leak-scan: boot
. /fsrs/lib.sh

A=c
B=$CACHEFILES_IMPL
echo "swap: $A -> $B -> $A on fscache=$FSCACHE_IMPL"

must "fscache and netfs load" sh -c 'modprobe fscache && modprobe netfs'
# An earlier test of the boot may have left the cell's cachefiles loaded.
[ -e /sys/module/cachefiles ] && must "cachefiles unloads" unload_cachefiles
must "cachefiles $A loads" load_cachefiles_impl $A
must "9p loads" sh -c 'modprobe 9pnet_virtio && modprobe 9p'
echo "fscache=$(impl_of fscache) cachefiles=$(impl_of cachefiles)"
must "cache disk mounts" mount_cache_disk
empty_cache
write_cachefilesd_conf
must "cachefilesd ($A) binds the cache" start_cachefilesd

mount_share
want=$(cut -d" " -f1 /mnt/data.sha256 2>/dev/null)
must "9p share mounts with cache=fscache" [ -n "$want" ]
check "first read ($A) matches the server copy" [ "$(sha256sum </mnt/data.bin | cut -d' ' -f1)" = "$want" ]
# Cache writes are asynchronous: umount waits for them.
umount /mnt
wr0=$(stat_field "IO " wr)
check "first read ($A) wrote the data to the cache" [ "${wr0:-0}" -gt 0 ]

# The cache's data files by inode: served from the cache means the same
# files, not fresh ones after the old were buried.
cache_files() {
	find /var/cache/fscache/cache -type f -exec stat -c '%i %s %n' {} + | sort
}
cache_files >/tmp/files.0
cat /tmp/files.0
must "the cache holds data files" [ -s /tmp/files.0 ]

# swap_to IMPL: stop the daemon, swap modules, rebind, reread.
swap_to() {
	must "cachefilesd stops and the cache is withdrawn" stop_cachefilesd
	must "cachefiles ($(impl_of cachefiles)) unloads" unload_cachefiles
	must "cachefiles $1 loads" load_cachefiles_impl "$1"
	check "impl_of reports cachefiles=$1" [ "$(impl_of cachefiles)" = "$1" ]
	must "cachefilesd ($1) binds the same cache" start_cachefilesd
	cat /proc/fs/fscache/caches
	echo 3 >/proc/sys/vm/drop_caches
	rd1=$(stat_field "IO " rd)
	wr1=$(stat_field "IO " wr)
	must "9p share mounts again ($1)" mount_share
	check "read after swap to $1 matches the server copy" \
		[ "$(sha256sum </mnt/data.bin | cut -d' ' -f1)" = "$want" ]
	umount /mnt
	rd2=$(stat_field "IO " rd)
	wr2=$(stat_field "IO " wr)
	echo "after swap to $1: IO rd $rd1 -> $rd2, wr $wr1 -> $wr2"
	check "read after swap to $1 was served from the cache (IO rd grew)" [ "$rd2" -gt "$rd1" ]
	check "read after swap to $1 wrote nothing to the cache (IO wr same)" [ "$wr2" = "$wr1" ]
	cache_files >/tmp/files.1
	check "after swap to $1 the cache files are the same inodes" cmp -s /tmp/files.0 /tmp/files.1
	diff /tmp/files.0 /tmp/files.1
}

swap_to "$B"
swap_to "$A"

grep -E "^(IO|CacheOp|CaRdOps|Acquire|Relinqs)" /proc/fs/fscache/stats
must "cachefilesd stops at the end" stop_cachefilesd
check "cachefiles unloads at the end" unload_cachefiles
umount /var/cache/fscache
echo "--- cachefilesd log"
cat /tmp/cachefilesd.log
finish
