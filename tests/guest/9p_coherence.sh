# SPDX-License-Identifier: GPL-2.0
# Coherence of 9p cache=fscache: local writes (overwrite, append) and
# truncation (shrink, extend) through the cached mount, and a change made
# on the server side, must read back byte for byte after remounts that
# start from a cold page cache.
#
# What proves it: the server copy is the host's file, which the guest sees
# only through 9p, and a virtio 9p channel takes one mount at a time. So
# the share is mounted either with cache=fscache (the client under test) or
# with no cache at all (the server's view), never both. Every change is
# also applied to a model in /tmp, which shares nothing with 9p. The
# uncached view must equal the model (the writes reached the server) and
# the cached view must equal the model (the cache serves no stale data),
# while the cache did hold the old contents (the first remount was served
# from it), so stale data was there to be served had invalidation failed.
# timeout: 600
# share: 10M
. /fsrs/lib.sh

MODEL=/tmp/model
# Three 3 MiB slices of the runner's data.bin (each spans several cache
# granules); data.bin itself is only their source, read once.
FILES="w.bin t.bin s.bin"

must "caching stack loads" load_stack
must "cache disk mounts" mount_cache_disk
must "cachefilesd binds the cache" start_cachefilesd
cat /proc/fs/fscache/caches

mkdir -p /mnt $MODEL
mount_cached() { mount -t 9p -o trans=virtio,version=9p2000.L,cache=fscache share /mnt; }
# The server's view needs no particular options: large requests make its
# reads (each a round trip without a cache) cheaper.
mount_server() { mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 share /mnt; }
# remount_cached: umount (which writes back and waits for cache writes),
# drop every cached page and inode, mount again.
remount_cached() { umount /mnt && echo 3 >/proc/sys/vm/drop_caches && mount_cached; }
same_as_model() { same_files $MODEL /mnt $FILES; }

# Test files on the host, written through the uncached mount: three slices
# of the runner's random data.bin, and the model copies.
must "the share mounts without a cache (server view)" mount_server
copy /mnt/data.bin $MODEL/data.bin
must "test data read intact" [ "$(sha_of $MODEL/data.bin)" = "$(cut -d' ' -f1 /mnt/data.sha256)" ]
put $MODEL/data.bin 1048576 $MODEL/w.bin 0 3145728
put $MODEL/data.bin 4194304 $MODEL/t.bin 0 3145728
put $MODEL/data.bin 7340032 $MODEL/s.bin 0 3145728
for f in w.bin t.bin s.bin; do copy $MODEL/$f /mnt/$f; done
check "server holds the test files" same_as_model
umount /mnt
echo 3 >/proc/sys/vm/drop_caches

must "the share mounts with cache=fscache" mount_cached
check "first read matches the model" same_as_model
umount /mnt
rd1=$(stat_field "IO " rd)
wr1=$(stat_field "IO " wr)
echo "after first read: IO rd=$rd1 wr=$wr1"
echo 3 >/proc/sys/vm/drop_caches
must "cached mount again" mount_cached
check "second read matches the model" same_as_model
rd2=$(stat_field "IO " rd)
echo "after second read: IO rd=$rd2"
check "first pass wrote the data to the cache" [ "${wr1:-0}" -gt 0 ]
check "second pass was served from the cache (IO rd grew)" [ "${rd2:-0}" -gt "${rd1:-0}" ]

# Local changes through the cached mount, into files the cache holds.
put $MODEL/data.bin 12345 /mnt/w.bin 1234567 100000 &&
	put $MODEL/data.bin 12345 $MODEL/w.bin 1234567 100000
check "overwrite inside w.bin through the cached mount" [ $? = 0 ]
put $MODEL/data.bin 200000 /mnt/w.bin 3145728 300001 &&
	put $MODEL/data.bin 200000 $MODEL/w.bin 3145728 300001
check "append to w.bin through the cached mount" [ "$(stat -c %s /mnt/w.bin)" = 3445729 ]
truncate -s 1000001 /mnt/t.bin && truncate -s 1000001 $MODEL/t.bin
check "shrink t.bin through the cached mount" [ "$(stat -c %s /mnt/t.bin)" = 1000001 ]
truncate -s 2500000 /mnt/t.bin && truncate -s 2500000 $MODEL/t.bin
check "extend t.bin through the cached mount" [ "$(stat -c %s /mnt/t.bin)" = 2500000 ]
check "local changes read back before remount" same_as_model
must "cached mount again after local changes" remount_cached
check "after local changes, the cached mount matches the model" same_as_model
must "cached mount again" remount_cached
check "and again after another remount (cache refilled right)" same_as_model
umount /mnt
echo 3 >/proc/sys/vm/drop_caches

must "server view mounts" mount_server
check "the server holds exactly the local changes" same_as_model
# A server-side change: same size, so only the coherency data can tell.
# QEMU derives the 9p qid version from the mtime in whole seconds (and the
# size): wait until the server's clock has left the second s.bin was last
# written in, so the change moves its version, as it would for any change
# not made within the second the file was cached. A file touched on the
# share tells the server's time.
server_second_turned() {
	touch /mnt/.tick && [ "$(stat -c %Y /mnt/.tick)" -gt "$(stat -c %Y /mnt/s.bin)" ]
}
must "the server's clock left the second s.bin was written in" wait_for 5 server_second_turned
rm -f /mnt/.tick
put $MODEL/data.bin 5555 /mnt/s.bin 777777 4096 && put $MODEL/data.bin 5555 $MODEL/s.bin 777777 4096
check "server-side change applied" same_as_model
umount /mnt
echo 3 >/proc/sys/vm/drop_caches

rd3=$(stat_field "IO " rd)
must "cached mount after a server-side change" mount_cached
check "after a server-side change, the cached mount reads the new data" same_as_model
rd4=$(stat_field "IO " rd)
echo "IO rd=$rd3 before, $rd4 after the reads"
check "unchanged files still come from the cache" [ "${rd4:-0}" -gt "${rd3:-0}" ]
must "cached mount again" remount_cached
check "and again after a remount" same_as_model
umount /mnt
cat /proc/fs/fscache/stats

check "cache withdrawn when cachefilesd exits" stop_cachefilesd
umount /var/cache/fscache
finish
