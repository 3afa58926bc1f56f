/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - TAP output for the test programs of userspace/tests: numbered
 * "ok"/"not ok" lines, skips, "#" diagnostics, and the plan at the end.
 * Each program includes it once, after hmap_lib.h.
 */
#ifndef _HMAP_TESTS_TAP_H
#define _HMAP_TESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int tap_n;		/* tests reported so far */
static int tap_failed;		/* 1 once one failed */

/* "PREFIX N - message" with no newline: the start of a test's line. */
static inline void tap_start(const char *prefix, const char *fmt, va_list ap)
{
	printf("%s%d - ", prefix, ++tap_n);
	vprintf(fmt, ap);
}

/* One test: "ok N - ..." or "not ok N - ...". */
static inline __printf(2, 3)
void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_start(ok ? "ok " : "not ok ", fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tap_failed = 1;
}

/* A test that could not be run here: "ok N - ... # SKIP why". */
static inline __printf(2, 3)
void skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_start("ok ", fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
	fflush(stdout);
}

/* A diagnostic line: "# ...". */
static inline __printf(1, 2)
void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* The plan, last; the exit status: 0 when every test passed. */
static inline int tap_finish(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed;
}

#endif
