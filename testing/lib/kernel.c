// SPDX-License-Identifier: GPL-2.0
/*
 * Warnings, locks, preemption points, randomness and sort() for the
 * user-space build.
 */
#include <linux/bug.h>
#include <linux/cache.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "hmap_user.h"

/*
 * ThreadSanitizer sees the lock's acquire and release, but only a lock it
 * is told of gets its lock-order (deadlock) checks and is named in reports.
 */
#ifdef HMAP_USER_TSAN
#include <sanitizer/tsan_interface.h>
#else
static inline void __tsan_mutex_pre_lock(void *addr, unsigned int flags) { }
static inline void __tsan_mutex_post_lock(void *addr, unsigned int flags,
					  int recursion) { }
static inline int __tsan_mutex_pre_unlock(void *addr, unsigned int flags)
{
	return 0;
}

static inline void __tsan_mutex_post_unlock(void *addr, unsigned int flags) { }
#endif

/* Provided by the sanitizer runtimes, when one is linked in. */
extern void __sanitizer_print_stack_trace(void) __attribute__((weak));

static unsigned long hmap_user_nwarnings;
static bool hmap_user_warn_abort;
static bool hmap_user_warn_quiet;

void hmap_user_warn(const char *file, int line, const char *func,
		    const char *cond, bool once_printed)
{
	__atomic_add_fetch(&hmap_user_nwarnings, 1, __ATOMIC_RELAXED);
	if (!once_printed &&
	    !__atomic_load_n(&hmap_user_warn_quiet, __ATOMIC_RELAXED)) {
		fprintf(stderr, "WARNING: %s:%d in %s(): %s\n", file, line,
			func, cond);
		if (__sanitizer_print_stack_trace)
			__sanitizer_print_stack_trace();
	}
	if (__atomic_load_n(&hmap_user_warn_abort, __ATOMIC_RELAXED))
		abort();
}

unsigned long hmap_user_warnings(void)
{
	return __atomic_load_n(&hmap_user_nwarnings, __ATOMIC_RELAXED);
}

/* For a test that provokes warnings on purpose: count them quietly. */
void hmap_user_warnings_expect(bool expect)
{
	__atomic_store_n(&hmap_user_warn_quiet, expect, __ATOMIC_RELAXED);
}

void hmap_user_warnings_reset(void)
{
	__atomic_store_n(&hmap_user_nwarnings, 0, __ATOMIC_RELAXED);
}

void hmap_user_set_warn_abort(bool abort_on_warn)
{
	__atomic_store_n(&hmap_user_warn_abort, abort_on_warn,
			 __ATOMIC_RELAXED);
}

/* A thread's identity for lockdep: the address of a thread-local. */
static __thread char hmap_user_token;
/* Spinlocks this thread holds: it must not sleep. */
static __thread int hmap_user_atomic_depth;

uintptr_t hmap_user_thread_token(void)
{
	return (uintptr_t)&hmap_user_token;
}

/* raw_smp_processor_id(): numbers handed out as threads first ask. */
static unsigned int hmap_user_cpu_next;
static __thread int hmap_user_cpu_id = -1;

unsigned int hmap_user_cpu(void)
{
	if (hmap_user_cpu_id < 0)
		hmap_user_cpu_id = __atomic_fetch_add(&hmap_user_cpu_next, 1,
						      __ATOMIC_RELAXED) %
				   HMAP_USER_CPUS;
	return hmap_user_cpu_id;
}

static unsigned int hmap_user_preempt_every;
static __thread unsigned int hmap_user_resched_calls;

void hmap_user_set_preempt(unsigned int every)
{
	__atomic_store_n(&hmap_user_preempt_every, every, __ATOMIC_RELAXED);
}

bool hmap_user_in_atomic(void)
{
	return hmap_user_atomic_depth;
}

void hmap_user_might_sleep(const char *file, int line)
{
	if (rcu_read_lock_held() || hmap_user_atomic_depth)
		hmap_user_warn(file, line, "might_sleep",
			       rcu_read_lock_held() ?
			       "sleeping function called inside rcu_read_lock()" :
			       "sleeping function called with a spinlock held",
			       false);
}

void hmap_user_cond_resched(void)
{
	unsigned int every = __atomic_load_n(&hmap_user_preempt_every,
					     __ATOMIC_RELAXED);

	might_sleep();
	if (every && ++hmap_user_resched_calls % every == 0)
		sched_yield();
}

void mutex_init(struct mutex *lock)
{
	pthread_mutex_init(&lock->m, NULL);
	lock->dep_map.owner = 0;
}

void mutex_destroy(struct mutex *lock)
{
	WARN_ON(__atomic_load_n(&lock->dep_map.owner, __ATOMIC_RELAXED));
	pthread_mutex_destroy(&lock->m);
}

static void hmap_user_lock_acquired(struct lockdep_map *dep)
{
	__atomic_store_n(&dep->owner, hmap_user_thread_token(),
			 __ATOMIC_RELAXED);
}

static void hmap_user_lock_release(struct lockdep_map *dep)
{
	WARN_ON(!lock_is_held(dep));
	__atomic_store_n(&dep->owner, 0, __ATOMIC_RELAXED);
}

static void hmap_user_no_recursion(struct lockdep_map *dep, const char *what)
{
	if (lock_is_held(dep)) {
		hmap_user_warn(__FILE__, __LINE__, what,
			       "lock already held by this thread: deadlock",
			       false);
		abort();
	}
}

/*
 * What this thread waited in mutex_lock() for a lock another held, like
 * lock_stat's waittime: the benchmarks read how long a writer waits for
 * the worker.
 */
static __thread struct hmap_user_lock_wait hmap_user_lock_wait;

static bool hmap_user_lock_stat;

static u64 hmap_user_thread_cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (u64)t.tv_sec * NSEC_PER_SEC + (u64)t.tv_nsec;
}

void hmap_user_lock_stat_enable(bool on)
{
	__atomic_store_n(&hmap_user_lock_stat, on, __ATOMIC_RELAXED);
}

u64 hmap_user_mutex_hold_max(struct mutex *lock, bool reset)
{
	u64 max = __atomic_load_n(&lock->hold_max_ns, __ATOMIC_RELAXED);

	if (reset)
		__atomic_store_n(&lock->hold_max_ns, 0, __ATOMIC_RELAXED);
	return max;
}

void hmap_user_lock_wait_read(struct hmap_user_lock_wait *wait, bool reset)
{
	*wait = hmap_user_lock_wait;
	if (reset)
		memset(&hmap_user_lock_wait, 0, sizeof(hmap_user_lock_wait));
}

void mutex_lock(struct mutex *lock)
{
	u64 start;

	might_sleep();
	hmap_user_no_recursion(&lock->dep_map, "mutex_lock");
	if (pthread_mutex_trylock(&lock->m)) {
		start = ktime_get_ns();
		pthread_mutex_lock(&lock->m);
		start = ktime_get_ns() - start;
		hmap_user_lock_wait.waits++;
		hmap_user_lock_wait.total_ns += start;
		hmap_user_lock_wait.max_ns = max(hmap_user_lock_wait.max_ns,
						 start);
	}
	hmap_user_lock_acquired(&lock->dep_map);
	if (__atomic_load_n(&hmap_user_lock_stat, __ATOMIC_RELAXED))
		lock->held_since_ns = hmap_user_thread_cpu_ns();
}

int mutex_trylock(struct mutex *lock)
{
	if (pthread_mutex_trylock(&lock->m))
		return 0;
	hmap_user_lock_acquired(&lock->dep_map);
	return 1;
}

void mutex_unlock(struct mutex *lock)
{
	if (__atomic_load_n(&hmap_user_lock_stat, __ATOMIC_RELAXED) &&
	    lock->held_since_ns) {
		u64 held = hmap_user_thread_cpu_ns() - lock->held_since_ns;

		if (held > __atomic_load_n(&lock->hold_max_ns, __ATOMIC_RELAXED))
			__atomic_store_n(&lock->hold_max_ns, held,
					 __ATOMIC_RELAXED);
		lock->held_since_ns = 0;
	}
	hmap_user_lock_release(&lock->dep_map);
	pthread_mutex_unlock(&lock->m);
}

bool mutex_is_locked(struct mutex *lock)
{
	return __atomic_load_n(&lock->dep_map.owner, __ATOMIC_RELAXED) != 0;
}

void spin_lock_init(spinlock_t *lock)
{
	lock->locked = 0;
	lock->dep_map.owner = 0;
}

/*
 * A kernel spinlock is released by a plain store: the stores made under
 * it need not drain before the unlock returns (a pthread mutex's unlock is
 * an atomic exchange, a full barrier on x86, which cost the native
 * benchmarks' writers more than taking the lock did). Its holder runs with
 * preemption off; a thread here may be preempted holding one, so
 * spin_lock() spins as long as a short critical section lasts, then yields
 * the CPU between tries so that a preempted holder gets to run.
 */
#define HMAP_USER_SPIN_TRIES	200

static void hmap_user_spin_acquire(int *locked)
{
	unsigned int tries = 0;

	for (;;) {
		if (!__atomic_load_n(locked, __ATOMIC_RELAXED) &&
		    !__atomic_exchange_n(locked, 1, __ATOMIC_ACQUIRE))
			return;
		if (++tries < HMAP_USER_SPIN_TRIES)
			cpu_relax();
		else
			sched_yield();
	}
}

void spin_lock(spinlock_t *lock)
{
	hmap_user_no_recursion(&lock->dep_map, "spin_lock");
	__tsan_mutex_pre_lock(lock, 0);
	hmap_user_spin_acquire(&lock->locked);
	__tsan_mutex_post_lock(lock, 0, 0);
	hmap_user_lock_acquired(&lock->dep_map);
	hmap_user_atomic_depth++;
}

void spin_unlock(spinlock_t *lock)
{
	hmap_user_atomic_depth--;
	hmap_user_lock_release(&lock->dep_map);
	__tsan_mutex_pre_unlock(lock, 0);
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
	__tsan_mutex_post_unlock(lock, 0);
}

/*
 * get_random_bytes(): getrandom(2), or SplitMix64 from a seed so that a
 * run (the fuzzer's, a failing test's) repeats exactly.
 */
static u64 hmap_user_rng_state;
static bool hmap_user_rng_seeded;

void hmap_user_random_seed(u64 seed)
{
	__atomic_store_n(&hmap_user_rng_state, seed, __ATOMIC_RELAXED);
	__atomic_store_n(&hmap_user_rng_seeded, true, __ATOMIC_RELEASE);
}

static u64 hmap_user_splitmix64(void)
{
	u64 z = __atomic_add_fetch(&hmap_user_rng_state, 0x9e3779b97f4a7c15ULL,
				   __ATOMIC_RELAXED);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void get_random_bytes(void *buf, size_t len)
{
	u8 *p = buf;

	if (__atomic_load_n(&hmap_user_rng_seeded, __ATOMIC_ACQUIRE)) {
		while (len) {
			u64 r = hmap_user_splitmix64();
			size_t n = min(len, sizeof(r));

			memcpy(p, &r, n);
			p += n;
			len -= n;
		}
		return;
	}
	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0)
			abort();
		p += n;
		len -= n;
	}
}

/* The kernel's sort() is a heapsort: not stable, no allocation. */
static void hmap_user_swap_bytes(void *a, void *b, int size)
{
	u8 *x = a, *y = b, t;

	while (size--) {
		t = *x;
		*x++ = *y;
		*y++ = t;
	}
}

void sort(void *base, size_t num, size_t size, cmp_func_t cmp_func,
	  swap_func_t swap_func)
{
	u8 *b = base;
	size_t i, n = num, root, child;

	if (!swap_func)
		swap_func = hmap_user_swap_bytes;
	if (num < 2)
		return;
	for (i = num / 2; i-- > 0;) {
		for (root = i; (child = 2 * root + 1) < n; root = child) {
			if (child + 1 < n &&
			    cmp_func(b + child * size, b + (child + 1) * size) < 0)
				child++;
			if (cmp_func(b + root * size, b + child * size) >= 0)
				break;
			swap_func(b + root * size, b + child * size, size);
		}
	}
	for (n = num - 1; n > 0; n--) {
		swap_func(b, b + n * size, size);
		for (root = 0; (child = 2 * root + 1) < n; root = child) {
			if (child + 1 < n &&
			    cmp_func(b + child * size, b + (child + 1) * size) < 0)
				child++;
			if (cmp_func(b + root * size, b + child * size) >= 0)
				break;
			swap_func(b + root * size, b + child * size, size);
		}
	}
}
