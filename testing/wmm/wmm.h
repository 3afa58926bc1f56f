/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wmm: a small weak-memory checker for one writer and one lockless reader.
 *
 * Two logical threads, W (the writer, holding the map's lock) and R (a
 * lockless reader), run one after the other in one OS thread. Every marked
 * store by W (WRITE_ONCE, smp_store_release, rcu_assign_pointer,
 * RCU_INIT_POINTER) goes to memory and is also appended to a history of its
 * address, stamped with W's clock. A marked load by R does not read memory:
 * it picks one store from the address's history, any store that coherence
 * and happens-before still allow, and an explorer enumerates those picks
 * (depth first, replaying R from the start each time) to find an execution
 * in which R's code breaks the property the test checks.
 *
 * The model, a C11/LKMM-style one specialised to a writer that never reads
 * what the reader writes (R writes nothing shared):
 *  - W reads the newest value everywhere (it is sequential and holds the
 *    lock); its program order is its clock: store n has stamp n.
 *  - R's view of W is a clock: every store with a stamp at or below it
 *    happens before R, so R may not read anything older than the newest
 *    such store (coherence with happens-before, CoWR/CoRR), nor anything
 *    older than what R last read from the same address (CoRR).
 *  - A release store (smp_store_release, rcu_assign_pointer of non-NULL)
 *    carries W's clock at the store; a relaxed store carries W's clock at
 *    its last smp_wmb()/smp_mb(), if any. An acquire load that reads it
 *    joins that clock into R's view; a relaxed load leaves it pending
 *    until R's next smp_rmb()/smp_mb().
 *  - Address dependencies: a marked load that returns a pointer into a heap
 *    object gives later loads from that object the view of that load plus
 *    the clock the store it read carries (rcu_dereference() is READ_ONCE()
 *    in today's kernels: both head dependencies). A NULL or an integer
 *    orders nothing: there is nothing to dereference.
 *  - Plain accesses are not modelled: they go straight to memory.
 *
 * Besides the test's own property the checker reports: R following a
 * pointer to an object whose initialisation it cannot see (published with
 * a relaxed store), R reaching memory freed with kfree() or freed with
 * kfree_rcu() before R's read-side section began, W touching memory it has
 * freed, and a plain store by W to a location that has marked stores.
 */
#ifndef WMM_H
#define WMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wmm_thread { WMM_W, WMM_R, WMM_NTHREADS };

/* How an access is marked; see the model above. */
enum wmm_kind {
	WMM_ONCE,	/* READ_ONCE/WRITE_ONCE/RCU_INIT_POINTER: relaxed */
	WMM_DEREF,	/* rcu_dereference*(): relaxed, heads a dependency */
	WMM_ACQUIRE,	/* smp_load_acquire() */
	WMM_RELEASE,	/* smp_store_release(), rcu_assign_pointer() */
	WMM_PROTECTED,	/* rcu_dereference_protected(): W only */
};

enum wmm_fence { WMM_RMB, WMM_WMB, WMM_MB };

/* Where an access comes from, for traces. */
struct wmm_site {
	const char *op;		/* the macro, e.g. "READ_ONCE" */
	const char *func;
	int line;
};
#define WMM_SITE(op) \
	(&(const struct wmm_site){ (op), __func__, __LINE__ })

void wmm_store(void *addr, size_t size, const void *val, enum wmm_kind kind,
	       const struct wmm_site *site);
void wmm_load(const void *addr, size_t size, void *out, enum wmm_kind kind,
	      const struct wmm_site *site);
void wmm_fence(enum wmm_fence fence);

/* Tracked heap: frees are deferred to wmm_end() so no address is reused. */
void *wmm_alloc(size_t size, bool zero, const char *func);
void wmm_free(const void *p, bool rcu, const char *func);

/*
 * A scenario: wmm_begin(), W's work (wmm_as(WMM_W) is the default),
 * wmm_sync_reader() at the point after which R starts, more W work, then
 * wmm_explore() of R's code, then wmm_end().
 */
void wmm_begin(void);
void wmm_end(void);
void wmm_as(enum wmm_thread t);
void wmm_sync_reader(void);

/* The first error the checker itself found in the current phase, or NULL. */
const char *wmm_error(void);
void wmm_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Names objects and fields in traces (hmap_wmm.c knows the structures):
 * @off is the offset of the field in the object, or WMM_OBJECT to name the
 * object itself (a pointer value).
 */
#define WMM_OBJECT	((size_t)-1)
typedef void (*wmm_namer_fn)(const void *base, size_t size, const char *func,
			     unsigned int id, size_t off, char *buf,
			     size_t len);
void wmm_set_namer(wmm_namer_fn fn);
void wmm_name_addr(const void *addr, char *buf, size_t len);

/*
 * R's code under test: return true when the property holds in this
 * execution, else false with a reason in @why.
 */
typedef bool (*wmm_reader_fn)(void *arg, char *why, size_t len);

enum wmm_mode {
	WMM_DFS,	/* every execution, depth first; max_runs caps it */
	WMM_RANDOM,	/* all-newest, all-oldest, then random choices */
};

struct wmm_explore {
	enum wmm_mode mode;
	unsigned long max_runs;	/* 0: a default */
	unsigned long seed;	/* WMM_RANDOM */
	bool keep_going;	/* count every failing execution */
	/* Results. */
	unsigned long runs;	/* executions of R */
	unsigned long first_failure;	/* which run failed first (1-based) */
	unsigned long failures;	/* executions that broke the property */
	bool exhaustive;	/* DFS covered every execution */
	char why[512];		/* the first failure */
	char vector[256];	/* its choice vector */
	char *trace;		/* the loads R made in it (malloc'd) */
};

/*
 * Run @fn as R under every execution (or max_runs of them). Return true
 * when no execution broke the property.
 */
bool wmm_explore(wmm_reader_fn fn, void *arg, struct wmm_explore *x);
void wmm_explore_free(struct wmm_explore *x);

/*
 * The kernel's marked accesses, routed to the checker. Included after the
 * kernel stand-in, so it replaces whatever that defined.
 */
#undef READ_ONCE
#undef WRITE_ONCE
#undef smp_load_acquire
#undef smp_store_release
#undef smp_rmb
#undef smp_wmb
#undef smp_mb
#undef rcu_dereference
#undef rcu_dereference_check
#undef rcu_dereference_protected
#undef rcu_assign_pointer
#undef RCU_INIT_POINTER

/* A value of x's type read by the checker into a union (x may be const). */
#define WMM_LOAD(x, kind, op) ({					\
	union { __typeof__(x) _v; unsigned char _c[sizeof(x)]; } _u;	\
	_Static_assert(sizeof(x) <= 8, "marked access over 8 bytes");	\
	wmm_load((const void *)&(x), sizeof(x), _u._c, (kind), WMM_SITE(op)); \
	_u._v;								\
})

#define WMM_STORE(x, val, kind, op) do {				\
	__typeof__(x) _s = (val);					\
	_Static_assert(sizeof(x) <= 8, "marked access over 8 bytes");	\
	wmm_store((void *)&(x), sizeof(x), &_s, (kind), WMM_SITE(op));	\
} while (0)

#define READ_ONCE(x)		WMM_LOAD(x, WMM_ONCE, "READ_ONCE")
#define WRITE_ONCE(x, val)	WMM_STORE(x, val, WMM_ONCE, "WRITE_ONCE")
#define smp_load_acquire(p)	WMM_LOAD(*(p), WMM_ACQUIRE, "smp_load_acquire")
#define smp_store_release(p, val) \
	WMM_STORE(*(p), val, WMM_RELEASE, "smp_store_release")
#define smp_rmb()		wmm_fence(WMM_RMB)
#define smp_wmb()		wmm_fence(WMM_WMB)
#define smp_mb()		wmm_fence(WMM_MB)
#define rcu_dereference(p)	WMM_LOAD(p, WMM_DEREF, "rcu_dereference")
#define rcu_dereference_check(p, c) \
	WMM_LOAD(p, WMM_DEREF, "rcu_dereference_check")
#define rcu_dereference_protected(p, c) \
	WMM_LOAD(p, WMM_PROTECTED, "rcu_dereference_protected")
/* As the kernel's: a constant NULL is stored relaxed, anything else released. */
#define rcu_assign_pointer(p, v) do {					\
	if (__builtin_constant_p(v) && (v) == NULL)			\
		WMM_STORE(p, NULL, WMM_ONCE, "rcu_assign_pointer(NULL)"); \
	else								\
		WMM_STORE(p, v, WMM_RELEASE, "rcu_assign_pointer");	\
} while (0)
#define RCU_INIT_POINTER(p, v)	WMM_STORE(p, v, WMM_ONCE, "RCU_INIT_POINTER")

#endif /* WMM_H */
