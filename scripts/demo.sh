#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - what `make demo` runs: install what is missing, build the test
# kernel (cached after the first run), hmap.ko and hmapctl, boot a guest,
# load the module and show it working.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$HMAP_ROOT/scripts/deps.sh"
build=$("$HMAP_ROOT/scripts/build-kernel.sh" debug)
mkdir -p "$HMAP_OUT/logs"
echo "demo: building hmap.ko and userspace/ (log: $HMAP_OUT/logs/demo.build.log)"
make -C "$HMAP_ROOT" KDIR="$build" all > "$HMAP_OUT/logs/demo.build.log" 2>&1 || {
	tail -n 20 "$HMAP_OUT/logs/demo.build.log" >&2
	echo "demo: build failed" >&2
	exit 1
}
echo "demo: booting the guest (about a minute under TCG)"

# The guest side: every command is echoed before it runs. Kernel messages
# are filtered from the screen; the log (out/logs/demo.log) has them all.
"$HMAP_ROOT/scripts/run-guest.sh" --name demo --timeout 600 -- '
set -e
run() { printf "\n\$ %s\n" "$*"; "$@"; }
run uname -r
run insmod hmap.ko
run ls -l /dev/hmap
run lsmod
run modinfo hmap.ko
if [ -x userspace/hmapctl ]; then
	PATH=$PWD/userspace:$PATH
	run hmapctl put greeting hello-from-the-kernel
	run hmapctl get greeting
	run hmapctl fill 5000
	run hmapctl stats
	run hmapctl del greeting
	run hmapctl stats
	# Two named maps with their own limits, side by side.
	run mount -t hmap none /sys/fs/hmap
	run hmapctl create sessions --max-entries 100000 --key-size 16 --value-size 64 --mode 0640
	run hmapctl create blobs --max-entries 1000 --key-size 255 --value-size 65536 --size-hint 500
	run hmapctl -m sessions fill -q 3000
	run hmapctl -m blobs fill -q -s 20000 200
	run hmapctl -m sessions put 0123456789abcdefX too-long-a-key || true
	run hmapctl list
	run ls -li /sys/fs/hmap
	run hmapctl -m sessions get key-1 key-2 key-3
	run hmapctl -m blobs freeze
	run hmapctl -m blobs del key-1 || true
	run hmapctl destroy sessions blobs
	run umount /sys/fs/hmap
else
	echo "(userspace/hmapctl is not built yet: no CLI session)"
fi
run rmmod hmap
run ls -l /dev/hmap || true
' 2>&1 | grep --line-buffered -v '^\[ *[0-9]*\.[0-9]*\] '
