#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - every hmap test; what `make check` runs.
#
#   1. static checks: checkpatch --strict on every project C file and header;
#      W=1 builds without a warning against the debug test kernel (hmap.ko
#      and the KUnit module) and against Debian 12's stock 6.1 headers;
#   2. KUnit: one guest loads hmap.ko and every kunit/*.ko, the KTAP is
#      parsed with the kernel tree's kunit_parser; each case is a test;
#   3. integration: one guest runs userspace/tests/run.sh; each TAP line is
#      a test.
# Every guest boot is a test too: its kernel log must be clean (no BUG,
# WARNING, KASAN, lockdep, kmemleak, ... see check-kernel-log.sh).
#
# Prints PASS:/FAIL:/SKIP: lines as it goes and ends with one line
# "N passed, N failed, N skipped"; exits 1 on any failure. Logs: out/logs/.
# HMAP_CHECK_TIMEOUT: seconds a guest may run (default 2400).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

pass=0 fail=0 skip=0
# Seconds each guest boot may take (the KASAN+lockdep kernel under TCG is
# slow, and the machine may be shared).
guest_timeout=${HMAP_CHECK_TIMEOUT:-2400}
logs=$HMAP_OUT/logs
results=$HMAP_OUT/check
t0=$SECONDS

# result PASS|FAIL|SKIP NAME [DETAIL...]: count and print one test; the
# detail lines (failures) are indented under it.
result() {
	local kind=$1 name=$2
	shift 2
	case "$kind" in
	PASS) pass=$((pass + 1)) ;;
	FAIL) fail=$((fail + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	esac
	echo "$kind: $name"
	[ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/      /'
}

info() { echo "check: $*"; }

summary() {
	info "total time $((SECONDS - t0))s; logs in $logs"
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit
}

# project_files: the project's files (tracked and new, not ignored, not
# out/), NUL-separated, relative to the root.
project_files() {
	local f
	{
		if git -C "$HMAP_ROOT" rev-parse --git-dir > /dev/null 2>&1; then
			git -C "$HMAP_ROOT" ls-files -z -co --exclude-standard
		else
			(cd "$HMAP_ROOT" && find . -path ./out -prune -o -type f \
				-printf '%P\0')
		fi
	} | while IFS= read -r -d '' f; do
		[ -f "$HMAP_ROOT/$f" ] && printf '%s\0' "$f"
	done
}

# copy_sources DIR: a clean copy of the project to build out of tree, so
# its objects never collide with the in-tree build the guests use.
copy_sources() {
	mkdir -p "$1"
	project_files | tar -C "$HMAP_ROOT" --null -T - -cf - | tar -xf - -C "$1"
}

# w1_build NAME KDIR LOG [MAKE ARGS...]: build a copy with W=1, expect
# neither an error nor a warning.
w1_build() {
	local name=$1 kdir=$2 log=$3 src
	shift 3
	src=$(mktemp -d "${TMPDIR:-/tmp}/hmap-w1.XXXXXX")
	copy_sources "$src"
	if make -C "$kdir" M="$src" W=1 "$@" modules > "$log" 2>&1; then
		# -i: modpost says "WARNING:".
		if grep -qi 'warning:' "$log"; then
			result FAIL "$name" "$(grep -i -A3 'warning:' "$log" |
				sed "s|$src/||g" | head -n 20)" "log: $log"
		else
			result PASS "$name"
		fi
	else
		result FAIL "$name" "$(grep -Ei -A3 'error|warning:' "$log" |
			sed "s|$src/||g" | head -n 20)" "log: $log"
	fi
	rm -rf "$src"
}

# kunit_results KTAP MODULE: parse a KTAP log with the kernel tree's
# kunit_parser; print "PASS|FAIL|SKIP<tab>suite.case<tab>detail" per case
# (a parameterized case counts once), plus a FAIL for a suite that did not
# report all its cases or a log without results.
kunit_results() {
	/usr/bin/python3 - "$ksrc/tools/testing/kunit" "$1" \
		"$logs/kunit-parser.log" "$2" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import kunit_parser, kunit_printer
from kunit_parser import TestStatus

ktap, parser_log, module = sys.argv[2], sys.argv[3], sys.argv[4]
with open(parser_log, 'a') as plog:
    kunit_printer.stdout._output = plog
    kunit_printer.stdout._use_color = False
    with open(ktap, errors='replace') as f:
        root = kunit_parser.parse_run_tests(f.readlines())

KIND = {TestStatus.SUCCESS: 'PASS', TestStatus.SKIPPED: 'SKIP'}

def emit(kind, name, detail=''):
    print(f'{kind}\t{name}\t{detail}')

def failed(t):
    return t.status not in (TestStatus.SUCCESS, TestStatus.SKIPPED)

def why(case):
    """The failed parameters and the first failure message of a case."""
    lines, params = list(case.log), []
    for sub in case.subtests:
        if failed(sub):
            params.append(sub.name)
            lines += sub.log
    lines = [l.strip() for l in lines if l.strip()]
    first = next((i for i, l in enumerate(lines) if 'FAILED at' in l), None)
    msg = lines[first:first + 5] if first is not None else lines[-3:]
    head = case.status.name
    if params:
        head += ' (' + ', '.join(params[:5]) + ')'
    return ': '.join([head] + [' | '.join(msg)] if msg else [head])

if root.status in (TestStatus.FAILURE_TO_PARSE_TESTS, TestStatus.NO_TESTS) \
        or not root.subtests:
    emit('FAIL', f'{module}: no KTAP results', f'see {ktap}')
for suite in root.subtests:
    for case in suite.subtests:
        kind = KIND.get(case.status, 'FAIL')
        if kind == 'SKIP':
            detail = ' '.join(case.log[-1:]).strip()
        else:
            detail = why(case) if kind == 'FAIL' else ''
        emit(kind, f'{suite.name}.{case.name}', detail)
    missing = (suite.expected_count or 0) - len(suite.subtests)
    if missing > 0 or suite.counts.errors or not suite.subtests:
        emit('FAIL', f'{suite.name}: suite incomplete',
             f'{suite.status.name}, {len(suite.subtests)} of '
             f'{suite.expected_count} cases reported')
EOF
}

# guest NAME TIMEOUT COMMAND: boot a debug guest quietly and run COMMAND;
# the guest's kernel log is a test of its own. Sets guest_status to
# COMMAND's exit status (the runner's own, 124 or 125, when the guest died
# before COMMAND finished).
guest() {
	local name=$1 timeout=$2 command=$3 start=$SECONDS detail runner
	rm -f "$results/$name.status"
	"$HMAP_ROOT/scripts/run-guest.sh" --name "$name" --timeout "$timeout" \
		--quiet -- "($command
); echo \$? > $results/$name.status" 2> "$logs/$name.runner.log"
	runner=$?
	guest_status=$runner
	[ ! -s "$results/$name.status" ] || guest_status=$(cat "$results/$name.status")
	info "guest $name: $((SECONDS - start))s, exit status $guest_status"
	if ! detail=$("$HMAP_ROOT/scripts/check-kernel-log.sh" "$logs/$name.log"); then
		result FAIL "guest kernel log clean: $name" "$detail"
	elif [ "$runner" = 124 ]; then
		result FAIL "guest kernel log clean: $name" \
			"guest timed out after ${timeout}s; log: $logs/$name.log"
	elif [ ! -s "$results/$name.status" ]; then
		result FAIL "guest kernel log clean: $name" \
			"$(tail -n 5 "$logs/$name.runner.log")"
	else
		result PASS "guest kernel log clean: $name"
	fi
}

# ---------------------------------------------------------------------------
mkdir -p "$logs" "$results"
# One make check per tree at a time: they share the in-tree build, out/check
# and the guests' log names.
exec 8> "$HMAP_OUT/check.lock"
if ! flock -n 8; then
	info "another make check is running in this tree; waiting for it"
	flock 8
fi
info "dependencies"
"$HMAP_ROOT/scripts/deps.sh" || { result FAIL "dependencies installed"; summary; }
info "test kernel (debug flavor)"
build=$("$HMAP_ROOT/scripts/build-kernel.sh" debug) || {
	result FAIL "debug test kernel builds"
	summary
}
info "test kernel: $build"
ksrc=$(ksrc_dir)

# 1. Static checks -----------------------------------------------------------
info "static checks"
checkpatch=$ksrc/scripts/checkpatch.pl
: > "$logs/checkpatch.log"
while IFS= read -r -d '' f; do
	out=$("$checkpatch" --strict --no-tree --color=never -f "$HMAP_ROOT/$f" 2>&1)
	printf '=== %s\n%s\n' "$f" "$out" >> "$logs/checkpatch.log"
	total=$(grep -E '^total: [0-9]+ errors' <<< "$out" | tail -n 1)
	read -r errors warnings checks < <(sed -E \
		's/^total: ([0-9]+) errors, ([0-9]+) warnings, ([0-9]+) checks.*/\1 \2 \3/' \
		<<< "$total")
	if [ -z "$total" ]; then
		result FAIL "checkpatch: $f" "checkpatch gave no summary" \
			"$(tail -n 5 <<< "$out")"
	elif [ "$errors" -eq 0 ] && [ "$warnings" -eq 0 ]; then
		[ "$checks" -eq 0 ] && note= || note=" ($checks checks)"
		result PASS "checkpatch: $f$note"
	else
		result FAIL "checkpatch: $f ($errors errors, $warnings warnings)" \
			"$(grep -E -A2 '^(ERROR|WARNING):' <<< "$out" |
				grep -v '^--$' | head -n 20 | sed "s|$HMAP_ROOT/||")"
	fi
done < <(project_files | grep -zE '\.[ch]$')

w1_build "W=1 build against the test kernel (hmap.ko, kunit/)" "$build" \
	"$logs/build-w1-test-kernel.log"

stock=$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -n 1)
if [ -n "$stock" ]; then
	# Stock headers build hmap.ko only: the KUnit suites target the test
	# kernel, so CONFIG_KUNIT is cleared for the kunit/ directory.
	w1_build "W=1 build against Debian 12 headers ($(basename "$stock"))" \
		"$stock" "$logs/build-w1-debian-headers.log" CONFIG_KUNIT=
else
	result FAIL "W=1 build against Debian 12 headers" \
		"no /usr/src/linux-headers-6.1.*-amd64 (package linux-headers-amd64)"
fi

# The in-tree build the guests load.
if make -C "$HMAP_ROOT" KDIR="$build" all > "$logs/build.log" 2>&1; then
	result PASS "make all against the test kernel"
else
	result FAIL "make all against the test kernel" \
		"$(grep -E -A3 'error' "$logs/build.log" | head -n 20)" \
		"log: $logs/build.log"
	summary
fi

# 2. KUnit --------------------------------------------------------------------
kunit_kos=()
for ko in "$HMAP_ROOT"/kunit/*.ko; do
	[ -f "$ko" ] && kunit_kos+=("${ko#"$HMAP_ROOT"/}")
done
if [ ${#kunit_kos[@]} -eq 0 ]; then
	info "no kunit/*.ko built: KUnit step skipped"
else
	info "KUnit: ${kunit_kos[*]}"
	rm -rf "$results/kunit"
	: > "$logs/kunit-parser.log"
	mkdir -p "$results/kunit"
	# Each module's KTAP document goes to its own file: dmesg is cleared
	# before each insmod (the console log keeps everything).
	guest check-kunit "$guest_timeout" "set -u
insmod hmap.ko || exit 1
status=0
for ko in ${kunit_kos[*]}; do
	dmesg -C
	insmod \$ko || { echo \"insmod \$ko failed\"; status=1; }
	dmesg -t > $results/kunit/\$(basename \$ko .ko).ktap
done
for ko in ${kunit_kos[*]}; do
	rmmod \$ko || { echo \"rmmod \$ko failed\"; status=1; }
done
rmmod hmap || status=1
exit \$status"
	if [ "$guest_status" -eq 0 ]; then
		result PASS "kunit: modules load and unload"
	else
		result FAIL "kunit: modules load and unload" \
			"exit status $guest_status; log: $logs/check-kunit.log"
	fi
	for ko in "${kunit_kos[@]}"; do
		ktap=$results/kunit/$(basename "$ko" .ko).ktap
		[ -s "$ktap" ] || ktap=$logs/check-kunit.log
		# Every KUnit case (parameterized cases as one) is one test.
		if ! parsed=$(kunit_results "$ktap" "$(basename "$ko")" \
				2>> "$logs/kunit-parser.log"); then
			result FAIL "kunit: $(basename "$ko"): KTAP parser failed" \
				"log: $logs/kunit-parser.log"
		fi
		while IFS=$'\t' read -r kind name detail; do
			[ -n "$kind" ] || continue
			result "$kind" "kunit: $name" ${detail:+"$detail"}
		done <<< "$parsed"
	done
fi

# 3. Integration tests --------------------------------------------------------
info "integration tests (userspace/tests)"
rm -f "$results/tests.tap"
guest check-tests "$guest_timeout" "set -o pipefail
userspace/tests/run.sh 2>&1 | tee $results/tests.tap"
tests_status=$guest_status
nok=0 current=
if [ -f "$results/tests.tap" ]; then
	while IFS= read -r line; do
		line=${line%$'\r'}
		if [[ $line =~ ^#\ hmap-test:\ (.*)$ ]]; then
			current=${BASH_REMATCH[1]}
		elif [[ $line =~ ^(not\ )?ok\ [0-9]+(\ -)?\ *([^#]*)(#\ *(.*))?$ ]]; then
			nok=$((nok + 1))
			desc=${BASH_REMATCH[3]} directive=${BASH_REMATCH[5]}
			desc=${desc%"${desc##*[! ]}"}	# trailing blanks
			name="$current: $desc"
			if [ -n "${BASH_REMATCH[1]}" ]; then
				result FAIL "$name"
			elif [[ ${directive^^} == SKIP* ]]; then
				why=${directive:4}
				result SKIP "$name" "${why# }"
			else
				result PASS "$name"
			fi
		fi
	done < "$results/tests.tap"
fi
if [ "$nok" -eq 0 ] || { [ "$tests_status" -ne 0 ] &&
	! grep -q '^not ok' "$results/tests.tap"; }; then
	result FAIL "integration tests ran" \
		"run.sh exit status $tests_status, $nok TAP results;" \
		"log: $logs/check-tests.log"
fi

summary
