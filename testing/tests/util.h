/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the native suites, after kunit/hmap_kunit.h: keys and
 * self-checking values, a model of what a map should hold, forced hashes
 * and failed allocations through the static stubs, and a recorder that
 * checks the tracepoints' contract.
 */
#ifndef _HMAP_TEST_UTIL_H
#define _HMAP_TEST_UTIL_H

#include <linux/kernel.h>
#include <linux/types.h>
#include <pthread.h>

#include "harness.h"
#include "hmap.h"
#include "hmap_test.h"
#include "hmap_user.h"

/* Called by the harness around every case. */
void t_setup(void);
void t_teardown(void);

/* A per-thread random generator, seeded from the run's seed. */
u64 t_rand(void);
static inline u32 t_rand_below(u32 n)
{
	return (u32)(((t_rand() >> 32) * n) >> 32);
}
void t_rand_seed_thread(u64 salt);

/* Maps that t_teardown() destroys if the case did not. */
struct hmap *t_create(u32 max_entries, u32 max_key, u32 max_value,
		      u32 size_hint);
void t_destroy(struct hmap *map);

static inline struct hmap_stats t_stats(struct hmap *map)
{
	struct hmap_stats s;

	hmap_get_stats(map, &s);
	return s;
}

/* hmap_check() and the memory accounting: fails the case if broken. */
#define T_AUDIT(map) do {						\
	char __why[200] = "";						\
	int __r = hmap_user_audit(map, __why, sizeof(__why));		\
	REQUIRE(__r == 0, "audit: %s", __why);				\
} while (0)

/* Go's thresholds, stated independently of the core's code. */
static inline bool t_grow_due(u64 count_after, unsigned int b)
{
	return count_after > 8 && 2 * count_after > (13ULL << b);
}

static inline bool t_shrink_due(u64 count_after, unsigned int b,
				unsigned int min_b)
{
	return b > min_b && 8 * count_after < (13ULL << b);
}

/* A plain key: the set it belongs to and its number in the set. */
struct t_key {
	u32 set;
	u32 id;
};

static inline struct t_key t_key(u32 set, u32 id)
{
	return (struct t_key){ .set = set, .id = id };
}

/* A key of a forced-hash map: it carries the hash the map gives it. */
struct t_fkey {
	u64 hash;
	u64 id;
};

static inline struct t_fkey t_fkey(u64 hash, u64 id)
{
	return (struct t_fkey){ .hash = hash, .id = id };
}

/* Top byte, middle bits, low 32 bits (the bucket bits). */
static inline u64 t_hash(u8 top, u32 mid, u32 low)
{
	return ((u64)top << 56) | ((u64)(mid & 0xffffff) << 32) | low;
}

/* Makes hmap_key_hash() return a t_fkey's own hash (others: the real one). */
void t_force_hashes(void);
/* The hash a map gives a key, whatever hmap_key_hash() is redirected to. */
u64 t_key_hash(struct hmap *map, const void *key, u32 key_len);

/*
 * Fail hmap_alloc_should_fail() for @count calls after @skip calls that
 * pass (count -1: forever); t_fail_allocs(0, 0) turns it off.
 */
void t_fail_allocs(long skip, long count);
unsigned long t_alloc_hook_calls(void);
unsigned long t_alloc_hook_failures(void);

#define T_VAL_MAX	32
u32 t_fill_value(void *buf, u32 set, u32 id, u32 gen);
bool t_value_ok(const void *buf, u32 len, u32 set, u32 id, u32 gen);
/* Decodes set, id and gen from a value; false if it is not whole. */
bool t_value_decode(const void *buf, u32 len, u32 set, u32 *id, u32 *gen);

/* What a map of t_key keys of one set should hold. */
struct t_model {
	u32 set;
	u32 n;
	bool *present;
	u32 *gen;
	u64 count;
	bool allow_enomem;	/* a write may fail with -ENOMEM (then no change) */
};

struct t_model *t_model_new(u32 set, u32 n);
void t_model_free(struct t_model *m);
int t_model_insert(struct hmap *map, struct t_model *m, u32 id, u32 gen,
		   u64 flags);
int t_model_delete(struct hmap *map, struct t_model *m, u32 id);
int t_model_take(struct hmap *map, struct t_model *m, u32 id);
int t_model_delete_if_value(struct hmap *map, struct t_model *m, u32 id,
			    bool same);
void t_model_verify(struct hmap *map, const struct t_model *m, bool whole_map);

/*
 * The tracepoint recorder: follows one map's events and checks their
 * contract (start/evacuate/done in order, every old bucket evacuated
 * exactly once, at most two evacuations per write, counts that add up).
 */
#ifndef T_TRACE_MAX_BUCKETS
#define T_TRACE_MAX_BUCKETS	(1 << 16)
#endif

struct t_trace {
	u32 map_id;
	pthread_mutex_t lock;
	/* counters */
	unsigned int starts, dones, abandons;
	u32 kind, old_b, new_b;
	u64 start_count;
	u64 write_steps, worker_steps;	/* ever */
	u64 cur_writes, cur_worker, cur_moved;
	bool track_writes;		/* t_trace_write_begin() is used */
	u64 steps_this_write;		/* since t_trace_write_begin() */
	u64 max_steps_per_write;
	u64 done_writes, done_worker, done_moved;
	u64 total_moved_x, total_moved_y;
	unsigned int bad;
	char bad_msg[160];
	u16 *evacs;			/* per old bucket of the current resize */
	u32 *moved_x, *moved_y;
};

struct t_trace *t_trace_attach(struct hmap *map);
void t_trace_detach(struct t_trace *tr);
/* Marks the start of one write (for the per-write step bound). */
void t_trace_write_begin(struct t_trace *tr);
#define T_TRACE_SANE(tr) \
	CHECK((tr)->bad == 0, "tracepoint contract: %s (%u bad)", \
	      (tr)->bad_msg, (tr)->bad)

#endif

/*
 * The resize oracle: from the stats before and after one write, checks
 * that exactly the resize Go's rules call for started (grow when
 * count > 8 && count > 6.5 * 2^B; same-size when overflow buckets reach
 * 2^min(B, 15) and the chains are at most half full; shrink below a
 * quarter of the grow load, not below the size hint), that a write
 * started no resize while one was in flight, that it evacuated at most
 * two chains, and that a write during a resize moved the mark.
 */
enum t_write {
	T_W_INSERT_NEW,		/* a new key went in */
	T_W_DELETE_HIT,		/* a key was removed */
	T_W_OTHER,		/* took the lock, changed no key count */
};

static inline bool t_too_many_overflow(u64 count, u64 noverflow,
				       unsigned int b)
{
	return noverflow >= 1ULL << min(b, 15U) &&
	       count * 2 < ((1ULL << b) + noverflow) * 8;
}

void t_check_write(struct hmap *map, const struct hmap_stats *before,
		   const struct hmap_stats *after, enum t_write w);
