# SPDX-License-Identifier: GPL-2.0
# The main job (scripts/demo): the product at work on the cell's modules
# (scripts/demo picks rust/rust, the full Rust stack). cachefilesd binds a
# cache, a file on a 9p share mounted with cache=fscache is read cold
# (from the server, written to the cache), then warm after a remount with
# the page cache dropped (from the cache); then an erofs image is pulled
# lazily by our on-demand daemon and remounted from the cache. Lines that
# start with "DEMO " are the summary scripts/demo prints; the rest is
# detail for -v.
# timeout: 300
# share: 32M
# erofs-image: demo
. /fsrs/lib.sh

say() { echo "DEMO $*"; }
impl() {
	case $(impl_of "$1") in
	rust) echo "Rust (fscache-rs, $(modinfo -F filename "$1" 2>/dev/null | sed 's|.*/lib/modules/[^/]*/||'))" ;;
	*) echo "C (the kernel's)" ;;
	esac
}
# mbps "bytes=N ns=T" (fsrs-bench read): MiB per second.
mbps() { echo "$1" | awk -F'[= ]' '{ printf "%.1f MiB/s (%.0f MiB in %.2f s)", $2 / 1048576 / ($4 / 1e9), $2 / 1048576, $4 / 1e9 }'; }
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }

must "caching stack loads" load_stack
must "erofs loads" sh -c 'modprobe libcrc32c && modprobe erofs'
say "Modules: fscache.ko is $(impl fscache); cachefiles.ko is $(impl cachefiles)"

# --- 9p with cache=fscache, cachefilesd
must "cache disk mounts" mount_cache_disk
printf '%s\n' "dir /var/cache/fscache" "tag fsrs" "brun 10%" "bcull 7%" "bstop 3%" \
	"frun 10%" "fcull 7%" "fstop 3%" >/etc/cachefilesd.conf
must "cachefilesd binds the cache" start_cachefilesd
say "cachefilesd bound a cache on an ext4 disk: $(sed -n 3p /proc/fs/fscache/caches | awk '{ print "cache \"" $NF "\", " ($(NF-1) == "A" ? "active" : "state " $(NF-1)) }')"
must "9p share mounts with cache=fscache" mount_share
want=$(cut -d" " -f1 /mnt/data.sha256)
rd0=$(stat_field "IO " rd)
wr0=$(stat_field "IO " wr)
r=$(fsrs-bench read /mnt/data.bin)
must "cold read" [ -n "$r" ]
say "9p, first read (cold: from the server, copied into the cache): $(mbps "$r")"
umount /mnt
must "cache writes finished" cookies_gone 60
wr1=$(stat_field "IO " wr)
drop
must "9p share mounts again" mount_share
rd1=$(stat_field "IO " rd)
r=$(fsrs-bench read /mnt/data.bin)
must "warm read" [ -n "$r" ]
rd2=$(stat_field "IO " rd)
say "9p, after a remount with the page cache dropped (warm: from the cache): $(mbps "$r")"
check "both reads return the server's bytes (SHA-256)" [ "$(sha_of /mnt/data.bin)" = "$want" ]
check "the warm read came from the cache" [ "$rd2" -gt "$rd1" ]
say "/proc/fs/fscache/stats: the cold read made $((wr1 - wr0)) writes to the cache" \
	"(IO wr); the warm read was $((rd2 - rd1)) reads from it (IO rd), none from the server"
say "Cache layout: $(cd /var/cache/fscache && find cache -path '*/@*/*' -type f | head -1)"
umount /mnt
echo "--- /proc/fs/fscache/stats"
cat /proc/fs/fscache/stats
check "cachefilesd withdraws the cache when it exits" stop_cachefilesd

# --- erofs on demand, fsrs-ondemandd
rm -rf /var/cache/fscache/cache /var/cache/fscache/graveyard
mkdir -p /share /mnt/image
must "the image directory (9p) mounts" mount -t 9p -o trans=virtio,version=9p2000.L share /share
reads() { grep -c ": READ [0-9]*: .* bytes$" /tmp/d.log; }
fsrs-ondemandd -v /var/cache/fscache /share >/tmp/d.log 2>&1 &
daemon=$!
must "fsrs-ondemandd binds an on-demand cache" \
	wait_for 30 grep -q " A fsrs-ondemandd$" /proc/fs/fscache/caches
must "mount -t erofs -o fsid=demo none /mnt/image" mount -t erofs -o fsid=demo none /mnt/image
meta=$(reads)
check "every file of the image reads back exactly" \
	sh -c 'cd /mnt/image && sha256sum -c /share/demo.sha256sums'
first=$(reads)
umount /mnt/image
drop
must "the image mounts again" mount -t erofs -o fsid=demo none /mnt/image
check "every file reads back exactly again" \
	sh -c 'cd /mnt/image >/dev/null && sha256sum -c /share/demo.sha256sums >/dev/null'
again=$(($(reads) - first))
check "the second pass asked the daemon for nothing" [ "$again" = 0 ]
say "erofs image pulled on demand by fsrs-ondemandd: $meta READs to mount it," \
	"$((first - meta)) more to read every file; after a remount, $again (all from the cache)"
umount /mnt/image
kill $daemon
wait $daemon
echo "--- fsrs-ondemandd"
cat /tmp/d.log | tail -20
umount /share
umount /var/cache/fscache
finish
