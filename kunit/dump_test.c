// SPDX-License-Identifier: GPL-2.0
/*
 * hmap KUnit suite: hmap_dump() cursors. The emit contract (groups taken
 * whole or not at all, HMAP_DUMP_FULL, a negative errno aborting), and the
 * promise that every key present for the whole dump comes back exactly
 * once, while the map grows, shrinks or churns between small-buffer calls.
 *
 * The emit function here packs entries into a buffer of records, a header
 * and the key and value, as /dev/hmap's dump does, and says
 * HMAP_DUMP_FULL when a group does not fit.
 */
#include <kunit/test.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "hmap_kunit.h"

#define STABLE_SET	20
#define VOLATILE_SET	21
#define FORCED_SET	9

/* One record in a dump buffer: this header, the key, the value, padding. */
struct rec {
	u32 key_len;
	u32 value_len;
};

#define REC_ALIGN		8
#define REC_SIZE(klen, vlen)	ALIGN(sizeof(struct rec) + (klen) + (vlen), \
				      REC_ALIGN)

/* Biggest record of a kh_key key: header, 8 bytes of key, KH_VAL_MAX. */
#define KEY_REC_MAX	REC_SIZE(sizeof(struct kh_key), KH_VAL_MAX)

/**
 * struct dump_run - one dump in progress and what it returned
 * @map: the map dumped.
 * @cur: the cursor.
 * @buf: the buffer, @cap bytes.
 * @cap: its size.
 * @size: bytes the current call may fill.
 * @used: bytes the current call filled.
 * @taken: entries the current call's emit calls took.
 * @need: bytes of the group refused by the current call's HMAP_DUMP_FULL.
 * @full: the current call's emit said HMAP_DUMP_FULL.
 * @fail_at: with @fail_errno: the emit call (counted over the whole run,
 *	from 1) that returns @fail_errno instead of taking its group.
 * @fail_errno: negative errno to abort a call with, or 0.
 * @emits: emit calls over the whole run.
 * @stable: the stable keys' model: present and unchanged for the dump.
 * @seen: times each stable key was returned.
 * @vol: the volatile keys' model, or NULL.
 * @vol_seen: times each volatile key was returned.
 * @forced_n: with a forced-hash map: ids of kh_fkey keys, else 0.
 * @forced_seen: times each forced key was returned.
 * @calls: hmap_dump() calls.
 * @records: records returned.
 * @empty_calls: calls that returned 0 records without being done.
 * @fulls: calls that took nothing because the first group did not fit.
 * @bad: malformed or unexpected records, or broken emit contracts.
 * @test: the test, for the emit function's reports.
 */
struct dump_run {
	struct hmap *map;
	struct hmap_cursor cur;
	u8 *buf;
	size_t cap, size, used;
	u32 taken;
	size_t need;
	bool full;
	u32 fail_at;
	int fail_errno;
	u32 emits;
	const struct kh_model *stable;
	u16 *seen;
	const struct kh_model *vol;
	u16 *vol_seen;
	u32 forced_n;
	u16 *forced_seen;
	u32 calls, records, empty_calls, fulls, bad;
	struct kunit *test;
};

static void bad_record(struct kunit *test, struct dump_run *d,
		       const char *why, u32 a, u32 b)
{
	if (d->bad++ < 3)
		KUNIT_FAIL(test, "dump call %u: %s (%u, %u)", d->calls, why, a,
			   b);
}

/*
 * The emit function: packs a group into d->buf as records if all of it
 * fits in d->size, else refuses it whole.
 */
static int dump_emit(void *arg, const struct hmap_dump_item *items,
		     unsigned int n)
{
	struct dump_run *d = arg;
	size_t need = 0;
	unsigned int i;

	d->emits++;
	if (d->full)
		bad_record(d->test, d, "emit called after HMAP_DUMP_FULL", n, 0);
	if (!n)
		bad_record(d->test, d, "emit of an empty group", 0, 0);
	if (d->fail_errno && d->emits == d->fail_at)
		return d->fail_errno;
	for (i = 0; i < n; i++)
		need += REC_SIZE(items[i].key_len, items[i].value_len);
	if (d->used + need > d->size) {
		d->need = need;
		d->full = true;
		return HMAP_DUMP_FULL;
	}
	for (i = 0; i < n; i++) {
		struct rec *r = (struct rec *)(d->buf + d->used);

		r->key_len = items[i].key_len;
		r->value_len = items[i].value_len;
		memcpy(r + 1, items[i].key, items[i].key_len);
		memcpy((u8 *)(r + 1) + items[i].key_len, items[i].value,
		       items[i].value_len);
		d->used += REC_SIZE(r->key_len, r->value_len);
	}
	d->taken += n;
	return 0;
}

static void parse_records(struct kunit *test, struct dump_run *d, int n)
{
	size_t off = 0;
	int i;

	for (i = 0; i < n; i++) {
		const struct rec *r = (const void *)(d->buf + off);
		const u8 *key = (const u8 *)(r + 1);
		const u8 *val;

		if (off + sizeof(*r) > d->used) {
			bad_record(test, d, "more entries than records", i, n);
			return;
		}
		val = key + r->key_len;
		off += REC_SIZE(r->key_len, r->value_len);
		if (d->forced_n) {
			struct kh_fkey k;

			if (r->key_len != sizeof(k) || r->value_len != 4) {
				bad_record(test, d, "forced record lengths",
					   r->key_len, r->value_len);
				continue;
			}
			memcpy(&k, key, sizeof(k));
			if (k.id >= d->forced_n ||
			    memcmp(val, &k.id, 4)) {
				bad_record(test, d, "forced record", k.id, 0);
				continue;
			}
			d->forced_seen[k.id]++;
			continue;
		}
		if (r->key_len == sizeof(struct kh_key)) {
			struct kh_key k;

			memcpy(&k, key, sizeof(k));
			if (k.set == STABLE_SET && k.id < d->stable->n) {
				if (!kh_value_ok(val, r->value_len, k.set, k.id,
						 d->stable->gen[k.id]))
					bad_record(test, d, "stable value",
						   k.id, r->value_len);
				d->seen[k.id]++;
				continue;
			}
			if (d->vol && k.set == VOLATILE_SET &&
			    k.id < d->vol->n) {
				d->vol_seen[k.id]++;
				continue;
			}
		}
		bad_record(test, d, "unknown record", r->key_len,
			   r->value_len);
	}
	KUNIT_EXPECT_EQ_MSG(test, off, d->used,
			    "call %u: records past the entries returned",
			    d->calls);
}

/* One hmap_dump() call that may fill @size bytes; returns what it returned. */
static int dump_call(struct kunit *test, struct dump_run *d, size_t size)
{
	int ret;

	d->calls++;
	d->size = size;
	d->used = 0;
	d->taken = 0;
	d->need = 0;
	d->full = false;
	ret = hmap_dump(d->map, &d->cur, dump_emit, d);
	if (ret >= 0) {
		KUNIT_EXPECT_EQ_MSG(test, ret, d->taken,
				    "call %u: returned %d, emit took %u",
				    d->calls, ret, d->taken);
		KUNIT_EXPECT_LE(test, d->used, size);
		if (d->full)
			KUNIT_EXPECT_FALSE_MSG(test, d->cur.done,
					       "HMAP_DUMP_FULL and the cursor done");
	}
	return ret;
}

/*
 * One step of a dump with @size bytes. When the first group did not fit,
 * the emit function knows how much it needs, and a call with exactly that
 * much must then return it. Returns the records.
 */
static int dump_step(struct kunit *test, struct dump_run *d, size_t size)
{
	int ret = dump_call(test, d, size);

	KUNIT_ASSERT_GE_MSG(test, ret, 0, "hmap_dump: %d", ret);
	if (ret == 0 && d->full) {
		d->fulls++;
		KUNIT_EXPECT_GT_MSG(test, d->need, size,
				    "HMAP_DUMP_FULL but the group fits");
		KUNIT_ASSERT_LE_MSG(test, d->need, d->cap,
				    "a group of %zu bytes", d->need);
		ret = dump_call(test, d, d->need);
		KUNIT_ASSERT_GE_MSG(test, ret, 0, "hmap_dump: %d", ret);
		KUNIT_EXPECT_GT_MSG(test, ret, 0,
				    "no record with the size the group needs");
	}
	if (!ret && !d->cur.done)
		d->empty_calls++;
	d->records += ret;
	parse_records(test, d, ret);
	return ret;
}

static struct dump_run *dump_run_new(struct kunit *test, struct hmap *map,
				     const struct kh_model *stable,
				     const struct kh_model *vol, size_t cap)
{
	struct dump_run *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, d);
	d->test = test;
	d->map = map;
	d->cap = cap;
	d->buf = kunit_kzalloc(test, cap, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d->buf);
	d->stable = stable;
	if (stable) {
		d->seen = kunit_kcalloc(test, stable->n, sizeof(u16),
					GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, d->seen);
	}
	d->vol = vol;
	if (vol) {
		d->vol_seen = kunit_kcalloc(test, vol->n, sizeof(u16),
					    GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, d->vol_seen);
	}
	return d;
}

/* Every stable key returned exactly once. */
static void expect_stable_once(struct kunit *test, const struct dump_run *d)
{
	u32 id, missed = 0, dup = 0;

	for (id = 0; id < d->stable->n; id++) {
		if (!d->stable->present[id])
			continue;
		if (d->seen[id] == 1)
			continue;
		if (d->seen[id])
			dup++;
		else
			missed++;
		if (missed + dup <= 3)
			KUNIT_FAIL(test, "stable key %u returned %u times", id,
				   d->seen[id]);
	}
	KUNIT_EXPECT_EQ_MSG(test, missed, 0, "stable keys missed");
	KUNIT_EXPECT_EQ_MSG(test, dup, 0, "stable keys returned twice or more");
	KUNIT_EXPECT_EQ(test, d->bad, 0);
}

/*
 * The emit contract on a map of one entry: an empty map is done at once
 * and emits nothing; a refused group (HMAP_DUMP_FULL) leaves the cursor
 * where it was; the item points at the key and the value; a done cursor
 * stays done.
 */
static void hmap_dump_format(struct kunit *test)
{
	struct hmap *map = kh_create(test, 10, 16, 16, 0);
	struct dump_run *d = dump_run_new(test, map, NULL, NULL, 64);
	const size_t rs = REC_SIZE(5, 7);
	struct rec *r;
	int ret;

	KUNIT_ASSERT_EQ(test, rs, 24);
	ret = dump_call(test, d, d->cap);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, d->emits, 0);
	KUNIT_EXPECT_TRUE_MSG(test, d->cur.done, "dump of an empty map not done");

	KUNIT_ASSERT_EQ(test, hmap_insert(map, "hello", 5, "world!!", 7,
					  HMAP_PUT_ANY), 0);
	memset(&d->cur, 0, sizeof(d->cur));
	ret = dump_call(test, d, 0);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, d->full);
	KUNIT_EXPECT_EQ(test, d->need, rs);
	KUNIT_EXPECT_FALSE(test, d->cur.done);
	ret = dump_call(test, d, rs - 1);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, d->full);
	KUNIT_EXPECT_FALSE(test, d->cur.done);
	KUNIT_EXPECT_EQ(test, d->emits, 2);

	memset(d->buf, 0xee, d->cap);
	ret = dump_call(test, d, rs);
	KUNIT_ASSERT_EQ(test, ret, 1);
	KUNIT_EXPECT_FALSE(test, d->full);
	KUNIT_EXPECT_EQ(test, d->used, rs);
	r = (struct rec *)d->buf;
	KUNIT_EXPECT_EQ(test, r->key_len, 5);
	KUNIT_EXPECT_EQ(test, r->value_len, 7);
	KUNIT_EXPECT_MEMEQ(test, d->buf + sizeof(*r), "helloworld!!", 12);
	/* The next call (at most two) says done, with nothing more. */
	if (!d->cur.done) {
		ret = dump_call(test, d, d->cap);
		KUNIT_EXPECT_EQ(test, ret, 0);
	}
	KUNIT_EXPECT_TRUE(test, d->cur.done);
	KUNIT_EXPECT_EQ(test, d->emits, 3);
	/* A done cursor stays done and emits nothing. */
	ret = dump_call(test, d, d->cap);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, d->cur.done);
	KUNIT_EXPECT_EQ(test, d->emits, 3);
	KUNIT_EXPECT_EQ(test, d->bad, 0);
}

/*
 * An emit function's negative errno aborts the call, which returns it,
 * and the cursor points past what the call's emit calls took. Whether the
 * caller goes on from there, keeping what the aborted call gave it
 * ("resume"), or retries from the cursor it had before the call and drops
 * that ("retry", as /dev/hmap does), it gets every key exactly once. The
 * aborts come every 5, 9 or 13 emit calls, the buffer holds 5 to 8
 * records: most land mid-call.
 */
static const char * const abort_modes[] = { "resume", "retry" };

static void str_desc(const char * const *v, char *desc)
{
	strscpy(desc, *v, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(abort_modes, abort_modes, str_desc);

static void hmap_dump_abort(struct kunit *test)
{
	static const u32 gaps[] = { 5, 9, 13 };
	const bool retry = !strcmp(*(const char * const *)test->param_value,
				   "retry");
	struct hmap *map = kh_create(test, 2000, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, STABLE_SET, 700);
	u32 id, aborts = 0, mid_call = 0;
	struct hmap_cursor saved;
	struct dump_run *d;
	int ret;

	for (id = 0; id < m->n; id++)
		kh_model_insert(test, map, m, id, 0, HMAP_PUT_NOEXIST);
	d = dump_run_new(test, map, m, NULL, 4096);
	d->fail_errno = -EFAULT;
	d->fail_at = gaps[0];
	while (!d->cur.done) {
		KUNIT_ASSERT_LT_MSG(test, d->calls, 4 * m->n + 100,
				    "dump does not end");
		saved = d->cur;
		ret = dump_call(test, d, 5 * KEY_REC_MAX);
		if (ret == -EFAULT) {
			aborts++;
			mid_call += d->taken > 0;
			d->fail_at = d->emits + gaps[aborts % ARRAY_SIZE(gaps)];
			KUNIT_EXPECT_FALSE(test, d->cur.done);
			if (retry) {
				d->cur = saved;
				continue;
			}
			/* What the emit calls took before the failure. */
			ret = d->taken;
		}
		KUNIT_ASSERT_GE_MSG(test, ret, 0, "hmap_dump: %d", ret);
		d->records += ret;
		parse_records(test, d, ret);
		if (kh_failed(test))
			return;
	}
	kunit_info(test, "%u calls, %u aborted, %u of them mid-call", d->calls,
		   aborts, mid_call);
	KUNIT_EXPECT_GT(test, mid_call, 20);
	expect_stable_once(test, d);
	KUNIT_EXPECT_EQ(test, d->records, m->n);
}

/* A still map, dumped with buffers of 1 record, a few, and plenty. */
static const u32 buf_records[] = { 1, 3, 4096 };

static void bufrec_desc(const u32 *v, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "buffer=%u_records", *v);
}

KUNIT_ARRAY_PARAM(buf_records, buf_records, bufrec_desc);

static void hmap_dump_still(struct kunit *test)
{
	const u32 nrec = *(const u32 *)test->param_value;
	const size_t size = nrec * KEY_REC_MAX;
	struct hmap *map = kh_create(test, 2000, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *m = kh_model_new(test, STABLE_SET, 1500);
	struct dump_run *d;
	u32 id;

	for (id = 0; id < m->n; id++)
		kh_model_insert(test, map, m, id, 0, HMAP_PUT_NOEXIST);
	d = dump_run_new(test, map, m, NULL, max_t(size_t, size, 4096));
	while (!d->cur.done) {
		KUNIT_ASSERT_LT_MSG(test, d->calls, 4 * m->n + 100,
				    "dump does not end");
		dump_step(test, d, size);
		if (kh_failed(test))
			return;
	}
	expect_stable_once(test, d);
	KUNIT_EXPECT_EQ(test, d->records, m->n);
	KUNIT_EXPECT_EQ(test, d->fulls, 0);
}

/*
 * The map changes between calls; stable keys must come back exactly once.
 * Between calls: @ins volatile keys inserted, @del deleted, worker on or
 * off, the buffer @nrec biggest records (or 24 bytes, the smallest record,
 * so the emit function refuses groups on the way).
 */
struct moving_case {
	const char *desc;
	u32 vol_start;	/* volatile keys before the dump */
	u32 ins, del;	/* per call */
	bool worker;
	size_t size;
	u64 min_grows, min_shrinks;	/* the dump must have seen these */
};

static const struct moving_case moving_cases[] = {
	{ "growing_worker_off", 0, 25, 0, false, 3 * KEY_REC_MAX, 2, 0 },
	{ "growing_worker_on", 0, 25, 0, true, 3 * KEY_REC_MAX, 2, 0 },
	{ "growing_tiny_buffer", 0, 10, 0, false, 24, 2, 0 },
	{ "shrinking_worker_off", 4000, 0, 25, false, 3 * KEY_REC_MAX, 0, 2 },
	{ "shrinking_worker_on", 4000, 0, 25, true, 3 * KEY_REC_MAX, 0, 2 },
	{ "shrinking_tiny_buffer", 4000, 0, 30, false, 24, 0, 2 },
	{ "churn", 1500, 20, 20, false, 2 * KEY_REC_MAX, 0, 0 },
};

KUNIT_ARRAY_PARAM_DESC(moving_cases, moving_cases, desc);

static void hmap_dump_moving(struct kunit *test)
{
	const struct moving_case *c = test->param_value;
	const u32 nstable = 300, nvol = 8000;
	struct hmap *map = kh_create(test, 10000, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *st = kh_model_new(test, STABLE_SET, nstable);
	struct kh_model *vol = kh_model_new(test, VOLATILE_SET, nvol);
	u32 id, next_ins, next_del = 0, i, vol_dups = 0;
	struct hmap_stats s0, s;
	struct dump_run *d;

	/* Interleave stable and volatile keys in insertion order. */
	for (id = 0; id < max(nstable, c->vol_start); id++) {
		if (id < nstable)
			kh_model_insert(test, map, st, id, id & 3,
					HMAP_PUT_NOEXIST);
		if (id < c->vol_start)
			kh_model_insert(test, map, vol, id, 0, HMAP_PUT_NOEXIST);
	}
	next_ins = c->vol_start;
	hmap_set_worker_enabled(map, c->worker);
	hmap_worker_run(map);
	s0 = kh_stats(map);

	d = dump_run_new(test, map, st, vol, 4096);
	while (!d->cur.done) {
		KUNIT_ASSERT_LT_MSG(test, d->calls, 20000, "dump does not end");
		dump_step(test, d, c->size);
		if (kh_failed(test))
			return;
		for (i = 0; i < c->ins && next_ins < nvol; i++)
			kh_model_insert(test, map, vol, next_ins++, 0,
					HMAP_PUT_NOEXIST);
		for (i = 0; i < c->del && next_del < next_ins; i++)
			kh_model_delete(test, map, vol, next_del++);
	}
	s = kh_stats(map);
	for (id = 0; id < nvol; id++)
		vol_dups += d->vol_seen[id] > 1;
	kunit_info(test, "%u calls, %u records (%u refused groups, %u empty), map %llu -> %llu entries, B %llu -> %llu, %llu grows, %llu shrinks, %llu same-size during the dump; %u volatile keys returned twice",
		   d->calls, d->records, d->fulls, d->empty_calls, s0.count,
		   s.count, s0.log2_buckets, s.log2_buckets,
		   s.grows - s0.grows, s.shrinks - s0.shrinks,
		   s.same_size_grows - s0.same_size_grows, vol_dups);
	expect_stable_once(test, d);
	KUNIT_EXPECT_GE_MSG(test, s.grows - s0.grows, c->min_grows,
			    "the map did not grow enough during the dump");
	KUNIT_EXPECT_GE_MSG(test, s.shrinks - s0.shrinks, c->min_shrinks,
			    "the map did not shrink enough during the dump");
	if (c->size < KEY_REC_MAX)
		KUNIT_EXPECT_GT(test, d->fulls, 0);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * Keys with equal full hashes (a forced hash): 40 share one hash, 200 more
 * spread; dumped with a buffer of one record, still and while growing.
 */
static const char * const collide_modes[] = { "still", "growing" };

KUNIT_ARRAY_PARAM(collide_modes, collide_modes, str_desc);

static int finsert(struct hmap *map, u32 id)
{
	u64 hash = id < 40 ? kh_hash(0x77, 0x777, 0x17) :
			     kh_hash(id * 37, id * 0x9e3779b1, id * 0x85ebca6b);
	struct kh_fkey k = kh_fkey(hash, id);
	u32 v = id;

	return hmap_insert(map, &k, sizeof(k), &v, sizeof(v), HMAP_PUT_NOEXIST);
}

static void hmap_dump_equal_hashes(struct kunit *test)
{
	const bool growing = !strcmp(*(const char * const *)test->param_value,
				     "growing");
	const u32 n = 240, nmax = 3000;
	const size_t rs = REC_SIZE(sizeof(struct kh_fkey), 4);
	struct hmap *map = kh_create_forced(test, nmax, 0);
	u32 id, next = n, missed = 0, dup = 0;
	struct dump_run *d;

	hmap_set_worker_enabled(map, false);
	for (id = 0; id < n; id++)
		KUNIT_ASSERT_EQ(test, finsert(map, id), 0);
	d = dump_run_new(test, map, NULL, NULL, 64 * rs);
	d->forced_n = nmax;
	d->forced_seen = kunit_kcalloc(test, nmax, sizeof(u16), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d->forced_seen);
	while (!d->cur.done) {
		KUNIT_ASSERT_LT_MSG(test, d->calls, 20000, "dump does not end");
		dump_step(test, d, rs);
		if (kh_failed(test))
			return;
		for (id = 0; growing && id < 10 && next < nmax; id++)
			KUNIT_ASSERT_EQ(test, finsert(map, next++), 0);
	}
	for (id = 0; id < n; id++) {
		if (d->forced_seen[id] == 1)
			continue;
		missed += !d->forced_seen[id];
		dup += d->forced_seen[id] > 1;
		if (missed + dup <= 3)
			KUNIT_FAIL(test, "key %u (%s hash) returned %u times",
				   id, id < 40 ? "shared" : "own",
				   d->forced_seen[id]);
	}
	KUNIT_EXPECT_EQ(test, missed, 0);
	KUNIT_EXPECT_EQ(test, dup, 0);
	KUNIT_EXPECT_EQ(test, d->bad, 0);
	if (growing)
		KUNIT_EXPECT_GE(test, kh_stats(map).grows, 6);
	kunit_info(test, "%u calls, %u records, %u refused groups", d->calls,
		   d->records, d->fulls);
	KH_ASSERT_CONSISTENT(test, map);
}

/**
 * struct rewrite_run - a dump whose emit function changes the map
 * @map: the map dumped.
 * @n: keys 0..@n - 1 of STABLE_SET, each with a value of generation 0.
 * @seen: times each key was handed over.
 * @bad: items that were not a key of the set, or whose value was not the
 *	one the key had when the dump copied it, or writes that failed.
 */
struct rewrite_run {
	struct hmap *map;
	u32 n;
	u16 *seen;
	u32 bad;
};

/*
 * Update each key handed over to generation 1, delete the odd ones, wait
 * until the entries those writes replaced are freed, and only then read
 * the items: they must still hold generation 0, the dump's own copy
 * (KASAN reports a read of a freed entry).
 */
static int rewrite_emit(void *arg, const struct hmap_dump_item *items,
			unsigned int n)
{
	struct rewrite_run *r = arg;
	const struct hmap_dump_item *it;
	u8 value[KH_VAL_MAX];
	struct kh_key k;
	u32 len;

	for (it = items; it < items + n; it++) {
		if (it->key_len != sizeof(k)) {
			r->bad++;
			continue;
		}
		memcpy(&k, it->key, sizeof(k));
		if (k.set != STABLE_SET || k.id >= r->n) {
			r->bad++;
			continue;
		}
		r->seen[k.id]++;
		len = kh_fill_value(value, k.set, k.id, 1);
		if (hmap_insert(r->map, &k, sizeof(k), value, len,
				HMAP_PUT_EXIST))
			r->bad++;
		if ((k.id & 1) && hmap_delete(r->map, &k, sizeof(k)))
			r->bad++;
	}
	kvfree_rcu_barrier();
	for (it = items; it < items + n; it++)
		if (it->key_len == sizeof(k) &&
		    !kh_value_ok(it->value, it->value_len, STABLE_SET,
				 ((const struct kh_key *)it->key)->id, 0))
			r->bad++;
	return 0;
}

/*
 * The emit function holds no lock of the map and is handed copies: it may
 * update and delete the very keys it is handed, and what it is handed
 * stays whole after the map has freed the entries.
 */
static void hmap_dump_emit_writes(struct kunit *test)
{
	struct rewrite_run r = { .n = 40 };
	struct hmap_cursor cur = { };
	u8 value[KH_VAL_MAX];
	struct kh_key k;
	u32 id, len;
	int ret;

	r.map = kh_create(test, 100, sizeof(k), KH_VAL_MAX, 0);
	r.seen = kunit_kcalloc(test, r.n, sizeof(*r.seen), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r.seen);
	for (id = 0; id < r.n; id++) {
		k = kh_key(STABLE_SET, id);
		len = kh_fill_value(value, STABLE_SET, id, 0);
		KUNIT_ASSERT_EQ(test, hmap_insert(r.map, &k, sizeof(k), value,
						  len, HMAP_PUT_NOEXIST), 0);
	}
	while (!cur.done) {
		ret = hmap_dump(r.map, &cur, rewrite_emit, &r);
		KUNIT_ASSERT_GE_MSG(test, ret, 0, "hmap_dump: %d", ret);
	}
	KUNIT_EXPECT_EQ(test, r.bad, 0);
	for (id = 0; id < r.n; id++) {
		KUNIT_EXPECT_EQ_MSG(test, r.seen[id], 1, "key %u", id);
		k = kh_key(STABLE_SET, id);
		len = sizeof(value);
		ret = hmap_lookup(r.map, &k, sizeof(k), value, &len);
		if (id & 1) {
			KUNIT_EXPECT_EQ_MSG(test, ret, -ENOENT, "key %u", id);
			continue;
		}
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "key %u", id);
		if (!ret)
			KUNIT_EXPECT_TRUE_MSG(test, kh_value_ok(value, len,
								STABLE_SET,
								id, 1),
					      "key %u", id);
	}
	KUNIT_EXPECT_EQ(test, kh_stats(r.map).count, r.n / 2);
	KH_ASSERT_CONSISTENT(test, r.map);
}

#define BIG_VALUE	16384
#define BIG_KEYS	6

/**
 * struct big_run - a dump of a one-bucket map of large values
 * @seen: times each key was handed over.
 * @groups: emit calls.
 * @bad: items of another size or content.
 * @room: groups the emit function takes per hmap_dump() call, then
 *	HMAP_DUMP_FULL.
 * @left: groups it may still take in the current call.
 */
struct big_run {
	u16 seen[BIG_KEYS];
	u32 groups;
	u32 bad;
	u32 room;
	u32 left;
};

static int big_emit(void *arg, const struct hmap_dump_item *items,
		    unsigned int n)
{
	struct big_run *r = arg;
	const u8 *v;
	struct kh_key k;
	unsigned int i;

	if (!r->left)
		return HMAP_DUMP_FULL;
	r->left--;
	r->groups++;
	for (i = 0; i < n; i++) {
		memcpy(&k, items[i].key, sizeof(k));
		v = items[i].value;
		if (items[i].key_len != sizeof(k) || k.id >= BIG_KEYS ||
		    items[i].value_len != BIG_VALUE || v[0] != 'a' + k.id ||
		    v[BIG_VALUE - 1] != 'a' + k.id || memchr_inv(v, v[0], BIG_VALUE)) {
			r->bad++;
			continue;
		}
		r->seen[k.id]++;
	}
	return 0;
}

/*
 * One bucket holding more bytes than a dump copies out of a range at once
 * (six values of 16 KiB: 96 KiB): the range is taken in parts, and each
 * key still comes back exactly once, whole, whether the emit function
 * takes every group or one per call.
 */
static void hmap_dump_big_range(struct kunit *test)
{
	static const u32 rooms[] = { UINT_MAX, 1 };
	struct hmap *map = kh_create(test, 100, sizeof(struct kh_key),
				     BIG_VALUE, 0);
	u8 *value = kunit_kmalloc(test, BIG_VALUE, GFP_KERNEL);
	struct hmap_cursor cur;
	struct big_run r;
	struct kh_key k;
	unsigned int i, calls;
	int ret;
	u32 id;

	KUNIT_ASSERT_NOT_NULL(test, value);
	for (id = 0; id < BIG_KEYS; id++) {
		k = kh_key(STABLE_SET, id);
		memset(value, 'a' + id, BIG_VALUE);
		KUNIT_ASSERT_EQ(test, hmap_insert(map, &k, sizeof(k), value,
						  BIG_VALUE, HMAP_PUT_NOEXIST), 0);
	}
	KUNIT_ASSERT_EQ(test, kh_stats(map).log2_buckets, 0);
	for (i = 0; i < ARRAY_SIZE(rooms); i++) {
		memset(&r, 0, sizeof(r));
		memset(&cur, 0, sizeof(cur));
		r.room = rooms[i];
		for (calls = 0; !cur.done; calls++) {
			KUNIT_ASSERT_LT(test, calls, 100U);
			r.left = r.room;
			ret = hmap_dump(map, &cur, big_emit, &r);
			KUNIT_ASSERT_GE_MSG(test, ret, 0, "hmap_dump: %d", ret);
		}
		KUNIT_EXPECT_EQ(test, r.bad, 0);
		for (id = 0; id < BIG_KEYS; id++)
			KUNIT_EXPECT_EQ_MSG(test, r.seen[id], 1,
					    "room %u: key %u", r.room, id);
		kunit_info(test, "room %u: %u calls, %u groups", r.room, calls,
			   r.groups);
	}
}

static struct kunit_case hmap_dump_cases[] = {
	KUNIT_CASE(hmap_dump_format),
	KUNIT_CASE_PARAM(hmap_dump_abort, abort_modes_gen_params),
	KUNIT_CASE_PARAM(hmap_dump_still, buf_records_gen_params),
	KUNIT_CASE_PARAM_ATTR(hmap_dump_moving, moving_cases_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM(hmap_dump_equal_hashes, collide_modes_gen_params),
	KUNIT_CASE(hmap_dump_emit_writes),
	KUNIT_CASE(hmap_dump_big_range),
	{}
};

static struct kunit_suite hmap_dump_suite = {
	.name = "hmap_dump",
	.test_cases = hmap_dump_cases,
};

kunit_test_suites(&hmap_dump_suite);
