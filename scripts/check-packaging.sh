#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-packaging.sh - the installation of hmap, tested without installing
# anything: everything happens in temporary directories, and DKMS runs on a
# throwaway tree. What `make check` runs for packaging.
#
#   - plain `make` without headers of the running kernel stops and says
#     what to install, and builds no kernel;
#   - `make deb` builds hmap-dkms_VERSION_all.deb and
#     hmap-utils_VERSION_ARCH.deb; lintian reports no error on them (its
#     warnings are printed); their contents, modes, control fields and
#     maintainer scripts are as expected; VERSION is the one of
#     include/hmap_version.h everywhere (dkms.conf, hmapctl --version);
#   - `dkms build` of the package's source against Debian 12's stock 6.1
#     headers succeeds in a throwaway DKMS tree, signed with a throwaway
#     key, and the module carries VERSION; `make dkms-install` (twice) and
#     `make dkms-uninstall` work, with dkms pointed at throwaway trees;
#   - `make install DESTDIR=... PREFIX=...` lays out the module, hmapctl,
#     its man page, bash completion and the examples; `make install-udev`
#     the rule; `make uninstall` removes them all again;
#   - the bash completion completes; shellcheck finds nothing in the
#     packaging scripts.
#
# Prints "PASS: name" / "FAIL: name" lines (details indented under a
# failure) and exits 1 if anything failed. Needs dpkg-dev, lintian, dkms,
# bash-completion, shellcheck and linux-headers-6.1.*-amd64.
# HMAP_STOCK_HEADERS: the kernel headers to build against (default: the
# newest /usr/src/linux-headers-6.1.*-amd64).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
failed=0

result() {
	local kind=$1 name=$2
	shift 2
	echo "$kind: $name"
	[ "$kind" != FAIL ] || failed=1
	[ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/      /'
}

# check NAME DETAIL-COMMAND...: PASS if the command prints nothing, else
# FAIL with what it printed.
check() {
	local name=$1 detail
	shift
	detail=$("$@" 2>&1)
	if [ -z "$detail" ]; then
		result PASS "$name"
	else
		result FAIL "$name" "$(head -n 20 <<< "$detail")"
	fi
}

# same WANT GOT: the two lists (one item a line) differ by these lines.
same() {
	diff <(printf '%s\n' "$1" | LC_ALL=C sort -u) \
	     <(printf '%s\n' "$2" | LC_ALL=C sort -u) |
		sed -n 's/^< /missing: /p; s/^> /unexpected: /p'
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hmap-packaging.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

missing=()
for tool in dpkg-deb dpkg-shlibdeps lintian dkms shellcheck; do
	command -v "$tool" > /dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
	result FAIL "packaging tools installed" "missing: ${missing[*]}" \
		"(apt-get install dpkg-dev lintian dkms shellcheck)"
	exit 1
fi

version=$(make --no-print-directory -s -C "$root" version)
arch=$(dpkg --print-architecture)
stock=${HMAP_STOCK_HEADERS:-$(printf '%s\n' /usr/src/linux-headers-6.1.*-amd64 |
	sort -V | tail -n 1)}
[ -d "$stock" ] || stock=''
if [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
	result PASS "version $version (include/hmap_version.h)"
else
	result FAIL "a version in include/hmap_version.h" "got '$version'"
fi

# A clean copy of the sources to build in: the tree's own build (the
# guests' modules) is left alone.
src=$tmp/src
mkdir -p "$src"
if git -C "$root" rev-parse --git-dir > /dev/null 2>&1; then
	while IFS= read -r -d '' f; do
		[ ! -f "$root/$f" ] || printf '%s\0' "$f"
	done < <(git -C "$root" ls-files -z -co --exclude-standard) |
		tar -C "$root" --null -T - -cf - | tar -xf - -C "$src"
else
	tar -C "$root" --exclude=./out -cf - . | tar -xf - -C "$src"
	make -s -C "$src" clean > /dev/null 2>&1
fi

# ---- make without kernel headers ------------------------------------------
no_headers() {
	local log=$tmp/make-no-headers.log
	if make -C "$src" RUNNING_KDIR="$tmp/no-such-kernel" all > "$log" 2>&1; then
		echo "make succeeded without headers"
	fi
	grep -q 'apt install linux-headers-' "$log" ||
		echo "no advice to install the headers"
	grep -q 'make KDIR=' "$log" || echo "no mention of make KDIR="
	grep -q 'make test-kernel' "$log" || echo "no mention of make test-kernel"
	! grep -q -e 'build-kernel' -e '^kernel:' -e 'deps:' "$log" ||
		echo "it ran the kernel build or the dependency script"
	[ -n "$(cat "$log")" ] || echo "no output"
}
check "make without headers of the running kernel stops and says what to do" \
	no_headers

# ---- make deb -------------------------------------------------------------
debs=$src/out/deb
dkms_deb=$debs/hmap-dkms_${version}_all.deb
utils_deb=$debs/hmap-utils_${version}_$arch.deb
if make -C "$src" deb > "$tmp/deb.log" 2>&1 &&
	[ -f "$dkms_deb" ] && [ -f "$utils_deb" ]; then
	result PASS "make deb builds $(basename "$dkms_deb") and $(basename "$utils_deb")"
else
	result FAIL "make deb builds hmap-dkms and hmap-utils" \
		"$(tail -n 20 "$tmp/deb.log")"
	exit 1
fi

# lintian: no error. Warnings and the rest are shown, not failed.
lintian --display-level '>=pedantic' "$dkms_deb" "$utils_deb" \
	> "$tmp/lintian.log" 2>&1
lintian_status=$?
tags=$(grep -E '^[EWIPX]: ' "$tmp/lintian.log")
if [ "$lintian_status" -eq 0 ] && ! grep -q '^E: ' <<< "$tags"; then
	if [ -n "$tags" ]; then
		result PASS "lintian: no errors ($(grep -c . <<< "$tags") other tags)" "$tags"
	else
		result PASS "lintian: no errors, warnings or other tags"
	fi
else
	result FAIL "lintian: no errors" "$(grep -v 'root privileges' "$tmp/lintian.log")"
fi

# The files of a package, without directories: "MODE OWNER PATH".
deb_files() {
	dpkg-deb -c "$1" | awk '$1 !~ /^d/ { print $1, $2, substr($6, 2) }'
}

# The module's sources, as the tree has them.
module_sources() {
	local f
	echo Kbuild
	for f in "$src"/*.c "$src"/*.h "$src"/include/*.h; do
		[[ $f == *.mod.c ]] || echo "${f#"$src"/}"
	done
	echo include/uapi/linux/hmap.h
}

dkms_contents() {
	local want got f
	want=$(
		for f in $(module_sources) dkms.conf; do
			echo "-rw-r--r-- root/root /usr/src/hmap-$version/$f"
		done
		for f in README.Debian changelog.gz copyright examples/60-hmap.rules \
			examples/modprobe.d/hmap.conf examples/modules-load.d/hmap.conf; do
			echo "-rw-r--r-- root/root /usr/share/doc/hmap-dkms/$f"
		done
	)
	got=$(deb_files "$dkms_deb")
	same "$want" "$got"
}
check "hmap-dkms contents (dpkg -c) as expected" dkms_contents

utils_contents() {
	local want
	want="-rwxr-xr-x root/root /usr/bin/hmapctl
-rw-r--r-- root/root /usr/share/man/man8/hmapctl.8.gz
-rw-r--r-- root/root /usr/share/bash-completion/completions/hmapctl
-rw-r--r-- root/root /usr/share/doc/hmap-utils/changelog.gz
-rw-r--r-- root/root /usr/share/doc/hmap-utils/copyright"
	same "$want" "$(deb_files "$utils_deb")"
}
check "hmap-utils contents (dpkg -c) as expected" utils_contents

# field DEB NAME: a control field.
field() { dpkg-deb -f "$1" "$2"; }

control_fields() {
	[ "$(field "$dkms_deb" Version)" = "$version" ] || echo "hmap-dkms: Version is not $version"
	[ "$(field "$utils_deb" Version)" = "$version" ] || echo "hmap-utils: Version is not $version"
	[ "$(field "$dkms_deb" Architecture)" = all ] || echo "hmap-dkms: Architecture is not all"
	[ "$(field "$utils_deb" Architecture)" = "$arch" ] || echo "hmap-utils: Architecture is not $arch"
	field "$dkms_deb" Depends | grep -qw dkms || echo "hmap-dkms does not depend on dkms"
	field "$utils_deb" Depends | grep -qw libc6 || echo "hmap-utils does not depend on libc6"
	dpkg-deb --ctrl-tarfile "$dkms_deb" | tar -x -C "$tmp" ./postinst ./prerm ||
		echo "hmap-dkms has no postinst or prerm"
	grep -q "common.postinst" "$tmp/postinst" 2>/dev/null ||
		echo "postinst does not run DKMS's common.postinst"
	grep -q "dkms remove" "$tmp/prerm" 2>/dev/null ||
		echo "prerm does not remove the module from DKMS"
	grep -qx "DKMS_VERSION=$version" "$tmp/postinst" "$tmp/prerm" 2>/dev/null ||
		echo "the maintainer scripts do not name version $version"
}
check "control fields and maintainer scripts (dkms add/build/install, remove)" control_fields

# The packages' files, unpacked.
dpkg-deb -x "$dkms_deb" "$tmp/root"
dpkg-deb -x "$utils_deb" "$tmp/root"

versions() {
	local conf=$tmp/root/usr/src/hmap-$version/dkms.conf got
	grep -qx "PACKAGE_VERSION=\"$version\"" "$conf" ||
		echo "dkms.conf: $(grep PACKAGE_VERSION "$conf")"
	grep -qx 'PACKAGE_NAME="hmap"' "$conf" || echo "dkms.conf: no PACKAGE_NAME=\"hmap\""
	got=$("$tmp/root/usr/bin/hmapctl" --version | head -n 1)
	[ "$got" = "hmapctl $version" ] || echo "hmapctl --version: '$got'"
}
check "one version: dkms.conf and hmapctl --version say $version" versions

# The files under DIR, relative.
files_under() { (cd "$1" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort); }

# ---- dkms build against the stock headers, in a throwaway tree -------------
# kernel_release KDIR: the release modules built against KDIR are for.
kernel_release() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$1/include/generated/utsrelease.h"
}

dkms_build() {
	local kver dkmstree=$tmp/dkms ko conf before
	kver=$(kernel_release "$stock")
	mkdir -p "$dkmstree"
	# DKMS takes the signing key's place from the environment unless
	# /etc/dkms/framework.conf sets it; here, a key made for this run.
	if grep -sqE '^[[:space:]]*(sign_file|mok_signing_key|mok_certificate)=' \
		/etc/dkms/framework.conf /etc/dkms/framework.conf.d/*.conf; then
		echo "SKIP: /etc/dkms/framework.conf sets a signing key; DKMS would use it"
		return
	fi
	before=$(ls -A /var/lib/dkms 2>/dev/null)
	export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub
	if ! dkms add -m hmap -v "$version" --sourcetree "$tmp/root/usr/src" \
		--dkmstree "$dkmstree" > "$tmp/dkms.log" 2>&1 ||
	   ! dkms build -m hmap -v "$version" -k "$kver" \
		--sourcetree "$tmp/root/usr/src" --dkmstree "$dkmstree" \
		--kernelsourcedir "$stock" >> "$tmp/dkms.log" 2>&1; then
		tail -n 15 "$tmp/dkms.log"
		tail -n 15 "$dkmstree/hmap/$version/build/make.log" 2>/dev/null
		return
	fi
	ko=$(find "$dkmstree/hmap/$version/$kver" -name 'hmap.ko*' | head -n 1)
	[ -n "$ko" ] || { echo "no hmap.ko in the DKMS tree"; return; }
	[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$kver" ] ||
		echo "vermagic: $(modinfo -F vermagic "$ko")"
	[ "$(modinfo -F version "$ko")" = "$version" ] ||
		echo "module version: '$(modinfo -F version "$ko")', want '$version' (MODULE_VERSION(HMAP_VERSION))"
	[ -n "$(modinfo -F signer "$ko")" ] ||
		echo "the module is not signed (DKMS signs with its MOK key)"
	grep -q 'Cleaning build area.*bad exit' "$tmp/dkms.log" &&
		echo "dkms: $(grep 'Cleaning build area.*bad exit' "$tmp/dkms.log" | head -n 1)"
	[ "$(ls -A /var/lib/dkms 2>/dev/null)" = "$before" ] ||
		echo "/var/lib/dkms changed"
	unset mok_signing_key mok_certificate
}
if [ -n "$stock" ]; then
	detail=$(dkms_build 2>&1)
	name="dkms build of hmap-dkms's source against $(basename "$stock"), throwaway DKMS tree"
	if [[ $detail == SKIP:* ]]; then
		result SKIP "$name" "${detail#SKIP: }"
	elif [ -z "$detail" ]; then
		result PASS "$name"
	else
		result FAIL "$name" "$detail"
	fi
else
	result FAIL "dkms build against Debian 12 headers" \
		"no /usr/src/linux-headers-6.1.*-amd64 (package linux-headers-amd64)"
fi

# ---- make dkms-install, dkms-uninstall: dkms on a throwaway tree -----------
# A dkms first in PATH that works on throwaway trees and runs no depmod.
dkms_targets() {
	local d=$tmp/dkms-make kver ko
	kver=$(kernel_release "$stock")
	if grep -sqE '^[[:space:]]*(sign_file|mok_signing_key|mok_certificate|modprobe_on_install)=' \
		/etc/dkms/framework.conf /etc/dkms/framework.conf.d/*.conf; then
		echo "SKIP: /etc/dkms/framework.conf sets signing or modprobe_on_install"
		return
	fi
	mkdir -p "$d/bin" "$d/tree" "$d/inst/$kver"
	cat > "$d/bin/dkms" <<-EOF
		#!/bin/sh
		exec /usr/sbin/dkms "\$@" --dkmstree "$d/tree" \\
			--sourcetree "$d/dest/usr/src" --installtree "$d/inst" \\
			--kernelsourcedir "$stock" --no-depmod
	EOF
	chmod +x "$d/bin/dkms"
	export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub
	# Twice: the second time, the version already added is replaced.
	for i in 1 2; do
		if ! PATH=$d/bin:$PATH make -C "$src" dkms-install \
			DESTDIR="$d/dest" KVER="$kver" > "$d/install-$i.log" 2>&1; then
			echo "make dkms-install (run $i) failed:"
			tail -n 15 "$d/install-$i.log"
			return
		fi
	done
	ko=$(find "$d/inst/$kver" -name 'hmap.ko*')
	[ -n "$ko" ] || echo "no hmap.ko in the install tree: $(files_under "$d/inst")"
	[ -z "$ko" ] || [ "$(modinfo -F version "$ko")" = "$version" ] ||
		echo "installed module version: '$(modinfo -F version "$ko")'"
	if ! PATH=$d/bin:$PATH make -C "$src" dkms-uninstall DESTDIR="$d/dest" \
		> "$d/uninstall.log" 2>&1; then
		echo "make dkms-uninstall failed:"
		tail -n 15 "$d/uninstall.log"
		return
	fi
	[ -z "$(files_under "$d/inst")$(files_under "$d/dest")" ] ||
		echo "left after make dkms-uninstall: $(files_under "$d/inst") $(files_under "$d/dest")"
	[ -z "$(ls -A "$d/tree/hmap" 2>/dev/null)" ] ||
		echo "left in the DKMS tree: $(ls -A "$d/tree/hmap")"
	unset mok_signing_key mok_certificate
}
if [ -n "$stock" ]; then
	detail=$(dkms_targets 2>&1)
	name="make dkms-install (twice) and dkms-uninstall, dkms on a throwaway tree"
	if [[ $detail == SKIP:* ]]; then
		result SKIP "$name" "${detail#SKIP: }"
	elif [ -z "$detail" ]; then
		result PASS "$name"
	else
		result FAIL "$name" "$detail"
	fi
fi

# ---- make install / install-udev / uninstall into DESTDIR ----------------

install_layout() {
	local dest=$tmp/dest kver want
	kver=$(kernel_release "$stock")
	make -C "$src" install install-udev DESTDIR="$dest" PREFIX=/opt/hmap \
		KDIR="$stock" > "$tmp/install.log" 2>&1 || {
		tail -n 15 "$tmp/install.log"
		return
	}
	want="lib/modules/$kver/extra/hmap.ko
opt/hmap/bin/hmapctl
opt/hmap/share/man/man8/hmapctl.8
opt/hmap/share/bash-completion/completions/hmapctl
opt/hmap/share/doc/hmap/examples/60-hmap.rules
opt/hmap/share/doc/hmap/examples/modprobe.d/hmap.conf
opt/hmap/share/doc/hmap/examples/modules-load.d/hmap.conf
etc/udev/rules.d/60-hmap.rules"
	same "$want" "$(files_under "$dest")"
	[ -x "$dest/opt/hmap/bin/hmapctl" ] || echo "hmapctl is not executable"
	[ "$(stat -c %a "$dest/etc/udev/rules.d/60-hmap.rules")" = 644 ] ||
		echo "the udev rule is not mode 0644"
	grep -q 'GROUP="hmap", MODE="0660"' "$dest/etc/udev/rules.d/60-hmap.rules" ||
		echo "the udev rule does not give group hmap mode 0660"
	make -C "$src" uninstall DESTDIR="$dest" PREFIX=/opt/hmap \
		> "$tmp/uninstall.log" 2>&1 || {
		tail -n 15 "$tmp/uninstall.log"
		return
	}
	[ -z "$(files_under "$dest")" ] ||
		echo "left after make uninstall: $(files_under "$dest" | tr '\n' ' ')"
}
if [ -n "$stock" ]; then
	check "make install install-udev DESTDIR= PREFIX= KDIR=$(basename "$stock"): the layout; uninstall removes it" \
		install_layout
fi

# ---- the bash completion, shellcheck ---------------------------------------
completion() {
	local got
	[ -f /usr/share/bash-completion/bash_completion ] || {
		echo "no /usr/share/bash-completion/bash_completion (package bash-completion)"
		return
	}
	got=$(bash -c '
		. /usr/share/bash-completion/bash_completion
		. "$1"
		c() {
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
			_hmapctl hmapctl "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
			echo "${COMPREPLY[*]}"
		}
		c hmapctl st; c hmapctl get --r; c hmapctl bench -m b; c hmapctl help l
		c hmapctl des; c hmapctl create x --no
	' sh "$tmp/root/usr/share/bash-completion/completions/hmapctl" 2>&1)
	[ "$got" = "stats
--raw
batch both
load list
destroy
--no-shrink" ] || echo "completions: $(tr '\n' '|' <<< "$got")"
}
check "bash completion completes commands, options and values" completion

check "shellcheck: packaging scripts and the bash completion" \
	shellcheck "$src/packaging/build-deb.sh" "$src/scripts/check-packaging.sh" \
	"$src/packaging/bash-completion/hmapctl" \
	"$tmp/postinst" "$tmp/prerm"

[ "$failed" -eq 0 ]
