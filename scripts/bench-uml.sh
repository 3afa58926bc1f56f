#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-uml.sh - the in-kernel benchmark (hmap against rhashtable, and the
# kernel's own test_rhashtable) in User-Mode Linux, where kernel code runs
# at the host CPU's speed instead of under QEMU's TCG. scripts/bench.sh
# calls it after its QEMU guests, so the report shows both side by side
# (the rows of guest "uml").
#
# usage: bench-uml.sh [--quick | --compare BASE] [--flavor um-perf|um-debug]
#                     RESULTS TSC_KHZ
#
#   RESULTS   directory under out/ that receives NAME.results and
#             NAME.series per benchmark, test_rhashtable.txt and env.txt,
#             the files scripts/bench-report.py reads
#   TSC_KHZ   the host's TSC rate (bench.sh measures it): UML has no cycle
#             counter, so hmap_bench reads the host's TSC with rdtsc
#   --quick   small N: checks the machinery in seconds
#   --compare BASE  another build of the modules (a directory as
#             scripts/bench-build.sh prints) against this tree's, in one
#             boot: four rounds, alternating which goes first, each loading
#             one build's hmap.ko and benchmarking it at 10 000 keys (in
#             the caches) and 100 000 (8- and 32-byte keys) and 1 000 000
#             (deletes too, with 8-byte keys, at the two larger sizes),
#             and test_rhashtable's sequence at 50 000;
#             results in RESULTS/base and
#             RESULTS/new (scripts/bench-compare.sh --uml drives it)
#   --flavor  um-perf (default) for numbers; um-debug checks the benchmark
#             under KASAN and lockdep (numbers meaningless)
#
# What UML can and cannot show: one CPU (no scaling, no concurrent
# readers), HZ=100, and a system call from user space costs ~30 us (a
# ptrace round trip), so only in-kernel benchmarks run here; the
# user-space ones (hmap_ubench, hmapctl bench) stay in the QEMU guest.
#
# Inside the guest it runs itself as
#   bench-uml.sh --guest BUILD RESULTS KDIR TSC_KHZ PLAN
# A benchmark is never a test: the exit status says only whether the
# benchmarks ran.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

say() { echo "bench-uml: $*" >&2; }

# ---- inside the UML guest --------------------------------------------------
guest_main() {
	local build=$1 results=$2 kdir=$3 khz=$4 plan=$5 failures=0
	# One benchmark failing must not stop the others.
	set +e

	fail() {
		echo "bench-uml: FAILED: $*"
		failures=$((failures + 1))
	}

	# kbench NAME PARAM=VALUE...: one load of the benchmark module.
	kbench() {
		local name=$1 start=$SECONDS
		shift
		echo "bench-uml: kbench $name: $*"
		if ! insmod "$build/bench/hmap_bench.ko" tsc_khz="$khz" \
			tag="$name" "$@"; then
			fail "insmod hmap_bench $name"
			return
		fi
		cat /sys/kernel/debug/hmap_bench/results > "$results/$name.results"
		cat /sys/kernel/debug/hmap_bench/series > "$results/$name.series"
		rmmod hmap_bench || fail "rmmod hmap_bench"
		echo "bench-uml: kbench $name: $((SECONDS - start))s"
	}

	# test_rhashtable ENTRIES RUNS: the kernel's own benchmark. It times
	# itself with ktime_get_ns(), which under UML is the host's clock, so
	# no tsc_cycles are recorded (bench-guest.sh records them for TCG,
	# whose guest clock can lag): the report then takes its times as they
	# are.
	test_rhashtable() {
		local mod=$kdir/lib/test_rhashtable.ko g0 g1
		[ -f "$mod" ] || { fail "no $mod"; return; }
		echo "bench-uml: test_rhashtable parm_entries=$1 runs=$2"
		dmesg -C
		g0=$(date +%s%N)
		if ! insmod "$mod" parm_entries="$1" runs="$2" tcount=0; then
			fail "insmod test_rhashtable"
			return
		fi
		g1=$(date +%s%N)
		{
			echo "parm_entries=$1 runs=$2 guest_ns=$((g1 - g0))"
			dmesg | grep -E 'Average test time|Duration of test|Test failed'
		} > "$results/test_rhashtable.txt"
		rmmod test_rhashtable || fail "rmmod test_rhashtable"
	}

	# compare_round R FIRST SECOND: round R of the compare plan, each
	# build (BENCH_BASE or this tree's) loaded in turn and benchmarked.
	compare_round() {
		local r=$1 b who own=$build all=$results
		shift
		for b in "$@"; do
			who=new
			[ "$b" = "$BENCH_BASE" ] && who=base
			if ! insmod "$b/hmap.ko"; then
				fail "insmod $who hmap.ko"
				continue
			fi
			build=$b results=$all/$who/uml
			mkdir -p "$results"
			cp "$all/env.txt" "$results/"
			kbench "k8v8-10k-r$r" n=10000 runs=3 \
				workloads=insert,lookup lookup_ops=400000
			kbench "k32v64-10k-r$r" n=10000 ksize=32 vsize=64 \
				runs=3 workloads=insert,lookup lookup_ops=400000
			kbench "k8v8-100k-r$r" n=100000 runs=3 \
				workloads=insert,lookup,lookup_chain,delete \
				lookup_ops=400000
			kbench "k32v64-100k-r$r" n=100000 ksize=32 vsize=64 \
				runs=3 workloads=insert,lookup lookup_ops=400000
			kbench "k8v8-1m-r$r" n=1000000 runs=1 \
				workloads=insert,lookup,lookup_chain,delete \
				lookup_ops=400000
			kbench "composite-r$r" n=50000 workloads=composite \
				runs=3
			build=$own results=$all
			rmmod hmap || fail "rmmod $who hmap.ko"
		done
	}

	mkdir -p "$results"
	{
		echo "kernel=$(uname -r)"
		echo "platform=uml"
		echo "nproc=$(nproc)"
		echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo none)"
		echo "tsc_khz=$khz"
		echo "mem_kb=$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
		echo "plan=$plan"
	} > "$results/env.txt"
	cat "$results/env.txt"

	if [ "$plan" = compare ]; then
		# Alternate which build goes first, so drift favours neither.
		for r in 1 2 3 4; do
			if [ $((r % 2)) = 1 ]; then
				compare_round "$r" "$BENCH_BASE" "$build"
			else
				compare_round "$r" "$build" "$BENCH_BASE"
			fi
		done
		echo "bench-uml: done: $failures failures"
		return "$failures"
	fi
	insmod "$build/hmap.ko" || { fail "insmod hmap"; return 1; }
	# runs=9: the report pairs hmap and rhashtable within each run and
	# takes the median of the nine ratios.
	case "$plan" in
	quick)
		kbench k8v8-2k n=2000 lookup_ops=20000 mixed_cycles=1
		kbench k8v8-2k-hsiphash n=2000 lookup_ops=20000 \
			workloads=insert,lookup,lookup_chain \
			maps=hmap,rhashtable,rhashtable_hsiphash
		kbench composite n=2000 workloads=composite runs=2
		kbench hash-k8 workloads=hash lookup_ops=100000
		test_rhashtable 2000 2
		;;
	full)
		kbench k8v8-10k n=10000 runs=9 lookup_ops=100000
		kbench k8v8-100k n=100000 runs=9 lookup_ops=200000 mixed_cycles=1
		kbench k32v64-100k n=100000 ksize=32 vsize=64 runs=9 \
			lookup_ops=200000 mixed_cycles=1
		kbench k8v8-1m n=1000000 runs=5 workloads=insert,lookup,delete \
			lookup_ops=200000
		kbench k32v64-1m n=1000000 ksize=32 vsize=64 runs=5 \
			workloads=insert,lookup,delete lookup_ops=200000
		# Lookups against rhashtable keyed with hmap's own hash
		# (hsiphash) beside its usual jhash2, and one lookup at a time
		# (lookup_chain): what the hash costs a lookup, apart from the
		# table (docs/benchmarks.md, "Lookups and the hash").
		for kv in 8:8 32:64; do
			k=${kv%:*} v=${kv#*:}
			kbench "k${k}v$v-100k-hsiphash" n=100000 ksize="$k" \
				vsize="$v" runs=5 \
				workloads=insert,lookup,lookup_chain \
				maps=hmap,rhashtable,rhashtable_hsiphash \
				lookup_ops=400000
			kbench "k${k}v$v-1m-hsiphash" n=1000000 ksize="$k" \
				vsize="$v" runs=3 \
				workloads=insert,lookup,lookup_chain \
				maps=hmap,rhashtable,rhashtable_hsiphash \
				lookup_ops=400000
		done
		kbench composite n=50000 workloads=composite runs=5
		# The hash alone, three times per key size: a lookup's part.
		for k in 8 16 32; do
			for r in 1 2 3; do
				kbench "hash-k$k-r$r" workloads=hash ksize=$k \
					lookup_ops=2000000
			done
		done
		test_rhashtable 50000 5
		;;
	*)
		fail "unknown plan $plan"
		;;
	esac
	rmmod hmap || fail "rmmod hmap"
	echo "bench-uml: done: $failures failures"
	return "$failures"
}

if [ "${1:-}" = --guest ]; then
	shift
	guest_main "$@"
	exit
fi

# ---- on the host ------------------------------------------------------------
plan=full flavor=um-perf base=
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) plan=quick; shift ;;
	--compare) plan=compare; base=$(realpath "${2:?}"); shift 2 ;;
	--flavor) flavor=${2:?}; shift 2 ;;
	-h|--help) sed -n '4,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "bench-uml: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
results=${1:?usage: bench-uml.sh [--quick] [--flavor F] RESULTS TSC_KHZ}
khz=${2:?usage: bench-uml.sh [--quick] [--flavor F] RESULTS TSC_KHZ}

# The guest writes only under out/, and runs in another directory.
results=$(realpath -m "$results")
case "$results/" in
"$(realpath -m "$HMAP_OUT")"/*) ;;
*) echo "bench-uml: RESULTS must be under $HMAP_OUT" >&2; exit 2 ;;
esac

start=$SECONDS
kdir=$("$HMAP_ROOT/scripts/build-kernel.sh" "$flavor")
say "building the modules for $kdir"
build=$("$HMAP_ROOT/scripts/bench-build.sh" "$flavor")
mkdir -p "$results"
name=bench-uml-$plan
say "UML guest ($flavor), plan $plan (log: $HMAP_OUT/logs/$name.log)"
status=0
"$HMAP_ROOT/scripts/run-uml.sh" --flavor "$flavor" --mem 3G --timeout 1800 \
	--name "$name" --quiet -- env BENCH_BASE="$base" \
	"$HMAP_ROOT/scripts/bench-uml.sh" --guest \
	"$build" "$results" "$kdir" "$khz" "$plan" || status=$?
grep -h '^bench-uml:' "$HMAP_OUT/logs/$name.log" | tr -d '\r' >&2 || true
[ "$status" = 0 ] || say "UML guest: exit status $status"
say "results in $results ($((SECONDS - start))s)"
exit "$status"
