#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 20-hmapctl.sh - the hmapctl CLI: every command and option, exit statuses
# and messages, binary-safe keys and values, TSV and JSON output, a load of
# 200 000 lines that dump reproduces, a load killed midway, and what a
# non-root user gets. TAP on stdout.
set -u
. "$(dirname "$0")/lib.sh"

H=$HMAPCTL
LINES=${HMAP_TEST_LOAD_LINES:-200000}

json_ok() { python3 -c 'import json, sys; json.load(sys.stdin)'; }
stat_of() { "$H" stats --json | python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }
out_is() { [ "$(cat "$TMP/stdout")" = "$1" ] || { diag "stdout: $(head -c 200 "$TMP/stdout")"; return 1; }; }
err_has() { grep -q -- "$1" "$TMP/stderr" || { diag "stderr: $(head -c 300 "$TMP/stderr")"; return 1; }; }
dump_sorted() { "$H" dump | LC_ALL=C sort; }

# ---- put, get, del, take and their exit statuses ----------------------
test_basic() {
	check_status 0 "put k v" "$H" put k v
	check_status 0 "get k" "$H" get k
	check "get prints the value" out_is v
	check_status 1 "get of an absent key exits 1" "$H" get nope
	check "... and says 'key not found' and ENOENT" err_has "key not found (ENOENT"
	check_status 3 "put -n of a present key exits 3" "$H" put -n k w
	check "... and names EEXIST" err_has EEXIST
	check_status 1 "put -u of an absent key exits 1" "$H" put -u absent w
	check_status 0 "put -u of a present key" "$H" put -u k w
	check "put -u updated" test "$("$H" get k)" = w
	check_status 0 "put --noexist of a new key" "$H" put --noexist k2 v2
	check_status 0 "take k2" "$H" take k2
	check "take prints the value" out_is v2
	check_status 1 "take removed the key" "$H" get k2
	check_status 1 "take of an absent key exits 1" "$H" take k2
	check_status 0 "del k" "$H" del k
	check_status 1 "del of an absent key exits 1" "$H" del k
	"$H" put a 1; "$H" put b 2
	check_status 1 "del a nope b: exit 1 for the absent one" "$H" del a nope b
	check "... and deleted the present ones" test "$(hmap_count)" -eq 0
	check_status 0 "put an empty value" "$H" put empty ''
	check "get an empty value prints an empty line" test "$("$H" get empty | od -An -c | tr -d ' ')" = '\n'
	"$H" del empty
}

# ---- binary-safe forms -------------------------------------------------
test_binary() {
	check_status 0 "put -e with escapes" "$H" put -e 'a\tb\x00' 'x\ny\\z\x7f\xff'
	check_status 0 "get -e prints the value escaped" "$H" get -e 'a\tb\x00'
	check "... exactly" out_is 'x\ny\\z\x7f\xff'
	printf 'x\ny\\z\x7f\xff' > "$TMP/want"
	"$H" get -r -e 'a\tb\x00' > "$TMP/got"
	check "get -r prints the raw bytes" cmp -s "$TMP/want" "$TMP/got"
	check_status 2 "an odd number of hex digits is a usage error" "$H" get -x 6109620
	check_status 0 "get -x with the key in hex" "$H" get -x 61096200
	check "... prints the value in hex" out_is 780a795c7a7fff
	check_status 0 "put -x" "$H" put -x 00ff 0102
	check "get -x returns it" test "$("$H" get -x 00ff)" = 0102
	check_status 2 "a bad escape is a usage error" "$H" put -e 'bad\q' v
	head -c 4000 /dev/urandom > "$TMP/blob"
	check_status 0 "put -i reads a binary value from stdin" "$H" put -i blob < "$TMP/blob"
	"$H" get -r blob > "$TMP/blob.out"
	check "get -r returns the binary value" cmp -s "$TMP/blob" "$TMP/blob.out"
	"$H" dump > "$TMP/dump.tsv"
	check "dump escapes keys and values (one line per entry)" test "$(wc -l < "$TMP/dump.tsv")" -eq "$(hmap_count)"
	"$H" dump --json > "$TMP/dump.json"
	check "dump --json is valid JSON" json_ok < "$TMP/dump.json"
	check "dump --json gives non-UTF-8 keys as key_hex" grep -q '"key_hex":"00ff"' "$TMP/dump.json"
	check "dump --json gives UTF-8 keys as strings" grep -qF '"key":"a\u0009b\u0000"' "$TMP/dump.json"
	"$H" clear
	"$H" load < "$TMP/dump.tsv"
	"$H" dump > "$TMP/dump2.tsv"
	LC_ALL=C sort -o "$TMP/dump.tsv" "$TMP/dump.tsv"
	LC_ALL=C sort -o "$TMP/dump2.tsv" "$TMP/dump2.tsv"
	check "load of a dump restores the same binary entries" cmp -s "$TMP/dump.tsv" "$TMP/dump2.tsv"
	"$H" clear
}

# ---- stats, sysfs, clear, fill, watch -----------------------------------
test_stats() {
	"$H" fill -q 3000
	check_status 0 "stats" "$H" stats
	check "stats prints count 3000" grep -qE '^count +3000$' "$TMP/stdout"
	check "stats prints every counter" test "$(wc -l < "$TMP/stdout")" -eq 17
	check_status 0 "stats --json" "$H" stats --json
	check "stats --json is valid JSON" json_ok < "$TMP/stdout"
	check "stats --json count is 3000" test "$(stat_of count)" -eq 3000
	check "sysfs count agrees" test "$(hmap_count)" -eq 3000
	check "sysfs resize is a word" grep -qxE 'none|grow|same_size|shrink' /sys/class/misc/hmap/resize
	check "the map grew" test "$(cat /sys/class/misc/hmap/grows)" -gt 0
	check "fill made key-0 .. key-2999" test "$("$H" get key-2999)" = value-2999
	check_status 0 "fill -p P -S 10 -s 100 5" "$H" fill -q -p P -S 10 -s 100 5
	check "... made P10..P14 with 100-byte values" test "$("$H" get P14 | wc -c)" -eq 101
	check_status 3 "fill -n of present keys exits 3" "$H" fill -q -n 10
	check "... naming EEXIST and the item" err_has "item 0: key already exists (EEXIST"
	check_status 0 "watch -c 3 -i 0.1" "$H" watch -c 3 -i 0.1
	check "watch printed a header and 3 lines" test "$(wc -l < "$TMP/stdout")" -eq 4
	"$H" fill -q -S 3000 20000
	check_status 0 "watch --until-idle ends once no resize runs" timeout 120 "$H" watch -u -i 0.2
	check_status 0 "clear" "$H" clear
	check "clear emptied the map" test "$(hmap_count)" -eq 0
}

# ---- load 200 000 lines, dump them back ------------------------------
make_tsv() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "key-%d\tvalue-%d\n", i, i }'
	printf 'tab\\there\tnew\\nline\n'
	printf 'back\\\\slash\tctl\\x01\\x7f\n'
	printf 'caf\xc3\xa9\t\xe2\x82\xac\n'
	printf 'empty-value\t\n'
}

test_load() {
	make_tsv "$LINES" > "$TMP/load.tsv"
	local n=$((LINES + 4)) t0=$SECONDS
	check_status 0 "load $n lines from a file" "$H" load -q "$TMP/load.tsv"
	diag "load of $n lines took $((SECONDS - t0))s"
	check "count is $n" test "$(hmap_count)" -eq "$n"
	t0=$SECONDS
	dump_sorted > "$TMP/dumped.tsv"
	diag "dump took $((SECONDS - t0))s"
	LC_ALL=C sort "$TMP/load.tsv" > "$TMP/load.sorted"
	check "dump reproduces the $n lines exactly" cmp -s "$TMP/load.sorted" "$TMP/dumped.tsv"
	check_status 0 "load from stdin with -u (updates only)" "$H" load -q -u <<< $'key-1\tnew'
	check "... updated" test "$("$H" get key-1)" = new
	check_status 1 "load -u of an absent key exits 1" "$H" load -q -u <<< $'nope\tx'
	printf 'ok\t1\nno tab here\n' > "$TMP/bad.tsv"
	check_status 3 "load of a line without a tab exits 3" "$H" load -q "$TMP/bad.tsv"
	check "... naming the file and line" err_has "bad.tsv:2: no tab"
	check_status 3 "load of a missing file exits 3" "$H" load -q "$TMP/nonexistent"
	check "... naming ENOENT" err_has ENOENT
	"$H" clear
}

# ---- a load killed midway --------------------------------------------
test_killed_load() {
	local k status
	make_tsv 100000 > "$TMP/kill.tsv"
	"$H" load -q -b 64 "$TMP/kill.tsv" &
	sleep 1
	kill -9 $! 2> /dev/null
	wait $!
	status=$?
	k=$(hmap_count)
	diag "load killed (status $status) after $k entries"
	if [ "$status" -ne 137 ]; then
		skip "load finished before the kill" "a killed load leaves a prefix of the file"
	else
		head -n "$k" "$TMP/kill.tsv" | LC_ALL=C sort > "$TMP/prefix.tsv"
		dump_sorted > "$TMP/after-kill.tsv"
		check "a killed load leaves exactly the first $k lines" cmp -s "$TMP/prefix.tsv" "$TMP/after-kill.tsv"
	fi
	check_status 0 "the map works after the kill" "$H" put after-kill yes
	check "... get too" test "$("$H" get after-kill)" = yes
	"$H" clear
}

# ---- bench -------------------------------------------------------------
test_bench() {
	"$H" fill -q 100
	dump_sorted > "$TMP/pre-bench"
	check_status 0 "bench -n 300 -b 16" "$H" bench -n 300 -b 16
	check "bench prints single and batched put/get/del" test "$(grep -cE '^(single|batch16) +(put|get|del) ' "$TMP/stdout")" -eq 6
	diag "$(cat "$TMP/stdout")"
	check_status 0 "bench --json -m batch" "$H" bench -n 200 -m batch --json
	check "bench --json is valid JSON" json_ok < "$TMP/stdout"
	dump_sorted > "$TMP/post-bench"
	check "bench left the map as it was" cmp -s "$TMP/pre-bench" "$TMP/post-bench"
	check_status 2 "bench -m bogus is a usage error" "$H" bench -m bogus
	"$H" clear
}

# ---- usage, help, permissions, limits ----------------------------------
test_usage() {
	local c
	check_status 2 "no command exits 2" "$H"
	check_status 2 "an unknown command exits 2" "$H" frobnicate
	check_status 2 "put with one argument exits 2" "$H" put onlykey
	check_status 2 "an unknown option exits 2" "$H" get --bogus k
	check_status 2 "fill abc exits 2" "$H" fill abc
	check_status 0 "--help" "$H" --help
	for c in put get del take stats dump load fill clear watch bench help; do
		check_status 0 "$c --help" "$H" "$c" --help
		check "$c --help starts with its usage" grep -q "^Usage: hmapctl $c" "$TMP/stdout"
	done
	check_status 0 "help dump" "$H" help dump
	if command -v man > /dev/null; then
		check "the man page renders" sh -c "MANWIDTH=80 man -l userspace/hmapctl.8 2>&1 | grep -q 'hmapctl put'"
	else
		skip "no man(1) here" "the man page renders"
	fi
	check_status 3 "a key longer than max_key_size exits 3" "$H" put "$(head -c 300 /dev/zero | tr '\0' k)" v
	check "... naming EMSGSIZE" err_has EMSGSIZE
	check_status 3 "a wrong device exits 3" "$H" -d /dev/null-hmap stats
	check_status 3 "non-root cannot open /dev/hmap (mode 0600)" nobody "$H" stats
	check "... and is told EACCES" err_has EACCES
}

test_full() {
	if ! load_hmap max_entries=50; then
		not_ok "insmod hmap.ko max_entries=50"
		return
	fi
	check_status 3 "fill past max_entries exits 3" "$H" fill -q 60
	check "... saying the map is full, E2BIG" err_has "map is full (max_entries reached) (E2BIG"
	check "the map holds max_entries" test "$(hmap_count)" -eq 50
}

if ! load_hmap; then
	not_ok "insmod hmap.ko"
	tap_finish
fi
ok "insmod hmap.ko"
timed test_basic
timed test_binary
timed test_stats
timed test_load
timed test_killed_load
timed test_bench
timed test_usage
timed test_full
check "rmmod hmap" unload_hmap
tap_finish
