# SPDX-License-Identifier: GPL-2.0
# The fscache_cache KUnit suite (tests/kunit/fscache_cache_kunit.c) against
# whichever fscache the cell loads. Each KUnit case becomes a subtest.
# timeout: 120
. /fsrs/lib.sh

must "fscache loads" modprobe fscache
echo "fscache: $(impl_of fscache)"
dmesg -c >/dev/null
must "KUnit module loads" insmod /fsrs/modules/fscache_cache_kunit.ko
dmesg | sed 's/^\[[^]]*\] //' >/tmp/kunit.ktap
cat /tmp/kunit.ktap
sed -n 's/^    \(\(not \)\{0,1\}ok\) [0-9]* \(.*\)/\1 \3/p' /tmp/kunit.ktap >/tmp/cases
while read -r verdict rest; do
	case $verdict in
	ok) ok "kunit: $rest" ;;
	*) not_ok "kunit: ${rest#ok }" ;;
	esac
done </tmp/cases
check "KUnit ran cases" [ -s /tmp/cases ]
check "KUnit suite fscache_cache passed" grep -q "^ok [0-9]* fscache_cache" /tmp/kunit.ktap
rmmod fscache_cache_kunit
rmmod fscache
finish
