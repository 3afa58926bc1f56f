#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test-check-kernel-log.sh - check-kernel-log.sh's verdicts on made-up
# console logs: one PASS: or FAIL: line per case; exit status 1 if any
# case failed. check.sh runs it with the native suites.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# A KCSAN report as the kernel prints it: title functions $1 and $2, the
# top frames of the write and the read; $3, when set, a frame of the
# reader's stack below its top (e.g. "hmap_fs_create+0x9c/0x1a0 [hmap]").
kcsan_report() {
	cat <<EOF
[  812.101010] ==================================================================
[  812.101020] BUG: KCSAN: data-race in $1 / $2
[  812.101030]
[  812.101040] write to 0xffff888006b2a0c8 of 8 bytes by task 1412 on cpu 1:
[  812.101050]  $1+0x10b/0x150
[  812.101060]  __d_drop+0x24/0x50
[  812.101070]  vfs_unlink+0x1d2/0x2f0
[  812.101080]
[  812.101090] read to 0xffff888006b2a0c8 of 8 bytes by task 1415 on cpu 0:
[  812.101100]  $2+0x1f4/0x260
[  812.101110]  ${3:-d_lookup+0x3c/0x70}
[  812.101120]  path_openat+0x3e1/0x1220
[  812.101130]
[  812.101140] value changed: 0xffff888006b2c4c8 -> 0xffff888006b2d108
[  812.101150]
[  812.101160] Reported by Kernel Concurrency Sanitizer on:
[  812.101170] CPU: 0 UID: 0 PID: 1415 Comm: hmapctl Not tainted 6.12.38 #1
[  812.101180] ==================================================================
EOF
}

boot() {
	cat <<'EOF'
[    0.000000] Linux version 6.12.38 (root@build) #1 SMP PREEMPT
[    4.210000] hmap-guest: KCSAN on
[    4.220000] hmap: loaded
EOF
}

# expect NAME STATUS [OUTPUT-REGEX]: check-kernel-log.sh on $work/log
# exits STATUS, and its output matches OUTPUT-REGEX (extended) if given.
expect() {
	local name=$1 want=$2 regex=${3:-} out status

	out=$("$here/check-kernel-log.sh" "$work/log" 2>&1)
	status=$?
	if [ "$status" != "$want" ]; then
		echo "FAIL: $name: exit status $status, not $want"
		printf '%s\n' "$out" | sed 's/^/    /' | head -n 20
		failed=1
	elif [ -n "$regex" ] && ! grep -qE -- "$regex" <<< "$out"; then
		echo "FAIL: $name: output does not match /$regex/"
		printf '%s\n' "$out" | sed 's/^/    /' | head -n 20
		failed=1
	else
		echo "PASS: $name"
	fi
}

boot > "$work/log"
expect "a clean log passes" 0

{ boot; echo '[   12.000000] WARNING: CPU: 1 PID: 9 at hmap_core.c:100'; } \
	> "$work/log"
expect "a WARNING fails" 1 'WARNING: CPU: 1'

{ boot; echo 'hmap_kunit: # test: WARNING: a test printed this'; } \
	> "$work/log"
expect "a message without the kernel's time stamp is not the kernel's" 0

{ boot; kcsan_report ___d_drop __d_lookup; } > "$work/log"
expect "the dcache's ___d_drop / __d_lookup race is said, not failed" 0 \
	'^  [0-9]+:.*BUG: KCSAN: data-race in ___d_drop / __d_lookup$'

{ boot; kcsan_report ___d_drop __d_lookup \
	'hmap_fs_create+0x9c/0x1a0 [hmap]'; } > "$work/log"
expect "a known race is known by its two top frames, whoever called them" 0 \
	'known races inside the kernel'

{ boot; kcsan_report __d_rehash __d_lookup_rcu; } > "$work/log"
expect "another pair of the dcache's group is known too" 0 \
	'known races inside the kernel'

{ boot; kcsan_report hrtimer_wakeup schedule_hrtimeout_range_clock; } \
	> "$work/log"
expect "the hrtimer sleeper's race is known" 0 'known races inside the kernel'

{ boot; kcsan_report hrtimer_wakeup __d_lookup; } > "$work/log"
expect "functions of two groups are no known race" 1 'report kernel bugs'

{ boot; kcsan_report ___d_drop 'hmap_lookup [hmap]'; } > "$work/log"
expect "a known function racing with hmap fails" 1 \
	'data-race in ___d_drop / hmap_lookup \[hmap\]'

{ boot; kcsan_report ___d_drop hmap_fs_lookup; } > "$work/log"
expect "a known function racing with one not of its group fails" 1 \
	'report kernel bugs'

{ boot; kcsan_report __d_lookup __d_lookup |
	sed 's| / __d_lookup$|+0x1f4/0x260|'; } > "$work/log"
expect "a race of unknown origin in a known function fails" 1 \
	'data-race in __d_lookup\+0x1f4'

{ boot; kcsan_report ___d_drop __d_lookup
	echo '[  900.000000] BUG: KASAN: slab-use-after-free in' \
		'hmap_lookup+0x40/0x90 [hmap]'; } > "$work/log"
expect "a known race beside another report still fails on the other" 1 \
	'1 line\(s\) report kernel bugs'

exit "$failed"
