# SPDX-License-Identifier: GPL-2.0
# timeout: 600
# boot: shared
# leak-scan: boot
# share: 4M
# cachefilesd binds a cache on the ext4 disk; a 9p share mounted with
# cache=fscache is read, remounted and read again: the second read must be
# served from the cache, as /proc/fs/fscache/stats shows. Then coherence:
# local writes (overwrite, append) and truncation (shrink, extend) through
# the cached mount, and a change made on the server side, must read back
# byte for byte after remounts that start from a cold page cache (the
# network filesystem checks of lib.sh's netfs_suite).
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
. /fsrs/lib.sh

MODEL=/tmp/model
FILES="w.bin t.bin s.bin"
SRV=/srv/9p

cache_up
cat /proc/fs/fscache/caches

netfs_data
mkdir -p /mnt $SRV
netfs_mount() { mount -t 9p -o trans=virtio,version=9p2000.L,cache=fscache share /mnt; }
# The server's view needs no particular options: large requests make its
# reads (each a round trip without a cache) cheaper.
srv_mount() { mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 share $SRV; }
check "the server holds the test files" other_client srv_populate

# A server-side change: QEMU derives the 9p qid version from the mtime in
# whole seconds (and the size): wait until the server's clock has left the
# second the file was last written in, so the change moves its version, as
# it would for any change not made within the second the file was cached.
# A file touched on the share tells the server's time.
server_second_turned() {
	touch $SRV/.tick && [ "$(stat -c %Y $SRV/.tick)" -gt "$(stat -c %Y $SRV/$1)" ]
}
put_on_server() {
	wait_for 5 server_second_turned "$3" || { echo "the server's clock stood still"; return 1; }
	rm -f $SRV/.tick
	put "$1" "$2" "$SRV/$3" "$4" "$5"
}
server_put() { other_client put_on_server "$@"; }
server_same() { other_client same_as_model $SRV; }
netfs_suite 9p 'I9p,share,*'

cache_down
finish
