#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-guest.sh - boot the hmap test kernel in QEMU and run a command in it.
#
# usage: run-guest.sh [--flavor debug|perf] [--timeout SECS] [--smp N]
#                     [--mem SIZE] [--name NAME] [--quiet] [--shell]
#                     [-- COMMAND...]
#
# The guest's root is the host's / shared read-only over virtio-9p, so the
# project, the freshly built modules and the host's tools (insmod, bpftrace,
# python3) are at the same absolute paths. out/ ($HMAP_OUT) is shared
# read-write at its host path, for results the host reads back. COMMAND (the
# words after "--", joined by spaces) runs under bash in the project root;
# its exit status becomes ours.
#
#   --flavor F    test kernel flavor (default debug), built if not cached
#   --timeout S   kill the guest after S seconds and exit 124 (default 600;
#                 none with --shell unless given)
#   --smp N       vCPUs (default 2)        --mem SIZE  RAM (default 2G)
#   --name NAME   console log at out/logs/NAME.log (default FLAVOR-TIME-PID)
#   --quiet       do not copy the console to stdout (the log still has it)
#   --shell       build hmap.ko, load it, run COMMAND if any, then give an
#                 interactive shell on the console (Ctrl-A x kills QEMU)
#
# Exit status: COMMAND's, or 124 on timeout, or 125 when the guest kernel
# log reports a bug (BUG, WARNING, KASAN, lockdep, kmemleak, ...; see
# check-kernel-log.sh) or the guest died before the command finished.
#
# TCG is used: nested KVM hangs on the machines this was written on. Set
# HMAP_ACCEL=kvm to try KVM where it works.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '4,8p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

flavor=debug timeout='' smp=2 mem=2G name='' quiet=0 shell=0
while [ $# -gt 0 ]; do
	case "$1" in
	--flavor) flavor=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--smp) smp=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--name) name=${2:?}; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--shell) shell=1; shift ;;
	--) shift; break ;;
	-h|--help) usage ;;
	*) echo "run-guest: unknown option $1" >&2; usage ;;
	esac
done
command="$*"
if [ -z "$command" ] && [ "$shell" = 0 ]; then
	echo "run-guest: nothing to run: give -- COMMAND or --shell" >&2
	usage
fi
[ -n "$timeout" ] || { [ "$shell" = 1 ] && timeout=0 || timeout=600; }
name=${name:-$flavor-$(date +%Y%m%d-%H%M%S)-$$}

say() { echo "run-guest: $*" >&2; }

build=$("$HMAP_ROOT/scripts/build-kernel.sh" "$flavor")
bzimage=$build/arch/x86/boot/bzImage
[ -f "$bzimage" ] || { say "no kernel image $bzimage"; exit 1; }

mkdir -p "$HMAP_OUT/logs" "$HMAP_OUT/run"
log=$HMAP_OUT/logs/$name.log
run=$(mktemp -d "$HMAP_OUT/run/$name.XXXXXX")
trap 'rm -rf "$run"' EXIT

if [ "$shell" = 1 ]; then
	say "building hmap.ko against $build"
	make -C "$HMAP_ROOT" KDIR="$build" modules \
		> "$HMAP_OUT/logs/$name.build.log" 2>&1 || {
		tail -n 20 "$HMAP_OUT/logs/$name.build.log" >&2
		say "module build failed; log: $HMAP_OUT/logs/$name.build.log"
		exit 1
	}
	command="insmod $HMAP_ROOT/hmap.ko && ls -l /dev/hmap
$command"
fi
printf '%s\n' "$command" > "$run/cmd"

# tsc=reliable: under TCG the TSC follows the host clock, while the
# clocksource watchdog's jiffies lag behind and would "unstable" it.
append="console=ttyS0 printk.time=1 panic=-1 no_hash_pointers tsc=reliable"
# The guest's TSC is the host's; its calibration against the PIT often
# fails under TCG and leaves ktime on jiffies. Tell it the host's rate.
tsc_khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
[ -z "$tsc_khz" ] || append+=" tsc_early_khz=$tsc_khz"
append+=" root=/dev/root rootfstype=9p ro"
append+=" rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose"
append+=" init=$HMAP_ROOT/scripts/guest-init.sh"
append+=" hmap.root=$HMAP_ROOT hmap.out=$HMAP_OUT hmap.run=$run"
if [ "$shell" = 1 ]; then
	size=$(stty size 2>/dev/null | tr ' ' x || true)
	append+=" hmap.shell=1${size:+ hmap.tty=$size}"
fi

# shellcheck disable=SC2054 # commas separate QEMU suboptions
qemu=(qemu-system-x86_64
	-accel "${HMAP_ACCEL:-tcg}" -cpu max -m "$mem"
	# Without ACPI the kernel counts CPUs from SeaBIOS's MP table, which
	# lists one per socket: give each vCPU a socket of its own.
	-smp "$smp,sockets=$smp,cores=1,threads=1"
	-nodefaults -no-user-config -no-reboot -display none
	-kernel "$bzimage" -append "$append"
	-fsdev "local,id=rootfs,path=/,readonly=on,multidevs=remap,security_model=none"
	-device virtio-9p-pci,fsdev=rootfs,mount_tag=/dev/root
	-fsdev "local,id=outfs,path=$HMAP_OUT,multidevs=remap,security_model=none"
	-device virtio-9p-pci,fsdev=outfs,mount_tag=hmapout)

if [ "$shell" = 1 ]; then
	# shellcheck disable=SC2054
	qemu+=(-chardev "stdio,id=con,mux=on,signal=off,logfile=$log"
		-serial chardev:con -mon chardev=con,mode=readline)
	say "console log: $log; Ctrl-A x kills the guest"
else
	qemu+=(-chardev "stdio,id=con,logfile=$log" -serial chardev:con)
	say "console log: $log"
fi

start=$SECONDS
set +e
if [ "$shell" = 1 ]; then
	timeout --foreground -k 10 "$timeout" "${qemu[@]}"
elif [ "$quiet" = 1 ]; then
	timeout --foreground -k 10 "$timeout" "${qemu[@]}" < /dev/null > /dev/null
else
	timeout --foreground -k 10 "$timeout" "${qemu[@]}" < /dev/null
fi
qstatus=$?
set -e
elapsed=$((SECONDS - start))

if [ "$qstatus" = 124 ] || [ "$qstatus" = 137 ]; then
	say "TIMEOUT: guest killed after ${timeout}s; log: $log"
	"$HMAP_ROOT/scripts/check-kernel-log.sh" "$log" >&2 || true
	exit 124
fi
if [ "$qstatus" != 0 ]; then
	say "QEMU exited with status $qstatus after ${elapsed}s; log: $log"
	exit 125
fi
if ! "$HMAP_ROOT/scripts/check-kernel-log.sh" "$log" >&2; then
	say "FAIL: the guest kernel log reports a bug; log: $log"
	exit 125
fi
if [ ! -s "$run/status" ]; then
	say "FAIL: the guest stopped before the command finished; log: $log"
	tail -n 15 "$log" | tr -d '\r' | sed 's/^/  /' >&2
	exit 125
fi
status=$(cat "$run/status")
say "guest done in ${elapsed}s, command exit status $status; log: $log"
exit "$status"
