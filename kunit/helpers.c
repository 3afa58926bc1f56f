// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the hmap KUnit suites.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/unaligned.h>

#include "hmap_kunit.h"
#include "hmap_trace.h"

KUNIT_DEFINE_ACTION_WRAPPER(kh_destroy_action, hmap_destroy, struct hmap *);

/*
 * The hash of a forced-hash map: a kh_fkey carries its own hash. Keys of
 * any other length all hash to 0, so a test that mixes them sees it fail.
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

struct hmap *kh_create(struct kunit *test, u32 max_entries, u32 max_key,
		       u32 max_value, u32 size_hint)
{
	struct hmap_params p = {
		.max_entries = max_entries,
		.max_key_size = max_key,
		.max_value_size = max_value,
		.size_hint = size_hint,
	};
	struct hmap *map;
	int ret;

	map = hmap_create(&p);
	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, map,
					 "hmap_create(%u, %u, %u, %u)",
					 max_entries, max_key, max_value,
					 size_hint);
	ret = kunit_add_action_or_reset(test, kh_destroy_action, map);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return map;
}

struct hmap *kh_create_forced(struct kunit *test, u32 max_entries,
			      u32 size_hint)
{
	struct hmap *map = kh_create(test, max_entries, sizeof(struct kh_fkey),
				     KH_VAL_MAX, size_hint);

	hmap_test_set_hash(map, kh_fkey_hash);
	return map;
}

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

int kh_model_insert(struct kunit *test, struct hmap *map, struct kh_model *m,
		    u32 id, u32 gen, u64 flags)
{
	struct kh_key k = kh_key(m->set, id);
	u8 val[KH_VAL_MAX];
	u32 len = kh_fill_value(val, m->set, id, gen);
	int want = 0, ret;

	KUNIT_ASSERT_LT(test, id, m->n);
	if (flags == HMAP_NOEXIST && m->present[id])
		want = -EEXIST;
	else if (flags == HMAP_EXIST && !m->present[id])
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

int kh_model_delete(struct kunit *test, struct hmap *map, struct kh_model *m,
		    u32 id)
{
	struct kh_key k = kh_key(m->set, id);
	int want, ret;

	KUNIT_ASSERT_LT(test, id, m->n);
	want = m->present[id] ? 0 : -ENOENT;
	ret = hmap_delete(map, &k, sizeof(k));
	if (ret != want && !(m->allow_enomem && ret == -ENOMEM) &&
	    kh_model_report(test, m))
		KUNIT_FAIL(test, "delete set %u id %u: %d, want %d", m->set, id,
			   ret, want);
	if (ret == 0) {
		m->present[id] = false;
		m->count--;
	}
	return ret;
}

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
	if (ret != want && !(m->allow_enomem && ret == -ENOMEM) &&
	    kh_model_report(test, m))
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

/* Looks up every key of @m: the present ones with their value, no others. */
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

bool kh_wait_resize_done(struct hmap *map, unsigned int timeout_ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(timeout_ms);

	for (;;) {
		if (kh_stats(map).resize == HMAP_RESIZE_NONE)
			return true;
		if (time_after(jiffies, end))
			return false;
		usleep_range(2000, 5000);
	}
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
	if (c->starts != c->dones)
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
	if (c->starts == c->dones)
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
	if (kind != HMAP_RESIZE_GROW && moved_y)
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
	if (c->starts != c->dones + 1)
		kh_trace_bad(tr, "resize_done without a start", c->starts,
			     c->dones);
	if (kind != c->start_kind || old_b != c->start_old_b ||
	    new_b != c->start_new_b)
		kh_trace_bad(tr, "resize_done kind/B differ from start's",
			     kind, old_b);
	if (steps_by_writes != c->cur_write_steps ||
	    steps_by_worker != c->cur_worker_steps)
		kh_trace_bad(tr, "resize_done steps differ from evacuate events",
			     steps_by_writes, steps_by_worker);
	if (moved != c->cur_moved)
		kh_trace_bad(tr, "resize_done moved differs from evacuate events",
			     moved, c->cur_moved);
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

	unregister_trace_hmap_resize_done(kh_probe_done, tr);
	unregister_trace_hmap_evacuate(kh_probe_evacuate, tr);
	unregister_trace_hmap_resize_start(kh_probe_start, tr);
	tracepoint_synchronize_unregister();
}

/*
 * kh_trace_attach() - records @map's tracepoints until the test ends.
 * Call it after the map was created: the recorder is detached before the
 * map is destroyed and freed after.
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
	ret = kunit_add_action_or_reset(test, kh_trace_detach, tr);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return tr;
}

struct kh_trace_counts kh_trace_snap(struct kh_trace *tr)
{
	struct kh_trace_counts c;

	spin_lock(&tr->lock);
	c = tr->c;
	spin_unlock(&tr->lock);
	return c;
}

MODULE_DESCRIPTION("KUnit suites of the hmap hash map");
MODULE_LICENSE("GPL");
