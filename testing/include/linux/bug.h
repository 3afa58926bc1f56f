/* SPDX-License-Identifier: GPL-2.0 */
/*
 * WARN_ON() and friends. A warning in the kernel is a bug the harness
 * fails the run for (it greps the log for "WARNING:"); here every hit is
 * counted by hmap_user_warn() (lib/kernel.c), which the test runner checks
 * after each case and the fuzzer turns into an abort. BUG_ON() aborts.
 */
#ifndef _HMAP_USER_LINUX_BUG_H
#define _HMAP_USER_LINUX_BUG_H

#include <linux/compiler.h>
#include <stdbool.h>
#include <stdlib.h>

void hmap_user_warn(const char *file, int line, const char *func,
		    const char *cond, bool once_printed);

#define __hmap_warn(cond, once, text) ({				\
	static bool __warned;						\
	int __ret_warn = !!(cond);					\
									\
	if (unlikely(__ret_warn))					\
		hmap_user_warn(__FILE__, __LINE__, __func__, text,	\
			       (once) && __atomic_exchange_n(&__warned,	\
						true, __ATOMIC_RELAXED));\
	unlikely(__ret_warn);						\
})

#define WARN_ON(cond)			__hmap_warn(cond, false, #cond)
#define WARN_ON_ONCE(cond)		__hmap_warn(cond, true, #cond)
#define WARN(cond, fmt...)		__hmap_warn(cond, false, #cond)
#define WARN_ONCE(cond, fmt...)		__hmap_warn(cond, true, #cond)

#define BUG()	do {							\
	hmap_user_warn(__FILE__, __LINE__, __func__, "BUG()", false);	\
	abort();							\
} while (0)
#define BUG_ON(cond)	do { if (unlikely(cond)) BUG(); } while (0)

#define BUILD_BUG_ON(cond)	do { _Static_assert(!(cond), #cond); } while (0)
#define BUILD_BUG_ON_MSG(cond, msg) \
	do { _Static_assert(!(cond), msg); } while (0)
#define BUILD_BUG_ON_ZERO(e)	((int)(sizeof(struct { int:(-!!(e)); })))

#endif
