#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 10-ioctl.sh - the raw ioctl ABI through userspace/tests/ioctl_test: every
# command and flag, the limits, bad input (errno and an unchanged map),
# open modes, a dump during concurrent inserts and deletes, and a signal
# stopping a batch. TAP on stdout.
set -u
. "$(dirname "$0")/lib.sh"

if [ ! -x "$IOCTL_TEST" ]; then
	not_ok "userspace/tests/ioctl_test is built"
	tap_finish
fi

if load_hmap max_entries=1000 max_key_size=64 max_value_size=1024; then
	ok "insmod hmap.ko max_entries=1000 max_key_size=64 max_value_size=1024"
	tap_include "ioctl_test basic" "$IOCTL_TEST" basic
	tap_include "ioctl_test readonly" "$IOCTL_TEST" readonly
else
	not_ok "insmod hmap.ko max_entries=1000 max_key_size=64 max_value_size=1024"
fi

if load_hmap; then
	ok "insmod hmap.ko with default parameters"
	tap_include "ioctl_test concurrent" "$IOCTL_TEST" concurrent
	tap_include "ioctl_test eintr" "$IOCTL_TEST" eintr
else
	not_ok "insmod hmap.ko with default parameters"
fi
check "rmmod hmap" unload_hmap
tap_finish
