// SPDX-License-Identifier: GPL-2.0
/*
 * hmap KUnit suite: several writers at once, checked by conservation.
 *
 * Three writer kthreads work on shared keys and on keys of their own,
 * beside a lockless reader on every CPU, a dumper and the worker, through
 * phases that grow and shrink the map. Every value written is unique (its
 * writer and that writer's sequence number are in it), and shared keys
 * see only operations that say which value they removed: an insert that
 * fails on an existing key, a TAKE (it returns the value it removed) and a
 * compare-and-delete of a value the writer wrote. So the end state is
 * known exactly: the map must hold the values some write added and no
 * write removed, each under its own key, and its count must be their
 * number. On the way:
 *  - a value is removed at most once (no TAKE hands a value out twice);
 *  - a reader never finds a value whose removal returned before its
 *    lookup began, nor a torn one, nor one under another key;
 *  - stable keys, which no writer touches, are always found, and a dump
 *    scan sees each of them exactly once;
 *  - on its own keys each writer knows the map's state, so every result
 *    there is exact.
 * A TAKE that let go of the map's lock between its value check and its
 * removal failed this at once ("removed twice").
 *
 * Beside it: writers on every CPU fill a map to its entry limit, and two
 * writers on two CPUs take turns in a grow to show the strides of old
 * chains their CPUs are handed.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/unaligned.h>

#include "hmap_kunit.h"

#define WR_STABLE_SET	60
#define WR_SHARED_SET	61
#define WR_OWN_SET	62	/* + the writer's number */

#define WR_WRITERS	3
#define WR_NSTABLE	256
#define WR_NSHARED	4096
#define WR_NOWN		1024
/* Values per writer: a sequence number takes the low 24 bits of a gen. */
#define WR_MAX_VALUES	BIT(18)
/* Operations per phase and writer; each writer does a grow and a shrink. */
#define WR_PHASE_OPS	8000
#define WR_MS		4000

struct wr_ctx;

/**
 * struct wr_writer - one writer and the values it wrote
 * @c: the run.
 * @task: its kthread.
 * @id: its number.
 * @next: its next sequence number; every one below was added.
 * @ops: operations done.
 * @key_id: the id of the key each value went to (own keys: + WR_NSHARED).
 * @removed_at: per value, the clock stamp taken after its removal
 *	returned; 0 while it was not removed.
 * @own: per own key, the sequence number of its value plus 1; 0: absent.
 * @counts: inserts, takes, compare-and-deletes, own puts, own deletes.
 */
struct wr_writer {
	struct wr_ctx *c;
	struct task_struct *task;
	u32 id;
	u32 next;
	u64 ops;
	u32 *key_id;
	u32 *removed_at;
	u32 *own;
	u64 counts[5];
};

/**
 * struct wr_ctx - one run
 * @map: the map.
 * @w: the writers.
 * @others: the readers (one per CPU) and the dumper.
 * @nothers: how many of @others run.
 * @clock: stamps removals; readers read it before a lookup.
 * @lookups: lookups done by the readers.
 * @scans: complete dump scans.
 * @problems: problems seen by the kthreads.
 * @first: what the first problem was.
 * @lock: guards @first.
 * @stopped: the kthreads were stopped.
 */
struct wr_ctx {
	struct hmap *map;
	struct wr_writer w[WR_WRITERS];
	struct task_struct **others;
	unsigned int nothers;
	atomic_t clock;
	atomic64_t lookups;
	atomic64_t scans;
	atomic_t problems;
	char first[160];
	spinlock_t lock;	/* guards first */
	bool stopped;
};

static __printf(2, 3) void wr_problem(struct wr_ctx *c, const char *fmt, ...)
{
	va_list args;

	if (atomic_inc_return(&c->problems) > 1)
		return;
	spin_lock(&c->lock);
	va_start(args, fmt);
	vsnprintf(c->first, sizeof(c->first), fmt, args);
	va_end(args);
	spin_unlock(&c->lock);
}

static u32 wr_gen(u32 writer, u32 seq)
{
	return writer << 24 | seq;
}

static struct kh_key wr_key_of(u32 writer, u32 key_id)
{
	return key_id < WR_NSHARED ?
	       kh_key(WR_SHARED_SET, key_id) :
	       kh_key(WR_OWN_SET + writer, key_id - WR_NSHARED);
}

/* Decodes a value found under @k: false (a problem) if it is not whole. */
static bool wr_decode(struct wr_ctx *c, const struct kh_key *k, const u8 *val,
		      u32 len, u32 *writer, u32 *seq)
{
	u32 gen = len >= 8 ? get_unaligned((const u32 *)(val + 4)) : 0;
	u32 counted;

	if (!kh_value_ok(val, len, k->set, k->id, gen)) {
		wr_problem(c, "key %u/%u: a torn value or another key's (len %u)",
			   k->set, k->id, len);
		return false;
	}
	*writer = gen >> 24;
	*seq = gen & 0xffffff;
	if (*writer >= WR_WRITERS) {
		wr_problem(c, "key %u/%u: value of writer %u", k->set, k->id,
			   *writer);
		return false;
	}
	/* Pairs with smp_store_release() in wr_added(). */
	counted = smp_load_acquire(&c->w[*writer].next);
	/* A value is in the map before its writer counts it: next + 1. */
	if (*seq > counted) {
		wr_problem(c, "key %u/%u: value %u/%u was never written",
			   k->set, k->id, *writer, *seq);
		return false;
	}
	return true;
}

static void wr_removed(struct wr_ctx *c, const struct kh_key *k, u32 writer,
		       u32 seq)
{
	u32 stamp = atomic_inc_return(&c->clock);

	if (xchg(&c->w[writer].removed_at[seq], stamp))
		wr_problem(c, "key %u/%u: value %u/%u removed twice", k->set,
			   k->id, writer, seq);
}

/* The next value of @w, for key @key_id. */
static u32 wr_new_value(struct wr_writer *w, u32 key_id, u8 *val,
			struct kh_key *k)
{
	*k = wr_key_of(w->id, key_id);
	w->key_id[w->next] = key_id;
	return kh_fill_value(val, k->set, k->id, wr_gen(w->id, w->next));
}

/* A value is counted once its insert returned. */
static void wr_added(struct wr_writer *w)
{
	/* Pairs with smp_load_acquire() in wr_decode(). */
	smp_store_release(&w->next, w->next + 1);
}

static void wr_shared_insert(struct wr_writer *w)
{
	u8 val[KH_VAL_MAX];
	struct kh_key k;
	u32 len = wr_new_value(w, get_random_u32_below(WR_NSHARED), val, &k);
	int ret = hmap_insert(w->c->map, &k, sizeof(k), val, len,
			      HMAP_PUT_NOEXIST);

	if (ret && ret != -EEXIST)
		wr_problem(w->c, "shared insert: %d", ret);
	if (ret)
		return;
	wr_added(w);
	w->counts[0]++;
}

static void wr_shared_take(struct wr_writer *w)
{
	struct kh_key k = kh_key(WR_SHARED_SET, get_random_u32_below(WR_NSHARED));
	u32 len = KH_VAL_MAX, writer, seq;
	u8 val[KH_VAL_MAX];
	int ret = hmap_lookup_and_delete(w->c->map, &k, sizeof(k), val, &len);

	if (ret && ret != -ENOENT)
		wr_problem(w->c, "take: %d", ret);
	if (ret || !wr_decode(w->c, &k, val, len, &writer, &seq))
		return;
	wr_removed(w->c, &k, writer, seq);
	w->counts[1]++;
}

/* Compare-and-delete of one of the last values this writer wrote. */
static void wr_shared_cmp_delete(struct wr_writer *w)
{
	u8 val[KH_VAL_MAX];
	struct kh_key k;
	u32 seq, len;
	int ret;

	if (!w->next)
		return;
	seq = w->next - 1 - get_random_u32_below(min(w->next, 64U));
	if (w->key_id[seq] >= WR_NSHARED)
		return;
	k = wr_key_of(w->id, w->key_id[seq]);
	len = kh_fill_value(val, k.set, k.id, wr_gen(w->id, seq));
	ret = hmap_delete_if_value(w->c->map, &k, sizeof(k), val, len);
	if (ret && ret != -ENOENT && ret != -EAGAIN)
		wr_problem(w->c, "compare-and-delete: %d", ret);
	if (ret)
		return;
	wr_removed(w->c, &k, w->id, seq);
	w->counts[2]++;
}

/*
 * On its own keys the writer knows every result: growing, it puts (an
 * insert or an update); shrinking, it deletes what is there.
 */
static void wr_own_op(struct wr_writer *w, bool grow)
{
	u32 key_id = WR_NSHARED + get_random_u32_below(WR_NOWN);
	u32 id = key_id - WR_NSHARED, old = w->own[id], len;
	u8 val[KH_VAL_MAX];
	struct kh_key k;
	int ret;

	if (grow) {
		len = wr_new_value(w, key_id, val, &k);
		ret = hmap_insert(w->c->map, &k, sizeof(k), val, len,
				  old ? HMAP_PUT_EXIST : HMAP_PUT_NOEXIST);
		if (ret) {
			wr_problem(w->c, "own put of %u/%u: %d", k.set, k.id, ret);
			return;
		}
		w->own[id] = w->next + 1;
		wr_added(w);
		if (old)
			wr_removed(w->c, &k, w->id, old - 1);
		w->counts[3]++;
	} else if (old) {
		k = wr_key_of(w->id, key_id);
		ret = hmap_delete(w->c->map, &k, sizeof(k));
		if (ret) {
			wr_problem(w->c, "own delete of %u/%u: %d", k.set, k.id,
				   ret);
			return;
		}
		wr_removed(w->c, &k, w->id, old - 1);
		w->own[id] = 0;
		w->counts[4]++;
	}
}

/*
 * Stops when told to, but only at the end of a shrink phase, and not
 * before a grow phase and a shrink phase (unless a problem or its last
 * value stopped it first): a writer faster than the others would
 * otherwise be growing the map again while they shrink it, and under a
 * slow kernel (KCSAN) the map could end the run without one shrink.
 */
static int wr_writer_fn(void *data)
{
	struct wr_writer *w = data;
	bool idle;
	bool grow;
	u32 r;

	for (;;) {
		idle = atomic_read(&w->c->problems) ||
		       w->next >= WR_MAX_VALUES - 1;
		if (kthread_should_stop() &&
		    (idle || (w->ops >= 2 * WR_PHASE_OPS &&
			      w->ops % (2 * WR_PHASE_OPS) == 0)))
			break;
		if (idle) {
			usleep_range(1000, 2000);
			continue;
		}
		grow = div_u64(w->ops++, WR_PHASE_OPS) % 2 == 0;
		r = get_random_u32_below(100);
		if (r < 20)
			wr_own_op(w, grow);
		else if (r < (grow ? 75 : 22))
			wr_shared_insert(w);
		else if (r < 90)
			wr_shared_take(w);
		else
			wr_shared_cmp_delete(w);
		cond_resched();
	}
	return 0;
}

static void wr_lookup(struct wr_ctx *c)
{
	u32 pick = get_random_u32_below(WR_NSTABLE + WR_NSHARED +
					WR_WRITERS * WR_NOWN);
	u32 len = KH_VAL_MAX, writer, seq, t0, removed;
	u8 val[KH_VAL_MAX];
	struct kh_key k;
	int ret;

	if (pick < WR_NSTABLE) {
		k = kh_key(WR_STABLE_SET, pick);
	} else {
		pick -= WR_NSTABLE;
		if (pick < WR_NSHARED)
			k = kh_key(WR_SHARED_SET, pick);
		else
			k = kh_key(WR_OWN_SET + (pick - WR_NSHARED) / WR_NOWN,
				   (pick - WR_NSHARED) % WR_NOWN);
	}
	/* Pairs with the full ordering of atomic_inc_return() in wr_removed(). */
	t0 = atomic_read_acquire(&c->clock);
	ret = hmap_lookup(c->map, &k, sizeof(k), val, &len);
	if (k.set == WR_STABLE_SET) {
		if (ret || !kh_value_ok(val, len, WR_STABLE_SET, k.id, 0))
			wr_problem(c, "stable key %u: lookup %d", k.id, ret);
		return;
	}
	if (ret && ret != -ENOENT)
		wr_problem(c, "lookup: %d", ret);
	if (ret || !wr_decode(c, &k, val, len, &writer, &seq))
		return;
	removed = READ_ONCE(c->w[writer].removed_at[seq]);
	if (removed && removed <= t0)
		wr_problem(c, "key %u/%u: found value %u/%u, removed before the lookup began",
			   k.set, k.id, writer, seq);
}

static int wr_reader_fn(void *data)
{
	struct wr_ctx *c = data;
	u64 n = 0;

	while (!kthread_should_stop()) {
		wr_lookup(c);
		if (++n % 64 == 0)
			cond_resched();
	}
	atomic64_add(n, &c->lookups);
	return 0;
}

/*
 * A dumped entry: its key in @k; true, with its value's writer and
 * sequence number, for a key some writer writes and a whole value.
 */
static bool wr_item(struct wr_ctx *c, const struct hmap_dump_item *item,
		    struct kh_key *k, u32 *writer, u32 *seq)
{
	memcpy(k, item->key, sizeof(*k));
	return k->set != WR_STABLE_SET &&
	       wr_decode(c, k, item->value, item->value_len, writer, seq);
}

/* A scan: each stable key once; every value whole and under its key. */
struct wr_scan {
	struct wr_ctx *c;
	u8 seen[WR_NSTABLE];
};

static int wr_scan_emit(void *arg, const struct hmap_dump_item *items,
			unsigned int n)
{
	struct wr_scan *s = arg;
	u32 writer, seq;
	unsigned int i;
	struct kh_key k;

	for (i = 0; i < n; i++)
		if (!wr_item(s->c, &items[i], &k, &writer, &seq) &&
		    k.set == WR_STABLE_SET && k.id < WR_NSTABLE)
			s->seen[k.id]++;
	return 0;
}

static int wr_dumper_fn(void *data)
{
	struct wr_ctx *c = data;
	struct wr_scan *s = kzalloc(sizeof(*s), GFP_KERNEL);
	u32 id;

	if (!s) {
		wr_problem(c, "dumper: no memory");
		goto idle;
	}
	s->c = c;
	while (!kthread_should_stop()) {
		struct hmap_cursor cur = {};
		int ret = 0;

		memset(s->seen, 0, sizeof(s->seen));
		while (!cur.done && ret >= 0)
			ret = hmap_dump(c->map, &cur, wr_scan_emit, s);
		if (ret < 0) {
			wr_problem(c, "dump: %d", ret);
			break;
		}
		for (id = 0; id < WR_NSTABLE; id++)
			if (s->seen[id] != 1)
				wr_problem(c, "scan: stable key %u seen %u times",
					   id, s->seen[id]);
		atomic64_inc(&c->scans);
		cond_resched();
	}
	kfree(s);
idle:
	while (!kthread_should_stop())
		usleep_range(1000, 2000);
	return 0;
}

static void wr_stop(void *data)
{
	struct wr_ctx *c = data;
	unsigned int i;

	if (c->stopped)
		return;
	c->stopped = true;
	for (i = 0; i < WR_WRITERS; i++)
		if (c->w[i].task)
			kthread_stop(c->w[i].task);
	for (i = 0; i < c->nothers; i++)
		kthread_stop(c->others[i]);
}

static void wr_kvfree(void *p)
{
	kvfree(p);
}

/* Zeroed, freed when the test ends. */
static void *wr_kvzalloc(struct kunit *test, size_t size)
{
	void *p = kvzalloc(size, GFP_KERNEL);

	if (p && kunit_add_action_or_reset(test, wr_kvfree, p))
		return NULL;
	return p;
}

/*
 * The end: the map holds exactly what was added and not removed, and each
 * key at most once (two live values under one key would balance the
 * count: only this sees them).
 */
struct wr_final {
	struct wr_ctx *c;
	u64 entries;
	u8 *seen[WR_WRITERS];
	u8 *keys;
};

static int wr_final_emit(void *arg, const struct hmap_dump_item *items,
			 unsigned int n)
{
	struct wr_final *f = arg;
	u32 writer, seq, key;
	unsigned int i;
	struct kh_key k;

	for (i = 0; i < n; i++) {
		f->entries++;
		if (!wr_item(f->c, &items[i], &k, &writer, &seq))
			continue;
		key = k.set == WR_SHARED_SET ? k.id :
		      WR_NSHARED + (k.set - WR_OWN_SET) * WR_NOWN + k.id;
		if (f->keys[key]++)
			wr_problem(f->c, "key %u/%u dumped twice", k.set, k.id);
		if (f->c->w[writer].removed_at[seq])
			wr_problem(f->c, "key %u/%u holds value %u/%u, which was removed",
				   k.set, k.id, writer, seq);
		if (f->seen[writer][seq]++)
			wr_problem(f->c, "value %u/%u dumped twice", writer, seq);
	}
	return 0;
}

static void wr_verify(struct kunit *test, struct wr_ctx *c)
{
	struct wr_final f = { .c = c };
	struct hmap_cursor cur = {};
	u64 live = WR_NSTABLE;
	u32 i, seq;

	for (i = 0; i < WR_WRITERS; i++) {
		f.seen[i] = wr_kvzalloc(test, WR_MAX_VALUES);
		KUNIT_ASSERT_NOT_NULL(test, f.seen[i]);
	}
	f.keys = wr_kvzalloc(test, WR_NSHARED + WR_WRITERS * WR_NOWN);
	KUNIT_ASSERT_NOT_NULL(test, f.keys);
	while (!cur.done)
		KUNIT_ASSERT_GE(test, hmap_dump(c->map, &cur, wr_final_emit, &f),
				0);
	for (i = 0; i < WR_WRITERS; i++) {
		struct wr_writer *w = &c->w[i];

		for (seq = 0; seq < w->next; seq++) {
			if (w->removed_at[seq])
				continue;
			live++;
			if (!f.seen[i][seq])
				wr_problem(c, "value %u/%u (key id %u) is lost",
					   i, seq, w->key_id[seq]);
		}
	}
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->problems), 0, "%s", c->first);
	KUNIT_EXPECT_EQ(test, f.entries, live);
	KUNIT_EXPECT_EQ(test, kh_stats(c->map).count, live);
	KH_ASSERT_CONSISTENT(test, c->map);
}

static void wr_start(struct kunit *test, struct wr_ctx *c)
{
	struct task_struct *t;
	unsigned int i, cpu;

	c->others = kunit_kcalloc(test, num_online_cpus() + 1,
				  sizeof(*c->others), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->others);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, wr_stop, c), 0);
	for (i = 0; i < WR_WRITERS; i++) {
		t = kthread_run(wr_writer_fn, &c->w[i], "hmap_kunit_ww/%u", i);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
		c->w[i].task = t;
	}
	for_each_online_cpu(cpu) {
		if (c->nothers == num_online_cpus())
			break;
		t = kthread_create(wr_reader_fn, c, "hmap_kunit_wr/%u", cpu);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
		kthread_bind(t, cpu);
		c->others[c->nothers++] = t;
		wake_up_process(t);
	}
	t = kthread_run(wr_dumper_fn, c, "hmap_kunit_wd");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	c->others[c->nothers++] = t;
}

static void hmap_writers_conserve(struct kunit *test)
{
	struct wr_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct hmap_stats st;
	u64 start;
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	spin_lock_init(&c->lock);
	c->map = kh_create(test, 1 << 20, sizeof(struct kh_key), KH_VAL_MAX, 0);
	for (i = 0; i < WR_NSTABLE; i++) {
		struct kh_key k = kh_key(WR_STABLE_SET, i);
		u8 val[KH_VAL_MAX];
		u32 len = kh_fill_value(val, WR_STABLE_SET, i, 0);

		KUNIT_ASSERT_EQ(test, hmap_insert(c->map, &k, sizeof(k), val,
						  len, HMAP_PUT_NOEXIST), 0);
	}
	for (i = 0; i < WR_WRITERS; i++) {
		struct wr_writer *w = &c->w[i];

		w->c = c;
		w->id = i;
		w->key_id = wr_kvzalloc(test, WR_MAX_VALUES * sizeof(u32));
		w->removed_at = wr_kvzalloc(test, WR_MAX_VALUES * sizeof(u32));
		w->own = wr_kvzalloc(test, WR_NOWN * sizeof(u32));
		KUNIT_ASSERT_TRUE(test, w->key_id && w->removed_at && w->own);
	}
	start = ktime_get_ns();
	wr_start(test, c);
	/* Timed by the clocksource: a guest under TCG loses ticks. */
	while (ktime_get_ns() - start < (u64)WR_MS * NSEC_PER_MSEC &&
	       !atomic_read(&c->problems))
		msleep(20);
	wr_stop(c);

	st = kh_stats(c->map);
	for (i = 0; i < WR_WRITERS; i++) {
		struct wr_writer *w = &c->w[i];

		kunit_info(test, "writer %u: %u values; %llu inserts, %llu takes, %llu compare-and-deletes, %llu own puts, %llu own deletes",
			   i, w->next, w->counts[0], w->counts[1],
			   w->counts[2], w->counts[3], w->counts[4]);
	}
	kunit_info(test, "%llu lookups, %llu scans, %llu grows, %llu shrinks, count %llu",
		   (u64)atomic64_read(&c->lookups),
		   (u64)atomic64_read(&c->scans), st.grows, st.shrinks,
		   st.count);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->problems), 0, "%s", c->first);
	if (!atomic_read(&c->problems))
		wr_verify(test, c);
	KUNIT_EXPECT_GT(test, st.grows, 0);
	KUNIT_EXPECT_GT(test, st.shrinks, 0);
}

/*
 * max_entries with writers in parallel. Inserts count in batches of
 * places each stripe holds (hmap_count_take()), so when the map fills,
 * places may lie unused in stripes other writers do not reach; yet the
 * writers together must put exactly max_entries keys in, every insert
 * that fails must fail with -E2BIG, and the count must be max_entries.
 * With an insert saying -E2BIG as soon as map->count had no room (the
 * places not gathered), they put in 19 950 and 19 953 of 20 000 in two
 * runs.
 */
#define WR_LIMIT	20000
#define WR_FILL_SET	70	/* + the filler's number */

struct wr_filler {
	struct hmap *map;
	u32 id;
	u32 added;
	int err;
	atomic_t *running;
	struct task_struct *task;
};

static int wr_filler_fn(void *data)
{
	struct wr_filler *f = data;
	u8 val[KH_VAL_MAX];
	struct kh_key k;
	u32 len;
	int ret;

	do {
		k = kh_key(WR_FILL_SET + f->id, f->added);
		len = kh_fill_value(val, k.set, k.id, 0);
		ret = hmap_insert(f->map, &k, sizeof(k), val, len,
				  HMAP_PUT_NOEXIST);
		f->added += !ret;
		if (!(f->added & 63))
			cond_resched();
	} while (!ret);
	f->err = ret;
	atomic_dec(f->running);
	/* kthread_stop() reaps the thread; it must not exit before. */
	while (!kthread_should_stop())
		msleep(20);
	return 0;
}

static void hmap_writers_fill_to_limit(struct kunit *test)
{
	unsigned int n = max(2U, num_online_cpus()), i;
	struct hmap *map = kh_create(test, WR_LIMIT, sizeof(struct kh_key),
				     KH_VAL_MAX, 0);
	struct wr_filler *f = kunit_kcalloc(test, n, sizeof(*f), GFP_KERNEL);
	atomic_t running = ATOMIC_INIT(n);
	struct task_struct *t;
	struct kh_key k;
	u8 val[KH_VAL_MAX];
	u32 added = 0, len;

	KUNIT_ASSERT_NOT_NULL(test, f);
	for (i = 0; i < n; i++) {
		f[i].map = map;
		f[i].id = i;
		f[i].running = &running;
		t = kthread_create(wr_filler_fn, &f[i], "hmap_kunit_wf/%u", i);
		if (IS_ERR(t)) {
			KUNIT_FAIL(test, "kthread_create: %ld", PTR_ERR(t));
			atomic_sub(n - i, &running);
			n = i;
			break;
		}
		kthread_bind(t, kh_nth_online_cpu(i));
		f[i].task = t;
		wake_up_process(t);
	}
	while (atomic_read(&running))
		msleep(20);
	for (i = 0; i < n; i++) {
		kthread_stop(f[i].task);
		KUNIT_EXPECT_EQ(test, f[i].err, -E2BIG);
		added += f[i].added;
	}
	KUNIT_EXPECT_EQ(test, added, WR_LIMIT);
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, WR_LIMIT);
	KH_ASSERT_CONSISTENT(test, map);

	/* Full: one more fails; one out, one in. */
	k = kh_key(WR_FILL_SET, f[0].added);
	len = kh_fill_value(val, k.set, k.id, 0);
	KUNIT_EXPECT_EQ(test, hmap_insert(map, &k, sizeof(k), val, len,
					  HMAP_PUT_NOEXIST), -E2BIG);
	if (f[0].added) {
		struct kh_key gone = kh_key(WR_FILL_SET, 0);

		KUNIT_EXPECT_EQ(test, hmap_delete(map, &gone, sizeof(gone)), 0);
		KUNIT_EXPECT_EQ(test, hmap_insert(map, &k, sizeof(k), val, len,
						  HMAP_PUT_NOEXIST), 0);
	}
	KUNIT_EXPECT_EQ(test, kh_stats(map).count, WR_LIMIT);
}

/*
 * Strides (hmap_claim_chain()): two writers on two CPUs take turns in a
 * grow 2^9 -> 2^10, worker off, every key of theirs in old chain 511, so
 * that their first steps move that chain alone and their second steps
 * show which chains their CPUs are handed. Each CPU takes a stride of 64
 * chains and works through it: after 16 turns each, one CPU has moved
 * the first 16 or 17 chains, the other 64..79. Chains handed out one by
 * one would alternate (0..32 between them). Then the second writer stops,
 * leaving 80..127 in its stride; the first alone finishes the resize once
 * every stride is handed out, from the mark, within a step per old chain.
 */
#define STRIDE_TURNS	16

/**
 * struct stride_writer - a writer kthread of the stride cases
 * @test: the test.
 * @map: the map.
 * @tr: the map's tracepoint recorder.
 * @task: the kthread.
 * @next_id: the id of its next key.
 * @asked: requests made to it.
 * @done: requests it has carried out.
 * @until_done: a request is writes until the map has no resize (at most
 *	STRIDE_WRITES_MAX), not one write.
 * @writes: writes of the last request.
 * @max_steps: the most old chains one of them evacuated.
 * @err: its first failed insert's error.
 * @chain: when not 0, the old chain its next keys fall in (of 2^9, or
 *	of fewer: its low bits), instead of 511.
 */
struct stride_writer {
	struct kunit *test;
	struct hmap *map;
	struct kh_trace *tr;
	struct task_struct *task;
	u32 next_id;
	atomic_t asked;
	atomic_t done;
	bool until_done;
	u32 writes;
	u64 max_steps;
	int err;
	u32 chain;
};

/* More than a 2^9-chain resize can need from one writer. */
#define STRIDE_WRITES_MAX	513

/* Key @id of old chain @chain of 2^9 (or of fewer: its low bits). */
static u64 stride_chain_key_hash(u32 chain, u32 id)
{
	return kh_hash(0x80 + (id & 0x7f), id, chain + (id << 9));
}

/* Key @id of a stride writer whose @chain is @chain (0: chain 511). */
static struct kh_fkey stride_key(u32 chain, u32 id)
{
	return kh_fkey(stride_chain_key_hash(chain ? chain : 511, id), id);
}

/* One insert of a new key of @w's, counted in @w's writes and max_steps. */
static void stride_insert(struct stride_writer *w)
{
	u64 steps = kh_trace_snap(w->tr).write_steps;
	u32 v = w->next_id++;
	struct kh_fkey k = stride_key(w->chain, v);
	int ret;

	ret = hmap_insert(w->map, &k, sizeof(k), &v, sizeof(v),
			  HMAP_PUT_NOEXIST);
	if (ret && !w->err)
		w->err = ret;
	w->writes++;
	w->max_steps = max(w->max_steps,
			   kh_trace_snap(w->tr).write_steps - steps);
}

static int stride_writer_fn(void *arg)
{
	struct stride_writer *w = arg;

	kh_adopt_test(w->test);
	while (!kthread_should_stop()) {
		/* Acquire: after the test's reads of the last request. */
		if (atomic_read(&w->done) == atomic_read_acquire(&w->asked)) {
			usleep_range(100, 200);
			continue;
		}
		w->writes = 0;
		w->max_steps = 0;
		do {
			stride_insert(w);
		} while (w->until_done && w->writes < STRIDE_WRITES_MAX &&
			 kh_stats(w->map).resize != HMAP_RESIZING_NONE);
		/* Ordered: the test reads what the writes did after this. */
		atomic_inc_return(&w->done);
	}
	return 0;
}

/*
 * A request to @w, waited for: returns the most old chains one of its
 * writes evacuated, U64_MAX if it took over 3 s.
 */
static u64 stride_write(struct stride_writer *w)
{
	int want = atomic_inc_return(&w->asked);
	unsigned int waited;

	for (waited = 0; atomic_read_acquire(&w->done) != want; waited++) {
		if (waited == 30000)
			return U64_MAX;
		usleep_range(100, 200);
	}
	return w->max_steps;
}

static unsigned int evacuated_in(struct kh_trace *tr, u32 from, u32 to)
{
	unsigned int n = 0;

	for (; from < to; from++)
		n += tr->evacs[from] != 0;
	return n;
}

/*
 * A map of forced hashes filled to its grow threshold at 2^@log2 buckets,
 * its worker off and its tracepoint recorder in *@tr, and two stride
 * writers in @w on two CPUs, woken: the first's keys are ids from 100000
 * up, the second's from 200000. NULL when that failed; the test is
 * skipped on one CPU.
 */
static struct hmap *stride_setup(struct kunit *test, unsigned int log2,
				 struct stride_writer *w, struct kh_trace **tr)
{
	const u32 full = (u32)kh_grow_threshold(log2);
	struct hmap *map = kh_create_forced(test, full + 1000, full);
	unsigned int i;
	u32 id;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	hmap_set_worker_enabled(map, false);
	for (id = 0; id < full; id++) {
		struct kh_fkey k = kh_fkey(kh_hash(0x90 + (id & 0x3f), id, id),
					   id);

		KUNIT_ASSERT_EQ(test, hmap_insert(map, &k, sizeof(k), &id,
						  sizeof(id), HMAP_PUT_NOEXIST),
				0);
	}
	KUNIT_ASSERT_EQ(test, kh_stats(map).log2_buckets, log2);
	KUNIT_ASSERT_EQ(test, kh_stats(map).resize, HMAP_RESIZING_NONE);
	*tr = kh_trace_attach(test, map);
	for (i = 0; i < 2; i++) {
		w[i].test = test;
		w[i].map = map;
		w[i].tr = *tr;
		w[i].next_id = 100000 * (i + 1);
		w[i].task = kthread_create(stride_writer_fn, &w[i],
					   "hmap_kunit_stride/%u", i);
		if (IS_ERR(w[i].task)) {
			if (i)
				kthread_stop(w[0].task);
			KUNIT_FAIL(test, "kthread_create: %ld",
				   PTR_ERR(w[i].task));
			return NULL;
		}
		kthread_bind(w[i].task, kh_nth_online_cpu(i));
	}
	for (i = 0; i < 2; i++)
		wake_up_process(w[i].task);
	return map;
}

/* Key @id of chain @chain (stride_key()) is in @map, its value @id. */
static void stride_expect_found(struct kunit *test, struct hmap *map,
				u32 chain, u32 id)
{
	struct kh_fkey k = stride_key(chain, id);
	u32 got = 0, len = sizeof(got);

	KUNIT_EXPECT_EQ(test, hmap_lookup(map, &k, sizeof(k), &got, &len), 0);
	KUNIT_EXPECT_EQ(test, got, id);
}

/*
 * The first writer alone finishes the resize the test started at
 * 2^@log2 (the second is stopped): in at most a write per old chain.
 */
static void stride_finish(struct kunit *test, struct hmap *map,
			  struct stride_writer *w, unsigned int log2)
{
	u64 steps;

	w[0].chain = 0;
	w[0].until_done = true;
	steps = stride_write(&w[0]);
	KUNIT_EXPECT_LE(test, steps, 2);
	KUNIT_EXPECT_LE_MSG(test, w[0].writes, 1U << log2,
			    "the writes here did not finish the resize");
	KUNIT_EXPECT_EQ(test, kh_stats(map).resize, HMAP_RESIZING_NONE);
}

static void hmap_writers_take_strides(struct kunit *test)
{
	struct stride_writer *w = kunit_kcalloc(test, 2, sizeof(*w),
						GFP_KERNEL);
	u64 steps, writes = 0;
	struct kh_trace *tr;
	struct hmap *map;
	u32 v, moved_early;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, w);
	map = stride_setup(test, 9, w, &tr);
	if (!map)
		return;

	/* The first writer's insert starts the grow. */
	steps = stride_write(&w[0]);
	KUNIT_EXPECT_LE(test, steps, 2);
	KUNIT_EXPECT_EQ(test, kh_stats(map).resize, HMAP_RESIZING_GROW);
	for (i = 0; i < 2 * STRIDE_TURNS && !kh_failed(test); i++) {
		steps = stride_write(&w[i & 1]);
		KUNIT_EXPECT_GE(test, steps, 1);
		KUNIT_EXPECT_LE(test, steps, 2);
	}
	KUNIT_EXPECT_EQ(test, tr->evacs[511], 1);
	KUNIT_EXPECT_EQ_MSG(test, evacuated_in(tr, 64, 64 + STRIDE_TURNS),
			    STRIDE_TURNS,
			    "the second CPU's steps did not take chains 64..79 of its stride");
	KUNIT_EXPECT_EQ(test, evacuated_in(tr, 64 + STRIDE_TURNS, 511), 0);
	KUNIT_EXPECT_GE(test, evacuated_in(tr, 0, 64), STRIDE_TURNS);
	KUNIT_EXPECT_LE(test, evacuated_in(tr, 0, 64), STRIDE_TURNS + 1);
	KUNIT_EXPECT_EQ(test, evacuated_in(tr, 0, STRIDE_TURNS), STRIDE_TURNS);

	/*
	 * The first writer's key falls in the chain the second CPU's stride
	 * hands out next, and moves it out of order; the second writer's
	 * next write (its key's chain, 511, long moved) must still move one
	 * chain: the next of its stride not yet moved.
	 */
	moved_early = w[0].next_id;
	w[0].chain = 64 + STRIDE_TURNS;
	steps = stride_write(&w[0]);
	w[0].chain = 0;
	KUNIT_EXPECT_EQ(test, steps, 2);
	KUNIT_EXPECT_EQ(test, tr->evacs[64 + STRIDE_TURNS], 1);
	steps = stride_write(&w[1]);
	KUNIT_EXPECT_EQ_MSG(test, steps, 1,
			    "a write after its stride's next chain was moved out of order moved nothing");
	KUNIT_EXPECT_EQ(test, tr->evacs[64 + STRIDE_TURNS + 1], 1);

	/* The second writer stops: the first finishes, its chains too. */
	kthread_stop(w[1].task);
	if (!kh_failed(test)) {
		stride_finish(test, map, w, 9);
		writes = w[0].writes;
	}
	kthread_stop(w[0].task);
	if (kh_failed(test))
		return;
	KUNIT_EXPECT_EQ(test, w[0].err, 0);
	KUNIT_EXPECT_EQ(test, w[1].err, 0);
	kh_expect_resize_done(test, tr, HMAP_RESIZING_GROW, 9, 10);
	kunit_info(test, "after the second writer stopped: %llu writes finished the grow",
		   writes);
	for (i = 0; i < 2; i++)
		for (v = 100000 * (i + 1); v < w[i].next_id; v++)
			stride_expect_found(test, map, v == moved_early ?
					    64 + STRIDE_TURNS : 0, v);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * A CPU's new stride may hold chains that writes' first steps moved out
 * of order (hmap_claim_chain()): a grow 2^6 -> 2^7, worker off, strides
 * of 8 chains. The first writer's step after its key's chain (63) moves
 * chain 0, the first of its stride 0..7, and it stops there, which holds
 * the mark at 1. The second writer's
 * next eight keys fall in chains 16..23, the stride after its own 8..15:
 * those writes move both, so the stride it is handed next is all moved
 * and its next write must take the chain at the mark. The write after
 * that, its key in chain 24, finds the first chain of its new stride
 * 24..31 moved and must take 25.
 */
#define SKIP_LOG2	6
#define SKIP_STRIDE	8
#define SKIP_WRITES	(SKIP_STRIDE + 2)

/* A write of @w's, its key in chain @chain, noted in @chain_of[id - @first]. */
static u64 skip_write(struct stride_writer *w, u32 *chain_of, u32 first,
		      u32 chain)
{
	KUNIT_ASSERT_LT(w->test, w->next_id - first, SKIP_WRITES);
	chain_of[w->next_id - first] = chain;
	w->chain = chain;
	return stride_write(w);
}

static void hmap_writers_skip_moved_strides(struct kunit *test)
{
	struct stride_writer *w = kunit_kcalloc(test, 2, sizeof(*w),
						GFP_KERNEL);
	u32 chain_of[SKIP_WRITES], v, first;
	unsigned int mark, i;
	struct kh_trace *tr;
	struct hmap *map;
	u64 steps;

	KUNIT_ASSERT_NOT_NULL(test, w);
	map = stride_setup(test, SKIP_LOG2, w, &tr);
	if (!map)
		return;

	/*
	 * The first writer starts the grow and moves chains 63 and 0 (in the
	 * write that starts it, or, should that one leave the steps to the
	 * next, in that one).
	 */
	for (i = 0; i < 2 && !evacuated_in(tr, 0, SKIP_STRIDE); i++)
		stride_write(&w[0]);
	mark = evacuated_in(tr, 0, SKIP_STRIDE);
	KUNIT_EXPECT_EQ(test, kh_stats(map).resize, HMAP_RESIZING_GROW);
	KUNIT_EXPECT_EQ(test, tr->evacs[63], 1);
	KUNIT_EXPECT_EQ(test, tr->evacs[0], 1);
	KUNIT_EXPECT_EQ(test, mark, 1);

	/* Chains 16..23 by first steps, 8..15 by second. */
	first = w[1].next_id;
	for (i = 0; i < SKIP_STRIDE && !kh_failed(test); i++)
		KUNIT_EXPECT_EQ(test, skip_write(&w[1], chain_of, first,
						 2 * SKIP_STRIDE + i), 2);
	KUNIT_EXPECT_EQ(test, evacuated_in(tr, SKIP_STRIDE, 3 * SKIP_STRIDE),
			2 * SKIP_STRIDE);
	KUNIT_EXPECT_EQ(test, evacuated_in(tr, 0, SKIP_STRIDE), mark);

	/* Its own chain moved, its next stride 16..23 too: the mark's. */
	steps = skip_write(&w[1], chain_of, first, 0);
	KUNIT_EXPECT_EQ_MSG(test, steps, 1,
			    "a write handed a stride of moved chains took none");
	KUNIT_EXPECT_EQ(test, tr->evacs[mark], 1);

	/* Chain 24 by its first step: its new stride 24..31 starts at 25. */
	steps = skip_write(&w[1], chain_of, first, 3 * SKIP_STRIDE);
	KUNIT_EXPECT_EQ_MSG(test, steps, 2,
			    "a write handed a stride whose first chain was moved took none of it");
	KUNIT_EXPECT_EQ(test, tr->evacs[3 * SKIP_STRIDE + 1], 1);
	KUNIT_EXPECT_EQ(test, evacuated_in(tr, 3 * SKIP_STRIDE + 2, 63), 0);

	kthread_stop(w[1].task);
	if (!kh_failed(test))
		stride_finish(test, map, w, SKIP_LOG2);
	kthread_stop(w[0].task);
	if (kh_failed(test))
		return;
	KUNIT_EXPECT_EQ(test, w[0].err, 0);
	KUNIT_EXPECT_EQ(test, w[1].err, 0);
	kh_expect_resize_done(test, tr, HMAP_RESIZING_GROW, SKIP_LOG2,
			      SKIP_LOG2 + 1);
	for (v = 100000; v < w[0].next_id; v++)
		stride_expect_found(test, map, 0, v);
	for (v = first; v < w[1].next_id; v++)
		stride_expect_found(test, map, chain_of[v - first], v);
	KH_ASSERT_CONSISTENT(test, map);
}

/*
 * The case is not named as its suite: kunit_parser reads a case's
 * "# name: ..." lines as the suite's own when the two names are equal.
 */
static struct kunit_case hmap_stress_writers_cases[] = {
	KUNIT_CASE_SLOW(hmap_writers_conserve),
	KUNIT_CASE(hmap_writers_fill_to_limit),
	KUNIT_CASE(hmap_writers_take_strides),
	KUNIT_CASE(hmap_writers_skip_moved_strides),
	{}
};

static struct kunit_suite hmap_stress_writers_suite = {
	.name = "hmap_stress_writers",
	.test_cases = hmap_stress_writers_cases,
};

kunit_test_suites(&hmap_stress_writers_suite);
