/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cond_resched() yields the CPU when a test asks for preemption points
 * (hmap_user_set_preempt()), and might_sleep() is a real check: sleeping
 * inside rcu_read_lock() WARNs. current is a per-thread task_struct that
 * carries what the KUnit shim needs (the test the thread runs).
 */
#ifndef _HMAP_USER_LINUX_SCHED_H
#define _HMAP_USER_LINUX_SCHED_H

#include <linux/types.h>
#include <pthread.h>

struct kunit;
struct mm_struct;

struct task_struct {
	struct kunit *kunit_test;	/* the KUnit test this thread runs */
	struct mm_struct *mm;		/* always NULL: no memory cgroups */
	char comm[32];
	/* kthreads (include/linux/kthread.h) */
	pthread_t thread;
	int (*threadfn)(void *data);
	void *data;
	int result;
	bool should_stop;
	bool woken;
	bool is_kthread;
};

struct task_struct *hmap_user_current(void);
#define current		hmap_user_current()

void hmap_user_cond_resched(void);
void hmap_user_might_sleep(const char *file, int line);
/* Whether this thread holds a spinlock (it must not sleep). */
bool hmap_user_in_atomic(void);

#define cond_resched()	hmap_user_cond_resched()
#define might_sleep()	hmap_user_might_sleep(__FILE__, __LINE__)
#define cpu_relax()	__builtin_ia32_pause()
#define schedule()	hmap_user_cond_resched()

#endif
