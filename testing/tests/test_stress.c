// SPDX-License-Identifier: GPL-2.0
/*
 * Lockless readers against a writer and the worker resizing underneath
 * them (also built with ThreadSanitizer: make tsan). Readers, registered
 * with liburcu, check the invariants of the top comment of hmap_core.c:
 *  1. a stable key (present for the whole lookup) is always found;
 *  2. a key deleted before the lookup started is never found, and an
 *     update that returned before the lookup started is always seen;
 *  3. a value is whole (the one of some generation of that very key).
 * The writer grows the map in waves of new keys and shrinks it by
 * deleting them, with the worker finishing resizes in the background.
 */
#include <linux/rcupdate.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define S_STABLE	40
#define S_CHURN		41
#define S_NEVER		42

struct s_ctx {
	struct hmap *map;
	u32 nstable;
	u32 *pub_gen;		/* per stable id: last update that returned */
	u32 deleted_below;	/* churn ids below: deleted for good */
	u32 wave_end;		/* churn ids below may exist */
	bool stop;
	bool dumper;
	unsigned long lookups, scans;
};

static void s_reader_check(struct s_ctx *c)
{
	u8 val[T_VAL_MAX];
	u32 len = sizeof(val), id, gen, g0, vid;
	struct t_key k;
	int ret;

	switch (t_rand_below(4)) {
	case 0:
	case 1:			/* a stable key: found, no older than published */
		id = t_rand_below(c->nstable);
		g0 = __atomic_load_n(&c->pub_gen[id], __ATOMIC_ACQUIRE);
		k = t_key(S_STABLE, id);
		ret = hmap_lookup(c->map, &k, sizeof(k), val, &len);
		CHECK(ret == 0, "stable key %u missed: %d", id, ret);
		if (ret)
			break;
		CHECK(t_value_decode(val, len, S_STABLE, &vid, &gen) && vid == id,
		      "stable key %u: torn or foreign value", id);
		CHECK(gen >= g0, "stable key %u: gen %u older than published %u",
		      id, gen, g0);
		break;
	case 2: {		/* a churn key deleted for good: never found */
		u32 below = __atomic_load_n(&c->deleted_below, __ATOMIC_ACQUIRE);

		if (!below)
			break;
		id = t_rand_below(below);
		k = t_key(S_CHURN, id);
		ret = hmap_lookup(c->map, &k, sizeof(k), val, &len);
		CHECK(ret == -ENOENT, "deleted key %u found: %d", id, ret);
		break;
	}
	default: {		/* a key of the current wave, or one never inserted */
		u32 end = __atomic_load_n(&c->wave_end, __ATOMIC_ACQUIRE);

		if (t_rand_below(2) && end) {
			id = end - 1 - t_rand_below(min(end, 2000U));
			k = t_key(S_CHURN, id);
			ret = hmap_lookup(c->map, &k, sizeof(k), val, &len);
			CHECK(ret == -ENOENT ||
			      (!ret && t_value_decode(val, len, S_CHURN, &vid, &gen) &&
			       vid == id), "churn key %u: %d or a bad value", id, ret);
		} else {
			k = t_key(S_NEVER, t_rand_below(100000));
			ret = hmap_lookup(c->map, &k, sizeof(k), val, &len);
			CHECK(ret == -ENOENT, "never-inserted key found: %d", ret);
		}
	}
	}
}

static void *s_reader(void *arg)
{
	struct s_ctx *c = arg;
	unsigned long n = 0;

	t_rand_seed_thread((u64)pthread_self());
	hmap_user_rcu_register_thread();
	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED) && !ht_failed()) {
		s_reader_check(c);
		n++;
	}
	hmap_user_rcu_unregister_thread();
	__atomic_add_fetch(&c->lookups, n, __ATOMIC_RELAXED);
	return NULL;
}

/* A dump scan: every stable key exactly once, deleted keys never. */
static int s_emit(void *arg, const struct hmap_dump_item *items, unsigned int n)
{
	u8 *seen = arg;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct t_key k;

		memcpy(&k, items[i].key, sizeof(k));
		if (k.set == S_STABLE)
			seen[k.id]++;
	}
	return 0;
}

static void *s_dumper(void *arg)
{
	struct s_ctx *c = arg;
	u8 *seen = malloc(c->nstable);
	u32 id;

	REQUIRE(seen, "no memory");
	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED) && !ht_failed()) {
		struct hmap_cursor cur = { 0 };

		memset(seen, 0, c->nstable);
		while (!cur.done)
			REQUIRE(hmap_dump(c->map, &cur, s_emit, seen) >= 0, "dump");
		for (id = 0; id < c->nstable; id++)
			CHECK(seen[id] == 1, "scan: stable key %u seen %u times", id,
			      seen[id]);
		__atomic_add_fetch(&c->scans, 1, __ATOMIC_RELAXED);
	}
	free(seen);
	return NULL;
}

static void s_put(struct s_ctx *c, u32 set, u32 id, u32 gen)
{
	struct t_key k = t_key(set, id);
	u8 val[T_VAL_MAX];
	u32 len = t_fill_value(val, set, id, gen);

	REQUIRE(!hmap_insert(c->map, &k, sizeof(k), val, len, HMAP_PUT_ANY),
		"insert %u/%u", set, id);
}

static void s_run(double seconds, unsigned int nreaders, bool dumper)
{
	struct s_ctx c = { .nstable = 3000, .dumper = dumper };
	pthread_t readers[4], dump_thread;
	struct hmap_stats s;
	double end;
	u32 id, wave = 0, next = 0, gen = 1;
	unsigned int i;
	struct timespec ts;

	c.pub_gen = calloc(c.nstable, sizeof(*c.pub_gen));
	REQUIRE(c.pub_gen, "no memory");
	c.map = t_create(1 << 22, sizeof(struct t_key), T_VAL_MAX, 0);
	for (id = 0; id < c.nstable; id++)
		s_put(&c, S_STABLE, id, 0);
	for (i = 0; i < nreaders; i++)
		pthread_create(&readers[i], NULL, s_reader, &c);
	if (dumper)
		pthread_create(&dump_thread, NULL, s_dumper, &c);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = ts.tv_sec + ts.tv_nsec / 1e9 + seconds;
	while (!ht_failed()) {
		u32 size = 2000 + t_rand_below(30000), first = next;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec + ts.tv_nsec / 1e9 > end)
			break;
		/* A wave in: grows. */
		for (i = 0; i < size; i++) {
			s_put(&c, S_CHURN, next++, wave);
			__atomic_store_n(&c.wave_end, next, __ATOMIC_RELEASE);
			if (i % 16 == 0) {
				id = t_rand_below(c.nstable);
				s_put(&c, S_STABLE, id, gen);
				__atomic_store_n(&c.pub_gen[id], gen, __ATOMIC_RELEASE);
				gen++;
			}
		}
		/* Let the worker finish what the wave left, sometimes. */
		if (wave % 2)
			usleep(20000);
		/* The wave out: shrinks. */
		for (id = first; id < next; id++) {
			struct t_key k = t_key(S_CHURN, id);

			CHECK_EQ(hmap_delete(c.map, &k, sizeof(k)), 0);
		}
		__atomic_store_n(&c.deleted_below, next, __ATOMIC_RELEASE);
		wave++;
	}
	__atomic_store_n(&c.stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < nreaders; i++)
		pthread_join(readers[i], NULL);
	if (dumper)
		pthread_join(dump_thread, NULL);
	s = t_stats(c.map);
	ht_note("%u waves, %lu lookups, %lu scans, %llu grows, %llu shrinks, %llu same-size, %llu chains by the worker",
		wave, c.lookups, c.scans, (unsigned long long)s.grows,
		(unsigned long long)s.shrinks, (unsigned long long)s.same_size_grows,
		(unsigned long long)s.evacuated_by_worker);
	CHECK(s.grows > 0 && s.shrinks > 0, "no resizes happened");
	CHECK_EQ(s.count, c.nstable);
	T_AUDIT(c.map);
	free(c.pub_gen);
}

HT_CASE_TIMEOUT(stress_readers_vs_resizes, HT_CONCURRENT, 600)
{
	s_run(ht_duration(4), 2, false);
}

/* Widen the windows: lookups dawdle, evacuations and retires yield. */
static void s_race_window(const struct hmap *map, enum hmap_race_point where)
{
	u32 r = (u32)t_rand();

	switch (where) {
	case HMAP_RACE_LOOKUP:
		if (r % 256 == 0)
			usleep(20);
		else if (r % 16 == 0)
			sched_yield();
		break;
	case HMAP_RACE_EVACUATE:
		if (r % 32 == 0)
			sched_yield();
		break;
	case HMAP_RACE_WORKER_STEP:
		break;
	case HMAP_RACE_RETIRE:
		/*
		 * Free the retired array now (after a grace period): a
		 * writer that still touches it is a use-after-free.
		 */
		rcu_barrier();
		break;
	}
}

HT_CASE_TIMEOUT(stress_race_windows, HT_CONCURRENT, 600)
{
	hmap_user_stub(hmap_race_window, s_race_window);
	hmap_user_set_preempt(8);
	s_run(ht_duration(4), 2, false);
}

/* Scans concurrent with the writer and the worker: exactly once. */
HT_CASE_TIMEOUT(stress_dump_concurrent, HT_CONCURRENT, 600)
{
	s_run(ht_duration(4), 1, true);
}

/* Clears under readers: values whole, never-inserted keys never found. */
struct s_clear_ctx {
	struct hmap *map;
	bool stop;
};

static void *s_clear_reader(void *arg)
{
	struct s_clear_ctx *c = arg;

	t_rand_seed_thread((u64)pthread_self());
	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED) && !ht_failed()) {
		u32 id = t_rand_below(5000), vid, gen, len;
		struct t_key k = t_key(S_CHURN, id);
		u8 val[T_VAL_MAX];
		int ret;

		len = sizeof(val);
		ret = hmap_lookup(c->map, &k, sizeof(k), val, &len);
		CHECK(ret == -ENOENT ||
		      (!ret && t_value_decode(val, len, S_CHURN, &vid, &gen) && vid == id),
		      "key %u: %d or a bad value", id, ret);
		k = t_key(S_NEVER, id);
		len = sizeof(val);
		CHECK_EQ(hmap_lookup(c->map, &k, sizeof(k), val, &len), -ENOENT);
	}
	return NULL;
}

HT_CASE_TIMEOUT(stress_clear_under_readers, HT_CONCURRENT, 600)
{
	struct s_clear_ctx c = { 0 };
	pthread_t r[2];
	unsigned int i, round;
	struct timespec ts;
	double end;

	c.map = t_create(100000, sizeof(struct t_key), T_VAL_MAX, 0);
	for (i = 0; i < 2; i++)
		pthread_create(&r[i], NULL, s_clear_reader, &c);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = ts.tv_sec + ts.tv_nsec / 1e9 + ht_duration(2);
	for (round = 0; !ht_failed(); round++) {
		u32 n = 100 + t_rand_below(5000), id;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec + ts.tv_nsec / 1e9 > end)
			break;
		for (id = 0; id < n; id++) {
			struct t_key k = t_key(S_CHURN, id);
			u8 val[T_VAL_MAX];
			u32 len = t_fill_value(val, S_CHURN, id, round);

			REQUIRE(!hmap_insert(c.map, &k, sizeof(k), val, len, HMAP_PUT_ANY),
				"insert");
		}
		CHECK_EQ(hmap_clear(c.map), 0);
	}
	__atomic_store_n(&c.stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	ht_note("%u clears", round);
	T_AUDIT(c.map);
}
