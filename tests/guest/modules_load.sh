# SPDX-License-Identifier: GPL-2.0
# fscache.ko and cachefiles.ko load, show their user interfaces, refuse
# what they do not implement with clear errnos, and unload and reload
# cleanly. Meant for the rust/rust cell; passes on c/c too.
# timeout: 120
. /fsrs/lib.sh

load() {
	modprobe fscache || return 1
	# The C cachefiles needs netfs; ours does not yet.
	[ "$(modinfo -F description cachefiles | grep -c fscache-rs)" = 1 ] || modprobe netfs || return 1
	modprobe cachefiles
}

unload() {
	rmmod cachefiles && { ! lsmod | grep -q "^netfs " || rmmod netfs; } && rmmod fscache
}

must "fscache and cachefiles load" load
echo "loaded: fscache=$(impl_of fscache) cachefiles=$(impl_of cachefiles)"
check "loaded fscache is the $FSCACHE_IMPL one" [ "$(impl_of fscache)" = "$FSCACHE_IMPL" ]
check "loaded cachefiles is the $CACHEFILES_IMPL one" [ "$(impl_of cachefiles)" = "$CACHEFILES_IMPL" ]

check "/proc/fs/fscache links to /proc/fs/netfs" [ "$(readlink /proc/fs/fscache)" = netfs ]
check "caches table has the C header" \
	[ "$(head -1 /proc/fs/fscache/caches)" = "CACHE    REF   VOLS  OBJS  ACCES S NAME" ]
check "volumes table has the C header" \
	[ "$(head -1 /proc/fs/fscache/volumes)" = "VOLUME   REF   nCOOK ACC FL CACHE           KEY" ]
check "cookies table has the C header" \
	[ "$(head -1 /proc/fs/fscache/cookies)" = "COOKIE   VOLUME   REF ACT ACC S FL DEF             " ]
check "/dev/cachefiles exists" [ -c /dev/cachefiles ]

# Command errors as the shell sees them: each write is one command.
# cmd EXPECTED-ERROR COMMAND: writes COMMAND on fd 4, checks the error text.
cmd() {
	_want=$1
	shift
	printf '%s' "$*" >&4 2>/tmp/err
	_rc=$?
	if [ -z "$_want" ]; then
		check "'$*' accepted" [ $_rc = 0 ]
	else
		check "'$*' fails with $_want" grep -q "$_want" /tmp/err
	fi
}
exec 4<>/dev/cachefiles
check "a second opener is refused" sh -c 'exec 5<>/dev/cachefiles' 2>/tmp/err
check "...with EBUSY" grep -q "resource busy" /tmp/err
cmd "" "brun 20%"
cmd "" "bcull 15%"
cmd "" "bstop 5%"
cmd "Invalid argument" "bstop 50%"
cmd "Invalid argument" "frun 100%"
cmd "Invalid argument" "frun 10"
cmd "Operation not supported" "frobnicate"
cmd "Operation not supported" " bind"
cmd "Invalid argument" "cull a/b"
cmd "Input/output error" "cull foo"
cmd "Input/output error" "inuse foo"
cmd "Invalid argument" "bind"
cmd "" "dir /var/cache/fscache"
cmd "File exists" "dir /elsewhere"
cmd "" "tag t1"
cmd "File exists" "tag t2"
cmd "" "debug 0x0"
cmd "Invalid argument" "debug x"
check "reading an unbound cache gives EOF" [ -z "$(dd bs=256 count=1 <&4 2>/dev/null)" ]
exec 4>&-

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
