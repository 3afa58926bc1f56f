/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Delayed work on one worker thread (lib/workqueue.c), with the kernel's
 * semantics: mod_delayed_work() (re)arms the timer, a work re-armed while
 * it runs runs again, cancel_delayed_work_sync() waits for a running one.
 * Tests may switch the queue to manual mode (hmap_user_wq_set_manual()):
 * then no thread runs, and hmap_user_wq_run_pending() runs what is due.
 */
#ifndef _HMAP_USER_LINUX_WORKQUEUE_H
#define _HMAP_USER_LINUX_WORKQUEUE_H

#include <linux/container_of.h>
#include <linux/jiffies.h>
#include <linux/types.h>
#include <string.h>

struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

struct work_struct {
	work_func_t func;
};

struct delayed_work {
	struct work_struct work;
	/* private to lib/workqueue.c, under its lock */
	struct delayed_work *next;
	u64 due_ns;
	bool pending;
	bool running;
	uintptr_t runner;
};

struct workqueue_struct;
extern struct workqueue_struct *system_wq;
extern struct workqueue_struct *system_unbound_wq;

#define INIT_DELAYED_WORK(dw, fn) do {					\
	memset((dw), 0, sizeof(*(dw)));					\
	(dw)->work.func = (fn);						\
} while (0)

static inline struct delayed_work *to_delayed_work(struct work_struct *work)
{
	return container_of(work, struct delayed_work, work);
}

bool mod_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
		      unsigned long delay);
bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
			unsigned long delay);
bool cancel_delayed_work(struct delayed_work *dw);
bool cancel_delayed_work_sync(struct delayed_work *dw);
bool flush_delayed_work(struct delayed_work *dw);
bool delayed_work_pending(struct delayed_work *dw);

static inline bool schedule_delayed_work(struct delayed_work *dw,
					 unsigned long delay)
{
	return queue_delayed_work(system_wq, dw, delay);
}

#endif
