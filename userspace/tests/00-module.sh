#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 00-module.sh - hmap.ko loads, /dev/hmap is a character device only root
# may open (mode 0600, owner root), the module unloads and the node goes,
# and it loads and unloads a second time. TAP on stdout.
set -u

cd "$(dirname "$0")/../.." || exit 1
ko=$PWD/hmap.ko
n=0
failed=0

# check NAME COMMAND...: one TAP line for COMMAND's success.
check() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		failed=1
	fi
}

loaded() { grep -q '^hmap ' /proc/modules; }
unloaded() { ! loaded; }
is_root_only_chardev() {
	[ -c /dev/hmap ] || { echo "# /dev/hmap is not a char device"; return 1; }
	local got
	got=$(stat -c '%a %U %G' /dev/hmap)
	[ "$got" = "600 root root" ] || { echo "# /dev/hmap: $got"; return 1; }
}

echo "1..11"
loaded && rmmod hmap		# left over from an earlier test
check "insmod hmap.ko" insmod "$ko"
check "hmap is in /proc/modules" loaded
check "/dev/hmap exists" test -e /dev/hmap
check "/dev/hmap is a char device" test -c /dev/hmap
check "/dev/hmap is mode 0600, owner root:root" is_root_only_chardev
check "rmmod hmap" rmmod hmap
check "hmap is gone from /proc/modules" unloaded
check "/dev/hmap is gone" test ! -e /dev/hmap
check "insmod hmap.ko again" insmod "$ko"
check "/dev/hmap is back" test -c /dev/hmap
check "rmmod hmap again" rmmod hmap
exit "$failed"
