#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh FLAVOR - build (or reuse) the hmap test kernel FLAVOR
# (debug, kcsan or perf for QEMU: scripts/kernel/FLAVOR.config over
# common.config; um-debug or um-perf, User-Mode Linux kernels built with
# ARCH=um: see kernel_fragments in lib.sh) from Debian's linux-source-6.12
# and print its build directory on stdout. Everything else goes to stderr.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavor=${1:?usage: build-kernel.sh debug|kcsan|perf|um-debug|um-perf}
unknown() {
	echo "build-kernel: unknown flavor '$flavor'" >&2
	exit 2
}
case "$flavor" in common|um-common) unknown ;; esac
for fragment in $(kernel_fragments "$flavor"); do
	[ -f "$fragment" ] || unknown
done

"$HMAP_ROOT/scripts/deps.sh"
src=$(ksrc_dir)
build=$(kernel_build_dir "$flavor")
mkdir -p "$HMAP_CACHE"
# One build per flavor at a time: a second caller waits, then finds it built.
exec 9>"$HMAP_CACHE/build-$flavor.lock"
flock 9
if [ -f "$build/.hmap-built" ]; then
	echo "$build"
	exit 0
fi

exec 8>"$HMAP_CACHE/unpack.lock"
flock 8
if [ ! -f "$src/.hmap-unpacked" ]; then
	echo "kernel: unpacking $(basename "$KSRC_TARBALL") into $src" >&2
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xf "$KSRC_TARBALL" -C "$src.tmp" --strip-components=1
	for patch in $(kernel_patches); do
		echo "kernel: applying $(basename "$patch")" >&2
		patch -d "$src.tmp" -p1 --quiet < "$patch"
	done
	mv "$src.tmp" "$src"
	touch "$src/.hmap-unpacked"
fi
flock -u 8

arch=$(kernel_arch "$flavor")
make=(make -C "$src" O="$build" ${arch:+ARCH="$arch"})
mkdir -p "$build"
log="$build/build.log"
# shellcheck disable=SC2046
cat $(kernel_fragments "$flavor") > "$build/fragment.config"
"${make[@]}" KCONFIG_ALLCONFIG="$build/fragment.config" allnoconfig \
	> "$log" 2>&1
"${make[@]}" olddefconfig >> "$log" 2>&1

# Every option of the fragment must survive olddefconfig.
dropped=0
while read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$build/.config" && continue ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		grep -q "^$sym=" "$build/.config" || continue ;;
	*) continue ;;
	esac
	echo "kernel: fragment option dropped by olddefconfig: $line" >&2
	dropped=1
done < "$build/fragment.config"
[ "$dropped" -eq 0 ] || exit 1

echo "kernel: building $flavor flavor with $(nproc) jobs (log: $log)" >&2
start=$SECONDS
"${make[@]}" -j"$(nproc)" >> "$log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	sleep 30
	kill -0 "$pid" 2>/dev/null || break
	n=$(grep -c '^  CC' "$log" || true)
	printf 'kernel: %s: %d objects compiled, %ds\n' "$flavor" "$n" \
		$((SECONDS - start)) >&2
done
if ! wait "$pid"; then
	tail -n 30 "$log" >&2
	echo "kernel: build of $flavor failed; full log: $log" >&2
	exit 1
fi
echo "kernel: $flavor built in $((SECONDS - start))s" >&2
touch "$build/.hmap-built"
echo "$build"
