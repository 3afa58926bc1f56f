// SPDX-License-Identifier: GPL-2.0
/*
 * RCU for the user-space build: read-side critical sections and grace
 * periods are liburcu's (memb flavour); callbacks (call_rcu(),
 * kfree_rcu(), kvfree_rcu()) are queued here and run by whoever drains
 * the queue: the thread that queues the RCU_BATCH-th callback, the
 * caller of rcu_barrier(), or every caller of call_rcu() in strict mode.
 * A drain takes the queue, waits for a grace period with liburcu's
 * synchronize_rcu(), then runs it.
 *
 * Draining in the caller is not what the kernel does: there kfree_rcu()
 * returns at once and callbacks run in RCU's own threads, never under the
 * caller's locks. Benchmarks that time writes or lock holds turn on async
 * mode, in which a thread of the queue's own drains it.
 *
 * liburcu's own call_rcu() would run callbacks on a thread of its own,
 * through code ThreadSanitizer does not see, and at times no test
 * controls; this queue keeps both visible and repeatable.
 *
 * ThreadSanitizer knows nothing of liburcu's grace periods, so they are
 * told to it: every rcu_read_unlock() releases, and every grace period
 * acquires, one sync object. A free after a grace period then
 * happens-after the reads of every critical section that ended before
 * it, which is what RCU guarantees.
 */
#include <urcu/urcu-memb.h>
/* liburcu's pointer macros; ours are in linux/rcupdate.h. */
#undef rcu_dereference
#undef rcu_cmpxchg_pointer
#undef rcu_xchg_pointer
#undef rcu_set_pointer
#undef rcu_assign_pointer

#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "hmap_user.h"

#ifdef HMAP_USER_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#else
static inline void __tsan_acquire(void *addr) { }
static inline void __tsan_release(void *addr) { }
#endif

/* Callbacks queued before a drain starts running them. */
#define RCU_BATCH	256

static char hmap_user_gp_sync;		/* the TSan sync object */
static __thread int hmap_user_rcu_nesting;
static __thread bool hmap_user_rcu_registered;
static __thread bool hmap_user_rcu_draining;
static pthread_key_t hmap_user_rcu_key;
static pthread_once_t hmap_user_rcu_once = PTHREAD_ONCE_INIT;

static pthread_mutex_t hmap_user_cb_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rcu_head *hmap_user_cb_head;
static struct rcu_head **hmap_user_cb_tail = &hmap_user_cb_head;
static unsigned long hmap_user_cb_count;
static pthread_mutex_t hmap_user_drain_lock = PTHREAD_MUTEX_INITIALIZER;
static bool hmap_user_rcu_strict;
/* Async mode: the drain thread, woken under hmap_user_cb_lock. */
static pthread_cond_t hmap_user_cb_wake = PTHREAD_COND_INITIALIZER;
static pthread_t hmap_user_drain_thread;
static bool hmap_user_rcu_async, hmap_user_drain_stop;

static void hmap_user_rcu_thread_exit(void *arg)
{
	(void)arg;
	if (hmap_user_rcu_registered) {
		urcu_memb_unregister_thread();
		hmap_user_rcu_registered = false;
	}
}

static void hmap_user_rcu_key_init(void)
{
	pthread_key_create(&hmap_user_rcu_key, hmap_user_rcu_thread_exit);
}

void hmap_user_rcu_register_thread(void)
{
	if (hmap_user_rcu_registered)
		return;
	pthread_once(&hmap_user_rcu_once, hmap_user_rcu_key_init);
	urcu_memb_register_thread();
	hmap_user_rcu_registered = true;
	/* Unregisters when the thread exits, if it has not by then. */
	pthread_setspecific(hmap_user_rcu_key, &hmap_user_rcu_registered);
}

void hmap_user_rcu_unregister_thread(void)
{
	if (!hmap_user_rcu_registered)
		return;
	WARN_ON(hmap_user_rcu_nesting);
	pthread_setspecific(hmap_user_rcu_key, NULL);
	urcu_memb_unregister_thread();
	hmap_user_rcu_registered = false;
}

void rcu_read_lock(void)
{
	if (unlikely(!hmap_user_rcu_registered))
		hmap_user_rcu_register_thread();
	urcu_memb_read_lock();
	hmap_user_rcu_nesting++;
}

void rcu_read_unlock(void)
{
	if (WARN_ON_ONCE(hmap_user_rcu_nesting <= 0))
		return;
	hmap_user_rcu_nesting--;
	__tsan_release(&hmap_user_gp_sync);
	urcu_memb_read_unlock();
}

bool rcu_read_lock_held(void)
{
	return hmap_user_rcu_nesting > 0;
}

void synchronize_rcu(void)
{
	/* Waiting for a grace period inside one never ends. */
	if (WARN_ON(hmap_user_rcu_nesting))
		abort();
	urcu_memb_synchronize_rcu();
	__tsan_acquire(&hmap_user_gp_sync);
}

static void hmap_user_rcu_invoke(struct rcu_head *head)
{
	uintptr_t offset = (uintptr_t)head->func;

	/* kvfree_rcu() passes the offset of the rcu_head, as the kernel's. */
	if (offset < 4096)
		kvfree((char *)head - offset);
	else
		head->func(head);
}

/*
 * Run the callbacks queued so far, after a grace period; with @all, again
 * until none is left (those queued meanwhile too).
 */
static void hmap_user_rcu_drain(bool all)
{
	struct rcu_head *list, *next;

	pthread_mutex_lock(&hmap_user_drain_lock);
	hmap_user_rcu_draining = true;
	for (;;) {
		pthread_mutex_lock(&hmap_user_cb_lock);
		list = hmap_user_cb_head;
		hmap_user_cb_head = NULL;
		hmap_user_cb_tail = &hmap_user_cb_head;
		hmap_user_cb_count = 0;
		pthread_mutex_unlock(&hmap_user_cb_lock);
		if (!list)
			break;
		synchronize_rcu();
		for (; list; list = next) {
			next = list->next;
			hmap_user_rcu_invoke(list);
		}
		if (!all)
			break;
	}
	hmap_user_rcu_draining = false;
	pthread_mutex_unlock(&hmap_user_drain_lock);
}

void call_rcu(struct rcu_head *head, rcu_callback_t func)
{
	unsigned long n;

	head->func = func;
	head->next = NULL;
	pthread_mutex_lock(&hmap_user_cb_lock);
	*hmap_user_cb_tail = head;
	hmap_user_cb_tail = &head->next;
	n = ++hmap_user_cb_count;
	if (hmap_user_rcu_async) {
		if (n >= RCU_BATCH)
			pthread_cond_signal(&hmap_user_cb_wake);
		pthread_mutex_unlock(&hmap_user_cb_lock);
		return;
	}
	pthread_mutex_unlock(&hmap_user_cb_lock);
	/*
	 * The kernel's call_rcu() never waits; this one drains only where
	 * waiting for a grace period cannot deadlock: outside RCU read
	 * sections and spinlocks (a reader may be waiting for the lock).
	 */
	if (hmap_user_rcu_nesting || hmap_user_rcu_draining ||
	    hmap_user_in_atomic())
		return;
	if (__atomic_load_n(&hmap_user_rcu_strict, __ATOMIC_RELAXED) ||
	    n >= RCU_BATCH)
		hmap_user_rcu_drain(true);
}

void hmap_user_kvfree_call_rcu(struct rcu_head *head, void *ptr)
{
	uintptr_t offset = (uintptr_t)((char *)head - (char *)ptr);

	WARN_ON_ONCE(offset >= 4096);
	call_rcu(head, (rcu_callback_t)offset);
}

/* kfree_rcu_mightsleep(): a node of our own carries the pointer. */
struct hmap_user_headless {
	struct rcu_head head;
	void *ptr;
};

static void hmap_user_headless_free(struct rcu_head *head)
{
	struct hmap_user_headless *h =
		container_of(head, struct hmap_user_headless, head);

	kvfree(h->ptr);
	free(h);
}

void hmap_user_kvfree_rcu_headless(void *ptr)
{
	struct hmap_user_headless *h = malloc(sizeof(*h));

	if (!h) {
		/* As the kernel does when it has no page for the pointer. */
		synchronize_rcu();
		kvfree(ptr);
		return;
	}
	h->ptr = ptr;
	call_rcu(&h->head, hmap_user_headless_free);
}

void rcu_barrier(void)
{
	if (WARN_ON(hmap_user_rcu_nesting))
		abort();
	hmap_user_rcu_drain(true);
}

void hmap_user_rcu_set_strict(bool strict)
{
	__atomic_store_n(&hmap_user_rcu_strict, strict, __ATOMIC_RELAXED);
}

/*
 * Async mode's thread: one grace period for every RCU_BATCH callbacks
 * queued, but no more than one per RCU_ASYNC_GP_MIN_US. The kernel's
 * grace period lasts milliseconds (a few jiffies), and kfree_rcu() batches
 * whatever comes meanwhile; liburcu's takes two membarrier() calls, each
 * an interrupt to every CPU running the process, and one after every 256
 * frees cost the native benchmarks' fills a fifth of their speed.
 */
#define RCU_ASYNC_GP_MIN_US	4000

static void *hmap_user_drain_fn(void *arg)
{
	bool stop;

	(void)arg;
	do {
		pthread_mutex_lock(&hmap_user_cb_lock);
		while (hmap_user_cb_count < RCU_BATCH && !hmap_user_drain_stop)
			pthread_cond_wait(&hmap_user_cb_wake, &hmap_user_cb_lock);
		stop = hmap_user_drain_stop;
		pthread_mutex_unlock(&hmap_user_cb_lock);
		hmap_user_rcu_drain(stop);
		if (!stop)
			usleep(RCU_ASYNC_GP_MIN_US);
	} while (!stop);
	return NULL;
}

void hmap_user_rcu_set_async(bool async)
{
	pthread_mutex_lock(&hmap_user_cb_lock);
	if (async == hmap_user_rcu_async) {
		pthread_mutex_unlock(&hmap_user_cb_lock);
		return;
	}
	hmap_user_rcu_async = async;
	hmap_user_drain_stop = !async;
	pthread_cond_signal(&hmap_user_cb_wake);
	pthread_mutex_unlock(&hmap_user_cb_lock);
	if (async) {
		if (pthread_create(&hmap_user_drain_thread, NULL,
				   hmap_user_drain_fn, NULL))
			abort();
	} else {
		pthread_join(hmap_user_drain_thread, NULL);
	}
}

unsigned long hmap_user_rcu_pending(void)
{
	unsigned long n;

	pthread_mutex_lock(&hmap_user_cb_lock);
	n = hmap_user_cb_count;
	pthread_mutex_unlock(&hmap_user_cb_lock);
	return n;
}
