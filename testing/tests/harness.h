/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small test runner: each case runs in a child process of its own, so
 * a sanitizer report (which aborts) or a timeout fails that case and the
 * run goes on. Every case prints "PASS: name" or "FAIL: name", and the run
 * ends with "N passed, N failed".
 */
#ifndef _HMAP_TEST_HARNESS_H
#define _HMAP_TEST_HARNESS_H

#include <linux/kernel.h>
#include <linux/types.h>
#include <stdarg.h>

/* Flags of a case. */
#define HT_CONCURRENT	0x1	/* threads: also run under ThreadSanitizer */
#define HT_SLOW		0x2	/* long: skipped by -q */

struct ht_case {
	const char *name;
	void (*fn)(void);
	unsigned int flags;
	unsigned int timeout_s;
	struct ht_case *next;
};

void ht_register(struct ht_case *c);

#define HT_CASE_TIMEOUT(f, fl, secs)					\
	static void f(void);						\
	static struct ht_case __ht_case_##f = {				\
		.name = #f, .fn = f, .flags = (fl),			\
		.timeout_s = (secs),					\
	};								\
	__attribute__((constructor)) static void __ht_reg_##f(void)	\
	{								\
		ht_register(&__ht_case_##f);				\
	}								\
	static void f(void)

#define HT_CASE(f, flags)	HT_CASE_TIMEOUT(f, flags, 0)

void ht_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ht_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void ht_abort_case(void);
bool ht_failed(void);

/* Seconds a stress case should run (HMAP_TEST_TIME scales it). */
double ht_duration(double base);
/* This process's test seed (-s, HMAP_TEST_SEED, else the time). */
u64 ht_seed(void);

#define CHECK(cond, fmt, ...) do {					\
	if (unlikely(!(cond)))						\
		ht_fail(__FILE__, __LINE__, "CHECK(%s) " fmt, #cond,	\
			##__VA_ARGS__);					\
} while (0)

#define REQUIRE(cond, fmt, ...) do {					\
	if (unlikely(!(cond))) {					\
		ht_fail(__FILE__, __LINE__, "REQUIRE(%s) " fmt, #cond,	\
			##__VA_ARGS__);					\
		ht_abort_case();					\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (unlikely(__a != __b))					\
		ht_fail(__FILE__, __LINE__, "CHECK_EQ(%s, %s): %lld != %lld", \
			#a, #b, __a, __b);				\
} while (0)

#define REQUIRE_EQ(a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (unlikely(__a != __b)) {					\
		ht_fail(__FILE__, __LINE__, "REQUIRE_EQ(%s, %s): %lld != %lld", \
			#a, #b, __a, __b);				\
		ht_abort_case();					\
	}								\
} while (0)

#endif
