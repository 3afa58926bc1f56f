/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the hmap KUnit suites: maps that die with the test,
 * keys and self-checking values, a model of what a map should hold, and a
 * recorder of the hmap tracepoints.
 */
#ifndef _HMAP_KUNIT_H
#define _HMAP_KUNIT_H

#include <kunit/test.h>
#include <linux/spinlock.h>

#include "hmap.h"
#include "hmap_test.h"

/*
 * Test hooks on top of the core's static stubs (include/hmap_test.h).
 * Their state is kept here, per map, for the test that set it; a stub
 * redirects only calls made by that test's thread, or by a thread that
 * kh_adopt_test() joined to the test.
 */

/**
 * typedef kh_hash_fn - a hash that replaces a map's keyed hash in a test
 * @key: the key.
 * @key_len: its length.
 *
 * Return: the 64-bit hash the map is to use for @key.
 */
typedef u64 (*kh_hash_fn)(const void *key, u32 key_len);

/**
 * typedef kh_race_fn - what a test does at one of the core's race windows
 * @map: the map.
 * @where: which window.
 * @arg: what the test gave kh_set_race().
 *
 * Context: that of the window (see &enum hmap_race_point): inside
 * rcu_read_lock() at HMAP_RACE_LOOKUP, so it may only sleep at the others.
 */
typedef void (*kh_race_fn)(const struct hmap *map, enum hmap_race_point where,
			   void *arg);

void kh_set_hash(struct kunit *test, struct hmap *map, kh_hash_fn fn);
void kh_fail_allocs(struct kunit *test, struct hmap *map, unsigned int skip,
		    unsigned int count);
unsigned int kh_allocs_failed(struct hmap *map);
size_t kh_largest_alloc(struct hmap *map);
void kh_set_race(struct kunit *test, struct hmap *map, kh_race_fn fn,
		 void *arg);
void kh_forget(struct hmap *map);
void kh_adopt_test(struct kunit *test);

/* Go's load factor, 6.5, as the fraction 13/2. */
#define KH_LOAD_NUM	13
#define KH_LOAD_DEN	2

/**
 * kh_grow_threshold() - when the next new key starts a doubling
 * @b: B of the map: it has 2^@b buckets.
 *
 * A new key grows the map when count + 1 > 8 && count + 1 > 6.5 * 2^b.
 *
 * Return: the count at which that happens.
 */
static inline u64 kh_grow_threshold(unsigned int b)
{
	u64 t = ((u64)KH_LOAD_NUM << b) / KH_LOAD_DEN;

	return max_t(u64, t, 8);
}

/**
 * kh_shrink_starts() - whether a delete starts a halving
 * @count: entries the delete leaves.
 * @b: B of the map: it has 2^@b buckets.
 *
 * Return: whether the load falls below 6.5 / 4 = 1.625.
 */
static inline bool kh_shrink_starts(u64 count, unsigned int b)
{
	return 8 * count < ((u64)13 << b);
}

/* A plain key: the set it belongs to and its number in the set. */
struct kh_key {
	u32 set;
	u32 id;
};

static inline struct kh_key kh_key(u32 set, u32 id)
{
	return (struct kh_key){ .set = set, .id = id };
}

/* A key of a forced-hash map: it carries the hash the map must give it. */
struct kh_fkey {
	u64 hash;
	u64 id;
};

static inline struct kh_fkey kh_fkey(u64 hash, u64 id)
{
	return (struct kh_fkey){ .hash = hash, .id = id };
}

/**
 * kh_hash() - a 64-bit hash made of a top byte, middle bits and low bits
 * @top: the top byte (the tophash before the core bumps values below 5).
 * @mid: 24 bits above the low 32.
 * @low: the low 32 bits, which choose the bucket at any B up to 32.
 *
 * Return: the hash.
 */
static inline u64 kh_hash(u8 top, u32 mid, u32 low)
{
	return ((u64)top << 56) | ((u64)(mid & 0xffffff) << 32) | low;
}

u64 kh_fkey_hash(const void *key, u32 key_len);

/* The longest value kh_fill_value() writes. */
#define KH_VAL_MAX	32

u32 kh_fill_value(void *buf, u32 set, u32 id, u32 gen);
bool kh_value_ok(const void *buf, u32 len, u32 set, u32 id, u32 gen);

struct hmap *kh_create_params(struct kunit *test, const struct hmap_params *p);
struct hmap *kh_create(struct kunit *test, u32 max_entries, u32 max_key,
		       u32 max_value, u32 size_hint);
struct hmap *kh_create_forced(struct kunit *test, u32 max_entries,
			      u32 size_hint);

/* A HMAP_RESIZING_* value's name, from the UAPI's one list of them. */
static inline const char *kh_kind_name(u64 kind)
{
#define KH_KIND(value, name) { value, name },
	static const struct {
		u32 value;
		const char *name;
	} kinds[] = {
		HMAP_RESIZING_KINDS(KH_KIND, KH_KIND)
	};
#undef KH_KIND
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].value == kind)
			return kinds[i].name;
	return "unknown";
}

static inline struct hmap_stats kh_stats(struct hmap *map)
{
	struct hmap_stats s;

	hmap_get_stats(map, &s);
	return s;
}

/* Fails the test unless hmap_check() finds @map consistent. */
#define KH_ASSERT_CONSISTENT(test, map)					\
	do {								\
		char __why[160] = "";					\
		int __ret = hmap_check(map, __why, sizeof(__why));	\
		KUNIT_ASSERT_EQ_MSG(test, __ret, 0,			\
				    "hmap_check: %s", __why);		\
	} while (0)

/*
 * struct kh_model - what a map of kh_key keys of one set should hold
 * @set: the keys' set.
 * @n: ids 0..n-1.
 * @present: whether id is in the map.
 * @gen: the generation of its value (see kh_fill_value()).
 * @count: how many are present.
 * @allow_enomem: -ENOMEM is an acceptable result of an insert (which then
 *	must leave the map unchanged); a removal never returns it.
 * @shares_map: other keys are in the map too: its count is not ours.
 * @reported: failed operations reported so far (see kh_model_report()).
 */
struct kh_model {
	u32 set;
	u32 n;
	bool *present;
	u32 *gen;
	u64 count;
	bool allow_enomem;
	bool shares_map;
	unsigned int reported;
};

/* Whether the test has failed already: long loops stop there. */
static inline bool kh_failed(struct kunit *test)
{
	return READ_ONCE(test->status) == KUNIT_FAILURE;
}

struct kh_model *kh_model_new(struct kunit *test, u32 set, u32 n);
int kh_model_insert(struct kunit *test, struct hmap *map, struct kh_model *m,
		    u32 id, u32 gen, u64 flags);
int kh_model_delete(struct kunit *test, struct hmap *map, struct kh_model *m,
		    u32 id);
int kh_model_lookup_and_delete(struct kunit *test, struct hmap *map,
			       struct kh_model *m, u32 id);
void kh_model_verify(struct kunit *test, struct hmap *map,
		     const struct kh_model *m);

/**
 * struct kh_trace_counts - what the hmap tracepoints said about one map
 * @starts: hmap_resize_start events.
 * @start_kind: kind of the last resize started.
 * @start_old_b: its old B.
 * @start_new_b: its new B.
 * @start_count: its count.
 * @old_buckets: old buckets of the last resize started.
 * @cur_write_steps: evacuations by writes since the last resize started.
 * @cur_worker_steps: evacuations by the worker since then.
 * @cur_moved: entries moved since then.
 * @write_steps: evacuate events with write_step != 0, ever.
 * @worker_steps: evacuate events with write_step == 0, ever.
 * @last_write_step: write_step of the last event of a write.
 * @bad: events that contradict the tracepoints' contract.
 * @dones: hmap_resize_done events.
 * @abandons: hmap_resize_abandon events (a clear dropped the resize).
 * @done_kind: kind of the last resize done.
 * @done_old_b: its old B.
 * @done_new_b: its new B.
 * @done_writes: its steps_by_writes.
 * @done_worker: its steps_by_worker.
 * @done_moved: its moved.
 * @done_bad_buckets: old buckets its events did not evacuate exactly once.
 */
struct kh_trace_counts {
	unsigned int starts;
	u32 start_kind, start_old_b, start_new_b;
	u64 start_count;
	u64 old_buckets;
	u64 cur_write_steps, cur_worker_steps, cur_moved;
	u64 write_steps, worker_steps;
	u32 last_write_step;
	unsigned int bad;
	unsigned int dones;
	unsigned int abandons;
	u32 done_kind, done_old_b, done_new_b;
	u64 done_writes, done_worker, done_moved;
	u64 done_bad_buckets;
};

/* How many old buckets the recorder follows per resize. */
#define KH_TRACE_MAX_BUCKETS	4096

/**
 * struct kh_trace - a recorder of the hmap tracepoints of one map
 * @map_id: the map followed (hmap_get_stats() .id); others are ignored.
 * @lock: serializes the probes against the test's reads.
 * @c: the counters.
 * @bad_msg: what the first bad event was.
 * @evacs: per old bucket of the last resize started: times evacuated.
 * @moved_x: per old bucket: entries moved to the X half (new bucket i).
 * @moved_y: per old bucket: entries moved to the Y half (i + 2^oldB).
 */
struct kh_trace {
	u32 map_id;
	spinlock_t lock;	/* serializes probes and kh_trace_snap() */
	struct kh_trace_counts c;
	char bad_msg[128];
	u16 evacs[KH_TRACE_MAX_BUCKETS];
	u32 moved_x[KH_TRACE_MAX_BUCKETS];
	u32 moved_y[KH_TRACE_MAX_BUCKETS];
};

struct kh_trace *kh_trace_attach(struct kunit *test, struct hmap *map);
struct kh_trace_counts kh_trace_snap(struct kh_trace *tr);

void kh_expect_resize_done(struct kunit *test, struct kh_trace *tr,
			   u32 kind, u32 old_b, u32 new_b);

#define KH_EXPECT_TRACE_SANE(test, tr)					\
	do {								\
		struct kh_trace *__tr = (tr);				\
		KUNIT_EXPECT_EQ_MSG(test, kh_trace_snap(__tr).bad, 0,	\
				    "tracepoint contract: %s",		\
				    __tr->bad_msg);			\
	} while (0)

unsigned int kh_nth_online_cpu(unsigned int i);

/* Waits until @map has no resize in progress; false after @timeout_ms. */
bool kh_wait_resize_done(struct hmap *map, unsigned int timeout_ms);

#endif /* _HMAP_KUNIT_H */
