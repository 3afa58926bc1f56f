#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 50-memcg.sh - the memory /dev/hmap takes on a user's behalf is charged to
# the user's memory cgroup, and stats memory_bytes says how much the map
# really holds. As an unprivileged user (nobody) in a cgroup-v2 group:
#
#  (a) a put loop of large values stops with ENOMEM at the group's
#      memory.max, the group at its limit, the machine far from its own;
#  (b) a dump of small records into a big buffer needs little memory (its
#      bounce buffer is sized by the records); a dump of big records, whose
#      bounce buffer must hold a whole record, fails with ENOMEM (or pushes
#      the group to its limit) when the group has no room for one; many
#      threads dumping show in memory.current (or fail with ENOMEM) under
#      a small limit;
#  (c) after filling the map, the growth of memory_bytes matches the growth
#      of the slab counters: the group's memory.stat slab_unreclaimable for
#      entries too big for a slab cache (whole pages), /proc/slabinfo's
#      kmalloc-cg caches (active objects times object size, in the caches
#      that grew) for small ones.
#
# /dev/hmap is made mode 0666 for the test and 0600 again at the end; the
# test's group is removed. TAP on stdout.
set -u
. "$(dirname "$0")/lib.sh"

MEMCG_TEST=$PWD/userspace/tests/memcg_test
CGROOT=/sys/fs/cgroup
CG=$CGROOT/hmap-memcg-test
KiB=1024
MiB=$((1024 * KiB))

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[ -c /dev/hmap ] && chmod 0600 /dev/hmap
	[ -d "$CG" ] && rmdir "$CG" 2> /dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# in_cg COMMAND...: run COMMAND as nobody in $CG, out of the OOM killer's
# reach (oom_score_adj -1000), so that reaching memory.max shows as ENOMEM.
in_cg() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	bash -c 'echo $$ > "$1/cgroup.procs" &&
		 echo -1000 > /proc/self/oom_score_adj && shift &&
		 exec setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"' \
		in_cg "$CG" "$@"
}

# memstat KEY: a line of $CG/memory.stat, after the stats' periodic flush
# (every 2 s) has caught up.
memstat() {
	awk -v k="$1" '$1 == k { print $2 }' "$CG/memory.stat"
}

# slab_snapshot FILE: "cache active_objects object_size" for each kmalloc-cg
# cache, the size being the cache's (kmalloc-cg-192: 192 bytes), which is
# what kmalloc_size_roundup() counts. SLUB's active_objects counts every
# object of a CPU's slab and of its per-CPU partial slabs as in use, free
# or not, so a fill that takes objects freed there earlier would not show:
# shrinking each cache first gives those slabs back to the node lists,
# where free objects are counted (seen without it: the slabs' growth 7.5 %
# short of memory_bytes).
slab_snapshot() {
	local shrink
	for shrink in /sys/kernel/slab/kmalloc-cg-*/shrink; do
		[ -w "$shrink" ] && echo 1 > "$shrink"
	done
	awk '$1 ~ /^kmalloc-cg-[0-9]+k?$/ {
		size = substr($1, 12)
		if (size ~ /k$/) size = substr(size, 1, length(size) - 1) * 1024
		print $1, $2, size
	}' /proc/slabinfo > "$1"
}

# slab_delta BEFORE AFTER: a comment for each kmalloc-cg cache that grew
# or shrank between two snapshots, then the total growth in bytes of those
# that grew. A fill only allocates: a cache that shrank meanwhile had
# objects freed by someone else (in one run, 432 of kmalloc-cg-256 whose
# owner is not the map), which would hide as much of the fill.
slab_delta() {
	awk 'NR == FNR { before[$1] = $2; next }
	     $2 != before[$1] {
		d = ($2 - before[$1]) * $3
		printf "# %s: %+d objects, %+d bytes\n", $1, $2 - before[$1], d
		if (d > 0) total += d
	     } END { printf "%d\n", total }' "$1" "$2"
}

memory_bytes() { cat /sys/class/misc/hmap/memory_bytes; }

# within_pct A B PCT: A and B differ by at most PCT percent of B.
within_pct() {
	local d=$(($1 - $2))
	[ "$d" -lt 0 ] && d=$((-d))
	[ "$2" -gt 0 ] && [ $((d * 100)) -le $(($2 * $3)) ]
}

setup_cgroup() {
	if [ ! -f "$CGROOT/cgroup.controllers" ]; then
		mount -t cgroup2 cgroup2 "$CGROOT" 2> /dev/null ||
			{ diag "cannot mount cgroup2 on $CGROOT"; return 1; }
	fi
	if ! grep -qw memory "$CGROOT/cgroup.controllers"; then
		diag "no memory controller in $CGROOT/cgroup.controllers: $(cat "$CGROOT/cgroup.controllers")"
		return 1
	fi
	grep -qw memory "$CGROOT/cgroup.subtree_control" ||
		echo +memory > "$CGROOT/cgroup.subtree_control" || return 1
	[ -d "$CG" ] || mkdir "$CG" || return 1
	[ -f "$CG/memory.max" ] || { diag "no $CG/memory.max"; return 1; }
	# The helper sets its own limit relative to what it already uses.
	chown 65534 "$CG/memory.max"
}

test_put() {
	load_hmap max_value_size=65536 || { not_ok "insmod for (a)"; return; }
	chmod 0666 /dev/hmap
	echo $((32 * MiB)) > "$CG/memory.max"
	# 60000-byte values: entries of 16 pages, too big for the OOM killer.
	tap_include "memcg_test put" in_cg "$MEMCG_TEST" put 60000
	echo max > "$CG/memory.max"
	"$HMAPCTL" clear
}

test_dump() {
	load_hmap max_value_size=524288 || { not_ok "insmod for (b)"; return; }
	chmod 0666 /dev/hmap
	# Root's entries, charged to root: the group pays only for the dumps.
	"$MEMCG_TEST" fill small- 2000 100 || { not_ok "fill for (b)"; return; }
	tap_include "memcg_test dump-small" in_cg "$MEMCG_TEST" dump-small $((MiB))
	"$HMAPCTL" clear
	"$MEMCG_TEST" fill big- 8 524288 || { not_ok "fill for (b)"; return; }
	tap_include "memcg_test dump-one" in_cg "$MEMCG_TEST" dump-one $((MiB))
	tap_include "memcg_test dump-threads" \
		in_cg "$MEMCG_TEST" dump-threads 8 10 $((MiB))
	"$HMAPCTL" clear
}

# check_bytes NAME WHAT EXPECTED MEMORY_BYTES PCT
check_bytes() {
	diag "$1: memory_bytes +$4, $2 +$3"
	if within_pct "$4" "$3" "$5"; then
		ok "$1: memory_bytes grew as much as $2 (+$4 vs +$3, within $5%)"
	else
		not_ok "$1: memory_bytes grew as much as $2 (+$4 vs +$3, within $5%)"
	fi
}

test_bytes_large() {
	local n=256 slab0 slab1 mb0 mb1
	# size_hint: the bucket array is allocated at load, so only entries
	# (and a few overflow buckets) come and go below.
	load_hmap max_value_size=16384 size_hint=$n || { not_ok "insmod for (c)"; return; }
	chmod 0666 /dev/hmap
	sleep 3
	slab0=$(memstat slab_unreclaimable) mb0=$(memory_bytes)
	# 10000-byte values: 10 KiB entries, kmalloc()ed as 16 KiB of pages.
	in_cg "$MEMCG_TEST" fill large- $n 10000 || { not_ok "fill for (c)"; return; }
	sleep 3
	slab1=$(memstat slab_unreclaimable) mb1=$(memory_bytes)
	check_bytes "$n entries of 10 KiB" "memory.stat slab_unreclaimable" \
		$((slab1 - slab0)) $((mb1 - mb0)) 3
	"$HMAPCTL" clear
}

test_bytes_small() {
	local n=20000 slab mb0 mb1
	if [ ! -r /proc/slabinfo ]; then
		skip "no /proc/slabinfo (CONFIG_SLUB_DEBUG)" "memory_bytes vs. slabinfo"
		return
	fi
	load_hmap size_hint=$n || { not_ok "insmod for (c)"; return; }
	sleep 3
	slab_snapshot "$TMP/slab0"
	mb0=$(memory_bytes)
	# 17..21-byte keys, 100-byte values: entries of 149..153 bytes, all
	# in kmalloc-cg-192.
	"$HMAPCTL" fill -q -p small-key-00000- -s 100 $n
	sleep 3
	slab_snapshot "$TMP/slab1"
	mb1=$(memory_bytes)
	slab_delta "$TMP/slab0" "$TMP/slab1" > "$TMP/slab"
	grep '^#' "$TMP/slab"
	slab=$(tail -n 1 "$TMP/slab")
	# Within 1 %: the caches are the whole machine's, and whatever else
	# the guest allocates or frees meanwhile shows in them too.
	check_bytes "$n entries of 149..153 bytes" "the kmalloc-cg slabs" \
		"$slab" $((mb1 - mb0)) 1
	"$HMAPCTL" clear
}

if [ ! -x "$MEMCG_TEST" ]; then
	not_ok "userspace/tests/memcg_test is built"
	tap_finish
fi
if ! setup_cgroup; then
	not_ok "a cgroup-v2 group with the memory controller"
	tap_finish
fi
ok "a cgroup-v2 group with the memory controller ($CG)"
# Root reads the helper first, so its page cache is not charged to $CG.
cat "$MEMCG_TEST" > /dev/null
test_put
test_dump
test_bytes_large
test_bytes_small
check "rmmod hmap" unload_hmap
tap_finish
