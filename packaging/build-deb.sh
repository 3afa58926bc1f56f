#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-deb.sh [OUTDIR] - what `make deb` runs: the Debian packages of this
# source tree, in OUTDIR (default out/deb/):
#
#   hmap-dkms_VERSION_all.deb     the module's source for DKMS, which builds
#                                 it on install and for every new kernel;
#                                 the udev rule and the modprobe.d and
#                                 modules-load.d examples
#   hmap-utils_VERSION_ARCH.deb   hmapctl, its man page, bash completion
#
# hmapctl is a compiled program, so it cannot be in an "all" package; it is
# not built on the user's machine either (a DKMS hook could compile it, but
# dpkg would not know the file). Two packages, as zfs-dkms/zfsutils-linux
# and v4l2loopback-dkms/v4l2loopback-utils do.
#
# VERSION is include/hmap_version.h's. Needs dpkg-dev and a C compiler, not
# root (dpkg-deb --root-owner-group). Works in a temporary copy of the
# tree: the tree's own build is left alone. The maintainer is $DEBFULLNAME
# <$DEBEMAIL> when set. SOURCE_DATE_EPOCH (default: the last commit's
# time) dates the changelog and every file, so a rebuild is identical.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/out/deb}
version=$(make --no-print-directory -s -C "$root" version)
[ -n "$version" ] || { echo "build-deb: no version" >&2; exit 1; }
arch=$(dpkg --print-architecture)
maintainer="${DEBFULLNAME:-hmap developers} <${DEBEMAIL:-hmap@example.org}>"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$root" log -1 --format=%ct 2>/dev/null ||
		date +%s)
fi
export SOURCE_DATE_EPOCH

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hmap-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src
mkdir -p "$src" "$out"

# The sources, without build products: what git knows (tracked or new), or
# everything but out/ outside a git tree.
if git -C "$root" rev-parse --git-dir > /dev/null 2>&1; then
	while IFS= read -r -d '' f; do
		[ ! -f "$root/$f" ] || printf '%s\0' "$f"
	done < <(git -C "$root" ls-files -z -co --exclude-standard) |
		tar -C "$root" --null -T - -cf - | tar -xf - -C "$src"
else
	tar -C "$root" --exclude=./out --exclude='*.o' --exclude='*.ko' \
		-cf - . | tar -xf - -C "$src"
fi

# ---- hmap-utils: hmapctl built with Debian's hardening flags -------------
# The flags go in through the environment, which userspace/Makefile adds
# its own to (CPPFLAGS folded into CFLAGS: the Makefile may not use it).
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cflags="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS)"
cflags=${cflags//$src/.}
CFLAGS=$cflags LDFLAGS=$(dpkg-buildflags --get LDFLAGS) \
	make --no-print-directory -s -C "$src/userspace" hmapctl
utils=$tmp/hmap-utils
make --no-print-directory -s -C "$src" install-cli DESTDIR="$utils" \
	PREFIX=/usr > /dev/null
strip --remove-section=.comment --remove-section=.note \
	--strip-unneeded "$utils/usr/bin/hmapctl"

# ---- hmap-dkms: the DKMS source tree and the examples ----------------------
dkms=$tmp/hmap-dkms
make --no-print-directory -s -C "$src" dkms-source DESTDIR="$dkms" > /dev/null
make --no-print-directory -s -C "$src" install-examples DESTDIR="$dkms" \
	EXAMPLEDIR=/usr/share/doc/hmap-dkms/examples > /dev/null
install -D -m 0644 "$src/packaging/deb/README.Debian" \
	"$dkms/usr/share/doc/hmap-dkms/README.Debian"

# ---- what every package has ------------------------------------------------
changelog() {
	cat <<EOF
hmap ($version) unstable; urgency=medium

  * Version $version, packaged from the hmap source tree with make deb.

 -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
EOF
}

# finish PKG DIR [DEPENDS]: docs, control, maintainer scripts, checksums;
# then the .deb.
finish() {
	local pkg=$1 dir=$2 depends=${3:-} size f
	mkdir -p "$dir/usr/share/doc/$pkg"
	sed "s/@YEAR@/$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y)/g" \
		"$src/packaging/deb/copyright" > "$dir/usr/share/doc/$pkg/copyright"
	changelog | gzip -9n > "$dir/usr/share/doc/$pkg/changelog.gz"
	chmod 0644 "$dir/usr/share/doc/$pkg/changelog.gz"
	if [ -d "$dir/usr/share/man" ]; then
		find "$dir/usr/share/man" -type f ! -name '*.gz' -exec gzip -9n {} +
	fi
	mkdir -p "$dir/DEBIAN"
	for f in postinst prerm; do
		[ -f "$src/packaging/deb/$pkg.$f" ] || continue
		sed "s/@VERSION@/$version/g" "$src/packaging/deb/$pkg.$f" \
			> "$dir/DEBIAN/$f"
		chmod 0755 "$dir/DEBIAN/$f"
	done
	# Directories 0755, files 0644 unless executable (0755).
	find "$dir" -type d -exec chmod 0755 {} +
	find "$dir" -path "$dir/DEBIAN" -prune -o -type f -perm /111 \
		-exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +
	(cd "$dir" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
		LC_ALL=C sort -z | xargs -0 -r md5sum) > "$dir/DEBIAN/md5sums"
	chmod 0644 "$dir/DEBIAN/md5sums"
	size=$(du -s -k --apparent-size --exclude=DEBIAN "$dir" | cut -f1)
	sed -e "s/@VERSION@/$version/g" -e "s/@ARCH@/$arch/g" \
	    -e "s/@INSTALLED_SIZE@/$size/g" -e "s/@DEPENDS@/$depends/g" \
	    -e "s|@MAINTAINER@|$maintainer|g" \
		"$src/packaging/deb/$pkg.control" > "$dir/DEBIAN/control"
	find "$dir" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	dpkg-deb --root-owner-group -Zxz --build "$dir" \
		"$out/${pkg}_${version}_$(sed -n 's/^Architecture: //p' "$dir/DEBIAN/control").deb"
}

# The C library version hmapctl needs, as dpkg-shlibdeps finds it (it wants
# a debian/control to read).
mkdir -p "$tmp/shlibs/debian"
printf 'Source: hmap\n\nPackage: hmap-utils\nArchitecture: any\n' \
	> "$tmp/shlibs/debian/control"
depends=$(cd "$tmp/shlibs" && dpkg-shlibdeps -O "$utils/usr/bin/hmapctl" \
	2> /dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps failed" >&2; exit 1; }

rm -f "$out"/hmap-dkms_*.deb "$out"/hmap-utils_*.deb
finish hmap-dkms "$dkms"
finish hmap-utils "$utils" "$depends"
