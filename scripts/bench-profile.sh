#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-profile.sh [--smp N] [--freq HZ] WORKLOAD [PARAM=VALUE...] - where
# the in-kernel benchmark spends the guest's CPUs: one load of
# hmap_bench.ko (scripts/bench-build.sh perf) in a perf-flavor guest under
# "perf record -a -g", the whole guest sampled on its cpu-clock.
#
#   scripts/bench-profile.sh writers n=1000000 threads=1
#   scripts/bench-profile.sh writers_presized n=1000000 threads=2
#
# WORKLOAD is the module's workloads= (maps=hmap unless a PARAM says
# otherwise); the PARAMs go to the module as they are. Results land in
# $HMAP_OUT/bench-profile/DATE-WORKLOAD/: perf.data and the guest's
# kallsyms, profile.txt (self time per symbol, the module's own symbols
# named from kallsyms), callers.txt (the call chains of the ten symbols
# with the most samples) and bench.txt (the benchmark's result lines).
# profile.txt is printed.
#
# What it is for: the cost of a path under TCG, where the perf-guest
# ratios are measured. TCG does not model caches: what is expensive
# there is instructions and memory operations, not misses; the native
# build (bench/native, perf on the host) shows the other side. The
# module's start-up noise probe (bench_noise, 0.5 s of spinning on one
# vCPU) is in the profile too. The idle vCPU time is default_idle.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

smp=2
freq=20000
while [ $# -gt 0 ]; do
	case $1 in
	--smp) smp=${2:?}; shift 2 ;;
	--freq) freq=${2:?}; shift 2 ;;
	--guest) break ;;
	-*) echo "usage: bench-profile.sh [--smp N] [--freq HZ] WORKLOAD [PARAM=VALUE...]" >&2; exit 2 ;;
	*) break ;;
	esac
done

# In the guest: --guest BUILD RESULTS FREQ TSC_KHZ WORKLOAD PARAMS...
if [ "${1:-}" = --guest ]; then
	build=$2 results=$3 freq=$4 khz=$5 workload=$6
	shift 6
	echo 0 > /proc/sys/kernel/kptr_restrict
	echo -1 > /proc/sys/kernel/perf_event_paranoid
	insmod "$build/hmap.ko"
	perf record -q -g -e cpu-clock -F "$freq" -a -o "$results/perf.data" -- \
		insmod "$build/bench/hmap_bench.ko" workloads="$workload" \
		maps=hmap tsc_khz="$khz" "$@"
	cp /proc/kallsyms "$results/kallsyms"
	perf report -i "$results/perf.data" --kallsyms="$results/kallsyms" \
		--no-children --sort sym -g none -q 2>/dev/null > "$results/raw.txt"
	rmmod hmap_bench
	rmmod hmap
	exit 0
fi

workload=${1:?usage: bench-profile.sh [--smp N] [--freq HZ] WORKLOAD [PARAM=VALUE...]}
shift
command -v perf > /dev/null || {
	echo "bench-profile: perf is missing (apt-get install linux-perf)" >&2
	exit 1
}
build=$("$HMAP_ROOT/scripts/bench-build.sh" perf)
khz=$("$build/bench/hmap_ubench" -T)
results=$HMAP_OUT/bench-profile/$(date +%Y%m%d-%H%M%S)-$workload
mkdir -p "$results"
name=bench-profile-$$
"$HMAP_ROOT/scripts/run-guest.sh" --flavor perf --smp "$smp" --timeout 1800 \
	--quiet --name "$name" -- \
	"scripts/bench-profile.sh --guest $build $results $freq $khz $workload $*"
grep -o 'hmap_bench: workload=.*' "$HMAP_OUT/logs/$name.log" > "$results/bench.txt" || true

# Name the addresses perf left bare (the bench module's) from kallsyms,
# then the call chains of the top symbols.
python3 - "$results" <<'EOF'
import bisect, re, sys
d = sys.argv[1]
syms = []
for line in open(d + '/kallsyms'):
    f = line.split()
    if len(f) >= 3 and f[1] in 'tTwW':
        syms.append((int(f[0], 16), f[2]))
syms.sort()
addrs = [a for a, _ in syms]
with open(d + '/profile.txt', 'w') as out:
    for line in open(d + '/raw.txt'):
        m = re.search(r'\[k\] 0x([0-9a-f]+)', line)
        if m:
            i = bisect.bisect_right(addrs, int(m.group(1), 16)) - 1
            if i >= 0:
                line = line.replace('0x' + m.group(1), syms[i][1] + '+')
        out.write(line)
EOF
top=$(awk '{print $3}' "$results/profile.txt" | grep -v -e '^default_idle$' \
	-e '+$' | head -10 | paste -sd, -)
perf report -i "$results/perf.data" --kallsyms="$results/kallsyms" \
	--no-children --sort sym -G -S "$top" -q 2>/dev/null \
	> "$results/callers.txt" || true
cat "$results/bench.txt"
head -40 "$results/profile.txt"
echo "bench-profile: $results"
