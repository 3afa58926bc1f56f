// SPDX-License-Identifier: GPL-2.0
/* Helpers of the native suites; see util.h. */
#include <linux/err.h>
#include <stdlib.h>
#include <string.h>

#include "hmap_trace.h"
#include "util.h"

/* Random numbers: SplitMix64 per thread, from the run's seed. */
static __thread u64 t_rng;

void t_rand_seed_thread(u64 salt)
{
	t_rng = ht_seed() * 0x9e3779b97f4a7c15ULL + salt * 0xd1b54a32d192ed03ULL + 1;
}

u64 t_rand(void)
{
	u64 z = (t_rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Maps of the case. */
#define T_MAX_MAPS	64
static struct hmap *t_maps[T_MAX_MAPS];
static struct t_trace *t_traces[T_MAX_MAPS];
static pthread_mutex_t t_maps_lock = PTHREAD_MUTEX_INITIALIZER;

struct hmap *t_create(u32 max_entries, u32 max_key, u32 max_value,
		      u32 size_hint)
{
	struct hmap_params p = {
		.max_entries = max_entries,
		.max_key_size = max_key,
		.max_value_size = max_value,
		.size_hint = size_hint,
	};
	struct hmap *map = hmap_create(&p);
	int i;

	REQUIRE(!IS_ERR_OR_NULL(map), "hmap_create(%u, %u, %u, %u): %ld",
		max_entries, max_key, max_value, size_hint, PTR_ERR(map));
	pthread_mutex_lock(&t_maps_lock);
	for (i = 0; i < T_MAX_MAPS && t_maps[i]; i++)
		;
	REQUIRE(i < T_MAX_MAPS, "too many maps");
	t_maps[i] = map;
	pthread_mutex_unlock(&t_maps_lock);
	return map;
}

void t_destroy(struct hmap *map)
{
	int i;

	pthread_mutex_lock(&t_maps_lock);
	for (i = 0; i < T_MAX_MAPS; i++)
		if (t_maps[i] == map)
			t_maps[i] = NULL;
	pthread_mutex_unlock(&t_maps_lock);
	hmap_destroy(map);
}

void t_setup(void)
{
	t_rand_seed_thread(0);
}

void t_teardown(void)
{
	int i;

	for (i = 0; i < T_MAX_MAPS; i++)
		if (t_traces[i])
			t_trace_detach(t_traces[i]);
	hmap_user_stub_clear_all();
	hmap_user_alloc_fail_all(false);
	hmap_user_alloc_fail_nth(0);
	for (i = 0; i < T_MAX_MAPS; i++)
		if (t_maps[i])
			t_destroy(t_maps[i]);
}

/* Forced hashes. */
static u64 t_fkey_hash_stub(const struct hmap *map, const void *key,
			    u32 key_len)
{
	u64 h;

	if (key_len != sizeof(struct t_fkey))
		return hmap_user_real_hash(map, key, key_len);
	memcpy(&h, key, sizeof(h));
	return h;
}

void t_force_hashes(void)
{
	hmap_user_stub(hmap_key_hash, t_fkey_hash_stub);
}

u64 t_key_hash(struct hmap *map, const void *key, u32 key_len)
{
	return hmap_key_hash(map, key, key_len);
}

/* Failed allocations, through hmap_alloc_should_fail(). */
static long t_fa_skip, t_fa_count;
static unsigned long t_fa_calls, t_fa_failures;

static bool t_alloc_stub(const struct hmap *map, size_t size)
{
	long n;

	__atomic_add_fetch(&t_fa_calls, 1, __ATOMIC_RELAXED);
	n = __atomic_load_n(&t_fa_skip, __ATOMIC_RELAXED);
	while (n > 0)
		if (__atomic_compare_exchange_n(&t_fa_skip, &n, n - 1, false,
						__ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return false;
	n = __atomic_load_n(&t_fa_count, __ATOMIC_RELAXED);
	for (;;) {
		if (!n)
			return false;
		if (n < 0 ||
		    __atomic_compare_exchange_n(&t_fa_count, &n, n - 1, false,
						__ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			break;
	}
	__atomic_add_fetch(&t_fa_failures, 1, __ATOMIC_RELAXED);
	return true;
}

void t_fail_allocs(long skip, long count)
{
	__atomic_store_n(&t_fa_skip, skip, __ATOMIC_RELAXED);
	__atomic_store_n(&t_fa_count, count, __ATOMIC_RELAXED);
	__atomic_store_n(&t_fa_calls, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&t_fa_failures, 0, __ATOMIC_RELAXED);
	hmap_user_stub(hmap_alloc_should_fail, t_alloc_stub);
}

unsigned long t_alloc_hook_calls(void)
{
	return __atomic_load_n(&t_fa_calls, __ATOMIC_RELAXED);
}

unsigned long t_alloc_hook_failures(void)
{
	return __atomic_load_n(&t_fa_failures, __ATOMIC_RELAXED);
}

/*
 * A value that says whose it is: 4 bytes of id ^ set << 24, 4 bytes of
 * generation, then a pattern of all three; 8..T_VAL_MAX bytes.
 */
static u32 t_value_len(u32 set, u32 id, u32 gen)
{
	return 8 + (id * 7 + gen * 3 + set) % (T_VAL_MAX - 8 + 1);
}

static u8 t_value_byte(u32 set, u32 id, u32 gen, u32 j)
{
	return (u8)(id * 13 + gen * 5 + set * 17 + j * 31);
}

u32 t_fill_value(void *buf, u32 set, u32 id, u32 gen)
{
	u32 len = t_value_len(set, id, gen), w0 = id ^ (set << 24), j;
	u8 *p = buf;

	memcpy(p, &w0, 4);
	memcpy(p + 4, &gen, 4);
	for (j = 8; j < len; j++)
		p[j] = t_value_byte(set, id, gen, j);
	return len;
}

bool t_value_ok(const void *buf, u32 len, u32 set, u32 id, u32 gen)
{
	u32 w0, g, j;
	const u8 *p = buf;

	if (len != t_value_len(set, id, gen))
		return false;
	memcpy(&w0, p, 4);
	memcpy(&g, p + 4, 4);
	if (w0 != (id ^ (set << 24)) || g != gen)
		return false;
	for (j = 8; j < len; j++)
		if (p[j] != t_value_byte(set, id, gen, j))
			return false;
	return true;
}

bool t_value_decode(const void *buf, u32 len, u32 set, u32 *id, u32 *gen)
{
	u32 w0;

	if (len < 8)
		return false;
	memcpy(&w0, buf, 4);
	memcpy(gen, (const u8 *)buf + 4, 4);
	*id = w0 ^ (set << 24);
	return t_value_ok(buf, len, set, *id, *gen);
}

/* The model. */
struct t_model *t_model_new(u32 set, u32 n)
{
	struct t_model *m = calloc(1, sizeof(*m));

	REQUIRE(m, "no memory");
	m->present = calloc(n, sizeof(*m->present));
	m->gen = calloc(n, sizeof(*m->gen));
	REQUIRE(m->present && m->gen, "no memory");
	m->set = set;
	m->n = n;
	return m;
}

void t_model_free(struct t_model *m)
{
	if (!m)
		return;
	free(m->present);
	free(m->gen);
	free(m);
}

int t_model_insert(struct hmap *map, struct t_model *m, u32 id, u32 gen,
		   u64 flags)
{
	struct t_key k = t_key(m->set, id);
	u8 val[T_VAL_MAX];
	u32 len = t_fill_value(val, m->set, id, gen);
	int want = 0, ret;

	REQUIRE(id < m->n, "id %u out of the model", id);
	if (flags == HMAP_PUT_NOEXIST && m->present[id])
		want = -EEXIST;
	else if (flags == HMAP_PUT_EXIST && !m->present[id])
		want = -ENOENT;
	ret = hmap_insert(map, &k, sizeof(k), val, len, flags);
	if (ret != want && !(m->allow_enomem && ret == -ENOMEM))
		ht_fail(__FILE__, __LINE__,
			"insert set %u id %u gen %u flags %llu: %d, want %d",
			m->set, id, gen, (unsigned long long)flags, ret, want);
	if (ret == 0) {
		if (!m->present[id])
			m->count++;
		m->present[id] = true;
		m->gen[id] = gen;
	}
	return ret;
}

int t_model_delete(struct hmap *map, struct t_model *m, u32 id)
{
	struct t_key k = t_key(m->set, id);
	int want, ret;

	REQUIRE(id < m->n, "id %u out of the model", id);
	want = m->present[id] ? 0 : -ENOENT;
	ret = hmap_delete(map, &k, sizeof(k));
	if (ret != want)
		ht_fail(__FILE__, __LINE__, "delete set %u id %u: %d, want %d",
			m->set, id, ret, want);
	if (ret == 0 && m->present[id]) {
		m->present[id] = false;
		m->count--;
	}
	return ret;
}

int t_model_take(struct hmap *map, struct t_model *m, u32 id)
{
	struct t_key k = t_key(m->set, id);
	u8 val[T_VAL_MAX];
	u32 len = sizeof(val);
	int want, ret;

	REQUIRE(id < m->n, "id %u out of the model", id);
	want = m->present[id] ? 0 : -ENOENT;
	ret = hmap_lookup_and_delete(map, &k, sizeof(k), val, &len);
	if (ret != want)
		ht_fail(__FILE__, __LINE__,
			"lookup_and_delete set %u id %u: %d, want %d", m->set,
			id, ret, want);
	if (ret == 0 && m->present[id]) {
		if (!t_value_ok(val, len, m->set, id, m->gen[id]))
			ht_fail(__FILE__, __LINE__,
				"lookup_and_delete set %u id %u: wrong value",
				m->set, id);
		m->present[id] = false;
		m->count--;
	}
	return ret;
}

int t_model_delete_if_value(struct hmap *map, struct t_model *m, u32 id,
			    bool same)
{
	struct t_key k = t_key(m->set, id);
	u8 val[T_VAL_MAX];
	u32 gen = same ? m->gen[id] : m->gen[id] + 1;
	u32 len = t_fill_value(val, m->set, id, gen);
	int want, ret;

	REQUIRE(id < m->n, "id %u out of the model", id);
	want = !m->present[id] ? -ENOENT : same ? 0 : -EAGAIN;
	ret = hmap_delete_if_value(map, &k, sizeof(k), val, len);
	if (ret != want)
		ht_fail(__FILE__, __LINE__,
			"delete_if_value set %u id %u same %d: %d, want %d",
			m->set, id, same, ret, want);
	if (ret == 0 && m->present[id]) {
		m->present[id] = false;
		m->count--;
	}
	return ret;
}

void t_model_verify(struct hmap *map, const struct t_model *m, bool whole_map)
{
	unsigned int bad = 0;
	u32 id;

	for (id = 0; id < m->n; id++) {
		struct t_key k = t_key(m->set, id);
		u8 val[T_VAL_MAX];
		u32 len = sizeof(val);
		int ret = hmap_lookup(map, &k, sizeof(k), val, &len);
		int want = m->present[id] ? 0 : -ENOENT;

		if (ret == want &&
		    (ret || t_value_ok(val, len, m->set, id, m->gen[id])))
			continue;
		if (++bad <= 3)
			ht_fail(__FILE__, __LINE__,
				"lookup set %u id %u: %d (want %d), value %s",
				m->set, id, ret, want, ret ? "-" : "wrong");
	}
	CHECK(bad == 0, "%u of %u keys looked up wrong", bad, m->n);
	if (whole_map)
		CHECK_EQ(t_stats(map).count, m->count);
}

/* The tracepoint recorder. */
static void t_trace_bad(struct t_trace *tr, const char *what, u64 a, u64 b)
{
	if (!tr->bad++)
		snprintf(tr->bad_msg, sizeof(tr->bad_msg), "%s (%llu, %llu)",
			 what, (unsigned long long)a, (unsigned long long)b);
}

static void t_probe_start(void *data, u32 map_id, u32 kind, u32 old_b,
			  u32 new_b, u64 count)
{
	struct t_trace *tr = data;

	if (map_id != tr->map_id)
		return;
	pthread_mutex_lock(&tr->lock);
	if (tr->starts != tr->dones + tr->abandons)
		t_trace_bad(tr, "resize_start while a resize is in progress",
			    tr->starts, tr->dones);
	if ((kind == HMAP_RESIZING_GROW && new_b != old_b + 1) ||
	    (kind == HMAP_RESIZING_SHRINK && new_b + 1 != old_b) ||
	    (kind == HMAP_RESIZING_SAME_SIZE && new_b != old_b) ||
	    kind < HMAP_RESIZING_GROW || kind > HMAP_RESIZING_SHRINK)
		t_trace_bad(tr, "resize_start kind/B mismatch", kind, old_b);
	tr->starts++;
	tr->kind = kind;
	tr->old_b = old_b;
	tr->new_b = new_b;
	tr->start_count = count;
	tr->cur_writes = tr->cur_worker = tr->cur_moved = 0;
	memset(tr->evacs, 0, sizeof(*tr->evacs) * T_TRACE_MAX_BUCKETS);
	memset(tr->moved_x, 0, sizeof(*tr->moved_x) * T_TRACE_MAX_BUCKETS);
	memset(tr->moved_y, 0, sizeof(*tr->moved_y) * T_TRACE_MAX_BUCKETS);
	pthread_mutex_unlock(&tr->lock);
}

static void t_probe_evacuate(void *data, u32 map_id, u32 kind, u64 old_bucket,
			     u32 moved_x, u32 moved_y, u64 nevacuate,
			     u64 old_buckets, u32 write_step, u64 step_ns)
{
	struct t_trace *tr = data;

	if (map_id != tr->map_id)
		return;
	pthread_mutex_lock(&tr->lock);
	if (tr->starts != tr->dones + tr->abandons + 1)
		t_trace_bad(tr, "evacuate outside a resize", old_bucket,
			    write_step);
	if (kind != tr->kind)
		t_trace_bad(tr, "evacuate kind differs from start's", kind,
			    tr->kind);
	if (old_buckets != 1ULL << tr->old_b)
		t_trace_bad(tr, "evacuate old_buckets != 2^old_b", old_buckets,
			    tr->old_b);
	if (old_bucket >= old_buckets)
		t_trace_bad(tr, "evacuate old_bucket out of range", old_bucket,
			    old_buckets);
	if (nevacuate > old_buckets)
		t_trace_bad(tr, "evacuate nevacuate out of range", nevacuate,
			    old_buckets);
	if (kind != HMAP_RESIZING_GROW && moved_y)
		t_trace_bad(tr, "moved_y in a resize that is no grow", kind,
			    moved_y);
	if (write_step > 2)
		t_trace_bad(tr, "write_step > 2", write_step, old_bucket);
	if (write_step && !tr->track_writes) {
		tr->write_steps++;
		tr->cur_writes++;
	} else if (write_step) {
		tr->steps_this_write++;
		if (tr->steps_this_write > 2)
			t_trace_bad(tr, "a write evacuated more than 2 chains",
				    tr->steps_this_write, old_bucket);
		if (write_step == 2 && tr->steps_this_write != 2)
			t_trace_bad(tr, "write_step 2 not after 1", old_bucket,
				    tr->steps_this_write);
		tr->max_steps_per_write = max(tr->max_steps_per_write,
					      tr->steps_this_write);
		tr->write_steps++;
		tr->cur_writes++;
	} else {
		tr->worker_steps++;
		tr->cur_worker++;
	}
	tr->cur_moved += moved_x + moved_y;
	tr->total_moved_x += moved_x;
	tr->total_moved_y += moved_y;
	if (old_bucket < T_TRACE_MAX_BUCKETS) {
		tr->evacs[old_bucket]++;
		tr->moved_x[old_bucket] += moved_x;
		tr->moved_y[old_bucket] += moved_y;
	}
	pthread_mutex_unlock(&tr->lock);
}

static void t_probe_end(struct t_trace *tr, bool done, u32 map_id, u32 kind,
			u32 old_b, u32 new_b, u64 by_writes, u64 by_worker,
			u64 moved)
{
	u64 i, n;

	if (map_id != tr->map_id)
		return;
	pthread_mutex_lock(&tr->lock);
	if (tr->starts != tr->dones + tr->abandons + 1)
		t_trace_bad(tr, "resize end without a start", tr->starts,
			    tr->dones);
	if (kind != tr->kind || old_b != tr->old_b || new_b != tr->new_b)
		t_trace_bad(tr, "resize end kind/B differ from start's", kind,
			    old_b);
	if (by_writes != tr->cur_writes || by_worker != tr->cur_worker)
		t_trace_bad(tr, "resize end steps differ from evacuate events",
			    by_writes, by_worker);
	if (moved != tr->cur_moved)
		t_trace_bad(tr, "resize end moved differs from evacuate events",
			    moved, tr->cur_moved);
	if (done) {
		tr->dones++;
		tr->done_writes = by_writes;
		tr->done_worker = by_worker;
		tr->done_moved = moved;
		n = min_t(u64, 1ULL << old_b, T_TRACE_MAX_BUCKETS);
		for (i = 0; i < n; i++)
			if (tr->evacs[i] != 1)
				t_trace_bad(tr, "old bucket not evacuated exactly once",
					    i, tr->evacs[i]);
		if (by_writes + by_worker != 1ULL << old_b)
			t_trace_bad(tr, "steps != old buckets", by_writes + by_worker,
				    1ULL << old_b);
	} else {
		tr->abandons++;
	}
	pthread_mutex_unlock(&tr->lock);
}

static void t_probe_done(void *data, u32 map_id, u32 kind, u32 old_b,
			 u32 new_b, u64 by_writes, u64 by_worker, u64 moved,
			 u64 duration_ns)
{
	t_probe_end(data, true, map_id, kind, old_b, new_b, by_writes,
		    by_worker, moved);
}

static void t_probe_abandon(void *data, u32 map_id, u32 kind, u32 old_b,
			    u32 new_b, u64 by_writes, u64 by_worker, u64 moved,
			    u64 duration_ns)
{
	t_probe_end(data, false, map_id, kind, old_b, new_b, by_writes,
		    by_worker, moved);
}

struct t_trace *t_trace_attach(struct hmap *map)
{
	struct t_trace *tr = calloc(1, sizeof(*tr));
	int i;

	REQUIRE(tr, "no memory");
	tr->evacs = calloc(T_TRACE_MAX_BUCKETS, sizeof(*tr->evacs));
	tr->moved_x = calloc(T_TRACE_MAX_BUCKETS, sizeof(*tr->moved_x));
	tr->moved_y = calloc(T_TRACE_MAX_BUCKETS, sizeof(*tr->moved_y));
	REQUIRE(tr->evacs && tr->moved_x && tr->moved_y, "no memory");
	pthread_mutex_init(&tr->lock, NULL);
	tr->map_id = t_stats(map).id;
	REQUIRE(!register_trace_hmap_resize_start(t_probe_start, tr), "register");
	REQUIRE(!register_trace_hmap_evacuate(t_probe_evacuate, tr), "register");
	REQUIRE(!register_trace_hmap_resize_done(t_probe_done, tr), "register");
	REQUIRE(!register_trace_hmap_resize_abandon(t_probe_abandon, tr),
		"register");
	pthread_mutex_lock(&t_maps_lock);
	for (i = 0; i < T_MAX_MAPS && t_traces[i]; i++)
		;
	REQUIRE(i < T_MAX_MAPS, "too many recorders");
	t_traces[i] = tr;
	pthread_mutex_unlock(&t_maps_lock);
	return tr;
}

void t_trace_detach(struct t_trace *tr)
{
	int i;

	unregister_trace_hmap_resize_start(t_probe_start, tr);
	unregister_trace_hmap_evacuate(t_probe_evacuate, tr);
	unregister_trace_hmap_resize_done(t_probe_done, tr);
	unregister_trace_hmap_resize_abandon(t_probe_abandon, tr);
	tracepoint_synchronize_unregister();
	pthread_mutex_lock(&t_maps_lock);
	for (i = 0; i < T_MAX_MAPS; i++)
		if (t_traces[i] == tr)
			t_traces[i] = NULL;
	pthread_mutex_unlock(&t_maps_lock);
	free(tr->evacs);
	free(tr->moved_x);
	free(tr->moved_y);
	pthread_mutex_destroy(&tr->lock);
	free(tr);
}

void t_trace_write_begin(struct t_trace *tr)
{
	pthread_mutex_lock(&tr->lock);
	tr->track_writes = true;
	tr->steps_this_write = 0;
	pthread_mutex_unlock(&tr->lock);
}

void t_check_write(struct hmap *map, const struct hmap_stats *b,
		   const struct hmap_stats *a, enum t_write w)
{
	u32 want = HMAP_RESIZING_NONE;
	unsigned int min_b = hmap_user_min_log2(map);
	u64 steps = a->evacuated_by_writes - b->evacuated_by_writes;

	if (b->resize == HMAP_RESIZING_NONE && w == T_W_INSERT_NEW) {
		if (b->log2_buckets < 24 &&
		    t_grow_due(b->count + 1, b->log2_buckets))
			want = HMAP_RESIZING_GROW;
		else if (t_too_many_overflow(b->count, b->overflow_buckets,
					     b->log2_buckets))
			want = HMAP_RESIZING_SAME_SIZE;
	} else if (b->resize == HMAP_RESIZING_NONE && w == T_W_DELETE_HIT) {
		if (t_shrink_due(b->count - 1, b->log2_buckets, min_b))
			want = HMAP_RESIZING_SHRINK;
		else if (t_too_many_overflow(b->count - 1, b->overflow_buckets,
					     b->log2_buckets))
			want = HMAP_RESIZING_SAME_SIZE;
	}
	CHECK_EQ(a->grows - b->grows, want == HMAP_RESIZING_GROW);
	CHECK_EQ(a->same_size_grows - b->same_size_grows,
		 want == HMAP_RESIZING_SAME_SIZE);
	CHECK_EQ(a->shrinks - b->shrinks, want == HMAP_RESIZING_SHRINK);
	if (want == HMAP_RESIZING_GROW)
		CHECK_EQ(a->log2_buckets, b->log2_buckets + 1);
	else if (want == HMAP_RESIZING_SHRINK)
		CHECK_EQ(a->log2_buckets + 1, b->log2_buckets);
	else if (b->resize == HMAP_RESIZING_NONE)
		CHECK_EQ(a->log2_buckets, b->log2_buckets);
	CHECK(steps <= 2, "a write evacuated %llu chains",
	      (unsigned long long)steps);
	if (b->resize == HMAP_RESIZING_NONE && want == HMAP_RESIZING_NONE)
		CHECK(steps == 0, "evacuations with no resize");
	if (b->resize != HMAP_RESIZING_NONE && a->resize != HMAP_RESIZING_NONE)
		CHECK(a->nevacuate > b->nevacuate,
		      "a write during a resize did not move the mark (%llu -> %llu)",
		      (unsigned long long)b->nevacuate,
		      (unsigned long long)a->nevacuate);
	if (ht_failed())
		ht_abort_case();
}
