# SPDX-License-Identifier: GPL-2.0
#
# lib.sh - helpers for the integration tests, sourced (not run: run.sh only
# runs files named NN-*). Every test prints TAP: "ok N - name",
# "not ok N - name", "ok N - name # SKIP why", comments "# ...", and the
# plan "1..N" last (tap_finish).

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
# Used by the tests that source this file.
# shellcheck disable=SC2034
HMAP_KO=$PWD/hmap.ko
# shellcheck disable=SC2034
HMAPCTL=$PWD/userspace/hmapctl
# shellcheck disable=SC2034
IOCTL_TEST=$PWD/userspace/tests/ioctl_test
TMP=$(mktemp -d /tmp/hmap-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
tap_n=0
tap_failed=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); echo "not ok $tap_n - $*"; tap_failed=1; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $2 # SKIP $1"; }
diag() { printf '# %s\n' "$@"; }

# check NAME COMMAND...: one TAP line for COMMAND's success.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# check_status WANT NAME COMMAND...: COMMAND exits with status WANT; its
# stderr is kept in $TMP/stderr, its stdout in $TMP/stdout.
check_status() {
	local want=$1 name=$2 got
	shift 2
	"$@" > "$TMP/stdout" 2> "$TMP/stderr"
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$name"
	else
		diag "exit status $got, want $want" "stderr: $(head -c 300 "$TMP/stderr")"
		not_ok "$name"
	fi
}

# tap_include NAME COMMAND...: run a TAP producer, renumbering its results
# into ours; a non-zero exit without a failed result is a failure too.
tap_include() {
	local name=$1 status line saw_fail=0
	shift
	"$@" > "$TMP/tap" 2>&1
	status=$?
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok\ [0-9]+(.*)$ ]]; then
			tap_n=$((tap_n + 1))
			if [ -n "${BASH_REMATCH[1]}" ]; then
				tap_failed=1
				saw_fail=1
			fi
			echo "${BASH_REMATCH[1]}ok $tap_n${BASH_REMATCH[2]}"
		elif [[ ! $line =~ ^1\.\.[0-9]+ ]]; then
			echo "$line"
		fi
	done < "$TMP/tap"
	if [ "$status" -ne 0 ] && [ "$saw_fail" -eq 0 ]; then
		not_ok "$name exited with status $status"
	fi
}

# timed COMMAND...: run COMMAND and report how long it took, as a comment.
timed() {
	local t0=$SECONDS
	"$@"
	diag "$1: $((SECONDS - t0))s"
}

tap_finish() {
	echo "1..$tap_n"
	exit "$tap_failed"
}

hmap_loaded() { grep -q '^hmap ' /proc/modules; }

# load_hmap [PARAM=VALUE...]: (re)load hmap.ko with these parameters.
load_hmap() {
	if hmap_loaded; then rmmod hmap || return 1; fi
	insmod "$HMAP_KO" "$@"
}

unload_hmap() {
	if hmap_loaded; then rmmod hmap; fi
}

# nobody COMMAND...: run COMMAND as an unprivileged user.
nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

# hmap_count: the number of entries, from sysfs.
hmap_count() { cat /sys/class/misc/hmap/count; }
