/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A user-space KUnit, enough for the suites in ../kunit/ to build and run
 * natively (as tools/testing/radix-tree runs lib/test_xarray.c): suites, cases,
 * parameters, the EXPECT/ASSERT family, test-managed allocations and
 * deferred actions, and static stubs (include/kunit/static_stub.h). The
 * runner, kunit_shim/kunit.c, runs each case (each parameter) in a
 * child process and prints "PASS: suite.case" or "FAIL: ...".
 *
 * An ASSERT that fails ends the case at once (the kernel's KUnit unwinds
 * the test's kthread; here the child process exits).
 */
#ifndef _KUNIT_TEST_H
#define _KUNIT_TEST_H

#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#define KUNIT_PARAM_DESC_SIZE	128

enum kunit_status {
	KUNIT_SUCCESS,
	KUNIT_FAILURE,
	KUNIT_SKIPPED,
};

enum kunit_speed {
	KUNIT_SPEED_UNSET,
	KUNIT_SPEED_VERY_SLOW,
	KUNIT_SPEED_SLOW,
	KUNIT_SPEED_NORMAL,
};

struct kunit_attributes {
	enum kunit_speed speed;
};

struct kunit;

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
	const void *(*generate_params)(const void *prev, char *desc);
	struct kunit_attributes attr;
};

struct kunit_suite {
	const char name[256];
	int (*suite_init)(struct kunit_suite *suite);
	void (*suite_exit)(struct kunit_suite *suite);
	int (*init)(struct kunit *test);
	void (*exit)(struct kunit *test);
	struct kunit_case *test_cases;
	struct kunit_attributes attr;
};

struct kunit_action_entry;

struct kunit {
	void *priv;
	const char *name;
	enum kunit_status status;
	const void *param_value;
	int param_index;
	char param_desc[KUNIT_PARAM_DESC_SIZE];
	struct kunit_action_entry *actions;
};

#define KUNIT_CASE(test_name) { .run_case = test_name, .name = #test_name }
#define KUNIT_CASE_ATTR(test_name, attributes) \
	{ .run_case = test_name, .name = #test_name, .attr = attributes }
#define KUNIT_CASE_SLOW(test_name) \
	{ .run_case = test_name, .name = #test_name, \
	  .attr.speed = KUNIT_SPEED_SLOW }
#define KUNIT_CASE_PARAM(test_name, gen_params) \
	{ .run_case = test_name, .name = #test_name, \
	  .generate_params = gen_params }
#define KUNIT_CASE_PARAM_ATTR(test_name, gen_params, attributes) \
	{ .run_case = test_name, .name = #test_name, \
	  .generate_params = gen_params, .attr = attributes }

void hmap_kunit_register(struct kunit_suite **suites);

#define kunit_test_suites(__suites...)					\
	static struct kunit_suite *__hmap_kunit_suites[] = { __suites, NULL }; \
	__attribute__((constructor)) static void __hmap_kunit_reg(void)	\
	{								\
		hmap_kunit_register(__hmap_kunit_suites);		\
	}								\
	extern int __hmap_kunit_semicolon
#define kunit_test_suite(suite)	kunit_test_suites(&suite)

#define KUNIT_ARRAY_PARAM(name, array, get_desc)			\
	static const void *name##_gen_params(const void *prev, char *desc) \
	{								\
		typeof((array)[0]) *__next = prev ?			\
			((typeof(__next))prev) + 1 : (array);		\
		if (__next - (array) < ARRAY_SIZE((array))) {		\
			void (*__get_desc)(typeof(__next), char *) = get_desc; \
			if (__get_desc)					\
				__get_desc(__next, desc);		\
			return __next;					\
		}							\
		return NULL;						\
	}
#define KUNIT_ARRAY_PARAM_DESC(name, array, desc_member)		\
	static const void *name##_gen_params(const void *prev, char *desc) \
	{								\
		typeof((array)[0]) *__next = prev ?			\
			((typeof(__next))prev) + 1 : (array);		\
		if (__next - (array) < ARRAY_SIZE((array))) {		\
			snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",	\
				 __next->desc_member);			\
			return __next;					\
		}							\
		return NULL;						\
	}

/* Resources: freed (actions run) when the case ends, last first. */
typedef void (kunit_action_t)(void *);
int kunit_add_action(struct kunit *test, kunit_action_t *action, void *ctx);
int kunit_add_action_or_reset(struct kunit *test, kunit_action_t *action,
			      void *ctx);
void kunit_remove_action(struct kunit *test, kunit_action_t *action, void *ctx);
void kunit_release_action(struct kunit *test, kunit_action_t *action, void *ctx);
void *kunit_kmalloc_array(struct kunit *test, size_t n, size_t size, gfp_t gfp);

#define KUNIT_DEFINE_ACTION_WRAPPER(wrapper, orig, arg_type)		\
	static void wrapper(void *in)					\
	{								\
		orig((arg_type)in);					\
	}

static inline void *kunit_kmalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	return kunit_kmalloc_array(test, 1, size, gfp);
}

static inline void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	return kunit_kmalloc(test, size, gfp | __GFP_ZERO);
}

static inline void *kunit_kcalloc(struct kunit *test, size_t n, size_t size,
				  gfp_t gfp)
{
	return kunit_kmalloc_array(test, n, size, gfp | __GFP_ZERO);
}

static inline struct kunit *kunit_get_current_test(void)
{
	return current->kunit_test;
}

__attribute__((format(printf, 2, 3)))
void kunit_info(struct kunit *test, const char *fmt, ...);
#define kunit_err(test, fmt, ...)	kunit_info(test, fmt, ##__VA_ARGS__)
#define kunit_warn(test, fmt, ...)	kunit_info(test, fmt, ##__VA_ARGS__)
#define kunit_log(lvl, test, fmt, ...)	kunit_info(test, fmt, ##__VA_ARGS__)

static inline void kunit_set_failure(struct kunit *test)
{
	WRITE_ONCE(test->status, KUNIT_FAILURE);
}

void kunit_skip_case(struct kunit *test, const char *why);
#define kunit_skip(test, fmt, ...) do {					\
	char __why[256];						\
	snprintf(__why, sizeof(__why), fmt, ##__VA_ARGS__);		\
	kunit_skip_case(test, __why);					\
} while (0)
#define kunit_mark_skipped(test, fmt, ...) kunit_skip(test, fmt, ##__VA_ARGS__)

/*
 * A failed expectation: @what says what was expected (preformatted),
 * @fmt (may be NULL) the test's own message. @fatal ends the case.
 */
__attribute__((format(printf, 6, 7)))
void __kunit_fail(struct kunit *test, bool fatal, const char *file, int line,
		  const char *what, const char *fmt, ...);

#define __KUNIT_MSG(fmt, ...)	fmt, ##__VA_ARGS__

#define __KUNIT_BINARY(test, fatal, left, op, right, fmt...) do {	\
	__auto_type __l = (left);					\
	__auto_type __r = (right);					\
									\
	if (unlikely(!(__l op __r))) {					\
		char __what[512];					\
		snprintf(__what, sizeof(__what),			\
			 "Expected %s %s %s, but\n        %s == %lld (0x%llx)\n        %s == %lld (0x%llx)", \
			 #left, #op, #right, #left, (long long)__l,	\
			 (unsigned long long)__l, #right, (long long)__r, \
			 (unsigned long long)__r);			\
		__kunit_fail(test, fatal, __FILE__, __LINE__, __what, fmt); \
	}								\
} while (0)

#define __KUNIT_COND(test, fatal, cond, expect, fmt...) do {		\
	if (unlikely(!!(cond) != (expect)))				\
		__kunit_fail(test, fatal, __FILE__, __LINE__,		\
			     "Expected " #cond " to be " #expect, fmt);	\
} while (0)

#define __KUNIT_PTR(test, fatal, ptr, ok, desc, fmt...) do {		\
	const void *__p = (ptr);					\
									\
	if (unlikely(!(ok)))						\
		__kunit_fail(test, fatal, __FILE__, __LINE__,		\
			     "Expected " #ptr " " desc, fmt);		\
} while (0)

#define __KUNIT_MEMEQ(test, fatal, left, right, size, fmt...) do {	\
	if (unlikely(memcmp((left), (right), (size))))			\
		__kunit_fail(test, fatal, __FILE__, __LINE__,		\
			     "Expected " #left " == " #right " (" #size " bytes)", fmt); \
} while (0)

#define __KUNIT_STREQ(test, fatal, left, right, fmt...) do {		\
	if (unlikely(strcmp((left), (right))))				\
		__kunit_fail(test, fatal, __FILE__, __LINE__,		\
			     "Expected " #left " == " #right " (strings)", fmt); \
} while (0)

#define KUNIT_FAIL(test, fmt, ...) \
	__kunit_fail(test, false, __FILE__, __LINE__, "KUNIT_FAIL", fmt, ##__VA_ARGS__)

#define KUNIT_EXPECT_EQ_MSG(t, l, r, fmt...)	__KUNIT_BINARY(t, false, l, ==, r, fmt)
#define KUNIT_EXPECT_NE_MSG(t, l, r, fmt...)	__KUNIT_BINARY(t, false, l, !=, r, fmt)
#define KUNIT_EXPECT_LT_MSG(t, l, r, fmt...)	__KUNIT_BINARY(t, false, l, <, r, fmt)
#define KUNIT_EXPECT_LE_MSG(t, l, r, fmt...)	__KUNIT_BINARY(t, false, l, <=, r, fmt)
#define KUNIT_EXPECT_GT_MSG(t, l, r, fmt...)	__KUNIT_BINARY(t, false, l, >, r, fmt)
#define KUNIT_EXPECT_GE_MSG(t, l, r, fmt...)	__KUNIT_BINARY(t, false, l, >=, r, fmt)
#define KUNIT_ASSERT_EQ_MSG(t, l, r, fmt...)	__KUNIT_BINARY(t, true, l, ==, r, fmt)
#define KUNIT_ASSERT_NE_MSG(t, l, r, fmt...)	__KUNIT_BINARY(t, true, l, !=, r, fmt)
#define KUNIT_ASSERT_LT_MSG(t, l, r, fmt...)	__KUNIT_BINARY(t, true, l, <, r, fmt)
#define KUNIT_ASSERT_LE_MSG(t, l, r, fmt...)	__KUNIT_BINARY(t, true, l, <=, r, fmt)
#define KUNIT_ASSERT_GT_MSG(t, l, r, fmt...)	__KUNIT_BINARY(t, true, l, >, r, fmt)
#define KUNIT_ASSERT_GE_MSG(t, l, r, fmt...)	__KUNIT_BINARY(t, true, l, >=, r, fmt)
#define KUNIT_EXPECT_EQ(t, l, r)	KUNIT_EXPECT_EQ_MSG(t, l, r, NULL)
#define KUNIT_EXPECT_NE(t, l, r)	KUNIT_EXPECT_NE_MSG(t, l, r, NULL)
#define KUNIT_EXPECT_LT(t, l, r)	KUNIT_EXPECT_LT_MSG(t, l, r, NULL)
#define KUNIT_EXPECT_LE(t, l, r)	KUNIT_EXPECT_LE_MSG(t, l, r, NULL)
#define KUNIT_EXPECT_GT(t, l, r)	KUNIT_EXPECT_GT_MSG(t, l, r, NULL)
#define KUNIT_EXPECT_GE(t, l, r)	KUNIT_EXPECT_GE_MSG(t, l, r, NULL)
#define KUNIT_ASSERT_EQ(t, l, r)	KUNIT_ASSERT_EQ_MSG(t, l, r, NULL)
#define KUNIT_ASSERT_NE(t, l, r)	KUNIT_ASSERT_NE_MSG(t, l, r, NULL)
#define KUNIT_ASSERT_LT(t, l, r)	KUNIT_ASSERT_LT_MSG(t, l, r, NULL)
#define KUNIT_ASSERT_LE(t, l, r)	KUNIT_ASSERT_LE_MSG(t, l, r, NULL)
#define KUNIT_ASSERT_GT(t, l, r)	KUNIT_ASSERT_GT_MSG(t, l, r, NULL)
#define KUNIT_ASSERT_GE(t, l, r)	KUNIT_ASSERT_GE_MSG(t, l, r, NULL)

#define KUNIT_EXPECT_TRUE_MSG(t, c, fmt...)	__KUNIT_COND(t, false, c, true, fmt)
#define KUNIT_EXPECT_FALSE_MSG(t, c, fmt...)	__KUNIT_COND(t, false, c, false, fmt)
#define KUNIT_ASSERT_TRUE_MSG(t, c, fmt...)	__KUNIT_COND(t, true, c, true, fmt)
#define KUNIT_ASSERT_FALSE_MSG(t, c, fmt...)	__KUNIT_COND(t, true, c, false, fmt)
#define KUNIT_EXPECT_TRUE(t, c)		KUNIT_EXPECT_TRUE_MSG(t, c, NULL)
#define KUNIT_EXPECT_FALSE(t, c)	KUNIT_EXPECT_FALSE_MSG(t, c, NULL)
#define KUNIT_ASSERT_TRUE(t, c)		KUNIT_ASSERT_TRUE_MSG(t, c, NULL)
#define KUNIT_ASSERT_FALSE(t, c)	KUNIT_ASSERT_FALSE_MSG(t, c, NULL)

#define KUNIT_EXPECT_NULL_MSG(t, p, fmt...) \
	__KUNIT_PTR(t, false, p, !__p, "to be NULL", fmt)
#define KUNIT_EXPECT_NOT_NULL_MSG(t, p, fmt...) \
	__KUNIT_PTR(t, false, p, __p, "not to be NULL", fmt)
#define KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(t, p, fmt...) \
	__KUNIT_PTR(t, false, p, !IS_ERR_OR_NULL(__p), "not to be an error or NULL", fmt)
#define KUNIT_ASSERT_NULL_MSG(t, p, fmt...) \
	__KUNIT_PTR(t, true, p, !__p, "to be NULL", fmt)
#define KUNIT_ASSERT_NOT_NULL_MSG(t, p, fmt...) \
	__KUNIT_PTR(t, true, p, __p, "not to be NULL", fmt)
#define KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(t, p, fmt...) \
	__KUNIT_PTR(t, true, p, !IS_ERR_OR_NULL(__p), "not to be an error or NULL", fmt)
#define KUNIT_EXPECT_NULL(t, p)		KUNIT_EXPECT_NULL_MSG(t, p, NULL)
#define KUNIT_EXPECT_NOT_NULL(t, p)	KUNIT_EXPECT_NOT_NULL_MSG(t, p, NULL)
#define KUNIT_EXPECT_NOT_ERR_OR_NULL(t, p) KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(t, p, NULL)
#define KUNIT_ASSERT_NULL(t, p)		KUNIT_ASSERT_NULL_MSG(t, p, NULL)
#define KUNIT_ASSERT_NOT_NULL(t, p)	KUNIT_ASSERT_NOT_NULL_MSG(t, p, NULL)
#define KUNIT_ASSERT_NOT_ERR_OR_NULL(t, p) KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(t, p, NULL)
#define KUNIT_EXPECT_PTR_EQ(t, l, r)	KUNIT_EXPECT_TRUE(t, (l) == (r))
#define KUNIT_EXPECT_PTR_NE(t, l, r)	KUNIT_EXPECT_TRUE(t, (l) != (r))
#define KUNIT_ASSERT_PTR_EQ(t, l, r)	KUNIT_ASSERT_TRUE(t, (l) == (r))

#define KUNIT_EXPECT_MEMEQ_MSG(t, l, r, size, fmt...) \
	__KUNIT_MEMEQ(t, false, l, r, size, fmt)
#define KUNIT_EXPECT_MEMEQ(t, l, r, size) KUNIT_EXPECT_MEMEQ_MSG(t, l, r, size, NULL)
#define KUNIT_EXPECT_STREQ_MSG(t, l, r, fmt...) __KUNIT_STREQ(t, false, l, r, fmt)
#define KUNIT_EXPECT_STREQ(t, l, r)	KUNIT_EXPECT_STREQ_MSG(t, l, r, NULL)
#define KUNIT_ASSERT_STREQ(t, l, r)	__KUNIT_STREQ(t, true, l, r, NULL)

#endif /* _KUNIT_TEST_H */
