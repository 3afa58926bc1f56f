#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-kernel-log.sh LOGFILE - fail when a guest console log shows a kernel
# bug: BUG/WARNING/Oops, KASAN, KCSAN, UBSAN, kmemleak, lockdep, RCU stalls,
# panics.
#
# Exit status: 0 clean, 1 bug reports found (the offending lines are printed
# on stdout, with their line numbers, and for each KCSAN report its accesses
# and their first and hmap frames), 2 usage error. KCSAN reports of the
# kernel's own known races (known_kernel_races below) are printed and do
# not fail.
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
	# KCSAN (the kcsan flavor): every report, "BUG: KCSAN: data-race in
	# ..." or "BUG: KCSAN: assert: race in ...", with or without an hmap
	# frame. 'BUG:' matches them already; named so that no edit of the
	# generic patterns can lose them.
	#
	# Why every report, when KCSAN_STRICT on the whole kernel may also
	# report races inside core kernel code: after boot the kcsan kernel is
	# quiet. Its first two boots each ran every KUnit suite, 10-ioctl.sh
	# and 40-trace.sh (15-20 minutes, ~155000 watchpoints): after boot no
	# report came from the kernel itself, and the only one at all (in the
	# second boot) was a race of the boot code, lapic_cal_handler /
	# setup_boot_APIC_clock at 4.9 s, which STRICT's interrupt watcher
	# sees. So run-guest.sh boots KCSAN kernels with KCSAN off and
	# guest-init.sh turns it on before the command (hmap is not loaded
	# before that), and from then on the simplest rule was also the exact
	# one: any report fails the run; none with an hmap frame can be
	# filtered away by mistake. The other ways were worse: instrumenting
	# only the modules (the kernel built with KCSAN_SANITIZE=n) misses
	# races whose other side is kernel code, and the barriers of an
	# uninstrumented kernel (mutex_unlock(), spin_unlock()) go unseen, so
	# KCSAN_WEAK_MEMORY could report hmap's writes as reordered past them
	# when they are not; filtering reports (debugfs, or here) risks
	# dropping one that races with hmap from a kernel frame. Should a
	# report without an hmap frame appear (the summary below says "no hmap
	# frame"), it is a kernel race: look at it first, then choose between
	# those. Two have, over many runs (the dcache's, the hrtimer
	# sleeper's): they are filtered here, by the two top frames a report's
	# title names, both the kernel's (known_kernel_races below), not by
	# KCSAN's debugfs blocklist, which drops a report but still counts its
	# race, which check.sh fails as a race KCSAN was kept from reporting.
	'BUG: KCSAN:'
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

# Races inside the kernel that KCSAN_STRICT reports and hmap cannot take
# part in, each a group of the functions that race: a KCSAN report whose
# title names two functions of one group ("BUG: KCSAN: data-race in A /
# B", the top frames of its two accesses) is printed and said, not failed.
# A title with a module's function ("hmap_... [hmap]"), or with one
# function only (a race of unknown origin), never matches.
known_kernel_races=(
	# The dcache's hash chains (fs/dcache.c, include/linux/list_bl.h):
	# d_unhashed() reads a dentry's d_hash.pprev under the dentry's lock
	# or none, not under its chain's bit lock, while ___d_drop() of the
	# dentry before or after it in the chain (__hlist_bl_del():
	# "next->pprev = pprev"), __d_rehash() (hlist_bl_add_head_rcu()) or
	# __d_drop() stores it plainly; the readers only test it for NULL.
	# Seen once, ___d_drop / __d_lookup, in 60-maps.sh, whose processes
	# race to make and drop dentries, when two of them shared a chain of
	# the salted dcache hash. hmap writes no dentry field: it makes and
	# drops its files' dentries through the VFS's own calls.
	'___d_drop __d_drop __d_rehash '\
'__d_lookup __d_lookup_rcu __d_lookup_rcu_op_compare d_alloc_parallel'
	# A sleeping hrtimer (kernel/time/hrtimer.c): hrtimer_wakeup(), in the
	# timer interrupt, stores NULL to the sleeper's task pointer plainly,
	# which schedule_hrtimeout_range_clock() reads plainly, on the
	# sleeper's stack, to learn whether the timer fired. Seen once, in a
	# kunit thread's usleep_range() (hmap_stress_races' dumper), the store
	# from an interrupt that landed on a kthread on the same CPU.
	'hrtimer_wakeup schedule_hrtimeout_range_clock'
)

# known_kernel_race LINE: whether LINE is the title of a KCSAN report of
# one of known_kernel_races.
known_kernel_race() {
	local group a b re='BUG: KCSAN: [a-z-]+ in ([^ ]+) / ([^ ]+)$'

	[[ $1 =~ $re ]] || return 1
	a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]}
	for group in "${known_kernel_races[@]}"; do
		[[ " $group " == *" $a "* && " $group " == *" $b "* ]] && return 0
	done
	return 1
}

any=$(IFS='|'; echo "${patterns[*]}")
stamp='\[ *[0-9]+\.[0-9]+\] '
if grep -qaE "$stamp" "$log"; then
	regex="$stamp.*($any)|unreferenced object 0x"
else
	regex="$any"
fi

# Serial consoles end lines with CRLF; drop the CR before matching.
hits=$(tr -d '\r' < "$log" | grep -naE "$regex" || true)
known='' failing=''
while IFS= read -r hit; do
	[ -n "$hit" ] || continue
	if known_kernel_race "${hit#*:}"; then
		known+="$hit"$'\n'
	else
		failing+="$hit"$'\n'
	fi
done <<< "$hits"
if [ -n "$known" ]; then
	echo "check-kernel-log: $log: known races inside the kernel, not failed" \
		"(known_kernel_races in check-kernel-log.sh):"
	printf '%s' "$known" | sed 's/^/  /'
fi
hits=${failing%$'\n'}
[ -z "$hits" ] && exit 0

count=$(printf '%s\n' "$hits" | wc -l)
echo "check-kernel-log: $log: $count line(s) report kernel bugs:"
printf '%s\n' "$hits" | head -n 40 | sed 's/^/  /'
[ "$count" -le 40 ] || echo "  ... ($((count - 40)) more)"

# A KCSAN header names only the top functions; what the race is about is
# in the accesses (which CPU read or wrote what, marked or reordered) and
# the stack frames below them. Quote those: the first frame of each access
# and every frame in hmap's modules ("[hmap]", "[hmap_kunit]"), and say so
# when a report has no hmap frame at all (a race inside the kernel: see
# the KCSAN patterns above for what to do about those).
tr -d '\r' < "$log" | awk -v max=60 '
	function out(s) { if (printed++ < max) print "  " s }
	function end_report() {
		if (inrep && !hmap) out("  (no hmap frame: a race inside the kernel)")
		inrep = 0
	}
	{ line = $0; sub(/^\[ *[0-9]+\.[0-9]+\] /, "", line) }
	line ~ /^BUG: KCSAN:/ {
		end_report()
		if (!n++) print "KCSAN reports: accesses, their first and hmap frames:"
		inrep = 1; first = 0; hmap = 0; out("report " n ": " line); next
	}
	!inrep { next }
	line ~ /^=+$/ { end_report(); next }
	line ~ /(read|write)( \(marked\))?( \(reordered\))? to 0x|race at unknown origin|^value changed/ {
		out("  " line); first = 1; next
	}
	line ~ /^ +[^ ]+\+0x/ {
		if (line ~ /\[hmap(_kunit)?\]/) hmap = 1
		if (first || line ~ /\[hmap(_kunit)?\]/) out("    " line)
		first = 0
	}
	END {
		end_report()
		if (printed > max) print "  ... (" printed - max " more KCSAN lines)"
	}'
exit 1
