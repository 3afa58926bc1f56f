#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 60-maps.sh - named maps in the hmap filesystem: the raw ABI
# (userspace/tests/maps_test: create's checks, freeze, drain, a map that
# outlives its name, destroy racing open and ioctls from other processes,
# 1000 maps of different sizes), hmapctl's create, list, destroy, freeze,
# drain and -m, permissions as an unprivileged user, the lifetime rules
# (umount, rmmod), the max_maps and maps_memory_limit parameters, the
# concurrent-dump guarantee on a named map (ioctl_test concurrent), each
# map's id in the tracepoints, and memory charged to the creator's memory
# cgroup. TAP on stdout.
# HMAP_MAPS_TESTS="abi race ..." runs only the parts named.
set -u
. "$(dirname "$0")/lib.sh"

H=$HMAPCTL
MAPS_TEST=$PWD/userspace/tests/maps_test
FS=/sys/fs/hmap
CGROOT=/sys/fs/cgroup
MiB=$((1024 * 1024))

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	exec 3>&- 4>&-
	if mountpoint -q "$FS"; then
		find "$FS" -mindepth 1 -delete 2> /dev/null
		umount "$FS"
	fi
	rmdir "$CGROOT/hmap-maps-a" "$CGROOT/hmap-maps-b" 2> /dev/null
	unload_hmap
	rm -rf "$TMP"
}
trap cleanup EXIT

json_ok() { python3 -c 'import json, sys; json.load(sys.stdin)'; }
nmaps() { find "$FS" -mindepth 1 | wc -l; }

test_abi() { tap_include "maps_test abi" "$MAPS_TEST" abi "$FS"; }
test_freeze() { tap_include "maps_test freeze" "$MAPS_TEST" freeze "$FS"; }
test_drain() { tap_include "maps_test drain" "$MAPS_TEST" drain "$FS"; }
# The dump guarantee per map: ioctl_test's concurrent suite (every stable
# key exactly once in each of the dumps a churning process and the map's
# resizes run under) on a named map instead of /dev/hmap.
test_dump() {
	check_status 0 "create cd for the concurrent dumps" \
		"$H" create cd --max-entries 8000 --key-size 64 --value-size 64
	HMAP_IOCTL_TEST_DEV=$FS/cd tap_include "ioctl_test concurrent on a named map" \
		"$IOCTL_TEST" concurrent
	check_status 0 "destroy cd" "$H" destroy cd
}
test_unlinked() { tap_include "maps_test unlinked" "$MAPS_TEST" unlinked "$FS"; }
test_race() { tap_include "maps_test race" "$MAPS_TEST" race "$FS" 20; }
test_many() { tap_include "maps_test many" timed "$MAPS_TEST" many "$FS" 1000; }

test_hmapctl() {
	check_status 0 "hmapctl create small --max-entries 10 --key-size 4 --value-size 8" \
		"$H" create small --max-entries 10 --key-size 4 --value-size 8
	check_status 0 "hmapctl create big --size-hint 5000 --mode 0640 --no-shrink" \
		"$H" create big --size-hint 5000 --mode 0640 --no-shrink
	check_status 3 "create small again: exit 3" "$H" create small
	check "... EEXIST" grep -q EEXIST "$TMP/stderr"
	local n
	for n in 'a/b' '..' '.x' "$(printf 'ctl\001')" "$(printf 'bad\377')" \
		 "$(printf 'x%.0s' {1..64})" ''; do
		check_status 2 "create '$(printf %q "$n")' is refused (exit 2)" \
			"$H" create "$n"
	done
	check_status 2 "--max-entries 0 is refused" "$H" create p --max-entries 0
	check "... naming the option" grep -q -- "--max-entries 0: must be" "$TMP/stderr"
	check_status 2 "--key-size 4097 is refused" "$H" create p --key-size 4097
	check_status 2 "--mode 888 is refused" "$H" create p --mode 888
	check_status 2 "--size-hint over --max-entries is refused" \
		"$H" create p --max-entries 10 --size-hint 11
	check "none of them made a map" test "$(nmaps)" -eq 2
	check "umask applies: big is 0640 under umask 022" \
		test "$(stat -c %a $FS/big)" = 640

	"$H" -m small put abcd 12345678
	check_status 3 "-m small: a 5-byte key is refused" "$H" -m small put abcde v
	check "... EMSGSIZE" grep -q EMSGSIZE "$TMP/stderr"
	check_status 0 "the same key in the /dev/hmap map is fine" "$H" put abcde v
	check_status 1 "-m big does not see small's key" "$H" -m big get abcd
	check_status 0 "--map small get" "$H" --map small get abcd
	check "... its value" grep -qx 12345678 "$TMP/stdout"
	check_status 0 "-m after the command works too" "$H" get -m small abcd
	"$H" -m big fill -q 300
	check_status 0 "-m big stats -j" "$H" -m big stats -j
	check "... shows big's limits" python3 -c "import json; s = json.load(open('$TMP/stdout')); assert s['count'] == 300 and s['max_entries'] == 1048576, s"
	check_status 3 "-m nope: exit 3" "$H" -m nope get k
	check "... ENOENT" grep -q ENOENT "$TMP/stderr"
	check_status 2 "-m ../x: a usage error" "$H" -m ../x get k

	check_status 0 "get several keys (one batch)" "$H" -m big get key-1 key-2 key-3
	check "... one value a line, in order" test "$(tr '\n' ' ' < "$TMP/stdout")" = "value-1 value-2 value-3 "
	check_status 1 "get several keys, one absent: exit 1" "$H" -m big get key-1 nokey key-3
	check "... the others printed" test "$(tr '\n' ' ' < "$TMP/stdout")" = "value-1 value-3 "
	check_status 1 "get -j several, one absent" "$H" -m big -j get key-1 nokey
	check "... a JSON array" json_ok < "$TMP/stdout"
	check_status 1 "del several keys, one absent: exit 1" "$H" -m big del key-1 nokey key-2
	check "... the others are gone" test "$("$H" -m big stats -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')" -eq 298

	check_status 0 "list" "$H" list
	check "... a header and two maps" test "$(wc -l < "$TMP/stdout")" -eq 3
	check "... small's line" grep -Eq '^small +[0-9]+ root +root +0600 +1 +10 +4 +8 ' "$TMP/stdout"
	check_status 0 "list -j" "$H" list -j
	check "... valid JSON with both maps, ids as in stats" python3 -c "
import json, subprocess
maps = {m['name']: m for m in json.load(open('$TMP/stdout'))}
assert sorted(maps) == ['big', 'small'], maps
st = json.loads(subprocess.check_output(['$H', '-m', 'big', 'stats', '-j']))
assert maps['big']['id'] == st['id'], (maps['big'], st['id'])
assert maps['big']['stats']['count'] == 298 and maps['big']['mode'] == '0640'
assert maps['small']['stats']['max_key_size'] == 4
assert maps['big']['stats']['no_shrink'] is True
assert maps['small']['stats']['no_shrink'] is False
"
	check "the name is reachable from the id (find -inum)" \
		test "$(find $FS -inum "$("$H" -m big stats -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" -printf %f)" = big

	check_status 0 "drain small" "$H" -m small drain
	check "... printed its entry" grep -q "^abcd	12345678$" "$TMP/stdout"
	check "... and emptied it" test "$(cat $FS/small | awk '$1 == "count" { print $2 }')" -eq 0
	check_status 0 "freeze big" "$H" -m big freeze
	check_status 3 "put into frozen big: exit 3" "$H" -m big put x y
	check "... EPERM" grep -q EPERM "$TMP/stderr"
	check_status 0 "get from frozen big works" "$H" -m big get key-5
	check "list shows big frozen" sh -c "'$H' list | grep -Eq '^big .* yes$'"

	local c
	for c in create list destroy freeze drain; do
		check_status 0 "$c --help" "$H" "$c" --help
		check "... starts with its usage" grep -q "^Usage: hmapctl" "$TMP/stdout"
	done
	check "the man page documents create, list, destroy, -m" sh -c \
		"MANWIDTH=80 man -l userspace/hmapctl.8 2>&1 | grep -Eq 'create +NAME' &&
		 MANWIDTH=80 man -l userspace/hmapctl.8 2>&1 | grep -q -- '--map'"

	check_status 0 "destroy small big" "$H" destroy small big
	check_status 1 "destroy a missing map: exit 1" "$H" destroy small
	check "... ENOENT" grep -q ENOENT "$TMP/stderr"
	check "no map left" test "$(nmaps)" -eq 0
}

test_permissions() {
	"$H" create private
	"$H" create shared --mode 0644
	"$H" -m private put k v
	"$H" -m shared put k v
	check_status 3 "nobody cannot open root's 0600 map" nobody "$H" -m private get k
	check "... EACCES" grep -q EACCES "$TMP/stderr"
	check_status 0 "nobody can read root's 0644 map" nobody "$H" -m shared get k
	check_status 3 "... but not write it" nobody "$H" -m shared put k w
	check "... EACCES" grep -q EACCES "$TMP/stderr"
	check_status 3 "nobody cannot destroy root's map (sticky directory)" \
		nobody "$H" destroy shared
	check "... EPERM" grep -q EPERM "$TMP/stderr"
	check_status 1 "nobody cannot chmod root's map" nobody chmod 0666 "$FS/shared"
	check_status 0 "nobody creates a map of their own" nobody "$H" create mine
	check "... owned by nobody, mode 0600" \
		test "$(stat -c '%u %g %a' $FS/mine)" = "65534 65534 600"
	check_status 0 "nobody uses it" nobody "$H" -m mine put a b
	check_status 0 "nobody chmods it 0604" nobody chmod 0604 "$FS/mine"
	check_status 0 "nobody lists the maps" nobody "$H" list -j
	check "... private's stats are hidden from nobody, mine's are not" python3 -c "
import json
maps = {m['name']: m for m in json.load(open('$TMP/stdout'))}
assert maps['private']['stats'] is None and maps['mine']['stats']['count'] == 1, maps
"
	chown 65534 "$FS/private"
	check_status 0 "after chown to nobody, nobody opens private" nobody "$H" -m private get k
	chmod 1755 "$FS"
	check_status 3 "with the directory 1755, nobody cannot create" nobody "$H" create more
	check "... EACCES" grep -q EACCES "$TMP/stderr"
	chmod 1777 "$FS"
	check_status 0 "nobody destroys their own map" nobody "$H" destroy mine
	"$H" destroy private shared
}

test_lifetime() {
	"$H" create held
	"$H" -m held put k v
	exec 3<> "$FS/held"
	check "rmmod is refused while the filesystem is mounted" sh -c '! rmmod hmap 2> /dev/null'
	check "umount is refused while a map is open" sh -c "! umount $FS 2> /dev/null"
	rm "$FS/held"
	check "the map is unlinked, still open" test ! -e "$FS/held"
	check "the open fd still reads its statistics" grep -q '^count 1$' /proc/self/fd/3
	exec 3>&-
	"$H" create leftover
	"$H" -m leftover fill -q 1000
	check "umount with a map in it" umount "$FS"
	check "rmmod after the umount" rmmod hmap
	check "insmod again" load_hmap
	check "mount again" mount -t hmap none "$FS"
	check "the new mount is empty" test "$(nmaps)" -eq 0
}

test_limits() {
	local old_max old_mem i
	old_max=$(cat /sys/module/hmap/parameters/max_maps)
	old_mem=$(cat /sys/module/hmap/parameters/maps_memory_limit)
	check "modinfo describes max_maps and maps_memory_limit" sh -c \
		"modinfo -p '$HMAP_KO' | grep -q '^max_maps:.*[a-z]' &&
		 modinfo -p '$HMAP_KO' | grep -q '^maps_memory_limit:.*[a-z]'"
	echo 3 > /sys/module/hmap/parameters/max_maps
	for i in 1 2 3; do "$H" create "lim$i"; done
	check_status 3 "the 4th map with max_maps=3 is refused" "$H" create lim4
	check "... ENOSPC" grep -q ENOSPC "$TMP/stderr"
	"$H" destroy lim3
	check_status 0 "after a destroy there is room again" "$H" create lim4
	echo "$old_max" > /sys/module/hmap/parameters/max_maps
	echo 2 > /sys/module/hmap/parameters/maps_memory_limit
	check_status 3 "filling a map past maps_memory_limit=2 (MiB) stops" \
		"$H" -m lim1 fill -q -s 1000 100000
	check "... with ENOSPC" grep -q ENOSPC "$TMP/stderr"
	# The limit is on what the named maps hold together (lim2 and lim4
	# hold a few hundred bytes), as counted at their last command: the
	# worker may since have freed the array a grow left (256 buckets,
	# 20 KiB, 1 % of 2 MiB here), so the bound below the limit is 5 %.
	local mem
	mem=$(awk '$1 == "memory_bytes" { sum += $2 } END { print sum }' \
		"$FS/lim1" "$FS/lim2" "$FS/lim4")
	diag "the named maps hold $mem bytes at the limit"
	check "... near 2 MiB (1.9..3 MiB)" \
		test "$mem" -ge $((2 * MiB * 95 / 100)) -a "$mem" -lt $((3 * MiB))
	check_status 3 "... and no map may be created" "$H" create lim5
	check_status 0 "the /dev/hmap map is not limited by it" "$H" fill -q -s 1000 3000
	"$H" clear
	"$H" -m lim1 clear
	check_status 0 "after a clear there is room again" "$H" -m lim2 put k v
	echo "$old_mem" > /sys/module/hmap/parameters/maps_memory_limit
	"$H" destroy lim1 lim2 lim4
}

# Each named map's resizes carry its own id (its inode number) in the
# tracepoints, and every resize of each map that starts also ends.
test_trace() {
	local T=/sys/kernel/tracing ida idb ev m id starts dones
	if [ ! -d "$T/events/hmap" ]; then
		skip "no tracefs" "tracepoints name each map by its id"
		return
	fi
	"$H" create tra --max-entries 10000
	"$H" create trb --max-entries 10000
	ida=$(stat -c %i "$FS/tra")
	idb=$(stat -c %i "$FS/trb")
	echo > "$T/trace"
	for ev in hmap_resize_start hmap_resize_done hmap_resize_abandon; do
		echo 1 > "$T/events/hmap/$ev/enable"
	done
	"$H" -m tra fill -q 2000
	"$H" -m trb fill -q 300
	"$H" -m tra watch -u -w 1 -i 0.2 -c 300 > /dev/null 2>&1
	"$H" -m trb watch -u -w 1 -i 0.2 -c 300 > /dev/null 2>&1
	for ev in hmap_resize_start hmap_resize_done hmap_resize_abandon; do
		echo 0 > "$T/events/hmap/$ev/enable"
	done
	cp "$T/trace" "$TMP/trace"
	for m in tra:"$ida" trb:"$idb"; do
		id=${m#*:}
		starts=$(grep -c "hmap_resize_start: map=$id " "$TMP/trace")
		dones=$(grep -Ec "hmap_resize_(done|abandon): map=$id " "$TMP/trace")
		diag "${m%%:*} (id $id): $starts resizes started, $dones ended"
		check "${m%%:*}'s resizes are traced under its id $id" test "$starts" -gt 0
		check "... each one that started ended" test "$starts" -eq "$dones"
	done
	check "no resize event names another map" sh -c \
		"! grep -E 'hmap_resize_[a-z]+: map=' '$TMP/trace' | grep -Ev 'map=($ida|$idb) '"
	check "the name is found from the id of an event" \
		test "$(find "$FS" -inum "$ida" -printf %f)" = tra
	"$H" destroy tra trb
}

# memcg_current GROUP: its memory.current in bytes.
memcg_current() { cat "$CGROOT/$1/memory.current"; }

# in_group GROUP COMMAND...: run COMMAND in the memory cgroup GROUP.
in_group() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	bash -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' \
		in_group "$CGROOT/$1" "${@:2}"
}

test_memcg() {
	if ! grep -qw memory "$CGROOT/cgroup.controllers" 2> /dev/null; then
		skip "no memory controller" "memory charged to the creator's cgroup"
		return
	fi
	grep -qw memory "$CGROOT/cgroup.subtree_control" ||
		echo +memory > "$CGROOT/cgroup.subtree_control"
	mkdir -p "$CGROOT/hmap-maps-a" "$CGROOT/hmap-maps-b"
	check_status 0 "a process in group a creates map cga" in_group hmap-maps-a "$H" create cga
	check_status 0 "a process in group b creates map cgb" in_group hmap-maps-b "$H" create cgb
	sleep 3	# memory.current is exact, but let the groups settle
	local a0 b0 a1 b1 mem
	a0=$(memcg_current hmap-maps-a)
	b0=$(memcg_current hmap-maps-b)
	check_status 0 "a process in group b fills cga (8000 x 2 KiB)" \
		in_group hmap-maps-b "$H" -m cga fill -q -s 2048 8000
	a1=$(memcg_current hmap-maps-a)
	b1=$(memcg_current hmap-maps-b)
	mem=$(awk '$1 == "memory_bytes" { print $2 }' "$FS/cga")
	diag "cga holds $mem bytes; group a: $a0 -> $a1, group b: $b0 -> $b1"
	check "group a (the creator's) grew by at least 90% of cga's memory" \
		test $((a1 - a0)) -ge $((mem * 9 / 10))
	check "group b (the writer's) grew by under 10% of it" \
		test $((b1 - b0)) -lt $((mem / 10))
	check_status 0 "a process in group a fills cgb (8000 x 2 KiB)" \
		in_group hmap-maps-a "$H" -m cgb fill -q -s 2048 8000
	mem=$(awk '$1 == "memory_bytes" { print $2 }' "$FS/cgb")
	local b2 a2
	a2=$(memcg_current hmap-maps-a)
	b2=$(memcg_current hmap-maps-b)
	diag "cgb holds $mem bytes; group a: $a1 -> $a2, group b: $b1 -> $b2"
	check "... now group b (cgb's creator) grew by at least 90% of cgb's memory" \
		test $((b2 - b1)) -ge $((mem * 9 / 10))
	check "... and group a by under 10% of it" test $((a2 - a1)) -lt $((mem / 10))
	"$H" destroy cga cgb
	sleep 1
	check "destroying cga gives group a its memory back" \
		test "$(memcg_current hmap-maps-a)" -lt $((a1 - (a1 - a0) * 8 / 10))
	rmdir "$CGROOT/hmap-maps-a" "$CGROOT/hmap-maps-b"
}

if ! load_hmap; then
	not_ok "insmod hmap.ko"
	tap_finish
fi
check "/sys/fs/hmap exists once hmap is loaded" test -d "$FS"
if ! mount -t hmap none "$FS"; then
	not_ok "mount -t hmap none $FS"
	tap_finish
fi
ok "mount -t hmap none $FS"
check "the directory is mode 1777" test "$(stat -c %a "$FS")" = 1777
check "statfs says hmap" test "$(stat -f -c %t "$FS")" = 686d6170
# HMAP_MAPS_TESTS="freeze memcg" runs only those parts.
for t in ${HMAP_MAPS_TESTS:-abi freeze drain dump unlinked race many hmapctl \
	 permissions lifetime limits trace memcg}; do
	"test_$t"
done
check "umount" umount "$FS"
check "rmmod hmap" unload_hmap
tap_finish
