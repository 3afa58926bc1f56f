#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 30-lifecycle.sh - module parameters (modinfo, sysfs, bad values refused
# with a kernel message naming the parameter), file permissions of
# /dev/hmap and of the sysfs statistics, an unload and reload, kmemleak on
# a filled map. TAP on stdout.
set -u
. "$(dirname "$0")/lib.sh"

H=$HMAPCTL

# mark_dmesg, then new_dmesg_has TEXT: a kernel message since the mark
# contains TEXT.
mark_dmesg() { dmesg_mark=$(dmesg | wc -l); }
new_dmesg_has() {
	if dmesg | tail -n +$((dmesg_mark + 1)) | grep -qF -- "$1"; then
		return 0
	fi
	diag "no kernel message with '$1'; new messages:" \
		"$(dmesg | tail -n +$((dmesg_mark + 1)) | tail -n 5)"
	return 1
}

test_params() {
	local p
	for p in max_entries max_key_size max_value_size size_hint no_shrink; do
		check "modinfo describes $p" sh -c "modinfo -p '$HMAP_KO' | grep -q '^$p:.*[a-z]'"
	done
	unload_hmap
	for p in max_entries=0 max_key_size=0 max_key_size=5000 \
		 max_value_size=2000000 max_entries=300000000 \
		 "max_entries=10 size_hint=11"; do
		mark_dmesg
		# shellcheck disable=SC2086 # $p may be two parameters
		if insmod "$HMAP_KO" $p 2> /dev/null; then
			not_ok "insmod hmap.ko $p is refused"
			rmmod hmap
		else
			ok "insmod hmap.ko $p is refused"
		fi
		# The kernel log names the bad parameter and says why.
		check "... and the kernel log says why" \
			new_dmesg_has "hmap: ${p##* }: must"
	done
	check "no /dev/hmap after a refused load" test ! -e /dev/hmap
	check "insmod hmap.ko max_entries=5000 max_key_size=32 size_hint=4000" \
		load_hmap max_entries=5000 max_key_size=32 size_hint=4000
	check "the parameters are in /sys/module/hmap/parameters" \
		test "$(cat /sys/module/hmap/parameters/max_entries)" = 5000
	check "and in the stats" test "$(cat /sys/class/misc/hmap/max_key_size)" = 32
	"$H" fill -q 4000
	check "size_hint=4000: 4000 keys went in without a grow" \
		test "$(cat /sys/class/misc/hmap/grows)" -eq 0
	check_status 3 "a 33-byte key is refused with max_key_size=32" \
		"$H" put 123456789012345678901234567890123 v
	unload_hmap
	check "insmod hmap.ko no_shrink=1" load_hmap no_shrink=1
	"$H" fill -q 2000
	"$H" clear
	"$H" fill -q 2000
	local i
	for i in $(seq 0 1999); do echo "key-$i"; done | xargs "$H" del
	check "no_shrink=1: 2000 keys deleted, the array kept its size (B=$(cat /sys/class/misc/hmap/log2_buckets))" \
		test "$(cat /sys/class/misc/hmap/shrinks)" -eq 0 -a \
		     "$(cat /sys/class/misc/hmap/log2_buckets)" -ge 8 -a \
		     "$(cat /sys/class/misc/hmap/count)" -eq 0
}

test_permissions() {
	load_hmap
	"$H" put shared value
	check "/dev/hmap is 0600" test "$(stat -c %a /dev/hmap)" = 600
	check_status 3 "nobody cannot read with mode 0600" nobody "$H" get shared
	chmod 0644 /dev/hmap
	check_status 0 "with mode 0644 nobody can get (read-only open)" nobody "$H" get shared
	check_status 0 "... dump" nobody "$H" dump
	check_status 0 "... and stats" nobody "$H" stats
	check_status 3 "... but not put (needs a writable open)" nobody "$H" put x y
	check "... told EACCES" grep -q EACCES "$TMP/stderr"
	chmod 0600 /dev/hmap
	# The statistics in sysfs are root's only, like the device.
	check "sysfs statistics are mode 0400" \
		test "$(stat -c %a /sys/class/misc/hmap/count)" = 400
	check "root reads them" test "$(cat /sys/class/misc/hmap/count)" -ge 1
	check_status 1 "nobody cannot read sysfs statistics" \
		nobody cat /sys/class/misc/hmap/count
	check "... told EACCES" grep -q "Permission denied" "$TMP/stderr"
}

test_reload() {
	load_hmap
	"$H" fill -q 1000
	check "rmmod with 1000 entries" rmmod hmap
	check "/dev/hmap is gone" test ! -e /dev/hmap
	check "insmod again" load_hmap
	check "the reloaded map is empty" test "$(hmap_count)" -eq 0
}

# kmemleak must see the entries of a filled map as referenced: the bucket
# array is scanned for them whichever allocator it came from (5000 keys:
# 2^10 buckets, an array from the page allocator). It reports only objects
# 5 s old, unchanged since the scan before: two scans, 5 s apart. Only in
# kernels with kmemleak.
test_kmemleak() {
	local km=/sys/kernel/debug/kmemleak
	if [ ! -w "$km" ]; then
		skip "no kmemleak" "kmemleak finds nothing in a filled map"
		return
	fi
	load_hmap
	"$H" fill -q 5000
	echo scan > "$km"
	sleep 5
	echo scan > "$km"
	check "kmemleak finds nothing in a map of 5000 keys" \
		test "$(grep -c unreferenced "$km")" -eq 0
	"$H" clear
}

test_params
test_permissions
test_reload
test_kmemleak
check "rmmod hmap" unload_hmap
tap_finish
