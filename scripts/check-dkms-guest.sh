#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-dkms-guest.sh - the packaged hmap, built by DKMS, at work: `make
# deb`, then `dkms build` of hmap-dkms's source against the debug test
# kernel in a throwaway DKMS tree, then one guest that loads that hmap.ko
# and drives it with the hmapctl of hmap-utils. Nothing is installed on
# this machine; the guest sees the throwaway files through the shared
# root.
#
# Prints "PASS: name" / "FAIL: name" lines (details indented under a
# failure) and exits 1 if anything failed. Needs what check-packaging.sh
# needs, and the test kernel (built if not cached, like make check).
# Logs: out/logs/dkms-guest.log (the guest's console), out/dkms-guest/.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

failed=0
result() {
	local kind=$1 name=$2
	shift 2
	echo "$kind: $name"
	[ "$kind" != FAIL ] || failed=1
	[ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/      /'
}

# ---- inside the guest ------------------------------------------------------
# guest DIR: load DIR/hmap.ko, drive it with DIR/root/usr/bin/hmapctl; TAP-ish
# "ok"/"not ok" lines for the host to turn into results.
guest() {
	local dir=$1 version=$2 h=$1/root/usr/bin/hmapctl got
	t() {
		local name=$1
		shift
		if "$@" > /tmp/out 2>&1; then
			echo "ok - $name"
		else
			echo "not ok - $name: $(head -c 300 /tmp/out | tr '\n' ' ')"
		fi
	}
	t "insmod the module DKMS built" insmod "$dir/hmap.ko" max_entries=1000
	t "/dev/hmap is there, root's, mode 0600" \
		test "$(stat -c '%U %a' /dev/hmap 2>&1)" = "root 600"
	t "the loaded module's version is $version" \
		test "$(cat /sys/module/hmap/version 2>&1)" = "$version"
	got=$("$h" --version 2>&1 | tr '\n' ' ')
	t "hmapctl --version names both versions" \
		test "$got" = "hmapctl $version hmap.ko $version (loaded) "
	t "hmapctl put" "$h" put greeting hello
	t "hmapctl get" test "$("$h" get greeting 2>&1)" = hello
	t "hmapctl -j get" test "$("$h" -j get greeting 2>&1)" = \
		'{"key":"greeting","value":"hello"}'
	t "hmapctl fill 500 and stats count" \
		sh -c "'$h' fill -q 500 && '$h' stats | grep -qE '^count +501$'"
	t "hmapctl dump -j | load -j round trip" sh -c \
		"'$h' dump -j > /tmp/d.json && '$h' clear && '$h' load -j /tmp/d.json &&
		 test \"\$(cat /sys/class/misc/hmap/count)\" = 501"
	t "the module parameter from insmod holds (max_entries=1000)" \
		test "$(cat /sys/module/hmap/parameters/max_entries 2>&1)" = 1000
	t "rmmod" rmmod hmap
}

if [ "${1:-}" = --guest ]; then
	guest "$2" "$3"
	exit 0
fi

# ---- on the host -----------------------------------------------------------
work=$HMAP_OUT/dkms-guest
rm -rf "$work"
mkdir -p "$work" "$HMAP_OUT/logs"

"$HMAP_ROOT/scripts/deps.sh" || { result FAIL "dependencies installed"; exit 1; }
kdir=$("$HMAP_ROOT/scripts/build-kernel.sh" debug) || {
	result FAIL "debug test kernel builds"
	exit 1
}
kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
	"$kdir/include/generated/utsrelease.h")
version=$(make --no-print-directory -s -C "$HMAP_ROOT" version)

if "$HMAP_ROOT/packaging/build-deb.sh" "$work/deb" > "$work/deb.log" 2>&1; then
	result PASS "make deb"
else
	result FAIL "make deb" "$(tail -n 20 "$work/deb.log")"
	exit 1
fi
dpkg-deb -x "$work/deb/hmap-dkms_${version}_all.deb" "$work/root"
dpkg-deb -x "$work/deb/hmap-utils_${version}_$(dpkg --print-architecture).deb" \
	"$work/root"

# No signing: the test kernel does not check signatures, and DKMS would
# otherwise make a key for it in /var/lib/dkms.
mkdir -p "$work/dkms"
export sign_file=$work/no-sign-file
if dkms add -m hmap -v "$version" --sourcetree "$work/root/usr/src" \
	--dkmstree "$work/dkms" > "$work/dkms.log" 2>&1 &&
   dkms build -m hmap -v "$version" -k "$kver" \
	--sourcetree "$work/root/usr/src" --dkmstree "$work/dkms" \
	--kernelsourcedir "$kdir" >> "$work/dkms.log" 2>&1; then
	ko=$(find "$work/dkms/hmap/$version/$kver" -name 'hmap.ko*' | head -n 1)
	cp "$ko" "$work/hmap.ko"
	result PASS "dkms build of hmap-dkms's source against the test kernel ($kver)"
else
	result FAIL "dkms build of hmap-dkms's source against the test kernel ($kver)" \
		"$(tail -n 20 "$work/dkms.log")"
	exit 1
fi

"$HMAP_ROOT/scripts/run-guest.sh" --name dkms-guest --timeout 600 --quiet -- \
	"scripts/check-dkms-guest.sh --guest $work $version > $work/guest.out 2>&1" \
	2> "$work/runner.log"
status=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) result PASS "guest: ${line#ok - }" ;;
	"not ok - "*)
		name=${line#not ok - }
		result FAIL "guest: ${name%%: *}" "${name#*: }"
		;;
	esac
done < "$work/guest.out"
if ! detail=$("$HMAP_ROOT/scripts/check-kernel-log.sh" "$HMAP_OUT/logs/dkms-guest.log"); then
	result FAIL "guest kernel log clean: dkms-guest" "$detail"
elif [ "$status" -ne 0 ] || ! grep -q '^ok - rmmod' "$work/guest.out"; then
	result FAIL "guest ran to the end" "runner exit status $status" \
		"$(tail -n 5 "$work/runner.log")"
else
	result PASS "guest kernel log clean: dkms-guest"
fi
[ "$failed" -eq 0 ]
