#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - every hmap test; what `make check` runs.
#
#   1. static checks: checkpatch --strict on every project C file and header;
#      sparse (C=2) and kernel-doc -Wall on the kernel code; W=1 builds
#      without a warning against the debug test kernel (hmap.ko, the KUnit
#      module and the benchmark modules) and against Debian 12's stock 6.1
#      headers;
#   1b. without a guest: hmap_core.c built natively under sanitizers and
#      fuzzed (make -C testing check), the weak-memory checker of lookups
#      (make -C testing/wmm check), check-kernel-log.sh's verdicts on
#      made-up logs (scripts/test-check-kernel-log.sh), and the packaging
#      (scripts/check-packaging.sh); each of their PASS/FAIL lines is a
#      test;
#   2. UML, the fast tier: the um-debug kernel (User-Mode Linux with the
#      debug flavor's checkers, scripts/run-uml.sh) runs every KUnit suite
#      in one boot (the KTAP is parsed with the kernel tree's kunit_parser;
#      each case is a test, named "uml: kunit: ...") and, in a second boot,
#      every integration test that needs nothing UML lacks (tests_for_tier
#      in lib.sh: a test's "# hmap-needs:" line); each TAP line is a test;
#   3. QEMU: one debug guest (2 vCPUs) runs what needs it: the KUnit suites
#      that must race on every vCPU (qemu_kunit_glob) and the integration
#      tests UML cannot run (bpftrace, SMP);
#   4. KCSAN: the kcsan kernel flavor (built and cached like the debug one),
#      hmap.ko and the KUnit module built against it in a copy of the
#      project, and one guest that runs every KUnit suite and the
#      integration tests that race readers, writers and the evacuation
#      worker (kcsan_tests below); their results are named "kcsan: ...".
# Every guest boot is a test too: its kernel log must be clean (no BUG,
# WARNING, KASAN, KCSAN, lockdep, kmemleak, ... see check-kernel-log.sh).
#
# Prints PASS:/FAIL:/SKIP: lines as it goes and ends with one line
# "N passed, N failed, N skipped"; exits 1 on any failure. Logs: out/logs/.
# HMAP_CHECK_TIMEOUT: seconds a guest may run (default 2400).
# HMAP_CHECK_KCSAN=0: skip step 4 (one SKIP), e.g. for a quick local run;
# HMAP_CHECK_KCSAN=only: run step 4 alone.
# HMAP_CHECK_UML=0: no UML tier: the QEMU guest of step 3 runs every KUnit
# suite and every integration test (one SKIP); HMAP_CHECK_UML=only: run
# step 2 alone.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

pass=0 fail=0 skip=0
# Seconds each guest boot may take (the KASAN+lockdep kernel under TCG is
# slow, and the machine may be shared).
guest_timeout=${HMAP_CHECK_TIMEOUT:-2400}
logs=$HMAP_OUT/logs
results=$HMAP_OUT/check
# The integration tests the KCSAN guest runs: those where maps are used
# concurrently from user space. 10-ioctl: a dump while another process
# grows and shrinks the map and the background worker evacuates, and a
# signal stopping a batch (~100 s under KCSAN). Not 40-trace: its writes
# and the worker serialize on map->lock with no lockless reader among them
# (the KUnit stress suite races those), and under KCSAN it takes 8-13
# minutes, most of it bpftrace starting up.
kcsan_tests="10-ioctl.sh 60-maps.sh"
# The parts of 60-maps.sh the KCSAN guest runs: processes creating,
# destroying, opening and using named maps at once (race), a freeze against
# writes in flight, and drains.
kcsan_maps_tests="race freeze drain"
# The KUnit suites the QEMU guest runs when UML runs them all: those whose
# point is lockless readers and writers on every CPU at once (UML has one
# CPU, so there they race by preemption only): hmap_stress and
# hmap_stress_writers.
qemu_kunit_glob='hmap_stress*'
t0=$SECONDS

# result PASS|FAIL|SKIP NAME [DETAIL...]: count and print one test; the
# detail lines (failures) are indented under it. The names of the failures
# are printed again at the end (a log's tail is often all one sees).
failed=()
result() {
	local kind=$1 name=$2
	shift 2
	case "$kind" in
	PASS) pass=$((pass + 1)) ;;
	FAIL) fail=$((fail + 1)) failed+=("$name") ;;
	SKIP) skip=$((skip + 1)) ;;
	esac
	echo "$kind: $name"
	[ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/      /'
}

info() { echo "check: $*"; }

# stage NAME: start the next stage of the run; the summary says how long
# each one took.
stage_times=() stage_name='' stage_start=$SECONDS
stage() {
	[ -z "$stage_name" ] ||
		stage_times+=("$stage_name $((SECONDS - stage_start))s")
	stage_name=$1 stage_start=$SECONDS
	[ -z "$1" ] || info "$1"
}

summary() {
	stage ''
	local times
	times=$(IFS=';'; echo "${stage_times[*]}")
	info "stage times: ${times//;/; }"
	info "total time $((SECONDS - t0))s; logs in $logs"
	[ "$fail" -eq 0 ] || printf 'check: failed: %s\n' "${failed[@]}"
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit
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

# sparse_check NAME KDIR LOG: build a copy with C=2 (sparse on every
# file), expect no sparse report.
sparse_check() {
	local name=$1 kdir=$2 log=$3 src
	src=$(mktemp -d "${TMPDIR:-/tmp}/hmap-sparse.XXXXXX")
	copy_sources "$src"
	if make -C "$kdir" M="$src" C=2 modules > "$log" 2>&1; then
		if grep -E "^$src/.*: (warning|error):" "$log" > /dev/null; then
			result FAIL "$name" "$(grep -E -A2 ': (warning|error):' \
				"$log" | sed "s|$src/||g" | head -n 20)" \
				"log: $log"
		elif ! grep -q '  CHECK ' "$log"; then
			result FAIL "$name" "sparse never ran; log: $log"
		else
			result PASS "$name"
		fi
	else
		result FAIL "$name" "$(tail -n 20 "$log" | sed "s|$src/||g")"
	fi
	rm -rf "$src"
}

# kernel_doc_check NAME: the kernel tree's kernel-doc -Wall (parameters,
# return values, members) on every kernel-doc comment of the kernel code.
kernel_doc_check() {
	local name=$1 out files=()
	while IFS= read -r -d '' f; do
		files+=("$HMAP_ROOT/$f")
	done < <(project_files | grep -zE '^(hmap_[a-z]+\.[ch]|include/.*\.h|kunit/.*\.[ch])$')
	if out=$("$ksrc/scripts/kernel-doc" -none -Wall "${files[@]}" 2>&1) &&
		[ -z "$out" ]; then
		result PASS "$name (${#files[@]} files)"
	else
		result FAIL "$name" "$(head -n 20 <<< "${out//$HMAP_ROOT\//}")"
	fi
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

# guest FLAVOR NAME TIMEOUT COMMAND: boot a guest of the kernel FLAVOR
# quietly and run COMMAND (in the project for debug, in the flavor's build
# of it otherwise: see run-guest.sh); the guest's kernel log is a test of
# its own. Sets guest_status to COMMAND's exit status (the runner's own,
# 124 or 125, when the guest died before COMMAND finished).
guest() {
	local flavor=$1 name=$2 timeout=$3 command=$4 start=$SECONDS detail runner
	local boot script=run-guest.sh log_clean
	case "$flavor" in um-*) script="run-uml.sh" ;; esac
	for boot in 1 2; do
		rm -f "$results/$name.status"
		"$HMAP_ROOT/scripts/$script" --flavor "$flavor" \
			--name "$name" --timeout "$timeout" --quiet -- "($command
); echo \$? > $results/$name.status" 2> "$logs/$name.runner.log"
		runner=$?
		# 126: QEMU stalled (see run-guest.sh); one more boot. (UML
		# never returns 126.)
		[ "$runner" = 126 ] && [ "$boot" = 1 ] || break
		cp "$logs/$name.log" "$logs/$name.stalled.log"
		info "guest $name stalled under TCG (console silent, vCPUs" \
			"idle; log kept as $name.stalled.log): booting it again"
	done
	guest_status=$runner
	[ ! -s "$results/$name.status" ] || guest_status=$(cat "$results/$name.status")
	info "guest $name: $((SECONDS - start))s, exit status $guest_status"
	log_clean=1
	detail=$("$HMAP_ROOT/scripts/check-kernel-log.sh" "$logs/$name.log") ||
		log_clean=0
	# A clean log may still hold known races of the kernel's own: said.
	[ "$log_clean" = 0 ] || [ -z "$detail" ] || info "$detail"
	if [ "$log_clean" = 0 ]; then
		result FAIL "guest kernel log clean: $name" "$detail"
	elif [ "$runner" = 124 ]; then
		result FAIL "guest kernel log clean: $name" \
			"guest timed out after ${timeout}s; log: $logs/$name.log"
	elif [ "$runner" = 126 ]; then
		result FAIL "guest kernel log clean: $name" \
			"guest stalled twice under TCG; log: $logs/$name.log"
	elif [ ! -s "$results/$name.status" ]; then
		result FAIL "guest kernel log clean: $name" \
			"$(tail -n 5 "$logs/$name.runner.log")"
	else
		result PASS "guest kernel log clean: $name"
	fi
}

# kunit_modules DIR: set kunit_kos to the KUnit modules built in DIR (the
# project or a flavor's copy of it), relative to DIR.
kunit_modules() {
	local ko
	kunit_kos=()
	for ko in "$1"/kunit/*.ko; do
		[ -f "$ko" ] && kunit_kos+=("${ko#"$1"/}")
	done
}

# kunit_command DIR [GLOB]: guest commands that load hmap.ko and every
# module of kunit_kos (paths relative to the guest's working directory),
# then unload them; each module's KTAP document goes to DIR/MODULE.ktap
# (dmesg is cleared before each insmod; the console log keeps everything).
# With GLOB, only the suites and cases it matches run (kunit's filter_glob;
# printf, not echo: a newline would become part of the glob).
# Exits non-zero when a module does not load or unload.
kunit_command() {
	local filter=''
	[ -z "${2:-}" ] ||
		filter="printf %s '$2' > /sys/module/kunit/parameters/filter_glob || exit 1"
	cat <<EOF
set -u
$filter
insmod hmap.ko || exit 1
status=0
for ko in ${kunit_kos[*]}; do
	dmesg -C
	insmod \$ko || { echo "insmod \$ko failed"; status=1; }
	dmesg -t > $1/\$(basename \$ko .ko).ktap
done
for ko in ${kunit_kos[*]}; do
	rmmod \$ko || { echo "rmmod \$ko failed"; status=1; }
done
rmmod hmap || status=1
exit \$status
EOF
}

# kunit_report PREFIX DIR STATUS GUESTLOG: the results of kunit_command's
# run (its exit status STATUS, the KTAP files in DIR, or the whole console
# log GUESTLOG where a module left none): each KUnit case (parameterized
# cases as one) is one test, named PREFIX"kunit: suite.case".
kunit_report() {
	local prefix=$1 dir=$2 status=$3 guestlog=$4 ko ktap parsed kind name detail
	if [ "$status" -eq 0 ]; then
		result PASS "${prefix}kunit: modules load and unload"
	else
		result FAIL "${prefix}kunit: modules load and unload" \
			"exit status $status; log: $guestlog"
	fi
	for ko in "${kunit_kos[@]}"; do
		ktap=$dir/$(basename "$ko" .ko).ktap
		[ -s "$ktap" ] || ktap=$guestlog
		if ! parsed=$(kunit_results "$ktap" "$(basename "$ko")" \
				2>> "$logs/kunit-parser.log"); then
			result FAIL "${prefix}kunit: $(basename "$ko"): KTAP parser failed" \
				"log: $logs/kunit-parser.log"
		fi
		while IFS=$'\t' read -r kind name detail; do
			[ -n "$kind" ] || continue
			result "$kind" "${prefix}kunit: $name" ${detail:+"$detail"}
		done <<< "$parsed"
	done
}

# tap_report PREFIX TAP STATUS GUESTLOG: the results of a run.sh run (its
# TAP output in the file TAP, its exit status STATUS): each TAP line is one
# test, named PREFIX"FILE: description"; a run that printed no result, or
# failed without a "not ok", fails PREFIX"integration tests ran".
tap_report() {
	local prefix=$1 tap=$2 status=$3 guestlog=$4 nok=0 current='' line \
		desc directive name why
	if [ -f "$tap" ]; then
		while IFS= read -r line; do
			line=${line%$'\r'}
			if [[ $line =~ ^#\ hmap-test:\ (.*)$ ]]; then
				current=${BASH_REMATCH[1]}
			elif [[ $line =~ ^(not\ )?ok\ [0-9]+(\ -)?\ *([^#]*)(#\ *(.*))?$ ]]; then
				nok=$((nok + 1))
				desc=${BASH_REMATCH[3]} directive=${BASH_REMATCH[5]}
				desc=${desc%"${desc##*[! ]}"}	# trailing blanks
				name="$prefix$current: $desc"
				if [ -n "${BASH_REMATCH[1]}" ]; then
					result FAIL "$name"
				elif [[ ${directive^^} == SKIP* ]]; then
					why=${directive:4}
					result SKIP "$name" "${why# }"
				else
					result PASS "$name"
				fi
			fi
		done < "$tap"
	fi
	if [ "$nok" -eq 0 ] || { [ "$status" -ne 0 ] &&
		! grep -q '^not ok' "$tap"; }; then
		result FAIL "${prefix}integration tests ran" \
			"run.sh exit status $status, $nok TAP results;" \
			"log: $guestlog"
	fi
}

# uml_stage: step 2, the fast tier in User-Mode Linux: every KUnit suite
# in one boot of the um-debug kernel, the integration tests that need
# nothing UML lacks in another. Their results are named "uml: ...".
uml_stage() {
	local kbuild kdir
	stage "test kernel (um-debug flavor, User-Mode Linux)"
	kbuild=$("$HMAP_ROOT/scripts/build-kernel.sh" um-debug) || {
		result FAIL "uml: um-debug test kernel builds"
		return
	}
	info "test kernel: $kbuild"
	if kdir=$(flavor_build um-debug "$kbuild" "$logs/build-um-debug.log"); then
		# -i: modpost says "WARNING:".
		if grep -qi 'warning:' "$logs/build-um-debug.log"; then
			result FAIL "uml: hmap.ko and kunit/ build against the um-debug kernel" \
				"$(grep -i -A3 'warning:' "$logs/build-um-debug.log" |
					head -n 20)" "log: $logs/build-um-debug.log"
		else
			result PASS "uml: hmap.ko and kunit/ build against the um-debug kernel"
		fi
	else
		result FAIL "uml: hmap.ko and kunit/ build against the um-debug kernel" \
			"$(grep -E -A3 'error' "$logs/build-um-debug.log" | head -n 20)" \
			"log: $logs/build-um-debug.log"
		return
	fi
	kunit_modules "$kdir"
	stage "UML: KUnit: ${kunit_kos[*]}"
	rm -rf "$results/uml-kunit"
	mkdir -p "$results/uml-kunit"
	guest um-debug check-uml-kunit "$guest_timeout" \
		"$(kunit_command "$results/uml-kunit")"
	kunit_report "uml: " "$results/uml-kunit" "$guest_status" \
		"$logs/check-uml-kunit.log"
	stage "UML: integration tests"
	info "in UML: $uml_tests"
	rm -f "$results/uml-tests.tap"
	guest um-debug check-uml-tests "$guest_timeout" "set -o pipefail
HMAP_TESTS='$uml_tests' userspace/tests/run.sh 2>&1 | tee $results/uml-tests.tap"
	tap_report "uml: " "$results/uml-tests.tap" "$guest_status" \
		"$logs/check-uml-tests.log"
}

# kcsan_stage: step 4, the same code under the Kernel Concurrency
# Sanitizer (see scripts/kernel/kcsan.config for what is instrumented, and
# why). A KCSAN report fails "guest kernel log clean: check-kcsan".
kcsan_stage() {
	local kbuild kdir tests_status kunit_status
	if [ "${HMAP_CHECK_KCSAN:-1}" = 0 ]; then
		result SKIP "kcsan: KCSAN stage" "HMAP_CHECK_KCSAN=0"
		return
	fi
	stage "test kernel (kcsan flavor)"
	kbuild=$("$HMAP_ROOT/scripts/build-kernel.sh" kcsan) || {
		result FAIL "kcsan: test kernel builds"
		return
	}
	info "test kernel: $kbuild"
	stage "KCSAN: modules and guest"
	if kdir=$(flavor_build kcsan "$kbuild" "$logs/build-kcsan.log"); then
		result PASS "kcsan: hmap.ko and kunit/ build against the kcsan kernel"
	else
		result FAIL "kcsan: hmap.ko and kunit/ build against the kcsan kernel" \
			"$(grep -E -A3 'error' "$logs/build-kcsan.log" | head -n 20)" \
			"log: $logs/build-kcsan.log"
		return
	fi
	kunit_modules "$kdir"
	rm -rf "$results/kcsan-kunit" "$results/kcsan-kunit.status" \
		"$results/kcsan.tap" "$results/kcsan-debugfs.txt"
	mkdir -p "$results/kcsan-kunit"
	# One guest with all its vCPUs: the KUnit suites (the stress suite runs a
	# lockless reader on every CPU), then the concurrent integration tests,
	# then KCSAN's own counters.
	guest kcsan check-kcsan "$guest_timeout" "($(kunit_command "$results/kcsan-kunit")
) ; echo \$? > $results/kcsan-kunit.status
set -o pipefail
HMAP_TESTS='$kcsan_tests' HMAP_MAPS_TESTS='$kcsan_maps_tests' \
	userspace/tests/run.sh 2>&1 | tee $results/kcsan.tap
status=\$?
cat /sys/kernel/debug/kcsan > $results/kcsan-debugfs.txt
exit \$status"
	tests_status=$guest_status
	kunit_status=$(cat "$results/kcsan-kunit.status" 2>/dev/null || echo "$guest_status")
	kunit_report "kcsan: " "$results/kcsan-kunit" "$kunit_status" "$logs/check-kcsan.log"
	tap_report "kcsan: " "$results/kcsan.tap" "$tests_status" "$logs/check-kcsan.log"
	kcsan_watch_result "$results/kcsan-debugfs.txt" "$logs/check-kcsan.log"
}

# kcsan_watch_result DEBUGFS LOG: a test that KCSAN was enabled and set up
# watchpoints during the run (DEBUGFS: /sys/kernel/debug/kcsan at its end),
# and that every data race it counted is reported in the console log LOG.
# A KCSAN that is off reports nothing, and the run would pass: allnoconfig,
# under the flavor's fragment, turns KCSAN_EARLY_ENABLE off unless the
# fragment sets it. KCSAN itself leaves one kind of race unreported: a
# thread that finds a watchpoint but loses it (another thread consumed it,
# or its watcher gave it up first) counts the race in data_races and in
# report_races, and prints nothing, leaving the report to the other side,
# which may have none to make ("only one will be reported",
# kernel/kcsan/kcsan.h). Those are said, not failed: no one can see what
# they were about. Seen once in a clean run: 1 race, 1 report race, no
# report.
kcsan_watch_result() {
	local name="kcsan: KCSAN was on, watching, and reported every race" \
		enabled setup races lost reports
	if [ ! -s "$1" ]; then
		result FAIL "$name" "no KCSAN counters (${1#"$HMAP_OUT"/}): the guest did not finish"
		return
	fi
	enabled=$(sed -n 's/^enabled: //p' "$1")
	setup=$(sed -n 's/^setup_watchpoints: //p' "$1")
	races=$(sed -n 's/^data_races: //p' "$1")
	lost=$(sed -n 's/^report_races: //p' "$1")
	reports=$(tr -d '\r' < "$2" | grep -c 'BUG: KCSAN:')
	info "KCSAN: enabled ${enabled:-?}, ${setup:-?} watchpoints set up," \
		"${races:-?} data races counted, $reports reported," \
		"${lost:-?} left to another thread's report"
	if [ "$enabled" != 1 ] || [ "${setup:-0}" -eq 0 ]; then
		result FAIL "$name" "KCSAN was off or never watched:" \
			"$(head -n 10 "$1")"
	elif [ "$((${races:-0} - ${lost:-0}))" -gt 0 ] && [ "$reports" -eq 0 ]; then
		result FAIL "$name" "$races data races counted, none in $2"
	else
		result PASS "$name"
	fi
}

# native_suite PREFIX LOG COMMAND...: run a suite that prints its own
# PASS:/FAIL:/SKIP: lines (testing/, testing/wmm/, check-packaging.sh) and
# count each line as a test named PREFIX + its name; a suite that fails
# without a FAIL line, or prints no result, is a failure of its own.
native_suite() {
	local prefix=$1 log=$2 status nres=0 nfail=0 kind name
	shift 2
	"$@" > "$log" 2>&1
	status=$?
	while IFS= read -r line; do
		[[ $line =~ ^(PASS|FAIL|SKIP):\ (.*)$ ]] || continue
		kind=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]}
		nres=$((nres + 1))
		if [ "$kind" = FAIL ]; then
			nfail=$((nfail + 1))
			result FAIL "$prefix$name" "log: $log"
		else
			result "$kind" "$prefix$name"
		fi
	done < "$log"
	if [ "$nres" -eq 0 ] || { [ "$status" -ne 0 ] && [ "$nfail" -eq 0 ]; }; then
		result FAIL "${prefix}suite ran" \
			"exit status $status, $nres results; log: $log" \
			"$(tail -n 5 "$log")"
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
stage "dependencies"
"$HMAP_ROOT/scripts/deps.sh" || { result FAIL "dependencies installed"; summary; }
ksrc=$(ksrc_dir)
if [ "${HMAP_CHECK_KCSAN:-1}" = only ]; then
	kcsan_stage
	summary
fi
# Which tier runs which integration test (see tests_for_tier in lib.sh).
uml=${HMAP_CHECK_UML:-1}
if ! uml_tests=$(tests_for_tier uml) || ! qemu_tests=$(tests_for_tier qemu); then
	result FAIL "integration tests declare what they need (hmap-needs)"
	summary
fi
if [ "$uml" = only ]; then
	uml_stage
	summary
fi
stage "test kernel (debug flavor)"
build=$("$HMAP_ROOT/scripts/build-kernel.sh" debug) || {
	result FAIL "debug test kernel builds"
	summary
}
info "test kernel: $build"

# 1. Static checks -----------------------------------------------------------
# checkpatch gates the kernel code and the user-space programs that ship;
# testing/ is user space standing in for the kernel (it defines
# EXPORT_SYMBOL and friends away, as tools/testing/ does) and is held to
# its own bar: -Wall -Wextra -Werror under the sanitizers.
stage "static checks and builds"
checkpatch=$ksrc/scripts/checkpatch.pl
: > "$logs/checkpatch.log"
while IFS= read -r -d '' f; do
	# The UAPI header's X-macro lists (HMAP_RESIZING_KINDS,
	# HMAP_STATS_FIELDS, like bpf.h's __BPF_FUNC_MAPPER) are sequences of
	# calls that cannot be parenthesized: COMPLEX_MACRO is ignored there.
	ignore=()
	[ "$f" = include/uapi/linux/hmap.h ] && ignore=(--ignore COMPLEX_MACRO)
	out=$("$checkpatch" --strict --no-tree --color=never "${ignore[@]}" \
		-f "$HMAP_ROOT/$f" 2>&1)
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
done < <(project_files | grep -zE '\.[ch]$' | grep -zv '^testing/')

w1_build "W=1 build against the test kernel (hmap.ko, kunit/)" "$build" \
	"$logs/build-w1-test-kernel.log"

sparse_check "sparse (C=2) on hmap.ko and the KUnit module" "$build" \
	"$logs/sparse.log"
kernel_doc_check "kernel-doc -Wall on the kernel code and the UAPI header"
# The benchmark modules are built by "make bench" only; build them here
# too (W=1, against the debug kernel) so an API change cannot break them.
if "$HMAP_ROOT/scripts/bench-build.sh" debug > /dev/null \
	2> "$logs/bench-build.err"; then
	if grep -qi 'warning:' "$HMAP_OUT/bench-build/debug/build.log"; then
		result FAIL "W=1 build of the benchmarks (bench/)" \
			"$(grep -i -A3 'warning:' \
				"$HMAP_OUT/bench-build/debug/build.log" | head -n 20)"
	else
		result PASS "W=1 build of the benchmarks (bench/)"
	fi
else
	result FAIL "W=1 build of the benchmarks (bench/)" \
		"$(tail -n 20 "$logs/bench-build.err")"
fi

stock=$(printf '%s\n' /usr/src/linux-headers-6.1.*-amd64 | sort -V | tail -n 1)
if [ -d "$stock" ]; then
	# Stock headers build hmap.ko only: the KUnit suites target the test
	# kernel, so CONFIG_KUNIT is cleared for the kunit/ directory.
	w1_build "W=1 build against Debian 12 headers ($(basename "$stock"))" \
		"$stock" "$logs/build-w1-debian-headers.log" CONFIG_KUNIT=
else
	result FAIL "W=1 build against Debian 12 headers" \
		"no /usr/src/linux-headers-6.1.*-amd64 (package linux-headers-amd64)"
fi

# 1b. Without a guest: the core built natively, and the packaging ----------
stage "native: testing/ (ASan+UBSan, TSan, fuzz)"
native_suite "native: " "$logs/testing.log" make -C "$HMAP_ROOT/testing" check
stage "native: testing/wmm (weak-memory checker)"
native_suite "wmm: " "$logs/testing-wmm.log" make -C "$HMAP_ROOT/testing/wmm" check
stage "the kernel-log verdict"
native_suite "kernel log: " "$logs/check-kernel-log-test.log" \
	"$HMAP_ROOT/scripts/test-check-kernel-log.sh"
stage "packaging"
native_suite "packaging: " "$logs/packaging.log" \
	"$HMAP_ROOT/scripts/check-packaging.sh"

# The in-tree build the guests load.
if make -C "$HMAP_ROOT" KDIR="$build" all > "$logs/build.log" 2>&1; then
	result PASS "make all against the test kernel"
else
	result FAIL "make all against the test kernel" \
		"$(grep -E -A3 'error' "$logs/build.log" | head -n 20)" \
		"log: $logs/build.log"
	summary
fi

: > "$logs/kunit-parser.log"

# 2. UML: KUnit and the integration tests that need nothing UML lacks -------
if [ "$uml" = 0 ]; then
	result SKIP "uml: the UML tier" "HMAP_CHECK_UML=0: the QEMU guest runs everything"
	qemu_kunit_glob='' qemu_tests=''
else
	uml_stage
fi

# 3. QEMU: what needs SMP, bpftrace or x86 (everything without UML) -----------
# One debug guest: the KUnit suites of qemu_kunit_glob (all without UML),
# then the integration tests of qemu_tests (all without UML).
kunit_modules "$HMAP_ROOT"
if [ ${#kunit_kos[@]} -eq 0 ]; then
	info "no kunit/*.ko built: KUnit step skipped"
fi
stage "QEMU: debug guest"
info "in QEMU: KUnit ${qemu_kunit_glob:-(every suite)}; tests ${qemu_tests:-(every test)}"
rm -rf "$results/kunit" "$results/kunit.status" "$results/tests.tap"
mkdir -p "$results/kunit"
# (An empty HMAP_TESTS means every test: with UML and no test for QEMU,
# the guest runs none.)
run_tests=1
[ "$uml" = 0 ] || [ -n "$qemu_tests" ] || run_tests=0
guest_command=true
[ "$run_tests" = 0 ] || guest_command="set -o pipefail
HMAP_TESTS='$qemu_tests' userspace/tests/run.sh 2>&1 | tee $results/tests.tap"
if [ ${#kunit_kos[@]} -gt 0 ]; then
	guest_command="($(kunit_command "$results/kunit" "$qemu_kunit_glob")
) ; echo \$? > $results/kunit.status
$guest_command"
fi
guest debug check-qemu "$guest_timeout" "$guest_command"
tests_status=$guest_status
if [ ${#kunit_kos[@]} -gt 0 ]; then
	kunit_status=$(cat "$results/kunit.status" 2>/dev/null || echo "$guest_status")
	kunit_report "" "$results/kunit" "$kunit_status" "$logs/check-qemu.log"
fi
[ "$run_tests" = 0 ] ||
	tap_report "" "$results/tests.tap" "$tests_status" "$logs/check-qemu.log"

# 3b. The module as DKMS builds it from the Debian package, loaded in a
#     guest and driven with the packaged hmapctl.
stage "DKMS-built module in a guest"
native_suite "dkms guest: " "$logs/dkms-guest.out" \
	"$HMAP_ROOT/scripts/check-dkms-guest.sh"

# 4. KCSAN --------------------------------------------------------------------
kcsan_stage

summary
