// SPDX-License-Identifier: GPL-2.0
/*
 * hmap KUnit suite: tophash collisions and long overflow chains, built
 * on purpose with forced hash values (kh_set_hash()).
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "hmap_kunit.h"

#define FSET	9	/* the set kh_fill_value() is told for kh_fkey keys */

static int fins(struct hmap *map, u64 hash, u32 id, u32 gen, u64 flags)
{
	struct kh_fkey k = kh_fkey(hash, id);
	u8 val[KH_VAL_MAX];
	u32 len = kh_fill_value(val, FSET, id, gen);

	return hmap_insert(map, &k, sizeof(k), val, len, flags);
}

static int fdel(struct hmap *map, u64 hash, u32 id)
{
	struct kh_fkey k = kh_fkey(hash, id);

	return hmap_delete(map, &k, sizeof(k));
}

/* 0 if (hash, id) maps to its value of generation @gen, else the error. */
static int flook(struct hmap *map, u64 hash, u32 id, u32 gen)
{
	struct kh_fkey k = kh_fkey(hash, id);
	u8 val[KH_VAL_MAX];
	u32 len = sizeof(val);
	int ret = hmap_lookup(map, &k, sizeof(k), val, &len);

	if (ret)
		return ret;
	return kh_value_ok(val, len, FSET, id, gen) ? 0 : -EBADMSG;
}

struct chain_case {
	const char *desc;
	u32 mid_step;	/* added to the hash's middle bits per key */
};

static const struct chain_case chain_cases[] = {
	{ "same_full_hash", 0 },
	{ "same_tophash_and_bucket", 1 },
};

KUNIT_ARRAY_PARAM_DESC(chain_cases, chain_cases, desc);

/*
 * 200 keys in one bucket of a map of 256 (size_hint 1000, so no grow):
 * a chain of 25 buckets, 24 of them overflow buckets. Every key found,
 * absent ones not, deletes in the middle, slots reused.
 */
static void hmap_long_chain(struct kunit *test)
{
	const struct chain_case *c = test->param_value;
	struct hmap *map = kh_create_forced(test, 2000, 1000);
	const u32 n = 200;
	struct hmap_stats s;
	u32 i, bad = 0;

#define H(i) kh_hash(0xab, 0x123 + (i) * c->mid_step, 5)
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ_MSG(test, fins(map, H(i), i, 0, HMAP_PUT_NOEXIST),
				    0, "insert %u", i);
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.count, n);
	KUNIT_EXPECT_EQ(test, s.log2_buckets, 8);
	KUNIT_EXPECT_EQ(test, s.grows + s.same_size_grows + s.shrinks, 0);
	KUNIT_EXPECT_EQ_MSG(test, s.overflow_buckets, 24,
			    "200 entries in one bucket need 24 overflow buckets");
	KH_ASSERT_CONSISTENT(test, map);

	for (i = 0; i < n; i++) {
		bad += flook(map, H(i), i, 0) != 0;
		bad += fins(map, H(i), i, 1, HMAP_PUT_NOEXIST) != -EEXIST;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	/* Same hash, other id: absent, wherever in the chain it would be. */
	KUNIT_EXPECT_EQ(test, flook(map, H(0), n, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, fdel(map, H(0), n), -ENOENT);
	KUNIT_EXPECT_EQ(test, fins(map, H(0), n, 0, HMAP_PUT_EXIST), -ENOENT);

	/* Update the last key of the chain, delete every other key. */
	KUNIT_EXPECT_EQ(test, fins(map, H(n - 1), n - 1, 7, HMAP_PUT_EXIST), 0);
	for (i = 0; i < n; i += 2)
		KUNIT_EXPECT_EQ(test, fdel(map, H(i), i), 0);
	for (i = 0; i < n; i++) {
		int want = i & 1 ? 0 : -ENOENT;

		bad += flook(map, H(i), i, i == n - 1 ? 7 : 0) != want;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, n / 2);
	KH_ASSERT_CONSISTENT(test, map);

	/* 100 new keys fill the 100 freed slots: the chain does not grow. */
	for (i = n; i < n + n / 2; i++)
		KUNIT_EXPECT_EQ(test, fins(map, H(i), i, 0, HMAP_PUT_NOEXIST), 0);
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.count, n);
	KUNIT_EXPECT_LE_MSG(test, s.overflow_buckets, 24,
			    "freed slots in the chain were not reused");
	for (i = 0; i < n + n / 2; i++) {
		int want = i >= n || (i & 1) ? 0 : -ENOENT;

		bad += flook(map, H(i), i, i == n - 1 ? 7 : 0) != want;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KH_ASSERT_CONSISTENT(test, map);

	/* Empty the chain from its end. */
	for (i = n + n / 2; i-- > 0;)
		if (i >= n || (i & 1))
			KUNIT_EXPECT_EQ(test, fdel(map, H(i), i), 0);
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 0);
	KUNIT_EXPECT_EQ(test, flook(map, H(1), 1, 0), -ENOENT);
	KH_ASSERT_CONSISTENT(test, map);
#undef H
}

static const u32 top_bytes[] = { 0, 1, 2, 3, 4, 5, 6, 9, 0xff };

static void top_desc(const u32 *v, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "top=%#x", *v);
}

KUNIT_ARRAY_PARAM(top_bytes, top_bytes, top_desc);

/*
 * A hash whose top byte is below 5 (a marker value) is bumped by 5, onto
 * the tophash of another key: both keys are found, each with its value,
 * and deleting one leaves the other. 12 keys: the pair sits in the
 * overflow bucket too.
 */
static void hmap_tophash_bump(struct kunit *test)
{
	const u32 top = *(const u32 *)test->param_value;
	const u8 other = top < 5 ? top + 5 : top;
	struct hmap *map = kh_create_forced(test, 100, 100);
	u32 i;

	for (i = 0; i < 10; i++)
		KUNIT_ASSERT_EQ(test, fins(map, kh_hash(0x80 + i, i, 3), i, 0,
					   HMAP_PUT_NOEXIST), 0);
	KUNIT_ASSERT_EQ(test, fins(map, kh_hash(top, 1, 3), 100, 0,
				   HMAP_PUT_NOEXIST), 0);
	KUNIT_ASSERT_EQ(test, fins(map, kh_hash(other, 2, 3), 101, 0,
				   HMAP_PUT_NOEXIST), 0);
	KUNIT_EXPECT_EQ(test, kh_stats(map).overflow_buckets, 1);
	KH_ASSERT_CONSISTENT(test, map);
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_EQ(test, flook(map, kh_hash(0x80 + i, i, 3), i, 0),
				0);
	KUNIT_EXPECT_EQ(test, flook(map, kh_hash(top, 1, 3), 100, 0), 0);
	KUNIT_EXPECT_EQ(test, flook(map, kh_hash(other, 2, 3), 101, 0), 0);

	KUNIT_EXPECT_EQ(test, fdel(map, kh_hash(top, 1, 3), 100), 0);
	KUNIT_EXPECT_EQ(test, flook(map, kh_hash(top, 1, 3), 100, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, flook(map, kh_hash(other, 2, 3), 101, 0), 0);
	KUNIT_EXPECT_EQ(test, fins(map, kh_hash(top, 1, 3), 100, 1,
				   HMAP_PUT_NOEXIST), 0);
	KUNIT_EXPECT_EQ(test, fdel(map, kh_hash(other, 2, 3), 101), 0);
	KUNIT_EXPECT_EQ(test, flook(map, kh_hash(top, 1, 3), 100, 1), 0);
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 11);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * Every top byte, 0..255, in one bucket chain: the ones below 5 must not
 * be taken for the empty/evacuated markers (an emptyRest would hide the
 * rest of the chain from lookups).
 */
static void hmap_all_top_bytes(struct kunit *test)
{
	struct hmap *map = kh_create_forced(test, 1000, 1000);
	u32 i, bad = 0;

	for (i = 0; i < 256; i++)
		KUNIT_ASSERT_EQ(test, fins(map, kh_hash(i, i, 0), i, 0,
					   HMAP_PUT_NOEXIST), 0);
	KUNIT_EXPECT_EQ(test, kh_stats(map).overflow_buckets, 31);
	KH_ASSERT_CONSISTENT(test, map);
	for (i = 0; i < 256; i++)
		bad += flook(map, kh_hash(i, i, 0), i, 0) != 0;
	KUNIT_EXPECT_EQ(test, bad, 0);
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_EQ(test, fdel(map, kh_hash(i, i, 0), i), 0);
	for (i = 0; i < 256; i++)
		bad += flook(map, kh_hash(i, i, 0), i, 0) != (i < 10 ? -ENOENT : 0);
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 246);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * Keys that all share one full hash through grows, same-size grows and
 * shrinks: a resize cannot split them, every rebuild keeps one chain.
 */
static void hmap_one_hash_resizes(struct kunit *test)
{
	struct hmap *map = kh_create_forced(test, 1000, 0);
	const u64 h = kh_hash(0x42, 0x42, 0x42);
	const u32 n = 120;
	struct hmap_stats s;
	u32 i, bad = 0;

	hmap_set_worker_enabled(map, false);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ_MSG(test, fins(map, h, i, 0, HMAP_PUT_NOEXIST), 0,
				    "insert %u", i);
	KH_ASSERT_CONSISTENT(test, map);
	for (i = 0; i < n; i++)
		bad += flook(map, h, i, 0) != 0;
	KUNIT_EXPECT_EQ(test, bad, 0);
	hmap_worker_run(map);
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_NONE);
	KUNIT_EXPECT_EQ(test, s.log2_buckets, 5);	/* 120 > 104 */
	KUNIT_EXPECT_EQ(test, s.overflow_buckets, 14);	/* 120 / 8 - 1 */
	/*
	 * One chain is never long enough for a same-size grow before the
	 * load factor doubles the map: at 6.5 * 2^B entries it has only
	 * 0.8 * 2^B overflow buckets.
	 */
	KUNIT_EXPECT_EQ(test, s.grows, 5);
	KUNIT_EXPECT_EQ(test, s.same_size_grows, 0);

	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, fdel(map, h, i), 0);
	hmap_worker_run(map);
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.count, 0);
	KUNIT_EXPECT_GT(test, s.shrinks, 0);
	KUNIT_EXPECT_EQ(test, flook(map, h, 0, 0), -ENOENT);
	KH_ASSERT_CONSISTENT(test, map);
}

static struct kunit_case hmap_collide_cases[] = {
	KUNIT_CASE_PARAM(hmap_long_chain, chain_cases_gen_params),
	KUNIT_CASE_PARAM(hmap_tophash_bump, top_bytes_gen_params),
	KUNIT_CASE(hmap_all_top_bytes),
	KUNIT_CASE(hmap_one_hash_resizes),
	{}
};

static struct kunit_suite hmap_collide_suite = {
	.name = "hmap_collide",
	.test_cases = hmap_collide_cases,
};

kunit_test_suites(&hmap_collide_suite);
