#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-init.sh - PID 1 of the hmap QEMU guest started by run-guest.sh,
# and of the User-Mode Linux guest started by run-uml.sh.
#
# The guest's root is the host's / (read-only 9p); the host's out/ directory
# is a second, read-write 9p share (tag "hmapout"); under UML both are
# hostfs mounts of the host's directories. The runner passes, on the kernel
# command line:
#
#   hmap.root=DIR   project root: the command runs there
#   hmap.out=DIR    where to mount the out/ share (the host's path)
#   hmap.run=DIR    per-run directory in out/: reads "cmd", writes "status"
#   hmap.shell=1    after the command, give an interactive shell on ttyS0
#   hmap.tty=RxC    terminal size for the shell
#   hmap.kcsan=1    turn KCSAN on (debugfs) before the command; the runner
#                   boots KCSAN kernels with it off (kcsan.early_enable=0)
#   hmap.uml=1      a User-Mode Linux kernel: out/ is mounted with hostfs,
#                   the console is tty0, and the guest powers off at the
#                   end (a UML kernel that reboots runs itself again)
#
# The command's exit status is written to DIR/status and printed as
# "hmap-guest: exit status N". Then kmemleak is asked to scan (twice, since
# it only reports objects older than 5 s) and its report goes to the console,
# and the guest reboots, which ends QEMU (-no-reboot), or powers off (UML).
#
# Every exec costs ~0.4 s in the debug kernel (KASAN, lockdep) under TCG, so
# this script uses bash builtins wherever it can.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp TERM=linux LANG=C.UTF-8
umask 022

say() { echo "hmap-guest: $*"; }

finish() {
	sync
	# UML powers off (RB_POWER_OFF): its reboot would exec it again.
	if [ "$uml" = 1 ]; then
		perl -e 'syscall(169, 0xfee1dead, 672274793, 0x4321fedc)'
		poweroff -f
	fi
	# With allnoconfig there is no ACPI: poweroff would only halt. Reboot,
	# which QEMU (-no-reboot) turns into an exit. reboot(2) directly: the
	# host's reboot is systemctl, which waits ~25 s for a systemd that is
	# not there. (169 = SYS_reboot on x86-64, cmd RB_AUTOBOOT.)
	perl -e 'syscall(169, 0xfee1dead, 672274793, 0x01234567)'
	reboot -f
	say "could not reboot"
	sleep infinity
}

# /proc first, unconditionally: until it is mounted, /proc is the host's,
# seen through the 9p root, and mount(8) would think everything mounted.
mount -t proc proc /proc

root=/ out='' run='' shell=0 tty='' kcsan=0 uml=0
read -r -a args < /proc/cmdline
for arg in "${args[@]}"; do
	case "$arg" in
	hmap.root=*) root=${arg#*=} ;;
	hmap.out=*) out=${arg#*=} ;;
	hmap.run=*) run=${arg#*=} ;;
	hmap.shell=*) shell=${arg#*=} ;;
	hmap.tty=*) tty=${arg#*=} ;;
	hmap.kcsan=*) kcsan=${arg#*=} ;;
	hmap.uml=*) uml=${arg#*=} ;;
	esac
done

# The guest's own /run and /tmp. A project (or out/) under the host's /tmp
# would vanish under the tmpfs: hold the host's /tmp at /run/host-tmp and
# bind the project's top directory back into the new /tmp.
mount -t tmpfs -o mode=0755 tmpfs /run
keep=()
for dir in "$root" "$out"; do
	case "$dir" in
	/tmp/?*)
		top=${dir#/tmp/} top=${top%%/*}
		[[ " ${keep[*]} " == *" $top "* ]] || keep+=("$top") ;;
	esac
done
[ ${#keep[@]} -eq 0 ] || mount -o bind,X-mount.mkdir /tmp /run/host-tmp
mount -t tmpfs -o mode=1777 tmpfs /tmp
for top in "${keep[@]}"; do
	mount -o bind,X-mount.mkdir "/run/host-tmp/$top" "/tmp/$top"
done

# The rest in one mount(8) run (devtmpfs is mounted by the kernel).
printf '%s\n' > /tmp/fstab \
	'sysfs /sys sysfs defaults 0 0' \
	'devpts /dev/pts devpts X-mount.mkdir 0 0' \
	'tmpfs /dev/shm tmpfs mode=1777,X-mount.mkdir 0 0' \
	'debugfs /sys/kernel/debug debugfs defaults 0 0' \
	'tracefs /sys/kernel/tracing tracefs defaults 0 0' \
	'cgroup2 /sys/fs/cgroup cgroup2 nofail 0 0'
mount -a -T /tmp/fstab

if [ -z "$out" ] || [ -z "$run" ]; then
	say "hmap.out= or hmap.run= missing from the kernel command line"
	finish
fi
if [ "$uml" = 1 ]; then
	# hostfs: the mount's data is the host directory.
	mount -t hostfs -o "$out" hostfs "$out"
else
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 hmapout "$out"
fi || say "could not mount the out/ share on $out"
if [ ! -r "$run/cmd" ]; then
	say "no command file $run/cmd"
	finish
fi

if [ "$kcsan" = 1 ]; then
	if echo on > /sys/kernel/debug/kcsan; then
		say "KCSAN on"
	else
		say "could not turn KCSAN on"
	fi
fi

cd "$root" || say "cannot cd to $root"
read -r up _ < /proc/uptime
say "booted in ${up}s; running the command"

# The command comes in a file, so no quoting has to survive the kernel
# command line. stdin is the console only for the interactive shell.
bash "$run/cmd" < /dev/null
status=$?
if [ "$shell" = 1 ]; then
	say "starting a shell (exit or Ctrl-D powers the guest off)"
	console=/dev/ttyS0
	[ "$uml" = 0 ] || console=/dev/tty0
	if [ -n "$tty" ]; then
		stty -F "$console" rows "${tty%x*}" cols "${tty#*x}" 2>/dev/null
	fi
	# setsid -c makes the console the controlling terminal: job control, ^C.
	# shellcheck disable=SC2094 # a terminal, read and written
	setsid -c -w bash -i < "$console" > "$console" 2>&1
	status=$?
fi
echo "$status" > "$run/status"
say "exit status $status"

if [ -w /sys/kernel/debug/kmemleak ]; then
	say "kmemleak scan"
	# A leak is reported once it is 5 s old: the second scan starts at
	# least 6 s after the first began (a scan of 2G takes ~10 s in TCG).
	start=$SECONDS
	echo scan > /sys/kernel/debug/kmemleak
	wait=$((start + 6 - SECONDS))
	[ "$wait" -le 0 ] || sleep "$wait"
	echo scan > /sys/kernel/debug/kmemleak
	while IFS= read -r line; do
		echo "$line"
	done < /sys/kernel/debug/kmemleak
	say "kmemleak scan done"
fi
finish
