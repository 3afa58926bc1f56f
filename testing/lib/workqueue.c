// SPDX-License-Identifier: GPL-2.0
/*
 * Delayed work for the user-space build: one worker thread (the
 * kworker), started when the first work is queued, runs each work when
 * its delay is over. In manual mode there is no thread; works stay
 * pending until hmap_user_wq_run_pending() runs them in the caller, which
 * is how the fuzzer and exact tests decide when the worker runs.
 */
#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>
#include <pthread.h>
#include <time.h>

#include "hmap_user.h"

struct workqueue_struct {
	const char *name;
};

static struct workqueue_struct hmap_user_system_wq = { "events" };
static struct workqueue_struct hmap_user_unbound_wq = { "events_unbound" };
struct workqueue_struct *system_wq = &hmap_user_system_wq;
struct workqueue_struct *system_unbound_wq = &hmap_user_unbound_wq;

static pthread_mutex_t wq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wq_wake;		/* the thread: new or earlier work */
static pthread_cond_t wq_done;		/* waiters: a work finished */
static pthread_once_t wq_once = PTHREAD_ONCE_INIT;
static struct delayed_work *wq_pending;	/* list through ->next */
static pthread_t wq_thread;
static bool wq_thread_running;
static bool wq_stop;
static bool wq_manual;

uintptr_t hmap_user_thread_token(void);

static void wq_init(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wq_wake, &attr);
	pthread_cond_init(&wq_done, NULL);
	pthread_condattr_destroy(&attr);
}

static void wq_unlink(struct delayed_work *dw)
{
	struct delayed_work **pp;

	for (pp = &wq_pending; *pp; pp = &(*pp)->next) {
		if (*pp == dw) {
			*pp = dw->next;
			dw->next = NULL;
			dw->pending = false;
			return;
		}
	}
	WARN_ON(1);
}

/* Run @dw with wq_lock held on entry and exit. */
static void wq_run_one(struct delayed_work *dw)
{
	wq_unlink(dw);
	dw->running = true;
	dw->runner = hmap_user_thread_token();
	pthread_mutex_unlock(&wq_lock);
	dw->work.func(&dw->work);
	pthread_mutex_lock(&wq_lock);
	dw->running = false;
	dw->runner = 0;
	pthread_cond_broadcast(&wq_done);
}

static struct delayed_work *wq_earliest(void)
{
	struct delayed_work *dw, *first = NULL;

	for (dw = wq_pending; dw; dw = dw->next)
		if (!dw->running && (!first || dw->due_ns < first->due_ns))
			first = dw;
	return first;
}

static void *wq_thread_fn(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wq_lock);
	while (!wq_stop) {
		struct delayed_work *dw = wq_earliest();
		u64 now = ktime_get_ns();
		struct timespec ts;

		if (!dw) {
			pthread_cond_wait(&wq_wake, &wq_lock);
			continue;
		}
		if (dw->due_ns > now) {
			ts.tv_sec = dw->due_ns / NSEC_PER_SEC;
			ts.tv_nsec = dw->due_ns % NSEC_PER_SEC;
			pthread_cond_timedwait(&wq_wake, &wq_lock, &ts);
			continue;
		}
		wq_run_one(dw);
	}
	pthread_mutex_unlock(&wq_lock);
	return NULL;
}

/* With wq_lock held. */
static void wq_kick(void)
{
	if (wq_manual)
		return;
	if (!wq_thread_running) {
		wq_stop = false;
		if (pthread_create(&wq_thread, NULL, wq_thread_fn, NULL))
			abort();
		wq_thread_running = true;
	}
	pthread_cond_signal(&wq_wake);
}

static bool wq_queue(struct delayed_work *dw, unsigned long delay, bool mod)
{
	bool was_pending;

	pthread_once(&wq_once, wq_init);
	pthread_mutex_lock(&wq_lock);
	was_pending = dw->pending;
	if (!was_pending) {
		dw->next = wq_pending;
		wq_pending = dw;
		dw->pending = true;
	}
	if (!was_pending || mod)
		dw->due_ns = ktime_get_ns() + delay * NSEC_PER_MSEC;
	wq_kick();
	pthread_mutex_unlock(&wq_lock);
	return was_pending;
}

bool mod_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
		      unsigned long delay)
{
	(void)wq;
	return wq_queue(dw, delay, true);
}

bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
			unsigned long delay)
{
	(void)wq;
	return !wq_queue(dw, delay, false);
}

static bool wq_cancel(struct delayed_work *dw, bool sync)
{
	bool was_pending;

	pthread_once(&wq_once, wq_init);
	pthread_mutex_lock(&wq_lock);
	was_pending = dw->pending;
	if (was_pending)
		wq_unlink(dw);
	if (sync && dw->running &&
	    WARN_ON(dw->runner == hmap_user_thread_token())) {
		/* A work waiting for itself: deadlock in the kernel. */
		abort();
	}
	while (sync && dw->running)
		pthread_cond_wait(&wq_done, &wq_lock);
	pthread_mutex_unlock(&wq_lock);
	return was_pending;
}

bool cancel_delayed_work(struct delayed_work *dw)
{
	return wq_cancel(dw, false);
}

bool cancel_delayed_work_sync(struct delayed_work *dw)
{
	return wq_cancel(dw, true);
}

bool delayed_work_pending(struct delayed_work *dw)
{
	bool pending;

	pthread_mutex_lock(&wq_lock);
	pending = dw->pending;
	pthread_mutex_unlock(&wq_lock);
	return pending;
}

bool flush_delayed_work(struct delayed_work *dw)
{
	bool was_pending;

	pthread_once(&wq_once, wq_init);
	pthread_mutex_lock(&wq_lock);
	was_pending = dw->pending;
	if (was_pending && wq_manual) {
		wq_run_one(dw);
	} else if (was_pending) {
		dw->due_ns = 0;
		wq_kick();
	}
	while (dw->pending || dw->running)
		pthread_cond_wait(&wq_done, &wq_lock);
	pthread_mutex_unlock(&wq_lock);
	return was_pending;
}

static void wq_stop_thread(void)
{
	bool join;

	pthread_mutex_lock(&wq_lock);
	join = wq_thread_running;
	wq_stop = true;
	if (join)
		pthread_cond_signal(&wq_wake);
	pthread_mutex_unlock(&wq_lock);
	if (join)
		pthread_join(wq_thread, NULL);
	pthread_mutex_lock(&wq_lock);
	wq_thread_running = false;
	pthread_mutex_unlock(&wq_lock);
}

void hmap_user_wq_set_manual(bool manual)
{
	pthread_once(&wq_once, wq_init);
	if (manual)
		wq_stop_thread();
	pthread_mutex_lock(&wq_lock);
	wq_manual = manual;
	if (!manual && wq_pending)
		wq_kick();
	pthread_mutex_unlock(&wq_lock);
}

/*
 * Run the pending works that are due (all of them with @ignore_delay), in
 * the caller; each at most once, so a work that re-arms itself does not
 * loop. Return how many ran.
 */
unsigned int hmap_user_wq_run_pending(bool ignore_delay)
{
	struct delayed_work *dw;
	unsigned int budget, ran = 0;

	pthread_once(&wq_once, wq_init);
	pthread_mutex_lock(&wq_lock);
	for (budget = 0, dw = wq_pending; dw; dw = dw->next)
		budget++;
	while (budget--) {
		u64 now = ktime_get_ns();

		for (dw = wq_pending; dw; dw = dw->next)
			if (!dw->running && (ignore_delay || dw->due_ns <= now))
				break;
		if (!dw)
			break;
		wq_run_one(dw);
		ran++;
	}
	pthread_mutex_unlock(&wq_lock);
	return ran;
}

void hmap_user_exit(void)
{
	pthread_once(&wq_once, wq_init);
	wq_stop_thread();
	hmap_user_rcu_set_async(false);
	rcu_barrier();
}
