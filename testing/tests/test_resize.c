// SPDX-License-Identifier: GPL-2.0
/*
 * Growth, same-size rebuilds and shrinks, checked write by write against
 * Go's rules (t_check_write()) and the tracepoints' contract.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* One write, its stats before and after, and the oracle. */
static int t_insert_checked(struct hmap *map, struct t_model *m,
			    struct t_trace *tr, u32 id, u32 gen, u64 flags)
{
	struct hmap_stats b = t_stats(map), a;
	bool was = m->present[id];
	int ret;

	if (tr)
		t_trace_write_begin(tr);
	ret = t_model_insert(map, m, id, gen, flags);
	a = t_stats(map);
	t_check_write(map, &b, &a,
		      !ret && !was ? T_W_INSERT_NEW : T_W_OTHER);
	return ret;
}

static int t_delete_checked(struct hmap *map, struct t_model *m,
			    struct t_trace *tr, u32 id)
{
	struct hmap_stats b = t_stats(map), a;
	int ret;

	if (tr)
		t_trace_write_begin(tr);
	ret = t_model_delete(map, m, id);
	a = t_stats(map);
	t_check_write(map, &b, &a, !ret ? T_W_DELETE_HIT : T_W_OTHER);
	return ret;
}

static void t_shuffle(u32 *a, u32 n)
{
	u32 i, j, t;

	for (i = n; i > 1; i--) {
		j = t_rand_below(i);
		t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

/*
 * Every write of a fill to 30000 keys and back to none, with resizes left
 * to writes alone: each starts exactly the resize Go's rules call for.
 */
HT_CASE(grow_and_shrink_thresholds, 0)
{
	const u32 n = 30000;
	struct hmap *map = t_create(n, sizeof(struct t_key), T_VAL_MAX, 0);
	struct t_model *m = t_model_new(3, n);
	struct t_trace *tr = t_trace_attach(map);
	u32 *order = malloc(n * sizeof(*order)), i;
	struct hmap_stats s;

	REQUIRE(order, "no memory");
	hmap_set_worker_enabled(map, false);
	for (i = 0; i < n; i++)
		order[i] = i;
	t_shuffle(order, n);
	for (i = 0; i < n; i++) {
		t_insert_checked(map, m, tr, order[i], 0, HMAP_PUT_NOEXIST);
		/* Misses, updates and failed flags move a resize too. */
		if (i % 7 == 0)
			t_insert_checked(map, m, tr, order[i], 1, HMAP_PUT_EXIST);
		if (i % 11 == 0)
			t_insert_checked(map, m, tr, order[i], 2, HMAP_PUT_NOEXIST);
		if (i % 1000 == 0) {
			t_model_verify(map, m, true);
			T_AUDIT(map);
		}
	}
	s = t_stats(map);
	ht_note("after %u inserts: B=%llu, %llu grows, %llu same-size", n,
		(unsigned long long)s.log2_buckets, (unsigned long long)s.grows,
		(unsigned long long)s.same_size_grows);
	CHECK(s.grows >= 12, "grows %llu", (unsigned long long)s.grows);
	t_shuffle(order, n);
	for (i = 0; i < n; i++) {
		t_delete_checked(map, m, tr, order[i]);
		if (i % 13 == 0)
			t_delete_checked(map, m, tr, order[i]);
		if (i % 1000 == 0) {
			t_model_verify(map, m, true);
			T_AUDIT(map);
		}
	}
	s = t_stats(map);
	ht_note("after deleting all: B=%llu, %llu shrinks",
		(unsigned long long)s.log2_buckets,
		(unsigned long long)s.shrinks);
	CHECK(s.shrinks >= 10, "shrinks %llu", (unsigned long long)s.shrinks);
	CHECK_EQ(s.count, 0);
	CHECK_EQ(tr->worker_steps, 0);
	CHECK(tr->max_steps_per_write <= 2, "steps per write");
	CHECK_EQ(tr->starts, s.grows + s.same_size_grows + s.shrinks);
	T_TRACE_SANE(tr);
	T_AUDIT(map);
	free(order);
	t_model_free(m);
}

/* Forced-hash keys of a t_model id: bucket bits and the X/Y bit chosen. */
static struct t_fkey t_fk(u32 id, u32 low)
{
	return t_fkey(t_hash((u8)(id * 37 + 11), id * 2654435761u, low), id);
}

static int t_fins(struct hmap *map, struct t_fkey k, u32 gen)
{
	u8 val[T_VAL_MAX];
	u32 len = t_fill_value(val, 9, (u32)k.id, gen);

	return hmap_insert(map, &k, sizeof(k), val, len, HMAP_PUT_ANY);
}

static bool t_ffound(struct hmap *map, struct t_fkey k, u32 gen)
{
	u8 val[T_VAL_MAX];
	u32 len = sizeof(val);

	return !hmap_lookup(map, &k, sizeof(k), val, &len) &&
	       t_value_ok(val, len, 9, (u32)k.id, gen);
}

/*
 * A grow from B=3 to B=4 splits old bucket i into new buckets i (X, hash
 * bit 3 clear) and i + 8 (Y, bit 3 set): the evacuation events report
 * exactly the model's counts, and hmap_check() finds every entry in the
 * bucket its hash selects.
 */
HT_CASE(grow_splits_x_y, 0)
{
	struct hmap *map;
	struct t_trace *tr;
	u32 xs[8] = { 0 }, ys[8] = { 0 }, id, i;
	u32 lows[53];

	t_force_hashes();
	map = t_create(1000, sizeof(struct t_fkey), T_VAL_MAX, 52);
	tr = t_trace_attach(map);
	hmap_set_worker_enabled(map, false);
	CHECK_EQ(t_stats(map).log2_buckets, 3);
	for (id = 0; id < 52; id++) {
		/* Skewed: bucket i gets i+2 keys or so, X and Y mixed. */
		lows[id] = t_rand_below(8) | (t_rand_below(3) ? 8 : 0) |
			   (t_rand_below(16) << 4);
		CHECK_EQ(t_fins(map, t_fk(id, lows[id]), 0), 0);
		if (lows[id] & 8)
			ys[lows[id] & 7]++;
		else
			xs[lows[id] & 7]++;
	}
	CHECK_EQ(t_stats(map).grows, 0);
	lows[52] = 0;
	CHECK_EQ(t_fins(map, t_fk(52, 0), 0), 0);	/* the 53rd: grows */
	CHECK_EQ(t_stats(map).grows, 1);
	CHECK_EQ(t_stats(map).log2_buckets, 4);
	T_AUDIT(map);
	for (id = 0; id < 53; id++)
		CHECK(t_ffound(map, t_fk(id, lows[id]), 0), "id %u mid-grow", id);
	hmap_worker_run(map);
	CHECK_EQ(t_stats(map).resize, HMAP_RESIZING_NONE);
	CHECK_EQ(tr->dones, 1);
	for (i = 0; i < 8; i++) {
		CHECK(tr->moved_x[i] == xs[i] && tr->moved_y[i] == ys[i],
		      "old bucket %u: moved %u/%u, want %u/%u", i,
		      tr->moved_x[i], tr->moved_y[i], xs[i], ys[i]);
	}
	CHECK_EQ(tr->done_moved, 52);
	for (id = 0; id < 53; id++)
		CHECK(t_ffound(map, t_fk(id, lows[id]), 0), "id %u", id);
	T_AUDIT(map);
	T_TRACE_SANE(tr);
}

/*
 * Deletes leave sparse chains; when the overflow buckets reach 2^B the
 * next insert rebuilds at the same size, and the rebuilt chains are as
 * short as their entries allow.
 */
HT_CASE(same_size_rebuild, 0)
{
	struct hmap *map;
	struct t_trace *tr;
	struct hmap_stats s;
	u32 id;

	t_force_hashes();
	map = t_create(1000, sizeof(struct t_fkey), T_VAL_MAX, 52);
	tr = t_trace_attach(map);
	hmap_set_worker_enabled(map, false);
	/* 48 keys in bucket 0: a chain of 6 buckets, 5 of them overflow. */
	for (id = 0; id < 48; id++)
		CHECK_EQ(t_fins(map, t_fk(id, 0), 0), 0);
	CHECK_EQ(t_stats(map).overflow_buckets, 5);
	/* Delete 40: the chain keeps its buckets. */
	for (id = 0; id < 40; id++) {
		struct t_fkey k = t_fk(id, 0);

		CHECK_EQ(hmap_delete(map, &k, sizeof(k)), 0);
	}
	s = t_stats(map);
	CHECK_EQ(s.overflow_buckets, 5);
	CHECK_EQ(s.same_size_grows + s.shrinks + s.grows, 0);
	/* 25 keys in bucket 1 make the 8th overflow bucket... */
	for (id = 100; id < 125; id++)
		CHECK_EQ(t_fins(map, t_fk(id, 1), 0), 0);
	s = t_stats(map);
	CHECK_EQ(s.overflow_buckets, 8);
	CHECK_EQ(s.same_size_grows, 0);
	/* ... and the next insert starts the rebuild. */
	CHECK_EQ(t_fins(map, t_fk(125, 1), 0), 0);
	s = t_stats(map);
	CHECK_EQ(s.same_size_grows, 1);
	CHECK_EQ(s.log2_buckets, 3);
	hmap_worker_run(map);
	s = t_stats(map);
	CHECK_EQ(s.resize, HMAP_RESIZING_NONE);
	/* Bucket 0: 8 keys, no overflow; bucket 1: 26 keys, 3 overflow. */
	CHECK_EQ(s.overflow_buckets, 3);
	CHECK_EQ(s.count, 34);
	for (id = 40; id < 48; id++)
		CHECK(t_ffound(map, t_fk(id, 0), 0), "id %u", id);
	for (id = 100; id < 126; id++)
		CHECK(t_ffound(map, t_fk(id, 1), 0), "id %u", id);
	CHECK_EQ(s.grows + s.shrinks, 0);
	T_AUDIT(map);
	T_TRACE_SANE(tr);
}

/*
 * Keys whose whole 64-bit hashes are equal: they share one chain at any
 * B, compare by key, and a map full of them grows as the load says but
 * does not rebuild over and over.
 */
HT_CASE(full_hash_collisions, 0)
{
	struct hmap *map;
	u32 id;

	t_force_hashes();
	map = t_create(2000, sizeof(struct t_fkey), T_VAL_MAX, 0);
	hmap_set_worker_enabled(map, false);
	for (id = 0; id < 500; id++)
		CHECK_EQ(t_fins(map, t_fkey(0x0123456789abcdefULL, id), id), 0);
	for (id = 0; id < 500; id++)
		CHECK(t_ffound(map, t_fkey(0x0123456789abcdefULL, id), id), "id %u", id);
	T_AUDIT(map);
	CHECK(t_stats(map).same_size_grows <= 2, "same-size grows %llu",
	      (unsigned long long)t_stats(map).same_size_grows);
	for (id = 0; id < 500; id += 2) {
		struct t_fkey k = t_fkey(0x0123456789abcdefULL, id);

		CHECK_EQ(hmap_delete(map, &k, sizeof(k)), 0);
	}
	for (id = 0; id < 500; id++)
		CHECK(t_ffound(map, t_fkey(0x0123456789abcdefULL, id), id) == (id & 1),
		      "id %u", id);
	/* Tophash bytes below 5 are bumped: a hash with a zero top byte. */
	for (id = 1000; id < 1100; id++)
		CHECK_EQ(t_fins(map, t_fkey(id % 5, id), id), 0);
	for (id = 1000; id < 1100; id++)
		CHECK(t_ffound(map, t_fkey(id % 5, id), id), "id %u", id);
	T_AUDIT(map);
}

/*
 * A map that hovers around one size does not thrash: after a grow, the
 * count must halve before a shrink, and after a shrink double before a
 * grow. The size hint is a floor.
 */
HT_CASE(shrink_hysteresis_and_floor, 0)
{
	struct hmap *map = t_create(100000, sizeof(struct t_key), T_VAL_MAX, 0);
	struct t_model *m = t_model_new(4, 100000);
	struct hmap_stats s, s0;
	u32 id, i;

	hmap_set_worker_enabled(map, false);
	/* Up to the grow threshold of B=8 (1664), then around it. */
	for (id = 0; id < 1664; id++)
		t_insert_checked(map, m, NULL, id, 0, HMAP_PUT_NOEXIST);
	hmap_worker_run(map);
	s0 = t_stats(map);
	CHECK_EQ(s0.log2_buckets, 8);
	for (i = 0; i < 2000; i++) {
		t_insert_checked(map, m, NULL, 50000, i, HMAP_PUT_ANY);
		t_delete_checked(map, m, NULL, 50000);
		hmap_worker_run(map);
	}
	s = t_stats(map);
	CHECK_EQ(s.grows, s0.grows + 1);	/* once, to B=9 */
	CHECK_EQ(s.shrinks, s0.shrinks);
	CHECK_EQ(s.log2_buckets, 9);
	/* Down to the shrink threshold of B=9 (count < 832). */
	for (id = 0; t_stats(map).shrinks == s0.shrinks; id++)
		t_delete_checked(map, m, NULL, id);
	CHECK_EQ(t_stats(map).count, 831);
	hmap_worker_run(map);
	s0 = t_stats(map);
	CHECK_EQ(s0.log2_buckets, 8);
	for (i = 0; i < 2000; i++) {
		t_delete_checked(map, m, NULL, 1000);
		t_insert_checked(map, m, NULL, 1000, i, HMAP_PUT_ANY);
		hmap_worker_run(map);
	}
	s = t_stats(map);
	CHECK_EQ(s.grows, s0.grows);
	CHECK_EQ(s.shrinks, s0.shrinks);	/* B=8 shrinks below 416 */
	CHECK_EQ(s.log2_buckets, 8);
	t_model_verify(map, m, true);
	T_AUDIT(map);
	t_destroy(map);

	/* A hint of 1000: B=8 at the start and never below. */
	map = t_create(100000, sizeof(struct t_key), T_VAL_MAX, 1000);
	hmap_set_worker_enabled(map, false);
	memset(m->present, 0, m->n * sizeof(*m->present));
	m->count = 0;
	CHECK_EQ(t_stats(map).log2_buckets, 8);
	for (id = 0; id < 6000; id++)
		t_insert_checked(map, m, NULL, id, 0, HMAP_PUT_NOEXIST);
	hmap_worker_run(map);
	CHECK_EQ(t_stats(map).log2_buckets, 10);
	for (id = 0; id < 6000; id++)
		t_delete_checked(map, m, NULL, id);
	hmap_worker_run(map);
	s = t_stats(map);
	CHECK_EQ(s.log2_buckets, 8);
	CHECK_EQ(s.shrinks, 2);
	T_AUDIT(map);
	t_model_free(m);
}

/* With no writes at all, the worker finishes a resize, in chunks. */
HT_CASE(worker_finishes_resize, HT_CONCURRENT)
{
	struct hmap *map = t_create(200000, sizeof(struct t_key), T_VAL_MAX, 0);
	struct t_model *m = t_model_new(5, 200000);
	struct t_trace *tr = t_trace_attach(map);
	struct hmap_stats s;
	unsigned int waited;
	u32 id;

	/* Writes do the work while they come... */
	for (id = 0; id < 106496; id++)	/* 6.5 * 2^14: B=14, no resize yet */
		t_model_insert(map, m, id, 0, HMAP_PUT_NOEXIST);
	for (waited = 0; t_stats(map).resize != HMAP_RESIZING_NONE && waited < 5000;
	     waited++)
		usleep(1000);
	s = t_stats(map);
	CHECK_EQ(s.resize, HMAP_RESIZING_NONE);
	/*
	 * The worker prepares the grow's array once the count is within an
	 * eighth of the threshold; a write crossing it before the array is
	 * ready goes on over the load factor instead (seen under load).
	 */
	for (waited = 0; hmap_user_spare_log2(map) != 15 && waited < 5000;
	     waited++)
		usleep(1000);
	CHECK_EQ(hmap_user_spare_log2(map), 15);
	/* ... the next one starts a grow of 16384 chains and then they stop. */
	t_model_insert(map, m, id, 0, HMAP_PUT_NOEXIST);
	CHECK_EQ(t_stats(map).resize, HMAP_RESIZING_GROW);
	for (waited = 0; t_stats(map).resize != HMAP_RESIZING_NONE && waited < 10000;
	     waited++)
		usleep(1000);
	s = t_stats(map);
	CHECK_EQ(s.resize, HMAP_RESIZING_NONE);
	CHECK_EQ(s.log2_buckets, 15);
	/* The write that started it evacuated two chains. */
	CHECK(tr->done_worker >= 16382, "worker steps %llu",
	      (unsigned long long)tr->done_worker);
	CHECK(s.evacuated_by_worker >= 16382, "worker steps %llu",
	      (unsigned long long)s.evacuated_by_worker);
	t_model_verify(map, m, true);
	T_AUDIT(map);
	T_TRACE_SANE(tr);
	t_model_free(m);
}

/* hmap_clear() abandons a resize in flight and goes back to the hint's size. */
HT_CASE(clear_abandons_resize, 0)
{
	struct hmap *map = t_create(10000, sizeof(struct t_key), T_VAL_MAX, 100);
	struct t_model *m = t_model_new(6, 10000);
	struct t_trace *tr = t_trace_attach(map);
	struct hmap_stats s;
	u32 id;

	hmap_set_worker_enabled(map, false);
	for (id = 0; t_stats(map).log2_buckets < 10 ||
		     t_stats(map).resize == HMAP_RESIZING_NONE; id++)
		t_model_insert(map, m, id, 0, HMAP_PUT_NOEXIST);
	CHECK_EQ(hmap_clear(map), 0);
	s = t_stats(map);
	CHECK_EQ(s.count, 0);
	CHECK_EQ(s.resize, HMAP_RESIZING_NONE);
	CHECK_EQ(s.log2_buckets, hmap_user_min_log2(map));
	CHECK_EQ(s.old_buckets, 0);
	CHECK_EQ(tr->abandons, 1);
	memset(m->present, 0, m->n * sizeof(*m->present));
	m->count = 0;
	t_model_verify(map, m, true);
	T_AUDIT(map);
	for (id = 0; id < 3000; id++)
		t_model_insert(map, m, id, 1, HMAP_PUT_NOEXIST);
	hmap_worker_run(map);
	t_model_verify(map, m, true);
	T_AUDIT(map);
	T_TRACE_SANE(tr);
	t_model_free(m);
}

/* Updates during a resize replace entries whole, wherever they live. */
HT_CASE(update_during_resize, 0)
{
	struct hmap *map = t_create(10000, sizeof(struct t_key), T_VAL_MAX, 0);
	struct t_model *m = t_model_new(7, 10000);
	u32 id, gen;

	hmap_set_worker_enabled(map, false);
	for (id = 0; id < 3329; id++)	/* the 3329th starts a grow to B=10 */
		t_model_insert(map, m, id, 0, HMAP_PUT_NOEXIST);
	CHECK_EQ(t_stats(map).resize, HMAP_RESIZING_GROW);
	for (gen = 1; gen < 4; gen++)
		for (id = 0; id < 3329; id += 1 + gen)
			t_model_insert(map, m, id, gen, HMAP_PUT_EXIST);
	t_model_verify(map, m, true);
	T_AUDIT(map);
	hmap_worker_run(map);
	t_model_verify(map, m, true);
	T_AUDIT(map);
	t_model_free(m);
}

/* A delete that leaves too many overflow buckets starts a rebuild too. */
HT_CASE(same_size_rebuild_on_delete, 0)
{
	struct hmap *map;
	struct t_fkey k;
	struct hmap_stats s;
	u32 id;

	t_force_hashes();
	map = t_create(1000, sizeof(struct t_fkey), T_VAL_MAX, 52);
	hmap_set_worker_enabled(map, false);
	for (id = 0; id < 48; id++)
		CHECK_EQ(t_fins(map, t_fk(id, 0), 0), 0);
	for (id = 0; id < 40; id++) {
		k = t_fk(id, 0);
		CHECK_EQ(hmap_delete(map, &k, sizeof(k)), 0);
	}
	for (id = 100; id < 125; id++)
		CHECK_EQ(t_fins(map, t_fk(id, 1), 0), 0);
	s = t_stats(map);
	CHECK_EQ(s.overflow_buckets, 8);
	CHECK_EQ(s.same_size_grows, 0);
	/* 32 entries left in 16 buckets' worth of slots: rebuild. */
	k = t_fk(124, 1);
	CHECK_EQ(hmap_delete(map, &k, sizeof(k)), 0);
	s = t_stats(map);
	CHECK_EQ(s.same_size_grows, 1);
	CHECK_EQ(s.shrinks, 0);
	hmap_worker_run(map);
	s = t_stats(map);
	CHECK_EQ(s.overflow_buckets, 2);
	for (id = 40; id < 48; id++)
		CHECK(t_ffound(map, t_fk(id, 0), 0), "id %u", id);
	for (id = 100; id < 124; id++)
		CHECK(t_ffound(map, t_fk(id, 1), 0), "id %u", id);
	T_AUDIT(map);
}

/*
 * Go's advanceEvacuationMark: a write skips at most 1024 evacuated flags.
 * Writes that evacuate old chains from the top down meet the mark coming
 * up from 0; the skip then stops 1024 flags on, and the next write's
 * second step finds its chain evacuated, skips the rest and ends the
 * resize.
 */
HT_CASE(evacuation_mark_skip_bound, 0)
{
	const u32 nb = 4096, per = 6;	/* 6 keys in each of 4096 buckets */
	struct hmap *map;
	struct hmap_stats s;
	u32 id, b;

	t_force_hashes();
	map = t_create(40000, sizeof(struct t_fkey), T_VAL_MAX, nb * 13 / 2);
	hmap_set_worker_enabled(map, false);
	CHECK_EQ(t_stats(map).log2_buckets, 12);
	for (id = 0; id < nb * per; id++)
		REQUIRE(!t_fins(map, t_fk(id, id % nb), 0), "insert %u", id);
	for (; id < nb * 13 / 2; id++)	/* up to the threshold, 6.5 * 2^12 */
		REQUIRE(!t_fins(map, t_fk(id, id % nb), 0), "insert %u", id);
	CHECK_EQ(t_stats(map).grows, 0);
	/* The next new key, in bucket 0, starts the grow: chains 0 and 1 move. */
	REQUIRE(!t_fins(map, t_fk(id, 0), 0), "insert %u", id);
	s = t_stats(map);
	REQUIRE(s.resize == HMAP_RESIZING_GROW, "no grow");
	CHECK_EQ(s.nevacuate, 2);
	/*
	 * Updates of keys in buckets 4095, 4094, ... down to 2049: each
	 * evacuates its own chain and the one at the mark (2, 3, ...). The
	 * last one's second step moves chain 2048; the mark then meets the
	 * evacuated run at 2049 and skips 1024 of it, no more.
	 */
	for (b = nb - 1; b >= 2049; b--)
		REQUIRE(!t_fins(map, t_fk(b, b), 1), "update %u", b);
	s = t_stats(map);
	CHECK_EQ(s.nevacuate, 2049 + 1024);
	CHECK_EQ(s.resize, HMAP_RESIZING_GROW);
	CHECK_EQ(s.evacuated_by_writes, 4096);
	/* One more write: its chain (3000) is evacuated, the mark finishes. */
	REQUIRE(!t_fins(map, t_fk(3000, 3000), 2), "update");
	s = t_stats(map);
	CHECK_EQ(s.resize, HMAP_RESIZING_NONE);
	CHECK_EQ(s.log2_buckets, 13);
	CHECK_EQ(s.evacuated_by_writes, 4096);
	T_AUDIT(map);
}

/*
 * The split bytes where B crosses a multiple of 8 and an evacuation must
 * take them from the hashes again: a grow from 2^15 to 2^16 buckets and a
 * shrink back, each checked half done (old chains with byte 1 of the
 * hash, new ones with byte 2) and done (hmap_check() verifies every
 * used slot's byte). Writes alone evacuate.
 */
HT_CASE(split_bytes_at_b16, 0)
{
	const u32 grow_at = 13 << 14, n = grow_at + 40000, kept = 100000;
	struct hmap *map = t_create(n, sizeof(struct t_key), T_VAL_MAX, 0);
	struct t_model *m = t_model_new(5, n);
	struct hmap_stats s;
	u32 id;

	hmap_set_worker_enabled(map, false);
	for (id = 0; id <= grow_at + 1000; id++)
		REQUIRE(!t_model_insert(map, m, id, 0, HMAP_PUT_NOEXIST),
			"insert %u", id);
	s = t_stats(map);
	REQUIRE(s.resize == HMAP_RESIZING_GROW && s.log2_buckets == 16,
		"no grow to 2^16 in flight (B=%llu)",
		(unsigned long long)s.log2_buckets);
	T_AUDIT(map);
	for (; id < n; id++)
		REQUIRE(!t_model_insert(map, m, id, 0, HMAP_PUT_NOEXIST),
			"insert %u", id);
	CHECK_EQ(t_stats(map).resize, HMAP_RESIZING_NONE);
	T_AUDIT(map);
	t_model_verify(map, m, true);

	/* Down past the shrink threshold of 2^16 (106 496), and half back. */
	for (id = kept; id < n; id++)
		REQUIRE(!t_model_delete(map, m, id), "delete %u", id);
	s = t_stats(map);
	REQUIRE(s.resize == HMAP_RESIZING_SHRINK && s.log2_buckets == 15,
		"no shrink to 2^15 in flight (B=%llu)",
		(unsigned long long)s.log2_buckets);
	T_AUDIT(map);
	hmap_worker_run(map);
	T_AUDIT(map);
	t_model_verify(map, m, true);
	t_model_free(m);
}
