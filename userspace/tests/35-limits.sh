#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 35-limits.sh - every module parameter at its documented limit: hmap.ko
# either loads and serves a put and a get of the largest key and value, or
# is refused with a kernel message that names the parameter and says why.
# Nothing may WARN (the guest log check fails the run on a WARNING too;
# this test says which load did it). TAP on stdout.
set -u
. "$(dirname "$0")/lib.sh"

H=$HMAPCTL
LIMITS="max_entries=268435456 max_key_size=4096 max_value_size=1048576"

mark_dmesg() { dmesg_mark=$(dmesg | wc -l); }
new_dmesg() { dmesg | tail -n +$((dmesg_mark + 1)); }

# The largest key and value: 4096 and 1048576 bytes.
key=$(head -c 4096 /dev/zero | tr '\0' k)
head -c 1048576 /dev/urandom > "$TMP/value"

# try_limits PARAMS...: load with PARAMS; then put/get, or a clear refusal.
try_limits() {
	local name="insmod hmap.ko $*"

	unload_hmap
	mark_dmesg
	if insmod "$HMAP_KO" "$@" 2> "$TMP/insmod.err"; then
		ok "$name: loads"
		check "... puts a 4096-byte key with a 1 MiB value" \
			"$H" put -i "$key" < "$TMP/value"
		"$H" get -r "$key" > "$TMP/got" 2> /dev/null
		check "... and gets it back" cmp -s "$TMP/value" "$TMP/got"
		check "... and deletes it" "$H" del "$key"
		diag "memory_bytes $(cat /sys/class/misc/hmap/memory_bytes), log2_buckets $(cat /sys/class/misc/hmap/log2_buckets)"
		check "... and unloads" unload_hmap
	else
		diag "$name: refused: $(cat "$TMP/insmod.err")"
		new_dmesg | grep -E 'hmap: [a-z_]+=' > "$TMP/why"
		if [ -s "$TMP/why" ]; then
			ok "$name: refused, and the kernel log says why: $(head -n 1 "$TMP/why")"
		else
			not_ok "$name: refused without a kernel message naming the parameter"
		fi
	fi
	if new_dmesg | grep -qE 'WARNING:|BUG:|Call Trace'; then
		not_ok "$name: the kernel log has a warning"
		new_dmesg | grep -E -A 5 'WARNING:|BUG:' | head -n 20 |
			sed 's/^/# /'
	else
		ok "$name: no warning in the kernel log"
	fi
}

# shellcheck disable=SC2086 # $LIMITS is several parameters
try_limits $LIMITS
# shellcheck disable=SC2086
try_limits $LIMITS size_hint=268435456
tap_finish
