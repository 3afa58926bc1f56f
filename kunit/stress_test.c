// SPDX-License-Identifier: GPL-2.0
/*
 * hmap KUnit suite: concurrency stress. A reader kthread on every online
 * CPU looks up a stable key set without locks while the test thread, the
 * only writer, inserts and deletes other keys through several grows and
 * shrinks and keeps updating half of the stable keys. Cycles alternate
 * between the background worker off (writes evacuate everything) and on
 * (the writer pauses once per resize so the worker runs). No stable key
 * may ever be missed, no value seen torn, and no reader may see a key's
 * value go back to an older generation.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/unaligned.h>

#include "hmap_kunit.h"
#include "hmap_trace.h"

#define FIXED_SET	50	/* never written during the stress */
#define UPDATED_SET	51	/* updated in place all the time */
#define CHURN_SET	52	/* inserted and deleted */
#define NFIXED		64
#define NUPDATED	64
#define NCHURN		1500
#define STRESS_MS	3000
#define MIN_CYCLES	2
#define MAX_CYCLES	40

/**
 * struct reader - one reader kthread and what it saw
 * @map: the map.
 * @task: the kthread.
 * @cpu: the CPU it is bound to.
 * @last_gen: per updated key, the newest generation this reader saw.
 * @passes: passes over all stable keys.
 * @lookups: lookups done.
 * @missed: lookups of a stable key that did not find it.
 * @torn: values that were not whole (wrong length, bytes or owner).
 * @backwards: values older than one this reader had already seen.
 * @first: the first problem, for the failure message.
 */
struct reader {
	struct hmap *map;
	struct task_struct *task;
	unsigned int cpu;
	u32 last_gen[NUPDATED];
	u64 passes, lookups, missed, torn, backwards;
	char first[96];
};

static void reader_problem(struct reader *r, u64 *counter, const char *what,
			   u32 set, u32 id, int ret, u32 len)
{
	if (!r->missed && !r->torn && !r->backwards)
		snprintf(r->first, sizeof(r->first),
			 "cpu %u: %s: set %u id %u ret %d len %u", r->cpu,
			 what, set, id, ret, len);
	(*counter)++;
}

static void reader_check(struct reader *r, u32 set, u32 id)
{
	struct kh_key k = kh_key(set, id);
	u8 val[KH_VAL_MAX];
	u32 len = sizeof(val), gen;
	int ret;

	ret = hmap_lookup(r->map, &k, sizeof(k), val, &len);
	r->lookups++;
	if (ret) {
		reader_problem(r, &r->missed, "missed", set, id, ret, len);
		return;
	}
	gen = len >= 8 ? get_unaligned((u32 *)(val + 4)) : 0;
	if (set == FIXED_SET && gen != 0) {
		reader_problem(r, &r->torn, "fixed key changed", set, id, ret,
			       len);
		return;
	}
	if (!kh_value_ok(val, len, set, id, gen)) {
		reader_problem(r, &r->torn, "torn value", set, id, ret, len);
		return;
	}
	if (set == UPDATED_SET) {
		if (gen < r->last_gen[id])
			reader_problem(r, &r->backwards, "older value", set,
				       id, gen, r->last_gen[id]);
		else
			r->last_gen[id] = gen;
	}
}

static int reader_fn(void *data)
{
	struct reader *r = data;
	u32 id;

	while (!kthread_should_stop()) {
		for (id = 0; id < NFIXED; id++)
			reader_check(r, FIXED_SET, id);
		for (id = 0; id < NUPDATED; id++)
			reader_check(r, UPDATED_SET, id);
		r->passes++;
		cond_resched();
	}
	return 0;
}

/**
 * struct stress - the readers of one stress run
 * @readers: one per online CPU.
 * @n: how many were started.
 */
struct stress {
	struct reader *readers;
	unsigned int n;
};

static void stop_readers(void *data)
{
	struct stress *st = data;
	unsigned int i;

	for (i = 0; i < st->n; i++)
		kthread_stop(st->readers[i].task);
	st->n = 0;
}

static void start_readers(struct kunit *test, struct stress *st,
			  struct hmap *map)
{
	unsigned int cpu;
	int ret;

	st->readers = kunit_kcalloc(test, num_online_cpus(),
				    sizeof(*st->readers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st->readers);
	ret = kunit_add_action_or_reset(test, stop_readers, st);
	KUNIT_ASSERT_EQ(test, ret, 0);
	for_each_online_cpu(cpu) {
		struct reader *r = &st->readers[st->n];
		struct task_struct *t;

		if (st->n == num_online_cpus())
			break;
		r->map = map;
		r->cpu = cpu;
		t = kthread_create(reader_fn, r, "hmap_kunit_r/%u", cpu);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
		kthread_bind(t, cpu);
		r->task = t;
		st->n++;
		wake_up_process(t);
	}
}

/*
 * Once per resize, let the writer pause long enough for the background
 * worker to run, so readers also race evacuations by the worker.
 */
static void maybe_pause(struct hmap *map, bool *paused)
{
	if (kh_stats(map).resize == HMAP_RESIZING_NONE) {
		*paused = false;
	} else if (!*paused) {
		*paused = true;
		msleep(30);
	}
}

static void update_one(struct kunit *test, struct hmap *map, u32 *gens,
		       u32 id)
{
	struct kh_key k = kh_key(UPDATED_SET, id);
	u8 val[KH_VAL_MAX];
	u32 len = kh_fill_value(val, UPDATED_SET, id, gens[id] + 1);

	KUNIT_ASSERT_EQ(test, hmap_insert(map, &k, sizeof(k), val, len,
					  HMAP_PUT_EXIST), 0);
	gens[id]++;
}

static void hmap_stress_lookups(struct kunit *test)
{
	struct hmap *map = kh_create(test, 10000, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct kh_model *fixed = kh_model_new(test, FIXED_SET, NFIXED);
	struct kh_model *upd = kh_model_new(test, UPDATED_SET, NUPDATED);
	struct kh_model *churn = kh_model_new(test, CHURN_SET, NCHURN);
	struct stress *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	unsigned long end;
	u64 lookups = 0, passes_min = U64_MAX;
	u32 cycles, id, ops = 0, nreaders;
	struct hmap_stats s0, s;
	bool paused = false;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, st);
	fixed->shares_map = true;
	upd->shares_map = true;
	churn->shares_map = true;
	for (id = 0; id < NFIXED; id++)
		kh_model_insert(test, map, fixed, id, 0, HMAP_PUT_NOEXIST);
	for (id = 0; id < NUPDATED; id++)
		kh_model_insert(test, map, upd, id, 0, HMAP_PUT_NOEXIST);
	KUNIT_ASSERT_TRUE(test, kh_wait_resize_done(map, 10000));
	s0 = kh_stats(map);

	start_readers(test, st, map);
	end = jiffies + msecs_to_jiffies(STRESS_MS);
	for (cycles = 0; cycles < MAX_CYCLES; cycles++) {
		if (cycles >= MIN_CYCLES && time_after(jiffies, end))
			break;
		hmap_set_worker_enabled(map, cycles & 1);
		for (id = 0; id < NCHURN; id++) {
			kh_model_insert(test, map, churn, id, cycles,
					HMAP_PUT_NOEXIST);
			if (cycles & 1)
				maybe_pause(map, &paused);
			if (++ops % 8 == 0)
				update_one(test, map, upd->gen, ops % NUPDATED);
		}
		for (id = 0; id < NCHURN; id++) {
			kh_model_delete(test, map, churn, id);
			if (cycles & 1)
				maybe_pause(map, &paused);
			if (++ops % 8 == 0)
				update_one(test, map, upd->gen, ops % NUPDATED);
		}
		cond_resched();
	}
	nreaders = st->n;
	stop_readers(st);

	s = kh_stats(map);
	for (i = 0; i < nreaders; i++) {
		struct reader *r = &st->readers[i];

		lookups += r->lookups;
		passes_min = min(passes_min, r->passes);
		KUNIT_EXPECT_EQ_MSG(test, r->missed, 0, "%s", r->first);
		KUNIT_EXPECT_EQ_MSG(test, r->torn, 0, "%s", r->first);
		KUNIT_EXPECT_EQ_MSG(test, r->backwards, 0, "%s", r->first);
	}
	kunit_info(test, "%u readers, %llu lookups (fewest passes %llu), %u cycles, %u writes, %llu grows, %llu shrinks, %llu same-size; evacuated by writes %llu, by worker %llu",
		   nreaders, lookups, passes_min, cycles, ops,
		   s.grows - s0.grows, s.shrinks - s0.shrinks,
		   s.same_size_grows - s0.same_size_grows,
		   s.evacuated_by_writes - s0.evacuated_by_writes,
		   s.evacuated_by_worker - s0.evacuated_by_worker);
	KUNIT_EXPECT_EQ(test, nreaders, num_online_cpus());
	KUNIT_EXPECT_GT_MSG(test, passes_min, 0, "a reader never ran");
	/*
	 * Each cycle grows B 6 -> 8 (B 5 -> 8 the first time) and shrinks it
	 * back to 6; a shrink may start late if writes lag behind.
	 */
	KUNIT_EXPECT_GE(test, s.grows - s0.grows, 2 * cycles);
	KUNIT_EXPECT_GE(test, s.shrinks - s0.shrinks, cycles);
	KUNIT_EXPECT_GT_MSG(test, s.evacuated_by_worker, s0.evacuated_by_worker,
			    "the worker never evacuated during the stress");
	KUNIT_EXPECT_GT_MSG(test, s.evacuated_by_writes, s0.evacuated_by_writes,
			    "writes never evacuated during the stress");
	kh_model_verify(test, map, fixed);
	kh_model_verify(test, map, upd);
	kh_model_verify(test, map, churn);
	KUNIT_EXPECT_EQ(test, s.count, fixed->count + upd->count + churn->count);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * hmap_stress_races: everything at once, on three small maps, so that
 * resizes start and finish all the time.
 *
 * Map S holds keys that are always there (RS_FIXED_SET never written,
 * RS_UPD_SET updated in place) and keys one writer inserts, updates,
 * deletes, takes and compare-deletes (RS_VOL_SET), filling and draining
 * them so that S grows and shrinks. A dumper scans S over and over. Map C
 * holds keys one writer churns while a thief takes them and a clearer
 * clears the map, mostly in the middle of a resize. Map R (its size hint
 * keeps it at B >= 4) holds keys forced into groups that share a bucket
 * (RS_COL_SET): a writer fills a group past a bucket, then deletes most
 * of it, group after group, which leaves sparse chains of overflow
 * buckets and so same-size rebuilds. A worker thread turns each map's
 * background worker on and off and, while it is off, finishes resizes
 * itself with hmap_worker_run(). The test thread attaches probes to the
 * hmap tracepoints for about half of the run and checks the maps'
 * structure every second.
 *
 * A reader on every CPU looks keys up in all three maps. Every thread
 * joins the test (kh_adopt_test(); a reader one pass in four) so that
 * hmap_race_window() widens the windows it passes: delays in lookups
 * between choosing the chain and reading it; delays, yields and lookups of
 * keys always there in evacuations, before the evacuated flag is set; and
 * the same, and now and then a whole grace period, right after an array
 * is retired, the moment a resize ends.
 *
 * What must hold:
 *  - (a) a key always there is always found, with its value whole; an
 *    updated key's value never goes back to an older one for a reader;
 *  - (b) a key removed before a lookup (or a dump) began is not found: the
 *    remover raises the key's floor, the newest generation it knows gone
 *    (a delete or take: the value it removed; a clear: every value
 *    inserted before the clear began), with release after the removal
 *    returned, and a reader reads it with acquire before it looks up; any
 *    value found must be newer than the floor;
 *  - (c) every value found is whole and no newer than the newest insert
 *    begun for its key;
 *  - every full dump of S returns each key that is always there exactly
 *    once; the writers of S and R see exactly the results their own
 *    models predict; the maps stay consistent (hmap_check()).
 *
 * stress_ms (module parameter) sets how long it runs; if by then some of
 * the things it is there for have not happened yet (a grow and a shrink
 * of S, a same-size rebuild of R, a take, a clear, a full dump, every
 * race window, every tracepoint), it goes on until they have, for at most
 * as long again.
 */
static unsigned int stress_ms = 15000;
module_param(stress_ms, uint, 0644);
MODULE_PARM_DESC(stress_ms, "how long hmap_stress_races runs, in ms");

#define RS_FIXED_SET	70
#define RS_UPD_SET	71
#define RS_VOL_SET	72
#define RS_COL_SET	73
#define RS_CLR_SET	74
#define RS_NFIXED	16
#define RS_NUPD		16
#define RS_NVOL		300
#define RS_COL_GROUP	24	/* keys of RS_COL_SET that share a bucket */
#define RS_COL_GROUPS	16	/* the buckets of R at B = 4 */
#define RS_NCOL		(RS_COL_GROUP * RS_COL_GROUPS)
#define RS_NCLR		300
#define RS_NTHREADS	7

/**
 * struct rs_key - what readers may know of one key some writer owns
 * @issued: the newest generation an insert of the key has begun with.
 * @done: the generation of the newest insert that returned 0.
 * @floor: no lookup that begins after it read this may find a generation
 *	less than or equal to it.
 */
struct rs_key {
	atomic_t issued;
	atomic_t done;
	atomic_t floor;
};

/**
 * struct rs_owner - a writer's own model of the keys it owns
 * @rs: the run.
 * @map: the map.
 * @set: the keys' set.
 * @keys: what readers know of them.
 * @n: how many.
 * @strict: only this writer removes these keys: every result is exact.
 * @fill_to: fill until this many are present ...
 * @drain_to: ... then drain until this many are left.
 * @updates: also update the RS_UPD_SET keys now and then.
 * @present: which keys this writer believes present.
 * @gen: generation of the value of each key it last inserted.
 * @next: next generation per key.
 * @npresent: how many it believes present.
 * @ops: writes done.
 * @removed: removals that returned 0.
 * @eagain: compare-deletes of another value that left the key.
 *
 * @removed and @eagain are read by rs_missing() while the owner runs:
 * WRITE_ONCE() here, READ_ONCE() there.
 */
struct rs_owner {
	struct rs *rs;
	struct hmap *map;
	u32 set;
	struct rs_key *keys;
	u32 n;
	bool strict;
	u32 fill_to, drain_to;
	bool updates;
	bool *present;
	u32 *gen;
	u32 *next;
	u32 npresent;
	u64 ops, removed, eagain;
};

/**
 * struct rs_reader - a reader bound to one CPU
 * @rs: the run.
 * @task: its kthread.
 * @cpu: its CPU.
 * @last_upd: per RS_UPD_SET key, the newest generation it saw.
 * @passes: passes over the keys.
 * @lookups: lookups done.
 * @found: volatile keys found.
 */
struct rs_reader {
	struct rs *rs;
	struct task_struct *task;
	unsigned int cpu;
	u32 last_upd[RS_NUPD];
	u64 passes, lookups, found;
};

/**
 * struct rs - one run of hmap_stress_races
 * @test: the test.
 * @s: the map that keeps keys always there.
 * @c: the map that is cleared.
 * @s_id: @s's id.
 * @r: the map that is rebuilt at the same size.
 * @c_id: @c's id.
 * @r_id: @r's id.
 * @vol: RS_VOL_SET keys of @s.
 * @col: RS_COL_SET keys of @r.
 * @clr: RS_CLR_SET keys of @c.
 * @upd_issued: per RS_UPD_SET key, the newest generation begun.
 * @owners: the writers' models: RS_VOL_SET, RS_COL_SET, RS_CLR_SET.
 * @readers: one per online CPU.
 * @nreaders: readers started.
 * @threads: the other kthreads.
 * @nthreads: how many were started.
 * @stopped: every kthread of the run was stopped.
 * @windows: hmap_race_window() calls seen, per enum hmap_race_point.
 * @window_lookups: lookups done inside a race window.
 * @grace_periods: synchronize_rcu() calls at HMAP_RACE_RETIRE.
 * @events: tracepoint events seen: start, evacuate, done, abandon.
 * @takes: values the thief took.
 * @clears: hmap_clear() calls.
 * @scans: full dumps of @s.
 * @dump_calls: hmap_dump() calls.
 * @worker_runs: hmap_worker_run() calls.
 * @worker_flips: times a map's worker was turned on or off.
 * @problems: what went wrong, counted.
 * @lock: protects @first.
 * @first: the first problem.
 */
struct rs {
	struct kunit *test;
	struct hmap *s, *c, *r;
	u32 s_id, c_id, r_id;
	struct rs_key vol[RS_NVOL];
	struct rs_key col[RS_NCOL];
	struct rs_key clr[RS_NCLR];
	atomic_t upd_issued[RS_NUPD];
	struct rs_owner owners[3];
	struct rs_reader *readers;
	unsigned int nreaders;
	struct task_struct *threads[RS_NTHREADS];
	unsigned int nthreads;
	bool stopped;
	atomic_long_t windows[3];
	atomic_long_t window_lookups;
	atomic_long_t grace_periods;
	atomic_long_t events[4];
	atomic_long_t takes, clears, scans, dump_calls, worker_runs;
	atomic_long_t worker_flips;
	atomic_t problems;
	spinlock_t lock;	/* protects first */
	char first[192];
};

static __printf(2, 3) void rs_problem(struct rs *rs, const char *fmt, ...)
{
	va_list args;

	if (atomic_inc_return(&rs->problems) > 1)
		return;
	spin_lock(&rs->lock);
	va_start(args, fmt);
	vsnprintf(rs->first, sizeof(rs->first), fmt, args);
	va_end(args);
	spin_unlock(&rs->lock);
}

static siphash_key_t rs_hash_key;

/*
 * The hash of map R: siphash of the key under a key of this run's, but
 * with the low bits of the key's group's number: a group of RS_COL_SET
 * keys shares a bucket at every B.
 */
static u64 rs_hash(const void *key, u32 key_len)
{
	struct kh_key k;
	u64 h;

	if (key_len != sizeof(k))
		return 0;
	memcpy(&k, key, sizeof(k));
	h = siphash_2u32(k.set, k.id, &rs_hash_key);
	return (h & ~0xffffffffULL) | (k.id / RS_COL_GROUP);
}

static void rs_floor_raise(struct rs_key *k, u32 gen)
{
	int old = atomic_read(&k->floor);

	/* Release: the removal that returned happens before the store. */
	while ((u32)old < gen &&
	       !atomic_try_cmpxchg_release(&k->floor, &old, gen))
		;
}

/* The generation a value claims, or U32_MAX if it is too short to say. */
static u32 rs_value_gen(const u8 *val, u32 len)
{
	return len >= 8 ? get_unaligned((const u32 *)(val + 4)) : U32_MAX;
}

/*
 * Check a value found for a volatile key (or dumped): whole, newer than
 * @floor (read before the lookup began), no newer than the newest insert
 * begun (read after it).
 */
static void rs_check_found(struct rs *rs, const char *who, u32 set, u32 id,
			   struct rs_key *k, u32 floor, const u8 *val, u32 len)
{
	u32 gen = rs_value_gen(val, len), issued;

	if (!kh_value_ok(val, len, set, id, gen)) {
		rs_problem(rs, "%s: set %u id %u: torn value (len %u gen %u)",
			   who, set, id, len, gen);
		return;
	}
	issued = atomic_read_acquire(&k->issued);
	if (gen > issued)
		rs_problem(rs, "%s: set %u id %u: gen %u never inserted (newest %u)",
			   who, set, id, gen, issued);
	if (gen <= floor)
		rs_problem(rs,
			   "%s: set %u id %u: found gen %u, removed (up to gen %u) before the lookup began",
			   who, set, id, gen, floor);
}

static void rs_lookup_volatile(struct rs_reader *r, struct hmap *map, u32 set,
			       struct rs_key *keys, u32 id)
{
	struct rs *rs = r->rs;
	struct kh_key key = kh_key(set, id);
	u32 floor = atomic_read_acquire(&keys[id].floor);
	u8 val[KH_VAL_MAX];
	u32 len = sizeof(val);
	int ret;

	ret = hmap_lookup(map, &key, sizeof(key), val, &len);
	r->lookups++;
	if (ret == -ENOENT)
		return;
	if (ret) {
		rs_problem(rs, "reader %u: set %u id %u: lookup %d", r->cpu,
			   set, id, ret);
		return;
	}
	r->found++;
	rs_check_found(rs, "reader", set, id, &keys[id], floor, val, len);
}

/*
 * A key always there: found, whole, and for an updated key no older than
 * what @last_gen says this thread saw (NULL: the value is generation 0).
 */
static void rs_lookup_stable(struct rs *rs, const char *who, u32 set, u32 id,
			     u32 *last_gen)
{
	struct kh_key key = kh_key(set, id);
	u8 val[KH_VAL_MAX];
	u32 len = sizeof(val), gen;
	int ret;

	ret = hmap_lookup(rs->s, &key, sizeof(key), val, &len);
	if (ret) {
		rs_problem(rs, "%s: set %u id %u always there: lookup %d", who,
			   set, id, ret);
		return;
	}
	gen = rs_value_gen(val, len);
	if (!kh_value_ok(val, len, set, id, gen) || (!last_gen && gen)) {
		rs_problem(rs, "%s: set %u id %u always there: bad value (len %u gen %u)",
			   who, set, id, len, gen);
		return;
	}
	if (!last_gen)
		return;
	if (gen > (u32)atomic_read_acquire(&rs->upd_issued[id]))
		rs_problem(rs, "%s: set %u id %u: gen %u never written", who,
			   set, id, gen);
	if (gen < *last_gen)
		rs_problem(rs, "%s: set %u id %u: gen %u after gen %u", who,
			   set, id, gen, *last_gen);
	*last_gen = gen;
}

/*
 * What the run does at the core's race windows, in every thread of it.
 * HMAP_RACE_LOOKUP is inside rcu_read_lock() and HMAP_RACE_EVACUATE inside
 * a stripe: delays only. HMAP_RACE_RETIRE may sleep.
 */
static void rs_window(const struct hmap *map, enum hmap_race_point where,
		      void *arg)
{
	struct rs *rs = arg;
	u32 r = get_random_u32();
	u32 last_gen = 0;

	if (where > HMAP_RACE_EVACUATE)
		return;
	atomic_long_inc(&rs->windows[where]);
	if (where == HMAP_RACE_LOOKUP) {
		if (r % 16 == 0)
			udelay(r >> 28);
		return;
	}
	if (where == HMAP_RACE_RETIRE && r % 16 == 0) {
		/* Readers of the retired array finish now, not later. */
		atomic_long_inc(&rs->grace_periods);
		synchronize_rcu();
	} else if (r % 4 == 1) {
		udelay((r >> 8) % 64);
	} else if (r % 4 == 2 && where == HMAP_RACE_RETIRE) {
		cond_resched();
	}
	/* Lookups at the very moment a chain moves or an array retires. */
	if (map == rs->s && (r >> 16) % 4 == 0) {
		atomic_long_inc(&rs->window_lookups);
		rs_lookup_stable(rs, "window", RS_FIXED_SET,
				 (r >> 20) % RS_NFIXED, NULL);
		rs_lookup_stable(rs, "window", RS_UPD_SET,
				 (r >> 24) % RS_NUPD, &last_gen);
	}
}

/*
 * A reader joins the test for one pass in four: then its lookups pass
 * through the race windows, and it can look R up (R's hash is forced). A
 * static stub costs every call it redirects a search of the test's
 * resources under a spinlock, so the other passes go without, at full
 * speed, with S's and C's own hash.
 */
static int rs_reader_fn(void *data)
{
	struct rs_reader *r = data;
	struct rs *rs = r->rs;
	u32 id, i;

	while (!kthread_should_stop()) {
		bool joined = r->passes % 4 == 0;

		kh_adopt_test(joined ? rs->test : NULL);
		for (id = 0; id < RS_NFIXED; id++)
			rs_lookup_stable(rs, "reader", RS_FIXED_SET, id, NULL);
		for (id = 0; id < RS_NUPD; id++)
			rs_lookup_stable(rs, "reader", RS_UPD_SET, id,
					 &r->last_upd[id]);
		r->lookups += RS_NFIXED + RS_NUPD;
		for (i = 0; i < 32; i++) {
			rs_lookup_volatile(r, rs->s, RS_VOL_SET, rs->vol,
					   get_random_u32_below(RS_NVOL));
			rs_lookup_volatile(r, rs->c, RS_CLR_SET, rs->clr,
					   get_random_u32_below(RS_NCLR));
		}
		for (i = 0; joined && i < 32; i++)
			rs_lookup_volatile(r, rs->r, RS_COL_SET, rs->col,
					   get_random_u32_below(RS_NCOL));
		r->passes++;
		cond_resched();
	}
	return 0;
}

/* An owner's write's result against what its model allows. */
static void rs_expect(struct rs_owner *o, const char *op, u32 id, int ret,
		      int want, int loose)
{
	if (ret == want || (!o->strict && ret == loose))
		return;
	rs_problem(o->rs, "owner of set %u: %s id %u: %d, want %d", o->set, op,
		   id, ret, want);
}

/* After a removal of @id returned 0: the key is gone, for everyone. */
static void rs_removed(struct rs_owner *o, u32 id)
{
	struct kh_key key = kh_key(o->set, id);
	u32 len = 0;
	int ret;

	rs_floor_raise(&o->keys[id], o->gen[id]);
	if (o->present[id])
		o->npresent--;
	o->present[id] = false;
	WRITE_ONCE(o->removed, o->removed + 1);
	ret = hmap_lookup(o->map, &key, sizeof(key), NULL, &len);
	if (ret != -ENOENT)
		rs_problem(o->rs, "owner of set %u: id %u found (%d) after its removal returned",
			   o->set, id, ret);
}

static void rs_owner_insert(struct rs_owner *o, u32 id, u64 flags)
{
	struct kh_key key = kh_key(o->set, id);
	u32 gen = ++o->next[id], len;
	u8 val[KH_VAL_MAX];
	int want, ret;

	len = kh_fill_value(val, o->set, id, gen);
	want = flags == HMAP_PUT_NOEXIST && o->present[id] ? -EEXIST :
	       flags == HMAP_PUT_EXIST && !o->present[id] ? -ENOENT : 0;
	atomic_set_release(&o->keys[id].issued, gen);
	ret = hmap_insert(o->map, &key, sizeof(key), val, len, flags);
	/*
	 * Where clears and the thief remove keys, a key the model has may
	 * be gone; one it does not have is absent (only its owner inserts).
	 */
	rs_expect(o, "insert", id, ret, want,
		  flags == HMAP_PUT_NOEXIST ? 0 :
		  flags == HMAP_PUT_EXIST ? -ENOENT : want);
	if (ret == -ENOENT && o->present[id]) {
		o->present[id] = false;
		o->npresent--;
	}
	if (ret)
		return;
	if (!o->present[id])
		o->npresent++;
	o->present[id] = true;
	o->gen[id] = gen;
	atomic_set_release(&o->keys[id].done, gen);
}

static void rs_owner_remove(struct rs_owner *o, u32 id, u32 how)
{
	struct kh_key key = kh_key(o->set, id);
	int want = o->present[id] ? 0 : -ENOENT, ret;
	u8 val[KH_VAL_MAX];
	u32 len;

	switch (how) {
	case 0:
		ret = hmap_delete(o->map, &key, sizeof(key));
		rs_expect(o, "delete", id, ret, want, -ENOENT);
		break;
	case 1:
		len = sizeof(val);
		ret = hmap_lookup_and_delete(o->map, &key, sizeof(key), val,
					     &len);
		rs_expect(o, "take", id, ret, want, -ENOENT);
		if (!ret && !kh_value_ok(val, len, o->set, id, o->gen[id]))
			rs_problem(o->rs,
				   "owner of set %u: take id %u: not the value of gen %u (len %u gen %u)",
				   o->set, id, o->gen[id], len,
				   rs_value_gen(val, len));
		break;
	case 2:
		/* Another value than the key's: it stays. */
		len = kh_fill_value(val, o->set, id, o->gen[id] + 1);
		ret = hmap_delete_if_value(o->map, &key, sizeof(key), val,
					   len);
		rs_expect(o, "delete_if_value (another value)", id, ret,
			  o->present[id] ? -EAGAIN : -ENOENT, -ENOENT);
		WRITE_ONCE(o->eagain, o->eagain + (ret == -EAGAIN));
		return;
	default:
		len = kh_fill_value(val, o->set, id, o->gen[id]);
		ret = hmap_delete_if_value(o->map, &key, sizeof(key), val,
					   len);
		rs_expect(o, "delete_if_value", id, ret, want, -ENOENT);
		break;
	}
	if (!ret) {
		rs_removed(o, id);
	} else if (ret == -ENOENT && o->present[id]) {
		o->present[id] = false;
		o->npresent--;
	}
}

/* One write of an owner; fills up to fill_to, then drains to drain_to. */
static void rs_owner_step(struct rs_owner *o, bool *filling)
{
	u32 r = get_random_u32(), id = r % o->n;

	if (*filling && o->npresent >= o->fill_to)
		*filling = false;
	else if (!*filling && o->npresent <= o->drain_to)
		*filling = true;
	o->ops++;
	if ((r >> 16) % 4 != 0) {
		/* Mostly what the phase wants, on a key it applies to. */
		if (*filling) {
			while (o->present[id])
				id = (id + 1) % o->n;
			rs_owner_insert(o, id, HMAP_PUT_NOEXIST);
		} else {
			while (!o->present[id] && o->npresent)
				id = (id + 1) % o->n;
			rs_owner_remove(o, id, (r >> 20) % 4);
		}
		return;
	}
	switch ((r >> 20) % 4) {
	case 0:
		rs_owner_insert(o, id, HMAP_PUT_ANY);
		break;
	case 1:
		rs_owner_insert(o, id, HMAP_PUT_EXIST);
		break;
	case 2:
		rs_owner_insert(o, id, HMAP_PUT_NOEXIST);
		break;
	default:
		rs_owner_remove(o, id, (r >> 24) % 4);
		break;
	}
}

static void rs_update_stable(struct rs *rs, u32 id, u32 gen)
{
	struct kh_key key = kh_key(RS_UPD_SET, id);
	u8 val[KH_VAL_MAX];
	u32 len = kh_fill_value(val, RS_UPD_SET, id, gen);
	int ret;

	atomic_set_release(&rs->upd_issued[id], gen);
	ret = hmap_insert(rs->s, &key, sizeof(key), val, len, HMAP_PUT_EXIST);
	if (ret)
		rs_problem(rs, "update of set %u id %u always there: %d",
			   RS_UPD_SET, id, ret);
}

static int rs_owner_fn(void *data)
{
	struct rs_owner *o = data;
	u32 upd_gen[RS_NUPD] = {};
	bool filling = true;
	u32 id;

	kh_adopt_test(o->rs->test);
	while (!kthread_should_stop()) {
		rs_owner_step(o, &filling);
		if (o->updates && o->ops % 4 == 0) {
			id = get_random_u32_below(RS_NUPD);
			rs_update_stable(o->rs, id, ++upd_gen[id]);
		}
		if (o->ops % 16 == 0)
			cond_resched();
	}
	return 0;
}

/*
 * Map R's writer: fills a group (a bucket) with its RS_COL_GROUP keys, one
 * overflow bucket and more, then removes all but two: the chain keeps its
 * overflow buckets, nearly empty. After half the groups the overflow
 * buckets outnumber the buckets and R rebuilds at the same size. After
 * the last group it removes every key left, and starts over.
 */
static int rs_col_fn(void *data)
{
	struct rs_owner *o = data;
	u32 g = 0, j, id;

	kh_adopt_test(o->rs->test);
	while (!kthread_should_stop()) {
		for (j = 0; j < RS_COL_GROUP; j++) {
			id = g * RS_COL_GROUP + j;
			if (!o->present[id])
				rs_owner_insert(o, id, HMAP_PUT_NOEXIST);
		}
		for (j = 2; j < RS_COL_GROUP; j++) {
			id = g * RS_COL_GROUP + j;
			if (get_random_u32_below(8) == 0)
				rs_owner_remove(o, id, 2);
			rs_owner_remove(o, id, get_random_u32_below(2) * 3);
		}
		o->ops += 2 * RS_COL_GROUP;
		g = (g + 1) % RS_COL_GROUPS;
		for (id = 0; !g && id < RS_NCOL; id++)
			if (o->present[id])
				rs_owner_remove(o, id, 1);
		cond_resched();
	}
	return 0;
}

/* Takes values from map C at random: each must be one not removed yet. */
static int rs_thief_fn(void *data)
{
	struct rs *rs = data;
	u8 val[KH_VAL_MAX];

	kh_adopt_test(rs->test);
	while (!kthread_should_stop()) {
		u32 id = get_random_u32_below(RS_NCLR);
		struct kh_key key = kh_key(RS_CLR_SET, id);
		u32 floor = atomic_read_acquire(&rs->clr[id].floor);
		u32 len = sizeof(val);
		int ret;

		ret = hmap_lookup_and_delete(rs->c, &key, sizeof(key), val,
					     &len);
		if (ret == 0) {
			atomic_long_inc(&rs->takes);
			rs_check_found(rs, "thief", RS_CLR_SET, id,
				       &rs->clr[id], floor, val, len);
			rs_floor_raise(&rs->clr[id], rs_value_gen(val, len));
		} else if (ret != -ENOENT) {
			rs_problem(rs, "thief: take id %u: %d", id, ret);
		}
		usleep_range(20, 200);
	}
	return 0;
}

/*
 * Clears map C now and then, mostly in the middle of a resize; every value
 * inserted before a clear is gone after it.
 */
static int rs_clearer_fn(void *data)
{
	struct rs *rs = data;
	u32 *done = kcalloc(RS_NCLR, sizeof(*done), GFP_KERNEL);
	unsigned int wait;
	int ret;
	u32 id;

	kh_adopt_test(rs->test);
	while (!kthread_should_stop()) {
		msleep(5 + get_random_u32_below(40));
		for (wait = 0; wait < 20; wait++) {
			if (kh_stats(rs->c).resize != HMAP_RESIZING_NONE)
				break;
			usleep_range(100, 500);
		}
		if (!done)
			continue;
		for (id = 0; id < RS_NCLR; id++)
			done[id] = atomic_read_acquire(&rs->clr[id].done);
		ret = hmap_clear(rs->c);
		if (ret)
			rs_problem(rs, "clear: %d", ret);
		for (id = 0; id < RS_NCLR; id++)
			rs_floor_raise(&rs->clr[id], done[id]);
		atomic_long_inc(&rs->clears);
	}
	kfree(done);
	return 0;
}

/**
 * struct rs_dump - one full dump of map S
 * @rs: the run.
 * @fixed: times each RS_FIXED_SET key was returned.
 * @upd: times each RS_UPD_SET key was returned.
 * @floor: each RS_VOL_SET key's removal floor, read before the current
 *	hmap_dump() call began.
 * @room: entries the current call may still take.
 */
struct rs_dump {
	struct rs *rs;
	u8 fixed[RS_NFIXED];
	u8 upd[RS_NUPD];
	u32 floor[RS_NVOL];
	u32 room;
};

static int rs_dump_emit(void *arg, const struct hmap_dump_item *items,
			unsigned int n)
{
	struct rs_dump *d = arg;
	struct rs *rs = d->rs;
	unsigned int i;

	if (n > d->room)
		return HMAP_DUMP_FULL;
	d->room -= n;
	for (i = 0; i < n; i++) {
		const u8 *val = items[i].value;
		u32 len = items[i].value_len, gen = rs_value_gen(val, len);
		struct kh_key k;

		if (items[i].key_len != sizeof(k)) {
			rs_problem(rs, "dump: key of %u bytes", items[i].key_len);
			continue;
		}
		memcpy(&k, items[i].key, sizeof(k));
		/*
		 * The floors were read before the hmap_dump() call began: a
		 * removal that returned before then hides the entry from it.
		 */
		if (k.set == RS_FIXED_SET && k.id < RS_NFIXED &&
		    kh_value_ok(val, len, k.set, k.id, 0))
			d->fixed[k.id]++;
		else if (k.set == RS_UPD_SET && k.id < RS_NUPD &&
			 kh_value_ok(val, len, k.set, k.id, gen))
			d->upd[k.id]++;
		else if (k.set == RS_VOL_SET && k.id < RS_NVOL)
			rs_check_found(rs, "dump", k.set, k.id, &rs->vol[k.id],
				       d->floor[k.id], val, len);
		else
			rs_problem(rs, "dump: bad entry set %u id %u len %u",
				   k.set, k.id, len);
	}
	return 0;
}

/* Full dumps of map S, a few entries per call; stable keys exactly once. */
static int rs_dumper_fn(void *data)
{
	struct rs *rs = data;
	struct rs_dump *d = kzalloc(sizeof(*d), GFP_KERNEL);
	struct hmap_cursor cur;
	u32 id;
	int ret;

	kh_adopt_test(rs->test);
	while (!kthread_should_stop()) {
		if (!d) {
			msleep(20);
			continue;
		}
		memset(d, 0, sizeof(*d));
		d->rs = rs;
		memset(&cur, 0, sizeof(cur));
		while (!cur.done && !kthread_should_stop()) {
			d->room = 1 + get_random_u32_below(16);
			for (id = 0; id < RS_NVOL; id++)
				d->floor[id] =
					atomic_read_acquire(&rs->vol[id].floor);
			ret = hmap_dump(rs->s, &cur, rs_dump_emit, d);
			atomic_long_inc(&rs->dump_calls);
			if (ret < 0)
				rs_problem(rs, "dump: %d", ret);
			cond_resched();
		}
		if (!cur.done)
			break;
		for (id = 0; id < RS_NFIXED; id++)
			if (d->fixed[id] != 1)
				rs_problem(rs, "dump: set %u id %u returned %u times",
					   RS_FIXED_SET, id, d->fixed[id]);
		for (id = 0; id < RS_NUPD; id++)
			if (d->upd[id] != 1)
				rs_problem(rs, "dump: set %u id %u returned %u times",
					   RS_UPD_SET, id, d->upd[id]);
		atomic_long_inc(&rs->scans);
		usleep_range(1000, 3000);
	}
	while (!kthread_should_stop())
		msleep(20);
	kfree(d);
	return 0;
}

/*
 * Turns each map's background worker on and off; while it is off,
 * finishes resizes itself now and then, in this thread (where the race
 * windows apply, unlike in the kworker).
 */
static int rs_worker_fn(void *data)
{
	struct rs *rs = data;
	bool on[3] = { true, true, true };
	struct hmap *maps[3] = { rs->s, rs->c, rs->r };
	u32 r, m;

	kh_adopt_test(rs->test);
	while (!kthread_should_stop()) {
		r = get_random_u32();
		m = r % 3;
		if ((r >> 8) % 8 == 0) {
			on[m] = !on[m];
			hmap_set_worker_enabled(maps[m], on[m]);
			atomic_long_inc(&rs->worker_flips);
		} else if (!on[m]) {
			hmap_worker_run(maps[m]);
			atomic_long_inc(&rs->worker_runs);
		}
		usleep_range(500, 5000);
	}
	return 0;
}

/* Tracepoint probes: count the events of the run's maps, check a little. */
static bool rs_ours(struct rs *rs, u32 map_id)
{
	return map_id == rs->s_id || map_id == rs->c_id || map_id == rs->r_id;
}

static void rs_probe_start(void *data, u32 map_id, u32 kind, u32 old_b,
			   u32 new_b, u64 count)
{
	struct rs *rs = data;

	if (!rs_ours(rs, map_id))
		return;
	atomic_long_inc(&rs->events[0]);
	if (kind == HMAP_RESIZING_GROW ? new_b != old_b + 1 :
	    kind == HMAP_RESIZING_SHRINK ? new_b + 1 != old_b : new_b != old_b)
		rs_problem(rs, "resize_start: kind %u B %u -> %u", kind,
			   old_b, new_b);
}

static void rs_probe_evacuate(void *data, u32 map_id, u32 kind,
			      u64 old_bucket, u32 moved_x, u32 moved_y,
			      u64 nevacuate, u64 old_buckets, u32 write_step,
			      u64 step_ns)
{
	struct rs *rs = data;

	if (!rs_ours(rs, map_id))
		return;
	atomic_long_inc(&rs->events[1]);
	if (old_bucket >= old_buckets || nevacuate > old_buckets ||
	    write_step > 2)
		rs_problem(rs, "evacuate: bucket %llu of %llu, mark %llu, step %u",
			   old_bucket, old_buckets, nevacuate, write_step);
}

static void rs_probe_end(struct rs *rs, unsigned int ev, u32 kind, u32 old_b,
			 u32 new_b)
{
	atomic_long_inc(&rs->events[ev]);
	if (kind < HMAP_RESIZING_GROW || kind > HMAP_RESIZING_SHRINK ||
	    old_b > 31 || new_b > 31)
		rs_problem(rs, "resize end (event %u): kind %u B %u -> %u", ev,
			   kind, old_b, new_b);
}

static void rs_probe_done(void *data, u32 map_id, u32 kind, u32 old_b,
			  u32 new_b, u64 steps_by_writes, u64 steps_by_worker,
			  u64 moved, u64 duration_ns)
{
	if (rs_ours(data, map_id))
		rs_probe_end(data, 2, kind, old_b, new_b);
}

static void rs_probe_abandon(void *data, u32 map_id, u32 kind, u32 old_b,
			     u32 new_b, u64 steps_by_writes,
			     u64 steps_by_worker, u64 moved, u64 duration_ns)
{
	if (rs_ours(data, map_id))
		rs_probe_end(data, 3, kind, old_b, new_b);
}

static int rs_trace_on(struct rs *rs)
{
	int ret;

	ret = register_trace_hmap_resize_start(rs_probe_start, rs);
	if (ret)
		return ret;
	ret = register_trace_hmap_evacuate(rs_probe_evacuate, rs);
	if (ret)
		goto out_start;
	ret = register_trace_hmap_resize_done(rs_probe_done, rs);
	if (ret)
		goto out_evacuate;
	ret = register_trace_hmap_resize_abandon(rs_probe_abandon, rs);
	if (!ret)
		return 0;
	unregister_trace_hmap_resize_done(rs_probe_done, rs);
out_evacuate:
	unregister_trace_hmap_evacuate(rs_probe_evacuate, rs);
out_start:
	unregister_trace_hmap_resize_start(rs_probe_start, rs);
	return ret;
}

static void rs_trace_off(struct rs *rs)
{
	unregister_trace_hmap_resize_abandon(rs_probe_abandon, rs);
	unregister_trace_hmap_resize_done(rs_probe_done, rs);
	unregister_trace_hmap_evacuate(rs_probe_evacuate, rs);
	unregister_trace_hmap_resize_start(rs_probe_start, rs);
	tracepoint_synchronize_unregister();
}

static void rs_stop(void *data)
{
	struct rs *rs = data;
	unsigned int i;

	if (rs->stopped)
		return;
	rs->stopped = true;
	for (i = 0; i < rs->nthreads; i++)
		kthread_stop(rs->threads[i]);
	for (i = 0; i < rs->nreaders; i++)
		kthread_stop(rs->readers[i].task);
}

static void rs_spawn(struct kunit *test, struct rs *rs,
		     int (*fn)(void *data), void *arg, const char *name)
{
	struct task_struct *t;

	KUNIT_ASSERT_LT(test, rs->nthreads, RS_NTHREADS);
	t = kthread_run(fn, arg, "hmap_kunit_%s", name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	rs->threads[rs->nthreads++] = t;
}

static void rs_owner_init(struct kunit *test, struct rs_owner *o,
			  struct rs *rs, struct hmap *map, u32 set,
			  struct rs_key *keys, u32 n, bool strict)
{
	o->rs = rs;
	o->map = map;
	o->set = set;
	o->keys = keys;
	o->n = n;
	o->strict = strict;
	o->fill_to = n * 9 / 10;
	o->drain_to = n / 20;
	o->present = kunit_kcalloc(test, n, sizeof(*o->present), GFP_KERNEL);
	o->gen = kunit_kcalloc(test, n, sizeof(*o->gen), GFP_KERNEL);
	o->next = kunit_kcalloc(test, n, sizeof(*o->next), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, o->present && o->gen && o->next);
}

/* A strict owner's keys are in the map exactly as its model says. */
static void rs_owner_verify(struct kunit *test, struct rs_owner *o)
{
	u32 id, bad = 0;

	for (id = 0; id < o->n; id++) {
		struct kh_key key = kh_key(o->set, id);
		u8 val[KH_VAL_MAX];
		u32 len = sizeof(val);
		int ret = hmap_lookup(o->map, &key, sizeof(key), val, &len);
		bool ok = o->present[id] ?
			  !ret && kh_value_ok(val, len, o->set, id, o->gen[id]) :
			  ret == -ENOENT;

		if (!ok && bad++ < 3)
			KUNIT_FAIL(test, "set %u id %u: lookup %d, model says %s gen %u",
				   o->set, id, ret,
				   o->present[id] ? "present" : "absent",
				   o->gen[id]);
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

static void rs_check_map(struct rs *rs, struct hmap *map, const char *name)
{
	char why[128] = "";

	if (hmap_check(map, why, sizeof(why)))
		rs_problem(rs, "hmap_check(%s): %s", name, why);
}

static void rs_report(struct kunit *test, struct rs *rs, u64 ms,
		      const struct hmap_stats *st)
{
	u64 lookups = 0, found = 0, passes_min = U64_MAX;
	unsigned int i;

	for (i = 0; i < rs->nreaders; i++) {
		lookups += rs->readers[i].lookups;
		found += rs->readers[i].found;
		passes_min = min(passes_min, rs->readers[i].passes);
	}
	kunit_info(test, "%llu ms, %u readers: %llu lookups (%llu volatile found), fewest passes %llu",
		   ms, rs->nreaders, lookups, found, passes_min);
	for (i = 0; i < 3; i++)
		kunit_info(test, "map %c: %llu grows, %llu shrinks, %llu same-size; evacuated by writes %llu, by the worker %llu",
			   "SCR"[i], st[i].grows, st[i].shrinks,
			   st[i].same_size_grows, st[i].evacuated_by_writes,
			   st[i].evacuated_by_worker);
	kunit_info(test, "writes: vol %llu (%llu removed, %llu other values kept), clr %llu, col %llu; %ld takes, %ld clears, %ld scans (%ld dump calls), %ld worker runs, %ld worker flips",
		   rs->owners[0].ops, rs->owners[0].removed,
		   rs->owners[0].eagain, rs->owners[2].ops, rs->owners[1].ops,
		   atomic_long_read(&rs->takes), atomic_long_read(&rs->clears),
		   atomic_long_read(&rs->scans),
		   atomic_long_read(&rs->dump_calls),
		   atomic_long_read(&rs->worker_runs),
		   atomic_long_read(&rs->worker_flips));
	kunit_info(test, "race windows: lookup %ld, retire %ld (%ld grace periods), evacuate %ld, %ld with lookups; events: %ld starts, %ld evacuations, %ld done, %ld abandoned",
		   atomic_long_read(&rs->windows[HMAP_RACE_LOOKUP]),
		   atomic_long_read(&rs->windows[HMAP_RACE_RETIRE]),
		   atomic_long_read(&rs->grace_periods),
		   atomic_long_read(&rs->windows[HMAP_RACE_EVACUATE]),
		   atomic_long_read(&rs->window_lookups),
		   atomic_long_read(&rs->events[0]),
		   atomic_long_read(&rs->events[1]),
		   atomic_long_read(&rs->events[2]),
		   atomic_long_read(&rs->events[3]));
	KUNIT_EXPECT_EQ(test, rs->nreaders, num_online_cpus());
	KUNIT_EXPECT_GT_MSG(test, passes_min, 0, "a reader never ran");
}

/*
 * What the run is for, that must have happened: NULL when all has, else
 * what has not. @st: the stats of S, C and R.
 */
static const char *rs_missing(struct rs *rs, const struct hmap_stats *st)
{
	unsigned int i;

	if (st[0].grows < 2 || st[0].shrinks < 2)
		return "two grows and two shrinks of S";
	if (!st[0].evacuated_by_worker || !st[0].evacuated_by_writes)
		return "evacuations of S by writes and by the worker";
	if (st[1].grows < 2 || !st[1].evacuated_by_worker)
		return "grows of C, evacuations of C by the worker";
	if (!st[2].same_size_grows)
		return "a same-size rebuild of R";
	if (!READ_ONCE(rs->owners[0].removed) ||
	    !READ_ONCE(rs->owners[0].eagain))
		return "removals and compare-deletes that keep the key";
	if (atomic_long_read(&rs->takes) < 1 ||
	    atomic_long_read(&rs->clears) < 3 ||
	    atomic_long_read(&rs->scans) < 3)
		return "a take, three clears, three full dumps";
	if (!atomic_long_read(&rs->worker_runs))
		return "a hmap_worker_run() in the run's worker thread";
	for (i = 0; i < ARRAY_SIZE(rs->windows); i++)
		if (!atomic_long_read(&rs->windows[i]))
			return "every race window";
	if (!atomic_long_read(&rs->window_lookups))
		return "lookups inside a race window";
	for (i = 0; i < 3; i++)
		if (!atomic_long_read(&rs->events[i]))
			return "tracepoint events start, evacuate, done";
	return NULL;
}

static void rs_stats(struct rs *rs, struct hmap_stats *st)
{
	st[0] = kh_stats(rs->s);
	st[1] = kh_stats(rs->c);
	st[2] = kh_stats(rs->r);
}

static void hmap_stress_races(struct kunit *test)
{
	struct rs *rs = kunit_kzalloc(test, sizeof(*rs), GFP_KERNEL);
	u64 start, end, limit, next_trace, next_check, now;
	struct hmap_stats st[3];
	const char *missing;
	bool tracing = false;
	unsigned int cpu, i;
	int ret;
	u32 id;

	KUNIT_ASSERT_NOT_NULL(test, rs);
	rs->test = test;
	spin_lock_init(&rs->lock);
	get_random_bytes(&rs_hash_key, sizeof(rs_hash_key));
	rs->s = kh_create(test, 10000, sizeof(struct kh_key), KH_VAL_MAX, 0);
	rs->c = kh_create(test, 10000, sizeof(struct kh_key), KH_VAL_MAX, 0);
	rs->r = kh_create(test, 10000, sizeof(struct kh_key), KH_VAL_MAX, 104);
	rs->s_id = kh_stats(rs->s).id;
	rs->c_id = kh_stats(rs->c).id;
	rs->r_id = kh_stats(rs->r).id;
	kh_set_hash(test, rs->r, rs_hash);
	for (id = 0; id < RS_NFIXED; id++) {
		struct kh_key key = kh_key(RS_FIXED_SET, id);
		u8 val[KH_VAL_MAX];
		u32 len = kh_fill_value(val, RS_FIXED_SET, id, 0);

		KUNIT_ASSERT_EQ(test, hmap_insert(rs->s, &key, sizeof(key), val,
						  len, HMAP_PUT_NOEXIST), 0);
		key = kh_key(RS_UPD_SET, id);
		len = kh_fill_value(val, RS_UPD_SET, id, 0);
		KUNIT_ASSERT_EQ(test, hmap_insert(rs->s, &key, sizeof(key), val,
						  len, HMAP_PUT_NOEXIST), 0);
	}
	/* Windows look keys always there up: only once they are. */
	kh_set_race(test, rs->s, rs_window, rs);
	kh_set_race(test, rs->c, rs_window, rs);
	kh_set_race(test, rs->r, rs_window, rs);
	rs_owner_init(test, &rs->owners[0], rs, rs->s, RS_VOL_SET, rs->vol,
		      RS_NVOL, true);
	rs->owners[0].updates = true;
	rs_owner_init(test, &rs->owners[1], rs, rs->r, RS_COL_SET, rs->col,
		      RS_NCOL, true);
	rs_owner_init(test, &rs->owners[2], rs, rs->c, RS_CLR_SET, rs->clr,
		      RS_NCLR, false);

	rs->readers = kunit_kcalloc(test, num_online_cpus(),
				    sizeof(*rs->readers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rs->readers);
	ret = kunit_add_action_or_reset(test, rs_stop, rs);
	KUNIT_ASSERT_EQ(test, ret, 0);
	for_each_online_cpu(cpu) {
		struct rs_reader *r = &rs->readers[rs->nreaders];
		struct task_struct *t;

		if (rs->nreaders == num_online_cpus())
			break;
		r->rs = rs;
		r->cpu = cpu;
		t = kthread_create(rs_reader_fn, r, "hmap_kunit_rr/%u", cpu);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
		kthread_bind(t, cpu);
		r->task = t;
		rs->nreaders++;
		wake_up_process(t);
	}
	rs_spawn(test, rs, rs_owner_fn, &rs->owners[0], "vol");
	rs_spawn(test, rs, rs_col_fn, &rs->owners[1], "col");
	rs_spawn(test, rs, rs_owner_fn, &rs->owners[2], "clr");
	rs_spawn(test, rs, rs_thief_fn, rs, "thief");
	rs_spawn(test, rs, rs_clearer_fn, rs, "clearer");
	rs_spawn(test, rs, rs_dumper_fn, rs, "dumper");
	rs_spawn(test, rs, rs_worker_fn, rs, "worker");

	/*
	 * Timed by the clocksource, not jiffies: a guest under TCG on a
	 * busy host loses timer ticks.
	 */
	start = ktime_get_ns();
	end = start + (u64)stress_ms * NSEC_PER_MSEC;
	limit = end + (u64)stress_ms * NSEC_PER_MSEC;
	next_trace = start;
	next_check = start + NSEC_PER_SEC;
	for (;;) {
		now = ktime_get_ns();
		if (atomic_read(&rs->problems) || now > limit)
			break;
		if (now > end) {
			rs_stats(rs, st);
			if (!rs_missing(rs, st))
				break;
		}
		if (now >= next_trace) {
			/* The probes are on for about half of the run. */
			if (tracing) {
				rs_trace_off(rs);
				tracing = false;
			} else if (rs_trace_on(rs)) {
				rs_problem(rs, "probes not registered");
			} else {
				tracing = true;
			}
			next_trace = now + (100 + get_random_u32_below(400)) *
					   NSEC_PER_MSEC;
		}
		if (now >= next_check) {
			rs_check_map(rs, rs->s, "S");
			rs_check_map(rs, rs->c, "C");
			rs_check_map(rs, rs->r, "R");
			next_check = now + NSEC_PER_SEC;
		}
		msleep(20);
	}
	rs_stop(rs);
	if (tracing)
		rs_trace_off(rs);
	rs_stats(rs, st);
	rs_report(test, rs, div_u64(ktime_get_ns() - start, NSEC_PER_MSEC), st);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&rs->problems), 0, "%s",
			    rs->first);
	rs_owner_verify(test, &rs->owners[0]);
	rs_owner_verify(test, &rs->owners[1]);
	for (i = 0; i < RS_NFIXED; i++)
		rs_lookup_stable(rs, "end", RS_FIXED_SET, i, NULL);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&rs->problems), 0, "%s",
			    rs->first);
	KH_ASSERT_CONSISTENT(test, rs->s);
	KH_ASSERT_CONSISTENT(test, rs->c);
	KH_ASSERT_CONSISTENT(test, rs->r);
	/* A run cut short by a problem has said what matters. */
	missing = atomic_read(&rs->problems) ? NULL : rs_missing(rs, st);
	KUNIT_EXPECT_NULL_MSG(test, missing, "the run never saw %s",
			      missing ?: "");
}

static struct kunit_case hmap_stress_cases[] = {
	KUNIT_CASE_SLOW(hmap_stress_lookups),
	KUNIT_CASE_SLOW(hmap_stress_races),
	{}
};

static struct kunit_suite hmap_stress_suite = {
	.name = "hmap_stress",
	.test_cases = hmap_stress_cases,
};

kunit_test_suites(&hmap_stress_suite);
