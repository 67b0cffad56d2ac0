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

# check DESC CMD...: a subtest that passes when CMD succeeds.
check() {
	_d=$1
	shift
	if "$@"; then ok "$_d"; else not_ok "$_d"; fi
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
