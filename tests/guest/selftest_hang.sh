# SPDX-License-Identifier: GPL-2.0
# Harness self-test: the script never ends. The runner must turn that into
# a failure at the timeout (tests/lists/all marks it xfail=timeout).
# timeout: 10
. /fsrs/lib.sh
ok "about to hang"
sleep 100000
finish
