/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What hmap_core.c is compiled against for the weak-memory checker: the
 * project's user-space kernel stand-in (../hmap_internal.h, which takes the
 * include guard of the kernel's, so the core's own #include of it is a
 * no-op), then the checker's own versions of everything that matters to it:
 *  - the marked accesses (wmm.h): READ_ONCE, WRITE_ONCE, smp_load_acquire,
 *    smp_store_release, smp_rmb, smp_wmb, smp_mb, rcu_dereference,
 *    rcu_dereference_check, rcu_dereference_protected, rcu_assign_pointer,
 *    RCU_INIT_POINTER: every one hmap_core.c uses (and a few it does not);
 *  - the allocator: every object is tracked, and every free (kfree_rcu()
 *    or not) is deferred to the end of the scenario, so no address is
 *    reused while histories refer to it;
 *  - RCU: the reader runs in the writer's OS thread, and nothing is freed
 *    before the scenario ends, so read-side sections and grace periods are
 *    no-ops (no liburcu);
 *  - the work queue: no worker ever runs by itself; tests call
 *    hmap_worker_run() where they want it;
 *  - current: one task_struct, for what the core reads of it (its mm);
 *  - WARN_ON_ONCE(): fails the scenario;
 *  - the KUnit static stubs: hashes and allocation failures come from the
 *    test (wmm_hash_hook, wmm_alloc_fail).
 */
#ifndef WMM_INTERNAL_H
#define WMM_INTERNAL_H

#include <stdint.h>

#include "../hmap_internal.h"

#include "wmm.h"

#undef kmalloc
#undef kzalloc
#undef kvzalloc
#undef kvmalloc
#undef kvmalloc_array
#undef kfree
#undef kvfree
#undef kfree_rcu
#undef kvfree_rcu
#undef kfree_rcu_mightsleep
#define kmalloc(size, gfp)	wmm_alloc((size), !!((gfp) & __GFP_ZERO), __func__)
#define kzalloc(size, gfp)	((void)(gfp), wmm_alloc((size), true, __func__))
#define kvzalloc(size, gfp)	((void)(gfp), wmm_alloc((size), true, __func__))
#define kvmalloc(size, gfp)	wmm_alloc((size), !!((gfp) & __GFP_ZERO), __func__)
#define kvmalloc_array(n, size, gfp) \
	((void)(gfp), wmm_alloc((size_t)(n) * (size_t)(size), false, __func__))
#define kfree(p)		wmm_free((p), false, __func__)
#define kvfree(p)		wmm_free((p), false, __func__)
/* Per-CPU variables: a cache line per slot, as linux/percpu.h lays out. */
#undef alloc_percpu_gfp
#define alloc_percpu_gfp(type, gfp)					\
	((void)(gfp), (type __percpu *)wmm_alloc(HMAP_USER_CPUS *	\
						 SMP_CACHE_BYTES, true,	\
						 __func__))
#define free_percpu(p)		wmm_free((p), false, __func__)
/*
 * Arrays come from kvmalloc(), whose kvfree_rcu() the checker tracks: the
 * page allocator's path (alloc_pages_exact(), freed by call_rcu()) always
 * fails here.
 */
#define alloc_pages_exact(size, gfp)	((void)(size), (void)(gfp), (void *)NULL)
#define free_pages_exact(p, size)	((void)(size), wmm_free((p), false, __func__))
#undef call_rcu
#define call_rcu(head, func)	((void)(head), (void)(func), WARN_ON_ONCE(1))
#define kfree_rcu(p, field) \
	((void)sizeof((p)->field), wmm_free((p), true, __func__))
#define kvfree_rcu(p, field) \
	((void)sizeof((p)->field), wmm_free((p), true, __func__))
#define kfree_rcu_mightsleep(p)	wmm_free((p), true, __func__)

/* RCU: R runs in W's OS thread, and frees wait for the scenario's end. */
#undef rcu_read_lock
#undef rcu_read_unlock
#undef synchronize_rcu
#define rcu_read_lock()		do { } while (0)
#define rcu_read_unlock()	do { } while (0)
#define synchronize_rcu()	do { } while (0)

#undef is_vmalloc_addr
#undef kmalloc_size_roundup
#define is_vmalloc_addr(p)		((void)(p), false)
#define kmalloc_size_roundup(size)	((size_t)(size))

/* WARN_ON_ONCE() fails the scenario (wmm.c). */
#undef WARN_ON_ONCE
void wmm_warn(const char *file, int line, const char *cond);
#define WARN_ON_ONCE(c) ({ bool _c = !!(c);				\
			   _c ? wmm_warn(__FILE__, __LINE__, #c) : (void)0; _c; })

#undef mod_delayed_work
#undef cancel_delayed_work_sync
#undef flush_delayed_work
static inline bool wmm_no_worker(const void *dw)
{
	(void)dw;
	return false;
}

#define mod_delayed_work(wq, dw, delay) \
	((void)(wq), (void)(delay), wmm_no_worker(dw))
#define cancel_delayed_work_sync(dw)	wmm_no_worker(dw)
#define flush_delayed_work(dw)		wmm_no_worker(dw)

/* current: only its mm, for the cgroup a spare is charged to (none). */
#undef current
static inline struct task_struct *wmm_current(void)
{
	static struct task_struct task;

	return &task;
}

#define current	wmm_current()

/* Hooks that hmap_core.c's functions export or call, all global here. */
#undef VISIBLE_IF_KUNIT
#undef EXPORT_SYMBOL_IF_KUNIT
#undef KUNIT_STATIC_STUB_REDIRECT
#define VISIBLE_IF_KUNIT
#define EXPORT_SYMBOL_IF_KUNIT(sym)	extern int wmm_export_##sym##_unused
#define KUNIT_STATIC_STUB_REDIRECT(fn, args...)	WMM_STUB_##fn(args)
/* The hooks below are always consulted. */
#undef hmap_stub_may_redirect
#define hmap_stub_may_redirect()	true

extern uint64_t (*wmm_hash_hook)(const void *key, uint32_t key_len);
extern bool wmm_alloc_fail;

#define WMM_STUB_hmap_key_hash(map, key, key_len) do {		\
	(void)(map);							\
	if (wmm_hash_hook)						\
		return wmm_hash_hook((key), (key_len));			\
} while (0)
#define WMM_STUB_hmap_alloc_should_fail(map, size) do {			\
	(void)(map);							\
	(void)(size);							\
	if (wmm_alloc_fail)						\
		return true;						\
} while (0)
#define WMM_STUB_hmap_race_window(map, where)				\
	do { (void)(map); (void)(where); } while (0)
/* Unset buckets are left as wmm_alloc() poisoned them. */
#define WMM_STUB_hmap_buckets_left_unset(map, buckets, size)		\
	do { (void)(map); (void)(buckets); (void)(size); } while (0)

#endif /* WMM_INTERNAL_H */
