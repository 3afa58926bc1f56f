#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs every peer on every configuration and size, one process per
# (configuration, size, peer), peers interleaved so that a change in the
# machine's load hits all of them alike; then profiles hmap's lookups and
# writes the report. Called by `make -C bench/native run`, which builds
# the binaries first and sets BUILD and OUT.
#
# Knobs (environment): SIZES, CONFIGS ("KSIZE/VSIZE ..."), PEERS, REPS,
# MIN_OPS, SECS, FULL=1 (adds N = 10^7), PERF=0 (no profile), TIMEOUT
# (seconds per process), PROFILE_N.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${BUILD:?run me through make -C bench/native run}"
: "${OUT:?run me through make -C bench/native run}"

if [[ ${FULL:-0} == 1 ]]; then
	SIZES=${SIZES:-"10000 100000 1000000 10000000"}
else
	SIZES=${SIZES:-"10000 100000 1000000"}
fi
CONFIGS=${CONFIGS:-"8/8 16/64 32/64"}
PEERS=${PEERS:-"hmap go_map cds_lfht absl_flat_hash_map std_unordered_map"}
REPS=${REPS:-3}
MIN_OPS=${MIN_OPS:-1000000}
SECS=${SECS:-1}
PERF=${PERF:-1}

declare -A bin=(
	[hmap]=bench_hmap [go_map]=bench_go [cds_lfht]=bench_lfht
	[absl_flat_hash_map]=bench_absl [std_unordered_map]=bench_std
)

stamp=$(date +%Y%m%d-%H%M%S)
dir=$OUT/$stamp
mkdir -p "$dir/raw" "$dir/series" "$dir/logs"
ln -sfn "$stamp" "$OUT/latest"
echo "bench-native: results in $dir"

# The machine's load, every 5 s, for the report.
(
	while :; do
		echo "$(date +%s) $(cut -d' ' -f1-3 /proc/loadavg)"
		sleep 5
	done
) >"$dir/load.txt" &
sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT

{
	echo "date: $(date -Is)"
	echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- hmap_core.c testing 2>/dev/null || echo ' (hmap_core.c or testing/ modified)')"
	echo "kernel: $(uname -r)"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
	echo "uptime_start: $(uptime)"
	echo "gcc: $(gcc -dumpfullversion)"
	echo "go: $(go version 2>/dev/null | cut -d' ' -f3)"
	for p in liburcu-dev libabsl-dev golang-go; do
		echo "$p: $(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '?')"
	done
	echo "sizes: $SIZES"
	echo "configs: $CONFIGS"
	echo "peers: $PEERS"
	echo "reps: $REPS  min_ops: $MIN_OPS  secs: $SECS"
} >"$dir/env.txt"

start=$(date +%s)
for cfg in $CONFIGS; do
	k=${cfg%/*}
	v=${cfg#*/}
	for n in $SIZES; do
		reps=$REPS
		# One repetition at 10^7: three would triple an already long run.
		((n >= 10000000)) && reps=1
		for peer in $PEERS; do
			b=$BUILD/${bin[$peer]:-none}
			if [[ ! -x $b ]]; then
				echo "  $peer: not built, skipped" |
					tee -a "$dir/logs/skipped.txt"
				continue
			fi
			name=$peer-k$k-v$v-n$n
			t0=$(date +%s%N)
			tmo=${TIMEOUT:-$((n >= 10000000 ? 3600 : 600))}
			if timeout "$tmo" "$b" -k "$k" -v "$v" -n "$n" -r "$reps" \
				-o "$MIN_OPS" -s "$SECS" -d "$dir/series" \
				>"$dir/raw/$name.csv" 2>"$dir/logs/$name.err"; then
				status=ok
			else
				status="FAILED (exit $?; logs/$name.err)"
				echo "$peer,$k,$v,$n,run,failed,1," >>"$dir/raw/$name.csv"
			fi
			t1=$(date +%s%N)
			printf '  k%-2s v%-2s n%-8s %-20s %5d.%01ds  load %s  %s\n' \
				"$k" "$v" "$n" "$peer" $(((t1 - t0) / 1000000000)) \
				$(((t1 - t0) / 100000000 % 10)) \
				"$(cut -d' ' -f1 /proc/loadavg)" "$status" |
				tee -a "$dir/progress.txt"
		done
	done
done
end=$(date +%s)
echo "uptime_end: $(uptime)" >>"$dir/env.txt"
echo "suite_seconds: $((end - start))" >>"$dir/env.txt"

# Where hmap's lookups spend their time: the 8/8 map at PROFILE_N, samples
# from the lookup_hit phase only (its CLOCK_MONOTONIC bounds, which the
# harness prints, select them: perf record -k mono).
if [[ $PERF == 1 && -x $BUILD/bench_hmap ]] && command -v perf >/dev/null; then
	pn=${PROFILE_N:-1000000}
	echo "bench-native: perf profile of hmap lookups (hit), n=$pn"
	if perf record -q -k mono -g -o "$dir/perf-lookup.data" -- \
		"$BUILD/bench_hmap" -k 8 -v 8 -n "$pn" -r 3 -w lookup \
		>"$dir/logs/perf-run.csv" 2>"$dir/logs/perf-run.err"; then
		window=$(awk '$1 == "phase" && $2 == "lookup_hit" { print $3 "," $4 }' \
			"$dir/logs/perf-run.err")
		for sort in symbol dso; do
			perf report -i "$dir/perf-lookup.data" --no-children --stdio \
				${window:+--time "$window"} --sort $sort -g none \
				2>/dev/null >"$dir/perf-lookup-$sort.txt" || true
		done
		perf report -i "$dir/perf-lookup.data" --children --stdio \
			${window:+--time "$window"} --sort symbol -g none \
			2>/dev/null >"$dir/perf-lookup-children.txt" || true
		# Which source lines of the lookup the samples land on.
		perf report -i "$dir/perf-lookup.data" --no-children --stdio \
			${window:+--time "$window"} --sort srcline -g none \
			--symbols hmap_chain_find,hmap_lookup,hmap_key_chain \
			2>/dev/null >"$dir/perf-lookup-srcline.txt" || true
	else
		echo "  perf record failed: $dir/logs/perf-run.err"
	fi
fi

kill $sampler 2>/dev/null || true
python3 "$here/report.py" "$dir"
cp "$dir/summary.md" "$OUT/summary.md"
echo "bench-native: $OUT/summary.md ($(((end - start) / 60)) min $(((end - start) % 60)) s of benchmarks)"
