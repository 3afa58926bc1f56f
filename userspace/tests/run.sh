#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - run the in-guest integration tests: every executable
# userspace/tests/[0-9][0-9]-* in order, as root, from the project root.
#
# Each test prints TAP lines ("ok N - name", "not ok N - name",
# "ok N - name # SKIP why"). run.sh forwards them, announcing each test with
# "# hmap-test: FILE", and adds a "not ok" line for a test that exits
# non-zero or outlives HMAP_TEST_TIMEOUT seconds (default 1200). It exits 1
# when any line was "not ok".
#
# Meant for a guest (scripts/run-guest.sh -- userspace/tests/run.sh): the
# tests load and unload hmap.ko.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
failed=0
for t in userspace/tests/[0-9][0-9]-*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	name=${t##*/}
	echo "# hmap-test: $name"
	timeout -k 10 "${HMAP_TEST_TIMEOUT:-1200}" "$t" < /dev/null 2>&1 |
		while IFS= read -r line; do
			echo "$line"
			[[ $line == "not ok"* ]] && touch /tmp/hmap-test-failed
		done
	status=${PIPESTATUS[0]}
	if [ "$status" -ne 0 ]; then
		[ "$status" -eq 124 ] && why="timed out" || why="exit status $status"
		echo "not ok 999 - $name: $why"
		failed=1
	fi
done
[ -e /tmp/hmap-test-failed ] && failed=1
rm -f /tmp/hmap-test-failed
exit "$failed"
