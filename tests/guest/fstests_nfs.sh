# SPDX-License-Identifier: GPL-2.0
# fstests (xfstests) tests on NFSv4.2 mounted with -o fsc, against the
# guest's own kernel nfsd over loopback (start_nfsd of lib.sh:
# NFSv4 only, 127.0.0.1, an export on a tmpfs), with cachefilesd bound.
# Run by scripts/fstests, which stages fstests into the guest and names
# the tests; the timeout below is its default, which it replaces by one
# that fits the number of tests.
# timeout: 3600

. /fsrs/lib.sh
[ -r /fsrs/fstests.inc ] || { not_ok "fstests staged (run this test with scripts/fstests)"; finish; }
. /fsrs/fstests.inc

EXPORT=/srv/test

cache_up nfsd nfsv4
cat /proc/fs/fscache/caches
mkdir -p $EXPORT
must "export tmpfs mounts" mount -t tmpfs -o size=1g tmpfs $EXPORT

start_nfsd $EXPORT

fstests_run nfs 127.0.0.1:$EXPORT "-o vers=4.2,fsc"

stop_nfsd
umount /proc/fs/nfsd
cache_down
umount $EXPORT
finish
