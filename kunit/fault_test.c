// SPDX-License-Identifier: GPL-2.0
/*
 * hmap KUnit suites: allocation failures injected with
 * hmap_test_fail_allocs() (at the start of a grow, in the middle of
 * evacuations, in operations that must not allocate), and destroying maps
 * in every state (kmemleak and KASAN, checked by the harness, say whether
 * everything was freed).
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "hmap_kunit.h"

/*
 * A hash for kh_key keys that clusters them: key id goes to bucket id % 4
 * at any B >= 2, so chains are long and a grow's evacuations must allocate
 * many overflow buckets in the new array (all of them land in X).
 */
static u64 cluster_hash(const void *key, u32 key_len)
{
	const struct kh_key *k = key;

	if (key_len != sizeof(*k))
		return 0;
	return kh_hash(k->id * 7 + 11, k->id, k->id % 4);
}

/*
 * The insert that starts a grow (833rd key, B 7 -> 8), with its
 * allocation number skip + 1 failing, for skip = 0..15: it succeeds (the
 * grow may be postponed) or fails with -ENOMEM and changes nothing; the
 * map stays consistent and, once allocations work again, grows.
 */
static void hmap_fault_grow_start(struct kunit *test)
{
	unsigned int skip, enomem = 0, postponed = 0;

	for (skip = 0; skip < 16; skip++) {
		struct hmap *map = kh_create(test, 1000, sizeof(struct kh_key),
					     KH_VAL_MAX, 0);
		struct kh_model *m = kh_model_new(test, 30, 900);
		struct hmap_stats s;
		int ret;
		u32 id;

		hmap_test_set_worker(map, false);
		for (id = 0; id < 832; id++)
			kh_model_insert(test, map, m, id, 0, HMAP_NOEXIST);
		hmap_test_run_worker(map);
		KUNIT_ASSERT_EQ(test, kh_stats(map).log2_buckets, 7);
		KUNIT_ASSERT_EQ(test, kh_stats(map).grows, 7);

		m->allow_enomem = true;
		hmap_test_fail_allocs(map, skip, 1);
		ret = kh_model_insert(test, map, m, 832, 0, HMAP_NOEXIST);
		hmap_test_fail_allocs(map, 0, 0);
		s = kh_stats(map);
		KUNIT_EXPECT_TRUE_MSG(test, ret == 0 || ret == -ENOMEM,
				      "skip %u: insert returned %d", skip, ret);
		enomem += ret == -ENOMEM;
		postponed += ret == 0 && s.grows == 7;
		if (skip == 0)
			KUNIT_EXPECT_TRUE_MSG(test, ret == -ENOMEM || s.grows == 7,
					      "the first allocation failed and yet the insert and the grow both happened");
		KUNIT_EXPECT_EQ(test, s.count, m->count);
		KH_ASSERT_CONSISTENT(test, map);
		kh_model_verify(test, map, m);

		/* Allocations work again: the map grows and holds all. */
		m->allow_enomem = false;
		for (id = 832; id < 900; id++)
			kh_model_insert(test, map, m, id, 1, HMAP_ANY);
		hmap_test_run_worker(map);
		s = kh_stats(map);
		KUNIT_EXPECT_EQ(test, s.grows, 8);
		KUNIT_EXPECT_EQ(test, s.log2_buckets, 8);
		kh_model_verify(test, map, m);
		KH_ASSERT_CONSISTENT(test, map);
	}
	kunit_info(test, "16 injection points: %u inserts -ENOMEM, %u grows postponed",
		   enomem, postponed);
	KUNIT_EXPECT_GT(test, enomem + postponed, 0);
}

/*
 * Writes during a grow with one allocation failing at a random point of
 * every other write: every write returns its normal result or -ENOMEM
 * with the map unchanged; the map is consistent after every one, and the
 * grow still finishes. Clustered hashes make evacuations allocate.
 */
static const char * const fault_modes[] = { "siphash", "clustered" };

static void str_desc(const char * const *v, char *desc)
{
	strscpy(desc, *v, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fault_modes, fault_modes, str_desc);

static void hmap_fault_during_grow(struct kunit *test)
{
	const bool clustered = !strcmp(*(const char * const *)test->param_value,
				       "clustered");
	const u32 n = 2000, first = clustered ? 833 : 1665;
	struct hmap *map = kh_create(test, n, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 31, n);
	unsigned int ops = 0, enomem = 0;
	struct rnd_state rnd;
	struct hmap_stats s;
	u32 i, next = first;
	int ret;

	if (clustered)
		hmap_test_set_hash(map, cluster_hash);
	hmap_test_set_worker(map, false);
	prandom_seed_state(&rnd, 7);
	/* The last of these starts a grow: B 7 -> 8, or B 8 -> 9. */
	for (i = 0; i < first; i++)
		kh_model_insert(test, map, m, i, 0, HMAP_NOEXIST);
	s = kh_stats(map);
	KUNIT_ASSERT_EQ(test, s.resize, HMAP_RESIZE_GROW);
	KUNIT_ASSERT_EQ(test, s.old_log2_buckets, clustered ? 7 : 8);
	m->allow_enomem = true;

	while (kh_stats(map).resize != HMAP_RESIZE_NONE) {
		u32 r = prandom_u32_state(&rnd);
		u32 id = r % next;

		KUNIT_ASSERT_LT_MSG(test, ops++, 3000,
				    "grow not done after 3000 writes, %u -ENOMEM",
				    enomem);
		/*
		 * Every other write, fail one of its first allocations
		 * (siphash writes make 1 or 2, clustered ones many). The
		 * writes in between let the grow advance: failing every
		 * write could keep a chain that needs two overflow buckets
		 * from ever being evacuated.
		 */
		if (ops & 1)
			hmap_test_fail_allocs(map,
					      (r >> 8) % (clustered ? 30 : 2), 1);
		switch ((r >> 16) % 4) {
		case 0:
			if (next < n)
				id = next++;
			ret = kh_model_insert(test, map, m, id, ops,
					      HMAP_NOEXIST);
			break;
		case 1:
			ret = kh_model_insert(test, map, m, id, ops, HMAP_ANY);
			break;
		case 2:
			ret = kh_model_delete(test, map, m, id);
			break;
		default:
			ret = kh_model_lookup_and_delete(test, map, m, id);
			break;
		}
		hmap_test_fail_allocs(map, 0, 0);
		enomem += ret == -ENOMEM;
		if (ops % 8 == 0 || ret == -ENOMEM) {
			KH_ASSERT_CONSISTENT(test, map);
			if (ops % 32 == 0 || ret == -ENOMEM)
				kh_model_verify(test, map, m);
		}
		if (kh_failed(test))
			return;
	}
	kunit_info(test, "%u writes finished the grow, %u of them -ENOMEM", ops,
		   enomem);
	KUNIT_EXPECT_GT_MSG(test, enomem, 0, "no injected failure surfaced");
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * With every allocation failing: lookups work, deletes outside a resize
 * work, an update or a new key is -ENOMEM and changes nothing, clear and
 * dump either work or fail cleanly.
 */
static void hmap_fault_everything(struct kunit *test)
{
	struct hmap *map = kh_create(test, 1000, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 32, 600);
	struct hmap_cursor cur = {};
	size_t used;
	u8 buf[256];
	int ret;
	u32 id;

	hmap_test_set_worker(map, false);
	for (id = 0; id < 500; id++)
		kh_model_insert(test, map, m, id, 0, HMAP_NOEXIST);
	hmap_test_run_worker(map);

	hmap_test_fail_allocs(map, 0, UINT_MAX);
	m->allow_enomem = true;
	kh_model_verify(test, map, m);
	ret = kh_model_insert(test, map, m, 500, 1, HMAP_NOEXIST);
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	ret = kh_model_insert(test, map, m, 0, 1, HMAP_ANY);
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	ret = kh_model_insert(test, map, m, 1, 1, HMAP_EXIST);
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	m->allow_enomem = false;
	/*
	 * 500 entries are at B=7; down to 103 passes the shrink threshold
	 * (207), but no shrink can start without its new array.
	 */
	for (id = 499; id >= 103; id--)
		KUNIT_EXPECT_EQ(test, kh_model_delete(test, map, m, id), 0);
	KUNIT_EXPECT_EQ(test, kh_model_lookup_and_delete(test, map, m, 102),
			0);
	KUNIT_EXPECT_EQ(test, kh_stats(map).log2_buckets, 7);
	KUNIT_EXPECT_EQ(test, kh_stats(map).shrinks, 0);
	KUNIT_EXPECT_EQ(test, kh_stats(map).resize, HMAP_RESIZE_NONE);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);

	ret = hmap_dump(map, &cur, buf, sizeof(buf), &used);
	KUNIT_EXPECT_TRUE_MSG(test, ret > 0 || ret == -ENOMEM, "dump: %d", ret);
	ret = hmap_clear(map);
	KUNIT_EXPECT_TRUE_MSG(test, ret == 0 || ret == -ENOMEM, "clear: %d",
			      ret);
	if (ret == 0) {
		memset(m->present, 0, m->n * sizeof(*m->present));
		m->count = 0;
	}
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);

	hmap_test_fail_allocs(map, 0, 0);
	for (id = 0; id < 600; id++)
		kh_model_insert(test, map, m, id, 2, HMAP_ANY);
	hmap_test_run_worker(map);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
}

static struct kunit_case hmap_fault_cases[] = {
	KUNIT_CASE_SLOW(hmap_fault_grow_start),
	KUNIT_CASE_PARAM(hmap_fault_during_grow, fault_modes_gen_params),
	KUNIT_CASE(hmap_fault_everything),
	{}
};

static struct kunit_suite hmap_fault_suite = {
	.name = "hmap_fault",
	.test_cases = hmap_fault_cases,
};

/*
 * Destroy maps in every state: idle, mid-grow with the worker off or
 * queued, mid-shrink, mid-same-size, right after a clear, with big values.
 * Nothing to assert after hmap_destroy(); KASAN, kmemleak and the debug
 * objects checks in the harness's kernel log are the verdict.
 */
struct destroy_case {
	const char *desc;
	u32 keys;
	u32 value_size;
	bool worker;
	enum hmap_resize_kind state;
	bool clear;
};

static const struct destroy_case destroy_cases[] = {
	{ "idle", 3000, 16, true, HMAP_RESIZE_NONE, false },
	{ "mid_grow_worker_off", 3329, 16, false, HMAP_RESIZE_GROW, false },
	{ "mid_grow_worker_queued", 3329, 16, true, HMAP_RESIZE_GROW, false },
	{ "mid_shrink", 3329, 16, false, HMAP_RESIZE_SHRINK, false },
	{ "mid_same_size", 0, 16, false, HMAP_RESIZE_SAME_SIZE, false },
	{ "after_clear", 3000, 16, true, HMAP_RESIZE_NONE, true },
	{ "big_values_mid_grow", 105, 8192, false, HMAP_RESIZE_GROW, false },
};

KUNIT_ARRAY_PARAM_DESC(destroy_cases, destroy_cases, desc);

static void hmap_destroy_busy(struct kunit *test)
{
	const struct destroy_case *c = test->param_value;
	struct hmap_params p = {
		.max_entries = 10000,
		.max_key_size = sizeof(struct kh_fkey),
		.max_value_size = c->value_size,
		.size_hint = c->state == HMAP_RESIZE_SAME_SIZE ? 104 : 0,
	};
	u8 *val = kunit_kzalloc(test, c->value_size, GFP_KERNEL);
	struct hmap_stats s;
	struct hmap *map;
	int ret = 0;
	u32 id;

	KUNIT_ASSERT_NOT_NULL(test, val);
	map = hmap_create(&p);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, map);
	hmap_test_set_worker(map, c->worker);
	if (c->state == HMAP_RESIZE_SAME_SIZE) {
		/*
		 * B=4: 9 keys into each bucket (16 overflow buckets), 6 of
		 * them deleted again: the deletes start a same-size grow.
		 */
		hmap_test_set_hash(map, kh_fkey_hash);
		for (id = 0; id < 16 * 9 && !ret; id++) {
			struct kh_fkey k = kh_fkey(kh_hash(id, id, id / 9), id);
			u32 j;

			ret = hmap_insert(map, &k, sizeof(k), val, 8,
					  HMAP_NOEXIST);
			if (id % 9 < 8 || id == 16 * 9 - 1)
				continue;
			/* Bucket id / 9 is full: delete 6 of its 9 keys. */
			for (j = id - 5; j <= id && !ret; j++) {
				k = kh_fkey(kh_hash(j, j, j / 9), j);
				ret = hmap_delete(map, &k, sizeof(k));
			}
		}
		if (!ret) {
			struct kh_fkey k = kh_fkey(kh_hash(143, 143, 15), 143);

			ret = hmap_delete(map, &k, sizeof(k));
		}
	}
	for (id = 0; id < c->keys && !ret; id++) {
		struct kh_key k = kh_key(40, id);

		memset(val, id, c->value_size);
		ret = hmap_insert(map, &k, sizeof(k), val, c->value_size,
				  HMAP_NOEXIST);
	}
	if (c->state == HMAP_RESIZE_SHRINK && !ret) {
		hmap_test_run_worker(map);
		for (id = c->keys; id-- > 1663 && !ret;) {
			struct kh_key k = kh_key(40, id);

			ret = hmap_delete(map, &k, sizeof(k));
		}
	}
	if (c->clear && !ret)
		ret = hmap_clear(map);
	s = kh_stats(map);
	hmap_destroy(map);
	KUNIT_ASSERT_EQ(test, ret, 0);
	/* With the worker on, it may have finished the resize already. */
	if (!c->worker)
		KUNIT_EXPECT_EQ_MSG(test, s.resize, c->state,
				    "the map was not in the state to destroy");
}

/*
 * memory_bytes comes back to what an empty map of B=0 uses once 2000 keys
 * went in and out again (every shrink done), and grows with the entries.
 */
static void hmap_memory_returns(struct kunit *test)
{
	struct hmap *map = kh_create(test, 3000, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 33, 2000);
	u64 m0 = kh_stats(map).memory_bytes, m1;
	u32 id;

	hmap_test_set_worker(map, false);
	for (id = 0; id < m->n; id++)
		kh_model_insert(test, map, m, id, 0, HMAP_NOEXIST);
	m1 = kh_stats(map).memory_bytes;
	KUNIT_EXPECT_GT_MSG(test, m1, m0 + 2000 * (8 + 8),
			    "memory_bytes does not count 2000 entries");
	for (id = 0; id < m->n; id++) {
		kh_model_delete(test, map, m, id);
		hmap_test_run_worker(map);
	}
	KUNIT_EXPECT_EQ(test, kh_stats(map).log2_buckets, 0);
	KUNIT_EXPECT_EQ(test, kh_stats(map).memory_bytes, m0);
	KH_ASSERT_CONSISTENT(test, map);
}

static struct kunit_case hmap_destroy_cases[] = {
	KUNIT_CASE_PARAM(hmap_destroy_busy, destroy_cases_gen_params),
	KUNIT_CASE(hmap_memory_returns),
	{}
};

static struct kunit_suite hmap_destroy_suite = {
	.name = "hmap_destroy",
	.test_cases = hmap_destroy_cases,
};

kunit_test_suites(&hmap_fault_suite, &hmap_destroy_suite);
