// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures at every allocation point of every write: an insert
 * may fail with -ENOMEM and then changes nothing; a delete, take,
 * compare-and-delete or clear never fails for memory; the map stays
 * consistent, and once memory is back it grows and holds everything.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"

/*
 * The hash of fault tests: key id goes to bucket id % 4 at any B >= 2,
 * so chains are long and evacuations must allocate overflow buckets.
 */
static u64 t_cluster_hash(const struct hmap *map, const void *key, u32 key_len)
{
	struct t_key k;

	if (key_len != sizeof(k))
		return 0;
	memcpy(&k, key, sizeof(k));
	return t_hash(k.id * 7 + 11, k.id, (k.id % 4) | (k.id / 64) << 2);
}

enum t_op { T_INS, T_UPD, T_DEL, T_TAKE, T_DIV, T_CLEAR, T_NOPS };

static int t_do(struct hmap *map, struct t_model *m, enum t_op op, u32 id,
		u32 gen)
{
	switch (op) {
	case T_INS:
		return t_model_insert(map, m, id, gen, HMAP_PUT_ANY);
	case T_UPD:
		return t_model_insert(map, m, id, gen, HMAP_PUT_EXIST);
	case T_DEL:
		return t_model_delete(map, m, id);
	case T_TAKE:
		return t_model_take(map, m, id);
	case T_DIV:
		return t_model_delete_if_value(map, m, id, gen & 1);
	default:
		memset(m->present, 0, m->n * sizeof(*m->present));
		m->count = 0;
		return hmap_clear(map);
	}
}

/*
 * Runs a script of writes; each one first with its 1st hook allocation
 * failing, then its 2nd, ... until it runs with no failure.
 */
static void t_fault_script(bool clustered, u32 n, u32 hint)
{
	struct hmap *map;
	struct t_model *m = t_model_new(20, n);
	unsigned long attempts = 0, enomem = 0, i;
	u32 gen = 1;

	if (clustered)
		hmap_user_stub(hmap_key_hash, t_cluster_hash);
	map = t_create(n, sizeof(struct t_key), T_VAL_MAX, hint);
	hmap_set_worker_enabled(map, false);
	m->allow_enomem = true;
	for (i = 0; i < 5 * (unsigned long)n; i++) {
		unsigned long phase = i / n, j = i % n;
		enum t_op op;
		u32 id;
		long skip;

		/* Fill, churn, drain, fill, churn with a clear midway. */
		if (phase == 0 || phase == 3)
			op = T_INS, id = (u32)j;
		else if (phase == 2)
			op = T_DEL, id = (u32)j;
		else if (phase == 4 && j == n / 2)
			op = T_CLEAR, id = 0;
		else
			op = (enum t_op)t_rand_below(T_CLEAR), id = t_rand_below(n);
		/* A third run clean, so resizes also start and then fail midway. */
		if (t_rand_below(3) == 0) {
			t_do(map, m, op, id, gen++);
			continue;
		}
		for (skip = 0; skip < 64; skip++) {
			struct t_model before;
			bool *present = NULL;
			int ret;

			if (op == T_INS || op == T_UPD) {
				present = malloc(n * sizeof(*present));
				REQUIRE(present, "no memory");
				memcpy(present, m->present, n * sizeof(*present));
				before = *m;
			}
			t_fail_allocs(skip, 1);
			ret = t_do(map, m, op, id, gen++);
			attempts++;
			if (ret == -ENOMEM) {
				enomem++;
				/* Only writes that add may fail, and change nothing. */
				CHECK(op == T_INS || op == T_UPD, "op %d failed: -ENOMEM", op);
				if (present)
					CHECK(before.count == m->count &&
					      !memcmp(present, m->present, n * sizeof(*present)),
					      "a failed insert changed the model");
			}
			free(present);
			if (!t_alloc_hook_failures())
				break;		/* it ran with no failure */
			if (i % 64 == 0)
				T_AUDIT(map);
		}
		t_fail_allocs(0, 0);
		if (i % 512 == 0) {
			t_model_verify(map, m, true);
			T_AUDIT(map);
		}
		if (ht_failed())
			break;
	}
	t_model_verify(map, m, true);
	T_AUDIT(map);
	/* Memory is back: the map grows and takes all. */
	for (i = 0; i < n; i++)
		t_model_insert(map, m, (u32)i, gen, HMAP_PUT_ANY);
	hmap_worker_run(map);
	t_model_verify(map, m, true);
	T_AUDIT(map);
	ht_note("%lu attempts, %lu -ENOMEM, %llu grows, %llu same-size, %llu shrinks",
		attempts, enomem, (unsigned long long)t_stats(map).grows,
		(unsigned long long)t_stats(map).same_size_grows,
		(unsigned long long)t_stats(map).shrinks);
	t_model_free(m);
}

HT_CASE(fault_every_allocation, 0)
{
	t_fault_script(false, 6000, 0);
}

HT_CASE(fault_every_allocation_clustered, 0)
{
	t_fault_script(true, 4000, 0);
}

/*
 * With every allocation failing mid-resize: removals, takes and
 * compare-and-deletes all succeed (in place in the old chains), a clear
 * empties the map where it is, the worker gives up without harm, and the
 * resize finishes once memory is back.
 */
HT_CASE(removals_never_fail, 0)
{
	const u32 n = 4000;
	struct hmap *map;
	struct t_model *m = t_model_new(21, n);
	struct hmap_stats s;
	u32 id;

	hmap_user_stub(hmap_key_hash, t_cluster_hash);
	map = t_create(n, sizeof(struct t_key), T_VAL_MAX, 0);
	hmap_set_worker_enabled(map, false);
	for (id = 0; id < 3329; id++)
		t_model_insert(map, m, id, 0, HMAP_PUT_NOEXIST);
	s = t_stats(map);
	CHECK_EQ(s.resize, HMAP_RESIZING_GROW);
	t_fail_allocs(0, -1);
	m->allow_enomem = true;
	for (id = 0; id < 3329; id += 5) {
		t_model_delete(map, m, id);
		t_model_take(map, m, id + 1);
		t_model_delete_if_value(map, m, id + 2, true);
		t_model_delete_if_value(map, m, id + 3, false);
		t_model_insert(map, m, id + 4, 1, HMAP_PUT_ANY);
		if (id % 500 == 0)
			T_AUDIT(map);
	}
	hmap_worker_run(map);		/* may fail, leaving the resize */
	t_model_verify(map, m, true);
	T_AUDIT(map);
	t_fail_allocs(0, 0);
	hmap_worker_run(map);
	CHECK_EQ(t_stats(map).resize, HMAP_RESIZING_NONE);
	t_model_verify(map, m, true);
	T_AUDIT(map);

	/* Clear with no memory: in place, the resize goes on. */
	for (id = 0; id < 4000; id++)
		t_model_insert(map, m, id, 2, HMAP_PUT_ANY);
	hmap_worker_run(map);
	for (id = 0; id < 4000 && t_stats(map).resize == HMAP_RESIZING_NONE; id++)
		t_model_delete(map, m, id);
	CHECK(t_stats(map).resize == HMAP_RESIZING_SHRINK, "a shrink in flight");
	ht_note("clear in place with resize %llu, %llu entries",
		(unsigned long long)t_stats(map).resize, (unsigned long long)t_stats(map).count);
	t_fail_allocs(0, -1);
	CHECK_EQ(hmap_clear(map), 0);
	t_fail_allocs(0, 0);
	memset(m->present, 0, m->n * sizeof(*m->present));
	m->count = 0;
	t_model_verify(map, m, true);
	T_AUDIT(map);
	hmap_worker_run(map);
	T_AUDIT(map);
	for (id = 0; id < 4000; id++)
		t_model_insert(map, m, id, 3, HMAP_PUT_ANY);
	hmap_worker_run(map);
	t_model_verify(map, m, true);
	T_AUDIT(map);
	t_model_free(m);
}

/* Allocations the hook does not cover: the dump's, the map's own. */
HT_CASE(fault_allocator_level, 0)
{
	struct hmap *map;
	struct t_model *m = t_model_new(22, 3000);
	unsigned long nth;
	u32 id;

	map = t_create(3000, sizeof(struct t_key), T_VAL_MAX, 0);
	for (nth = 1; nth < 40; nth++) {
		hmap_user_alloc_fail_nth(nth);
		m->allow_enomem = true;
		for (id = 0; id < 3000; id += 37)
			t_model_insert(map, m, id, (u32)nth, HMAP_PUT_ANY);
		for (id = 0; id < 3000; id += 53)
			t_model_delete(map, m, id);
		hmap_user_alloc_fail_nth(0);
		T_AUDIT(map);
	}
	t_model_verify(map, m, true);
	t_model_free(m);
}

/*
 * The insert that starts a grow gets its table but cannot evacuate its
 * own chain (52 keys in one bucket need 6 overflow buckets in the new
 * array): -ENOMEM, the key is not in, the grow stays started.
 */
HT_CASE(grow_start_then_enomem, 0)
{
	struct hmap *map;
	struct hmap_stats s;
	struct t_fkey k;
	u8 val[T_VAL_MAX];
	u32 id, len;
	int ret;

	t_force_hashes();
	map = t_create(1000, sizeof(struct t_fkey), T_VAL_MAX, 52);
	hmap_set_worker_enabled(map, false);
	for (id = 0; id < 52; id++) {
		k = t_fkey(t_hash(id + 9, id, 0), id);
		len = t_fill_value(val, 9, id, 0);
		REQUIRE(!hmap_insert(map, &k, sizeof(k), val, len, HMAP_PUT_NOEXIST),
			"insert %u", id);
	}
	CHECK_EQ(t_stats(map).grows, 0);
	t_fail_allocs(2, -1);		/* the entry, the table, then nothing */
	k = t_fkey(t_hash(200, 52, 0), 52);
	len = t_fill_value(val, 9, 52, 0);
	ret = hmap_insert(map, &k, sizeof(k), val, len, HMAP_PUT_NOEXIST);
	t_fail_allocs(0, 0);
	CHECK_EQ(ret, -ENOMEM);
	s = t_stats(map);
	CHECK_EQ(s.grows, 1);
	CHECK_EQ(s.resize, HMAP_RESIZING_GROW);
	CHECK_EQ(s.count, 52);
	len = sizeof(val);
	CHECK_EQ(hmap_lookup(map, &k, sizeof(k), val, &len), -ENOENT);
	T_AUDIT(map);
	/* Memory back: the same insert goes through, the grow finishes. */
	len = t_fill_value(val, 9, 52, 0);
	CHECK_EQ(hmap_insert(map, &k, sizeof(k), val, len, HMAP_PUT_NOEXIST), 0);
	hmap_worker_run(map);
	s = t_stats(map);
	CHECK_EQ(s.resize, HMAP_RESIZING_NONE);
	CHECK_EQ(s.count, 53);
	T_AUDIT(map);
}

/*
 * The background worker without memory re-arms itself (HMAP_WORKER_RETRY)
 * and finishes once memory is back.
 */
HT_CASE(worker_retries_after_enomem, 0)
{
	struct hmap *map;
	struct t_model *m = t_model_new(24, 4000);
	unsigned int ran;
	u32 id;

	hmap_user_wq_set_manual(true);
	hmap_user_stub(hmap_key_hash, t_cluster_hash);
	map = t_create(4000, sizeof(struct t_key), T_VAL_MAX, 0);
	/* Up to B=8's threshold (1664), resizes finished as they come... */
	for (id = 0; id < 1664; id++) {
		t_model_insert(map, m, id, 0, HMAP_PUT_NOEXIST);
		hmap_user_wq_run_pending(true);
	}
	CHECK_EQ(t_stats(map).log2_buckets, 8);
	/* ... the next one grows, and its worker is queued. */
	t_model_insert(map, m, id, 0, HMAP_PUT_NOEXIST);
	REQUIRE(t_stats(map).resize == HMAP_RESIZING_GROW, "no grow in flight");
	t_fail_allocs(0, -1);
	ran = hmap_user_wq_run_pending(true);	/* the worker, failing */
	CHECK_EQ(ran, 1);
	CHECK(t_alloc_hook_failures() > 0, "the worker needed no memory");
	CHECK_EQ(t_stats(map).resize, HMAP_RESIZING_GROW);
	t_fail_allocs(0, 0);
	/* It re-armed itself; not due for 100 ms, but run it now. */
	CHECK_EQ(hmap_user_wq_run_pending(false), 0);
	CHECK_EQ(hmap_user_wq_run_pending(true), 1);
	CHECK_EQ(t_stats(map).resize, HMAP_RESIZING_NONE);
	t_model_verify(map, m, true);
	T_AUDIT(map);
	t_model_free(m);
}
