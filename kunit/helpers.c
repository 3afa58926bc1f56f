// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the hmap KUnit suites.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/poison.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/unaligned.h>

#include "hmap_kunit.h"
#include "hmap_trace.h"

KUNIT_DEFINE_ACTION_WRAPPER(kh_destroy_action, hmap_destroy, struct hmap *);

/**
 * kh_fkey_hash() - the hash of a forced-hash map
 * @key: a struct kh_fkey, which carries its own hash.
 * @key_len: its length.
 *
 * Return: the hash @key carries; 0 for a key of any other length, so a
 * test that mixes key kinds sees it fail.
 */
u64 kh_fkey_hash(const void *key, u32 key_len)
{
	if (key_len != sizeof(struct kh_fkey))
		return 0;
	return get_unaligned((const u64 *)key);
}

/*
 * A value that says whose it is: 4 bytes of id ^ set << 24, 4 bytes of
 * generation, then a pattern of both; 8..KH_VAL_MAX bytes, the length
 * depending on all three. A value from another key, another generation,
 * or torn between two is caught by kh_value_ok().
 */
static u32 kh_value_len(u32 set, u32 id, u32 gen)
{
	return 8 + (id * 7 + gen * 3 + set) % (KH_VAL_MAX - 8 + 1);
}

static u8 kh_value_byte(u32 set, u32 id, u32 gen, u32 j)
{
	return (u8)(id * 13 + gen * 5 + set * 17 + j * 31);
}

/**
 * kh_fill_value() - write the value of a key of one generation
 * @buf: at least KH_VAL_MAX bytes.
 * @set: the key's set.
 * @id: the key's id.
 * @gen: the value's generation.
 *
 * Return: the value's length, 8..KH_VAL_MAX.
 */
u32 kh_fill_value(void *buf, u32 set, u32 id, u32 gen)
{
	u32 len = kh_value_len(set, id, gen);
	u8 *p = buf;
	u32 j;

	put_unaligned(id ^ (set << 24), (u32 *)p);
	put_unaligned(gen, (u32 *)(p + 4));
	for (j = 8; j < len; j++)
		p[j] = kh_value_byte(set, id, gen, j);
	return len;
}

/**
 * kh_value_ok() - check a value against what kh_fill_value() writes
 * @buf: the value.
 * @len: its length.
 * @set: the key's set.
 * @id: the key's id.
 * @gen: the generation it must be.
 *
 * Return: true when @buf is exactly that value, whole.
 */
bool kh_value_ok(const void *buf, u32 len, u32 set, u32 id, u32 gen)
{
	const u8 *p = buf;
	u32 j;

	if (len != kh_value_len(set, id, gen))
		return false;
	if (get_unaligned((const u32 *)p) != (id ^ (set << 24)) ||
	    get_unaligned((const u32 *)(p + 4)) != gen)
		return false;
	for (j = 8; j < len; j++)
		if (p[j] != kh_value_byte(set, id, gen, j))
			return false;
	return true;
}

/*
 * Test hooks. The core calls hmap_key_hash(), hmap_alloc_should_fail() and
 * hmap_race_window(); a test redirects them to the kh_*_stub() functions
 * below, which look up what the test asked for the map at hand. The state
 * lives in a list of struct kh_hooks, one per hooked map, read under RCU
 * (the stubs run in lookups, under map->lock, and in readers on every
 * CPU) and freed when the test that made it ends.
 */

/**
 * struct kh_hooks - what a test asked of one map's hooks
 * @node: in kh_hooks_list.
 * @map: the map.
 * @hash: replaces the map's keyed hash, or NULL.
 * @race: called at the map's race windows, or NULL.
 * @race_arg: its argument.
 * @lock: protects the allocation failure counters.
 * @fail_skip: allocations to let through before failing.
 * @fail_count: allocations to fail after those.
 * @failed: allocations failed so far.
 * @largest: the largest allocation asked for since kh_largest_alloc().
 * @rcu: frees the hooks after a grace period.
 */
struct kh_hooks {
	struct list_head node;
	const struct hmap *map;
	kh_hash_fn hash;
	kh_race_fn race;
	void *race_arg;
	spinlock_t lock;	/* protects the fail_* counters */
	unsigned int fail_skip;
	unsigned int fail_count;
	unsigned int failed;
	size_t largest;
	struct rcu_head rcu;
};

static LIST_HEAD(kh_hooks_list);
static DEFINE_SPINLOCK(kh_hooks_lock);	/* serializes changes to the list */

/* Context: rcu_read_lock() held. */
static struct kh_hooks *kh_hooks_find(const struct hmap *map)
{
	struct kh_hooks *h;

	list_for_each_entry_rcu(h, &kh_hooks_list, node)
		if (READ_ONCE(h->map) == map)
			return h;
	return NULL;
}

static void kh_hooks_free(void *data)
{
	struct kh_hooks *h = data;

	spin_lock(&kh_hooks_lock);
	list_del_rcu(&h->node);
	spin_unlock(&kh_hooks_lock);
	kfree_rcu(h, rcu);
}

/*
 * The hooks of @map, made on first use; they go away when @test ends (or
 * with kh_forget()). Only the test's own thread makes hooks.
 */
static struct kh_hooks *kh_hooks_get(struct kunit *test, struct hmap *map)
{
	struct kh_hooks *h;
	int ret;

	rcu_read_lock();
	h = kh_hooks_find(map);
	rcu_read_unlock();
	if (h)
		return h;
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	h->map = map;
	spin_lock_init(&h->lock);
	spin_lock(&kh_hooks_lock);
	list_add_rcu(&h->node, &kh_hooks_list);
	spin_unlock(&kh_hooks_lock);
	ret = kunit_add_action_or_reset(test, kh_hooks_free, h);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return h;
}

/*
 * The core's own hmap_key_hash(): called with the task out of the test for
 * the moment, so that the static stub does not redirect it back here.
 */
static u64 kh_real_key_hash(const struct hmap *map, const void *key,
			    u32 key_len)
{
	struct kunit *test = current->kunit_test;
	u64 hash;

	current->kunit_test = NULL;
	hash = hmap_key_hash(map, key, key_len);
	current->kunit_test = test;
	return hash;
}

static u64 kh_key_hash_stub(const struct hmap *map, const void *key,
			    u32 key_len)
{
	kh_hash_fn fn = NULL;
	struct kh_hooks *h;

	rcu_read_lock();
	h = kh_hooks_find(map);
	if (h)
		fn = READ_ONCE(h->hash);
	rcu_read_unlock();
	return fn ? fn(key, key_len) : kh_real_key_hash(map, key, key_len);
}

static bool kh_alloc_should_fail_stub(const struct hmap *map, size_t size)
{
	struct kh_hooks *h;
	bool fail = false;

	rcu_read_lock();
	h = kh_hooks_find(map);
	if (h) {
		spin_lock(&h->lock);
		h->largest = max(h->largest, size);
		if (h->fail_count) {
			if (h->fail_skip) {
				h->fail_skip--;
			} else {
				h->fail_count--;
				h->failed++;
				fail = true;
			}
		}
		spin_unlock(&h->lock);
	}
	rcu_read_unlock();
	return fail;
}

static void kh_race_window_stub(const struct hmap *map,
				enum hmap_race_point where)
{
	kh_race_fn fn = NULL;
	struct kh_hooks *h;
	void *arg = NULL;

	rcu_read_lock();
	h = kh_hooks_find(map);
	if (h) {
		fn = READ_ONCE(h->race);
		arg = READ_ONCE(h->race_arg);
	}
	rcu_read_unlock();
	if (fn)
		fn(map, where, arg);
}

/**
 * kh_set_hash() - replace a map's keyed hash for the rest of the test
 * @test: the test.
 * @map: the map.
 * @fn: the hash to use, or NULL for the map's own again.
 *
 * Every insert, lookup and removal of @map made by the test's thread (or
 * a thread that called kh_adopt_test()) hashes its key with @fn. Other
 * threads, such as the map's background worker, never hash a key.
 *
 * Context: the test's thread.
 */
void kh_set_hash(struct kunit *test, struct hmap *map, kh_hash_fn fn)
{
	struct kh_hooks *h = kh_hooks_get(test, map);

	WRITE_ONCE(h->hash, fn);
	kunit_activate_static_stub(test, hmap_key_hash, kh_key_hash_stub);
}

/**
 * kh_fail_allocs() - make a map's allocations fail
 * @test: the test.
 * @map: the map.
 * @skip: allocations to let through first.
 * @count: allocations to fail after those (UINT_MAX: all); 0 to stop.
 *
 * Applies to the allocations of @map made by the test's thread (or a
 * thread that called kh_adopt_test()); not to the background worker's.
 *
 * Context: the test's thread.
 */
void kh_fail_allocs(struct kunit *test, struct hmap *map, unsigned int skip,
		    unsigned int count)
{
	struct kh_hooks *h = kh_hooks_get(test, map);

	spin_lock(&h->lock);
	h->fail_skip = skip;
	h->fail_count = count;
	spin_unlock(&h->lock);
	kunit_activate_static_stub(test, hmap_alloc_should_fail,
				   kh_alloc_should_fail_stub);
}

/**
 * kh_allocs_failed() - allocations of a map that kh_fail_allocs() failed
 * @map: the map.
 *
 * Return: how many, since the map was hooked; 0 if it never was.
 */
unsigned int kh_allocs_failed(struct hmap *map)
{
	unsigned int n = 0;
	struct kh_hooks *h;

	rcu_read_lock();
	h = kh_hooks_find(map);
	if (h) {
		spin_lock(&h->lock);
		n = h->failed;
		spin_unlock(&h->lock);
	}
	rcu_read_unlock();
	return n;
}

/**
 * kh_largest_alloc() - the largest allocation of a map since the last call
 * @map: the map, hooked by kh_fail_allocs() (a count of 0 only watches).
 *
 * Counts what the test's thread allocates (and threads that called
 * kh_adopt_test()); not the background worker's allocations.
 *
 * Return: the most bytes one allocation asked for since the previous call,
 * or since the map was hooked; 0 if none, or if it never was.
 */
size_t kh_largest_alloc(struct hmap *map)
{
	struct kh_hooks *h;
	size_t n = 0;

	rcu_read_lock();
	h = kh_hooks_find(map);
	if (h) {
		spin_lock(&h->lock);
		n = h->largest;
		h->largest = 0;
		spin_unlock(&h->lock);
	}
	rcu_read_unlock();
	return n;
}

/**
 * kh_set_race() - act at a map's race windows for the rest of the test
 * @test: the test.
 * @map: the map.
 * @fn: called at every hmap_race_window() of @map, or NULL for nothing.
 * @arg: passed to @fn; must live until the test ends.
 *
 * Applies in the test's thread and in threads that called kh_adopt_test().
 *
 * Context: the test's thread.
 */
void kh_set_race(struct kunit *test, struct hmap *map, kh_race_fn fn,
		 void *arg)
{
	struct kh_hooks *h = kh_hooks_get(test, map);

	WRITE_ONCE(h->race_arg, arg);
	WRITE_ONCE(h->race, fn);
	kunit_activate_static_stub(test, hmap_race_window, kh_race_window_stub);
}

/**
 * kh_forget() - drop a map's hooks now
 * @map: the map, about to be destroyed by the test itself.
 *
 * A map the test destroys before it ends must be forgotten first, or a map
 * created later at the same address would inherit its hooks.
 *
 * Context: the test's thread; not while another thread uses @map.
 */
void kh_forget(struct hmap *map)
{
	struct kh_hooks *h;

	rcu_read_lock();
	h = kh_hooks_find(map);
	if (h)
		WRITE_ONCE(h->map, NULL);
	rcu_read_unlock();
}

/**
 * kh_adopt_test() - join the calling kthread to a test, or leave it
 * @test: the test that started the thread; NULL to leave it again.
 *
 * Static stubs redirect only calls made in the test's context: a kthread
 * the test started gets the test's hooks (hash, failures, race windows)
 * only once it called this. The test must stop the thread before it ends.
 * Each call the stubs redirect costs a search of the test's resources, so
 * a thread may leave the test for work that needs no hook.
 *
 * Context: a kthread the test started, before it uses a hooked map.
 */
void kh_adopt_test(struct kunit *test)
{
	current->kunit_test = test;
}

/*
 * Fill the buckets a map leaves unset with POISON_FREE, as the user-space
 * build's allocator fills all such memory: a read of a bucket before it is
 * set then faults on a slot pointer or fails hmap_check().
 */
static void kh_buckets_left_unset_stub(const struct hmap *map, void *buckets,
				       size_t size)
{
	memset(buckets, POISON_FREE, size);
}

/**
 * kh_create_params() - create a map that is destroyed when the test ends
 * @test: the test.
 * @p: the map's parameters.
 *
 * Fails the test (an assertion) if the map cannot be created.
 *
 * Return: the map.
 */
struct hmap *kh_create_params(struct kunit *test, const struct hmap_params *p)
{
	struct hmap *map;
	int ret;

	/*
	 * The arrays the test's threads allocate (the writes' own, up to
	 * 2^HMAP_INLINE_LOG2 buckets); not the worker's, which runs outside
	 * the test.
	 */
	kunit_activate_static_stub(test, hmap_buckets_left_unset,
				   kh_buckets_left_unset_stub);
	map = hmap_create(p);
	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, map,
					 "hmap_create(%u, %u, %u, %u, %#x)",
					 p->max_entries, p->max_key_size,
					 p->max_value_size, p->size_hint,
					 p->flags);
	ret = kunit_add_action_or_reset(test, kh_destroy_action, map);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return map;
}

/**
 * kh_create() - kh_create_params() without flags
 * @test: the test.
 * @max_entries: &struct hmap_params of the map.
 * @max_key: its max_key_size.
 * @max_value: its max_value_size.
 * @size_hint: its size_hint.
 *
 * Return: the map.
 */
struct hmap *kh_create(struct kunit *test, u32 max_entries, u32 max_key,
		       u32 max_value, u32 size_hint)
{
	const struct hmap_params p = {
		.max_entries = max_entries,
		.max_key_size = max_key,
		.max_value_size = max_value,
		.size_hint = size_hint,
	};

	return kh_create_params(test, &p);
}

/**
 * kh_create_forced() - create a map of struct kh_fkey keys and forced hashes
 * @test: the test.
 * @max_entries: the map's entry limit.
 * @size_hint: its size hint.
 *
 * Values up to KH_VAL_MAX bytes; every key hashes to the hash it carries
 * (kh_fkey_hash()) when the test's thread uses it.
 *
 * Return: the map, destroyed when the test ends.
 */
struct hmap *kh_create_forced(struct kunit *test, u32 max_entries,
			      u32 size_hint)
{
	struct hmap *map = kh_create(test, max_entries, sizeof(struct kh_fkey),
				     KH_VAL_MAX, size_hint);

	kh_set_hash(test, map, kh_fkey_hash);
	return map;
}

/**
 * kh_model_new() - a model of ids 0..@n-1 of kh_key set @set, all absent
 * @test: the test; the model is freed when it ends.
 * @set: the keys' set.
 * @n: how many ids.
 *
 * Return: the model.
 */
struct kh_model *kh_model_new(struct kunit *test, u32 set, u32 n)
{
	struct kh_model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->present = kunit_kcalloc(test, n, sizeof(*m->present), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->present);
	m->gen = kunit_kcalloc(test, n, sizeof(*m->gen), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->gen);
	m->set = set;
	m->n = n;
	return m;
}

/*
 * Whether a model operation's result is reported: the first few are, the
 * rest only fail the test, so that a broken map cannot flood the kernel
 * log (the harness reads the KTAP back from it).
 */
static bool kh_model_report(struct kunit *test, struct kh_model *m)
{
	if (m->reported < 5) {
		m->reported++;
		return true;
	}
	kunit_set_failure(test);
	return false;
}

/**
 * kh_model_insert() - insert a key and check the result against the model
 * @test: the test.
 * @map: the map.
 * @m: the model, updated when the insert succeeds.
 * @id: the key's id.
 * @gen: the generation of its new value.
 * @flags: HMAP_PUT_ANY, HMAP_PUT_NOEXIST or HMAP_PUT_EXIST.
 *
 * Fails the test when the result is not what the model expects (-ENOMEM
 * is accepted if @m->allow_enomem).
 *
 * Return: what hmap_insert() returned.
 */
int kh_model_insert(struct kunit *test, struct hmap *map, struct kh_model *m,
		    u32 id, u32 gen, u64 flags)
{
	struct kh_key k = kh_key(m->set, id);
	u8 val[KH_VAL_MAX];
	u32 len = kh_fill_value(val, m->set, id, gen);
	int want = 0, ret;

	KUNIT_ASSERT_LT(test, id, m->n);
	if (flags == HMAP_PUT_NOEXIST && m->present[id])
		want = -EEXIST;
	else if (flags == HMAP_PUT_EXIST && !m->present[id])
		want = -ENOENT;
	ret = hmap_insert(map, &k, sizeof(k), val, len, flags);
	if (ret != want && !(m->allow_enomem && ret == -ENOMEM) &&
	    kh_model_report(test, m))
		KUNIT_FAIL(test, "insert set %u id %u gen %u flags %llu: %d, want %d",
			   m->set, id, gen, flags, ret, want);
	if (ret == 0) {
		if (!m->present[id])
			m->count++;
		m->present[id] = true;
		m->gen[id] = gen;
	}
	return ret;
}

/**
 * kh_model_delete() - delete a key and check the result against the model
 * @test: the test.
 * @map: the map.
 * @m: the model, updated when the delete succeeds.
 * @id: the key's id.
 *
 * Fails the test unless the result is 0 for a present key and -ENOENT for
 * an absent one (never -ENOMEM: a removal needs no memory).
 *
 * Return: what hmap_delete() returned.
 */
int kh_model_delete(struct kunit *test, struct hmap *map, struct kh_model *m,
		    u32 id)
{
	struct kh_key k = kh_key(m->set, id);
	int want, ret;

	KUNIT_ASSERT_LT(test, id, m->n);
	want = m->present[id] ? 0 : -ENOENT;
	ret = hmap_delete(map, &k, sizeof(k));
	if (ret != want && kh_model_report(test, m))
		KUNIT_FAIL(test, "delete set %u id %u: %d, want %d", m->set, id,
			   ret, want);
	if (ret == 0) {
		m->present[id] = false;
		m->count--;
	}
	return ret;
}

/**
 * kh_model_lookup_and_delete() - take a key and check it against the model
 * @test: the test.
 * @map: the map.
 * @m: the model, updated when the take succeeds.
 * @id: the key's id.
 *
 * As kh_model_delete(), and the value taken must be the model's.
 *
 * Return: what hmap_lookup_and_delete() returned.
 */
int kh_model_lookup_and_delete(struct kunit *test, struct hmap *map,
			       struct kh_model *m, u32 id)
{
	struct kh_key k = kh_key(m->set, id);
	u8 val[KH_VAL_MAX];
	u32 len = sizeof(val);
	int want, ret;

	KUNIT_ASSERT_LT(test, id, m->n);
	want = m->present[id] ? 0 : -ENOENT;
	ret = hmap_lookup_and_delete(map, &k, sizeof(k), val, &len);
	if (ret != want && kh_model_report(test, m))
		KUNIT_FAIL(test, "lookup_and_delete set %u id %u: %d, want %d",
			   m->set, id, ret, want);
	if (ret == 0) {
		if (!(m->present[id] &&
		      kh_value_ok(val, len, m->set, id, m->gen[id])) &&
		    kh_model_report(test, m))
			KUNIT_FAIL(test,
				   "lookup_and_delete set %u id %u: wrong value (len %u)",
				   m->set, id, len);
		m->present[id] = false;
		m->count--;
	}
	return ret;
}

/**
 * kh_model_verify() - look up every key of a model
 * @test: the test.
 * @map: the map.
 * @m: the model.
 *
 * Fails the test unless the present keys are found with their values, the
 * absent ones are not, and (unless @m->shares_map) the map's count is the
 * model's.
 */
void kh_model_verify(struct kunit *test, struct hmap *map,
		     const struct kh_model *m)
{
	unsigned int bad = 0;
	u8 val[KH_VAL_MAX];
	u32 id;

	for (id = 0; id < m->n; id++) {
		struct kh_key k = kh_key(m->set, id);
		u32 len = sizeof(val);
		int ret = hmap_lookup(map, &k, sizeof(k), val, &len);
		int want = m->present[id] ? 0 : -ENOENT;
		bool ok = ret == want &&
			  (ret || kh_value_ok(val, len, m->set, id,
					      m->gen[id]));

		if (ok)
			continue;
		if (++bad <= 3)
			KUNIT_FAIL(test,
				   "lookup set %u id %u: %d (want %d), len %u, value %s",
				   m->set, id, ret, want, len,
				   ret ? "-" : "wrong");
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "%u of %u keys looked up wrong",
			    bad, m->n);
	if (!m->shares_map)
		KUNIT_EXPECT_EQ_MSG(test, kh_stats(map).count, m->count,
				    "stats count vs model");
}

/**
 * kh_wait_resize_done() - wait until a map has no resize in progress
 * @map: the map.
 * @timeout_ms: how long to wait at most.
 *
 * The worker's queued pass runs first: a resize it has yet to start (its
 * spare being ready only then) counts as in progress.
 *
 * Return: true when no resize is in progress, false after @timeout_ms.
 */
bool kh_wait_resize_done(struct hmap *map, unsigned int timeout_ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(timeout_ms);

	for (;;) {
		hmap_worker_flush(map);
		if (kh_stats(map).resize == HMAP_RESIZING_NONE)
			return true;
		if (time_after(jiffies, end))
			return false;
		usleep_range(2000, 5000);
	}
}

/**
 * kh_nth_online_cpu() - the online CPUs taken in turn
 * @i: which one.
 *
 * Return: the @i-th online CPU, modulo their number.
 */
unsigned int kh_nth_online_cpu(unsigned int i)
{
	unsigned int cpu, k = 0;

	i %= num_online_cpus();
	for_each_online_cpu(cpu)
		if (k++ == i)
			return cpu;
	return 0;
}

/* Tracepoint recorder. */

static void kh_trace_bad(struct kh_trace *tr, const char *what, u64 a, u64 b)
{
	if (!tr->c.bad++)
		snprintf(tr->bad_msg, sizeof(tr->bad_msg), "%s (%llu, %llu)",
			 what, a, b);
}

static void kh_probe_start(void *data, u32 map_id, u32 kind, u32 old_b,
			   u32 new_b, u64 count)
{
	struct kh_trace *tr = data;
	struct kh_trace_counts *c = &tr->c;

	if (map_id != tr->map_id)
		return;
	spin_lock(&tr->lock);
	if (c->starts != c->dones + c->abandons)
		kh_trace_bad(tr, "resize_start while a resize is in progress",
			     c->starts, c->dones);
	c->starts++;
	c->start_kind = kind;
	c->start_old_b = old_b;
	c->start_new_b = new_b;
	c->start_count = count;
	c->old_buckets = 1ULL << old_b;
	c->cur_write_steps = 0;
	c->cur_worker_steps = 0;
	c->cur_moved = 0;
	memset(tr->evacs, 0, sizeof(tr->evacs));
	memset(tr->moved_x, 0, sizeof(tr->moved_x));
	memset(tr->moved_y, 0, sizeof(tr->moved_y));
	spin_unlock(&tr->lock);
}

static void kh_probe_evacuate(void *data, u32 map_id, u32 kind,
			      u64 old_bucket, u32 moved_x, u32 moved_y,
			      u64 nevacuate, u64 old_buckets, u32 write_step,
			      u64 step_ns)
{
	struct kh_trace *tr = data;
	struct kh_trace_counts *c = &tr->c;

	if (map_id != tr->map_id)
		return;
	spin_lock(&tr->lock);
	if (c->starts == c->dones + c->abandons)
		kh_trace_bad(tr, "evacuate outside a resize", old_bucket,
			     write_step);
	if (kind != c->start_kind)
		kh_trace_bad(tr, "evacuate kind differs from start's", kind,
			     c->start_kind);
	if (old_buckets != c->old_buckets)
		kh_trace_bad(tr, "evacuate old_buckets differs from 2^old_b",
			     old_buckets, c->old_buckets);
	if (old_bucket >= old_buckets)
		kh_trace_bad(tr, "evacuate old_bucket out of range",
			     old_bucket, old_buckets);
	if (nevacuate > old_buckets)
		kh_trace_bad(tr, "evacuate nevacuate out of range", nevacuate,
			     old_buckets);
	if (kind != HMAP_RESIZING_GROW && moved_y)
		kh_trace_bad(tr, "moved_y != 0 in a resize that is no grow",
			     kind, moved_y);
	if (write_step > 2)
		kh_trace_bad(tr, "write_step > 2", write_step, old_bucket);
	if (write_step == 2 && c->last_write_step != 1)
		kh_trace_bad(tr, "write_step 2 not after 1", old_bucket,
			     c->last_write_step);
	if (write_step) {
		c->last_write_step = write_step;
		c->write_steps++;
		c->cur_write_steps++;
	} else {
		c->worker_steps++;
		c->cur_worker_steps++;
	}
	c->cur_moved += moved_x + moved_y;
	if (old_bucket < KH_TRACE_MAX_BUCKETS) {
		tr->evacs[old_bucket]++;
		tr->moved_x[old_bucket] += moved_x;
		tr->moved_y[old_bucket] += moved_y;
	}
	spin_unlock(&tr->lock);
}

/*
 * What hmap_resize_done and hmap_resize_abandon have in common: each ends
 * the resize the last hmap_resize_start began, and its totals are those of
 * the hmap_evacuate events since. Context: tr->lock held.
 */
static void kh_probe_end(struct kh_trace *tr, const char *what, u32 kind,
			 u32 old_b, u32 new_b, u64 steps_by_writes,
			 u64 steps_by_worker, u64 moved)
{
	struct kh_trace_counts *c = &tr->c;

	if (c->starts != c->dones + c->abandons + 1)
		kh_trace_bad(tr, what, c->starts, c->dones + c->abandons);
	if (kind != c->start_kind || old_b != c->start_old_b ||
	    new_b != c->start_new_b)
		kh_trace_bad(tr, "resize end: kind/B differ from start's",
			     kind, old_b);
	if (steps_by_writes != c->cur_write_steps ||
	    steps_by_worker != c->cur_worker_steps)
		kh_trace_bad(tr, "resize end: steps differ from evacuate events",
			     steps_by_writes, steps_by_worker);
	if (moved != c->cur_moved)
		kh_trace_bad(tr, "resize end: moved differs from evacuate events",
			     moved, c->cur_moved);
}

static void kh_probe_abandon(void *data, u32 map_id, u32 kind, u32 old_b,
			     u32 new_b, u64 steps_by_writes,
			     u64 steps_by_worker, u64 moved, u64 duration_ns)
{
	struct kh_trace *tr = data;

	if (map_id != tr->map_id)
		return;
	spin_lock(&tr->lock);
	kh_probe_end(tr, "resize_abandon without a start", kind, old_b, new_b,
		     steps_by_writes, steps_by_worker, moved);
	tr->c.abandons++;
	spin_unlock(&tr->lock);
}

static void kh_probe_done(void *data, u32 map_id, u32 kind, u32 old_b,
			  u32 new_b, u64 steps_by_writes, u64 steps_by_worker,
			  u64 moved, u64 duration_ns)
{
	struct kh_trace *tr = data;
	struct kh_trace_counts *c = &tr->c;
	u64 i, n;

	if (map_id != tr->map_id)
		return;
	spin_lock(&tr->lock);
	kh_probe_end(tr, "resize_done without a start", kind, old_b, new_b,
		     steps_by_writes, steps_by_worker, moved);
	c->dones++;
	c->done_kind = kind;
	c->done_old_b = old_b;
	c->done_new_b = new_b;
	c->done_writes = steps_by_writes;
	c->done_worker = steps_by_worker;
	c->done_moved = moved;
	c->done_bad_buckets = 0;
	n = min_t(u64, c->old_buckets, KH_TRACE_MAX_BUCKETS);
	for (i = 0; i < n; i++)
		if (tr->evacs[i] != 1)
			c->done_bad_buckets++;
	spin_unlock(&tr->lock);
}

static void kh_trace_detach(void *data)
{
	struct kh_trace *tr = data;

	unregister_trace_hmap_resize_abandon(kh_probe_abandon, tr);
	unregister_trace_hmap_resize_done(kh_probe_done, tr);
	unregister_trace_hmap_evacuate(kh_probe_evacuate, tr);
	unregister_trace_hmap_resize_start(kh_probe_start, tr);
	tracepoint_synchronize_unregister();
}

/**
 * kh_trace_attach() - record a map's tracepoints until the test ends
 * @test: the test.
 * @map: the map, created before: the recorder is detached before the map
 *	is destroyed, and freed after.
 *
 * Return: the recorder.
 */
struct kh_trace *kh_trace_attach(struct kunit *test, struct hmap *map)
{
	struct kh_trace *tr;
	int ret;

	tr = kunit_kzalloc(test, sizeof(*tr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tr);
	spin_lock_init(&tr->lock);
	tr->map_id = kh_stats(map).id;

	ret = register_trace_hmap_resize_start(kh_probe_start, tr);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = register_trace_hmap_evacuate(kh_probe_evacuate, tr);
	if (ret)
		unregister_trace_hmap_resize_start(kh_probe_start, tr);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = register_trace_hmap_resize_done(kh_probe_done, tr);
	if (ret) {
		unregister_trace_hmap_evacuate(kh_probe_evacuate, tr);
		unregister_trace_hmap_resize_start(kh_probe_start, tr);
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = register_trace_hmap_resize_abandon(kh_probe_abandon, tr);
	if (ret) {
		unregister_trace_hmap_resize_done(kh_probe_done, tr);
		unregister_trace_hmap_evacuate(kh_probe_evacuate, tr);
		unregister_trace_hmap_resize_start(kh_probe_start, tr);
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = kunit_add_action_or_reset(test, kh_trace_detach, tr);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return tr;
}

/**
 * kh_trace_snap() - a consistent copy of a recorder's counters
 * @tr: the recorder.
 *
 * Return: the counters.
 */
struct kh_trace_counts kh_trace_snap(struct kh_trace *tr)
{
	struct kh_trace_counts c;

	spin_lock(&tr->lock);
	c = tr->c;
	spin_unlock(&tr->lock);
	return c;
}

/**
 * kh_expect_resize_done() - check a resize a recorder saw to its end
 * @test: the test.
 * @tr: the recorder.
 * @kind: the resize's kind.
 * @old_b: B before it.
 * @new_b: B after it.
 *
 * Every old bucket was evacuated exactly once, every entry moved, and the
 * events kept their contract.
 */
void kh_expect_resize_done(struct kunit *test, struct kh_trace *tr,
			   u32 kind, u32 old_b, u32 new_b)
{
	struct kh_trace_counts t = kh_trace_snap(tr);

	KUNIT_EXPECT_EQ(test, t.dones, t.starts);
	KUNIT_EXPECT_EQ(test, t.done_kind, kind);
	KUNIT_EXPECT_EQ(test, t.done_old_b, old_b);
	KUNIT_EXPECT_EQ(test, t.done_new_b, new_b);
	KUNIT_EXPECT_EQ_MSG(test, t.done_writes + t.done_worker, 1ULL << old_b,
			    "steps of a resize != old buckets");
	KUNIT_EXPECT_EQ_MSG(test, t.done_bad_buckets, 0,
			    "old buckets not evacuated exactly once");
	KUNIT_EXPECT_EQ_MSG(test, t.done_moved, t.start_count,
			    "entries moved != entries when the resize began");
	KH_EXPECT_TRACE_SANE(test, tr);
}

MODULE_DESCRIPTION("KUnit suites of the hmap hash map");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
