#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 30-lifecycle.sh - module parameters (modinfo, sysfs, bad values refused),
# file permissions of /dev/hmap, an unload and reload. TAP on stdout.
set -u
. "$(dirname "$0")/lib.sh"

H=$HMAPCTL

test_params() {
	local p
	for p in max_entries max_key_size max_value_size size_hint; do
		check "modinfo describes $p" sh -c "modinfo -p '$HMAP_KO' | grep -q '^$p:.*[a-z]'"
	done
	unload_hmap
	for p in max_entries=0 max_key_size=0 max_key_size=5000 \
		 max_value_size=2000000 max_entries=300000000; do
		if insmod "$HMAP_KO" "$p" 2> /dev/null; then
			not_ok "insmod hmap.ko $p is refused"
			rmmod hmap
		else
			ok "insmod hmap.ko $p is refused"
		fi
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
}

test_reload() {
	load_hmap
	"$H" fill -q 1000
	check "rmmod with 1000 entries" rmmod hmap
	check "/dev/hmap is gone" test ! -e /dev/hmap
	check "insmod again" load_hmap
	check "the reloaded map is empty" test "$(hmap_count)" -eq 0
}

test_params
test_permissions
test_reload
check "rmmod hmap" unload_hmap
tap_finish
