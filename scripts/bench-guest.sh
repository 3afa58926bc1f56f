#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-guest.sh - the part of "make bench" that runs inside the guest.
# scripts/bench.sh boots a perf-flavor guest with run-guest.sh and runs:
#
#   bench-guest.sh BUILD RESULTS KDIR TSC_KHZ PLAN
#
# BUILD    what scripts/bench-build.sh printed (hmap.ko, bench/hmap_bench.ko,
#          bench/hmap_ubench)
# RESULTS  directory under out/ (shared read-write with the host) that
#          receives one NAME.results and NAME.series per benchmark, the
#          user-space outputs and env.txt
# KDIR     the kernel build, for lib/test_rhashtable.ko
# TSC_KHZ  the TSC rate the host measured (see hmap_bench.c: the guest's
#          own calibration often fails under TCG)
# PLAN     which benchmarks: smp2, smp1 (full runs) or quick (small N, to
#          check the machinery); or compare: scripts/bench-compare.sh's
#          rounds of the in-kernel benchmark with two builds of hmap, the
#          other one's directory in $BENCH_BASE, into RESULTS/base/smp2
#          and RESULTS/new/smp2
#
# A benchmark that fails is reported and the others still run; the exit
# status is the number of failures.
set -u

build=${1:?} results=${2:?} kdir=${3:?} khz=${4:?} plan=${5:?}
failures=0
mkdir -p "$results"

say() { echo "bench-guest: $*"; }

fail() {
	say "FAILED: $*"
	failures=$((failures + 1))
}

# kbench NAME PARAM=VALUE...: one load of the in-kernel benchmark module.
kbench() {
	local name=$1 start=$SECONDS
	shift
	say "kbench $name: $*"
	if ! insmod "$build/bench/hmap_bench.ko" tsc_khz="$khz" tag="$name" "$@"; then
		fail "insmod hmap_bench $name"
		return
	fi
	cat /sys/kernel/debug/hmap_bench/results > "$results/$name.results"
	cat /sys/kernel/debug/hmap_bench/series > "$results/$name.series"
	rmmod hmap_bench || fail "rmmod hmap_bench"
	say "kbench $name: $((SECONDS - start))s"
}

# test_rhashtable ENTRIES RUNS: the kernel's own rhashtable benchmark.
test_rhashtable() {
	local mod=$kdir/lib/test_rhashtable.ko start=$SECONDS
	if [ ! -f "$mod" ]; then
		fail "no $mod"
		return
	fi
	local c0 c1 g0 g1
	say "test_rhashtable parm_entries=$1 runs=$2"
	dmesg -C
	# It times itself with ktime_get_ns(), which runs on the guest's
	# clocksource: when that is jiffies (TSC calibration failed), guest
	# time under TCG can run well behind real time. Record both clocks
	# around it so the report can scale its numbers to real time.
	c0=$("$build/bench/hmap_ubench" -C)
	g0=$(date +%s%N)
	if ! insmod "$mod" parm_entries="$1" runs="$2" tcount=0; then
		fail "insmod test_rhashtable"
		return
	fi
	g1=$(date +%s%N)
	c1=$("$build/bench/hmap_ubench" -C)
	{
		echo "parm_entries=$1 runs=$2 tsc_cycles=$((c1 - c0)) guest_ns=$((g1 - g0))"
		dmesg | grep -E 'Average test time|Duration of test|Test failed'
	} > "$results/test_rhashtable.txt"
	rmmod test_rhashtable || fail "rmmod test_rhashtable"
	say "test_rhashtable: $((SECONDS - start))s"
}

# ubench NAME ARGS...: /dev/hmap vs. BPF hash maps from user space.
ubench() {
	local name=$1 start=$SECONDS
	shift
	say "ubench $name: $*"
	"$build/bench/hmap_ubench" -t "$khz" "$@" > "$results/$name.ubench" ||
		fail "hmap_ubench $name"
	say "ubench $name: $((SECONDS - start))s"
}

# hmapctl bench, if the tree has it, for its own view of the same calls.
hmapctl_bench() {
	local ctl=$build/userspace/hmapctl
	[ -x "$ctl" ] || { say "no $ctl: skipping hmapctl bench"; return; }
	"$ctl" bench "$@" -j > "$results/hmapctl-bench.json" ||
		fail "hmapctl bench"
}

# dump_contention N OPS: can read-only users slow writers? A writer's
# one-ioctl puts (hmapctl bench, OPS of them) on a map of N keys, alone and
# while two unprivileged processes ("nobody", the device made 0644 for
# them) dump the whole map in a loop. A dump holds the writer lock for one
# bucket range at a time; the ratio of the two runs' p99 and max is the
# cost readers impose on writers.
dump_contention() {
	local ctl=$build/userspace/hmapctl n=$1 ops=$2 pids=() reader
	[ -x "$ctl" ] || { say "no $ctl: skipping dump contention"; return; }
	say "dump contention: $n keys, $ops puts"
	"$ctl" clear && "$ctl" fill -q -p dc- "$n" ||
		{ fail "dump contention: fill $n"; return; }
	"$ctl" bench -n "$ops" -m single -j \
		> "$results/dump-contention-alone.json" ||
		fail "dump contention: bench alone"
	chmod 0644 /dev/hmap
	# Each reader prints how many whole dumps it made when it is stopped.
	for reader in 1 2; do
		say "dump contention: reader $reader starts"
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
			sh -c "n=0; trap 'echo \$n; exit' TERM
				while '$ctl' dump > /dev/null; do n=\$((n + 1)); done
				echo \$n" \
			> "$results/dump-contention-reader$reader.count" &
		pids+=($!)
	done
	sleep 2
	"$ctl" bench -n "$ops" -m single -j \
		> "$results/dump-contention-dumping.json" ||
		fail "dump contention: bench with dumps"
	kill "${pids[@]}" 2> /dev/null
	wait "${pids[@]}" 2> /dev/null
	chmod 0600 /dev/hmap
	"$ctl" clear
}

# compare_round R FIRST SECOND: round R of the compare plan, each build
# (a directory as BUILD is) run in turn: its hmap.ko loaded, then the
# in-kernel benchmark once at each size. Results go to RESULTS/WHO/smp2,
# WHO being base for $BENCH_BASE and new for BUILD.
compare_round() {
	local r=$1 b who own=$build all=$results
	shift
	for b in "$@"; do
		who=new
		[ "$b" = "$BENCH_BASE" ] && who=base
		rmmod hmap 2> /dev/null
		insmod "$b/hmap.ko" || { fail "insmod $who hmap.ko"; continue; }
		build=$b results=$all/$who/smp2
		mkdir -p "$results"
		cp "$all/env.txt" "$results/"
		kbench "k8v8-10k-r$r" n=10000 runs=1 workloads=insert
		kbench "k8v8-100k-r$r" n=100000 runs=1 workloads=insert,lookup \
			lookup_ops=200000
		kbench "k8v8-1m-r$r" n=1000000 runs=1 workloads=insert,delete
		# One writer against one per vCPU, growing and presized.
		kbench "writers-1m-r$r" n=1000000 runs=1 \
			workloads=writers,writers_presized
		# Lookups and writes on every vCPU, the map swinging in size.
		kbench "mixed-100k-r$r" n=100000 runs=1 workloads=mixed
		build=$own results=$all
	done
	rmmod hmap || fail "rmmod hmap after round $r"
	insmod "$build/hmap.ko" max_entries=4194304 || fail "insmod hmap"
}

{
	echo "kernel=$(uname -r)"
	echo "nproc=$(nproc)"
	echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	echo "tsc_khz=$khz"
	echo "mem_kb=$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
	echo "plan=$plan"
} > "$results/env.txt"
cat "$results/env.txt"

# /dev/hmap for the user-space benchmarks: room for their keys.
insmod "$build/hmap.ko" max_entries=4194304 || { fail "insmod hmap"; exit 1; }

# runs=3: each configuration three times, the map order alternating; the
# report takes the median. Timings are for TCG on a shared 2-core host.
case "$plan" in
quick)
	kbench k8v8-2k n=2000 lookup_ops=20000 mixed_cycles=1
	kbench composite n=2000 workloads=composite runs=2
	test_rhashtable 2000 2
	ubench k16v64 -n 2000 -k 16 -s 64
	dump_contention 20000 2000
	;;
smp2)
	kbench k8v8-10k n=10000 runs=3 lookup_ops=100000
	kbench k8v8-100k n=100000 runs=3 lookup_ops=200000 mixed_cycles=1
	kbench k32v64-100k n=100000 ksize=32 vsize=64 runs=3 \
		lookup_ops=200000 mixed_cycles=1
	kbench k8v8-1m n=1000000 runs=3 workloads=insert,lookup,delete \
		lookup_ops=200000
	# One writer against one per vCPU, disjoint keys (hmap_bench.c),
	# into growing and into presized maps.
	kbench writers-1m n=1000000 runs=3 workloads=writers,writers_presized
	kbench composite n=50000 workloads=composite runs=3
	test_rhashtable 50000 3
	ubench k16v64 -n 100000 -k 16 -s 64 -r 3
	ubench k8v8 -n 100000 -k 8 -s 8 -r 3
	hmapctl_bench -n 100000 -k 16 -s 64
	dump_contention 200000 20000
	;;
compare)
	# Alternate which build goes first, so drift favours neither.
	for r in 1 2 3; do
		if [ $((r % 2)) = 1 ]; then
			compare_round "$r" "$BENCH_BASE" "$build"
		else
			compare_round "$r" "$build" "$BENCH_BASE"
		fi
	done
	;;
smp1)
	kbench k8v8-10k n=10000 runs=3 workloads=insert,delete
	kbench k8v8-100k n=100000 runs=3 lookup_ops=200000 mixed_cycles=1
	kbench k8v8-1m n=1000000 runs=3 workloads=insert,delete
	;;
*)
	fail "unknown plan $plan"
	;;
esac

rmmod hmap || fail "rmmod hmap"
say "done: $failures failures"
exit "$failures"
