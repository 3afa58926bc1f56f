#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 12-take-race.sh - TAKE never loses a key: single and batch takes while
# another thread flips the caller's page between read-only and read-write,
# in a half-full map, a full map kept full, and with the values updated
# meanwhile; batch puts report exactly what they did. Every failed take
# must leave its key (checked with GET), every successful one must have
# removed it and delivered its value. See take_race.c. TAP on stdout.
#
# Needs a second CPU: the flipping thread must run while a call copies
# (scripts/check.sh runs it in the QEMU guest, not in UML).
# hmap-needs: smp
set -u
. "$(dirname "$0")/lib.sh"

TAKE_RACE=$PWD/userspace/tests/take_race

if [ ! -x "$TAKE_RACE" ]; then
	not_ok "userspace/tests/take_race is built"
	tap_finish
fi

if load_hmap max_entries=200; then
	ok "insmod hmap.ko max_entries=200"
	tap_include "take_race" timed "$TAKE_RACE" 200
else
	not_ok "insmod hmap.ko max_entries=200"
fi
check "rmmod hmap" unload_hmap
tap_finish
