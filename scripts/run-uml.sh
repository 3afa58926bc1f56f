#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-uml.sh - boot a User-Mode Linux test kernel and run a command in it.
#
# usage: run-uml.sh [--flavor um-debug|um-perf] [--timeout SECS] [--mem SIZE]
#                   [--name NAME] [--quiet] [--shell] [-- COMMAND...]
#
# run-guest.sh's interface and semantics on a kernel that runs as a process
# of the host (ARCH=um) at the host CPU's speed instead of under QEMU's
# TCG: the guest's root is the host's / mounted read-only with hostfs, so
# the project, the modules and the host's tools are at the same absolute
# paths; out/ ($HMAP_OUT) is a read-write hostfs mount at its host path.
# scripts/guest-init.sh is PID 1 (with hmap.uml=1). COMMAND (the words
# after "--", joined by spaces) runs under bash in the project's copy built
# for the flavor's kernel (out/flavor-build/FLAVOR: hmap.ko, the KUnit
# module and userspace/ built against the UML tree, see flavor_build in
# lib.sh), so "insmod hmap.ko" and userspace/tests/run.sh work unchanged.
#
#   --flavor F    um-debug (default: KASAN, lockdep, PROVE_RCU, kmemleak,
#                 UBSAN) or um-perf, built if not cached
#   --timeout S   kill the guest after S seconds and exit 124 (default 600;
#                 none with --shell unless given)
#   --mem SIZE    RAM (default 2G)
#   --smp 1       accepted for run-guest.sh's sake: UML 6.12 has one CPU
#   --name NAME   console log at out/logs/NAME.log (default FLAVOR-TIME-PID)
#   --quiet       do not copy the console to stdout (the log still has it)
#   --shell       load hmap.ko, run COMMAND if any, then give an
#                 interactive shell on the console (exit powers off)
#
# Exit status: COMMAND's, or 124 on timeout, or 125 when the guest kernel
# log reports a bug (BUG, WARNING, KASAN, lockdep, kmemleak, ...; see
# check-kernel-log.sh) or the guest died before the command finished.
#
# What UML cannot do (those tests stay in QEMU, see check.sh): more than
# one CPU, kprobes, perf events and BPF (so bpftrace), x86 itself; and a
# system call from user space costs ~30 us (ptrace), so user-space
# benchmarks mean little here. It needs no privileges beyond ptrace of its
# own children and a writable /dev/shm or $TMPDIR for its memory file.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '4,7p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

flavor=um-debug timeout='' mem=2G name='' quiet=0 shell=0
while [ $# -gt 0 ]; do
	case "$1" in
	--flavor) flavor=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--smp)
		[ "${2:-}" = 1 ] || {
			echo "run-uml: UML 6.12 has one CPU: --smp 1 only" >&2
			exit 2
		}
		shift 2 ;;
	--name) name=${2:?}; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--shell) shell=1; shift ;;
	--) shift; break ;;
	-h|--help) usage ;;
	*) echo "run-uml: unknown option $1" >&2; usage ;;
	esac
done
case "$flavor" in
um-*) ;;
*) echo "run-uml: $flavor is not a UML flavor (um-debug, um-perf)" >&2; exit 2 ;;
esac
command="$*"
if [ -z "$command" ] && [ "$shell" = 0 ]; then
	echo "run-uml: nothing to run: give -- COMMAND or --shell" >&2
	usage
fi
[ -n "$timeout" ] || { [ "$shell" = 1 ] && timeout=0 || timeout=600; }
name=${name:-$flavor-$(date +%Y%m%d-%H%M%S)-$$}

say() { echo "run-uml: $*" >&2; }

build=$("$HMAP_ROOT/scripts/build-kernel.sh" "$flavor")
linux=$build/linux
[ -x "$linux" ] || { say "no UML kernel $linux"; exit 1; }

mkdir -p "$HMAP_OUT/logs" "$HMAP_OUT/run"
log=$HMAP_OUT/logs/$name.log
run=$(mktemp -d "$HMAP_OUT/run/$name.XXXXXX")
trap 'rm -rf "$run"' EXIT

say "building hmap.ko, kunit/ and userspace/ against $build"
root=$(flavor_build "$flavor" "$build" "$HMAP_OUT/logs/$name.build.log") ||
	exit 1
if [ "$shell" = 1 ]; then
	command="insmod $root/hmap.ko && ls -l /dev/hmap
$command"
fi
printf '%s\n' "$command" > "$run/cmd"

# con0 is the console (printk and PID 1's output): no input, output on our
# stdout; the other consoles go nowhere. panic=0: a UML kernel that panics
# exits (a reboot would start it again).
args=(mem="$mem" printk.time=1 panic=0 no_hash_pointers
	root=/dev/root rootfstype=hostfs rootflags=/ ro
	init="$HMAP_ROOT/scripts/guest-init.sh"
	hmap.uml=1 hmap.root="$root" hmap.out="$HMAP_OUT" hmap.run="$run")
# shellcheck disable=SC2054 # commas separate a channel's input and output
if [ "$shell" = 1 ]; then
	args+=(con0=fd:0,fd:1 con=null hmap.shell=1)
	size=$(stty size 2>/dev/null | tr ' ' x || true)
	[ -z "$size" ] || args+=(hmap.tty="$size")
else
	args+=(con0=null,fd:1 con=null)
fi

say "console log: $log; the command runs in $root"
start=$SECONDS
set +e
# No core file from a UML kernel that aborts (it does on a panic).
ulimit -c 0
if [ "$shell" = 1 ]; then
	timeout --foreground -k 10 "$timeout" "$linux" "${args[@]}" 2>&1 |
		tee "$log"
	ustatus=${PIPESTATUS[0]}
else
	# timeout signals its whole process group: the UML kernel and the host
	# processes that run its user space. SIGKILL: on SIGTERM the UML kernel
	# runs its shutdown from the signal handler, in a context that lockdep,
	# PROVE_RCU and the tracepoints report as a flood of warnings, which
	# would bury the timeout under reports of a bug that is not there.
	# (timeout kills itself with its group: the subshell keeps bash's
	# "Killed" notice out of our stderr.)
	if [ "$quiet" = 1 ]; then
		(timeout -s KILL "$timeout" "$linux" "${args[@]}" < /dev/null \
			> "$log" 2>&1; exit $?) 2> /dev/null
		ustatus=$?
	else
		(timeout -s KILL "$timeout" "$linux" "${args[@]}" < /dev/null \
			2>&1; exit $?) 2> /dev/null | tee "$log"
		ustatus=${PIPESTATUS[0]}
	fi
fi
set -e
status=0
guest_verdict run-uml "$ustatus" "$((SECONDS - start))" "$timeout" "$log" \
	"$run" || status=$?
exit "$status"
