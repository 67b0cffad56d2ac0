# SPDX-License-Identifier: GPL-2.0
# KUnit suite fscache_cookie (tests/kunit/fscache_cookie_kunit.c): cookies
# and their key hashes, against whichever fscache the cell loads.
# timeout: 120
. /fsrs/lib.sh
run_kunit fscache_cookie_kunit fscache_cookie
finish
