// SPDX-License-Identifier: GPL-2.0
/*
 * wmm: the weak-memory checker. The model is described in wmm.h; this file
 * keeps the per-address store histories, the clocks, the tracked heap and
 * the explorer that drives the reader's choices.
 */
#include "wmm.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A vector clock; with one writer only the W component ever moves. */
struct vc {
	uint32_t c[WMM_NTHREADS];
};

static void vc_join(struct vc *a, const struct vc *b)
{
	for (int i = 0; i < WMM_NTHREADS; i++)
		if (b->c[i] > a->c[i])
			a->c[i] = b->c[i];
}

/* One store in an address's history (index 0: the value before the first). */
struct entry {
	uint64_t val;
	uint32_t stamp;		/* W's clock at the store; 0: initial value */
	bool carries;		/* an acquire of it learns @rel */
	struct vc rel;		/* release: W's clock; relaxed: its last fence */
	struct wmm_site site;	/* op NULL for the initial value */
};

struct hist {
	uintptr_t addr;
	size_t size;
	struct entry *e;
	unsigned int n, cap;
	unsigned int r_gen;	/* R's last read, valid in run r_gen only */
	unsigned int r_last;
	struct hist *next;	/* hash chain */
	struct hist *all;	/* every history, to free them */
};

enum obj_state { OBJ_LIVE, OBJ_FREED, OBJ_FREED_RCU };

/* A tracked heap object. */
struct obj {
	uintptr_t base;
	size_t size;
	unsigned int id;
	const char *func;	/* who allocated it */
	enum obj_state state;
	uint32_t free_stamp;
	const char *free_func;
	bool poisoned;		/* allocated unzeroed: filled with WMM_POISON */
	bool published;		/* a marked store of a pointer to it was made */
	uint32_t init_stamp;	/* the first such store */
	struct wmm_site pub_site;
	struct vc dep;		/* R's view for loads from it (dependency) */
	unsigned int dep_gen;
};

/* One load by R in the current run, for the trace. */
#define TRACE_CANDS	4

/* What wmm_alloc() fills memory not asked for zeroed with. */
#define WMM_POISON	0xa5

struct trace_rec {
	struct wmm_site site;
	const void *addr;
	size_t size;
	uint64_t val;
	unsigned int ncand, choice;
	uint64_t cand[TRACE_CANDS];
	uint32_t cand_stamp[TRACE_CANDS];
	bool cand_carries[TRACE_CANDS];
	bool modelled;		/* the address had marked stores */
};

#define HBUCKETS	4096
#define MAX_CHOICES	4096
#define MAX_TRACE	4096

struct choice {
	unsigned short pick, n;
};

static struct {
	enum wmm_thread cur;
	struct vc clock[WMM_NTHREADS];	/* [W]: W's clock; [R]: R's view */
	struct vc w_fence;		/* W's clock at its last wmb/mb */
	bool w_fenced;
	struct vc r_start;		/* R's view at the start of each run */
	uint32_t r_rcu_start;		/* W's clock when R's section began */
	struct vc r_pending;		/* clocks an smp_rmb() would join */
	unsigned int gen;		/* the current run of R */

	struct hist *htab[HBUCKETS];
	struct hist *hists;
	struct obj *objs;
	unsigned int nobjs, capobjs, next_id;

	char err[512];
	wmm_namer_fn namer;

	/* Exploration. */
	enum wmm_mode mode;
	uint64_t rng;
	bool all_oldest;
	struct choice cv[MAX_CHOICES];
	unsigned int cv_len, cv_pos;
	struct trace_rec trace[MAX_TRACE];
	unsigned int ntrace;
} S;

void wmm_fail(const char *fmt, ...)
{
	va_list ap;

	if (S.err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(S.err, sizeof(S.err), fmt, ap);
	va_end(ap);
}

const char *wmm_error(void)
{
	return S.err[0] ? S.err : NULL;
}

void wmm_warn(const char *file, int line, const char *cond)
{
	wmm_fail("WARN_ON_ONCE(%s) at %s:%d", cond, file, line);
}

void wmm_set_namer(wmm_namer_fn fn)
{
	S.namer = fn;
}

/* ---- the tracked heap ---- */

static struct obj *find_obj(uintptr_t a)
{
	if (!a)
		return NULL;
	for (unsigned int i = S.nobjs; i--;) {
		struct obj *o = &S.objs[i];

		if (a >= o->base && a < o->base + o->size)
			return o;
	}
	return NULL;
}

/*
 * Whether @val, loaded by R from object @o with no store of W's behind it
 * (never stored, or the value the allocation left), is the poison of
 * unzeroed memory: R read what nothing initialised.
 */
static bool reads_poison(const struct obj *o, uint64_t val, size_t size)
{
	uint64_t poison;

	if (!o || !o->poisoned)
		return false;
	memset(&poison, WMM_POISON, sizeof(poison));
	return !memcmp(&val, &poison, size);
}

void *wmm_alloc(size_t size, bool zero, const char *func)
{
	void *p = malloc(size ? size : 1);
	struct obj *o;

	if (!p)
		return NULL;
	/* kmalloc() memory is not zeroed: make reading it before init show. */
	memset(p, zero ? 0 : WMM_POISON, size);
	if (S.nobjs == S.capobjs) {
		S.capobjs = S.capobjs ? 2 * S.capobjs : 256;
		S.objs = realloc(S.objs, S.capobjs * sizeof(*S.objs));
		if (!S.objs)
			abort();
	}
	o = &S.objs[S.nobjs++];
	*o = (struct obj){ .base = (uintptr_t)p, .size = size ? size : 1,
			   .id = ++S.next_id, .func = func, .poisoned = !zero };
	return p;
}

void wmm_free(const void *p, bool rcu, const char *func)
{
	struct obj *o;

	if (!p)
		return;
	o = find_obj((uintptr_t)p);
	if (!o || o->base != (uintptr_t)p) {
		wmm_fail("%s frees %p, not an object it allocated", func, p);
		return;
	}
	if (o->state != OBJ_LIVE) {
		wmm_fail("%s frees %s#%u twice (first by %s)", func, o->func,
			 o->id, o->free_func);
		return;
	}
	o->state = rcu ? OBJ_FREED_RCU : OBJ_FREED;
	o->free_stamp = ++S.clock[WMM_W].c[WMM_W];
	o->free_func = func;
	/* Freed at once: poison, so a reader that still reads it sees junk. */
	if (!rcu)
		memset((void *)p, 0x6b, o->size);
}

static void name(const struct obj *o, size_t off, char *buf, size_t len)
{
	if (S.namer)
		S.namer((const void *)o->base, o->size, o->func, o->id, off,
			buf, len);
	else if (off == WMM_OBJECT)
		snprintf(buf, len, "%s#%u", o->func, o->id);
	else
		snprintf(buf, len, "%s#%u+%#zx", o->func, o->id, off);
}

void wmm_name_addr(const void *addr, char *buf, size_t len)
{
	struct obj *o = find_obj((uintptr_t)addr);

	if (o)
		name(o, (uintptr_t)addr - o->base, buf, len);
	else
		snprintf(buf, len, "%p", addr);
}

static const char *obj_name(const struct obj *o, char *buf, size_t len)
{
	name(o, WMM_OBJECT, buf, len);
	return buf;
}

/*
 * Whether thread S.cur may touch object @o now. R may still read memory
 * freed with kfree_rcu() after its read-side section began, not before.
 */
static void check_live(const struct obj *o, const char *how,
		       const struct wmm_site *site)
{
	char name[96];

	if (!o || o->state == OBJ_LIVE)
		return;
	if (S.cur == WMM_R && o->state == OBJ_FREED_RCU &&
	    o->free_stamp > S.r_rcu_start)
		return;
	wmm_fail("%s %s %s freed by %s%s (%s:%d)",
		 S.cur == WMM_R ? "reader" : "writer", how,
		 obj_name(o, name, sizeof(name)), o->free_func,
		 S.cur == WMM_R && o->state == OBJ_FREED_RCU ?
			 " (kfree_rcu before the reader's section began)" : "",
		 site->func, site->line);
}

/* ---- histories ---- */

static unsigned int hslot(uintptr_t a)
{
	return (unsigned int)((a * 0x9E3779B97F4A7C15ULL) >> 52) % HBUCKETS;
}

static struct hist *hist_find(uintptr_t a)
{
	for (struct hist *h = S.htab[hslot(a)]; h; h = h->next)
		if (h->addr == a)
			return h;
	return NULL;
}

static uint64_t mem_val(const void *addr, size_t size)
{
	uint64_t v = 0;

	memcpy(&v, addr, size);
	return v;
}

static void hist_push(struct hist *h, const struct entry *e)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 4;
		h->e = realloc(h->e, h->cap * sizeof(*h->e));
		if (!h->e)
			abort();
	}
	h->e[h->n++] = *e;
}

static struct hist *hist_create(uintptr_t a, size_t size)
{
	struct hist *h;

	/* Marked accesses of different sizes that overlap are not modelled. */
	for (uintptr_t b = a - 7; b < a + size; b++) {
		struct hist *o = b == a ? NULL : hist_find(b);

		if (o && b + o->size > a)
			wmm_fail("marked accesses of %zu and %zu bytes overlap at %p",
				 size, o->size, (void *)a);
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		abort();
	h->addr = a;
	h->size = size;
	/* The value before the first marked store: the allocation's. */
	hist_push(h, &(struct entry){ .val = mem_val((void *)a, size) });
	h->next = S.htab[hslot(a)];
	S.htab[hslot(a)] = h;
	h->all = S.hists;
	S.hists = h;
	return h;
}

/* Memory must hold the newest marked store: else W stored plainly. */
static void hist_check_mem(const struct hist *h, const struct wmm_site *site)
{
	char name[96];

	if (mem_val((void *)h->addr, h->size) == h->e[h->n - 1].val)
		return;
	wmm_name_addr((void *)h->addr, name, sizeof(name));
	wmm_fail("plain store to %s, which has marked stores (seen at %s:%d)",
		 name, site->func, site->line);
}

/* ---- stores, loads, fences ---- */

void wmm_store(void *addr, size_t size, const void *val, enum wmm_kind kind,
	       const struct wmm_site *site)
{
	struct hist *h;
	struct entry e = { .site = *site };
	uintptr_t a = (uintptr_t)addr;

	if (S.cur != WMM_W) {
		wmm_fail("the reader stores (%s at %s:%d): not modelled",
			 site->op, site->func, site->line);
		return;
	}
	check_live(find_obj(a), "stores to", site);
	h = hist_find(a);
	if (!h)
		h = hist_create(a, size);
	if (h->size != size)
		wmm_fail("%zu-byte store to a %zu-byte location (%s:%d)", size,
			 h->size, site->func, site->line);
	hist_check_mem(h, site);

	e.stamp = ++S.clock[WMM_W].c[WMM_W];
	memcpy(&e.val, val, size);
	if (kind == WMM_RELEASE) {
		e.carries = true;
		e.rel = S.clock[WMM_W];
	} else if (S.w_fenced) {
		e.carries = true;
		e.rel = S.w_fence;
	}
	hist_push(h, &e);
	memcpy(addr, val, size);

	/* The first store of a pointer to an object publishes it. */
	if (size == sizeof(void *)) {
		struct obj *o = find_obj((uintptr_t)e.val);

		if (o && !o->published) {
			o->published = true;
			o->init_stamp = e.stamp;
			o->pub_site = *site;
		}
	}
}

static unsigned int choose(unsigned int n, const struct wmm_site *site)
{
	struct choice *c;

	if (n <= 1)
		return 0;
	if (S.cv_pos == MAX_CHOICES) {
		wmm_fail("more than %d choices in one run", MAX_CHOICES);
		return 0;
	}
	c = &S.cv[S.cv_pos];
	if (S.mode == WMM_DFS && S.cv_pos < S.cv_len) {
		if (c->n != n)
			wmm_fail("the reader is not deterministic (%s:%d)",
				 site->func, site->line);
		S.cv_pos++;
		return c->pick < n ? c->pick : 0;
	}
	c->n = n;
	if (S.mode == WMM_DFS) {
		c->pick = 0;
	} else if (S.all_oldest) {
		c->pick = n - 1;
	} else {
		S.rng ^= S.rng << 13;
		S.rng ^= S.rng >> 7;
		S.rng ^= S.rng << 17;
		c->pick = S.rng % n;
	}
	S.cv_len = ++S.cv_pos;
	return c->pick;
}

/*
 * A relaxed load of several bytes that W stores one by one (a lookup reads
 * a bucket's eight tophash bytes as one word): modelled as a load of each
 * byte, each free to read any store it may see. That allows every outcome
 * of a single-copy-atomic word load and more, so it can only report more.
 */
static bool load_of_bytes(uintptr_t a, size_t size, enum wmm_kind kind)
{
	if (size == 1 || kind != WMM_ONCE)
		return false;
	for (uintptr_t b = a; b < a + size; b++) {
		const struct hist *h = hist_find(b);

		if (h && h->size == 1)
			return true;
	}
	return false;
}

void wmm_load(const void *addr, size_t size, void *out, enum wmm_kind kind,
	      const struct wmm_site *site)
{
	uintptr_t a = (uintptr_t)addr;
	struct obj *o = find_obj(a), *to;
	struct hist *h = hist_find(a);
	struct trace_rec *tr = NULL;
	const struct entry *e = NULL;
	struct vc view, dep;
	uint64_t val;
	char name[96];

	if (load_of_bytes(a, size, kind)) {
		for (size_t i = 0; i < size; i++)
			wmm_load((const char *)addr + i, 1, (char *)out + i,
				 kind, site);
		return;
	}
	if (h && h->size != size)
		wmm_fail("%zu-byte load of a %zu-byte location (%s:%d)", size,
			 h->size, site->func, site->line);
	if (S.cur == WMM_W) {
		/* The writer is sequential and holds the lock: the newest. */
		check_live(o, "loads from", site);
		if (h)
			hist_check_mem(h, site);
		memcpy(out, addr, size);
		return;
	}
	if (kind == WMM_PROTECTED)
		wmm_fail("the reader uses rcu_dereference_protected() (%s:%d)",
			 site->func, site->line);
	check_live(o, "loads from", site);

	/* What happens before this load: R's view and the dependency's. */
	view = S.clock[WMM_R];
	if (o && o->dep_gen == S.gen)
		vc_join(&view, &o->dep);

	if (S.ntrace < MAX_TRACE) {
		tr = &S.trace[S.ntrace++];
		*tr = (struct trace_rec){ .site = *site, .addr = addr,
					  .size = size };
	}
	if (!h) {
		val = mem_val(addr, size);
	} else {
		unsigned int lo = h->n - 1, pick, idx;

		/* Newest store that happens before R: nothing older. */
		while (lo && h->e[lo].stamp > view.c[WMM_W])
			lo--;
		/* Nothing older than what R read here last (CoRR). */
		if (h->r_gen == S.gen && h->r_last > lo)
			lo = h->r_last;
		hist_check_mem(h, site);
		pick = choose(h->n - lo, site);
		idx = h->n - 1 - pick;
		h->r_gen = S.gen;
		h->r_last = idx;
		e = &h->e[idx];
		val = e->val;
		if (tr) {
			tr->modelled = true;
			tr->ncand = h->n - lo;
			tr->choice = pick;
			for (unsigned int i = 0; i < TRACE_CANDS && i < tr->ncand; i++) {
				const struct entry *c = &h->e[h->n - 1 - i];

				tr->cand[i] = c->val;
				tr->cand_stamp[i] = c->stamp;
				tr->cand_carries[i] = c->carries;
			}
		}
	}
	if ((!e || !e->stamp) && reads_poison(o, val, size)) {
		wmm_name_addr(addr, name, sizeof(name));
		wmm_fail("reader reads %s uninitialised (%s:%d)", name,
			 site->func, site->line);
		val = 0;	/* and goes on safely to the end of its run */
	}
	if (tr)
		tr->val = val;

	if (e && e->carries) {
		if (kind == WMM_ACQUIRE)
			vc_join(&S.clock[WMM_R], &e->rel);
		else
			vc_join(&S.r_pending, &e->rel);
	}

	/* An address dependency to the object the loaded pointer is in. */
	to = size == sizeof(void *) ? find_obj((uintptr_t)val) : NULL;
	if (to) {
		dep = view;
		vc_join(&dep, &S.clock[WMM_R]);
		if (e && e->carries)
			vc_join(&dep, &e->rel);
		check_live(to, "follows a pointer to", site);
		if (to->published && dep.c[WMM_W] < to->init_stamp)
			wmm_fail("reader follows a pointer to %s that it read "
				 "(%s:%d) but may not see initialised: it was "
				 "published by %s (%s:%d) without ordering",
				 obj_name(to, name, sizeof(name)), site->func,
				 site->line, to->pub_site.op,
				 to->pub_site.func, to->pub_site.line);
		if (to->dep_gen != S.gen) {
			to->dep = dep;
			to->dep_gen = S.gen;
		} else {
			vc_join(&to->dep, &dep);
		}
	}
	memcpy(out, &val, size);
}

void wmm_fence(enum wmm_fence fence)
{
	if (S.cur == WMM_W) {
		if (fence != WMM_RMB) {
			S.w_fence = S.clock[WMM_W];
			S.w_fenced = true;
		}
		return;
	}
	if (fence != WMM_WMB)
		vc_join(&S.clock[WMM_R], &S.r_pending);
}

/* ---- scenarios ---- */

void wmm_begin(void)
{
	wmm_end();
}

void wmm_end(void)
{
	while (S.hists) {
		struct hist *h = S.hists;

		S.hists = h->all;
		free(h->e);
		free(h);
	}
	for (unsigned int i = 0; i < S.nobjs; i++)
		free((void *)S.objs[i].base);
	free(S.objs);
	memset(&S, 0, sizeof(S));
}

void wmm_as(enum wmm_thread t)
{
	S.cur = t;
}

void wmm_sync_reader(void)
{
	/* A tick of its own: what W does after this is after R's start. */
	S.r_rcu_start = ++S.clock[WMM_W].c[WMM_W];
	vc_join(&S.clock[WMM_R], &S.clock[WMM_W]);
	S.r_start = S.clock[WMM_R];
}

/* ---- exploration ---- */

static void fmt_val(char *buf, size_t len, uint64_t v, size_t size)
{
	struct obj *o = size == sizeof(void *) ? find_obj((uintptr_t)v) : NULL;

	if (o && v == o->base) {
		obj_name(o, buf, len);
	} else if (o) {
		wmm_name_addr((void *)(uintptr_t)v, buf, len);
	} else if (size == sizeof(void *) && !v) {
		snprintf(buf, len, "NULL");
	} else {
		snprintf(buf, len, "%#" PRIx64, v);
	}
}

static char *format_trace(void)
{
	size_t cap = 256 + (size_t)S.ntrace * 512, n = 0;
	char *out = malloc(cap), name[96], v[96];

	if (!out)
		abort();
	out[0] = 0;
	for (unsigned int i = 0; i < S.ntrace; i++) {
		const struct trace_rec *t = &S.trace[i];

		wmm_name_addr(t->addr, name, sizeof(name));
		fmt_val(v, sizeof(v), t->val, t->size);
		n += snprintf(out + n, cap - n, "    %s:%d %s(%s) = %s",
			      t->site.func, t->site.line, t->site.op, name, v);
		if (!t->modelled) {
			n += snprintf(out + n, cap - n, "  (never stored)\n");
			continue;
		}
		n += snprintf(out + n, cap - n, "  [%s; allowed, newest first:",
			      t->ncand == 1 ? "only choice" : "choice");
		for (unsigned int c = 0; c < t->ncand && c < TRACE_CANDS; c++) {
			fmt_val(v, sizeof(v), t->cand[c], t->size);
			n += snprintf(out + n, cap - n, " %s%s@%s%" PRIu32 "%s",
				      c == t->choice ? "*" : "", v,
				      t->cand_stamp[c] ? "W" : "init",
				      t->cand_stamp[c],
				      t->cand_carries[c] ? "/rel" : "");
		}
		if (t->ncand > TRACE_CANDS)
			n += snprintf(out + n, cap - n, " ...");
		n += snprintf(out + n, cap - n, "]\n");
	}
	return out;
}

static void format_vector(char *buf, size_t len)
{
	size_t n = snprintf(buf, len, "[");

	for (unsigned int i = 0; i < S.cv_len && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%u/%u", i ? " " : "",
			      S.cv[i].pick, S.cv[i].n);
	if (n < len)
		snprintf(buf + n, len - n, "]");
}

/* DFS: the next choice vector; false when every one has been run. */
static bool dfs_next(void)
{
	while (S.cv_len && S.cv[S.cv_len - 1].pick + 1 >= S.cv[S.cv_len - 1].n)
		S.cv_len--;
	if (!S.cv_len)
		return false;
	S.cv[S.cv_len - 1].pick++;
	return true;
}

bool wmm_explore(wmm_reader_fn fn, void *arg, struct wmm_explore *x)
{
	unsigned long max = x->max_runs ? x->max_runs :
			    x->mode == WMM_DFS ? 1000000 : 10000;
	char why[512];

	x->runs = x->failures = x->first_failure = 0;
	x->exhaustive = false;
	x->why[0] = x->vector[0] = 0;
	x->trace = NULL;
	S.mode = x->mode;
	S.rng = x->seed ? x->seed : 0x2545F4914F6CDD1DULL;
	S.cv_len = 0;
	S.cur = WMM_R;
	while (x->runs < max) {
		bool ok;

		S.gen++;
		S.clock[WMM_R] = S.r_start;
		memset(&S.r_pending, 0, sizeof(S.r_pending));
		S.ntrace = 0;
		S.cv_pos = 0;
		if (S.mode == WMM_RANDOM) {
			/* Run 0 takes the newest everywhere, run 1 the oldest. */
			S.cv_len = 0;
			S.all_oldest = x->runs == 1;
			if (x->runs == 0)
				S.mode = WMM_DFS;	/* empty vector: all 0 */
		}
		why[0] = 0;
		S.err[0] = 0;
		ok = fn(arg, why, sizeof(why));
		if (S.err[0]) {
			ok = false;
			snprintf(why, sizeof(why), "%s", S.err);
			S.err[0] = 0;
		}
		S.mode = x->mode;
		x->runs++;
		if (getenv("WMM_TRACE_ALL")) {
			char *t = format_trace(), v[256];

			format_vector(v, sizeof(v));
			printf("  run %lu %s: %s\n%s", x->runs, v,
			       ok ? "ok" : why, t);
			free(t);
		}
		if (!ok) {
			if (!x->failures++) {
				x->first_failure = x->runs;
				snprintf(x->why, sizeof(x->why), "%s",
					 why[0] ? why : "property broken");
				format_vector(x->vector, sizeof(x->vector));
				x->trace = format_trace();
			}
			if (!x->keep_going)
				break;
		}
		if (S.mode == WMM_DFS && !dfs_next()) {
			x->exhaustive = true;
			break;
		}
	}
	S.cur = WMM_W;
	return x->failures == 0;
}

void wmm_explore_free(struct wmm_explore *x)
{
	free(x->trace);
	x->trace = NULL;
}
