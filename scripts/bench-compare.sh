#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-compare.sh BASE - the in-kernel benchmark of two builds of hmap in
# one perf-guest boot: BASE (a commit) and the working tree.
#
# Both builds' hmap.ko and hmap_bench.ko are built for the perf kernel
# (scripts/bench-build.sh: BASE's own script, on BASE's files), then one
# 2-vCPU guest runs three rounds of bench-guest.sh's compare plan: each
# round loads one build's hmap.ko and benchmarks it at 10 000, 100 000
# and 1 000 000 keys (insert; lookups at 100 000; deletes at 1 000 000;
# one writer against two, growing and presized, at 1 000 000; the mixed
# workload, a thread per vCPU, at 100 000), then the other's, alternating
# which goes first. The results go to
# $HMAP_OUT/bench-compare/DATE/{base,new}/smp2 and each is reported by
# scripts/bench-report.py (hmap against rhashtable in the same boot, the
# slowest insert at 10^6 against 10^4, the host-noise probe), with the
# latency-against-index plots of scripts/bench-plot.gp.
#
# With --uml, the same in one User-Mode Linux boot of the um-perf kernel
# (scripts/bench-uml.sh --compare: four rounds, lookups at 100 000 keys
# of 8 and 32 bytes and at 1 000 000, deletes of 8-byte keys at both),
# where the core runs at the host CPU's speed: the place to measure a
# change to the single-thread paths.
#
# What it is for: a change to the core measured against what it replaces,
# in the same boot, so the host's load weighs on both alike.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavor=perf
if [ "${1:-}" = --uml ]; then
	flavor=um-perf
	shift
fi
base=${1:?usage: bench-compare.sh [--uml] BASE-COMMIT}
say() { echo "bench-compare: $*" >&2; }

start=$SECONDS
stamp=$(date +%Y%m%d-%H%M%S)
results=$HMAP_OUT/bench-compare/$stamp
base_src=$HMAP_OUT/bench-compare/base-src
base_out=$HMAP_OUT/bench-compare/base-out
mkdir -p "$results"

say "base $base: $(git -C "$HMAP_ROOT" log -1 --format='%h %s' "$base")"
rm -rf "$base_src"
mkdir -p "$base_src"
git -C "$HMAP_ROOT" archive "$base" | tar -x -C "$base_src"
kdir=$("$HMAP_ROOT/scripts/build-kernel.sh" "$flavor")
base_build=$(HMAP_OUT=$base_out "$base_src/scripts/bench-build.sh" "$flavor")
build=$("$HMAP_ROOT/scripts/bench-build.sh" "$flavor")
khz=$("$build/bench/hmap_ubench" -T)
say "host TSC: $khz kHz; load $(cut -d' ' -f1-3 /proc/loadavg)"
{
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "base=$(git -C "$HMAP_ROOT" rev-parse "$base")"
	echo "new=$(git -C "$HMAP_ROOT" describe --always --dirty)"
	echo "host_load=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$results/host.txt"

status=0
if [ "$flavor" = um-perf ]; then
	"$HMAP_ROOT/scripts/bench-uml.sh" --compare "$base_build" \
		"$results" "$khz" || status=$?
	for who in base new; do
		echo "=== $who ($(sed -n "s/^$who=//p" "$results/host.txt"))"
		python3 "$HMAP_ROOT/scripts/bench-report.py" "$results/$who" |
			tee "$results/$who/table.txt"
	done
	say "results in $results ($((SECONDS - start))s)"
	exit "$status"
fi
"$HMAP_ROOT/scripts/run-guest.sh" --flavor perf \
	--smp "2,sockets=2,cores=1,threads=1" --mem 3G --timeout 2400 \
	--name bench-compare --quiet -- \
	env BENCH_BASE="$base_build" scripts/bench-guest.sh "$build" \
	"$results" "$kdir" "$khz" compare ||
	status=$?
grep -h '^bench-guest:' "$HMAP_OUT/logs/bench-compare.log" | tr -d '\r' >&2 ||
	true
[ "$status" = 0 ] || say "guest: exit status $status"

for who in base new; do
	echo "=== $who ($(sed -n "s/^$who=//p" "$results/host.txt"))"
	python3 "$HMAP_ROOT/scripts/bench-report.py" "$results/$who" |
		tee "$results/$who/table.txt"
	if command -v gnuplot > /dev/null; then
		(cd "$results/$who" && gnuplot "$HMAP_ROOT/scripts/bench-plot.gp") ||
			say "gnuplot failed for $who"
	fi
done
say "plots: $results/{base,new}/insert-latency-smp2.png"
say "results in $results ($((SECONDS - start))s)"
exit "$status"
