#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-guest.sh - boot the hmap test kernel in QEMU and run a command in it.
#
# usage: run-guest.sh [--flavor debug|kcsan|perf] [--timeout SECS] [--smp N]
#                     [--mem SIZE] [--name NAME] [--quiet] [--shell]
#                     [--stall SECS] [-- COMMAND...]
#
# The guest's root is the host's / shared read-only over virtio-9p, so the
# project, the freshly built modules and the host's tools (insmod, bpftrace,
# python3) are at the same absolute paths. out/ ($HMAP_OUT) is shared
# read-write at its host path, for results the host reads back. COMMAND (the
# words after "--", joined by spaces) runs under bash in the project root;
# its exit status becomes ours.
#
# The in-tree build (make) is the debug kernel's. For any other flavor the
# runner first builds hmap.ko, the KUnit module and userspace/ against that
# flavor's kernel in a copy of the project, out/flavor-build/FLAVOR, and
# COMMAND runs in the copy: "insmod hmap.ko" or userspace/tests/run.sh then
# load modules that match the running kernel.
#
#   --flavor F    test kernel flavor (debug, kcsan, perf; default debug),
#                 built if not cached
#   --timeout S   kill the guest after S seconds and exit 124 (default 600;
#                 none with --shell unless given)
#   --stall S     a guest whose console stays silent while its vCPUs stay
#                 idle for S seconds is stalled (default 300; 0: never):
#                 it is killed and the runner exits 126 (see below)
#   --smp N       vCPUs (default 2)        --mem SIZE  RAM (default 2G)
#   --name NAME   console log at out/logs/NAME.log (default FLAVOR-TIME-PID)
#   --quiet       do not copy the console to stdout (the log still has it)
#   --shell       build hmap.ko, load it, run COMMAND if any, then give an
#                 interactive shell on the console (Ctrl-A x kills QEMU)
#
# Exit status: COMMAND's, or 124 on timeout, or 125 when the guest kernel
# log reports a bug (BUG, WARNING, KASAN, lockdep, kmemleak, ...; see
# check-kernel-log.sh) or the guest died before the command finished, or
# 126 when the guest stalled (see --stall and stall_watch below).
#
# TCG is used: nested KVM hangs on the machines this was written on. Set
# HMAP_ACCEL=kvm to try KVM where it works.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '4,8p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

flavor=debug timeout='' smp=2 mem=2G name='' quiet=0 shell=0 stall=300
while [ $# -gt 0 ]; do
	case "$1" in
	--flavor) flavor=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--smp) smp=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--name) name=${2:?}; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--stall) stall=${2:?}; shift 2 ;;
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

root=$HMAP_ROOT
if [ "$flavor" != debug ]; then
	say "building hmap.ko, kunit/ and userspace/ against $build"
	root=$(flavor_build "$flavor" "$build" "$HMAP_OUT/logs/$name.build.log") ||
		exit 1
	say "the command runs in $root"
elif [ "$shell" = 1 ]; then
	say "building hmap.ko against $build"
	make -C "$HMAP_ROOT" KDIR="$build" modules \
		> "$HMAP_OUT/logs/$name.build.log" 2>&1 || {
		tail -n 20 "$HMAP_OUT/logs/$name.build.log" >&2
		say "module build failed; log: $HMAP_OUT/logs/$name.build.log"
		exit 1
	}
fi
if [ "$shell" = 1 ]; then
	command="insmod $root/hmap.ko && ls -l /dev/hmap
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
append+=" hmap.root=$root hmap.out=$HMAP_OUT hmap.run=$run"
if [ "$shell" = 1 ]; then
	size=$(stty size 2>/dev/null | tr ' ' x || true)
	append+=" hmap.shell=1${size:+ hmap.tty=$size}"
fi
# A KCSAN kernel starts with KCSAN off and guest-init.sh turns it on before
# the command: boot code has races of its own that only KCSAN_STRICT's
# interrupt watcher sees (lapic_cal_handler / setup_boot_APIC_clock, in one
# boot of two), and none of them can involve hmap, which is not loaded yet.
# After boot every report counts (see check-kernel-log.sh).
if grep -q '^CONFIG_KCSAN=y' "$build/.config"; then
	append+=" kcsan.early_enable=0 hmap.kcsan=1"
fi

smp_arg=$smp
[[ $smp == *,* ]] || smp_arg="$smp,sockets=$smp,cores=1,threads=1"

# shellcheck disable=SC2054 # commas separate QEMU suboptions
qemu=(qemu-system-x86_64
	-accel "${HMAP_ACCEL:-tcg}" -cpu max -m "$mem"
	# Without ACPI the kernel counts CPUs from SeaBIOS's MP table, which
	# lists one per socket: give each vCPU a socket of its own.
	# (An --smp with its own topology, "N,sockets=...", is taken as is.)
	-smp "$smp_arg"
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

# stall_watch PID: a guest stalled under TCG. Seen here: a KUnit guest
# stopped in mid-suite with both vCPUs halted (QEMU at 8 % of a CPU, as
# for any idle guest) and nothing more on its console for half an hour:
# no hung-task, RCU stall or soft-lockup report either, though each fires
# within 120 s of a real hang, because those run off the very timer
# interrupts that had stopped coming. So a console silent for $stall
# seconds while QEMU, whose vCPUs execute the guest, uses under 25 % of a
# CPU is the emulator's stall, not the guest's: kill it, and exit 126, so
# that the caller can boot the guest again.
stall_watch() {
	local pid=$1 qpid='' size last_size=-1 ticks last_ticks=0 quiet_for=0
	local hz
	hz=$(getconf CLK_TCK)
	while kill -0 "$pid" 2> /dev/null; do
		sleep 30
		[ -n "$qpid" ] || qpid=$(pgrep -P "$pid" -x qemu-system-x86 | head -n 1)
		[ -n "$qpid" ] || continue
		size=$(stat -c %s "$log" 2> /dev/null || echo 0)
		ticks=$(awk '{ print $14 + $15 }' "/proc/$qpid/stat" 2> /dev/null) ||
			break
		# Idle: under 7.5 s of CPU (25 %) in the 30 s window. An idle
		# 2-vCPU guest costs QEMU 8-12 % here, one busy vCPU 100 %.
		if [ "$size" = "$last_size" ] &&
			[ $((ticks - last_ticks)) -lt $((hz * 15 / 2)) ]; then
			quiet_for=$((quiet_for + 30))
		else
			quiet_for=0
		fi
		last_size=$size last_ticks=$ticks
		if [ "$quiet_for" -ge "$stall" ]; then
			say "STALLED: no console output and idle vCPUs for ${quiet_for}s"
			: > "$run/stalled"
			kill "$qpid"
			break
		fi
	done
}

start=$SECONDS
set +e
if [ "$shell" = 1 ]; then
	timeout --foreground -k 10 "$timeout" "${qemu[@]}"
	qstatus=$?
else
	if [ "$quiet" = 1 ]; then
		timeout --foreground -k 10 "$timeout" "${qemu[@]}" \
			< /dev/null > /dev/null &
	else
		timeout --foreground -k 10 "$timeout" "${qemu[@]}" < /dev/null &
	fi
	qpid=$!
	watcher=
	if [ "$stall" -gt 0 ]; then
		stall_watch "$qpid" &
		watcher=$!
	fi
	wait "$qpid"
	qstatus=$?
	[ -z "$watcher" ] || kill "$watcher" 2> /dev/null
fi
set -e
elapsed=$((SECONDS - start))

if [ -e "$run/stalled" ]; then
	say "STALLED: guest killed after ${elapsed}s: its console was silent" \
		"and its vCPUs idle for ${stall}s (an emulator stall); log: $log"
	exit 126
fi

status=0
guest_verdict run-guest "$qstatus" "$elapsed" "$timeout" "$log" "$run" ||
	status=$?
exit "$status"
