#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-kernel-log.sh LOGFILE - fail when a guest console log shows a kernel
# bug: BUG/WARNING/Oops, KASAN, UBSAN, kmemleak, lockdep, RCU stalls, panics.
#
# Exit status: 0 clean, 1 bug reports found (the offending lines are printed
# on stdout, with their line numbers), 2 usage error.
#
# Guests boot with printk.time=1, so every kernel message carries a
# "[ seconds.micros]" stamp. When the log has such stamps, a pattern counts
# only after one, so a test that merely prints "WARNING:" on the console does
# not fail the run. The exception is kmemleak's report, which guest-init.sh
# prints from user space (cat /sys/kernel/debug/kmemleak).
set -euo pipefail

log=${1:-}
if [ -z "$log" ] || [ ! -r "$log" ]; then
	echo "usage: check-kernel-log.sh LOGFILE (readable)" >&2
	exit 2
fi

# Extended regexps, one per kind of report.
patterns=(
	# generic
	'BUG:'
	'kernel BUG at'
	'BUG [^ ]+ \((Not tainted|Tainted)'	# SLUB object debugging
	'WARNING:'
	'\bOops\b'
	'general protection fault'
	'Unable to handle kernel'
	'Kernel panic'
	'Kernel stack is corrupted'
	'stack-protector:'
	'list_(add|del) corruption'
	'refcount_t:'
	'ODEBUG:'				# debugobjects
	# sanitizers
	'KASAN'
	'UBSAN'
	# kmemleak
	'unreferenced object 0x'
	'suspected memory leaks'
	# lockdep, PROVE_RCU
	'possible circular locking'
	'possible recursive locking'
	'inconsistent lock state'
	'possible irq lock inversion'
	'bad unlock balance'
	'held lock freed'
	'lock held when returning to user space'
	'suspicious RCU usage'
	'DEBUG_LOCKS_WARN_ON'
	# stalls and hangs
	'rcu_.* detected stalls'
	'detected stalls on CPUs'
	'self-detected stall'
	'blocked for more than [0-9]+ seconds'
	'soft lockup'
	'hard LOCKUP'
)

any=$(IFS='|'; echo "${patterns[*]}")
stamp='\[ *[0-9]+\.[0-9]+\] '
if grep -qaE "$stamp" "$log"; then
	regex="$stamp.*($any)|unreferenced object 0x"
else
	regex="$any"
fi

# Serial consoles end lines with CRLF; drop the CR before matching.
hits=$(tr -d '\r' < "$log" | grep -naE "$regex" || true)
[ -z "$hits" ] && exit 0

count=$(printf '%s\n' "$hits" | wc -l)
echo "check-kernel-log: $log: $count line(s) report kernel bugs:"
printf '%s\n' "$hits" | head -n 40 | sed 's/^/  /'
[ "$count" -le 40 ] || echo "  ... ($((count - 40)) more)"
exit 1
