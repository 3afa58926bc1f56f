// SPDX-License-Identifier: GPL-2.0
/*
 * hmap KUnit suites: allocation failures injected with kh_fail_allocs()
 * (at the start of a grow, in the middle of evacuations, in removals and
 * clears, which must never fail for memory), and destroying maps in every
 * state (kmemleak and KASAN, checked by the harness, say whether
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

		hmap_set_worker_enabled(map, false);
		for (id = 0; id < 832; id++)
			kh_model_insert(test, map, m, id, 0, HMAP_PUT_NOEXIST);
		hmap_worker_run(map);
		KUNIT_ASSERT_EQ(test, kh_stats(map).log2_buckets, 7);
		KUNIT_ASSERT_EQ(test, kh_stats(map).grows, 7);

		m->allow_enomem = true;
		kh_fail_allocs(test, map, skip, 1);
		ret = kh_model_insert(test, map, m, 832, 0, HMAP_PUT_NOEXIST);
		kh_fail_allocs(test, map, 0, 0);
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
			kh_model_insert(test, map, m, id, 1, HMAP_PUT_ANY);
		hmap_worker_run(map);
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
 * every other write: an insert returns its normal result or -ENOMEM with
 * the map unchanged; a removal always returns its normal result (when it
 * cannot evacuate its key's old chain it removes the key in place). The
 * map is consistent after every write, and the grow still finishes.
 * Clustered hashes make evacuations allocate.
 */
static const char * const fault_modes[] = { "real_hash", "clustered" };

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
	unsigned int ops = 0, enomem = 0, removals_hit = 0;
	struct rnd_state rnd;
	struct hmap_stats s;
	u32 i, next = first;
	int ret;

	if (clustered)
		kh_set_hash(test, map, cluster_hash);
	hmap_set_worker_enabled(map, false);
	prandom_seed_state(&rnd, 7);
	/* The last of these starts a grow: B 7 -> 8, or B 8 -> 9. */
	for (i = 0; i < first; i++)
		kh_model_insert(test, map, m, i, 0, HMAP_PUT_NOEXIST);
	s = kh_stats(map);
	KUNIT_ASSERT_EQ(test, s.resize, HMAP_RESIZING_GROW);
	KUNIT_ASSERT_EQ(test, s.old_log2_buckets, clustered ? 7 : 8);
	m->allow_enomem = true;

	while (kh_stats(map).resize != HMAP_RESIZING_NONE) {
		u32 r = prandom_u32_state(&rnd);
		u32 id = r % next;
		unsigned int failed = kh_allocs_failed(map);
		bool removal = false;

		KUNIT_ASSERT_LT_MSG(test, ops++, 3000,
				    "grow not done after 3000 writes, %u -ENOMEM",
				    enomem);
		/*
		 * Every other write, fail one of its first allocations:
		 * mostly the first or second (a write's own entry, a
		 * spare overflow bucket), now and then a later one (an
		 * evacuation of a clustered chain makes dozens). The
		 * writes in between let the grow advance: failing every
		 * write could keep a chain that needs two overflow buckets
		 * from ever being evacuated.
		 */
		if (ops & 1)
			kh_fail_allocs(test, map, (r >> 8) & 3 ?
				       (r >> 10) % 2 : (r >> 10) % 30, 1);
		switch ((r >> 16) % 4) {
		case 0:
			if (next < n)
				id = next++;
			ret = kh_model_insert(test, map, m, id, ops,
					      HMAP_PUT_NOEXIST);
			break;
		case 1:
			ret = kh_model_insert(test, map, m, id, ops, HMAP_PUT_ANY);
			break;
		case 2:
			removal = true;
			ret = kh_model_delete(test, map, m, id);
			break;
		default:
			removal = true;
			ret = kh_model_lookup_and_delete(test, map, m, id);
			break;
		}
		kh_fail_allocs(test, map, 0, 0);
		enomem += ret == -ENOMEM;
		/* A removal that met a failed allocation, and succeeded. */
		if (removal && kh_allocs_failed(map) != failed) {
			removals_hit++;
			KH_ASSERT_CONSISTENT(test, map);
			kh_model_verify(test, map, m);
		}
		if (ops % 8 == 0 || ret == -ENOMEM) {
			KH_ASSERT_CONSISTENT(test, map);
			if (ops % 32 == 0 || ret == -ENOMEM)
				kh_model_verify(test, map, m);
		}
		if (kh_failed(test))
			return;
	}
	kunit_info(test, "%u writes finished the grow, %u inserts -ENOMEM, %u removals met a failed allocation",
		   ops, enomem, removals_hit);
	KUNIT_EXPECT_GT_MSG(test, enomem, 0, "no injected failure surfaced");
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
}

/* A dump emit function that counts, and checks, kh_key entries of a set. */
struct count_dump {
	const struct kh_model *m;
	u32 entries;
	u32 bad;
};

static int count_emit(void *arg, const struct hmap_dump_item *items,
		      unsigned int n)
{
	struct count_dump *cd = arg;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct hmap_dump_item *it = &items[i];
		struct kh_key k;

		cd->entries++;
		if (it->key_len != sizeof(k)) {
			cd->bad++;
			continue;
		}
		memcpy(&k, it->key, sizeof(k));
		if (k.set != cd->m->set || k.id >= cd->m->n ||
		    !cd->m->present[k.id] ||
		    !kh_value_ok(it->value, it->value_len, k.set, k.id,
				 cd->m->gen[k.id]))
			cd->bad++;
	}
	return 0;
}

/* A whole dump of @map: every entry one of @m's present keys, all of them. */
static void expect_dump_matches(struct kunit *test, struct hmap *map,
				const struct kh_model *m)
{
	struct count_dump cd = { .m = m };
	struct hmap_cursor cur = {};
	unsigned int calls = 0;
	int ret;

	while (!cur.done) {
		KUNIT_ASSERT_LT(test, calls++, 10000);
		ret = hmap_dump(map, &cur, count_emit, &cd);
		KUNIT_ASSERT_GE_MSG(test, ret, 0, "dump: %d", ret);
	}
	KUNIT_EXPECT_EQ(test, cd.entries, m->count);
	KUNIT_EXPECT_EQ(test, cd.bad, 0);
}

/*
 * With every allocation failing: lookups and dumps work, deletes and
 * takes outside a resize work, an update or a new key is -ENOMEM and
 * changes nothing, and clear empties the map in place. Once allocations
 * work again the map takes new keys and grows.
 */
static void hmap_fault_everything(struct kunit *test)
{
	struct hmap *map = kh_create(test, 1000, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 32, 600);
	struct hmap_stats s;
	unsigned int failed;
	int ret;
	u32 id;

	hmap_set_worker_enabled(map, false);
	for (id = 0; id < 500; id++)
		kh_model_insert(test, map, m, id, 0, HMAP_PUT_NOEXIST);
	hmap_worker_run(map);

	kh_fail_allocs(test, map, 0, UINT_MAX);
	m->allow_enomem = true;
	kh_model_verify(test, map, m);
	ret = kh_model_insert(test, map, m, 500, 1, HMAP_PUT_NOEXIST);
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	ret = kh_model_insert(test, map, m, 0, 1, HMAP_PUT_ANY);
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	ret = kh_model_insert(test, map, m, 1, 1, HMAP_PUT_EXIST);
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
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.log2_buckets, 7);
	KUNIT_EXPECT_EQ(test, s.shrinks, 0);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_NONE);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
	expect_dump_matches(test, map, m);

	failed = kh_allocs_failed(map);
	KUNIT_EXPECT_EQ(test, hmap_clear(map), 0);
	KUNIT_EXPECT_GT_MSG(test, kh_allocs_failed(map), failed,
			    "clear allocated nothing: its in-place path went untested");
	memset(m->present, 0, m->n * sizeof(*m->present));
	m->count = 0;
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.count, 0);
	KUNIT_EXPECT_EQ_MSG(test, s.log2_buckets, 7,
			    "a clear without memory replaced the array");
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
	expect_dump_matches(test, map, m);
	/* Clearing an empty map without memory is fine too. */
	KUNIT_EXPECT_EQ(test, hmap_clear(map), 0);
	KH_ASSERT_CONSISTENT(test, map);

	kh_fail_allocs(test, map, 0, 0);
	for (id = 0; id < 600; id++)
		kh_model_insert(test, map, m, id, 2, HMAP_PUT_ANY);
	hmap_worker_run(map);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
	expect_dump_matches(test, map, m);
}

/*
 * Removals under allocation failure during a grow or a shrink. The keys
 * are placed with forced hashes: old chains of 12 keys ("heavy"), whose
 * evacuation needs an overflow bucket in the new array, and light ones.
 * The resize starts with allocations working; then every allocation
 * fails, and:
 *  - deleting, taking or compare-deleting a key of a heavy old chain not
 *    yet evacuated succeeds: the key is removed from the old chain in
 *    place (the evacuation it tried failed);
 *  - other keys, in the same chains too, are still found; the map stays
 *    consistent; an insert into such a chain is -ENOMEM and changes
 *    nothing;
 *  - once a heavy chain is down to 8 keys its evacuation needs no memory,
 *    and the next removal there evacuates it.
 * Then allocations work again: the resize completes (moving every key
 * still in the old chains, and no removed one), and every key is where it
 * should be. Last, a second resize is started and the map cleared with
 * every allocation failing: the clear empties the map in place, the resize
 * goes on and completes once allocations work, and the map is usable.
 */
struct rf_case {
	const char *desc;
	u32 kind;
};

static const struct rf_case rf_cases[] = {
	{ "grow_3_to_4", HMAP_RESIZING_GROW },
	{ "shrink_4_to_3", HMAP_RESIZING_SHRINK },
};

KUNIT_ARRAY_PARAM_DESC(rf_cases, rf_cases, desc);

#define RF_SET		34	/* the set kh_fill_value() is told */
#define RF_BUCKETS	16	/* low hash bits 0..15: bucket at B <= 4 */
#define RF_PER		16	/* ids per bucket */

/* A map of RF_BUCKETS * RF_PER keys: where each is, and its value. */
struct rf_map {
	struct hmap *map;
	bool present[RF_BUCKETS * RF_PER];
	u32 gen[RF_BUCKETS * RF_PER];
	u32 count;
};

static struct kh_fkey rf_key(u32 b, u32 j)
{
	u32 id = b * RF_PER + j;

	return kh_fkey(kh_hash(0x40 + id, id, b), id);
}

static int rf_insert(struct rf_map *r, u32 b, u32 j, u32 gen)
{
	struct kh_fkey k = rf_key(b, j);
	u8 val[KH_VAL_MAX];
	u32 len = kh_fill_value(val, RF_SET, k.id, gen);
	int ret = hmap_insert(r->map, &k, sizeof(k), val, len, HMAP_PUT_ANY);

	if (!ret) {
		r->count += !r->present[k.id];
		r->present[k.id] = true;
		r->gen[k.id] = gen;
	}
	return ret;
}

static void rf_gone(struct rf_map *r, u32 id)
{
	r->present[id] = false;
	r->count--;
}

/* Look up every key: present ones with their value, no others. */
static void rf_verify(struct kunit *test, struct rf_map *r, const char *when)
{
	u32 id, bad = 0;

	for (id = 0; id < RF_BUCKETS * RF_PER; id++) {
		struct kh_fkey k = rf_key(id / RF_PER, id % RF_PER);
		u8 val[KH_VAL_MAX];
		u32 len = sizeof(val);
		int ret = hmap_lookup(r->map, &k, sizeof(k), val, &len);
		bool ok = r->present[id] ?
			  !ret && kh_value_ok(val, len, RF_SET, id, r->gen[id]) :
			  ret == -ENOENT;

		if (!ok && bad++ < 3)
			KUNIT_FAIL(test, "%s: key %u (bucket %u): lookup %d, %s",
				   when, id, id / RF_PER, ret,
				   r->present[id] ? "present" : "removed");
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "%s: keys looked up wrong", when);
	KUNIT_EXPECT_EQ_MSG(test, kh_stats(r->map).count, r->count,
			    "%s: count", when);
}

/*
 * Build the map and start the resize, allocations working, with heavy old
 * chains (12 keys, more than the 8 slots of the new bucket they go to) in
 * buckets 1 and 2 (and 3 and 4 for the grow, to reach its threshold).
 * Return the entries when the resize began.
 */
static u64 rf_setup(struct kunit *test, struct rf_map *r,
		    const struct rf_case *c)
{
	/* Light buckets of the shrink: none merges into 1 or 2. */
	static const u32 light[] = { 0, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15 };
	struct hmap_stats s;
	u32 b, i, j;

	if (c->kind == HMAP_RESIZING_GROW) {
		/*
		 * B=3 (hint 52): buckets 1..4 hold 12 keys each, 5, 6, 7
		 * and 0 one each; the 53rd key, in bucket 7, starts the
		 * grow to B=4. Its write evacuates old chains 7 and 0 (the
		 * mark), both light. Every key goes to X (bit 3 clear).
		 */
		for (b = 1; b <= 4; b++)
			for (j = 0; j < 12; j++)
				KUNIT_ASSERT_EQ(test, rf_insert(r, b, j, 0), 0);
		for (b = 5; b < 8; b++)
			KUNIT_ASSERT_EQ(test, rf_insert(r, b, 0, 0), 0);
		KUNIT_ASSERT_EQ(test, rf_insert(r, 0, 13, 0), 0);
		KUNIT_ASSERT_EQ(test, kh_stats(r->map).grows, 0);
		KUNIT_ASSERT_EQ(test, rf_insert(r, 7, 1, 0), 0);
		s = kh_stats(r->map);
		KUNIT_ASSERT_EQ(test, s.resize, HMAP_RESIZING_GROW);
		KUNIT_ASSERT_EQ(test, s.old_log2_buckets, 3);
		return 52;
	}
	/*
	 * B=4 (hint 0), reached with 24 heavy keys and 29 light ones (the
	 * 53rd key grows B 3 -> 4), all evacuated; then light keys are
	 * deleted until the shrink starts (8 * count < 13 * 16: count 25).
	 * Old buckets 1 and 2 merge into new 1 and 2 with old 9 and 10,
	 * which hold nothing: 12 keys for 8 slots.
	 */
	for (b = 1; b <= 2; b++)
		for (j = 0; j < 12; j++)
			KUNIT_ASSERT_EQ(test, rf_insert(r, b, j, 0), 0);
	for (i = 0; r->count < 53; i++)
		KUNIT_ASSERT_EQ(test, rf_insert(r, light[i % ARRAY_SIZE(light)],
						i / ARRAY_SIZE(light), 0), 0);
	hmap_worker_run(r->map);
	s = kh_stats(r->map);
	KUNIT_ASSERT_EQ(test, s.log2_buckets, 4);
	KUNIT_ASSERT_EQ(test, s.resize, HMAP_RESIZING_NONE);
	while (kh_stats(r->map).resize == HMAP_RESIZING_NONE) {
		struct kh_fkey k;

		KUNIT_ASSERT_GT(test, i--, 1);
		k = rf_key(light[i % ARRAY_SIZE(light)],
			   i / ARRAY_SIZE(light));
		KUNIT_ASSERT_EQ(test, hmap_delete(r->map, &k, sizeof(k)), 0);
		rf_gone(r, k.id);
	}
	s = kh_stats(r->map);
	KUNIT_ASSERT_EQ(test, s.resize, HMAP_RESIZING_SHRINK);
	KUNIT_ASSERT_EQ(test, s.old_log2_buckets, 4);
	KUNIT_ASSERT_EQ(test, r->count, 25);
	return 25;
}

/*
 * Every allocation failing, mid-resize: removals in the heavy old chains
 * 1 and 2 work in place, failed writes change nothing, and chain 1 is
 * evacuated once it is down to 8 keys. Return the keys removed in place.
 */
static u64 rf_remove_without_memory(struct kunit *test, struct rf_map *r,
				    const struct rf_case *c)
{
	struct hmap_stats s0 = kh_stats(r->map), s;
	unsigned int failed;
	u8 val[KH_VAL_MAX];
	struct kh_fkey k;
	u64 in_place = 0;
	u32 len, j;

	kh_fail_allocs(test, r->map, 0, UINT_MAX);

	/* A delete in heavy chain 1: in place. */
	failed = kh_allocs_failed(r->map);
	k = rf_key(1, 0);
	KUNIT_EXPECT_EQ(test, hmap_delete(r->map, &k, sizeof(k)), 0);
	rf_gone(r, k.id);
	in_place++;
	KUNIT_EXPECT_GT_MSG(test, kh_allocs_failed(r->map), failed,
			    "the delete evacuated without allocating: nothing was tested");
	KUNIT_EXPECT_EQ(test, hmap_delete(r->map, &k, sizeof(k)), -ENOENT);
	KH_ASSERT_CONSISTENT(test, r->map);
	rf_verify(test, r, "delete in place");

	/* A take in heavy chain 2, with the value: in place. */
	k = rf_key(2, 5);
	len = sizeof(val);
	KUNIT_EXPECT_EQ(test, hmap_lookup_and_delete(r->map, &k, sizeof(k),
						     val, &len), 0);
	KUNIT_EXPECT_TRUE(test, kh_value_ok(val, len, RF_SET, k.id, 0));
	rf_gone(r, k.id);
	in_place++;
	/* A take that does not fit keeps the key. */
	k = rf_key(2, 6);
	len = 4;
	KUNIT_EXPECT_EQ(test, hmap_lookup_and_delete(r->map, &k, sizeof(k),
						     val, &len), -ENOSPC);
	KH_ASSERT_CONSISTENT(test, r->map);
	rf_verify(test, r, "take in place");

	/* Compare-and-delete in heavy chain 2: the wrong value stays. */
	k = rf_key(2, 7);
	len = kh_fill_value(val, RF_SET, k.id, 1);
	KUNIT_EXPECT_EQ(test, hmap_delete_if_value(r->map, &k, sizeof(k), val,
						   len), -EAGAIN);
	len = kh_fill_value(val, RF_SET, k.id, 0);
	KUNIT_EXPECT_EQ(test, hmap_delete_if_value(r->map, &k, sizeof(k), val,
						   len), 0);
	rf_gone(r, k.id);
	in_place++;
	KH_ASSERT_CONSISTENT(test, r->map);

	/* An insert into heavy chain 2 cannot evacuate it: -ENOMEM. */
	KUNIT_EXPECT_EQ(test, rf_insert(r, 2, 14, 1), -ENOMEM);
	KUNIT_EXPECT_EQ(test, rf_insert(r, 2, 0, 1), -ENOMEM);
	/* Absent keys of a heavy chain: -ENOENT, nothing else changes. */
	k = rf_key(2, 15);
	KUNIT_EXPECT_EQ(test, hmap_delete(r->map, &k, sizeof(k)), -ENOENT);
	rf_verify(test, r, "failed writes");
	s = kh_stats(r->map);
	KUNIT_EXPECT_EQ(test, s.resize, c->kind);
	KUNIT_EXPECT_EQ(test, s.nevacuate, s0.nevacuate);
	KUNIT_EXPECT_EQ_MSG(test, s.evacuated_by_writes, s0.evacuated_by_writes,
			    "a heavy chain was evacuated without memory");

	/*
	 * Chain 1 has 11 keys: three more deletes in place leave 8, which
	 * fit the new bucket with no overflow bucket, so the delete after
	 * them evacuates the chain, memory or not.
	 */
	for (j = 1; j <= 3; j++) {
		k = rf_key(1, j);
		KUNIT_EXPECT_EQ(test, hmap_delete(r->map, &k, sizeof(k)), 0);
		rf_gone(r, k.id);
		in_place++;
	}
	KUNIT_EXPECT_EQ(test, kh_stats(r->map).evacuated_by_writes,
			s0.evacuated_by_writes);
	k = rf_key(1, 4);
	KUNIT_EXPECT_EQ(test, hmap_delete(r->map, &k, sizeof(k)), 0);
	rf_gone(r, k.id);
	s = kh_stats(r->map);
	KUNIT_EXPECT_EQ_MSG(test, s.evacuated_by_writes,
			    s0.evacuated_by_writes + 1,
			    "chain 1, down to 8 keys, was not evacuated");
	KUNIT_EXPECT_EQ(test, s.resize, c->kind);
	KH_ASSERT_CONSISTENT(test, r->map);
	rf_verify(test, r, "all failing");
	kh_fail_allocs(test, r->map, 0, 0);
	return in_place;
}

/*
 * Start a grow (B 4 -> 5 at the 105th key, or B 3 -> 4 at the 53rd, keys
 * in every bucket) and clear the map with every allocation failing: it
 * empties in place, the resize goes on and completes with memory again.
 */
static void rf_clear_without_memory(struct kunit *test, struct rf_map *r,
				    struct kh_trace *tr)
{
	struct hmap_stats s0, s;
	unsigned int failed;
	struct kh_fkey k;
	u32 j;

	for (j = 0; kh_stats(r->map).resize == HMAP_RESIZING_NONE; j++) {
		KUNIT_ASSERT_LT(test, j, RF_BUCKETS * RF_PER);
		KUNIT_ASSERT_EQ(test, rf_insert(r, j % RF_BUCKETS,
						j / RF_BUCKETS, 2), 0);
	}
	s0 = kh_stats(r->map);
	KUNIT_ASSERT_EQ(test, s0.resize, HMAP_RESIZING_GROW);
	kh_fail_allocs(test, r->map, 0, UINT_MAX);
	failed = kh_allocs_failed(r->map);
	KUNIT_EXPECT_EQ(test, hmap_clear(r->map), 0);
	KUNIT_EXPECT_GT(test, kh_allocs_failed(r->map), failed);
	memset(r->present, 0, sizeof(r->present));
	r->count = 0;
	s = kh_stats(r->map);
	KUNIT_EXPECT_EQ(test, s.count, 0);
	KUNIT_EXPECT_EQ_MSG(test, s.resize, HMAP_RESIZING_GROW,
			    "a clear in place dropped the resize");
	KUNIT_EXPECT_EQ(test, s.log2_buckets, s0.log2_buckets);
	KUNIT_EXPECT_EQ(test, kh_trace_snap(tr).abandons, 0);
	KH_ASSERT_CONSISTENT(test, r->map);
	rf_verify(test, r, "cleared in place");
	/* Removals of cleared keys find nothing, without memory too. */
	k = rf_key(1, 8);
	KUNIT_EXPECT_EQ(test, hmap_delete(r->map, &k, sizeof(k)), -ENOENT);

	kh_fail_allocs(test, r->map, 0, 0);
	hmap_worker_run(r->map);
	s = kh_stats(r->map);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_NONE);
	KUNIT_EXPECT_EQ(test, kh_trace_snap(tr).dones, kh_trace_snap(tr).starts);
	for (j = 0; j < 40; j++)
		KUNIT_EXPECT_EQ(test, rf_insert(r, j % RF_BUCKETS,
						j / RF_BUCKETS, 3), 0);
	KH_ASSERT_CONSISTENT(test, r->map);
	rf_verify(test, r, "after the clear");
}

static void hmap_fault_remove_during_resize(struct kunit *test)
{
	const struct rf_case *c = test->param_value;
	struct rf_map *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct kh_trace_counts tc;
	u64 start_count, in_place;
	struct kh_trace *tr;
	struct hmap_stats s;

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->map = kh_create_forced(test, 1000,
				  c->kind == HMAP_RESIZING_GROW ? 52 : 0);
	hmap_set_worker_enabled(r->map, false);
	tr = kh_trace_attach(test, r->map);
	start_count = rf_setup(test, r, c);
	/* The heavy old chains are not evacuated yet. */
	KUNIT_ASSERT_LE(test, kh_stats(r->map).nevacuate, 1);
	rf_verify(test, r, "resize started");
	KH_ASSERT_CONSISTENT(test, r->map);

	in_place = rf_remove_without_memory(test, r, c);

	/* Memory again: the resize completes with what is left. */
	hmap_worker_run(r->map);
	s = kh_stats(r->map);
	tc = kh_trace_snap(tr);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_NONE);
	KUNIT_EXPECT_EQ(test, tc.dones, tc.starts);
	KUNIT_EXPECT_EQ(test, tc.done_kind, c->kind);
	KUNIT_EXPECT_EQ_MSG(test, tc.done_moved + in_place, start_count,
			    "moved + removed in place != entries at the start");
	KH_ASSERT_CONSISTENT(test, r->map);
	rf_verify(test, r, "resize done");

	rf_clear_without_memory(test, r, tr);
	KH_EXPECT_TRACE_SANE(test, tr);
}

static struct kunit_case hmap_fault_cases[] = {
	KUNIT_CASE_SLOW(hmap_fault_grow_start),
	KUNIT_CASE_PARAM(hmap_fault_during_grow, fault_modes_gen_params),
	KUNIT_CASE(hmap_fault_everything),
	KUNIT_CASE_PARAM(hmap_fault_remove_during_resize, rf_cases_gen_params),
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
	u32 state;
	bool clear;
};

static const struct destroy_case destroy_cases[] = {
	{ "idle", 3000, 16, true, HMAP_RESIZING_NONE, false },
	{ "mid_grow_worker_off", 3329, 16, false, HMAP_RESIZING_GROW, false },
	{ "mid_grow_worker_queued", 3329, 16, true, HMAP_RESIZING_GROW, false },
	{ "mid_shrink", 3329, 16, false, HMAP_RESIZING_SHRINK, false },
	{ "mid_same_size", 0, 16, false, HMAP_RESIZING_SAME_SIZE, false },
	{ "after_clear", 3000, 16, true, HMAP_RESIZING_NONE, true },
	{ "big_values_mid_grow", 105, 8192, false, HMAP_RESIZING_GROW, false },
};

KUNIT_ARRAY_PARAM_DESC(destroy_cases, destroy_cases, desc);

static void hmap_destroy_busy(struct kunit *test)
{
	const struct destroy_case *c = test->param_value;
	struct hmap_params p = {
		.max_entries = 10000,
		.max_key_size = sizeof(struct kh_fkey),
		.max_value_size = c->value_size,
		.size_hint = c->state == HMAP_RESIZING_SAME_SIZE ? 104 : 0,
	};
	u8 *val = kunit_kzalloc(test, c->value_size, GFP_KERNEL);
	struct hmap_stats s;
	struct hmap *map;
	int ret = 0;
	u32 id;

	KUNIT_ASSERT_NOT_NULL(test, val);
	map = hmap_create(&p);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, map);
	hmap_set_worker_enabled(map, c->worker);
	if (c->state == HMAP_RESIZING_SAME_SIZE) {
		/*
		 * B=4: 9 keys into each bucket (16 overflow buckets), 6 of
		 * them deleted again: the deletes start a same-size grow.
		 */
		kh_set_hash(test, map, kh_fkey_hash);
		for (id = 0; id < 16 * 9 && !ret; id++) {
			struct kh_fkey k = kh_fkey(kh_hash(id, id, id / 9), id);
			u32 j;

			ret = hmap_insert(map, &k, sizeof(k), val, 8,
					  HMAP_PUT_NOEXIST);
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
				  HMAP_PUT_NOEXIST);
	}
	if (c->state == HMAP_RESIZING_SHRINK && !ret) {
		hmap_worker_run(map);
		for (id = c->keys; id-- > 1663 && !ret;) {
			struct kh_key k = kh_key(40, id);

			ret = hmap_delete(map, &k, sizeof(k));
		}
	}
	if (c->clear && !ret)
		ret = hmap_clear(map);
	s = kh_stats(map);
	kh_forget(map);
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

	hmap_set_worker_enabled(map, false);
	for (id = 0; id < m->n; id++)
		kh_model_insert(test, map, m, id, 0, HMAP_PUT_NOEXIST);
	m1 = kh_stats(map).memory_bytes;
	KUNIT_EXPECT_GT_MSG(test, m1, m0 + 2000 * (8 + 8),
			    "memory_bytes does not count 2000 entries");
	for (id = 0; id < m->n; id++) {
		kh_model_delete(test, map, m, id);
		hmap_worker_run(map);
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
