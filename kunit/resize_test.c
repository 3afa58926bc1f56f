// SPDX-License-Identifier: GPL-2.0
/*
 * hmap KUnit suites: growth (exact threshold, X/Y split, at most two old
 * chains per write, writes during a resize, background completion),
 * same-size growth, shrink with its hysteresis, and the bucket arrays
 * (no write allocates a large one; spare arrays).
 *
 * Most cases turn the background worker off, so that a resize advances
 * only by writes (and hmap_worker_run()) and every count is exact; the
 * tracepoint recorder (kh_trace) and the statistics both watch each step.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/rcupdate.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "hmap_kunit.h"

/* Inserts ids [from, to) of @m with generation @gen; stops at a failure. */
static void fill(struct kunit *test, struct hmap *map, struct kh_model *m,
		 u32 from, u32 to, u32 gen)
{
	u32 id;

	for (id = from; id < to; id++)
		KUNIT_ASSERT_EQ_MSG(test, kh_model_insert(test, map, m, id, gen,
							  HMAP_PUT_NOEXIST), 0,
				    "insert id %u", id);
}

/*
 * One write, watched: the statistics and the tracepoints before it, so
 * write_end() can tell how many old chains it evacuated.
 */
struct wwatch {
	struct hmap_stats s;
	struct kh_trace_counts t;
};

static void write_begin(struct hmap *map, struct kh_trace *tr,
			struct wwatch *w)
{
	w->s = kh_stats(map);
	w->t = kh_trace_snap(tr);
}

/*
 * Checks the write since write_begin(): it evacuated at most 2 old chains,
 * at least 1 if a resize was in progress before it, the statistics agree
 * with the tracepoint, and (worker off) the worker did nothing. Returns
 * the chains it evacuated.
 */
static u64 write_end(struct kunit *test, struct hmap *map,
		     struct kh_trace *tr, const struct wwatch *w,
		     const char *what, u32 id)
{
	struct hmap_stats s = kh_stats(map);
	struct kh_trace_counts t = kh_trace_snap(tr);
	u64 steps = t.write_steps - w->t.write_steps;

	KUNIT_EXPECT_EQ_MSG(test, s.evacuated_by_writes -
			    w->s.evacuated_by_writes, steps,
			    "%s %u: evacuated_by_writes vs hmap_evacuate events",
			    what, id);
	KUNIT_EXPECT_LE_MSG(test, steps, 2,
			    "%s %u evacuated more than 2 old chains", what, id);
	if (w->s.resize != HMAP_RESIZING_NONE)
		KUNIT_EXPECT_GE_MSG(test, steps, 1,
				    "%s %u during a %s did no evacuation", what,
				    id, kh_kind_name(w->s.resize));
	KUNIT_EXPECT_EQ_MSG(test, t.worker_steps, w->t.worker_steps,
			    "%s %u: the worker ran while disabled", what, id);
	KUNIT_EXPECT_EQ_MSG(test, s.evacuated_by_worker,
			    w->s.evacuated_by_worker,
			    "%s %u: the worker ran while disabled", what, id);
	return steps;
}

/* Initial B of the growth threshold cases. */
static const u32 grow_bs[] = { 0, 1, 2, 4, 7 };

static void b_desc(const u32 *v, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "B=%u", *v);
}

KUNIT_ARRAY_PARAM(grow_bs, grow_bs, b_desc);

/*
 * The exact growth threshold: with T = max(8, 6.5 * 2^B) entries nothing
 * grows, not even on updates, failed writes or a delete and re-insert; the
 * next new key starts a doubling to B + 1, and that write evacuates 1 or 2
 * old chains itself.
 */
static void hmap_grow_threshold(struct kunit *test)
{
	const u32 b = *(const u32 *)test->param_value;
	const u32 t = kh_grow_threshold(b);
	struct hmap *map = kh_create(test, 2 * t + 10, sizeof(struct kh_key),
				     KH_VAL_MAX, b ? t : 0);
	struct kh_model *m = kh_model_new(test, 4, t + 10);
	struct kh_trace *tr = kh_trace_attach(test, map);
	struct kh_trace_counts tc;
	struct hmap_stats s;
	struct wwatch w;

	hmap_set_worker_enabled(map, false);
	KUNIT_ASSERT_EQ(test, kh_stats(map).log2_buckets, b);
	fill(test, map, m, 0, t, 0);
	kh_model_insert(test, map, m, 0, 1, HMAP_PUT_ANY);
	kh_model_insert(test, map, m, 1, 1, HMAP_PUT_NOEXIST);
	kh_model_insert(test, map, m, 2, 1, HMAP_PUT_EXIST);
	kh_model_insert(test, map, m, t + 5, 1, HMAP_PUT_EXIST);
	kh_model_delete(test, map, m, 3);
	kh_model_delete(test, map, m, 3);
	kh_model_insert(test, map, m, 3, 2, HMAP_PUT_NOEXIST);
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.count, t);
	KUNIT_EXPECT_EQ_MSG(test, s.grows, 0, "grew at %u entries, B=%u", t, b);
	KUNIT_EXPECT_EQ(test, s.shrinks + s.same_size_grows, 0);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_NONE);
	KUNIT_EXPECT_EQ(test, s.log2_buckets, b);
	KUNIT_EXPECT_EQ(test, kh_trace_snap(tr).starts, 0);

	write_begin(map, tr, &w);
	kh_model_insert(test, map, m, t, 0, HMAP_PUT_NOEXIST);
	write_end(test, map, tr, &w, "insert", t);
	s = kh_stats(map);
	tc = kh_trace_snap(tr);
	KUNIT_EXPECT_EQ_MSG(test, s.grows, 1, "no grow at %u entries, B=%u",
			    t + 1, b);
	KUNIT_EXPECT_EQ(test, s.count, t + 1);
	KUNIT_EXPECT_EQ(test, s.log2_buckets, b + 1);
	KUNIT_EXPECT_EQ(test, tc.starts, 1);
	KUNIT_EXPECT_EQ(test, tc.start_kind, HMAP_RESIZING_GROW);
	KUNIT_EXPECT_EQ(test, tc.start_old_b, b);
	KUNIT_EXPECT_EQ(test, tc.start_new_b, b + 1);
	KUNIT_EXPECT_EQ_MSG(test, tc.start_count, t,
			    "hmap_resize_start count: entries when it began");
	KUNIT_EXPECT_GE_MSG(test, tc.write_steps, 1,
			    "the write that started the grow evacuated nothing");
	if (b <= 1) {
		/* 1 or 2 old buckets: that one write finished the grow. */
		KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_NONE);
		KUNIT_EXPECT_EQ(test, tc.dones, 1);
	} else {
		KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_GROW);
		KUNIT_EXPECT_EQ(test, s.old_log2_buckets, b);
		KUNIT_EXPECT_EQ(test, s.old_buckets, 1ULL << b);
		KUNIT_EXPECT_GE(test, s.nevacuate, 1);
		KUNIT_EXPECT_LE(test, s.nevacuate, 2);
		KUNIT_EXPECT_EQ(test, tc.dones, 0);
	}
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);

	hmap_worker_run(map);
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_NONE);
	KUNIT_EXPECT_EQ(test, s.old_buckets, 0);
	KUNIT_EXPECT_EQ(test, s.evacuated_by_writes + s.evacuated_by_worker,
			1ULL << b);
	kh_expect_resize_done(test, tr, HMAP_RESIZING_GROW, b, b + 1);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * 7000 inserts into a map of hint 0, worker off: every doubling from B=0 to
 * B=11 starts exactly at its threshold, every write during one evacuates 1
 * or 2 old chains, writes alone finish each before the next is due.
 */
static void hmap_grow_sequence(struct kunit *test)
{
	const u32 n = 7000;
	struct hmap *map = kh_create(test, n, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 5, n);
	struct kh_trace *tr = kh_trace_attach(test, map);
	unsigned int late = 0, wrong = 0;
	struct hmap_stats s;
	struct wwatch w;
	u32 id;

	hmap_set_worker_enabled(map, false);
	for (id = 0; id < n; id++) {
		bool start;

		write_begin(map, tr, &w);
		start = w.s.resize == HMAP_RESIZING_NONE &&
			w.s.count >= kh_grow_threshold(w.s.log2_buckets);
		if (w.s.resize != HMAP_RESIZING_NONE &&
		    w.s.count >= kh_grow_threshold(w.s.log2_buckets))
			late++;
		KUNIT_ASSERT_EQ(test, kh_model_insert(test, map, m, id, 0,
						      HMAP_PUT_NOEXIST), 0);
		write_end(test, map, tr, &w, "insert", id);
		s = kh_stats(map);
		if (s.grows != w.s.grows + start && wrong++ < 3)
			KUNIT_FAIL(test,
				   "insert %u at count %llu B=%llu resize=%llu: grows %llu -> %llu",
				   id, w.s.count, w.s.log2_buckets, w.s.resize,
				   w.s.grows, s.grows);
		if (s.resize == HMAP_RESIZING_NONE &&
		    w.s.resize != HMAP_RESIZING_NONE)
			kh_expect_resize_done(test, tr, HMAP_RESIZING_GROW,
					      w.s.old_log2_buckets,
					      w.s.log2_buckets);
		if (kh_failed(test))
			return;
	}
	KUNIT_EXPECT_EQ(test, wrong, 0);
	KUNIT_EXPECT_EQ_MSG(test, late, 0,
			    "writes alone did not finish a grow in time");
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.grows, 11);	/* 6657th key: B 10 -> 11 */
	KUNIT_EXPECT_EQ(test, s.log2_buckets, 11);
	KUNIT_EXPECT_EQ(test, s.same_size_grows + s.shrinks, 0);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
	KH_EXPECT_TRACE_SANE(test, tr);
}

/*
 * Old bucket i splits into new i (X) and i + 2^oldB (Y) by hash bit oldB.
 * 26 keys placed on purpose in the 4 buckets of B=2: bucket 0 all X, 1 all
 * Y, 2 half and half, 3 mostly Y; the 27th key starts the grow. Each old
 * bucket's hmap_evacuate event must report exactly those counts.
 */
static const u8 xy_x[4] = { 7, 0, 3, 1 };
static const u8 xy_y[4] = { 0, 7, 3, 5 };

static u64 xy_hash(u32 bucket, bool y, u32 id)
{
	return kh_hash(0x90 + id, id, bucket + (y ? 4 : 0));
}

static int xy_insert(struct hmap *map, u64 hash, u32 id)
{
	struct kh_fkey k = kh_fkey(hash, id);
	u32 v = id;

	return hmap_insert(map, &k, sizeof(k), &v, sizeof(v), HMAP_PUT_NOEXIST);
}

static int xy_lookup(struct hmap *map, u64 hash, u32 id)
{
	struct kh_fkey k = kh_fkey(hash, id);
	u32 v = 0, len = sizeof(v);
	int ret = hmap_lookup(map, &k, sizeof(k), &v, &len);

	return ret ? ret : (v == id ? 0 : -EBADMSG);
}

static void hmap_grow_xy_split(struct kunit *test)
{
	struct hmap *map = kh_create_forced(test, 100, 26);
	struct kh_trace *tr;
	u64 hashes[27];
	u32 b, j, id = 0;

	tr = kh_trace_attach(test, map);
	hmap_set_worker_enabled(map, false);
	KUNIT_ASSERT_EQ(test, kh_stats(map).log2_buckets, 2);
	for (b = 0; b < 4; b++) {
		for (j = 0; j < xy_x[b] + xy_y[b]; j++, id++) {
			hashes[id] = xy_hash(b, j >= xy_x[b], id);
			KUNIT_ASSERT_EQ(test, xy_insert(map, hashes[id], id), 0);
		}
	}
	KUNIT_ASSERT_EQ(test, id, 26);
	KUNIT_EXPECT_EQ(test, kh_stats(map).grows, 0);
	KUNIT_EXPECT_EQ(test, kh_stats(map).overflow_buckets, 0);

	/* The 27th key, in old bucket 2: its chain is evacuated first. */
	hashes[26] = xy_hash(2, false, 26);
	KUNIT_ASSERT_EQ(test, xy_insert(map, hashes[26], 26), 0);
	KUNIT_ASSERT_EQ(test, kh_stats(map).resize, HMAP_RESIZING_GROW);
	KUNIT_EXPECT_EQ_MSG(test, tr->evacs[2], 1,
			    "the grow's first write did not evacuate its key's chain");
	for (id = 0; id < 27; id++)
		KUNIT_EXPECT_EQ_MSG(test, xy_lookup(map, hashes[id], id), 0,
				    "key %u mid-grow", id);
	hmap_worker_run(map);
	KUNIT_ASSERT_EQ(test, kh_stats(map).resize, HMAP_RESIZING_NONE);
	kh_expect_resize_done(test, tr, HMAP_RESIZING_GROW, 2, 3);
	for (b = 0; b < 4; b++) {
		KUNIT_EXPECT_EQ_MSG(test, tr->moved_x[b], xy_x[b],
				    "old bucket %u: moved to X (new %u)", b, b);
		KUNIT_EXPECT_EQ_MSG(test, tr->moved_y[b], xy_y[b],
				    "old bucket %u: moved to Y (new %u)", b,
				    b + 4);
	}
	for (id = 0; id < 27; id++)
		KUNIT_EXPECT_EQ_MSG(test, xy_lookup(map, hashes[id], id), 0,
				    "key %u after the grow", id);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * Random writes of every kind (inserts, updates, failed inserts, deletes,
 * failed deletes, lookup_and_delete) while a grow or a shrink is in
 * progress, worker off: each evacuates 1 or 2 old chains, and the map
 * always holds exactly what the model says.
 */
struct during_case {
	const char *desc;
	u32 kind;
};

static const struct during_case during_cases[] = {
	{ "grow_9_to_10", HMAP_RESIZING_GROW },
	{ "shrink_10_to_9", HMAP_RESIZING_SHRINK },
};

KUNIT_ARRAY_PARAM_DESC(during_cases, during_cases, desc);

/* A present id of @m near @r, or U32_MAX if none. */
static u32 pick_present(const struct kh_model *m, u32 r, u32 limit)
{
	u32 i;

	for (i = 0; i < limit; i++) {
		u32 id = (r + i) % limit;

		if (m->present[id])
			return id;
	}
	return U32_MAX;
}

static void check_one(struct kunit *test, struct hmap *map,
		      const struct kh_model *m, u32 id, const char *what)
{
	struct kh_key k = kh_key(m->set, id);
	u8 val[KH_VAL_MAX];
	u32 len = sizeof(val);
	int ret = hmap_lookup(map, &k, sizeof(k), val, &len);

	if (m->present[id]) {
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "after %s %u", what, id);
		KUNIT_EXPECT_TRUE_MSG(test, !ret && kh_value_ok(val, len,
								m->set, id,
								m->gen[id]),
				      "value after %s %u", what, id);
	} else {
		KUNIT_EXPECT_EQ_MSG(test, ret, -ENOENT, "after %s %u", what,
				    id);
	}
}

static void hmap_writes_during_resize(struct kunit *test)
{
	const struct during_case *c = test->param_value;
	const u32 n = 6000, absent_base = 5900;
	struct hmap *map = kh_create(test, n, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 6, n);
	struct kh_trace *tr;
	struct rnd_state rnd;
	u32 next = 0, ops = 0, gen = 1, hist[3] = {};
	struct hmap_stats s;
	struct wwatch w;

	hmap_set_worker_enabled(map, false);
	prandom_seed_state(&rnd, 42);
	/* The 3329th key starts a grow from B=9 to B=10. */
	fill(test, map, m, 0, 3328, 0);
	tr = kh_trace_attach(test, map);
	next = 3329;
	kh_model_insert(test, map, m, 3328, 0, HMAP_PUT_NOEXIST);
	if (c->kind == HMAP_RESIZING_SHRINK) {
		hmap_worker_run(map);
		/* At B=10 a delete leaving 1663 (< 1664) starts a shrink. */
		while (kh_stats(map).resize == HMAP_RESIZING_NONE) {
			KUNIT_ASSERT_GT(test, m->count, 1000);
			KUNIT_ASSERT_EQ(test, kh_model_delete(test, map, m,
							      (u32)m->count - 1),
					0);
		}
		KUNIT_EXPECT_EQ(test, m->count, 1663);
	}
	s = kh_stats(map);
	KUNIT_ASSERT_EQ(test, s.resize, c->kind);
	KUNIT_ASSERT_EQ(test, s.old_log2_buckets,
			c->kind == HMAP_RESIZING_GROW ? 9 : 10);

	while (kh_stats(map).resize != HMAP_RESIZING_NONE) {
		u32 op = prandom_u32_state(&rnd) % 9;
		u32 r = prandom_u32_state(&rnd);
		u32 id = pick_present(m, r % next, next);
		u32 absent = absent_base + r % (n - absent_base);
		const char *what;
		u64 steps;

		KUNIT_ASSERT_NE(test, id, U32_MAX);
		KUNIT_ASSERT_LT_MSG(test, ops++, 4096,
				    "resize of %llu buckets not done after 4096 writes",
				    kh_stats(map).old_buckets);
		write_begin(map, tr, &w);
		switch (op) {
		case 0:
			what = "insert new";
			id = next++;
			kh_model_insert(test, map, m, id, gen++, HMAP_PUT_NOEXIST);
			break;
		case 1:
			what = "update ANY";
			kh_model_insert(test, map, m, id, gen++, HMAP_PUT_ANY);
			break;
		case 2:
			what = "update EXIST";
			kh_model_insert(test, map, m, id, gen++, HMAP_PUT_EXIST);
			break;
		case 3:
			what = "NOEXIST on present";
			kh_model_insert(test, map, m, id, gen++, HMAP_PUT_NOEXIST);
			break;
		case 4:
			what = "EXIST on absent";
			id = absent;
			kh_model_insert(test, map, m, id, gen++, HMAP_PUT_EXIST);
			break;
		case 5:
			what = "delete";
			kh_model_delete(test, map, m, id);
			break;
		case 6:
			what = "delete absent";
			id = absent;
			kh_model_delete(test, map, m, id);
			break;
		case 7:
			what = "lookup_and_delete";
			kh_model_lookup_and_delete(test, map, m, id);
			break;
		default:
			what = "lookup_and_delete absent";
			id = absent;
			kh_model_lookup_and_delete(test, map, m, id);
			break;
		}
		steps = write_end(test, map, tr, &w, what, id);
		hist[min_t(u64, steps, 2)]++;
		check_one(test, map, m, id, what);
		if (ops % 64 == 0) {
			kh_model_verify(test, map, m);
			KH_ASSERT_CONSISTENT(test, map);
		}
		if (kh_failed(test))
			return;
	}
	kunit_info(test, "%u writes finished the %s; they evacuated 0/1/2 chains: %u/%u/%u",
		   ops, kh_kind_name(c->kind), hist[0], hist[1], hist[2]);
	kh_expect_resize_done(test, tr, c->kind,
			      c->kind == HMAP_RESIZING_GROW ? 9 : 10,
			      c->kind == HMAP_RESIZING_GROW ? 10 : 9);
	/* Lookups never evacuate. */
	write_begin(map, tr, &w);
	kh_model_verify(test, map, m);
	KUNIT_EXPECT_EQ(test, kh_trace_snap(tr).write_steps, w.t.write_steps);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * Lookups never evacuate: a grow in progress stays where it is however many
 * lookups run, and every key is found in the middle of it.
 */
static void hmap_lookups_do_not_evacuate(struct kunit *test)
{
	struct hmap *map = kh_create(test, 1000, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 7, 900);
	struct hmap_stats s0, s;

	hmap_set_worker_enabled(map, false);
	fill(test, map, m, 0, 833, 0);	/* the 833rd starts B 7 -> 8 */
	s0 = kh_stats(map);
	KUNIT_ASSERT_EQ(test, s0.resize, HMAP_RESIZING_GROW);
	kh_model_verify(test, map, m);
	kh_model_verify(test, map, m);
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_GROW);
	KUNIT_EXPECT_EQ(test, s.nevacuate, s0.nevacuate);
	KUNIT_EXPECT_EQ(test, s.evacuated_by_writes, s0.evacuated_by_writes);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * Build a map whose bucket array has 16 overflow buckets at B=4 but only
 * 54 entries: each of the 16 buckets got 9 keys (one overflow bucket), 6 of
 * which were deleted again in buckets 0..14. The next write that checks
 * (an insert of a new key, or a delete) must start a same-size grow.
 */
static u64 ss_hash(u32 bucket, u32 j)
{
	return kh_hash(0xa0 + j, bucket * 16 + j, bucket);
}

static int ss_insert(struct hmap *map, u32 bucket, u32 j)
{
	struct kh_fkey k = kh_fkey(ss_hash(bucket, j), bucket * 16 + j);
	u32 v = bucket * 16 + j;

	return hmap_insert(map, &k, sizeof(k), &v, sizeof(v), HMAP_PUT_NOEXIST);
}

static int ss_delete(struct hmap *map, u32 bucket, u32 j)
{
	struct kh_fkey k = kh_fkey(ss_hash(bucket, j), bucket * 16 + j);

	return hmap_delete(map, &k, sizeof(k));
}

static int ss_lookup(struct hmap *map, u32 bucket, u32 j)
{
	struct kh_fkey k = kh_fkey(ss_hash(bucket, j), bucket * 16 + j);
	u32 v = 0, len = sizeof(v);
	int ret = hmap_lookup(map, &k, sizeof(k), &v, &len);

	return ret ? ret : (v == bucket * 16 + j ? 0 : -EBADMSG);
}

static void ss_build(struct kunit *test, struct hmap *map)
{
	struct hmap_stats s;
	u32 b, j;

	KUNIT_ASSERT_EQ(test, kh_stats(map).log2_buckets, 4);
	for (b = 0; b < 16; b++) {
		for (j = 0; j < 9; j++)
			KUNIT_ASSERT_EQ(test, ss_insert(map, b, j), 0);
		if (b == 15)
			break;
		for (j = 3; j < 9; j++)
			KUNIT_ASSERT_EQ(test, ss_delete(map, b, j), 0);
	}
	s = kh_stats(map);
	KUNIT_ASSERT_EQ(test, s.count, 15 * 3 + 9);
	KUNIT_ASSERT_EQ(test, s.overflow_buckets, 16);
	KUNIT_ASSERT_EQ_MSG(test, s.same_size_grows, 0,
			    "same-size grow before the 16th overflow bucket was there at a check");
	KUNIT_ASSERT_EQ(test, s.grows + s.shrinks, 0);
	KUNIT_ASSERT_EQ(test, s.resize, HMAP_RESIZING_NONE);
}

static const char * const ss_triggers[] = { "delete", "insert" };

static void str_desc(const char * const *v, char *desc)
{
	strscpy(desc, *v, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ss_triggers, ss_triggers, str_desc);

static void hmap_same_size_grow(struct kunit *test)
{
	const bool by_insert = !strcmp(*(const char * const *)test->param_value,
				       "insert");
	struct hmap *map = kh_create_forced(test, 1000, 104);
	struct kh_trace *tr = kh_trace_attach(test, map);
	struct hmap_stats s0, s;
	struct wwatch w;
	u32 b, j;

	hmap_set_worker_enabled(map, false);
	ss_build(test, map);
	s0 = kh_stats(map);

	write_begin(map, tr, &w);
	if (by_insert)
		KUNIT_ASSERT_EQ(test, ss_insert(map, 7, 9), 0);
	else
		KUNIT_ASSERT_EQ(test, ss_delete(map, 15, 8), 0);
	write_end(test, map, tr, &w, by_insert ? "insert" : "delete", 0);
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.same_size_grows, 1);
	KUNIT_EXPECT_EQ(test, s.grows + s.shrinks, 0);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_SAME_SIZE);
	KUNIT_EXPECT_EQ(test, s.log2_buckets, 4);
	KUNIT_EXPECT_EQ(test, s.old_log2_buckets, 4);
	KUNIT_EXPECT_EQ(test, kh_trace_snap(tr).start_kind,
			HMAP_RESIZING_SAME_SIZE);
	KUNIT_EXPECT_EQ(test, kh_trace_snap(tr).start_new_b, 4);
	KH_ASSERT_CONSISTENT(test, map);

	/* Deletes during the rebuild: bucket 15 down to 3 keys too. */
	for (j = 3; j < (by_insert ? 9 : 8); j++) {
		write_begin(map, tr, &w);
		KUNIT_EXPECT_EQ(test, ss_delete(map, 15, j), 0);
		write_end(test, map, tr, &w, "delete", j);
	}
	hmap_worker_run(map);
	kh_expect_resize_done(test, tr, HMAP_RESIZING_SAME_SIZE, 4, 4);
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_NONE);
	KUNIT_EXPECT_EQ(test, s.count, 48 + by_insert);
	/*
	 * Rebuilt chains need no overflow bucket, but for bucket 15 in the
	 * insert case: it still held 9 entries when it was evacuated.
	 */
	KUNIT_EXPECT_EQ_MSG(test, s.overflow_buckets, by_insert ? 1 : 0,
			    "overflow buckets after the rebuild");
	KUNIT_EXPECT_LT(test, s.memory_bytes, s0.memory_bytes);
	for (b = 0; b < 16; b++)
		for (j = 0; j < 9; j++)
			KUNIT_EXPECT_EQ_MSG(test, ss_lookup(map, b, j),
					    j < 3 ? 0 : -ENOENT,
					    "bucket %u key %u", b, j);
	if (by_insert)
		KUNIT_EXPECT_EQ(test, ss_lookup(map, 7, 9), 0);

	/* Compact now: more deletes start nothing. */
	for (b = 0; b < 8; b++)
		KUNIT_EXPECT_EQ(test, ss_delete(map, b, 0), 0);
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.same_size_grows, 1);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_NONE);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * Background completion: a resize started by one write finishes with no
 * further write; that write did 1 or 2 steps, the worker all the others.
 */
static const struct during_case bg_cases[] = {
	{ "grow_10_to_11", HMAP_RESIZING_GROW },
	{ "shrink_11_to_10", HMAP_RESIZING_SHRINK },
	{ "same_size_4", HMAP_RESIZING_SAME_SIZE },
};

KUNIT_ARRAY_PARAM_DESC(bg_cases, bg_cases, desc);

static void hmap_background_completion(struct kunit *test)
{
	const struct during_case *c = test->param_value;
	struct kh_model *m = kh_model_new(test, 8, 6657);
	struct kh_trace_counts tc;
	struct kh_trace *tr;
	struct hmap *map;
	u32 old_b, new_b;

	if (c->kind == HMAP_RESIZING_SAME_SIZE) {
		map = kh_create_forced(test, 1000, 104);
		tr = kh_trace_attach(test, map);
		hmap_set_worker_enabled(map, false);
		ss_build(test, map);
		hmap_set_worker_enabled(map, true);
		KUNIT_ASSERT_EQ(test, ss_delete(map, 15, 8), 0);
		old_b = 4;
		new_b = 4;
	} else {
		map = kh_create(test, 6657, sizeof(struct kh_key), KH_VAL_MAX,
				0);
		tr = kh_trace_attach(test, map);
		fill(test, map, m, 0, 6656, 0);
		/* The worker prepares the 2^11 array: wait for it here. */
		KUNIT_ASSERT_EQ(test, hmap_prepare_spare(map), 0);
		fill(test, map, m, 6656, 6657, 0);	/* B 10 -> 11 */
		old_b = 10;
		new_b = 11;
		if (c->kind == HMAP_RESIZING_SHRINK) {
			KUNIT_ASSERT_TRUE(test, kh_wait_resize_done(map, 60000));
			/* At B=11 a delete leaving 3327 starts a shrink. */
			while (m->count > 3327)
				KUNIT_ASSERT_EQ(test,
						kh_model_delete(test, map, m,
								(u32)m->count - 1),
						0);
			old_b = 11;
			new_b = 10;
		}
	}
	KUNIT_ASSERT_EQ(test, kh_trace_snap(tr).start_kind, c->kind);
	KUNIT_ASSERT_EQ(test, kh_trace_snap(tr).start_old_b, old_b);

	KUNIT_ASSERT_TRUE_MSG(test, kh_wait_resize_done(map, 60000),
			      "%s not done 60 s after its last write: nevacuate %llu of %llu",
			      c->desc, kh_stats(map).nevacuate,
			      kh_stats(map).old_buckets);
	kh_expect_resize_done(test, tr, c->kind, old_b, new_b);
	tc = kh_trace_snap(tr);
	KUNIT_EXPECT_GE(test, tc.done_writes, 1);
	KUNIT_EXPECT_LE(test, tc.done_writes, 2);
	KUNIT_EXPECT_EQ(test, tc.done_worker, (1ULL << old_b) - tc.done_writes);
	KUNIT_EXPECT_GE(test, kh_stats(map).evacuated_by_worker,
			tc.done_worker);
	kunit_info(test, "%s done by the worker: %llu steps by writes, %llu by the worker",
		   c->desc, tc.done_writes, tc.done_worker);
	if (c->kind != HMAP_RESIZING_SAME_SIZE)
		kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * The growth the issue asks about, 2^10 -> 2^11 buckets, with the worker on
 * and 2000 more inserts racing it: how the steps split between writes and
 * the worker, and the most chains one write evacuated.
 */
static void hmap_grow_10_to_11(struct kunit *test)
{
	const u32 n = 6657 + 2000;
	struct hmap *map = kh_create(test, n, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 9, n);
	struct kh_trace *tr;
	struct kh_trace_counts t0, tc;
	u64 max_per_write = 0, writes = 0;
	u32 id;

	fill(test, map, m, 0, 6656, 0);
	KUNIT_ASSERT_TRUE(test, kh_wait_resize_done(map, 60000));
	KUNIT_ASSERT_EQ(test, kh_stats(map).log2_buckets, 10);
	/* The worker prepares the 2^11 array: wait for it here. */
	KUNIT_ASSERT_EQ(test, hmap_prepare_spare(map), 0);
	tr = kh_trace_attach(test, map);
	for (id = 6656; id < n; id++) {
		bool resizing = kh_stats(map).resize != HMAP_RESIZING_NONE;

		t0 = kh_trace_snap(tr);
		KUNIT_ASSERT_EQ(test, kh_model_insert(test, map, m, id, 0,
						      HMAP_PUT_NOEXIST), 0);
		tc = kh_trace_snap(tr);
		max_per_write = max(max_per_write,
				    tc.write_steps - t0.write_steps);
		writes += resizing || id == 6656;
	}
	KUNIT_ASSERT_TRUE(test, kh_wait_resize_done(map, 60000));
	tc = kh_trace_snap(tr);
	KUNIT_EXPECT_EQ(test, tc.starts, 1);
	kh_expect_resize_done(test, tr, HMAP_RESIZING_GROW, 10, 11);
	KUNIT_EXPECT_LE(test, max_per_write, 2);
	kunit_info(test, "grow 2^10 -> 2^11: %llu steps by writes, %llu by the worker, at most %llu per write (%llu inserts during the grow), %llu entries moved",
		   tc.done_writes, tc.done_worker, max_per_write, writes,
		   tc.done_moved);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * A resize's end reports the old array (hmap_resize_done's old_b) and
 * retires it with kvfree_rcu(): the report must read the array before it
 * is handed over. At HMAP_RACE_RETIRE, right after the hand-over, wait
 * until the array is really freed (kvfree_rcu_barrier()): a read of it
 * after that is a use-after-free KASAN reports (and fails the test with).
 * The probe on hmap_resize_done is what makes the core evaluate the
 * event's arguments at all. Grows from B=0 to B=8, then shrinks to B=3,
 * every resize finished by a write or hmap_worker_run() on this thread.
 */
struct retire_wait {
	unsigned int retires;
	unsigned int other;
};

static void retire_wait_fn(const struct hmap *map, enum hmap_race_point where,
			   void *arg)
{
	struct retire_wait *rw = arg;

	if (where != HMAP_RACE_RETIRE) {
		rw->other++;
		return;
	}
	rw->retires++;
	kvfree_rcu_barrier();
}

static void hmap_resize_done_after_retire(struct kunit *test)
{
	struct hmap *map = kh_create(test, 2000, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 13, 1000);
	struct retire_wait *rw = kunit_kzalloc(test, sizeof(*rw), GFP_KERNEL);
	struct kh_trace_counts tc;
	struct kh_trace *tr;
	struct hmap_stats s;
	u32 id;

	KUNIT_ASSERT_NOT_NULL(test, rw);
	tr = kh_trace_attach(test, map);
	hmap_set_worker_enabled(map, false);
	kh_set_race(test, map, retire_wait_fn, rw);
	fill(test, map, m, 0, m->n, 0);
	hmap_worker_run(map);
	s = kh_stats(map);
	KUNIT_ASSERT_EQ(test, s.log2_buckets, 8);
	KUNIT_ASSERT_EQ(test, s.grows, 8);
	kh_expect_resize_done(test, tr, HMAP_RESIZING_GROW, 7, 8);
	for (id = m->n; m->count > 20; ) {
		kh_model_delete(test, map, m, --id);
		if (id % 64 == 0)
			hmap_worker_run(map);
	}
	hmap_worker_run(map);
	s = kh_stats(map);
	tc = kh_trace_snap(tr);
	KUNIT_EXPECT_EQ(test, s.log2_buckets, 3);
	KUNIT_EXPECT_EQ(test, s.shrinks, 5);
	KUNIT_EXPECT_EQ(test, tc.done_kind, HMAP_RESIZING_SHRINK);
	KUNIT_EXPECT_EQ(test, tc.done_old_b, 4);
	KUNIT_EXPECT_EQ(test, tc.done_new_b, 3);
	KUNIT_EXPECT_EQ(test, tc.dones, s.grows + s.shrinks + s.same_size_grows);
	KUNIT_EXPECT_EQ(test, tc.starts, tc.dones);
	KUNIT_EXPECT_EQ_MSG(test, rw->retires, tc.dones,
			    "a finished resize did not retire its old array at HMAP_RACE_RETIRE");
	KUNIT_EXPECT_GT(test, rw->other, 0);
	KH_EXPECT_TRACE_SANE(test, tr);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
}

static struct kunit_case hmap_grow_cases[] = {
	KUNIT_CASE_PARAM(hmap_grow_threshold, grow_bs_gen_params),
	KUNIT_CASE(hmap_grow_sequence),
	KUNIT_CASE(hmap_grow_xy_split),
	KUNIT_CASE_PARAM(hmap_writes_during_resize, during_cases_gen_params),
	KUNIT_CASE(hmap_lookups_do_not_evacuate),
	KUNIT_CASE_PARAM_ATTR(hmap_background_completion, bg_cases_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE(hmap_grow_10_to_11),
	KUNIT_CASE(hmap_resize_done_after_retire),
	{}
};

static struct kunit_suite hmap_grow_suite = {
	.name = "hmap_grow",
	.test_cases = hmap_grow_cases,
};

/*
 * Go's tooManyOverflowBuckets compares against 2^min(B, 15), but above
 * B = 15 it counts only one overflow bucket in 2^(B - 15): on the real
 * count its limit is 2^B at every B. A map at B = 16 with 2^15 buckets
 * of 9 keys (one overflow bucket each) and 2^15 empty ones has 2^15
 * overflow buckets, half of 2^B: a rebuild could not shorten a chain,
 * and Go would not start one. Neither may hmap.
 */
static void hmap_same_size_limit_is_nbuckets(struct kunit *test)
{
	const u32 full = 1U << 15, per_bucket = 9;	/* 8 slots + 1 */
	struct hmap *map = kh_create_forced(test, full * per_bucket + 1,
					       full * per_bucket);
	struct kh_fkey last = kh_fkey(kh_hash(0xa0, 0, full), U64_MAX);
	struct hmap_stats s;
	u32 b, j;

	hmap_set_worker_enabled(map, false);
	KUNIT_ASSERT_EQ(test, kh_stats(map).log2_buckets, 16);
	for (b = 0; b < full; b++) {
		for (j = 0; j < per_bucket; j++) {
			struct kh_fkey k = kh_fkey(kh_hash(0xa0 + j, j, b),
						   (u64)b * per_bucket + j);

			KUNIT_ASSERT_EQ(test, hmap_insert(map, &k, sizeof(k),
							  &j, sizeof(j), 0), 0);
		}
		cond_resched();
	}
	/* Inserts check before they add: one more sees all 2^15. */
	KUNIT_ASSERT_EQ(test, hmap_insert(map, &last, sizeof(last), &b,
					  sizeof(b), 0), 0);
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.count, (u64)full * per_bucket + 1);
	KUNIT_EXPECT_EQ(test, s.overflow_buckets, full);
	KUNIT_EXPECT_EQ_MSG(test, s.same_size_grows, 0,
			    "a same-size rebuild at B=16 with 2^15 overflow buckets");
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_NONE);
	KH_ASSERT_CONSISTENT(test, map);
}

static struct kunit_case hmap_same_size_cases[] = {
	KUNIT_CASE_PARAM(hmap_same_size_grow, ss_triggers_gen_params),
	KUNIT_CASE_SLOW(hmap_same_size_limit_is_nbuckets),
	{}
};

static struct kunit_suite hmap_same_size_suite = {
	.name = "hmap_same_size",
	.test_cases = hmap_same_size_cases,
};

/* Grow a map of hint 0 to exactly B=@b, all resizes done, worker off. */
static void grow_to(struct kunit *test, struct hmap *map, struct kh_model *m,
		    u32 b)
{
	fill(test, map, m, (u32)m->count,
	     b ? (u32)kh_grow_threshold(b - 1) + 1 : 0, 0);
	hmap_worker_run(map);
	KUNIT_ASSERT_EQ(test, kh_stats(map).log2_buckets, b);
	KUNIT_ASSERT_EQ(test, kh_stats(map).resize, HMAP_RESIZING_NONE);
}

/*
 * The exact shrink threshold: deleting from B, the delete that leaves
 * count with 8 * count < 13 * 2^B (load < 1.625) starts a halving, none
 * before it; and it never shrinks below the size hint's B.
 */
static const u32 shrink_bs[] = { 1, 2, 5, 8 };

KUNIT_ARRAY_PARAM(shrink_bs, shrink_bs, b_desc);

static void hmap_shrink_threshold(struct kunit *test)
{
	const u32 b = *(const u32 *)test->param_value;
	struct hmap *map = kh_create(test, 2000, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 10, 2000);
	struct kh_trace *tr;
	struct hmap_stats s;
	struct wwatch w;
	u32 id;

	hmap_set_worker_enabled(map, false);
	grow_to(test, map, m, b);
	tr = kh_trace_attach(test, map);
	for (id = (u32)m->count; id-- > 0;) {
		bool start = kh_shrink_starts(m->count - 1, b);

		write_begin(map, tr, &w);
		kh_model_delete(test, map, m, id);
		write_end(test, map, tr, &w, "delete", id);
		s = kh_stats(map);
		KUNIT_ASSERT_EQ_MSG(test, s.shrinks, start,
				    "delete leaving %llu at B=%u", m->count, b);
		if (kh_failed(test))
			return;
		if (start)
			break;
	}
	s = kh_stats(map);
	/* From B=1 the one write evacuates both old buckets. */
	KUNIT_EXPECT_EQ(test, s.resize,
			b == 1 ? HMAP_RESIZING_NONE : HMAP_RESIZING_SHRINK);
	KUNIT_EXPECT_EQ(test, s.log2_buckets, b - 1);
	KUNIT_EXPECT_EQ(test, kh_trace_snap(tr).start_kind, HMAP_RESIZING_SHRINK);
	KUNIT_EXPECT_EQ(test, kh_trace_snap(tr).start_old_b, b);
	KUNIT_EXPECT_EQ(test, kh_trace_snap(tr).start_new_b, b - 1);
	KUNIT_EXPECT_EQ(test, kh_trace_snap(tr).start_count, m->count);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
	hmap_worker_run(map);
	kh_expect_resize_done(test, tr, HMAP_RESIZING_SHRINK, b, b - 1);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * With the worker off, insert ids 0..799 of @m (the map grows to B=7),
 * then delete them in order, running the worker every 32 deletes and at
 * the end. Return the statistics then (count 0 checked).
 */
static struct hmap_stats fill_800_delete_all(struct kunit *test,
					     struct hmap *map,
					     struct kh_model *m)
{
	struct hmap_stats s;
	u32 id;

	hmap_set_worker_enabled(map, false);
	fill(test, map, m, 0, 800, 0);
	hmap_worker_run(map);
	KUNIT_ASSERT_EQ(test, kh_stats(map).log2_buckets, 7);
	for (id = 0; id < 800; id++) {
		kh_model_delete(test, map, m, id);
		if (id % 32 == 0)
			hmap_worker_run(map);
	}
	hmap_worker_run(map);
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.count, 0);
	return s;
}

/* A map never shrinks below the B its size hint asked for. */
static void hmap_shrink_floor(struct kunit *test)
{
	struct hmap *map = kh_create(test, 2000, sizeof(struct kh_key),
				     KH_VAL_MAX, 104);
	struct kh_model *m = kh_model_new(test, 11, 2000);
	struct hmap_stats s;

	s = fill_800_delete_all(test, map, m);	/* B 4 -> 5 -> 6 -> 7 */
	KUNIT_EXPECT_EQ(test, s.log2_buckets, 4);
	KUNIT_EXPECT_EQ(test, s.shrinks, 3);
	KUNIT_EXPECT_EQ(test, s.grows, 3);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * HMAP_CREATE_NO_SHRINK: the deletes that shrink hmap_shrink_floor()'s map
 * three times leave this one at the B it grew to, and so does a clear; it
 * fills again without growing. A flag hmap does not know is refused.
 */
static void hmap_no_shrink(struct kunit *test)
{
	struct hmap_params p = {
		.max_entries = 2000,
		.max_key_size = sizeof(struct kh_key),
		.max_value_size = KH_VAL_MAX,
		.flags = HMAP_CREATE_NO_SHRINK,
	};
	struct hmap *map = kh_create_params(test, &p), *bad;
	struct kh_model *m = kh_model_new(test, 13, 2000);
	struct hmap_stats s;

	s = fill_800_delete_all(test, map, m);	/* B 0 -> 7 */
	KUNIT_EXPECT_EQ(test, s.log2_buckets, 7);
	KUNIT_EXPECT_EQ(test, s.shrinks, 0);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_NONE);
	KH_ASSERT_CONSISTENT(test, map);

	fill(test, map, m, 0, 800, 1);
	hmap_worker_run(map);
	KUNIT_EXPECT_EQ(test, kh_stats(map).grows, s.grows);
	KUNIT_EXPECT_EQ(test, hmap_clear(map), 0);
	memset(m->present, 0, m->n * sizeof(*m->present));
	m->count = 0;
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.count, 0);
	KUNIT_EXPECT_EQ(test, s.log2_buckets, 7);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);

	p.flags = HMAP_CREATE_FLAGS + 1;
	bad = hmap_create(&p);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(bad), -EINVAL);
	if (!IS_ERR(bad))
		hmap_destroy(bad);
}

/*
 * Hysteresis: a grow lands at load 3.25 and a shrink at 3.25, so after
 * each, the count must double or halve before the next. At B=4 after a
 * shrink: 5 swings between 26 and 104 entries change nothing; 200
 * insert/delete flips of one key at the grow threshold cause one grow at
 * most and no shrink.
 */
static void hmap_shrink_hysteresis(struct kunit *test)
{
	struct hmap *map = kh_create(test, 2000, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 12, 2000);
	struct hmap_stats s0, s;
	u32 i, id;

	hmap_set_worker_enabled(map, false);
	grow_to(test, map, m, 5);	/* 105 entries, B=5 */
	for (id = 104; m->count > 51; id--)
		KUNIT_ASSERT_EQ(test, kh_model_delete(test, map, m, id), 0);
	s = kh_stats(map);
	KUNIT_ASSERT_EQ(test, s.shrinks, 1);
	hmap_worker_run(map);
	s0 = kh_stats(map);
	KUNIT_ASSERT_EQ(test, s0.log2_buckets, 4);
	KUNIT_ASSERT_EQ(test, s0.count, 51);

	for (i = 0; i < 5; i++) {
		for (id = 51; id < 104; id++)
			kh_model_insert(test, map, m, id, i, HMAP_PUT_NOEXIST);
		KUNIT_EXPECT_EQ(test, kh_stats(map).count, 104);
		for (id = 103; id >= 26; id--)
			kh_model_delete(test, map, m, id);
		KUNIT_EXPECT_EQ(test, kh_stats(map).count, 26);
		for (id = 26; id < 51; id++)
			kh_model_insert(test, map, m, id, i, HMAP_PUT_NOEXIST);
	}
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.grows, s0.grows);
	KUNIT_EXPECT_EQ(test, s.shrinks, s0.shrinks);
	KUNIT_EXPECT_EQ(test, s.same_size_grows, 0);
	KUNIT_EXPECT_EQ(test, s.log2_buckets, 4);

	/* At the grow threshold, flip one key in and out. */
	fill(test, map, m, 51, 104, 9);
	for (i = 0; i < 200; i++) {
		kh_model_insert(test, map, m, 104, i, HMAP_PUT_NOEXIST);
		kh_model_delete(test, map, m, 104);
	}
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.grows, s0.grows + 1);
	KUNIT_EXPECT_EQ(test, s.shrinks, s0.shrinks);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_NONE);
	KUNIT_EXPECT_EQ(test, s.log2_buckets, 5);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * Old buckets i and i + 2^newB merge into new bucket i: the 27 keys of the
 * split case, grown to B=3, deleted down to 12, shrink back to B=2; each
 * old bucket's hmap_evacuate event reports what it held, all to X.
 */
static void hmap_shrink_merge(struct kunit *test)
{
	struct hmap *map = kh_create_forced(test, 100, 26);
	struct kh_trace *tr;
	u32 held[8] = {}, b, j, id = 0, trigger = 0;
	u64 hashes[27];
	bool gone[27] = {};

	hmap_set_worker_enabled(map, false);
	for (b = 0; b < 4; b++) {
		for (j = 0; j < xy_x[b] + xy_y[b]; j++, id++) {
			hashes[id] = xy_hash(b, j >= xy_x[b], id);
			KUNIT_ASSERT_EQ(test, xy_insert(map, hashes[id], id), 0);
		}
	}
	hashes[26] = xy_hash(2, false, 26);
	KUNIT_ASSERT_EQ(test, xy_insert(map, hashes[26], 26), 0);
	hmap_worker_run(map);
	KUNIT_ASSERT_EQ(test, kh_stats(map).log2_buckets, 3);
	tr = kh_trace_attach(test, map);

	/* Delete keys 0, 1, ... until the shrink starts (count 12). */
	for (id = 0; kh_stats(map).resize == HMAP_RESIZING_NONE; id++) {
		struct kh_fkey k;

		KUNIT_ASSERT_LT_MSG(test, id, 27, "no shrink at count %llu",
				    kh_stats(map).count);
		k = kh_fkey(hashes[id], id);
		KUNIT_ASSERT_EQ(test, hmap_delete(map, &k, sizeof(k)), 0);
		gone[id] = true;
		trigger = id;
	}
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, 12);
	KUNIT_EXPECT_EQ(test, kh_stats(map).log2_buckets, 2);
	hmap_worker_run(map);
	kh_expect_resize_done(test, tr, HMAP_RESIZING_SHRINK, 3, 2);
	for (id = 0; id < 27; id++)
		if (!gone[id])
			held[hashes[id] & 7]++;
	for (b = 0; b < 8; b++) {
		KUNIT_EXPECT_EQ_MSG(test, tr->moved_x[b], held[b],
				    "old bucket %u into new %u", b, b & 3);
		KUNIT_EXPECT_EQ(test, tr->moved_y[b], 0);
	}
	for (id = 0; id < 27; id++)
		KUNIT_EXPECT_EQ_MSG(test, xy_lookup(map, hashes[id], id),
				    gone[id] ? -ENOENT : 0, "key %u", id);
	KUNIT_EXPECT_TRUE(test, gone[trigger]);
	KH_ASSERT_CONSISTENT(test, map);
}

static struct kunit_case hmap_shrink_cases[] = {
	KUNIT_CASE_PARAM(hmap_shrink_threshold, shrink_bs_gen_params),
	KUNIT_CASE(hmap_shrink_floor),
	KUNIT_CASE(hmap_no_shrink),
	KUNIT_CASE(hmap_shrink_hysteresis),
	KUNIT_CASE(hmap_shrink_merge),
	{}
};

static struct kunit_suite hmap_shrink_suite = {
	.name = "hmap_shrink",
	.test_cases = hmap_shrink_cases,
};

/*
 * Bucket arrays: no write allocates one in proportion to the table. A
 * write may allocate an array of up to 2^10 buckets itself (97 KiB); the
 * arrays of larger resizes are prepared by the worker ahead of need. The
 * bound checked here, 128 KiB, is what the README promises, and is below
 * the 194 KiB of a 2^11 array.
 */
#define ARRAY_WRITE_BOUND	SZ_128K

/*
 * With the worker on, grow a map from 0 to 2^13 buckets one insert at a
 * time, watching every allocation the writes make (the worker's are not
 * watched): none may exceed the bound, and every grow must still happen.
 */
static void hmap_no_write_allocates_array(struct kunit *test)
{
	const u32 n = 30000;	/* over 6.5 * 2^12: B reaches 13 */
	struct hmap *map = kh_create(test, n, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 14, n);
	size_t largest = 0, got;
	u32 id, at = 0;

	kh_fail_allocs(test, map, 0, 0);	/* watch only */
	for (id = 0; id < n; id++) {
		KUNIT_ASSERT_EQ(test, kh_model_insert(test, map, m, id, 0,
						      HMAP_PUT_NOEXIST), 0);
		got = kh_largest_alloc(map);
		if (got > largest) {
			largest = got;
			at = id;
		}
	}
	KUNIT_EXPECT_LE_MSG(test, largest, ARRAY_WRITE_BOUND,
			    "insert %u allocated %zu bytes at once", at, largest);
	KUNIT_ASSERT_TRUE(test, kh_wait_resize_done(map, 60000));
	KUNIT_EXPECT_EQ(test, kh_stats(map).log2_buckets, 13);
	KUNIT_EXPECT_EQ(test, kh_stats(map).grows, 13);
	kunit_info(test, "0 -> %u keys, B 0 -> %llu: the largest allocation of a write was %zu bytes (insert %u)",
		   n, kh_stats(map).log2_buckets, largest, at);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * Without a spare a grow past 2^10 buckets waits, and the map goes on over
 * its load factor; a spare whose allocation fails changes nothing; once
 * one is ready the next insert starts the grow with it, allocating nothing
 * large itself. The test prepares the spares (hmap_set_spares_manual()).
 */
static void hmap_spare_array(struct kunit *test)
{
	const u32 grow_at = 6657, n = grow_at + 100;	/* 6.5 * 2^10 */
	struct hmap *map = kh_create(test, n + 1, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 15, n + 1);
	struct hmap_stats s0, s;

	hmap_set_spares_manual(map);
	fill(test, map, m, 0, grow_at - 1, 0);
	s = kh_stats(map);
	KUNIT_ASSERT_EQ(test, s.log2_buckets, 10);
	KUNIT_ASSERT_EQ(test, s.resize, HMAP_RESIZING_NONE);

	/* Over the load factor, no spare: no grow, the keys still go in. */
	kh_fail_allocs(test, map, 0, 0);
	fill(test, map, m, grow_at - 1, n, 0);
	s0 = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s0.log2_buckets, 10);
	KUNIT_EXPECT_EQ(test, s0.resize, HMAP_RESIZING_NONE);
	KUNIT_EXPECT_EQ(test, s0.grows, 10);
	KUNIT_EXPECT_LE(test, kh_largest_alloc(map), ARRAY_WRITE_BOUND);
	kh_model_verify(test, map, m);

	/* The spare's allocation fails: nothing changes. */
	kh_fail_allocs(test, map, 0, UINT_MAX);
	KUNIT_EXPECT_EQ(test, hmap_prepare_spare(map), -ENOMEM);
	KUNIT_EXPECT_EQ(test, kh_allocs_failed(map), 1);
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.memory_bytes, s0.memory_bytes);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_NONE);
	KH_ASSERT_CONSISTENT(test, map);

	/* It succeeds: the spare is counted, and blank (hmap_check()). */
	kh_fail_allocs(test, map, 0, 0);
	KUNIT_ASSERT_EQ(test, hmap_prepare_spare(map), 0);
	s = kh_stats(map);
	KUNIT_EXPECT_GE(test, s.memory_bytes - s0.memory_bytes,
			97ULL << 11);	/* 2^11 buckets and their flags */
	/* Exact to the page, not rounded up to a power of two (256 KiB). */
	KUNIT_EXPECT_LE(test, s.memory_bytes - s0.memory_bytes,
			(97ULL << 11) + 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_NONE);
	KH_ASSERT_CONSISTENT(test, map);

	/* The next insert starts the grow with it. */
	kh_largest_alloc(map);
	fill(test, map, m, n, n + 1, 0);
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.resize, HMAP_RESIZING_GROW);
	KUNIT_EXPECT_EQ(test, s.old_log2_buckets, 10);
	KUNIT_EXPECT_EQ(test, s.log2_buckets, 11);
	KUNIT_EXPECT_LE(test, kh_largest_alloc(map), ARRAY_WRITE_BOUND);
	hmap_worker_run(map);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);

	/* A clear drops what a spare would cost. */
	KUNIT_ASSERT_EQ(test, hmap_clear(map), 0);
	KUNIT_EXPECT_LT(test, kh_stats(map).memory_bytes, s0.memory_bytes);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * A resize that waited for its spare starts once the worker has the spare
 * ready, with no further write: writes that stop while the map is over
 * (or under) its load factor do not leave it so. The test holds the spare
 * back (hmap_set_spares_manual()) until the last write, then lets the
 * worker run. Growing: 100 keys past the grow threshold of 2^10 buckets.
 * Shrinking: from 2^12 buckets (grown by writes, the worker off) down to
 * 6000 keys, under the shrink threshold of 6656.
 */
static const struct during_case waiting_cases[] = {
	{ "grow_10_to_11", HMAP_RESIZING_GROW },
	{ "shrink_12_to_11", HMAP_RESIZING_SHRINK },
};

KUNIT_ARRAY_PARAM_DESC(waiting_cases, waiting_cases, desc);

static void hmap_worker_starts_waiting_resize(struct kunit *test)
{
	const struct during_case *c = test->param_value;
	bool grow = c->kind == HMAP_RESIZING_GROW;
	const u32 n = grow ? 6657 + 100 : 13313 + 100, kept = 6000;
	struct hmap *map = kh_create(test, n, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 16, n);
	struct hmap_stats s0, s;
	u32 id;

	if (grow) {
		hmap_set_spares_manual(map);
		fill(test, map, m, 0, n, 0);
	} else {
		hmap_set_worker_enabled(map, false);
		fill(test, map, m, 0, n, 0);
		hmap_worker_run(map);
		hmap_set_spares_manual(map);
		for (id = kept; id < n; id++)
			KUNIT_ASSERT_EQ(test, kh_model_delete(test, map, m, id),
					0);
	}
	s0 = kh_stats(map);
	KUNIT_ASSERT_EQ(test, s0.log2_buckets, grow ? 10 : 12);
	KUNIT_ASSERT_EQ(test, s0.resize, HMAP_RESIZING_NONE);

	hmap_set_worker_enabled(map, true);
	KUNIT_ASSERT_TRUE(test, kh_wait_resize_done(map, 60000));
	s = kh_stats(map);
	KUNIT_EXPECT_EQ(test, s.log2_buckets, 11);
	KUNIT_EXPECT_EQ(test, s.grows, s0.grows + grow);
	KUNIT_EXPECT_EQ(test, s.shrinks, s0.shrinks + !grow);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * A writer that takes map->lock waits for the chain the worker is
 * evacuating, not for the rest of its chunk. The worker runs in a thread
 * of the test's; after the third chain of its first chunk
 * (HMAP_RACE_WORKER_STEP, map->lock held) it sleeps until the writer has
 * started to wait for the lock. The writer, a delete (deletes take
 * map->lock; inserts evacuate under a stripe without it), then reads at
 * its own first evacuation how many chains the worker had evacuated: the
 * worker must have let go after the third, where a whole chunk would have
 * been HMAP_WORKER_CHUNK (16).
 */
struct yield_probe {
	struct kunit *test;
	struct hmap *map;
	struct task_struct *worker;
	atomic_t worker_chains;
	int writer_saw;		/* worker_chains at the writer's evacuation */
	bool paused;		/* the worker sleeps in its third chain */
	bool writer_started;
	bool done;
};

static void yield_probe_fn(const struct hmap *map, enum hmap_race_point where,
			   void *arg)
{
	struct yield_probe *yp = arg;
	unsigned int i;

	if (current != yp->worker) {
		if (where == HMAP_RACE_EVACUATE && yp->writer_saw < 0)
			yp->writer_saw = atomic_read(&yp->worker_chains);
		return;
	}
	if (where != HMAP_RACE_WORKER_STEP ||
	    atomic_inc_return(&yp->worker_chains) != 3)
		return;
	WRITE_ONCE(yp->paused, true);
	for (i = 0; i < 250 && !READ_ONCE(yp->writer_started); i++)
		msleep(20);
	/* The writer is on its way into mutex_lock(): give it time to wait. */
	msleep(50);
}

static int yield_probe_worker(void *arg)
{
	struct yield_probe *yp = arg;

	kh_adopt_test(yp->test);
	hmap_worker_run(yp->map);
	WRITE_ONCE(yp->done, true);
	/* kthread_stop() reaps the thread; it must not exit before. */
	while (!kthread_should_stop())
		msleep(20);
	return 0;
}

static void hmap_worker_yields_to_writers(struct kunit *test)
{
	struct hmap *map = kh_create(test, 4000, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, 14, 4000);
	struct yield_probe *yp = kunit_kzalloc(test, sizeof(*yp), GFP_KERNEL);
	struct task_struct *t;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, yp);
	hmap_set_worker_enabled(map, false);
	grow_to(test, map, m, 8);
	/* The insert that starts 2^8 -> 2^9; the worker has 254 chains left. */
	fill(test, map, m, (u32)m->count, (u32)kh_grow_threshold(8) + 1, 0);
	KUNIT_ASSERT_EQ(test, kh_stats(map).resize, HMAP_RESIZING_GROW);
	yp->test = test;
	yp->map = map;
	yp->writer_saw = -1;
	kh_set_race(test, map, yield_probe_fn, yp);
	t = kthread_create(yield_probe_worker, yp, "hmap_kunit_yield");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	yp->worker = t;
	wake_up_process(t);
	for (i = 0; i < 250 && !READ_ONCE(yp->paused); i++)
		msleep(20);
	if (!READ_ONCE(yp->paused))
		kthread_stop(t);
	KUNIT_ASSERT_TRUE_MSG(test, READ_ONCE(yp->paused),
			      "the worker never reached its third chain");
	WRITE_ONCE(yp->writer_started, true);
	KUNIT_EXPECT_EQ(test, kh_model_delete(test, map, m, 0), 0);
	for (i = 0; i < 500 && !READ_ONCE(yp->done); i++)
		msleep(20);
	kthread_stop(t);
	KUNIT_ASSERT_TRUE_MSG(test, READ_ONCE(yp->done),
			      "the worker did not finish the resize");
	KUNIT_EXPECT_EQ_MSG(test, yp->writer_saw, 3,
			    "the worker evacuated %d chains before the waiting writer got the lock",
			    yp->writer_saw);
	KUNIT_EXPECT_EQ(test, kh_stats(map).resize, HMAP_RESIZING_NONE);
	kh_model_verify(test, map, m);
	KH_ASSERT_CONSISTENT(test, map);
}

static struct kunit_case hmap_array_cases[] = {
	KUNIT_CASE_SLOW(hmap_no_write_allocates_array),
	KUNIT_CASE(hmap_spare_array),
	KUNIT_CASE_PARAM(hmap_worker_starts_waiting_resize,
			 waiting_cases_gen_params),
	KUNIT_CASE(hmap_worker_yields_to_writers),
	{}
};

static struct kunit_suite hmap_array_suite = {
	.name = "hmap_arrays",
	.test_cases = hmap_array_cases,
};

kunit_test_suites(&hmap_grow_suite, &hmap_same_size_suite, &hmap_shrink_suite,
		  &hmap_array_suite);
