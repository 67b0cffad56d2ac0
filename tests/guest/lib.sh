# SPDX-License-Identifier: GPL-2.0
# Helpers for guest test scripts: source it first. Tests print what they
# like (it is sent to the host as diagnostics) and report subtests with
# ok/not_ok/check; the script's exit status is the test's verdict.

FSRS_FAILED=0
_fsrs_n=0

ok() {
	_fsrs_n=$((_fsrs_n + 1))
	echo "ok $_fsrs_n $*" >>"$FSRS_SUBTESTS"
	echo "ok: $*"
}

not_ok() {
	_fsrs_n=$((_fsrs_n + 1))
	echo "not ok $_fsrs_n $*" >>"$FSRS_SUBTESTS"
	echo "NOT OK: $*"
	FSRS_FAILED=1
}

# check DESC CMD...: a subtest that passes when CMD succeeds; returns
# CMD's success or failure.
check() {
	_d=$1
	shift
	if "$@"; then ok "$_d"; else not_ok "$_d"; return 1; fi
}

# must DESC CMD...: like check, but a failure ends the test.
must() {
	check "$@" || finish
}

finish() {
	exit $FSRS_FAILED
}

# Which implementation of module $1 modprobe loads (ours say fscache-rs
# in their description; sysfs does not show descriptions, modinfo does).
impl_of() {
	if modinfo -F description "$1" 2>/dev/null | grep -q fscache-rs; then
		echo rust
	else
		echo c
	fi
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

# start_cachefilesd: cachefilesd on the mounted cache disk (tag fsrs), in
# the foreground in the background; returns when the cache is active.
start_cachefilesd() {
	cat >/etc/cachefilesd.conf <<CONF
dir /var/cache/fscache
tag fsrs
brun 10%
bcull 7%
bstop 3%
frun 10%
fcull 7%
fstop 3%
CONF
	cachefilesd -n -s -p /run/cachefilesd.pid -f /etc/cachefilesd.conf &
	FSRS_CACHEFILESD=$!
	wait_for 60 cache_active
}

cache_active() {
	grep -q " A fsrs$" /proc/fs/fscache/caches
}

# stop_cachefilesd: ends the daemon; returns when the cache is withdrawn.
stop_cachefilesd() {
	kill "$FSRS_CACHEFILESD"
	wait "$FSRS_CACHEFILESD"
	wait_for 30 sh -c '! grep -q " A fsrs$" /proc/fs/fscache/caches'
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
		_ha=$(sha256sum <"$_a/$_f" | cut -d' ' -f1)
		_hb=$(sha256sum <"$_b/$_f" | cut -d' ' -f1)
		if [ -z "$_ha" ] || [ "$_ha" != "$_hb" ]; then
			echo "$_f: $_a has ${_ha:-nothing} ($(stat -c %s "$_a/$_f" 2>&1) bytes)," \
				"$_b has $_hb ($(stat -c %s "$_b/$_f") bytes)"
			cmp "$_a/$_f" "$_b/$_f" 2>&1 | head -3
			_r=1
		fi
	done
	return $_r
}
