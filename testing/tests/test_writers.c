// SPDX-License-Identifier: GPL-2.0
/*
 * Several writers at once, on shared and on their own keys, beside
 * lockless readers, a dumper and the worker, through grows and shrinks
 * (also built with ThreadSanitizer: make tsan). Every value written is
 * unique (its writer and that writer's sequence number are in it), and
 * only operations that say which value they removed touch shared keys:
 * an insert that fails on an existing key, a TAKE (which returns the value
 * it removed) and a compare-and-delete of a value the writer wrote. So the
 * map must end holding exactly the values some write added and no write
 * removed, each under its own key, and its count must be their number.
 * On the way:
 *  - a value is removed at most once (no TAKE hands a value out twice);
 *  - a reader never finds a value whose removal returned before its
 *    lookup began, nor a torn one, nor one under another key;
 *  - stable keys, which no writer touches, are always found, and a dump
 *    scan sees each of them exactly once;
 *  - on its own keys each writer knows the map's state, so every result
 *    there is exact.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define W_STABLE	50
#define W_SHARED	51
#define W_OWN		52	/* + the writer's number */

#define W_WRITERS	3
#define W_NSTABLE	1000
#define W_NSHARED	8192
#define W_NOWN		2048
/* Values per writer: a sequence number takes the low 24 bits of a gen. */
#define W_MAX_VALUES	(1U << 21)
#define W_PHASE_OPS	40000

struct w_ctx;

/*
 * struct w_writer - one writer and the values it wrote
 * @key_id: the id of the key each value went to (W_OWN keys: + W_NSHARED).
 * @added: set once the insert of that value returned success.
 * @removed_at: the clock stamp taken after the removal of that value
 *	returned; 0 while it was not removed.
 * @own: for each of its own keys, the sequence number of the value there
 *	plus 1; 0 when the key is absent.
 */
struct w_writer {
	struct w_ctx *c;
	u32 id;
	u32 next;
	u32 *key_id;
	u8 *added;
	u32 *removed_at;
	u32 *own;
	unsigned long inserts, takes, cmp_deletes, puts, deletes;
};

struct w_ctx {
	struct hmap *map;
	struct w_writer w[W_WRITERS];
	u32 clock;		/* stamps removals; readers read it first */
	bool stop;		/* for the writers */
	bool writers_done;	/* for the readers and the dumper */
	unsigned long lookups, found, scans;
};

static u32 w_gen(u32 writer, u32 seq)
{
	return writer << 24 | seq;
}

static struct t_key w_key_of(u32 writer, u32 key_id)
{
	return key_id < W_NSHARED ? t_key(W_SHARED, key_id) :
				    t_key(W_OWN + writer, key_id - W_NSHARED);
}

/* Decodes a value found under @k; fails the case if it is not whole. */
static bool w_decode(const struct t_key *k, const u8 *val, u32 len,
		     u32 *writer, u32 *seq)
{
	u32 id, gen;

	if (!t_value_decode(val, len, k->set, &id, &gen) || id != k->id) {
		ht_fail(__FILE__, __LINE__, "key %u/%u: a torn value or another key's",
			k->set, k->id);
		return false;
	}
	*writer = gen >> 24;
	*seq = gen & 0xffffff;
	if (*writer >= W_WRITERS || *seq >= W_MAX_VALUES) {
		ht_fail(__FILE__, __LINE__, "key %u/%u: value of writer %u, seq %u",
			k->set, k->id, *writer, *seq);
		return false;
	}
	return true;
}

/* A value some writer removed, by whoever removed it. */
static void w_removed(struct w_ctx *c, const struct t_key *k, u32 writer,
		      u32 seq)
{
	u32 stamp = __atomic_add_fetch(&c->clock, 1, __ATOMIC_SEQ_CST);
	u32 before = __atomic_exchange_n(&c->w[writer].removed_at[seq], stamp,
					 __ATOMIC_SEQ_CST);

	CHECK(before == 0, "key %u/%u: value %u/%u removed twice", k->set,
	      k->id, writer, seq);
}

static u32 w_new_value(struct w_writer *w, u32 key_id, u8 *val,
		       struct t_key *k)
{
	*k = w_key_of(w->id, key_id);
	w->key_id[w->next] = key_id;
	return t_fill_value(val, k->set, k->id, w_gen(w->id, w->next));
}

static void w_value_added(struct w_writer *w)
{
	__atomic_store_n(&w->added[w->next], 1, __ATOMIC_RELEASE);
}

static void w_shared_insert(struct w_writer *w)
{
	u8 val[T_VAL_MAX];
	struct t_key k;
	u32 len = w_new_value(w, t_rand_below(W_NSHARED), val, &k);
	int ret = hmap_insert(w->c->map, &k, sizeof(k), val, len,
			      HMAP_PUT_NOEXIST);

	CHECK(ret == 0 || ret == -EEXIST, "shared insert: %d", ret);
	if (ret == 0) {
		w_value_added(w);
		w->next++;
		w->inserts++;
	}
}

static void w_shared_take(struct w_writer *w)
{
	struct t_key k = t_key(W_SHARED, t_rand_below(W_NSHARED));
	u8 val[T_VAL_MAX];
	u32 len = sizeof(val), writer, seq;
	int ret = hmap_lookup_and_delete(w->c->map, &k, sizeof(k), val, &len);

	CHECK(ret == 0 || ret == -ENOENT, "take: %d", ret);
	if (ret == 0 && w_decode(&k, val, len, &writer, &seq)) {
		w_removed(w->c, &k, writer, seq);
		w->takes++;
	}
}

/* Compare-and-delete of a value this writer wrote to a shared key. */
static void w_shared_cmp_delete(struct w_writer *w)
{
	u8 val[T_VAL_MAX];
	struct t_key k;
	u32 seq, len;
	int ret;

	if (!w->next)
		return;
	seq = w->next - 1 - t_rand_below(min(w->next, 64U));
	if (w->key_id[seq] >= W_NSHARED)
		return;
	k = w_key_of(w->id, w->key_id[seq]);
	len = t_fill_value(val, k.set, k.id, w_gen(w->id, seq));
	ret = hmap_delete_if_value(w->c->map, &k, sizeof(k), val, len);
	CHECK(ret == 0 || ret == -ENOENT || ret == -EAGAIN,
	      "compare-and-delete: %d", ret);
	if (ret == 0) {
		w_removed(w->c, &k, w->id, seq);
		w->cmp_deletes++;
	}
}

/*
 * On its own keys the writer knows every result: growing, it puts (an
 * insert or an update); shrinking, it deletes what is there.
 */
static void w_own_op(struct w_writer *w, bool grow)
{
	u32 key_id = W_NSHARED + t_rand_below(W_NOWN), id = key_id - W_NSHARED;
	u32 old = w->own[id], len;
	struct t_key k;
	u8 val[T_VAL_MAX];
	int ret;

	if (!grow && !old)
		return;
	if (grow) {
		u64 flags = old ? HMAP_PUT_EXIST : HMAP_PUT_NOEXIST;

		len = w_new_value(w, key_id, val, &k);
		ret = hmap_insert(w->c->map, &k, sizeof(k), val, len, flags);
		CHECK_EQ(ret, 0);
		if (ret)
			return;
		w_value_added(w);
		if (old)
			w_removed(w->c, &k, w->id, old - 1);
		w->own[id] = ++w->next;
		w->puts++;
		return;
	}
	k = w_key_of(w->id, key_id);
	ret = hmap_delete(w->c->map, &k, sizeof(k));
	CHECK_EQ(ret, 0);
	if (!ret) {
		w_removed(w->c, &k, w->id, old - 1);
		w->own[id] = 0;
		w->deletes++;
	}
}

/* Phases of W_PHASE_OPS operations, growing and then shrinking the map. */
static void *w_writer_fn(void *arg)
{
	struct w_writer *w = arg;
	unsigned long ops = 0;

	t_rand_seed_thread(0x77 + w->id);
	hmap_user_rcu_register_thread();
	/* At least a grow phase and a shrink phase, however slow the run. */
	while ((!__atomic_load_n(&w->c->stop, __ATOMIC_RELAXED) ||
		ops < 2 * W_PHASE_OPS) &&
	       !ht_failed() && w->next < W_MAX_VALUES - 1) {
		bool grow = (ops++ / W_PHASE_OPS) % 2 == 0;
		u32 r = t_rand_below(100);

		if (r < 20)
			w_own_op(w, grow);
		else if (r < (grow ? 75 : 22))
			w_shared_insert(w);
		else if (r < 90)
			w_shared_take(w);
		else
			w_shared_cmp_delete(w);
	}
	hmap_user_rcu_unregister_thread();
	return NULL;
}

/* Return: whether a shared or own key was found. */
static bool w_reader_lookup(struct w_ctx *c)
{
	u32 pick = t_rand_below(W_NSTABLE + W_NSHARED + W_WRITERS * W_NOWN);
	u32 len, writer, seq, t0, removed;
	u8 val[T_VAL_MAX];
	struct t_key k;
	int ret;

	if (pick < W_NSTABLE) {
		k = t_key(W_STABLE, pick);
	} else {
		pick -= W_NSTABLE;
		if (pick < W_NSHARED)
			k = t_key(W_SHARED, pick);
		else
			k = t_key(W_OWN + (pick - W_NSHARED) / W_NOWN,
				  (pick - W_NSHARED) % W_NOWN);
	}
	t0 = __atomic_load_n(&c->clock, __ATOMIC_SEQ_CST);
	len = sizeof(val);
	ret = hmap_lookup(c->map, &k, sizeof(k), val, &len);
	if (k.set == W_STABLE) {
		CHECK(ret == 0 && t_value_ok(val, len, W_STABLE, k.id, 0),
		      "stable key %u: %d", k.id, ret);
		return false;
	}
	CHECK(ret == 0 || ret == -ENOENT, "lookup: %d", ret);
	if (ret || !w_decode(&k, val, len, &writer, &seq))
		return false;
	removed = __atomic_load_n(&c->w[writer].removed_at[seq],
				  __ATOMIC_SEQ_CST);
	CHECK(!removed || removed > t0,
	      "key %u/%u: found value %u/%u removed before the lookup began",
	      k.set, k.id, writer, seq);
	return true;
}

static void *w_reader_fn(void *arg)
{
	struct w_ctx *c = arg;
	unsigned long n = 0, found = 0;

	t_rand_seed_thread((u64)pthread_self());
	hmap_user_rcu_register_thread();
	while (!__atomic_load_n(&c->writers_done, __ATOMIC_RELAXED) &&
	       !ht_failed()) {
		found += w_reader_lookup(c);
		n++;
	}
	hmap_user_rcu_unregister_thread();
	__atomic_add_fetch(&c->lookups, n, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->found, found, __ATOMIC_RELAXED);
	return NULL;
}

/* A scan: each stable key once; every value whole and under its key. */
static int w_scan_emit(void *arg, const struct hmap_dump_item *items,
		       unsigned int n)
{
	u8 *seen = arg;
	u32 writer, seq;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct t_key k;

		memcpy(&k, items[i].key, sizeof(k));
		if (k.set == W_STABLE) {
			seen[k.id]++;
			continue;
		}
		w_decode(&k, items[i].value, items[i].value_len, &writer, &seq);
	}
	return 0;
}

static void *w_dumper_fn(void *arg)
{
	struct w_ctx *c = arg;
	u8 seen[W_NSTABLE];
	u32 id;

	while (!__atomic_load_n(&c->writers_done, __ATOMIC_RELAXED) &&
	       !ht_failed()) {
		struct hmap_cursor cur = { 0 };

		memset(seen, 0, sizeof(seen));
		while (!cur.done)
			REQUIRE(hmap_dump(c->map, &cur, w_scan_emit, seen) >= 0,
				"dump");
		for (id = 0; id < W_NSTABLE; id++)
			CHECK(seen[id] == 1, "scan: stable key %u seen %u times",
			      id, seen[id]);
		c->scans++;
	}
	return NULL;
}

/* The end: the map holds exactly what was added and not removed. */
struct w_final {
	struct w_ctx *c;
	u64 entries;
	u8 *seen[W_WRITERS];
};

static int w_final_emit(void *arg, const struct hmap_dump_item *items,
			unsigned int n)
{
	struct w_final *f = arg;
	u32 writer, seq;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct w_writer *w;
		struct t_key k;

		memcpy(&k, items[i].key, sizeof(k));
		f->entries++;
		if (k.set == W_STABLE)
			continue;
		if (!w_decode(&k, items[i].value, items[i].value_len, &writer,
			      &seq))
			continue;
		w = &f->c->w[writer];
		CHECK(w->added[seq] && !w->removed_at[seq],
		      "key %u/%u holds value %u/%u, which was %s", k.set, k.id,
		      writer, seq, w->added[seq] ? "removed" : "never added");
		CHECK(!f->seen[writer][seq]++, "value %u/%u dumped twice",
		      writer, seq);
	}
	return 0;
}

static void w_verify(struct w_ctx *c)
{
	struct w_final f = { .c = c };
	struct hmap_cursor cur = { 0 };
	u64 live = W_NSTABLE;
	u32 i, seq;

	for (i = 0; i < W_WRITERS; i++) {
		f.seen[i] = calloc(W_MAX_VALUES, 1);
		REQUIRE(f.seen[i], "no memory");
	}
	while (!cur.done)
		REQUIRE(hmap_dump(c->map, &cur, w_final_emit, &f) >= 0, "dump");
	for (i = 0; i < W_WRITERS; i++) {
		struct w_writer *w = &c->w[i];

		for (seq = 0; seq < w->next; seq++) {
			if (!w->added[seq] || w->removed_at[seq])
				continue;
			live++;
			CHECK(f.seen[i][seq], "value %u/%u (key id %u) is lost",
			      i, seq, w->key_id[seq]);
		}
		free(f.seen[i]);
	}
	CHECK_EQ(f.entries, live);
	CHECK_EQ(t_stats(c->map).count, live);
	T_AUDIT(c->map);
}

static void w_run(double seconds)
{
	pthread_t writers[W_WRITERS], readers[2], dumper;
	struct w_ctx *c = calloc(1, sizeof(*c));
	struct hmap_stats s;
	unsigned int i;
	u8 val[T_VAL_MAX];

	REQUIRE(c, "no memory");
	c->map = t_create(1 << 22, sizeof(struct t_key), T_VAL_MAX, 0);
	for (i = 0; i < W_NSTABLE; i++) {
		struct t_key k = t_key(W_STABLE, i);
		u32 len = t_fill_value(val, W_STABLE, i, 0);

		REQUIRE(!hmap_insert(c->map, &k, sizeof(k), val, len,
				     HMAP_PUT_NOEXIST), "stable insert");
	}
	for (i = 0; i < W_WRITERS; i++) {
		struct w_writer *w = &c->w[i];

		w->c = c;
		w->id = i;
		w->key_id = calloc(W_MAX_VALUES, sizeof(*w->key_id));
		w->added = calloc(W_MAX_VALUES, sizeof(*w->added));
		w->removed_at = calloc(W_MAX_VALUES, sizeof(*w->removed_at));
		w->own = calloc(W_NOWN, sizeof(*w->own));
		REQUIRE(w->key_id && w->added && w->removed_at && w->own,
			"no memory");
	}
	for (i = 0; i < W_WRITERS; i++)
		pthread_create(&writers[i], NULL, w_writer_fn, &c->w[i]);
	for (i = 0; i < 2; i++)
		pthread_create(&readers[i], NULL, w_reader_fn, c);
	pthread_create(&dumper, NULL, w_dumper_fn, c);
	usleep((useconds_t)(seconds * 1e6));
	__atomic_store_n(&c->stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < W_WRITERS; i++)
		pthread_join(writers[i], NULL);
	__atomic_store_n(&c->writers_done, true, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(readers[i], NULL);
	pthread_join(dumper, NULL);

	s = t_stats(c->map);
	for (i = 0; i < W_WRITERS; i++) {
		struct w_writer *w = &c->w[i];

		ht_note("writer %u: %u values; %lu inserts, %lu takes, %lu compare-and-deletes, %lu own puts, %lu own deletes",
			i, w->next, w->inserts, w->takes, w->cmp_deletes,
			w->puts, w->deletes);
	}
	ht_note("%lu lookups (%lu found), %lu scans, %llu grows, %llu shrinks, %llu same-size, count %llu",
		c->lookups, c->found, c->scans, (unsigned long long)s.grows,
		(unsigned long long)s.shrinks,
		(unsigned long long)s.same_size_grows,
		(unsigned long long)s.count);
	if (!ht_failed())
		w_verify(c);
	CHECK(s.grows > 0 && s.shrinks > 0, "no grow or no shrink happened");
	for (i = 0; i < W_WRITERS; i++) {
		free(c->w[i].key_id);
		free(c->w[i].added);
		free(c->w[i].removed_at);
		free(c->w[i].own);
	}
	free(c);
}

HT_CASE_TIMEOUT(stress_writers_conserve, HT_CONCURRENT, 600)
{
	w_run(ht_duration(4));
}
