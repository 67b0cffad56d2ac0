# SPDX-License-Identifier: GPL-2.0
# fscache.ko and cachefiles.ko load, show their user interfaces, refuse
# what they do not implement with clear errnos, and unload and reload
# cleanly. Meant for the rust/rust cell; passes on c/c too.
# timeout: 120
# boot: shared
# leak-scan: boot
. /fsrs/lib.sh

load() {
	modprobe fscache || return 1
	# The C cachefiles needs netfs; ours does not yet.
	[ "$(impl_of cachefiles)" = rust ] || modprobe netfs || return 1
	modprobe cachefiles
}

unload() {
	rmmod cachefiles && { ! lsmod | grep -q "^netfs " || rmmod netfs; } && rmmod fscache
}

must "fscache and cachefiles load" load
echo "loaded: fscache=$(impl_of fscache) cachefiles=$(impl_of cachefiles)"
check "loaded fscache is the $FSCACHE_IMPL one" [ "$(impl_of fscache)" = "$FSCACHE_IMPL" ]
check "loaded cachefiles is the $CACHEFILES_IMPL one" [ "$(impl_of cachefiles)" = "$CACHEFILES_IMPL" ]

# The rust/rust cell's module tree was made by `make install`
# (scripts/install-modules): ours in updates/, found by modprobe first.
if [ "$FSCACHE_IMPL/$CACHEFILES_IMPL" = rust/rust ]; then
	# Kbuild keeps an external module's directory under updates/.
	U=/lib/modules/$(uname -r)/updates
	find $U -type f | sort >/tmp/installed
	cat /tmp/installed
	check "make install put exactly fscache.ko and cachefiles.ko in updates/" \
		[ "$(tr '\n' ' ' </tmp/installed)" = "$U/cachefiles/cachefiles.ko $U/fscache/fscache.ko " ]
	check "modprobe resolves cachefiles to updates/" \
		[ "$(modinfo -n cachefiles)" = "$U/cachefiles/cachefiles.ko" ]
	check "modprobe resolves fscache to updates/" \
		[ "$(modinfo -n fscache)" = "$U/fscache/fscache.ko" ]
	check "modinfo shows the debug parameter" sh -c 'modinfo -p cachefiles | grep -q "^debug:"'
fi

check "/proc/fs/fscache links to /proc/fs/netfs" [ "$(readlink /proc/fs/fscache)" = netfs ]
check "caches table has the C header" \
	[ "$(head -1 /proc/fs/fscache/caches)" = "CACHE    REF   VOLS  OBJS  ACCES S NAME" ]
check "volumes table has the C header" \
	[ "$(head -1 /proc/fs/fscache/volumes)" = "VOLUME   REF   nCOOK ACC FL CACHE           KEY" ]
check "cookies table has the C header" \
	[ "$(head -1 /proc/fs/fscache/cookies)" = "COOKIE   VOLUME   REF ACT ACC S FL DEF             " ]
check "/dev/cachefiles exists" [ -c /dev/cachefiles ]

# The device's command interface, errno for errno with the C module. One
# open; fsrs-devio prints "<ERRNO or OK> <command>" for each write.
exec 4<>/dev/cachefiles
check "a second opener is refused with EBUSY" [ "$(fsrs-devio /dev/cachefiles)" = "OPEN EBUSY" ]
exec 4>&-
fsrs-devio /dev/cachefiles @read @poll \
	"brun 20%" "bcull 15%" "bstop 5%" "bstop 50%" "frun 100%" "frun 10" \
	"frobnicate" " bind" "\nbind" "bind\0" "cull a/b" "cull foo" "inuse foo" \
	"bind" "dir /var/cache/fscache" "dir /elsewhere" "tag t1" "tag t2" \
	"debug 0x0" "debug x" "copen 1,2" "bind nonsense" >/tmp/got
cat >/tmp/want <<'WANT'
READ 0
POLL 0 0
OK brun 20%
OK bcull 15%
OK bstop 5%
EINVAL bstop 50%
EINVAL frun 100%
EINVAL frun 10
EOPNOTSUPP frobnicate
EOPNOTSUPP  bind
EINVAL \nbind
EINVAL bind\0
EINVAL cull a/b
EIO cull foo
EIO inuse foo
EINVAL bind
OK dir /var/cache/fscache
EEXIST dir /elsewhere
OK tag t1
EEXIST tag t2
OK debug 0x0
EINVAL debug x
EOPNOTSUPP copen 1,2
EINVAL bind nonsense
WANT
# One subtest per exchange, so a mismatch names the command.
paste -d '|' /tmp/want /tmp/got >/tmp/pairs
while IFS='|' read -r want got; do
	check "device: $want" [ "$want" = "$got" ]
done </tmp/pairs
check "every command got an answer" [ "$(wc -l </tmp/got)" = "$(wc -l </tmp/want)" ]

must "modules unload" unload
check "/proc/fs/fscache is gone after unload" [ ! -e /proc/fs/fscache ]
check "/dev/cachefiles is gone after unload" [ ! -e /dev/cachefiles ]
must "modules load again" load
exec 4<>/dev/cachefiles
check "the reloaded device opens" [ $? = 0 ]
exec 4>&-
must "modules unload again" unload
dmesg | grep -i -E "fscache|cachefiles" | tail -20
finish
