// SPDX-License-Identifier: GPL-2.0
/*
 * hmap KUnit suites: creation parameters, the basic operations and their
 * flags, key/value size bounds and the entry limit.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "hmap_kunit.h"

struct create_case {
	const char *desc;
	struct hmap_params p;
	int err;		/* expected error, or 0 */
	u32 log2_buckets;	/* expected initial B when err == 0 */
};

#define CC_ERR(d, e, k, v, h) \
	{ .desc = d, .p = { e, k, v, h }, .err = -EINVAL }
#define CC_OK(d, e, k, v, h, b) \
	{ .desc = d, .p = { e, k, v, h }, .log2_buckets = b }

static const struct create_case create_cases[] = {
	CC_ERR("max_entries=0", 0, 8, 8, 0),
	CC_ERR("max_entries>limit", HMAP_ENTRIES_LIMIT + 1, 8, 8, 0),
	CC_ERR("max_key_size=0", 100, 0, 8, 0),
	CC_ERR("max_key_size>limit", 100, HMAP_KEY_SIZE_LIMIT + 1, 8, 0),
	CC_ERR("max_value_size>limit", 100, 8, HMAP_VALUE_SIZE_LIMIT + 1, 0),
	CC_ERR("size_hint>max_entries", 10, 8, 8, 11),
	CC_ERR("all_max_u32", U32_MAX, U32_MAX, U32_MAX, U32_MAX),
	CC_OK("smallest", 1, 1, 0, 0, 0),
	CC_OK("limits", HMAP_ENTRIES_LIMIT, HMAP_KEY_SIZE_LIMIT,
	      HMAP_VALUE_SIZE_LIMIT, 0, 0),
	CC_OK("hint=1", 100, 8, 8, 1, 0),
	CC_OK("hint=8", 100, 8, 8, 8, 0),
	CC_OK("hint=9", 100, 8, 8, 9, 1),
	CC_OK("hint=13", 100, 8, 8, 13, 1),
	CC_OK("hint=14", 100, 8, 8, 14, 2),
	CC_OK("hint=26", 100, 8, 8, 26, 2),
	CC_OK("hint=27", 100, 8, 8, 27, 3),
	CC_OK("hint=max_entries=100", 100, 8, 8, 100, 4),
	CC_OK("hint=104", 1000, 8, 8, 104, 4),
	CC_OK("hint=105", 1000, 8, 8, 105, 5),
	CC_OK("hint=6656", 10000, 8, 8, 6656, 10),
	CC_OK("hint=6657", 10000, 8, 8, 6657, 11),
};

KUNIT_ARRAY_PARAM_DESC(create_cases, create_cases, desc);

/* Bad parameters are -EINVAL; good ones give a map of the smallest B. */
static void hmap_create_params(struct kunit *test)
{
	const struct create_case *c = test->param_value;
	struct hmap_stats s;
	struct hmap *map;

	if (c->err) {
		map = hmap_create(&c->p);
		KUNIT_EXPECT_TRUE_MSG(test, IS_ERR(map),
				      "hmap_create accepted bad parameters");
		if (!IS_ERR_OR_NULL(map))
			hmap_destroy(map);
		else
			KUNIT_EXPECT_EQ(test, PTR_ERR(map), c->err);
		return;
	}
	map = kh_create(test, c->p.max_entries, c->p.max_key_size,
			c->p.max_value_size, c->p.size_hint);
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.log2_buckets, c->log2_buckets);
	KUNIT_EXPECT_EQ(test, s.count, 0);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_NONE);
	KUNIT_EXPECT_EQ(test, s.old_buckets, 0);
	KUNIT_EXPECT_EQ(test, s.max_entries, c->p.max_entries);
	KUNIT_EXPECT_EQ(test, s.max_key_size, c->p.max_key_size);
	KUNIT_EXPECT_EQ(test, s.max_value_size, c->p.max_value_size);
	KUNIT_EXPECT_EQ(test, s.grows + s.same_size_grows + s.shrinks, 0);
	KUNIT_EXPECT_GT(test, s.memory_bytes, 0);
	KH_ASSERT_CONSISTENT(test, map);
}

/* Live maps have distinct ids (the tracepoints tell maps apart by them). */
static void hmap_ids_unique(struct kunit *test)
{
	struct hmap *a = kh_create(test, 10, 8, 8, 0);
	struct hmap *b = kh_create(test, 10, 8, 8, 0);

	KUNIT_EXPECT_NE(test, kh_stats(a).id, kh_stats(b).id);
}

static void expect_value(struct kunit *test, struct hmap *map,
			 const char *key, const char *want)
{
	char buf[32];
	u32 len = sizeof(buf);
	int ret;

	ret = hmap_lookup(map, key, strlen(key), buf, &len);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "lookup %s", key);
	KUNIT_EXPECT_EQ_MSG(test, len, strlen(want), "value length of %s", key);
	KUNIT_EXPECT_MEMEQ_MSG(test, buf, want, strlen(want), "value of %s",
			       key);
}

static void expect_absent(struct kunit *test, struct hmap *map,
			  const char *key)
{
	char buf[32];
	u32 len = sizeof(buf);

	KUNIT_EXPECT_EQ_MSG(test, hmap_lookup(map, key, strlen(key), buf, &len),
			    -ENOENT, "lookup %s", key);
}

static int ins(struct hmap *map, const char *key, const char *val, u64 flags)
{
	return hmap_insert(map, key, strlen(key), val, strlen(val), flags);
}

/* insert/lookup/update/delete with the three flags, as BPF maps do. */
static void hmap_insert_flags(struct kunit *test)
{
	static const u64 bad_flags[] = { 3, 4, 0x100, 1ULL << 32, ~0ULL };
	struct hmap *map = kh_create(test, 100, 16, 16, 0);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, ins(map, "alpha", "one", HMAP_PUT_NOEXIST), 0);
	expect_value(test, map, "alpha", "one");
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 1);

	KUNIT_EXPECT_EQ(test, ins(map, "alpha", "two", HMAP_PUT_NOEXIST), -EEXIST);
	expect_value(test, map, "alpha", "one");

	KUNIT_EXPECT_EQ(test, ins(map, "beta", "two", HMAP_PUT_EXIST), -ENOENT);
	expect_absent(test, map, "beta");
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 1);

	KUNIT_EXPECT_EQ(test, ins(map, "alpha", "three!", HMAP_PUT_EXIST), 0);
	expect_value(test, map, "alpha", "three!");
	KUNIT_EXPECT_EQ(test, ins(map, "alpha", "4", HMAP_PUT_ANY), 0);
	expect_value(test, map, "alpha", "4");
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 1);

	KUNIT_EXPECT_EQ(test, ins(map, "beta", "b", HMAP_PUT_ANY), 0);
	expect_value(test, map, "beta", "b");
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 2);

	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		KUNIT_EXPECT_EQ_MSG(test, ins(map, "gamma", "g", bad_flags[i]),
				    -EINVAL, "flags %#llx", bad_flags[i]);
		KUNIT_EXPECT_EQ_MSG(test, ins(map, "alpha", "x", bad_flags[i]),
				    -EINVAL, "flags %#llx", bad_flags[i]);
	}
	expect_absent(test, map, "gamma");
	expect_value(test, map, "alpha", "4");
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 2);

	/* A prefix, and a key one byte longer, are other keys. */
	expect_absent(test, map, "alph");
	expect_absent(test, map, "alphab");
	KUNIT_EXPECT_EQ(test, ins(map, "alph", "p", HMAP_PUT_NOEXIST), 0);
	expect_value(test, map, "alph", "p");
	expect_value(test, map, "alpha", "4");

	KUNIT_EXPECT_EQ(test, hmap_delete(map, "alpha", 5), 0);
	expect_absent(test, map, "alpha");
	KUNIT_EXPECT_EQ(test, hmap_delete(map, "alpha", 5), -ENOENT);
	expect_value(test, map, "alph", "p");
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 2);

	/* A deleted key can come back, EXIST does not see it. */
	KUNIT_EXPECT_EQ(test, ins(map, "alpha", "back", HMAP_PUT_EXIST), -ENOENT);
	KUNIT_EXPECT_EQ(test, ins(map, "alpha", "back", HMAP_PUT_NOEXIST), 0);
	expect_value(test, map, "alpha", "back");
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 3);
	KH_ASSERT_CONSISTENT(test, map);
}

/* Values of 0 bytes are values. */
static void hmap_empty_value(struct kunit *test)
{
	struct hmap *map = kh_create(test, 10, 8, 8, 0);
	char buf[8] = "xxxxxxx";
	u32 len;

	KUNIT_ASSERT_EQ(test, hmap_insert(map, "k", 1, buf, 0, HMAP_PUT_ANY), 0);
	len = 0;
	KUNIT_EXPECT_EQ(test, hmap_lookup(map, "k", 1, NULL, &len), 0);
	KUNIT_EXPECT_EQ(test, len, 0);
	len = sizeof(buf);
	KUNIT_EXPECT_EQ(test, hmap_lookup(map, "k", 1, buf, &len), 0);
	KUNIT_EXPECT_EQ(test, len, 0);
	KUNIT_EXPECT_STREQ(test, buf, "xxxxxxx");
	/* Grows to 3 bytes and back to 0. */
	KUNIT_ASSERT_EQ(test, hmap_insert(map, "k", 1, "abc", 3, HMAP_PUT_EXIST), 0);
	len = sizeof(buf);
	KUNIT_EXPECT_EQ(test, hmap_lookup(map, "k", 1, buf, &len), 0);
	KUNIT_EXPECT_EQ(test, len, 3);
	KUNIT_ASSERT_EQ(test, hmap_insert(map, "k", 1, buf, 0, HMAP_PUT_EXIST), 0);
	len = sizeof(buf);
	KUNIT_EXPECT_EQ(test, hmap_lookup(map, "k", 1, buf, &len), 0);
	KUNIT_EXPECT_EQ(test, len, 0);
	len = 0;
	KUNIT_EXPECT_EQ(test, hmap_lookup_and_delete(map, "k", 1, NULL, &len),
			0);
	KUNIT_EXPECT_EQ(test, len, 0);
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 0);
}

/* A buffer too small is -ENOSPC with the size needed, and copies nothing. */
static void hmap_lookup_bufsize(struct kunit *test)
{
	struct hmap *map = kh_create(test, 10, 8, 64, 0);
	static const char val[] = "0123456789";
	char buf[32];
	u32 len;

	KUNIT_ASSERT_EQ(test, hmap_insert(map, "key", 3, val, 10, HMAP_PUT_ANY), 0);

	len = 0;
	KUNIT_EXPECT_EQ(test, hmap_lookup(map, "key", 3, NULL, &len), -ENOSPC);
	KUNIT_EXPECT_EQ(test, len, 10);

	memset(buf, 'z', sizeof(buf));
	len = 9;
	KUNIT_EXPECT_EQ(test, hmap_lookup(map, "key", 3, buf, &len), -ENOSPC);
	KUNIT_EXPECT_EQ(test, len, 10);

	len = 10;
	KUNIT_EXPECT_EQ(test, hmap_lookup(map, "key", 3, buf, &len), 0);
	KUNIT_EXPECT_EQ(test, len, 10);
	KUNIT_EXPECT_MEMEQ(test, buf, val, 10);

	/* A bigger buffer: the value, and not a byte beyond it. */
	memset(buf, 'z', sizeof(buf));
	len = sizeof(buf);
	KUNIT_EXPECT_EQ(test, hmap_lookup(map, "key", 3, buf, &len), 0);
	KUNIT_EXPECT_EQ(test, len, 10);
	KUNIT_EXPECT_MEMEQ(test, buf, val, 10);
	KUNIT_EXPECT_EQ_MSG(test, buf[10], 'z', "lookup wrote past the value");
	KUNIT_EXPECT_EQ(test, buf[sizeof(buf) - 1], 'z');

	/* lookup_and_delete: -ENOSPC leaves the entry in place. */
	len = 4;
	KUNIT_EXPECT_EQ(test, hmap_lookup_and_delete(map, "key", 3, buf, &len),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, len, 10);
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 1);
	len = sizeof(buf);
	KUNIT_EXPECT_EQ(test, hmap_lookup(map, "key", 3, buf, &len), 0);

	memset(buf, 'z', sizeof(buf));
	len = sizeof(buf);
	KUNIT_EXPECT_EQ(test, hmap_lookup_and_delete(map, "key", 3, buf, &len),
			0);
	KUNIT_EXPECT_EQ(test, len, 10);
	KUNIT_EXPECT_MEMEQ(test, buf, val, 10);
	KUNIT_EXPECT_EQ(test, buf[10], 'z');
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 0);
	len = sizeof(buf);
	KUNIT_EXPECT_EQ(test, hmap_lookup_and_delete(map, "key", 3, buf, &len),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, hmap_lookup(map, "key", 3, buf, &len), -ENOENT);
}

/* Thousands of keys through several grows: all there, then half deleted. */
static void hmap_many_keys(struct kunit *test)
{
	struct hmap *map = kh_create(test, 4000, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 1, 3000);
	u32 id;

	for (id = 0; id < m->n; id++)
		kh_model_insert(test, map, m, id, 1, HMAP_PUT_NOEXIST);
	kh_model_verify(test, map, m);
	KUNIT_EXPECT_EQ(test, kh_stats(map).grows, 9);	/* B 0 -> 9 */
	KH_ASSERT_CONSISTENT(test, map);
	for (id = 0; id < m->n; id += 2)
		kh_model_insert(test, map, m, id, 2, HMAP_PUT_EXIST);
	for (id = 1; id < m->n; id += 2)
		kh_model_delete(test, map, m, id);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
}

/* clear empties the map, also in the middle of a grow, and it stays usable. */
static void hmap_clear_test(struct kunit *test)
{
	struct hmap *map = kh_create(test, 4000, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 2, 1000);
	struct hmap_stats s;
	u32 id;

	KUNIT_EXPECT_EQ(test, hmap_clear(map), 0);
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 0);

	hmap_set_worker_enabled(map, false);
	/* 833 keys: the 833rd starts a grow from B=7 to B=8. */
	for (id = 0; id < 833; id++)
		kh_model_insert(test, map, m, id, 1, HMAP_PUT_NOEXIST);
	s = kh_stats(map);
	KUNIT_ASSERT_EQ(test, s.resize, HMAP_RESIZING_GROW);
	KUNIT_ASSERT_EQ(test, s.log2_buckets, 8);

	KUNIT_EXPECT_EQ(test, hmap_clear(map), 0);
	memset(m->present, 0, m->n * sizeof(*m->present));
	m->count = 0;
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);

	for (id = 0; id < m->n; id++)
		kh_model_insert(test, map, m, id, 2, HMAP_PUT_NOEXIST);
	hmap_worker_run(map);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
	KUNIT_EXPECT_EQ(test, kh_stats(map).resize, HMAP_RESIZING_NONE);
}

static struct kunit_case hmap_basic_cases[] = {
	KUNIT_CASE_PARAM(hmap_create_params, create_cases_gen_params),
	KUNIT_CASE(hmap_ids_unique),
	KUNIT_CASE(hmap_insert_flags),
	KUNIT_CASE(hmap_empty_value),
	KUNIT_CASE(hmap_lookup_bufsize),
	KUNIT_CASE(hmap_many_keys),
	KUNIT_CASE(hmap_clear_test),
	{}
};

static struct kunit_suite hmap_basic_suite = {
	.name = "hmap_basic",
	.test_cases = hmap_basic_cases,
};

/* Key sizes: 0 is -EINVAL, up to max_key_size fine, one more -EMSGSIZE. */
static const u32 key_sizes[] = { 1, 2, 16, 255, HMAP_KEY_SIZE_LIMIT };

static void u32_desc(const u32 *v, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u", *v);
}

KUNIT_ARRAY_PARAM(key_sizes, key_sizes, u32_desc);

static void hmap_key_size(struct kunit *test)
{
	const u32 max = *(const u32 *)test->param_value;
	struct hmap *map = kh_create(test, 16, max, 8, 0);
	u8 *key = kunit_kmalloc(test, max + 1, GFP_KERNEL);
	u32 v = 0x1234, len = sizeof(v), i;

	KUNIT_ASSERT_NOT_NULL(test, key);
	for (i = 0; i <= max; i++)
		key[i] = (u8)(i * 7 + 1);

	KUNIT_EXPECT_EQ(test, hmap_insert(map, key, 0, &v, 4, HMAP_PUT_ANY),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, hmap_insert(map, key, max + 1, &v, 4, HMAP_PUT_ANY),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 0);

	KUNIT_ASSERT_EQ(test, hmap_insert(map, key, max, &v, 4, HMAP_PUT_NOEXIST),
			0);
	v = 0;
	KUNIT_EXPECT_EQ(test, hmap_lookup(map, key, max, &v, &len), 0);
	KUNIT_EXPECT_EQ(test, v, 0x1234);
	if (max < 2)
		return;
	/* Keys differing only in the last, or the first, byte. */
	key[max - 1] ^= 0xff;
	len = sizeof(v);
	KUNIT_EXPECT_EQ(test, hmap_lookup(map, key, max, &v, &len), -ENOENT);
	KUNIT_EXPECT_EQ(test, hmap_insert(map, key, max, &v, 4, HMAP_PUT_NOEXIST),
			0);
	key[max - 1] ^= 0xff;
	key[0] ^= 0xff;
	KUNIT_EXPECT_EQ(test, hmap_lookup(map, key, max, &v, &len), -ENOENT);
	/* A shorter key is another key. */
	key[0] ^= 0xff;
	KUNIT_EXPECT_EQ(test, hmap_lookup(map, key, max - 1, &v, &len),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, hmap_delete(map, key, max - 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, hmap_delete(map, key, max), 0);
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 1);
}

/* Value sizes: up to max_value_size fine, one more -EMSGSIZE. */
static const u32 value_sizes[] = { 0, 1, 100, 4096, HMAP_VALUE_SIZE_LIMIT };

KUNIT_ARRAY_PARAM(value_sizes, value_sizes, u32_desc);

static void hmap_value_size(struct kunit *test)
{
	const u32 max = *(const u32 *)test->param_value;
	struct hmap *map = kh_create(test, 16, 8, max, 0);
	u8 *val = kunit_kmalloc(test, max + 1, GFP_KERNEL);
	u8 *out = kunit_kmalloc(test, max + 1, GFP_KERNEL);
	u32 len, i;

	KUNIT_ASSERT_NOT_NULL(test, val);
	KUNIT_ASSERT_NOT_NULL(test, out);
	for (i = 0; i <= max; i++)
		val[i] = (u8)(i * 13 + 5);

	KUNIT_EXPECT_EQ(test, hmap_insert(map, "big", 3, val, max + 1,
					  HMAP_PUT_ANY), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 0);
	KUNIT_ASSERT_EQ(test, hmap_insert(map, "big", 3, val, max, HMAP_PUT_ANY),
			0);
	len = max + 1;
	KUNIT_ASSERT_EQ(test, hmap_lookup(map, "big", 3, out, &len), 0);
	KUNIT_EXPECT_EQ(test, len, max);
	KUNIT_EXPECT_MEMEQ(test, out, val, max);

	/* An update too big fails and keeps the old value. */
	if (max > 0) {
		KUNIT_ASSERT_EQ(test, hmap_insert(map, "big", 3, val + 1,
						  max - 1, HMAP_PUT_EXIST), 0);
	}
	KUNIT_EXPECT_EQ(test, hmap_insert(map, "big", 3, val, max + 1,
					  HMAP_PUT_EXIST), -EMSGSIZE);
	len = max + 1;
	KUNIT_ASSERT_EQ(test, hmap_lookup(map, "big", 3, out, &len), 0);
	KUNIT_EXPECT_EQ(test, len, max ? max - 1 : 0);
	if (max > 1)
		KUNIT_EXPECT_MEMEQ(test, out, val + 1, max - 1);
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 1);
}

/* max_entries: a new key beyond it is -E2BIG; updates and deletes work. */
static const u32 entry_limits[] = { 1, 8, 9, 100, 20000 };

KUNIT_ARRAY_PARAM(entry_limits, entry_limits, u32_desc);

static void hmap_max_entries(struct kunit *test)
{
	const u32 max = *(const u32 *)test->param_value;
	struct hmap *map = kh_create(test, max, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 3, max + 1);
	struct kh_key k = kh_key(3, max);
	u8 val[KH_VAL_MAX];
	u32 id, len = kh_fill_value(val, 3, max, 0);

	for (id = 0; id < max; id++)
		kh_model_insert(test, map, m, id, 0, HMAP_PUT_NOEXIST);
	KUNIT_EXPECT_EQ(test, hmap_insert(map, &k, sizeof(k), val, len,
					  HMAP_PUT_ANY), -E2BIG);
	KUNIT_EXPECT_EQ(test, hmap_insert(map, &k, sizeof(k), val, len,
					  HMAP_PUT_NOEXIST), -E2BIG);
	KUNIT_EXPECT_EQ(test, hmap_insert(map, &k, sizeof(k), val, len,
					  HMAP_PUT_EXIST), -ENOENT);
	kh_model_verify(test, map, m);

	/* Full: existing keys still update; NOEXIST on them is -EEXIST. */
	kh_model_insert(test, map, m, 0, 1, HMAP_PUT_ANY);
	kh_model_insert(test, map, m, max - 1, 1, HMAP_PUT_EXIST);
	kh_model_insert(test, map, m, 0, 2, HMAP_PUT_NOEXIST);

	/* One out, one in. */
	kh_model_delete(test, map, m, 0);
	kh_model_insert(test, map, m, max, 1, HMAP_PUT_NOEXIST);
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, max);
	KUNIT_EXPECT_EQ(test, hmap_insert(map, &k, sizeof(k), val, len,
					  HMAP_PUT_NOEXIST), -EEXIST);
	k = kh_key(3, 0);
	KUNIT_EXPECT_EQ(test, hmap_insert(map, &k, sizeof(k), val, len,
					  HMAP_PUT_ANY), -E2BIG);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
}

static struct kunit_case hmap_limits_cases[] = {
	KUNIT_CASE_PARAM(hmap_key_size, key_sizes_gen_params),
	KUNIT_CASE_PARAM(hmap_value_size, value_sizes_gen_params),
	KUNIT_CASE_PARAM(hmap_max_entries, entry_limits_gen_params),
	{}
};

static struct kunit_suite hmap_limits_suite = {
	.name = "hmap_limits",
	.test_cases = hmap_limits_cases,
};

kunit_test_suites(&hmap_basic_suite, &hmap_limits_suite);
