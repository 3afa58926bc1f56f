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
else
	echo "(userspace/hmapctl is not built yet: no CLI session)"
fi
run rmmod hmap
run ls -l /dev/hmap || true
' 2>&1 | grep --line-buffered -v '^\[ *[0-9]*\.[0-9]*\] '
