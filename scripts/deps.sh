#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package hmap needs to build, test and benchmark.
# Idempotent and fast when everything is already present: apt is only
# consulted for packages dpkg does not report as installed.
set -euo pipefail

PACKAGES=(
	# The kernel builds. The User-Mode Linux kernels (um-debug, um-perf)
	# need nothing more, to build or to run (scripts/run-uml.sh): a UML
	# kernel is an ordinary program of the host.
	build-essential bc bison flex cpio kmod xz-utils rsync
	libelf-dev libssl-dev
	python3
	linux-source-6.12
	linux-headers-amd64
	qemu-system-x86
	bpftrace
	libbpf-dev
	gnuplot-nox
	# make check's static stage: sparse (C=2) on the kernel code
	sparse
	# testing/: hmap_core.c natively under ASan, UBSan, TSan and libFuzzer
	clang libclang-rt-14-dev libfuzzer-14-dev llvm-14 liburcu-dev
	# make bench-native: the peers hmap's core is measured against
	g++ pkg-config golang-go libabsl-dev
	# make deb, make dkms-install and scripts/check-packaging.sh
	dpkg-dev lintian dkms bash-completion shellcheck
)

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$pkg")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run as root" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
