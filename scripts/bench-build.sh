#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-build.sh FLAVOR - build hmap.ko, the benchmark module and the
# user-space benchmark for the test kernel FLAVOR (perf for numbers, debug
# to check the benchmark itself under KASAN/lockdep; um-perf for the
# User-Mode Linux run, scripts/bench-uml.sh) and print the directory that
# holds them:
#
#   DIR/hmap.ko  DIR/bench/hmap_bench.ko  DIR/bench/hmap_ubench
#   DIR/userspace/hmapctl (if it builds)
#
# The sources are copied to $HMAP_OUT/bench-build/FLAVOR/src first, so that
# objects built for one kernel never land in the tree other builds use.
# The bench module is an external module of its own, linked against that
# hmap.ko's Module.symvers; "make" and "make check" never build it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavor=${1:?usage: bench-build.sh debug|perf|um-perf}
kdir=$("$HMAP_ROOT/scripts/build-kernel.sh" "$flavor")
arch=$(kdir_make_args "$kdir")
dst=$HMAP_OUT/bench-build/$flavor/src
log=$HMAP_OUT/bench-build/$flavor/build.log
mkdir -p "$dst"

# Build products are neither copied nor deleted, so rebuilds are incremental.
# --delete-excluded: the objects of the last build go too. Sources copied
# from an older commit keep that commit's times (git archive), older than
# the objects built from the newer one, and make would keep those.
rsync -a --delete --delete-excluded --exclude=/out/ --exclude=/.git/ \
	--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
	--exclude='.*.cmd' --exclude=Module.symvers --exclude=modules.order \
	--exclude='*.a' --exclude=/bench/hmap_ubench \
	--exclude=/userspace/hmapctl --exclude=/userspace/tests/ioctl_test \
	"$HMAP_ROOT/" "$dst/"

# CONFIG_KUNIT= leaves the KUnit suites out: the benchmark needs none.
{
	make -C "$kdir" ${arch:+"$arch"} M="$dst" CONFIG_KUNIT= modules &&
	make -C "$kdir" ${arch:+"$arch"} M="$dst/bench" W=1 \
		KBUILD_EXTRA_SYMBOLS="$dst/Module.symvers" modules &&
	make -C "$dst/bench" -f Makefile.ubench \
		UAPI="$dst/include/uapi" OUT="$dst/bench"
} > "$log" 2>&1 || {
	tail -n 30 "$log" >&2
	echo "bench-build: build failed; log: $log" >&2
	exit 1
}
# hmapctl too, for its own "bench" next to ours; the benchmarks run without.
make -C "$dst/userspace" hmapctl >> "$log" 2>&1 ||
	echo "bench-build: could not build hmapctl; see $log" >&2
if grep -q 'warning:' "$log"; then
	grep 'warning:' "$log" >&2
fi
echo "$dst"
