#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# trace-demo.sh - what `make trace` runs: watch hmap evacuate with bpftrace.
#
# Builds the test kernel (cached), hmap.ko and hmapctl, boots a guest, loads
# hmap, starts the bpftrace scripts scripts/hmap-evacuations.bt,
# hmap-resizes.bt, hmap-latency.bt and hmap-events.bt, drives the map with
# hmapctl through eleven grows (the last one finished by the background
# worker after the writes stop) and a shrink (finished by deletes and the
# worker), stops the scripts and prints what they saw, then checks the
# event log with scripts/trace-check.py.
#
# The scripts' full output stays in out/trace/ (evacuations.txt,
# resizes.txt, latency.txt, events.log, check.txt); the console log is
# out/logs/trace.log. Back on the host, scripts/trace-plot.gp draws the grow
# and the shrink of evacuations.txt, one point per growWork step, into
# out/trace/evacuation.png.
#
# HMAP_TRACE_TIMEOUT: seconds the guest may run (default 2400: a few
# minutes are enough on an idle machine, 20 were not on a loaded one).
#
# usage: trace-demo.sh [--no-build]
#        trace-demo.sh --guest DIR    (inside the guest: the demo itself)
#        trace-demo.sh --plot DIR     (draw DIR/evacuations.txt again)
set -euo pipefail

# ---- inside the guest --------------------------------------------------
guest() {
	local dir=$1 s pids=() i tmp

	# The scripts write to the guest's tmpfs: writing line by line to the
	# 9p-shared out/ directory slows bpftrace down. Copied at the end.
	tmp=$(mktemp -d /tmp/hmap-trace.XXXXXX)
	cd "$(dirname "$0")/.."
	PATH=$PWD/userspace:$PATH
	run() { printf '\n$ %s\n' "$*"; "$@"; }
	section() { printf '\n==== %s\n' "$*"; }
	# -w 0: a resize that already ended is not waited for.
	wait_idle() { hmapctl watch -u -w 0 -i 0.2 > /dev/null 2>&1; }
	# Until the scripts' output stops growing: bpftrace drops what it has
	# not read yet when it is stopped, and under TCG it lags.
	wait_quiet() {
		local size last=-1 i
		for ((i = 0; i < 150; i++)); do
			size=$(cat "$@" | wc -c)
			[ "$size" = "$last" ] && return 0
			last=$size
			sleep 2
		done
	}

	section "setup"
	printf 'clocksource: %s\n' \
		"$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	case $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource) in
	*jiffies*)
		echo "WARNING: the guest's clock ticks in jiffies (its TSC calibration"
		echo "failed): every time below is 0 or a multiple of a tick." ;;
	esac
	run insmod hmap.ko

	# One bpftrace per script, each ready (its BEGIN ran) before the next.
	for s in evacuations resizes latency events; do
		local out=$tmp/$s.txt
		[ "$s" = events ] && out=$tmp/events.log
		BPFTRACE_PERF_RB_PAGES=1024 bpftrace -B none \
			"scripts/hmap-$s.bt" > "$out" 2>&1 &
		pids+=($!)
		for ((i = 0; i < 3000; i++)); do
			grep -q -e '^Tracing' -e '^# hmap-events' "$out" && break
			kill -0 "${pids[-1]}" 2> /dev/null || break
			sleep 0.1
		done
		if ! grep -q -e '^Tracing' -e '^# hmap-events' "$out"; then
			echo "bpftrace scripts/hmap-$s.bt did not start:"
			cat "$out"
			return 1
		fi
		echo "scripts/hmap-$s.bt attached"
	done

	section "drive the map"
	# 6657 keys: grows B 0->1 ... 9->10 evacuated by the inserts; the
	# 6657th insert starts 10->11 (count 6656 > 6.5 * 1024) and is the
	# last write, so the worker finishes it.
	run hmapctl fill -q 6657
	wait_idle
	run hmapctl stats
	# Deletes: a shrink 11->10 starts when count < 1.625 * 2048 (at 3327),
	# the next 670 deletes evacuate with it, the worker does the rest.
	printf '\n$ hmapctl del key-0 ... key-3999\n'
	keys=()
	for ((i = 0; i < 4000; i++)); do
		keys+=("key-$i")
	done
	hmapctl del "${keys[@]}"
	wait_idle
	run hmapctl stats

	wait_quiet "$tmp"/*
	# SIGTERM, repeated: bpftrace 0.17 misses one that arrives while it is
	# idle but outside epoll_wait(). SIGKILL after a minute.
	for ((i = 0; i < 30; i++)); do
		local left=0 p
		for p in "${pids[@]}"; do
			kill -0 "$p" 2> /dev/null || continue
			left=1
			kill -TERM "$p" 2> /dev/null
		done
		[ "$left" = 1 ] || break
		sleep 2
	done
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2> /dev/null || true
	done
	wait "${pids[@]}" || true
	cp "$tmp"/* "$dir/"

	# What the scripts saw; a pattern that matches nothing prints nothing.
	set +e
	section "scripts/hmap-evacuations.bt (first lines; full log: out/trace/evacuations.txt)"
	head -n 24 "$dir/evacuations.txt"
	section "... the grow 10->11: the last insert's 2 steps, then the worker"
	grep -m 1 -A 6 'start: B 10 -> 11' "$dir/evacuations.txt"
	echo "..."
	grep -m 1 -B 2 'done: B 10 -> 11' "$dir/evacuations.txt"
	section "... the shrink 11->10: deletes, then the worker"
	grep -m 1 -A 8 'start: B 11 -> 10' "$dir/evacuations.txt"
	echo "..."
	grep -m 1 -B 2 'done: B 11 -> 10' "$dir/evacuations.txt"
	section "scripts/hmap-resizes.bt"
	cat "$dir/resizes.txt"
	section "scripts/hmap-latency.bt"
	cat "$dir/latency.txt"
	section "scripts/trace-check.py out/trace/events.log"
	python3 scripts/trace-check.py --expect-kinds grow,shrink \
		--expect-worker grow:10:11 --expect-worker shrink:11:10 \
		"$dir/events.log" | tee "$dir/check.txt"
	status=${PIPESTATUS[0]}
	run rmmod hmap
	return "$status"
}

if [ "${1:-}" = --guest ]; then
	guest "$2"
	exit
fi

# ---- on the host -------------------------------------------------------

# plot DIR: DIR/evacuation.png from DIR/evacuations.txt (see
# scripts/trace-plot.gp): the grow and the shrink with the most old buckets.
plot() {
	local dir=$1
	awk -v dir="$dir" '
	# start: "MS MAP KIND start: B 10 -> 11, N entries, OLD old buckets ..."
	$4 == "start:" { start[$3 ":" $(NF - 4)] = $1; next }
	# done: "MS MAP KIND done: B 10 -> 11, N entries moved, steps W by
	# writes + K by worker, D ms"
	$4 == "done:" {
		key = $3 ":" 2 ^ $6
		done[key] = $1
		title[key] = sprintf("%s B %s -> %s: %d old buckets, %s steps by writes + %s by the worker, %s ms",
			$3, $6, $8 + 0, 2 ^ $6, $(NF - 8), $(NF - 4), $(NF - 1))
		next
	}
	# a step: "MS MAP KIND BUCKET ->X ->Y NEVAC/OLD BY STEP_US TASK"
	$7 ~ /^[0-9]+\/[0-9]+$/ {
		split($7, p, "/")
		key = $3 ":" p[2]
		n[key]++
		ms[key, n[key]] = $1
		bucket[key, n[key]] = $4
		bywrite[key, n[key]] = $8 ~ /^write/
	}
	END {
		meta = dir "/trace-meta.gp"
		split("grow shrink", kinds, " ")
		for (i = 1; i <= 2; i++) {
			k = kinds[i]
			best = ""
			for (key in done) {
				split(key, kk, ":")
				if (kk[1] == k && (key in start) && n[key] &&
				    (best == "" || kk[2] + 0 > bestold)) {
					best = key
					bestold = kk[2] + 0
				}
			}
			if (best == "") {
				printf "has_%s = 0\n", k > meta
				continue
			}
			f = dir "/trace-" k ".dat"
			for (j = 1; j <= n[best]; j++)
				printf "%d %d %d\n", ms[best, j] - start[best],
					bucket[best, j], bywrite[best, j] > f
			close(f)
			printf "has_%s = 1\n%s_done = %d\n%s_old = %d\n%s_title = \"%s\"\n",
				k, k, done[best] - start[best], k, bestold, k,
				title[best] > meta
		}
	}' "$dir/evacuations.txt" &&
	(cd "$dir" && gnuplot "$HMAP_ROOT/scripts/trace-plot.gp")
}

if [ "${1:-}" = --plot ]; then
	HMAP_ROOT=$(cd "$(dirname "$0")/.." && pwd)
	plot "$2"
	exit
fi

. "$(dirname "$0")/lib.sh"
if [ "${1:-}" != --no-build ]; then
	"$HMAP_ROOT/scripts/deps.sh"
	build=$("$HMAP_ROOT/scripts/build-kernel.sh" debug)
	mkdir -p "$HMAP_OUT/logs"
	echo "trace: building hmap.ko and userspace/ (log: $HMAP_OUT/logs/trace.build.log)"
	make -C "$HMAP_ROOT" KDIR="$build" all \
		> "$HMAP_OUT/logs/trace.build.log" 2>&1 || {
		tail -n 20 "$HMAP_OUT/logs/trace.build.log" >&2
		echo "trace: build failed" >&2
		exit 1
	}
fi
dir=$HMAP_OUT/trace
mkdir -p "$dir"
rm -f "$dir"/*.txt "$dir"/events.log
rm -f "$dir"/evacuation.png "$dir"/trace-*.dat "$dir"/trace-meta.gp
echo "trace: booting the guest (a few minutes under TCG); output also in $dir/"
# Kernel messages are filtered from the screen; out/logs/trace.log has them.
status=0
"$HMAP_ROOT/scripts/run-guest.sh" --name trace \
	--timeout "${HMAP_TRACE_TIMEOUT:-2400}" -- \
	"scripts/trace-demo.sh --guest $dir" 2>&1 |
	grep --line-buffered -v '^\[ *[0-9]*\.[0-9]*\] ' || status=$?
if [ -s "$dir/evacuations.txt" ]; then
	if plot "$dir" > "$dir/plot.log" 2>&1; then
		printf '\ntrace: the grow and the shrink, drawn: %s\n' \
			"$dir/evacuation.png"
	else
		echo "trace: could not draw the evacuation; see $dir/plot.log" >&2
	fi
fi
exit "$status"
