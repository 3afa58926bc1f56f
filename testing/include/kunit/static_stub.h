/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit static stubs on a user-space redirect table (lib/stub.c).
 *
 * KUNIT_STATIC_STUB_REDIRECT() has the kernel's meaning: if a replacement
 * for this function is active, call it and return its result. The kernel
 * looks replacements up in the current KUnit test, so they apply only to
 * the test's own thread; here a replacement is either global (set with
 * hmap_user_stub_set(), seen by every thread: readers, the worker) or,
 * through kunit_activate_static_stub() in the KUnit shim, the current
 * test's, as in the kernel. With no replacement active the cost is one
 * relaxed load.
 */
#ifndef _KUNIT_STATIC_STUB_H
#define _KUNIT_STATIC_STUB_H

#include <linux/compiler.h>
#include <linux/kernel.h>

struct kunit;

extern int hmap_user_stubs_active;
void *hmap_user_stub_find(const void *real_fn);

#define KUNIT_STATIC_STUB_REDIRECT(real_fn_name, args...)		\
do {									\
	typeof(&real_fn_name) __replacement;				\
									\
	if (likely(!__atomic_load_n(&hmap_user_stubs_active,		\
				    __ATOMIC_RELAXED)))			\
		break;							\
	__replacement = (typeof(&real_fn_name))				\
		hmap_user_stub_find((const void *)&real_fn_name);	\
	if (unlikely(__replacement))					\
		return __replacement(args);				\
} while (0)

void __kunit_activate_static_stub(struct kunit *test, void *real_fn_addr,
				  void *replacement_addr);
void kunit_deactivate_static_stub(struct kunit *test, void *real_fn_addr);

#define kunit_activate_static_stub(test, real_fn_addr, replacement_addr) do { \
	typecheck_fn(typeof(&replacement_addr), real_fn_addr);		\
	__kunit_activate_static_stub(test, real_fn_addr, replacement_addr); \
} while (0)

#endif
