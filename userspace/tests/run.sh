#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - run the in-guest integration tests: every executable
# userspace/tests/[0-9][0-9]-* in order, as root, from the project root.
#
# Each test prints TAP lines ("ok N - name", "not ok N - name",
# "ok N - name # SKIP why"). run.sh forwards them, announcing each test with
# "# hmap-test: FILE" and following it with its run time, "# hmap-time:
# FILE Ns"; it adds a "not ok" line for a test that exits non-zero or
# outlives HMAP_TEST_TIMEOUT seconds (default 1200). It exits 1 when any
# line was "not ok".
#
# HMAP_TESTS="10-ioctl.sh 40-trace.sh" runs only the tests named (file
# names, in the order given); a name that is not an executable test is a
# "not ok" of its own, so a renamed test cannot silently drop out of a list.
#
# Meant for a guest (scripts/run-guest.sh -- userspace/tests/run.sh): the
# tests load and unload hmap.ko.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
failed=0
if [ -n "${HMAP_TESTS:-}" ]; then
	read -r -a tests <<< "$HMAP_TESTS"
	tests=("${tests[@]/#/userspace/tests/}")
else
	tests=(userspace/tests/[0-9][0-9]-*)
fi
for t in "${tests[@]}"; do
	if [ -n "${HMAP_TESTS:-}" ] && { [ ! -f "$t" ] || [ ! -x "$t" ]; }; then
		echo "# hmap-test: ${t##*/}"
		echo "not ok 999 - ${t##*/}: no such test"
		failed=1
		continue
	fi
	if [ ! -f "$t" ] || [ ! -x "$t" ]; then continue; fi
	name=${t##*/}
	echo "# hmap-test: $name"
	start=$SECONDS
	timeout -k 10 "${HMAP_TEST_TIMEOUT:-1200}" "$t" < /dev/null 2>&1 |
		while IFS= read -r line; do
			echo "$line"
			[[ $line == "not ok"* ]] && touch /tmp/hmap-test-failed
		done
	status=${PIPESTATUS[0]}
	echo "# hmap-time: $name $((SECONDS - start))s"
	if [ "$status" -ne 0 ]; then
		[ "$status" -eq 124 ] && why="timed out" || why="exit status $status"
		echo "not ok 999 - $name: $why"
		failed=1
	fi
done
[ -e /tmp/hmap-test-failed ] && failed=1
rm -f /tmp/hmap-test-failed
exit "$failed"
