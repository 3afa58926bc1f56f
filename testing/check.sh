#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make -C testing check: the native suites and the KUnit suites of
# ../kunit/ under AddressSanitizer and UndefinedBehaviorSanitizer, the
# threaded native cases and the KUnit suites under ThreadSanitizer, and a
# bounded fuzz run (FUZZ_TIME seconds, 60 by default). Prints a
# PASS:/FAIL: line per case, then "N passed, N failed"; exits non-zero
# on any failure. Run from testing/ after make all.
set -u -o pipefail
cd "$(dirname "$0")"

FUZZ_TIME=${FUZZ_TIME:-60}
# KUnit cases too long for every check (make -C testing kunit runs them).
KUNIT_LONG=${KUNIT_LONG:-hmap_stress_races}
passed=0
failed=0
start=$(date +%s)

# Runs a test binary, renames its PASS:/FAIL: lines, counts them.
suite() {
	local tag=$1 line summary=
	shift
	while IFS= read -r line; do
		case $line in
		PASS:*) passed=$((passed + 1)); echo "PASS: $tag/${line#PASS: }" ;;
		FAIL:*) failed=$((failed + 1)); echo "FAIL: $tag/${line#FAIL: }" ;;
		*passed,*failed) summary=1; echo "# $tag: $line" ;;
		*) echo "$line" ;;
		esac
	done < <("$@")
	# The runner itself dying (not one case) is a failure too.
	if [ -z "$summary" ]; then
		failed=$((failed + 1))
		echo "FAIL: $tag (the runner died)"
	fi
}

echo "# ASan+UBSan: the native suites"
suite asan build/asan/hmap_tests
kunit_x=()
for name in $KUNIT_LONG; do
	kunit_x+=(-x "$name")
done
echo "# ASan+UBSan: the KUnit suites of ../kunit/ (not run here: ${KUNIT_LONG:-none})"
suite asan-kunit build/asan/hmap_kunit "${kunit_x[@]}"
echo "# ThreadSanitizer: the native cases with threads"
suite tsan build/tsan/hmap_tests -c
echo "# ThreadSanitizer: the KUnit suites"
suite tsan-kunit build/tsan/hmap_kunit "${kunit_x[@]}"

echo "# libFuzzer: ${FUZZ_TIME} s"
mkdir -p build/fuzz-corpus build/fuzz-artifacts
log=build/fuzz.log
fstart=$(date +%s)
if build/fuzz/hmap_fuzz -max_total_time="$FUZZ_TIME" -print_final_stats=1 \
	-artifact_prefix=build/fuzz-artifacts/ build/fuzz-corpus corpus \
	> "$log" 2>&1; then
	units=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	corpus_size=$(find build/fuzz-corpus -type f | wc -l)
	echo "PASS: fuzz/hmap_fuzz ($((${units:-0})) inputs, ${rate:-?} exec/s, corpus $corpus_size, $(( $(date +%s) - fstart )) s)"
	passed=$((passed + 1))
else
	grep -E 'FUZZ FAILURE|ERROR:|SUMMARY:|runtime error|WARNING:' "$log" | head -5
	artifact=$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)
	echo "FAIL: fuzz/hmap_fuzz (${artifact:-see testing/$log}; reproduce: cd testing && build/fuzz/hmap_fuzz ${artifact:-INPUT})"
	failed=$((failed + 1))
fi

echo "# make check took $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
