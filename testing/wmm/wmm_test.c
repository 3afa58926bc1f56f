// SPDX-License-Identifier: GPL-2.0
/*
 * Weak-memory tests of hmap_core.c: litmus self-tests of the checker, then
 * scenarios in which W (the map's writer) runs real hmap_core.c code, R
 * (a lockless reader) is synchronised with W at a chosen point, W goes on,
 * and R's hmap_lookup() is explored under every execution the model
 * allows (see wmm.h).
 *
 * One binary per build of the core. hmap_wmm_variant names the build: "real" is
 * ../../hmap_core.c as it is, and must pass everything; every other name is
 * a copy with a regression patch applied (regress-*.patch), and must be
 * caught by the scenarios listed for it below: a checker that cannot see a
 * known bug fails the run.
 *
 * Output: one PASS:/FAIL: line per test; details indented below it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wmm.h"
#include "hmap_wmm.h"

/* What the scenarios use of hmap.h and hmap_test.h (kept type-light). */
struct hmap;
void hmap_destroy(struct hmap *map);
int hmap_insert(struct hmap *map, const void *key, uint32_t key_len,
		const void *value, uint32_t value_len, uint64_t flags);
int hmap_lookup(struct hmap *map, const void *key, uint32_t key_len,
		void *value, uint32_t *value_len);
int hmap_delete(struct hmap *map, const void *key, uint32_t key_len);
void hmap_worker_run(struct hmap *map);
int hmap_check(struct hmap *map, char *why, size_t len);

static int npass, nfail;

static void result(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		npass++;
	else
		nfail++;
}

static void show_failure(const struct wmm_explore *x)
{
	printf("  first failing execution (run %lu of %lu), choice vector %s\n"
	       "  (pick/choices at each load that had a choice; pick 0 = the "
	       "newest store allowed)\n  why: %s\n"
	       "  R's loads; allowed stores newest first, * = the one read, "
	       "W<n> = W's n-th event,\n  /rel = carries a release clock, "
	       "init = the value before the first marked store:\n%s",
	       x->first_failure, x->runs, x->vector, x->why,
	       x->trace ? x->trace : "");
}

/* ================= litmus self-tests of the checker ================= */

struct lit {
	int x, y;
	struct lit_obj *p, *p2;
	struct lit_obj *dummy;
};

struct lit_obj {
	int a;
};

struct litmus {
	const char *name;
	void (*writer)(struct lit *s);	/* may call wmm_sync_reader() */
	bool (*bad)(struct lit *s);	/* R's code: true = the odd outcome */
	bool sometimes;			/* LKMM's verdict on the odd outcome */
	unsigned long runs;		/* executions expected (0: unchecked) */
};

static void w_mp_once(struct lit *s)
{
	WRITE_ONCE(s->x, 1);
	WRITE_ONCE(s->y, 1);
}

static void w_mp_release(struct lit *s)
{
	WRITE_ONCE(s->x, 1);
	smp_store_release(&s->y, 1);
}

static void w_mp_wmb(struct lit *s)
{
	WRITE_ONCE(s->x, 1);
	smp_wmb();
	WRITE_ONCE(s->y, 1);
}

static bool r_mp_once(struct lit *s)
{
	int r0 = READ_ONCE(s->y);
	int r1 = READ_ONCE(s->x);

	return r0 == 1 && r1 == 0;
}

static bool r_mp_acquire(struct lit *s)
{
	int r0 = smp_load_acquire(&s->y);
	int r1 = READ_ONCE(s->x);

	return r0 == 1 && r1 == 0;
}

static bool r_mp_rmb(struct lit *s)
{
	int r0 = READ_ONCE(s->y);
	int r1;

	smp_rmb();
	r1 = READ_ONCE(s->x);
	return r0 == 1 && r1 == 0;
}

/* Publish an object through a pointer: dependency ordering. */
static void w_pub(struct lit *s, bool release)
{
	struct lit_obj *o = wmm_alloc(sizeof(*o), true, "litmus");

	WRITE_ONCE(o->a, 1);
	if (release)
		rcu_assign_pointer(s->p, o);
	else
		RCU_INIT_POINTER(s->p, o);
}

static void w_pub_release(struct lit *s)
{
	w_pub(s, true);
}

static void w_pub_relaxed(struct lit *s)
{
	w_pub(s, false);
}

static bool r_pub(struct lit *s)
{
	struct lit_obj *q = rcu_dereference(s->p);

	return q && READ_ONCE(q->a) == 0;
}

/*
 * The resize-end pattern: p is non-NULL when R starts; W sets x, then
 * clears p with release. R reads p as NULL: does it see x?
 */
static void w_null(struct lit *s)
{
	s->dummy = wmm_alloc(sizeof(*s->dummy), true, "litmus");
	rcu_assign_pointer(s->p, s->dummy);
	wmm_sync_reader();
	WRITE_ONCE(s->x, 1);
	smp_store_release(&s->p, NULL);
}

static bool r_null(struct lit *s)
{
	return !rcu_dereference(s->p) && READ_ONCE(s->x) == 0;
}

static bool r_null_rmb(struct lit *s)
{
	if (rcu_dereference(s->p))
		return false;
	smp_rmb();
	return READ_ONCE(s->x) == 0;
}

/* CoRR: two reads of one location never go back in coherence order. */
static void w_corr(struct lit *s)
{
	WRITE_ONCE(s->x, 1);
	WRITE_ONCE(s->x, 2);
}

static bool r_corr(struct lit *s)
{
	int r0 = READ_ONCE(s->x);
	int r1 = READ_ONCE(s->x);

	return r0 == 2 && r1 == 1;
}

/* A store that happens before R's start hides every older one. */
static void w_hb(struct lit *s)
{
	WRITE_ONCE(s->x, 1);
	wmm_sync_reader();
	WRITE_ONCE(s->x, 2);
}

static bool r_hb(struct lit *s)
{
	return READ_ONCE(s->x) == 0;
}

static const struct litmus litmus_tests[] = {
	{ "MP+poonceonces", w_mp_once, r_mp_once, true, 4 },
	{ "MP+pooncerelease+poacquireonce", w_mp_release, r_mp_acquire,
	  false, 3 },
	{ "MP+fencewmbonceonce+fencermbonceonce", w_mp_wmb, r_mp_rmb, false,
	  3 },
	{ "MP+pooncerelease+poonceonce (no rmb)", w_mp_release, r_mp_once,
	  true, 4 },
	{ "MP+pooncerelease+fencermbonceonce", w_mp_release, r_mp_rmb, false,
	  3 },
	{ "MP+poonceonces+fencermb (no release)", w_mp_once, r_mp_rmb, true,
	  4 },
	{ "MP+fencewmbonceonce+poonceonce (no rmb)", w_mp_wmb, r_mp_once,
	  true, 4 },
	{ "MP+rcu_assign_pointer+rcu_dereference", w_pub_release, r_pub,
	  false, 0 },
	{ "MP+RCU_INIT_POINTER+rcu_dereference", w_pub_relaxed, r_pub, true,
	  0 },
	{ "MP+releaseNULL+rcu_dereference (NULL orders nothing)", w_null,
	  r_null, true, 0 },
	{ "MP+releaseNULL+rcu_dereference+rmb", w_null, r_null_rmb, false,
	  0 },
	{ "CoRR+poonceonces", w_corr, r_corr, false, 6 },
	{ "happens-before hides older stores", w_hb, r_hb, false, 2 },
};

struct litmus_run {
	const struct litmus *l;
	struct lit *s;
};

static bool litmus_reader(void *arg, char *why, size_t len)
{
	const struct litmus_run *r = arg;

	if (r->l->bad(r->s)) {
		snprintf(why, len, "the odd outcome");
		return false;
	}
	return true;
}

static void run_litmus(const struct litmus *l)
{
	struct wmm_explore x = { .mode = WMM_DFS, .keep_going = true };
	struct litmus_run r = { .l = l };
	bool seen, ok;

	wmm_begin();
	r.s = wmm_alloc(sizeof(*r.s), true, "litmus");
	l->writer(r.s);
	wmm_explore(litmus_reader, &r, &x);
	seen = x.failures > 0;
	ok = seen == l->sometimes && x.exhaustive &&
	     (!l->runs || x.runs == l->runs);
	result(ok, "litmus %s: %s (%lu of %lu executions%s), expected %s%s",
	       l->name, seen ? "Sometimes" : "Never", x.failures, x.runs,
	       x.exhaustive ? "" : ", not exhaustive",
	       l->sometimes ? "Sometimes" : "Never",
	       l->runs && x.runs != l->runs ? " and a different execution count" : "");
	if (!ok && seen)
		show_failure(&x);
	wmm_explore_free(&x);
	wmm_end();
}

/*
 * Self-tests of what the checker reports besides a test's own property:
 * each names the substring of the report it expects, or NULL for none.
 */
struct checker_test {
	const char *name;
	void (*writer)(struct lit *s);
	bool (*bad)(struct lit *s);
	const char *expect;
};

static struct lit_obj *w_published(struct lit *s)
{
	struct lit_obj *o = wmm_alloc(sizeof(*o), true, "litmus");

	WRITE_ONCE(o->a, 1);
	rcu_assign_pointer(s->p, o);
	return o;
}

static void w_unpublish_kfree(struct lit *s)
{
	struct lit_obj *o = w_published(s);

	wmm_sync_reader();
	RCU_INIT_POINTER(s->p, NULL);
	wmm_free(o, false, "w_unpublish_kfree");	/* kfree(): too early */
}

static void w_unpublish_kfree_rcu(struct lit *s)
{
	struct lit_obj *o = w_published(s);

	wmm_sync_reader();
	RCU_INIT_POINTER(s->p, NULL);
	wmm_free(o, true, "w_unpublish_kfree_rcu");	/* kfree_rcu(): fine */
}

/* Freed with kfree_rcu() while still reachable through p2. */
static void w_kfree_rcu_reachable(struct lit *s)
{
	struct lit_obj *o = w_published(s);

	rcu_assign_pointer(s->p2, o);
	RCU_INIT_POINTER(s->p, NULL);
	wmm_free(o, true, "w_kfree_rcu_reachable");
	wmm_sync_reader();
}

static bool r_deref_p(struct lit *s)
{
	struct lit_obj *q = rcu_dereference(s->p);

	return q && READ_ONCE(q->a) != 1;
}

static bool r_deref_p2(struct lit *s)
{
	struct lit_obj *q = rcu_dereference(s->p2);

	return q && READ_ONCE(q->a) != 1;
}

static void w_plain_store(struct lit *s)
{
	WRITE_ONCE(s->x, 1);
	s->x = 2;			/* a data race the model cannot see */
}

static bool r_read_x(struct lit *s)
{
	return READ_ONCE(s->x) > 2;
}

static void w_touch_freed(struct lit *s)
{
	struct lit_obj *o = w_published(s);

	RCU_INIT_POINTER(s->p, NULL);
	wmm_free(o, true, "w_touch_freed");
	WRITE_ONCE(o->a, 2);		/* after kfree_rcu(): invariant 5 */
}

static const struct checker_test checker_tests[] = {
	{ "reader follows a pointer to memory freed by kfree()",
	  w_unpublish_kfree, r_deref_p, "freed by w_unpublish_kfree" },
	{ "reader follows a pointer to memory freed by kfree_rcu() after it "
	  "began", w_unpublish_kfree_rcu, r_deref_p, NULL },
	{ "reader reaches memory freed by kfree_rcu() before it began",
	  w_kfree_rcu_reachable, r_deref_p2, "before the reader's section" },
	{ "plain store to a location with marked stores", w_plain_store,
	  r_read_x, "plain store to" },
	{ "writer touches memory it freed", w_touch_freed, NULL,
	  "writer stores to" },
};

static void run_checker_test(const struct checker_test *t)
{
	struct wmm_explore x = { .mode = WMM_DFS, .keep_going = true };
	const struct litmus l = { .bad = t->bad };
	struct litmus_run r = { .l = &l };
	const char *got = NULL;
	bool ok;

	wmm_begin();
	r.s = wmm_alloc(sizeof(*r.s), true, "litmus");
	t->writer(r.s);
	if (wmm_error())
		got = wmm_error();
	else if (t->bad && !wmm_explore(litmus_reader, &r, &x))
		got = x.why;
	ok = t->expect ? got && strstr(got, t->expect) : !got;
	result(ok, "checker: %s: %s", t->name,
	       got ? got : "nothing reported");
	wmm_explore_free(&x);
	wmm_end();
}

/* ============================ scenarios ============================ */

/*
 * Keys are 8 bytes and hash to themselves (wmm_hash_hook): the low bits
 * pick the bucket, the top byte is the tophash. KEY(n, low) is the n-th key
 * of a scenario, landing in bucket low & (2^B - 1) for any B <= 8.
 */
#define KEY(n, low)	((uint64_t)(0x40 + (n)) << 56 | (uint64_t)(low))

static uint64_t hash_identity(const void *key, uint32_t len)
{
	uint64_t k = 0;

	memcpy(&k, key, len < sizeof(k) ? len : sizeof(k));
	return k;
}

#define MAXVALS	4

/* What R checks: one hmap_lookup() of @key. */
struct lookup_check {
	struct hmap *map;
	uint64_t key;
	bool present;		/* present for the whole lookup: found */
	bool absent;		/* deleted before the lookup began: not found */
	const char *values[MAXVALS];	/* when found: one of these, whole */
	/* Outcomes over all executions. */
	unsigned long seen[MAXVALS], found, missed;
};

static bool reader_lookup(void *arg, char *why, size_t len)
{
	struct lookup_check *c = arg;
	char buf[64];
	uint32_t vlen = sizeof(buf);
	int ret;

	memset(buf, 0, sizeof(buf));
	ret = hmap_lookup(c->map, &c->key, sizeof(c->key), buf, &vlen);
	if (ret)
		c->missed++;
	else
		c->found++;
	if (c->present && ret) {
		snprintf(why, len, "hmap_lookup(%#llx) = %d: missed a key present "
			 "for the whole lookup (invariant 1)",
			 (unsigned long long)c->key, ret);
		return false;
	}
	if (c->absent && ret != -ENOENT) {
		snprintf(why, len, "hmap_lookup(%#llx) = %d: found a key deleted "
			 "before the lookup began (invariant 2)",
			 (unsigned long long)c->key, ret);
		return false;
	}
	if (!ret && c->values[0]) {
		for (int i = 0; i < MAXVALS && c->values[i]; i++)
			if (vlen == strlen(c->values[i]) + 1 &&
			    !memcmp(buf, c->values[i], vlen)) {
				c->seen[i]++;
				return true;
			}
		snprintf(why, len, "hmap_lookup(%#llx) returned a value that is "
			 "torn, stale or never stored: \"%.*s\" (%u bytes; "
			 "invariants 2, 3)", (unsigned long long)c->key,
			 (int)(vlen < sizeof(buf) ? vlen : sizeof(buf)), buf,
			 vlen);
		return false;
	}
	return true;
}

static struct hmap *new_map(uint32_t hint)
{
	return hmap_wmm_create(1000, 8, 32, hint);
}

static void put(struct hmap *map, uint64_t key, const char *value)
{
	int ret = hmap_insert(map, &key, sizeof(key), value,
			      strlen(value) + 1, 0 /* HMAP_PUT_ANY */);

	if (ret)
		wmm_fail("hmap_insert(%#llx) = %d", (unsigned long long)key, ret);
}

static void del(struct hmap *map, uint64_t key)
{
	int ret = hmap_delete(map, &key, sizeof(key));

	if (ret)
		wmm_fail("hmap_delete(%#llx) = %d", (unsigned long long)key, ret);
}

/*
 * A map of 2^@log2 buckets filled with 6.5 * 2^log2 keys, one short of a
 * grow: chain 1 gets 10 (so it has an overflow bucket), the others share
 * the rest. The keys of chain c alternate between new buckets c and
 * c + 2^log2 of the grown map. Return the next key number.
 */
static unsigned int fill(struct hmap *map, unsigned int log2)
{
	unsigned int nb = 1u << log2, total = 13u << log2 >> 1, n = 0;
	unsigned int chain1 = nb > 1 ? 10 : total;

	for (unsigned int i = 0; i < chain1; i++, n++)
		put(map, KEY(n, (nb > 1) | (i & 1) << log2), "value-old");
	for (unsigned int c = 0; n < total; c = (c + 1) % nb) {
		if (c == 1 && nb > 1)
			continue;
		put(map, KEY(n, c | (n & 1) << log2), "value-old");
		n++;
	}
	return n;
}

/* Chain 1's 10th key: in the old overflow bucket, new bucket 1 + 2^log2. */
#define K_OVERFLOW	KEY(9, 1 | 1u << log2)

struct scenario {
	const char *name;
	const char *what;
	/* W's work, with wmm_sync_reader() where R starts; fills @c. */
	void (*build)(struct lookup_check *c);
	const char *const *catches;	/* regress variants it must catch */
};

/*
 * resize-end/one-bucket: a one-bucket map; R starts after K's insert; then
 * the 9th key starts a grow that one write carries out and finishes.
 */
static void build_end_one(struct lookup_check *c)
{
	struct hmap *map = new_map(0);
	unsigned int n;

	for (n = 0; n < 8; n++)
		put(map, KEY(n, n & 1), "value-K");
	c->key = KEY(5, 1);
	wmm_sync_reader();
	put(map, KEY(n, 0), "value-9");		/* grow: start .. finish */
	if (hmap_wmm_log2(map) != 1 || hmap_wmm_evacuated(map, 0) != -1)
		wmm_fail("setup: the grow should be over");
	c->map = map;
	c->present = true;
}

/*
 * resize-end/worker: 4 buckets; R starts before the grow; a write starts
 * it and evacuates 2 chains, the worker (run by hand) the other 2 and
 * finishes it. K sits in an old overflow bucket.
 */
static void build_end_worker(struct lookup_check *c)
{
	unsigned int log2 = 2;
	struct hmap *map = new_map(20);
	unsigned int n = fill(map, log2);

	c->key = K_OVERFLOW;
	wmm_sync_reader();
	put(map, KEY(n, 2), "value-new");	/* grow; evacuates 2 and 0 */
	if (hmap_wmm_evacuated(map, 1) != 0)
		wmm_fail("setup: K's chain should still be waiting");
	hmap_worker_run(map);			/* 1 and 3; finish */
	if (hmap_wmm_log2(map) != 3 || hmap_wmm_evacuated(map, 0) != -1)
		wmm_fail("setup: the grow should be over");
	c->map = map;
	c->present = true;
}

/*
 * resize-end/shrink: grow to 2 buckets, then deletes bring the count to 3:
 * the delete that starts the shrink finishes it too; R starts before it.
 */
static void build_end_shrink(struct lookup_check *c)
{
	struct hmap *map = new_map(0);
	unsigned int n;

	for (n = 0; n < 9; n++)		/* the 9th grows to 2 buckets */
		put(map, KEY(n, n & 1), "value-K");
	for (n = 0; n < 5; n++)
		del(map, KEY(n, n & 1));
	c->key = KEY(7, 1);
	if (hmap_wmm_log2(map) != 1 || hmap_wmm_evacuated(map, 0) != -1)
		wmm_fail("setup: 2 buckets and no resize expected");
	wmm_sync_reader();
	del(map, KEY(5, 1));		/* count 3: shrink, start .. finish */
	if (hmap_wmm_log2(map) != 0 || hmap_wmm_evacuated(map, 0) != -1)
		wmm_fail("setup: the shrink should be over");
	c->map = map;
	c->present = true;
}

/* mid-resize: 8 buckets, 52 keys; the 53rd insert starts the grow. */
static struct hmap *mid_resize_map(unsigned int *n)
{
	struct hmap *map = new_map(40);

	*n = fill(map, 3);
	return map;
}

/* mid-resize/flag-clear: K's chain not evacuated: R reads the old chain. */
static void build_mid_clear(struct lookup_check *c)
{
	unsigned int log2 = 3, n;
	struct hmap *map = mid_resize_map(&n);

	c->key = K_OVERFLOW;
	wmm_sync_reader();
	put(map, KEY(n, 4), "value-new");	/* grow; evacuates 4 and 0 */
	if (hmap_wmm_evacuated(map, 1) != 0)
		wmm_fail("setup: K's chain should be waiting");
	c->map = map;
	c->present = true;
}

/*
 * mid-resize/flag-set: the write that starts the grow evacuates K's chain;
 * the resize stays in flight. R reads the flag set or clear.
 */
static void build_mid_set(struct lookup_check *c)
{
	unsigned int log2 = 3, n;
	struct hmap *map = mid_resize_map(&n);

	c->key = K_OVERFLOW;
	wmm_sync_reader();
	put(map, KEY(n, 1), "value-new");	/* grow; evacuates 1 and 0 */
	if (hmap_wmm_evacuated(map, 1) != 1)
		wmm_fail("setup: K's chain should be evacuated, resize going");
	c->map = map;
	c->present = true;
}

/*
 * mid-resize/others-change: during a grow, W deletes K's neighbours (before
 * it in the chain and after it: emptyOne and emptyRest marks) and adds
 * keys to K's new chain after R started. K stays.
 */
static void build_mid_others(struct lookup_check *c)
{
	unsigned int log2 = 3, n;
	struct hmap *map = mid_resize_map(&n);

	c->key = KEY(5, 1 | 1u << log2);	/* chain 1, new bucket 9 */
	put(map, KEY(n++, 4), "value-new");	/* grow; evacuates 4 and 0 */
	wmm_sync_reader();
	del(map, KEY(1, 1 | 1u << log2));	/* evacuates 1 (and 2) */
	del(map, KEY(3, 1 | 1u << log2));
	del(map, KEY(9, 1 | 1u << log2));	/* K's last neighbour */
	del(map, KEY(7, 1 | 1u << log2));
	for (unsigned int i = 0; i < 8; i++)	/* refill; overflow */
		put(map, KEY(n++, 1 | 1u << log2), "value-new");
	c->map = map;
	c->present = true;
}

/*
 * insert/new-slot and insert/new-overflow: K is inserted after R started,
 * into a free slot or into an overflow bucket linked for it. R may find K
 * or not; if it does, the entry must be whole (published with release).
 */
static void build_insert(struct lookup_check *c, unsigned int before)
{
	struct hmap *map = new_map(40);		/* 8 buckets: no resize */
	unsigned int n;

	for (n = 0; n < before; n++)
		put(map, KEY(n, 0), "value-old");
	wmm_sync_reader();
	c->key = KEY(n, 0);
	put(map, c->key, "value-new-K");
	c->map = map;
	c->values[0] = "value-new-K";
}

static void build_insert_slot(struct lookup_check *c)
{
	build_insert(c, 3);
}

static void build_insert_overflow(struct lookup_check *c)
{
	build_insert(c, 8);
}

/* delete/plain: no resize; K deleted before R starts. */
static void build_del_plain(struct lookup_check *c)
{
	struct hmap *map = new_map(20);
	unsigned int n = fill(map, 2);

	(void)n;
	c->key = KEY(9, 1 | 1u << 2);
	del(map, c->key);
	wmm_sync_reader();
	put(map, KEY(60, 1), "value-new");	/* takes K's old slot */
	c->map = map;
	c->absent = true;
}

/* delete/mid-resize: K deleted during a grow that stays in flight. */
static void build_del_mid(struct lookup_check *c)
{
	unsigned int log2 = 3, n;
	struct hmap *map = mid_resize_map(&n);

	c->key = K_OVERFLOW;
	put(map, KEY(n, 4), "value-new");	/* grow; evacuates 4 and 0 */
	del(map, c->key);			/* evacuates 1 and 2 first */
	if (hmap_wmm_evacuated(map, 3) != 0)
		wmm_fail("setup: the resize should still be going");
	wmm_sync_reader();
	hmap_worker_run(map);
	c->map = map;
	c->absent = true;
}

/*
 * delete/in-place: K's old chain needs an overflow bucket to move and
 * none can be allocated: the delete removes K from the old chain where it
 * is; R starts; the worker then finishes the grow.
 */
static void build_del_in_place(struct lookup_check *c)
{
	unsigned int log2 = 3, n = 0;
	struct hmap *map = new_map(40);

	/* Chain 1: 10 keys all bound for new bucket 1 (X): needs a spare. */
	for (; n < 10; n++)
		put(map, KEY(n, 1), "value-old");
	for (unsigned int c2 = 0; n < 52; c2 = (c2 + 1) % 8) {
		if (c2 == 1)
			continue;
		put(map, KEY(n, c2 | (n & 1) << log2), "value-old");
		n++;
	}
	put(map, KEY(n, 4), "value-new");	/* grow; evacuates 4 and 0 */
	c->key = KEY(3, 1);
	wmm_alloc_fail = true;
	del(map, c->key);			/* -ENOMEM evacuating: in place */
	wmm_alloc_fail = false;
	if (hmap_wmm_evacuated(map, 1) != 0)
		wmm_fail("setup: K's chain should not have been evacuated");
	wmm_sync_reader();
	hmap_worker_run(map);
	c->map = map;
	c->absent = true;
}

/* update/mid-resize: v1 when R starts, v2 during the grow, v3 after it. */
static void build_update(struct lookup_check *c, bool sync_after_v2)
{
	unsigned int log2 = 3, n;
	struct hmap *map = mid_resize_map(&n);

	c->key = K_OVERFLOW;
	put(map, c->key, "value-1-abcdef");
	if (!sync_after_v2)
		wmm_sync_reader();
	put(map, KEY(n, 4), "value-new");	/* grow; evacuates 4 and 0 */
	put(map, c->key, "value-2-ghijklmn");	/* moves K, then replaces */
	if (sync_after_v2)
		wmm_sync_reader();
	hmap_worker_run(map);
	put(map, c->key, "value-3-opq");
	c->map = map;
	c->present = true;
	c->values[0] = "value-2-ghijklmn";
	c->values[1] = "value-3-opq";
	if (!sync_after_v2)
		c->values[2] = "value-1-abcdef";
}

static void build_update_during(struct lookup_check *c)
{
	build_update(c, false);
}

static void build_update_after(struct lookup_check *c)
{
	build_update(c, true);
}

static const char *const catch_resize_end[] = {
	"regress-resize-end", "regress-no-rmb", "regress-no-release", NULL,
};
static const char *const catch_evac_flag[] = {
	"regress-evac-release", "regress-evac-acquire", NULL,
};

static const char *const catch_publish[] = {
	"regress-publish-relaxed", NULL,
};
/*
 * Not regress-publish-relaxed: an entry put in a new overflow bucket is
 * ordered by the release that links the bucket, and the model knows it.
 */
static const char *const catch_overflow[] = {
	"regress-overflow-relaxed", NULL,
};

static const struct scenario scenarios[] = {
	{ "resize-end/one-bucket",
	  "a lookup never misses K after a grow one write finishes",
	  build_end_one, catch_resize_end },
	{ "resize-end/worker",
	  "a lookup never misses K after a grow the worker finishes",
	  build_end_worker, catch_resize_end },
	{ "resize-end/shrink",
	  "a lookup never misses K after a shrink",
	  build_end_shrink, catch_resize_end },
	{ "mid-resize/flag-clear",
	  "a lookup never misses K while its old chain waits",
	  build_mid_clear, NULL },
	{ "mid-resize/flag-set",
	  "a lookup never misses K once its chain is evacuated",
	  build_mid_set, catch_evac_flag },
	{ "mid-resize/others-change",
	  "a lookup never misses K while its neighbours come and go",
	  build_mid_others, NULL },
	{ "insert/new-slot",
	  "a lookup of a key inserted meanwhile finds it whole or not at all",
	  build_insert_slot, catch_publish },
	{ "insert/new-overflow",
	  "a lookup of a key inserted in a new overflow bucket finds it whole "
	  "or not at all", build_insert_overflow, catch_overflow },
	{ "delete/plain",
	  "a lookup after a delete returned never finds the key",
	  build_del_plain, NULL },
	{ "delete/mid-resize",
	  "a lookup after a delete during a grow never finds the key",
	  build_del_mid, NULL },
	{ "delete/in-place",
	  "a lookup after a delete that could not evacuate never finds the key",
	  build_del_in_place, NULL },
	{ "update/during",
	  "a lookup during updates sees one whole value",
	  build_update_during, NULL },
	{ "update/after-return",
	  "a lookup after an update returned never sees the old value",
	  build_update_after, NULL },
};

/* "found K 3 (value-2 2, value-3 1), missed 1" */
static void outcomes(const struct lookup_check *c, char *buf, size_t len)
{
	size_t n = snprintf(buf, len, "found %lu", c->found);

	for (int i = 0; i < MAXVALS && c->values[i] && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s %lu", i ? ", " : " (",
			      c->values[i], c->seen[i]);
	if (c->values[0] && n < len)
		n += snprintf(buf + n, len - n, ")");
	if (n < len)
		snprintf(buf + n, len - n, ", missed %lu", c->missed);
}

/*
 * Build a scenario, explore R, tear down. Return false on a setup error
 * (in @err); else @out says what R saw.
 */
static bool run_scenario(const struct scenario *s, struct wmm_explore *x,
			 char *err, size_t len, char *out, size_t outlen)
{
	struct lookup_check c = { 0 };
	char why[256];
	bool ok = true;

	err[0] = out[0] = 0;
	wmm_begin();
	hmap_wmm_init();
	wmm_hash_hook = hash_identity;
	s->build(&c);
	if (!wmm_error() && c.map && hmap_check(c.map, why, sizeof(why)))
		wmm_fail("hmap_check: %s", why);
	if (wmm_error() || !c.map) {
		snprintf(err, len, "setup: %s",
			 wmm_error() ? wmm_error() : "no map");
		ok = false;
	} else {
		wmm_explore(reader_lookup, &c, x);
		outcomes(&c, out, outlen);
	}
	hmap_destroy(c.map);
	if (ok && wmm_error()) {
		snprintf(err, len, "teardown: %s", wmm_error());
		ok = false;
	}
	wmm_end();
	return ok;
}

static bool listed(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

/*
 * The real core: every execution of every scenario keeps the property,
 * and the exploration covered every execution.
 */
static void check_real(const struct scenario *s)
{
	struct wmm_explore x = { .mode = WMM_DFS };
	char err[600], out[256];

	if (!run_scenario(s, &x, err, sizeof(err), out, sizeof(out))) {
		result(false, "[real] %s: %s", s->name, err);
		return;
	}
	result(!x.failures && x.exhaustive,
	       "[real] %s: %s (%lu executions%s; %s)", s->name, s->what,
	       x.runs, x.exhaustive ? ", all of them" : ", NOT all of them",
	       out);
	if (x.failures)
		show_failure(&x);
	wmm_explore_free(&x);
}

/*
 * A regressed core: the exhaustive search must find an execution that
 * breaks the property (all of them are counted), and so must the random
 * one (all-newest, all-oldest, then random choice vectors).
 */
static void check_regressed(const struct scenario *s, const char *variant,
			    bool verbose)
{
	for (int m = 0; m < 2; m++) {
		struct wmm_explore x = {
			.mode = m ? WMM_RANDOM : WMM_DFS,
			.max_runs = m ? 5000 : 0,
			.seed = 12345,
			.keep_going = !m,
		};
		char err[600], out[256];

		if (!run_scenario(s, &x, err, sizeof(err), out, sizeof(out))) {
			result(false, "[%s] %s: %s", variant, s->name, err);
			continue;
		}
		if (m)
			result(x.failures > 0, "[%s] %s, random: %s (first at "
			       "execution %lu of %lu)", variant, s->name,
			       x.failures ? "caught" : "NOT caught",
			       x.first_failure, x.runs);
		else
			result(x.failures > 0 && x.exhaustive,
			       "[%s] %s, exhaustive: %s: %lu of %lu executions "
			       "break it (%s)", variant, s->name,
			       x.failures ? "caught" : "NOT caught",
			       x.failures, x.runs, out);
		if (x.failures && (verbose || !m))
			show_failure(&x);
		wmm_explore_free(&x);
	}
}

int main(int argc, char **argv)
{
	const char *variant = hmap_wmm_variant;
	bool real = !strcmp(variant, "real");
	bool verbose = argc > 1 && !strcmp(argv[1], "-v");
	clock_t t0 = clock();
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (real) {
		for (i = 0; i < sizeof(litmus_tests) / sizeof(litmus_tests[0]); i++)
			run_litmus(&litmus_tests[i]);
		for (i = 0; i < sizeof(checker_tests) / sizeof(checker_tests[0]); i++)
			run_checker_test(&checker_tests[i]);
	}
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (real)
			check_real(&scenarios[i]);
		else if (listed(scenarios[i].catches, variant))
			check_regressed(&scenarios[i], variant, verbose);
	}
	printf("(%s core: %d passed, %d failed, %.2f s of CPU)\n", variant,
	       npass, nfail, (double)(clock() - t0) / CLOCKS_PER_SEC);
	return nfail ? 1 : 0;
}
