// SPDX-License-Identifier: GPL-2.0
/*
 * hmap_dump(): every key present for a whole scan is handed over exactly
 * once, in bit-reversed hash order, with equal hashes together, while the
 * map grows, shrinks and rebuilds between calls; errors from the caller
 * or the allocator leave the cursor at the first entry not taken.
 */
#include <linux/bitrev.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static u64 t_order(u64 hash)
{
	return (u64)bitrev32((u32)hash) << 32 | bitrev32(hash >> 32);
}

struct t_dump {
	struct hmap *map;
	u32 set, n;
	u8 *seen;		/* per id: times handed over */
	u32 cap;		/* items one hmap_dump() call takes */
	u32 taken;		/* this call */
	long fail_at;		/* -EFAULT when this many were taken in all */
	u64 total;
	u64 last;		/* dump order of the last group */
	bool have_last;
	bool fkeys;		/* t_fkey keys, ids below n */
};

static int t_dump_emit(void *arg, const struct hmap_dump_item *items,
		       unsigned int n)
{
	struct t_dump *d = arg;
	u64 order = 0;
	unsigned int i;

	if (d->fail_at >= 0 && d->total >= (u64)d->fail_at) {
		d->fail_at = -1;
		return -EFAULT;
	}
	if (d->taken + n > d->cap)
		return HMAP_DUMP_FULL;
	CHECK(n >= 1, "empty group");
	for (i = 0; i < n; i++) {
		u32 id, gen;
		u64 o = t_order(t_key_hash(d->map, items[i].key,
					   items[i].key_len));

		if (d->fkeys) {
			struct t_fkey k;

			REQUIRE(items[i].key_len == sizeof(k), "key length %u",
				items[i].key_len);
			memcpy(&k, items[i].key, sizeof(k));
			id = (u32)k.id;
			CHECK(t_value_decode(items[i].value, items[i].value_len,
					     9, &id, &gen) && id == k.id,
			      "value of fkey %u", (u32)k.id);
		} else {
			struct t_key k;

			REQUIRE(items[i].key_len == sizeof(k), "key length %u",
				items[i].key_len);
			memcpy(&k, items[i].key, sizeof(k));
			CHECK(k.set == d->set, "set %u", k.set);
			id = k.id;
			CHECK(t_value_decode(items[i].value, items[i].value_len,
					     d->set, &id, &gen) && id == k.id,
			      "value of key %u", k.id);
		}
		REQUIRE(id < d->n, "id %u", id);
		if (i == 0)
			order = o;
		CHECK(o == order, "a group with different hashes");
		d->seen[id]++;
	}
	CHECK(!d->have_last || order > d->last,
	      "dump order went back: %llx after %llx",
	      (unsigned long long)order, (unsigned long long)d->last);
	d->last = order;
	d->have_last = true;
	d->taken += n;
	d->total += n;
	return 0;
}

static struct t_dump *t_dump_new(struct hmap *map, u32 set, u32 n, u32 cap)
{
	struct t_dump *d = calloc(1, sizeof(*d));

	REQUIRE(d, "no memory");
	d->seen = calloc(n, 1);
	REQUIRE(d->seen, "no memory");
	d->map = map;
	d->set = set;
	d->n = n;
	d->cap = cap;
	d->fail_at = -1;
	return d;
}

static void t_dump_free(struct t_dump *d)
{
	free(d->seen);
	free(d);
}

/* One hmap_dump() call; returns its result. */
static int t_dump_call(struct t_dump *d, struct hmap_cursor *c)
{
	d->taken = 0;
	return hmap_dump(d->map, c, t_dump_emit, d);
}

HT_CASE(dump_exactly_once, 0)
{
	static const u32 caps[] = { 1, 2, 3, 7, 64, 100000 };
	struct hmap *map = t_create(5000, sizeof(struct t_key), T_VAL_MAX, 0);
	struct t_model *m = t_model_new(11, 5000);
	unsigned int c, calls;
	u32 id;

	for (id = 0; id < 5000; id += 1 + (id % 3 == 0))
		t_model_insert(map, m, id, id % 5, HMAP_PUT_NOEXIST);
	for (c = 0; c < ARRAY_SIZE(caps); c++) {
		struct t_dump *d = t_dump_new(map, 11, 5000, caps[c]);
		struct hmap_cursor cur = { 0 };
		int ret;

		for (calls = 0; !cur.done && calls < 100000; calls++) {
			ret = t_dump_call(d, &cur);
			CHECK(ret >= 0 && (u32)ret == d->taken,
			      "hmap_dump: %d, took %u", ret, d->taken);
		}
		CHECK(cur.done, "cap %u: not done", caps[c]);
		CHECK_EQ(t_dump_call(d, &cur), 0);	/* done stays done */
		for (id = 0; id < 5000; id++)
			CHECK(d->seen[id] == m->present[id], "cap %u id %u seen %u",
			      caps[c], id, d->seen[id]);
		t_dump_free(d);
	}
	/* An empty map is done at once. */
	{
		struct hmap *e = t_create(10, 8, 8, 0);
		struct t_dump *d = t_dump_new(e, 11, 1, 10);
		struct hmap_cursor cur = { 0 };

		CHECK_EQ(t_dump_call(d, &cur), 0);
		CHECK(cur.done, "empty map");
		t_dump_free(d);
	}
	t_model_free(m);
}

/*
 * Scans with the map growing (or shrinking, or both) between calls:
 * stable keys exactly once, keys deleted before the scan never, churn at
 * most once.
 */
HT_CASE(dump_across_resizes, 0)
{
	const u32 n = 12000, stable = 1500, dead = 2500;
	struct hmap *map = t_create(n, sizeof(struct t_key), T_VAL_MAX, 0);
	struct t_model *m = t_model_new(12, n);
	unsigned int round;
	u32 id, next = dead;

	for (id = 0; id < stable; id++)
		t_model_insert(map, m, id, 0, HMAP_PUT_NOEXIST);
	for (round = 0; round < 12; round++) {
		static const u32 caps[] = { 2, 5, 16, 50 };
		struct t_dump *d = t_dump_new(map, 12, n, caps[round % 4]);
		struct hmap_cursor cur = { 0 };
		struct hmap_stats s0 = t_stats(map), s;
		unsigned int phase = round % 3, calls = 0;

		hmap_set_worker_enabled(map, round & 1);
		/* Dead keys: in and out before the scan starts. */
		for (id = stable; id < dead; id++)
			t_model_insert(map, m, id, round, HMAP_PUT_ANY);
		for (id = stable; id < dead; id++)
			t_model_delete(map, m, id);
		while (!cur.done) {
			u32 k;

			REQUIRE(t_dump_call(d, &cur) >= 0, "dump");
			calls++;
			/* phase 0 grows, 1 shrinks, 2 both */
			for (k = 0; k < 40; k++) {
				if ((phase == 0 || (phase == 2 && (calls & 4))) &&
				    next < n) {
					t_model_insert(map, m, next++, round, HMAP_PUT_ANY);
				} else if (next > dead) {
					t_model_delete(map, m, --next);
				}
				id = t_rand_below(stable);
				t_model_insert(map, m, id, round + 1, HMAP_PUT_EXIST);
			}
			if (calls % 16 == 0)
				hmap_worker_run(map);
		}
		for (id = 0; id < stable; id++)
			CHECK(d->seen[id] == 1, "round %u: stable id %u seen %u times",
			      round, id, d->seen[id]);
		for (id = stable; id < dead; id++)
			CHECK(!d->seen[id], "round %u: dead id %u seen", round, id);
		for (id = dead; id < n; id++)
			CHECK(d->seen[id] <= 1, "round %u: id %u seen %u times",
			      round, id, d->seen[id]);
		s = t_stats(map);
		ht_note("round %u (cap %u, phase %u): %u calls, %llu grows, %llu shrinks during the scan",
			round, d->cap, phase, calls,
			(unsigned long long)(s.grows - s0.grows),
			(unsigned long long)(s.shrinks - s0.shrinks));
		t_dump_free(d);
		T_AUDIT(map);
		if (ht_failed())
			break;
	}
	t_model_verify(map, m, true);
	t_model_free(m);
}

static int t_fins_val(struct hmap *map, struct t_fkey k, u32 gen)
{
	u8 val[T_VAL_MAX];
	u32 len = t_fill_value(val, 9, (u32)k.id, gen);

	return hmap_insert(map, &k, sizeof(k), val, len, HMAP_PUT_ANY);
}

/*
 * Keys with equal 64-bit hashes come in one call, all or none; a group
 * bigger than the caller's room stalls the dump (0 entries, cursor
 * unmoved) until it has the room. A range of more than 16 entries needs
 * an allocation: when it fails, -ENOMEM and the cursor stays.
 */
HT_CASE(dump_hash_groups, 0)
{
	const u32 n = 400;
	struct hmap *map;
	struct t_dump *d;
	struct hmap_cursor cur = { 0 };
	u32 id, g = 0, in_group = 0, size = 1;
	u64 hash = 0;
	int ret;

	t_force_hashes();
	map = t_create(n, sizeof(struct t_fkey), T_VAL_MAX, 0);
	for (id = 0; id < n; id++) {
		if (in_group == 0) {
			size = g == 7 ? 20 : 1 + g % 9;
			hash = t_rand();
			g++;
		}
		CHECK_EQ(t_fins_val(map, t_fkey(hash, id), 0), 0);
		in_group = (in_group + 1) % size;
	}
	T_AUDIT(map);
	d = t_dump_new(map, 9, n, 9);
	d->fkeys = true;
	/* Room for 9: the group of 20 stalls it. */
	while (!cur.done) {
		ret = t_dump_call(d, &cur);
		REQUIRE(ret >= 0, "dump: %d", ret);
		if (ret == 0 && !cur.done)
			break;
	}
	CHECK(!cur.done, "a group of 20 went through a room of 9");
	CHECK_EQ(t_dump_call(d, &cur), 0);
	CHECK(!cur.done, "stalled");
	/* More room: on it goes, after a failed allocation. */
	d->cap = 20;
	hmap_user_alloc_fail_all(true);
	ret = t_dump_call(d, &cur);
	hmap_user_alloc_fail_all(false);
	if (ret == -ENOMEM)
		ht_note("the range of the group of 20 failed to allocate, as it should");
	CHECK(ret == -ENOMEM || ret >= 0, "dump: %d", ret);
	while (!cur.done)
		REQUIRE(t_dump_call(d, &cur) >= 0, "dump");
	for (id = 0; id < n; id++)
		CHECK(d->seen[id] == 1, "id %u seen %u times", id, d->seen[id]);
	t_dump_free(d);
}

/* The caller fails at every point: the scan resumes where it stopped. */
HT_CASE(dump_emit_errors, 0)
{
	const u32 n = 300;
	struct hmap *map = t_create(n, sizeof(struct t_key), T_VAL_MAX, 0);
	struct t_model *m = t_model_new(13, n);
	u32 id, fail_at;

	/*
	 * The smallest case: three keys in a map of one bucket (one range);
	 * the caller takes the first and fails on the second. The cursor
	 * must point at the second: the first must not come again.
	 */
	{
		struct hmap *small = t_create(3, sizeof(struct t_key), T_VAL_MAX, 0);
		struct t_dump *d = t_dump_new(small, 13, 3, 3);
		struct hmap_cursor cur = { 0 };
		int ret;

		for (id = 0; id < 3; id++) {
			struct t_key k = t_key(13, id);
			u8 val[T_VAL_MAX];
			u32 len = t_fill_value(val, 13, id, 0);

			REQUIRE(!hmap_insert(small, &k, sizeof(k), val, len, HMAP_PUT_ANY), "insert");
		}
		d->fail_at = 1;
		ret = t_dump_call(d, &cur);
		CHECK_EQ(ret, -EFAULT);
		CHECK(cur.pos != 0, "cursor still at 0 after the caller took one entry");
		while (!cur.done)
			REQUIRE(t_dump_call(d, &cur) >= 0, "dump");
		for (id = 0; id < 3; id++)
			CHECK(d->seen[id] == 1, "minimal case: id %u seen %u times",
			      id, d->seen[id]);
		t_dump_free(d);
		t_destroy(small);
	}

	for (id = 0; id < n; id++)
		t_model_insert(map, m, id, 0, HMAP_PUT_NOEXIST);
	for (fail_at = 0; fail_at <= n; fail_at += 7) {
		struct t_dump *d = t_dump_new(map, 13, n, 13);
		struct hmap_cursor cur = { 0 };
		unsigned int errors = 0;
		int ret;

		d->fail_at = fail_at;
		while (!cur.done) {
			ret = t_dump_call(d, &cur);
			if (ret == -EFAULT)
				errors++;
			else
				REQUIRE(ret >= 0, "dump: %d", ret);
		}
		CHECK_EQ(errors, fail_at < n);
		for (id = 0; id < n; id++)
			CHECK(d->seen[id] == 1, "fail at %u: id %u seen %u", fail_at,
			      id, d->seen[id]);
		t_dump_free(d);
	}
	t_model_free(m);
}

/* A call visits at most 1024 ranges: a big sparse map takes many calls. */
HT_CASE(dump_range_bound, 0)
{
	struct hmap *map = t_create(200000, sizeof(struct t_key), T_VAL_MAX, 100000);
	struct t_model *m = t_model_new(14, 10);
	struct t_dump *d = t_dump_new(map, 14, 10, 1000);
	struct hmap_cursor cur = { 0 };
	unsigned int calls = 0;
	u32 id;

	CHECK_EQ(t_stats(map).log2_buckets, 14);
	for (id = 0; id < 10; id++)
		t_model_insert(map, m, id, 0, HMAP_PUT_NOEXIST);
	while (!cur.done) {
		REQUIRE(t_dump_call(d, &cur) >= 0, "dump");
		calls++;
	}
	CHECK_EQ(calls, 16);
	for (id = 0; id < 10; id++)
		CHECK_EQ(d->seen[id], 1);
	t_dump_free(d);
	t_model_free(m);
}
