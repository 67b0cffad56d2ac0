# SPDX-License-Identifier: GPL-2.0
# What an admin and a daemon see of cachefiles where ours once differed
# from C, one boot per cell:
# 1) bind records the default tag "CacheFiles" even when it then fails, so
#    a later "tag" is EEXIST;
# 2) a cache directory and a tag with non-ASCII bytes are used byte for
#    byte (bind, /proc/fs/fscache/caches, the log lines of cachefiles, with
#    C's "CacheFiles: " prefix, and of fscache);
# 3) bind calls set_create_files_as() as the daemon, not under the cache's
#    credentials (tests/kunit/cred_probe.c watches the subject);
# 4) a writeback that began before the cache was withdrawn writes no more
#    into it once it is (the cache fs is frozen to hold the writeback
#    between its first and second cache write);
# 5) an allocation that fails anywhere under cachefiles (failslab, only
#    where the stack passes through cachefiles.ko), swept across the
#    lookup, creation and first write of one file after another, leaves
#    every file reading right, and the daemon's exit still unbinds while
#    all of them are open (an object that missed the cache's list once
#    kept unbind waiting for ever; that one allocation is then failed on
#    its own);
#    objects are in the named slab cachefiles_object_jar, as in C;
# 6) a failing sync of the backing fs at unbind (the cache disk's writes
#    made to fail) is logged as in C;
# and the debug module parameter shows the daemon's debug mask.
# timeout: 300
# boot: shared
# leak-scan: boot
. /fsrs/lib.sh

must "caching stack loads" load_stack
must "cache disk mounts" mount_cache_disk
empty_cache
must "the credential probe loads" insmod /fsrs/modules/cred_probe.ko
P=/sys/module/cred_probe/parameters
dmesg -c >/dev/null

# --- 1. The default tag is recorded at bind ---------------------------------
fsrs-devio /dev/cachefiles "dir /nonexistent" bind "tag mine" >/tmp/got
cat /tmp/got
check "bind on a missing directory fails with ENOENT" [ "$(sed -n 2p /tmp/got)" = "ENOENT bind" ]
check "then 'tag mine' is EEXIST: bind recorded the default tag" \
	[ "$(sed -n 3p /tmp/got)" = "EEXIST tag mine" ]

# --- 2. Non-ASCII directory and tag --------------------------------------
dir=/var/cache/fscache/caché
tag=tägé
mkdir "$dir"
fsrs-devio /dev/cachefiles "dir $dir" "tag $tag" bind @cat:/proc/fs/fscache/caches >/tmp/got
cat /tmp/got
check "bind on a directory with a non-ASCII name" grep -qx "OK bind" /tmp/got
check "/proc/fs/fscache/caches shows the tag byte for byte" grep -q " A $tag\$" /tmp/got
check "the cache tree is in that directory" [ -d "$dir/cache" -a -d "$dir/graveyard" ]
check "closing the device withdrew the cache" \
	wait_for 30 sh -c "! grep -q ' $tag\$' /proc/fs/fscache/caches"
dmesg >/tmp/dmesg
grep -i cachefiles /tmp/dmesg
check "log: 'CacheFiles: File cache on $tag registered'" \
	grep -q "CacheFiles: File cache on $tag registered\$" /tmp/dmesg
check "log: 'CacheFiles: File cache on $tag unregistering'" \
	grep -q "CacheFiles: File cache on $tag unregistering\$" /tmp/dmesg
check "no line with the module-name prefix 'cachefiles: '" \
	sh -c '! grep -q "cachefiles: " /tmp/dmesg'
# fscache's own lines about the cache print the tag as C's %s does, byte
# for byte (ours once escaped its non-ASCII bytes: t\xc3\xa4g\xc3\xa9).
grep -F "ache \"" /tmp/dmesg
check "log (fscache): 'Cache \"$tag\" added' byte for byte" \
	grep -qF "Cache \"$tag\" added (type cachefiles)" /tmp/dmesg
check "log (fscache): 'Withdrawing cache \"$tag\"' byte for byte" \
	grep -qF "Withdrawing cache \"$tag\" (" /tmp/dmesg

# --- 3. The subject of set_create_files_as() ---------------------------------
# One more bind, of a plain ASCII directory, so that a bind has reached the
# call whatever sections 1 and 2 found.
mkdir /var/cache/fscache/plain
fsrs-devio /dev/cachefiles "dir /var/cache/fscache/plain" "tag plain" bind >/tmp/got
cat /tmp/got
check "bind of a plain directory" grep -qx "OK bind" /tmp/got
check "closing the device withdrew that cache" \
	wait_for 30 sh -c "! grep -q ' plain\$' /proc/fs/fscache/caches"
echo "set_create_files_as: as_task=$(cat $P/as_task) overridden=$(cat $P/overridden)"
check "bind called set_create_files_as()" [ "$(cat $P/as_task)" -ge 1 ]
check "never under the cache's credentials" [ "$(cat $P/overridden)" = 0 ]
rmmod cred_probe

# --- 4. Writeback stops writing into a withdrawn cache ------------------------
write_cachefilesd_conf
must "cachefilesd binds the cache" start_cachefilesd
check "the daemon's 'debug 4' shows in the debug module parameter" \
	[ "$(cat /sys/module/cachefiles/parameters/debug)" = 4 ]
must "9p share mounts with cache=fscache" mount_share
mkfifo /tmp/go
fsrs-fsctl stride /mnt/wb.bin 8 1048576 </tmp/go >/tmp/stride &
W=$!
exec 6>/tmp/go
must "the writer's first block is written back" wait_for 30 grep -q READY /tmp/stride
wr0=$(stat_field "IO " wr)
must "the cache fs freezes" fsrs-fsctl freeze /var/cache/fscache
echo go >&6
exec 6>&-
# The writeback's first cache write waits for the thaw (sb_start_write).
blocked() { grep -q percpu_rwsem_wait "/proc/$W/stack" 2>/dev/null; }
check "the writeback is held at its first cache write" wait_for 30 blocked
cat "/proc/$W/stack"
kill "$CACHEFILESD_PID"
check "the cache is withdrawn while the writeback is held" \
	wait_for 30 grep -q " W fsrs\$" /proc/fs/fscache/caches
must "the cache fs thaws" fsrs-fsctl thaw /var/cache/fscache
wait "$W"
cat /tmp/stride
check "the writer's fsync succeeds (the server has the data)" grep -qx "FSYNC OK" /tmp/stride
wait "$CACHEFILESD_PID"
wr1=$(stat_field "IO " wr)
echo "IO wr: $wr0 -> $wr1"
check "after the withdrawal no more cache writes were made (IO wr +1, the held one)" \
	[ $((wr1 - wr0)) = 1 ]
umount /mnt

# --- 5. Allocation failures under cachefiles: errors, not hangs ---------------
# The files are made while no cache is bound, so each first open below
# looks up, creates and fills a new backing file.
N=20
content() { yes "alloc file $1" | head -c 8192; }
must "9p share mounts (no cache bound)" mount_share
mkdir -p /mnt/alloc
for i in $(seq 0 $((N + 2))); do content $i >/mnt/alloc/f$i; done
umount /mnt
must "cachefilesd binds the cache" start_cachefilesd
must "9p share mounts with cache=fscache" mount_share
# The text of cachefiles.ko, from its symbols (the last function's end is
# not listed: a page past its start covers it). Written in hex: the shell's
# arithmetic is signed and these addresses are not.
range=$(awk '$4 == "[cachefiles]" && ($2 == "t" || $2 == "T") { print $1 }' /proc/kallsyms |
	sort | sed -n '1p;$p' | tr '\n' ' ')
lo=${range% * }
hi=${range#* }
hi=${hi% }
hi=${hi%????????}$(printf %08x $((0x${hi#????????} + 4096)))
echo "cachefiles.ko text: $lo..$hi"
F=/sys/kernel/debug/failslab
echo N >$F/ignore-gfp-wait
echo N >$F/cache-filter
echo 1 >$F/verbose
echo 32 >$F/stacktrace-depth
must "failslab takes the range" sh -c "echo 0x$lo >$F/require-start && echo 0x$hi >$F/require-end"
echo 1 >$F/interval
echo 100 >$F/probability
# Calibration: the first file also creates the volume's directories;
# with a budget nothing reaches, the budget's decrease over the second is
# what one file's lookup, creation and first write allocate under
# cachefiles. The sweep steps finely through the first allocations (the
# lookup's) and then geometrically through the rest.
written_since() { [ "$(stat_field "IO " wr)" -gt "$1" ]; }
echo "f0 read from uptime $(cut -d' ' -f1 /proc/uptime)"
sha_of /mnt/alloc/f0 >/dev/null
echo "f0 read by uptime $(cut -d' ' -f1 /proc/uptime)"
wr0=$(stat_field "IO " wr)
echo 1000000000 >$F/space
echo 1 >$F/times
sha_of /mnt/alloc/f1 >/dev/null
check "the second file is written to the cache" wait_for 10 written_since "$wr0"
echo 0 >$F/times
used=$((1000000000 - $(cat $F/space)))
echo "one file allocates $used bytes under cachefiles"
check "the stack filter sees cachefiles' allocations" [ "$used" -gt 0 ]
budget() {
	if [ "$1" -le 12 ]; then
		echo $((($1 - 1) * 64))
	else
		echo $((used >> (N + 1 - $1)))
	fi
}
bad=""
injected=0
holders=""
for i in $(seq 1 $N); do
	echo $(budget $i) >$F/space
	echo 1 >$F/times
	sleep 600 </mnt/alloc/f$((i + 1)) &
	holders="$holders $!"
	[ "$(sha_of /mnt/alloc/f$((i + 1)))" = "$(content $((i + 1)) | sha256sum | cut -d' ' -f1)" ] ||
		bad="$bad f$((i + 1))"
	[ "$(cat $F/times)" = 0 ] && injected=$((injected + 1))
	echo 0 >$F/times
done
echo 0 >$F/probability
echo "failures injected in $injected of $N files; cache: $(grep ' fsrs$' /proc/fs/fscache/caches)"
dmesg | grep -c "FAULT_INJECTION: forcing a failure" | sed 's/^/failslab reports: /'
check "every file reads back right while its allocations fail" [ -z "$bad" ] || echo "wrong:$bad"
check "allocations under cachefiles were failed" [ "$injected" -ge $((N / 2)) ]
# The one allocation that puts an object on the cache's
# list fails (the stack filter narrowed to the function that makes it).
# Ours fails the lookup, so the file is read around the cache and unbind
# has nothing it cannot withdraw; before the fix the allocation came after
# the lookup, the object stayed off the list, and the daemon's exit below
# waited for ever on the open file.
# C lists an object with list_add(), which cannot fail: nothing to fail.
if [ "$(impl_of cachefiles)" = rust ]; then
	slot=$(awk '$4 == "[cachefiles]" && ($2 == "t" || $2 == "T") { print $1, $3 }' /proc/kallsyms |
		sort | awk 'f { print $1; exit } $2 ~ /reserve_object_slot/ { printf "%s ", $1; f = 1 }')
	echo "reserve_object_slot: $slot"
	must "failslab takes reserve_object_slot's text" \
		sh -c "echo 0x${slot% *} >$F/require-start && echo 0x${slot#* } >$F/require-end"
	echo 0 >$F/space
	echo 1 >$F/times
	echo 100 >$F/probability
	f=/mnt/alloc/f$((N + 2))
	sleep 600 <$f &
	holders="$holders $!"
	check "a file whose object could not be listed reads back right" \
		[ "$(sha_of $f)" = "$(content $((N + 2)) | sha256sum | cut -d' ' -f1)" ]
	check "the object's listing allocation was failed" [ "$(cat $F/times)" = 0 ]
else
	echo "C's cachefiles lists objects without allocating"
fi
echo 0 >$F/probability
# Objects live in a named slab, as C's do (merged caches show as links).
J=/sys/kernel/slab/cachefiles_object_jar
echo "object jar: $(readlink $J || echo own cache), object_size $(cat $J/object_size)," \
	"objects $(cut -d' ' -f1 $J/objects)"
check "objects are in the cachefiles_object_jar slab" [ -e $J ]
check "with every file held open, the daemon's exit unbinds the cache" stop_cachefilesd
kill $holders
wait $holders 2>/dev/null
umount /mnt
check "every cookie is relinquished" cookies_gone 30

# --- 6. A sync error at unbind is logged --------------------------------------
# Every write to the cache disk fails with EIO from here on
# (fail_make_request; verbose 0: no stack dump per failure). Unbind's
# sync then fails committing the journal, with something to commit.
dmesg -c >/dev/null
must "cachefilesd binds the cache again" start_cachefilesd
F=/sys/kernel/debug/fail_make_request
echo 0 >$F/verbose
echo 100 >$F/probability
echo -1 >$F/times
echo "dirty the journal" >/var/cache/fscache/dirty
must "the cache disk's writes fail from now on" sh -c 'echo 1 >/sys/block/vda/make-it-fail'
kill "$CACHEFILESD_PID"
wait "$CACHEFILESD_PID"
check "the cache is withdrawn" wait_for 30 sh -c '! grep -q " fsrs$" /proc/fs/fscache/caches'
echo 0 >/sys/block/vda/make-it-fail
dmesg | grep -iE "cachefiles|ext4|jbd2" | tail -20
check "log: 'CacheFiles: I/O Error: Attempt to sync backing fs superblock returned error -5'" \
	sh -c 'dmesg | grep -q "CacheFiles: I/O Error: Attempt to sync backing fs superblock returned error -5"'
umount /var/cache/fscache
finish
