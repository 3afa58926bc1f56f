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
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/unaligned.h>

#include "hmap_kunit.h"

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
	if (kh_stats(map).resize == HMAP_RESIZE_NONE) {
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
					  HMAP_EXIST), 0);
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
		kh_model_insert(test, map, fixed, id, 0, HMAP_NOEXIST);
	for (id = 0; id < NUPDATED; id++)
		kh_model_insert(test, map, upd, id, 0, HMAP_NOEXIST);
	KUNIT_ASSERT_TRUE(test, kh_wait_resize_done(map, 10000));
	s0 = kh_stats(map);

	start_readers(test, st, map);
	end = jiffies + msecs_to_jiffies(STRESS_MS);
	for (cycles = 0; cycles < MAX_CYCLES; cycles++) {
		if (cycles >= MIN_CYCLES && time_after(jiffies, end))
			break;
		hmap_test_set_worker(map, cycles & 1);
		for (id = 0; id < NCHURN; id++) {
			kh_model_insert(test, map, churn, id, cycles,
					HMAP_NOEXIST);
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

static struct kunit_case hmap_stress_cases[] = {
	KUNIT_CASE_SLOW(hmap_stress_lookups),
	{}
};

static struct kunit_suite hmap_stress_suite = {
	.name = "hmap_stress",
	.test_cases = hmap_stress_cases,
};

kunit_test_suites(&hmap_stress_suite);
