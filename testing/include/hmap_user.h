/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Controls of the user-space stand-ins (lib/), for the native tests, the
 * fuzzer and benchmarks; and the few introspection helpers
 * hmap_core_user.c adds next to the core.
 */
#ifndef _HMAP_USER_H
#define _HMAP_USER_H

#include <linux/kernel.h>
#include <linux/types.h>

struct hmap;
struct mutex;

/* Built with ThreadSanitizer: lib/ then tells it what it cannot see. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HMAP_USER_TSAN 1
#endif
#endif
#ifdef __SANITIZE_THREAD__
#define HMAP_USER_TSAN 1
#endif

/* lib/kernel.c: warnings, preemption points, randomness, threads. */
unsigned long hmap_user_warnings(void);
void hmap_user_warnings_reset(void);
void hmap_user_warnings_expect(bool expect);
void hmap_user_set_warn_abort(bool abort_on_warn);
void hmap_user_set_preempt(unsigned int every);
void hmap_user_random_seed(u64 seed);
/* Waits in mutex_lock() for a lock held by another thread, this thread's. */
struct hmap_user_lock_wait {
	u64 waits;
	u64 total_ns;
	u64 max_ns;
};
void hmap_user_lock_wait_read(struct hmap_user_lock_wait *wait, bool reset);
/* The longest hold of a mutex while lock statistics are on (benchmarks). */
void hmap_user_lock_stat_enable(bool on);
u64 hmap_user_mutex_hold_max(struct mutex *lock, bool reset);

/* lib/stub.c: KUnit static stubs, global (every thread). */
void hmap_user_stub_set(const void *real_fn, void *replacement);
void hmap_user_stub_clear(const void *real_fn);
void hmap_user_stub_clear_all(void);
#define hmap_user_stub(real_fn, replacement) do {			\
	typecheck_fn(typeof(&replacement), real_fn);			\
	hmap_user_stub_set((const void *)real_fn, (void *)replacement);	\
} while (0)

/* lib/slab.c: allocation accounting and failure injection. */
long hmap_user_allocs_live(void);
unsigned long hmap_user_alloc_failures(void);
/* Fail the @nth allocation from now (1 = the next one); 0: none. */
void hmap_user_alloc_fail_nth(long nth);
/* Fail every allocation while on. */
void hmap_user_alloc_fail_all(bool on);

/* lib/rcu.c */
void hmap_user_rcu_set_strict(bool strict);
/* Callbacks run by a thread of RCU's own, as in the kernel: benchmarks. */
void hmap_user_rcu_set_async(bool async);
void hmap_user_rcu_register_thread(void);
void hmap_user_rcu_unregister_thread(void);
unsigned long hmap_user_rcu_pending(void);

/* lib/workqueue.c */
void hmap_user_wq_set_manual(bool manual);
unsigned int hmap_user_wq_run_pending(bool ignore_delay);

/* Stop the worker thread and free everything RCU still holds. */
void hmap_user_exit(void);

/* hmap_core_user.c */
u64 hmap_user_real_hash(const struct hmap *map, const void *key, u32 key_len);
int hmap_user_audit(struct hmap *map, char *why, size_t len);
/*
 * Change this thread's copy of map->memory by @bytes, the others not: the
 * copies as a reader summing them one after another can see them while
 * an entry counted on one CPU is freed on another.
 */
void hmap_user_memory_skew(struct hmap *map, long bytes);
unsigned int hmap_user_min_log2(const struct hmap *map);
/* B of the spare array the worker prepared, or -1 when there is none. */
int hmap_user_spare_log2(struct hmap *map);
/* The longest hold of map->lock (hmap_user_lock_stat_enable()). */
u64 hmap_user_map_lock_hold_max(struct hmap *map, bool reset);

#endif /* _HMAP_USER_H */
