#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 90-million.sh - rmmod of a map of a million entries (HMAP_TEST_BIG) frees
# everything: slab memory comes back, and the harness checks kmemleak at the
# end of the boot; a reload works. Slow in the debug guest under TCG (a few
# minutes: kmemleak and debug objects track every entry), so it has a file
# of its own, with its own timeout. TAP on stdout.
set -u
. "$(dirname "$0")/lib.sh"

H=$HMAPCTL
BIG=${HMAP_TEST_BIG:-1000000}

# Unreclaimable slab in kB, after shrinking every cache (which also empties
# KASAN's quarantine of freed objects).
unreclaimable_kb() {
	local f
	for f in /sys/kernel/slab/*/shrink; do
		echo 1 > "$f" 2> /dev/null
	done
	awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo
}

test_million() {
	local before after t0=$SECONDS
	load_hmap
	before=$(unreclaimable_kb)
	check_status 0 "fill $BIG entries" "$H" fill -q -b 1024 "$BIG"
	diag "fill of $BIG took $((SECONDS - t0))s"
	check "count is $BIG" test "$(hmap_count)" -eq "$BIG"
	diag "memory_bytes $(cat /sys/class/misc/hmap/memory_bytes), log2_buckets $(cat /sys/class/misc/hmap/log2_buckets)"
	check "get of the last key" test "$("$H" get "key-$((BIG - 1))")" = "value-$((BIG - 1))"
	t0=$SECONDS
	check "rmmod with $BIG entries" rmmod hmap
	diag "rmmod took $((SECONDS - t0))s"
	check "/dev/hmap is gone" test ! -e /dev/hmap
	# Freed memory comes back after RCU grace periods (entries, and
	# kmemleak's own metadata): give it a minute. A map that freed
	# nothing would hold 300+ MiB here (entries and kmemleak's records).
	for _ in $(seq 30); do
		after=$(unreclaimable_kb)
		[ $((after - before)) -lt 49152 ] && break
		sleep 2
	done
	diag "SUnreclaim before fill ${before} kB, after rmmod ${after} kB"
	check "unreclaimable slab is back to within 48 MiB of before" \
		test $((after - before)) -lt 49152
	check "insmod again" load_hmap
	check "the reloaded map is empty" test "$(hmap_count)" -eq 0
	check_status 0 "and works" "$H" put again yes
	check "get after reload" test "$("$H" get again)" = yes
}

test_million
check "rmmod hmap" unload_hmap
tap_finish
