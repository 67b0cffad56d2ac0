# SPDX-License-Identifier: GPL-2.0
# Helpers for guest test scripts: source it first. Tests print what they
# like (it is sent to the host as diagnostics) and report subtests with
# ok/not_ok/check; the script's exit status is the test's verdict.

FSRS_FAILED=0
_fsrs_n=0

ok() {
	_fsrs_n=$((_fsrs_n + 1))
	echo "ok $_fsrs_n $*" >>"$FSRS_SUBTESTS"
	echo "ok: $* [$(cut -d' ' -f1 /proc/uptime) s]"
}

not_ok() {
	_fsrs_n=$((_fsrs_n + 1))
	echo "not ok $_fsrs_n $*" >>"$FSRS_SUBTESTS"
	echo "NOT OK: $* [$(cut -d' ' -f1 /proc/uptime) s]"
	FSRS_FAILED=1
}

# check DESC CMD...: a subtest that passes when CMD succeeds; returns
# CMD's verdict (0 or 1), so that must can act on it.
check() {
	_d=$1
	shift
	if "$@"; then ok "$_d"; else not_ok "$_d"; return 1; fi
}

# must DESC CMD...: like check, but a failure ends the test.
must() {
	check "$@" || finish
}

# On failure the test's output ends with what the kernel said (info level
# too, which the console leaves out) and fscache's tables, so that an
# intermittent failure in CI can be read after the fact.
finish() {
	if [ "$FSRS_FAILED" != 0 ]; then
		echo "--- failed: dmesg (tail)"
		dmesg | tail -n 200
		for f in caches volumes cookies stats; do
			[ -r /proc/fs/fscache/$f ] || continue
			echo "--- /proc/fs/fscache/$f"
			cat /proc/fs/fscache/$f
		done
	fi
	exit $FSRS_FAILED
}

# Which implementation of module $1 is loaded or, when it is not loaded,
# which one modprobe would load. A loaded module is judged by its taint
# flags: ours are built out of tree, so the kernel marks them O (the C
# ones come from the kernel build and are not), which stays true when a
# test swaps implementations by hand. modprobe's choice is judged by
# modinfo: ours say fscache-rs in their description.
impl_of() {
	if [ -e "/sys/module/$1/initstate" ]; then
		case $(cat "/sys/module/$1/taint") in
		*O*) echo rust ;;
		*) echo c ;;
		esac
	elif modinfo -F description "$1" 2>/dev/null | grep -q fscache-rs; then
		echo rust
	else
		echo c
	fi
}

# The module file of each implementation of cachefiles in every guest,
# whatever the cell installed for modprobe.
cachefiles_ko() {
	case $1 in
	c) echo "/lib/modules/$(uname -r)/kernel/fs/cachefiles/cachefiles.ko" ;;
	rust) echo /fsrs/modules/rust/cachefiles.ko ;;
	*) echo "cachefiles_ko: c or rust, not '$1'" >&2; return 1 ;;
	esac
}

# load_cachefiles_impl c|rust: inserts that implementation of cachefiles
# (after fscache and netfs, which the C one needs: insmod resolves no
# dependencies) and checks that it is the one loaded.
load_cachefiles_impl() {
	_ko=$(cachefiles_ko "$1") || return 1
	modprobe fscache && modprobe netfs || return 1
	insmod "$_ko" || { echo "insmod $_ko failed"; return 1; }
	if [ "$(impl_of cachefiles)" != "$1" ]; then
		echo "loaded $_ko but impl_of says $(impl_of cachefiles)"
		return 1
	fi
	echo "cachefiles: $1 ($_ko) loaded"
}

# Removes cachefiles, retrying while the last cache is still letting go.
unload_cachefiles() {
	wait_for 30 rmmod cachefiles 2>/dev/null || rmmod cachefiles || return 1
	[ ! -e /sys/module/cachefiles ]
}

# Loads the caching stack in the order the split needs. modprobe picks our
# modules when the runner installed them under updates/.
load_stack() {
	for m in fscache netfs cachefiles 9pnet_virtio 9p; do
		modprobe $m || { echo "modprobe $m failed"; return 1; }
	done
	echo "loaded: fscache=$(impl_of fscache) cachefiles=$(impl_of cachefiles)"
}

# The ext4 cache disk the runner attached.
mount_cache_disk() {
	mount -t ext4 /dev/vda /var/cache/fscache
}

# The host share, through 9p's fscache mode.
mount_share() {
	mount -t 9p -o trans=virtio,version=9p2000.L,cache=fscache share /mnt
}

# wait_for SECONDS CMD...: polls CMD every 0.2 s until it succeeds.
wait_for() {
	_t=$(($1 * 5))
	shift
	while [ $_t -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		_t=$((_t - 1))
	done
	return 1
}

# stat_field LINE KEY: value of KEY=N on the /proc/fs/fscache/stats line
# that starts with LINE.
stat_field() {
	grep "^$1" /proc/fs/fscache/stats | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# run_kunit MODULE SUITE [CMD]: loads KUnit module MODULE (from
# /fsrs/modules) after fscache, reports each case of SUITE as a subtest,
# and runs CMD (if given) before unloading.
run_kunit() {
	must "fscache loads" modprobe fscache
	echo "fscache: $(impl_of fscache)"
	dmesg -c >/dev/null
	must "KUnit module $1 loads" insmod "/fsrs/modules/$1.ko"
	dmesg | sed 's/^\[[^]]*\] //' >/tmp/kunit.ktap
	cat /tmp/kunit.ktap
	# Cases are the indented result lines of the suite.
	sed -n 's/^    \(\(not \)\{0,1\}ok\) [0-9]* \(.*\)/\1 \3/p' /tmp/kunit.ktap >/tmp/cases
	while read -r verdict rest; do
		case $verdict in
		ok) ok "kunit: $rest" ;;
		*) not_ok "kunit: ${rest#ok }" ;;
		esac
	done </tmp/cases
	check "KUnit ran cases" [ -s /tmp/cases ]
	check "KUnit suite $2 passed" grep -q "^ok [0-9]* $2\$" /tmp/kunit.ktap
	# An optional command to run while the modules are still loaded.
	[ -z "$3" ] || $3
	rmmod "$1"
	rmmod fscache
}

# cachefilesd on the cache disk, tag "fsrs". write_cachefilesd_conf
# [LINE...] writes its configuration: the cache dir and tag, then the
# given lines (limits), or by default limits low enough that a test's
# data never makes it cull.
write_cachefilesd_conf() {
	{
		echo "dir /var/cache/fscache"
		echo "tag fsrs"
		# Our module logs object events to dmesg (dumped if a test fails).
		echo "debug 4"
		if [ $# = 0 ]; then
			printf '%s\n' "brun 10%" "bcull 7%" "bstop 3%" "frun 10%" "fcull 7%" "fstop 3%"
		else
			printf '%s\n' "$@"
		fi
	} >/etc/cachefilesd.conf
}

# cookies_gone SECONDS: waits until fscache holds no cookie. Relinquishing
# is asynchronous in both fscache implementations: umount returns while
# the cookie workers still withdraw the objects (committing each to disk).
no_cookies() {
	[ "$(sed 1,2d /proc/fs/fscache/cookies | wc -l)" = 0 ]
}
cookies_gone() {
	wait_for "$1" no_cookies
}

cache_active() {
	grep -q " A fsrs\$" /proc/fs/fscache/caches
}

# Starts cachefilesd in the foreground mode, in the background of the
# test, logging to /tmp/cachefilesd.log; waits until the cache is bound.
#
# Address space randomisation is off for the daemon: cachefilesd 0.10.10
# checks its cull table for poisoned pointers with ((long)p & 0xf0000000)
# == 0x60000000 and abort()s on a hit, which on x86_64 also matches real
# heap pointers whose bits 28-31 are 6: with ASLR, about one daemon start
# in 16 dies (SIGABRT, no message) at its first cull-table decant, and in
# a TCG guest with little boot entropy the odds depend on which modules
# were loaded. Without randomisation its heap sits at a fixed address that
# the check does not match. The heap is logged so that this can be seen.
start_cachefilesd() {
	[ -f /etc/cachefilesd.conf ] || write_cachefilesd_conf
	echo 0 >/proc/sys/kernel/randomize_va_space
	cachefilesd -n -s -p /run/cachefilesd.pid -f /etc/cachefilesd.conf \
		>>/tmp/cachefilesd.log 2>&1 &
	CACHEFILESD_PID=$!
	wait_for 60 cache_active || return 1
	echo "cachefilesd $CACHEFILESD_PID heap: $(grep '\[heap\]' /proc/$CACHEFILESD_PID/maps | cut -d' ' -f1)"
}

# Stops cachefilesd (closing the device withdraws the cache); fails if it
# had already exited (a daemon that dies under the test is a failure,
# whatever the checks in between said).
stop_cachefilesd() {
	_died=0
	kill "$CACHEFILESD_PID" 2>/dev/null || _died=1
	wait "$CACHEFILESD_PID"
	_st=$?
	[ $_died = 0 ] || echo "cachefilesd had already exited, status $_st"
	wait_for 30 sh -c '! grep -q " A fsrs\$" /proc/fs/fscache/caches' && [ $_died = 0 ]
}

# sha_of FILE: its SHA-256. Read in 1 MiB requests: on a 9p mount without
# a cache every read() is a round trip to the server, and busybox's own
# 4 KiB reads made the uncached passes of the coherence tests take minutes.
sha_of() {
	dd if="$1" bs=1M status=none | sha256sum | cut -d' ' -f1
}

# copy SRC DST: cp, in 1 MiB requests (see sha_of).
copy() {
	dd if="$1" of="$2" bs=1M status=none
}

# put SRC SRCOFF DST DSTOFF LEN: copies LEN bytes of SRC at SRCOFF over DST
# at DSTOFF, in place (no truncation). Byte offsets, any alignment.
put() {
	dd if="$1" of="$3" bs=65536 iflag=skip_bytes,count_bytes oflag=seek_bytes \
		skip="$2" seek="$4" count="$5" conv=notrunc status=none
}

# same_files DIR_A DIR_B FILE...: every FILE is byte for byte the same in
# both directories (sha256; cmp names the first difference on a mismatch).
same_files() {
	_a=$1
	_b=$2
	shift 2
	_r=0
	for _f in "$@"; do
		_ha=$(sha_of "$_a/$_f")
		_hb=$(sha_of "$_b/$_f")
		if [ -z "$_ha" ] || [ "$_ha" != "$_hb" ]; then
			echo "$_f: $_a has ${_ha:-nothing} ($(stat -c %s "$_a/$_f" 2>&1) bytes)," \
				"$_b has $_hb ($(stat -c %s "$_b/$_f") bytes)"
			cmp "$_a/$_f" "$_b/$_f" 2>&1 | head -3
			_r=1
		fi
	done
	return $_r
}

# An empty cache disk, even after an earlier test of the same boot.
empty_cache() {
	find /var/cache/fscache -mindepth 1 -maxdepth 1 ! -name lost+found -exec rm -rf {} +
}

# cache_up [MODULE...]: the caching stack and MODULEs loaded, the cache
# disk mounted and bound by cachefilesd; cache_down undoes it (the cache
# must be withdrawn when the daemon exits).
cache_up() {
	must "caching stack loads" load_stack
	for _m in "$@"; do
		must "modprobe $_m" modprobe $_m
	done
	must "cache disk mounts" mount_cache_disk
	empty_cache
	must "cachefilesd binds the cache" start_cachefilesd
}
cache_down() {
	check "cache withdrawn when cachefilesd exits" stop_cachefilesd
	umount /var/cache/fscache
}

# Test data of the network filesystem tests: $MODEL/data.bin from the
# share's random file (checked against its hash), and the three $FILES as
# 1 MiB slices of it (each spans four of cachefiles' 256 KiB granules).
# A host service's description (host-service.env) is kept in /tmp.
netfs_data() {
	mkdir -p /share $MODEL
	must "the share (plain 9p) mounts" \
		mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 share /share
	copy /share/data.bin $MODEL/data.bin
	must "test data copied intact" [ "$(sha_of $MODEL/data.bin)" = "$(cut -d' ' -f1 /share/data.sha256)" ]
	[ ! -r /share/host-service.env ] || cp /share/host-service.env /tmp/host-service.env
	umount /share
	_o=1048576
	for _f in $FILES; do
		put $MODEL/data.bin $_o $MODEL/$_f 0 1048576
		_o=$((_o + 1048576))
	done
	model_changed
}

# The model's hashes, taken once per change (hashing is slow under TCG);
# same_as_model DIR compares DIR's $FILES with them, and on a mismatch
# lets same_files name the difference.
model_changed() {
	for _f in $FILES; do sha_of $MODEL/$_f; done >/tmp/model.sums
}
same_as_model() {
	for _f in $FILES; do sha_of "$1/$_f"; done >/tmp/dir.sums
	cmp -s /tmp/dir.sums /tmp/model.sums || { same_files $MODEL "$1" $FILES; return 1; }
}

# srv_populate: the model's $FILES copied to the other client's mount at
# $SRV, and read back from it.
srv_populate() {
	for _f in $FILES; do copy $MODEL/$_f $SRV/$_f; done
	same_as_model $SRV
}

# other_client CMD...: runs CMD with the test's other client (a second
# client of the same server, which the test's srv_mount mounts at $SRV)
# mounted, then unmounts it; returns CMD's status. Mounted only while it
# is used, so that it holds no capabilities, leases or callbacks that
# would change how the client under test may cache.
other_client() {
	srv_mount || return 1
	"$@"
	_r=$?
	umount $SRV
	return $_r
}

# netfs_suite NAME VOLUME_GLOB: the checks every network filesystem test
# (NFS, SMB, AFS, Ceph) makes of caching through fscache, over a mount the
# test provides, with netfs_data's files on the server:
#   netfs_mount      mounts the filesystem, with caching on, at /mnt;
#   server_put SRC SRCOFF FILE DSTOFF LEN
#                    changes FILE on the server's side, not through /mnt;
#   server_same      the server's copies of $FILES equal the model's.
# The server is only looked at while /mnt is unmounted (a 9p channel takes
# one mount at a time).
# A first read matches and fills the cache; a remount with the page cache
# dropped is served from it; the cache directory holds the volume under
# the client's key; local writes (overwrite, append) and truncation
# (shrink, extend) into cached files, then a same-size change on the
# server while unmounted (only the coherency data can tell), read back byte
# for byte across remounts, and the server ends up holding the model.
# Leaves /mnt unmounted.
netfs_remount() {
	umount /mnt && echo 3 >/proc/sys/vm/drop_caches && netfs_mount
}
mnt_same_as_model() { same_as_model /mnt; }
netfs_suite() {
	_fs=$1
	_vol=$2
	set -- $FILES
	_w=$1 _t=$2 _s=$3
	# The statistics count from the boot's start: earlier tests of a
	# shared boot are in them, so only differences are checked.
	_wr0=$(stat_field "IO " wr)
	must "$_fs mounts with caching" netfs_mount
	grep " /mnt " /proc/mounts
	check "first read matches the server copy" mnt_same_as_model
	cat /proc/fs/fscache/volumes /proc/fs/fscache/cookies
	umount /mnt
	_rd1=$(stat_field "IO " rd)
	_wr1=$(stat_field "IO " wr)
	echo "after first read: IO rd=$_rd1 wr=$_wr1"
	echo 3 >/proc/sys/vm/drop_caches

	must "$_fs mounts again" netfs_mount
	check "second read matches the server copy" mnt_same_as_model
	_rd2=$(stat_field "IO " rd)
	echo "after second read: IO rd=$_rd2"
	check "first pass wrote the data to the cache" [ "${_wr1:-0}" -gt "${_wr0:-0}" ]
	check "second pass was served from the cache (IO rd grew)" [ "${_rd2:-0}" -gt "${_rd1:-0}" ]
	check "cache directory holds the $_fs volume ($_vol)" \
		sh -c "ls -d /var/cache/fscache/cache/$_vol >/dev/null"
	# The layout, for comparing cells: volume, fan-out and file names.
	find /var/cache/fscache/cache -mindepth 1 -maxdepth 3 \( -type f -o -name 'I*' \) |
		sort | sed 's/^/layout: /'

	# Local changes through the mount, into files the cache holds. The
	# first file: overwrite an unaligned range inside, then append.
	put $MODEL/data.bin 12345 /mnt/$_w 300007 100000 &&
		put $MODEL/data.bin 12345 $MODEL/$_w 300007 100000
	check "overwrite inside $_w through $_fs" [ $? = 0 ]
	_end=$(stat -c %s $MODEL/$_w)
	put $MODEL/data.bin 200000 /mnt/$_w $_end 300001 &&
		put $MODEL/data.bin 200000 $MODEL/$_w $_end 300001
	check "append to $_w through $_fs" [ "$(stat -c %s /mnt/$_w)" = $((_end + 300001)) ]
	# The second: shrink to an unaligned size, then extend (the new tail
	# reads as zeroes, whatever the cache held there).
	truncate -s 600001 /mnt/$_t && truncate -s 600001 $MODEL/$_t
	check "shrink $_t through $_fs" [ "$(stat -c %s /mnt/$_t)" = 600001 ]
	truncate -s 1500000 /mnt/$_t && truncate -s 1500000 $MODEL/$_t
	check "extend $_t through $_fs" [ "$(stat -c %s /mnt/$_t)" = 1500000 ]
	model_changed
	check "local changes read back before remount" mnt_same_as_model
	umount /mnt
	echo 3 >/proc/sys/vm/drop_caches

	must "$_fs mounts after local changes" netfs_mount
	check "after local changes, remount reads match the server copy" mnt_same_as_model
	must "$_fs remounts again" netfs_remount
	check "and again after another remount (cache refilled right)" mnt_same_as_model
	umount /mnt

	# The third: a change on the server side while the client is
	# unmounted, same size, so only the coherency data can tell.
	server_put $MODEL/data.bin 5555 $_s 777777 4096 &&
		put $MODEL/data.bin 5555 $MODEL/$_s 777777 4096
	model_changed
	echo 3 >/proc/sys/vm/drop_caches
	_rd3=$(stat_field "IO " rd)
	must "$_fs mounts after a server-side change" netfs_mount
	check "after a server-side change, the client reads the new data" mnt_same_as_model
	_rd4=$(stat_field "IO " rd)
	echo "IO rd=$_rd3 before, $_rd4 after the reads"
	check "unchanged files still come from the cache" [ "${_rd4:-0}" -gt "${_rd3:-0}" ]
	umount /mnt
	# The server, last: the local changes and its own (checked once, at
	# the end: a server looked at costs a client mount under TCG).
	check "the server holds exactly the model" server_same
	cat /proc/fs/fscache/stats
}

# start_nfsd EXPORT: the guest's own NFS server for EXPORT: nfsd on
# 127.0.0.1 only, NFSv4 only (no rpcbind, no lockd), rpc.mountd answering
# the kernel's export upcalls (its pid in $mountd, its log in
# /tmp/mountd.log), a short grace period ended at once (nothing to reclaim
# after a fresh start). stop_nfsd undoes it.
start_nfsd() {
	must "loopback interface up" ifconfig lo 127.0.0.1 up
	echo "127.0.0.1 localhost" >/etc/hosts
	mkdir -p /var/lib/nfs/v4recovery /proc/fs/nfsd
	must "nfsd filesystem mounts" mount -t nfsd nfsd /proc/fs/nfsd
	echo "$1 127.0.0.1(rw,sync,no_subtree_check,no_root_squash,fsid=1)" >/etc/exports
	must "exportfs exports $1" exportfs -ra
	rpc.mountd -F -N 2 -N 3 >/tmp/mountd.log 2>&1 &
	mountd=$!
	must "rpc.nfsd starts (v4 only, 127.0.0.1)" rpc.nfsd -N 3 -V 4 -H 127.0.0.1 -p 2049 -G 10 4
	echo Y >/proc/fs/nfsd/v4_end_grace
}
stop_nfsd() {
	rpc.nfsd 0
	exportfs -ua
	kill $mountd
	wait $mountd
}
