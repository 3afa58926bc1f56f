#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh - "make bench": hmap against its peers, side by side in the same
# guest boot, on the perf kernel flavor (no debug options).
#
# usage: bench.sh [--quick] [--no-smp1] [--no-uml] [--docs] [--flavor F]
#
#   --quick     small N in one guest: checks the machinery in ~2 minutes
#   --no-smp1   skip the second, single-vCPU guest
#   --no-uml    skip the User-Mode Linux run (scripts/bench-uml.sh)
#   --docs      also copy the table and the main plots to docs/bench/, for
#               docs/benchmarks.md
#   --flavor F  kernel flavor (default perf; debug checks the benchmark
#               itself under KASAN and lockdep, numbers meaningless); the
#               UML run uses um-F
#
# Steps: build the kernel flavor if needed, build hmap.ko, the benchmark
# module and the user-space benchmark for it (scripts/bench-build.sh),
# measure the host's TSC rate, boot a 2-vCPU guest and a 1-vCPU guest that
# run scripts/bench-guest.sh, then the in-kernel benchmark at native speed
# in User-Mode Linux (scripts/bench-uml.sh, the report's guest "uml"),
# then write $HMAP_OUT/bench/DATE/ (and the
# link $HMAP_OUT/bench/latest): the raw outputs, results.csv, results.json,
# table.txt and the PNG plots, and print the table.
#
# A benchmark is never a test: the exit status says only whether the
# benchmarks ran, not whether hmap won.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quick=0 smp1=1 uml=1 docs=0 flavor=perf
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1; shift ;;
	--no-smp1) smp1=0; shift ;;
	--no-uml) uml=0; shift ;;
	--docs) docs=1; shift ;;
	--flavor) flavor=${2:?}; shift 2 ;;
	-h|--help) sed -n '4,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown option $1" >&2; exit 2 ;;
	esac
done

say() { echo "bench: $*" >&2; }

start=$SECONDS
kdir=$("$HMAP_ROOT/scripts/build-kernel.sh" "$flavor")
say "building the modules and hmap_ubench for $kdir"
build=$("$HMAP_ROOT/scripts/bench-build.sh" "$flavor")

# The guest's TSC runs at the host's rate under TCG (QEMU reads the host's).
khz=$("$build/bench/hmap_ubench" -T)
say "host TSC: $khz kHz"

stamp=$(date +%Y%m%d-%H%M%S)
results=$HMAP_OUT/bench/$stamp
mkdir -p "$results"
ln -sfn "$stamp" "$HMAP_OUT/bench/latest"
{
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "flavor=$flavor"
	echo "kdir=$kdir"
	echo "host_cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	echo "host_cpus=$(nproc)"
	echo "host_load=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "qemu=$(qemu-system-x86_64 --version | head -n1)"
	echo "commit=$(git -C "$HMAP_ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
} > "$results/host.txt"

# guest NAME SMP PLAN TIMEOUT
guest() {
	local name=$1 smp=$2 plan=$3 timeout=$4 status=0
	say "guest $name: $smp vCPU, plan $plan (log: $HMAP_OUT/logs/bench-$name.log)"
	# sockets=N: QEMU >= 7 puts -smp N's vCPUs in one socket, and
	# SeaBIOS's MP table (no ACPI in the test kernels) then lists only the
	# first, so the guest would boot with one CPU.
	"$HMAP_ROOT/scripts/run-guest.sh" --flavor "$flavor" \
		--smp "$smp,sockets=$smp,cores=1,threads=1" --mem 3G \
		--timeout "$timeout" --name "bench-$name" --quiet -- \
		scripts/bench-guest.sh "$build" "$results/$name" "$kdir" \
		"$khz" "$plan" || status=$?
	grep -h '^bench-guest:' "$HMAP_OUT/logs/bench-$name.log" |
		tr -d '\r' >&2 || true
	[ "$status" = 0 ] || say "guest $name: exit status $status"
	return 0
}

if [ "$quick" = 1 ]; then
	guest smp2 2 quick 600
else
	guest smp2 2 smp2 1200
	[ "$smp1" = 0 ] || guest smp1 1 smp1 900
fi

if [ "$uml" = 1 ]; then
	uml_args=(--flavor "um-$flavor")
	[ "$quick" = 0 ] || uml_args+=(--quick)
	"$HMAP_ROOT/scripts/bench-uml.sh" "${uml_args[@]}" "$results/uml" \
		"$khz" || say "the UML run failed (see above)"
fi

python3 "$HMAP_ROOT/scripts/bench-report.py" "$results" |
	tee "$results/table.txt"
if command -v gnuplot > /dev/null; then
	(cd "$results" && gnuplot "$HMAP_ROOT/scripts/bench-plot.gp") ||
		say "gnuplot failed"
	for png in "$results"/*.png; do
		[ -e "$png" ] && say "plot: $png"
	done
else
	say "no gnuplot: no plots"
fi
if [ "$docs" = 1 ]; then
	mkdir -p "$HMAP_ROOT/docs/bench"
	cp "$results"/insert-latency-*.png "$results"/throughput-*.png \
		"$results"/ubench-k16v64.png "$results/table.txt" \
		"$HMAP_ROOT/docs/bench/"
	say "copied the plots and table to docs/bench/"
fi
say "results in $results ($((SECONDS - start))s)"
