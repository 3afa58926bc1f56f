// SPDX-License-Identifier: GPL-2.0
/*
 * hmap KUnit suite: hmap_dump() cursors. Record format, -ENOSPC, and the
 * promise that every key present for the whole dump comes back exactly
 * once, while the map grows, shrinks or churns between small-buffer calls.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "hmap_kunit.h"

#define STABLE_SET	20
#define VOLATILE_SET	21
#define FORCED_SET	9

/* Biggest record of a kh_key key: header, 8 bytes of key, KH_VAL_MAX. */
#define KEY_REC_MAX	HMAP_DUMP_REC_SIZE(sizeof(struct kh_key), KH_VAL_MAX)

/**
 * struct dump_run - one dump in progress and what it returned
 * @map: the map dumped.
 * @cur: the cursor.
 * @buf: the buffer, @cap bytes.
 * @cap: its size.
 * @stable: the stable keys' model: present and unchanged for the dump.
 * @seen: times each stable key was returned.
 * @vol: the volatile keys' model, or NULL.
 * @vol_seen: times each volatile key was returned.
 * @forced_n: with a forced-hash map: ids of kh_fkey keys, else 0.
 * @forced_seen: times each forced key was returned.
 * @calls: hmap_dump() calls.
 * @records: records returned.
 * @empty_calls: calls that returned 0 records without being done.
 * @enospc: calls that returned -ENOSPC.
 * @bad: malformed or unexpected records.
 */
struct dump_run {
	struct hmap *map;
	struct hmap_cursor cur;
	u8 *buf;
	size_t cap;
	const struct kh_model *stable;
	u16 *seen;
	const struct kh_model *vol;
	u16 *vol_seen;
	u32 forced_n;
	u16 *forced_seen;
	u32 calls, records, empty_calls, enospc, bad;
};

static void bad_record(struct kunit *test, struct dump_run *d,
		       const char *why, u32 a, u32 b)
{
	if (d->bad++ < 3)
		KUNIT_FAIL(test, "dump call %u: %s (%u, %u)", d->calls, why, a,
			   b);
}

static void parse_records(struct kunit *test, struct dump_run *d, int n,
			  size_t used)
{
	size_t off = 0;
	int i;

	for (i = 0; i < n; i++) {
		const struct hmap_dump_rec *r = (const void *)(d->buf + off);
		const u8 *key = (const u8 *)(r + 1);
		const u8 *val;
		size_t rs;

		if (off + sizeof(*r) > used) {
			bad_record(test, d, "record header past used", off,
				   used);
			return;
		}
		rs = HMAP_DUMP_REC_SIZE(r->key_len, r->value_len);
		if (off + rs > used) {
			bad_record(test, d, "record past used", off + rs, used);
			return;
		}
		val = key + r->key_len;
		off += rs;
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
	KUNIT_EXPECT_EQ_MSG(test, off, used,
			    "call %u: used != sum of record sizes", d->calls);
}

/*
 * One hmap_dump() call with @size bytes. On -ENOSPC *used must say how
 * much the next record(s) need, and a call with exactly that much must
 * then return them. Returns the records.
 */
static int dump_step(struct kunit *test, struct dump_run *d, size_t size)
{
	size_t used = 0;
	int ret;

	d->calls++;
	ret = hmap_dump(d->map, &d->cur, d->buf, size, &used);
	if (ret == -ENOSPC) {
		d->enospc++;
		KUNIT_EXPECT_GT_MSG(test, used, size,
				    "-ENOSPC but the record needs no more");
		KUNIT_EXPECT_EQ_MSG(test, used % HMAP_DUMP_ALIGN, 0,
				    "-ENOSPC size not a record size");
		/* It may skip empty hash ranges, but it cannot be done. */
		KUNIT_EXPECT_FALSE_MSG(test, d->cur.done,
				       "-ENOSPC and the cursor done");
		KUNIT_ASSERT_LE_MSG(test, used, d->cap,
				    "-ENOSPC asks for %zu bytes", used);
		size = used;
		d->calls++;
		ret = hmap_dump(d->map, &d->cur, d->buf, size, &used);
		KUNIT_EXPECT_GT_MSG(test, ret, 0,
				    "no record with the size -ENOSPC asked for");
	}
	KUNIT_ASSERT_GE_MSG(test, ret, 0, "hmap_dump: %d", ret);
	KUNIT_EXPECT_LE(test, used, size);
	if (!ret && !d->cur.done)
		d->empty_calls++;
	if (!ret)
		KUNIT_EXPECT_EQ(test, used, 0);
	d->records += ret;
	parse_records(test, d, ret, used);
	return ret;
}

static struct dump_run *dump_run_new(struct kunit *test, struct hmap *map,
				     const struct kh_model *stable,
				     const struct kh_model *vol, size_t cap)
{
	struct dump_run *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, d);
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

/* Dump format: empty map, -ENOSPC and *used, one record laid out right. */
static void hmap_dump_format(struct kunit *test)
{
	struct hmap *map = kh_create(test, 10, 16, 16, 0);
	struct hmap_cursor cur = {};
	const size_t rs = HMAP_DUMP_REC_SIZE(5, 7);
	struct hmap_dump_rec *r;
	size_t used = 99;
	u8 buf[64];
	int ret;

	KUNIT_ASSERT_EQ(test, rs, 24);
	ret = hmap_dump(map, &cur, buf, sizeof(buf), &used);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, used, 0);
	KUNIT_EXPECT_TRUE_MSG(test, cur.done, "dump of an empty map not done");

	KUNIT_ASSERT_EQ(test, hmap_insert(map, "hello", 5, "world!!", 7,
					  HMAP_ANY), 0);
	memset(&cur, 0, sizeof(cur));
	ret = hmap_dump(map, &cur, NULL, 0, &used);
	KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	KUNIT_EXPECT_EQ(test, used, rs);
	KUNIT_EXPECT_FALSE(test, cur.done);
	ret = hmap_dump(map, &cur, buf, rs - 1, &used);
	KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	KUNIT_EXPECT_EQ(test, used, rs);
	KUNIT_EXPECT_FALSE(test, cur.done);

	memset(buf, 0xee, sizeof(buf));
	ret = hmap_dump(map, &cur, buf, rs, &used);
	KUNIT_ASSERT_EQ(test, ret, 1);
	KUNIT_EXPECT_EQ(test, used, rs);
	r = (struct hmap_dump_rec *)buf;
	KUNIT_EXPECT_EQ(test, r->key_len, 5);
	KUNIT_EXPECT_EQ(test, r->value_len, 7);
	KUNIT_EXPECT_MEMEQ(test, buf + sizeof(*r), "helloworld!!", 12);
	KUNIT_EXPECT_EQ_MSG(test, buf[rs], 0xee, "dump wrote past *used");
	/* The next call (at most two) says done, with nothing more. */
	if (!cur.done) {
		ret = hmap_dump(map, &cur, buf, sizeof(buf), &used);
		KUNIT_EXPECT_EQ(test, ret, 0);
	}
	KUNIT_EXPECT_TRUE(test, cur.done);
	/* A done cursor stays done and returns nothing. */
	ret = hmap_dump(map, &cur, buf, sizeof(buf), &used);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, used, 0);
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
		kh_model_insert(test, map, m, id, 0, HMAP_NOEXIST);
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
	KUNIT_EXPECT_EQ(test, d->enospc, 0);
}

/*
 * The map changes between calls; stable keys must come back exactly once.
 * Between calls: @ins volatile keys inserted, @del deleted, worker on or
 * off, the buffer @nrec biggest records (or 24 bytes, the smallest record,
 * so -ENOSPC happens on the way).
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
					HMAP_NOEXIST);
		if (id < c->vol_start)
			kh_model_insert(test, map, vol, id, 0, HMAP_NOEXIST);
	}
	next_ins = c->vol_start;
	hmap_test_set_worker(map, c->worker);
	hmap_test_run_worker(map);
	s0 = kh_stats(map);

	d = dump_run_new(test, map, st, vol, 4096);
	while (!d->cur.done) {
		KUNIT_ASSERT_LT_MSG(test, d->calls, 20000, "dump does not end");
		dump_step(test, d, c->size);
		if (kh_failed(test))
			return;
		for (i = 0; i < c->ins && next_ins < nvol; i++)
			kh_model_insert(test, map, vol, next_ins++, 0,
					HMAP_NOEXIST);
		for (i = 0; i < c->del && next_del < next_ins; i++)
			kh_model_delete(test, map, vol, next_del++);
	}
	s = kh_stats(map);
	for (id = 0; id < nvol; id++)
		vol_dups += d->vol_seen[id] > 1;
	kunit_info(test, "%u calls, %u records (%u -ENOSPC, %u empty), map %llu -> %llu entries, B %u -> %u, %llu grows, %llu shrinks, %llu same-size during the dump; %u volatile keys returned twice",
		   d->calls, d->records, d->enospc, d->empty_calls, s0.count,
		   s.count, s0.log2_buckets, s.log2_buckets,
		   s.grows - s0.grows, s.shrinks - s0.shrinks,
		   s.same_size_grows - s0.same_size_grows, vol_dups);
	expect_stable_once(test, d);
	KUNIT_EXPECT_GE_MSG(test, s.grows - s0.grows, c->min_grows,
			    "the map did not grow enough during the dump");
	KUNIT_EXPECT_GE_MSG(test, s.shrinks - s0.shrinks, c->min_shrinks,
			    "the map did not shrink enough during the dump");
	if (c->size < KEY_REC_MAX)
		KUNIT_EXPECT_GT(test, d->enospc, 0);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * Keys with equal full hashes (a forced hash): 40 share one hash, 200 more
 * spread; dumped with a buffer of one record, still and while growing.
 */
static const char * const collide_modes[] = { "still", "growing" };

static void str_desc(const char * const *v, char *desc)
{
	strscpy(desc, *v, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(collide_modes, collide_modes, str_desc);

static int finsert(struct hmap *map, u32 id)
{
	u64 hash = id < 40 ? kh_hash(0x77, 0x777, 0x17) :
			     kh_hash(id * 37, id * 0x9e3779b1, id * 0x85ebca6b);
	struct kh_fkey k = kh_fkey(hash, id);
	u32 v = id;

	return hmap_insert(map, &k, sizeof(k), &v, sizeof(v), HMAP_NOEXIST);
}

static void hmap_dump_equal_hashes(struct kunit *test)
{
	const bool growing = !strcmp(*(const char * const *)test->param_value,
				     "growing");
	const u32 n = 240, nmax = 3000;
	const size_t rs = HMAP_DUMP_REC_SIZE(sizeof(struct kh_fkey), 4);
	struct hmap *map = kh_create_forced(test, nmax, 0);
	u32 id, next = n, missed = 0, dup = 0;
	struct dump_run *d;

	hmap_test_set_worker(map, false);
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
	kunit_info(test, "%u calls, %u records, %u -ENOSPC", d->calls,
		   d->records, d->enospc);
	KH_ASSERT_CONSISTENT(test, map);
}

static struct kunit_case hmap_dump_cases[] = {
	KUNIT_CASE(hmap_dump_format),
	KUNIT_CASE_PARAM(hmap_dump_still, buf_records_gen_params),
	KUNIT_CASE_PARAM_ATTR(hmap_dump_moving, moving_cases_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM(hmap_dump_equal_hashes, collide_modes_gen_params),
	{}
};

static struct kunit_suite hmap_dump_suite = {
	.name = "hmap_dump",
	.test_cases = hmap_dump_cases,
};

kunit_test_suites(&hmap_dump_suite);
