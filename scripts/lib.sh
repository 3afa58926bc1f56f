# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared paths for the hmap scripts. Sourced, not run.

HMAP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HMAP_CACHE=${HMAP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hmap}
HMAP_OUT=${HMAP_OUT:-$HMAP_ROOT/out}
# shellcheck disable=SC2034 # used by build-kernel.sh
KSRC_TARBALL=/usr/src/linux-source-6.12.tar.xz

# Version of the installed linux-source-6.12 package: the source cache key.
ksrc_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12
}

# Patches to the kernel source (scripts/kernel/patches), applied in name
# order when it is unpacked: each says what it mends and why.
kernel_patches() {
	local p
	for p in "$HMAP_ROOT"/scripts/kernel/patches/*.patch; do
		[ -e "$p" ] && echo "$p"
	done
}

# The patches' contents, as a key: a change to them unpacks the source
# again and rebuilds every flavor.
kernel_patches_key() {
	# shellcheck disable=SC2046
	cat $(kernel_patches) /dev/null | sha256sum | cut -c1-8
}

ksrc_dir() {
	echo "$HMAP_CACHE/linux-$(ksrc_version | tr '~:+' '___')-$(kernel_patches_key)"
}

# Config fragments of a flavor, in the order they are applied. The QEMU
# flavors (debug, kcsan, perf) are common.config + FLAVOR.config; the
# User-Mode Linux flavors um-X are um-common.config + X.config (the same
# checkers as the QEMU flavor X) + um-X.config.
kernel_fragments() {
	local k=$HMAP_ROOT/scripts/kernel
	case "$1" in
	um-*) echo "$k/um-common.config" "$k/${1#um-}.config" "$k/$1.config" ;;
	*) echo "$k/common.config" "$k/$1.config" ;;
	esac
}

# kernel_arch FLAVOR: the kernel's ARCH= for the flavor (um for um-*;
# empty: the host's, x86).
kernel_arch() {
	case "$1" in
	um-*) echo um ;;
	esac
}

# kdir_make_args KDIR: what every make against the kernel tree KDIR needs
# besides -C and M=: ARCH=um for a User-Mode Linux tree (an O= build tree
# does not remember its ARCH).
kdir_make_args() {
	if grep -qx 'CONFIG_UML=y' "$1/.config" 2> /dev/null; then
		echo ARCH=um
	fi
}

# Build directory of a flavor: keyed by source version, fragment contents
# and patches.
kernel_build_dir() {
	local hash
	# shellcheck disable=SC2046,SC2002
	hash=$(cat $(kernel_fragments "$1") $(kernel_patches) | sha256sum |
		cut -c1-12)
	echo "$HMAP_CACHE/build/$1-$(ksrc_version | tr '~:+' '___')-$hash"
}

# project_files: the project's files (tracked and new, not ignored, not
# out/), NUL-separated, relative to the root.
project_files() {
	local f
	{
		if git -C "$HMAP_ROOT" rev-parse --git-dir > /dev/null 2>&1; then
			git -C "$HMAP_ROOT" ls-files -z -co --exclude-standard
		else
			(cd "$HMAP_ROOT" && find . -path ./out -prune -o -type f \
				-printf '%P\0')
		fi
	} | while IFS= read -r -d '' f; do
		[ -f "$HMAP_ROOT/$f" ] && printf '%s\0' "$f"
	done
}

# copy_sources DIR: a clean copy of the project to build out of tree, so
# its objects never collide with the in-tree build the guests use. Files
# keep their modification times, so a rebuild in a reused DIR recompiles
# only what changed.
copy_sources() {
	mkdir -p "$1"
	project_files | tar -C "$HMAP_ROOT" --null -T - -cf - | tar -xf - -C "$1"
}

# flavor_build FLAVOR KDIR LOG: build hmap.ko, the KUnit module and
# userspace/ in a copy of the project at $HMAP_OUT/flavor-build/FLAVOR
# against the flavor's kernel tree KDIR, and print the copy's directory.
# The in-tree build belongs to the debug kernel (the Makefile's default);
# a module must be built against the very tree it is loaded into, and for
# KCSAN the module build is what adds the instrumentation (CFLAGS_KCSAN,
# from the tree's CONFIG_KCSAN). A guest of another flavor runs in this
# copy, so the tests' own paths (./hmap.ko, userspace/hmapctl) are the
# flavor's. Returns non-zero, with the log's tail on stderr, on failure.
flavor_build() {
	local flavor=$1 kdir=$2 log=$3 dst=$HMAP_OUT/flavor-build/$1 status=0 arch
	arch=$(kdir_make_args "$kdir")
	mkdir -p "$HMAP_OUT/flavor-build"
	(
		# Two runners of one flavor must not build the copy at once.
		flock 7
		# Objects of another kernel tree (the flavor's kernel was
		# rebuilt) are not reused.
		if [ "$(cat "$dst/.hmap-kdir" 2>/dev/null)" != "$kdir" ]; then
			rm -rf "$dst"
		fi
		copy_sources "$dst" &&
		echo "$kdir" > "$dst/.hmap-kdir" &&
		make -C "$kdir" ${arch:+"$arch"} M="$dst" modules &&
		make -C "$dst/userspace"
	) 7> "$HMAP_OUT/flavor-build/$flavor.lock" > "$log" 2>&1 || status=$?
	if [ "$status" -ne 0 ]; then
		tail -n 20 "$log" >&2
		echo "flavor_build: building $flavor modules failed; log: $log" >&2
		return "$status"
	fi
	echo "$dst"
}

# guest_verdict WHO STATUS ELAPSED TIMEOUT LOG RUN: the exit status of a
# runner (run-guest.sh, run-uml.sh) whose guest process (QEMU or the UML
# kernel) exited with STATUS after ELAPSED seconds, its console log in LOG
# and the guest's per-run directory RUN: 124 when the timeout TIMEOUT hit,
# 125 when the guest died or its kernel log reports a bug (see
# check-kernel-log.sh) or the command never finished, else the command's
# exit status. Says why on stderr, each line prefixed with "WHO: ".
guest_verdict() {
	local who=$1 status=$2 elapsed=$3 timeout=$4 log=$5 run=$6
	if [ "$status" = 124 ] || [ "$status" = 137 ]; then
		echo "$who: TIMEOUT: guest killed after ${timeout}s; log: $log" >&2
		"$HMAP_ROOT/scripts/check-kernel-log.sh" "$log" >&2 || true
		return 124
	fi
	if [ "$status" != 0 ]; then
		echo "$who: the guest exited with status $status after ${elapsed}s; log: $log" >&2
		"$HMAP_ROOT/scripts/check-kernel-log.sh" "$log" >&2 || true
		return 125
	fi
	if ! "$HMAP_ROOT/scripts/check-kernel-log.sh" "$log" >&2; then
		echo "$who: FAIL: the guest kernel log reports a bug; log: $log" >&2
		return 125
	fi
	if [ ! -s "$run/status" ]; then
		echo "$who: FAIL: the guest stopped before the command finished; log: $log" >&2
		tail -n 15 "$log" | tr -d '\r' | sed 's/^/  /' >&2
		return 125
	fi
	status=$(cat "$run/status")
	echo "$who: guest done in ${elapsed}s, command exit status $status; log: $log" >&2
	return "$status"
}

# What the User-Mode Linux tier lacks (UML 6.12: one CPU; no kprobes, perf
# events or BPF, so no bpftrace; not x86). An integration test that needs
# one of these says so in a line of its header, "# hmap-needs: WORD...",
# and runs in the QEMU guest; every other test runs in UML (check.sh).
# shellcheck disable=SC2034 # used by check.sh
UML_LACKS="smp bpftrace kprobes perf x86"

# tests_for_tier uml|qemu: the integration tests (file names of
# userspace/tests/NN-*, in order, space-separated) that run in that tier.
# A "hmap-needs:" word outside UML_LACKS is an error (status 1), so that a
# misspelt need cannot move a test to the wrong tier unnoticed.
tests_for_tier() {
	local tier=$1 t word needs uml out=()
	for t in "$HMAP_ROOT"/userspace/tests/[0-9][0-9]-*; do
		if [ ! -f "$t" ] || [ ! -x "$t" ]; then continue; fi
		needs=$(sed -n 's/^# hmap-needs://p' "$t")
		uml=1
		for word in $needs; do
			case " $UML_LACKS " in
			*" $word "*) uml=0 ;;
			*)
				echo "tests_for_tier: ${t##*/}: unknown need '$word'" \
					"(known: $UML_LACKS)" >&2
				return 1 ;;
			esac
		done
		case "$tier$uml" in
		uml1|qemu0) out+=("${t##*/}") ;;
		esac
	done
	echo "${out[*]}"
}
