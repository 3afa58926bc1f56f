#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 40-trace.sh - the hmap tracepoints tell the truth about evacuation.
#
# With scripts/hmap-events.bt attached (tracepoints, plus kprobes on
# hmap_insert/hmap_delete/hmap_lookup_and_delete to see where each write
# begins and ends), hmapctl drives the map through
#   1. a fill of 3329 keys: grows B 0->1 ... 8->9, then 9->10, started by
#      the last insert, so the background worker has to finish it (writes
#      stop mid-resize);
#   2. deletes down to 1629 entries: a shrink 10->9 starts 34 deletes
#      before the end, so the deletes and then the worker evacuate it;
#   3. deletes down to 629: a shrink 9->8, by deletes and the worker;
#   4. inserts then deletes: a grow 8->9 that both evacuate;
#   5. a small map churned (delete 3/4, insert as many new keys, repeat)
#      until overflow buckets pile up and a same-size grow runs (SKIP if it
#      does not within the round limit);
# then scripts/trace-check.py checks, from the trace alone, that every start
# has one done, each resize's steps cover every old bucket exactly once,
# no write evacuated more than 2 old chains (per-write counts from the
# kprobes, not from write_step), moved at done == count at start,
# done's step totals equal the counted steps, the worker took over the
# resizes whose writes stopped, and the totals match hmapctl stats. Then it
# feeds the checker doctored copies of the same log and expects each to be
# rejected. TAP on stdout.
#
# Needs bpftrace and kprobes (scripts/check.sh runs it in the QEMU guest).
# hmap-needs: bpftrace kprobes
. "$(dirname "$0")/lib.sh"

EVENTS=$TMP/events.log
BT_PID=

wait_idle() {
	local i resize
	for ((i = 0; i < 600; i++)); do
		read -r resize < /sys/class/misc/hmap/resize || return 1
		[ "$resize" = none ] && return 0
		sleep 0.1
	done
	diag "still resizing after 60 s"
	return 1
}

# del_keys PREFIX FIRST LAST: delete PREFIX<FIRST> .. PREFIX<LAST> (named
# as hmapctl fill names them) in one hmapctl run, one ioctl per key.
del_keys() {
	local -a k
	local i

	for ((i = $2; i <= $3; i++)); do
		k+=("$1$i")
	done
	"$HMAPCTL" del "${k[@]}"
}

# wait_quiet FILE: until FILE stops growing (unchanged for 2 s; at most
# 5 min). Under TCG bpftrace can lag the kernel by seconds, and one stopped
# while far behind can end without printing what it has not read yet.
wait_quiet() {
	local size last=-1 i

	for ((i = 0; i < 150; i++)); do
		size=$(stat -c %s "$1")
		[ "$size" = "$last" ] && return 0
		last=$size
		sleep 2
	done
	diag "$1 still growing after 5 min"
	return 1
}

# alive PID: PID runs (a zombie does not count).
alive() {
	local state
	{ read -r _ _ state _ < "/proc/$1/stat"; } 2> /dev/null || return 1
	[ "$state" != Z ]
}

# stop_trace: SIGTERM bpftrace (it runs its END block: the T line) and wait
# for it to exit; SIGKILL after a minute. The signal is repeated every 2 s:
# bpftrace 0.17 notices it only if it interrupts epoll_wait() or an event
# comes after it, so an idle bpftrace signalled just outside epoll_wait()
# would wait forever (seen once in a dozen runs).
stop_trace() {
	local i
	[ -n "$BT_PID" ] || return 0
	for ((i = 0; i < 60; i++)); do
		alive "$BT_PID" || break
		((i % 2 == 0)) && kill -TERM "$BT_PID" 2> /dev/null
		((i == 10)) && diag "bpftrace still running 10 s after SIGTERM"
		sleep 1
	done
	if alive "$BT_PID"; then
		diag "bpftrace did not stop; killing it"
		kill -KILL "$BT_PID"
	fi
	wait "$BT_PID" 2> /dev/null
	BT_PID=
}

# Never leave bpftrace running (with its probes) for the next test.
trap 'stop_trace; rm -rf "$TMP"' EXIT
trap 'exit 1' TERM INT

fail_all() {
	not_ok "$1"
	stop_trace
	unload_hmap
	tap_finish
}

BPFTRACE=$(command -v bpftrace)
if [ -z "$BPFTRACE" ] || [ "$(id -u)" != 0 ] ||
   [ ! -d /sys/kernel/tracing/events ]; then
	skip "needs root, bpftrace and tracefs" "trace tests"
	tap_finish
fi

check "insmod hmap.ko" load_hmap
hmap_loaded || tap_finish

# Attach before the first write, so the trace sees every resize from the
# start and the stats counters (reset by the insmod) cover the same span.
BPFTRACE_PERF_RB_PAGES=1024 "$BPFTRACE" -B none scripts/hmap-events.bt \
	> "$EVENTS" 2>&1 &
BT_PID=$!
for ((i = 0; i < 3000; i++)); do
	grep -q '^# hmap-events: tracing' "$EVENTS" && break
	kill -0 "$BT_PID" 2> /dev/null || break
	sleep 0.1
done
if ! grep -q '^# hmap-events: tracing' "$EVENTS"; then
	diag "bpftrace output:" "$(head -c 2000 "$EVENTS")"
	fail_all "bpftrace attaches scripts/hmap-events.bt"
fi
ok "bpftrace attaches scripts/hmap-events.bt"
diag "bpftrace attached after ${SECONDS}s"

# 1. Grows; the last, 9->10, starts at the 3329th insert: count 3328 >
#    6.5 * 512. Nothing writes after it, so the worker must finish it.
check "fill 3329 keys (grows up to B=10)" "$HMAPCTL" fill -q 3329
check "the worker finishes the grow 9->10" wait_idle
# 2. A shrink 10->9 starts when count < 1.625 * 1024: at the delete that
#    leaves 1663; the 34 deletes after it evacuate at most 68 chains, the
#    worker the rest. Each delete evacuates its key's chain first.
check "delete 1700 keys (shrink 10->9)" del_keys key- 0 1699
check "the shrink 10->9 completes" wait_idle
# 3. A shrink 9->8 at count 831, then 202 more deletes: writes and worker.
check "delete 1000 keys (shrink 9->8)" del_keys key- 1700 2699
check "the shrink 9->8 completes" wait_idle
# 4. A grow 8->9 at count 1664 (the 1036th insert), 100 more inserts, then
#    deletes during the grow.
check "fill 1136 new keys (grow 8->9)" "$HMAPCTL" fill -q -p new- 1136
check "delete 200 keys during the grow" del_keys key- 2700 2899
check "the grow 8->9 completes" wait_idle
diag "$(hmap_count) entries after the fills and deletes, at ${SECONDS}s"

# 5. Same-size grow: a map of 8 buckets at full load (52 entries: 6.5 per
#    bucket); delete the 39 oldest keys (13 left: a shrink needs fewer) and
#    insert 39 new ones, until the overflow buckets that fuller chains leave
#    behind number 8 and a delete or insert starts a same-size grow. A
#    model of the chains puts the rounds needed at 13 (median), 36 (p99).
if "$HMAPCTL" clear && wait_idle &&
   "$HMAPCTL" fill -q -p churn- 52 && wait_idle &&
   [ "$(cat /sys/class/misc/hmap/log2_buckets)" = 3 ]; then
	for ((r = 0; r < 80; r++)); do
		del_keys churn- $((r * 39)) $((r * 39 + 38)) || break
		"$HMAPCTL" fill -q -p churn- -S $((52 + r * 39)) 39 || break
		[ "$(cat /sys/class/misc/hmap/same_size_grows)" -gt 0 ] && break
	done
	diag "churn: $((r + 1)) rounds, same_size_grows=$(cat \
		/sys/class/misc/hmap/same_size_grows), at ${SECONDS}s"
fi
check "the churn's resizes complete" wait_idle
same_size=$(cat /sys/class/misc/hmap/same_size_grows)

# 6. Two writers at once: two hmapctl processes fill disjoint keys from an
#    empty map through the grows up to B=9 (2 x 2000 keys). Each insert
#    moves its key's old chain and one chain handed out to it, under chain
#    locks and without the map's mutex; trace-check.py holds every write,
#    of either process, to 2 chains.
two_writers() {
	local p1 r2

	"$HMAPCTL" fill -q -p par1- 2000 &
	p1=$!
	"$HMAPCTL" fill -q -p par2- 2000
	r2=$?
	wait "$p1" && [ "$r2" = 0 ]
}
check "two writers fill 2 x 2000 keys at once" \
	eval '"$HMAPCTL" clear && wait_idle && two_writers'
check "the two writers' resizes complete with 4000 keys" \
	eval 'wait_idle && [ "$(hmap_count)" = 4000 ]'

# 7. A clear during a grow: from an empty map the 3329th insert starts the
#    grow 9->10; ioctl_test clears at once, from the same process, so the
#    clear finds the grow in flight and ends it with hmap_resize_abandon
#    (it retries when its stats show the worker won the race).
tap_include "ioctl_test grow-clear" "$IOCTL_TEST" grow-clear
check "the map is empty and idle after the clear" \
	eval 'wait_idle && [ "$(hmap_count)" = 0 ]'

"$HMAPCTL" stats -j > "$TMP/stats.json"
check "bpftrace caught up with the events" wait_quiet "$EVENTS"
stop_trace
check "bpftrace exits on SIGTERM and prints its totals" \
	grep -q '^T ' "$EVENTS"
check "the clear during the grow 9->10 traced hmap_resize_abandon" \
	grep -qE '^A .*kind=1 old_b=9 new_b=10 ' "$EVENTS"
diag "trace: $(grep -c '^S ' "$EVENTS") resizes, $(grep -c '^E ' "$EVENTS") steps, $(grep -c '^W ' "$EVENTS") writes with growWork"
# HMAP_TRACE_KEEP=FILE keeps the log (e.g. in the shared out/ directory).
[ -z "${HMAP_TRACE_KEEP:-}" ] || cp "$EVENTS" "$HMAP_TRACE_KEEP"

kinds=grow,shrink
[ "$same_size" -gt 0 ] && kinds=grow,same_size,shrink
tap_include "trace-check.py" python3 scripts/trace-check.py \
	--min-resizes 13 --expect-kinds "$kinds" \
	--expect-worker grow:9:10 --expect-worker shrink:10:9 \
	--stats "$TMP/stats.json" "$EVENTS"
if [ "$same_size" -gt 0 ]; then
	ok "a same-size grow ran and was checked like the others"
else
	skip "no same-size grow within 80 churn rounds" "same-size grow traced"
fi

# shellcheck disable=SC2154 # tap_failed: lib.sh
if [ "$tap_failed" != 0 ] && [ -d out/logs ] && [ -w out/logs ]; then
	cp "$EVENTS" out/logs/40-trace-events.log &&
		diag "event log kept in out/logs/40-trace-events.log"
fi

# Every check above must be able to fail: doctored copies of this log.
tap_include "trace-check.py --self-test" python3 scripts/trace-check.py \
	--self-test --min-resizes 13 --expect-kinds grow,shrink \
	--expect-worker grow:9:10 --stats "$TMP/stats.json" "$EVENTS"

check "rmmod hmap" unload_hmap
diag "done in ${SECONDS}s"
tap_finish
