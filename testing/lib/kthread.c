// SPDX-License-Identifier: GPL-2.0
/*
 * current and kthreads for the user-space build: every thread has a
 * task_struct of its own (thread-local, or the kthread's); a kthread is a
 * pthread that waits for wake_up_process() and runs until its function
 * returns, kthread_stop() joining it.
 */
#define _GNU_SOURCE
#include <linux/bug.h>
#include <linux/kthread.h>
#include <linux/rcupdate.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "hmap_user.h"

static __thread struct task_struct hmap_user_task;
static __thread struct task_struct *hmap_user_task_p;

struct task_struct *hmap_user_current(void)
{
	return hmap_user_task_p ? hmap_user_task_p : &hmap_user_task;
}

static pthread_mutex_t kthread_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t kthread_cond = PTHREAD_COND_INITIALIZER;

static void *kthread_main(void *arg)
{
	struct task_struct *k = arg;
	bool run;

	hmap_user_task_p = k;
	pthread_mutex_lock(&kthread_lock);
	while (!k->woken && !k->should_stop)
		pthread_cond_wait(&kthread_cond, &kthread_lock);
	run = k->woken;
	pthread_mutex_unlock(&kthread_lock);
	/* A kthread stopped before it ever ran does not run: -EINTR. */
	k->result = run ? k->threadfn(k->data) : -EINTR;
	hmap_user_rcu_unregister_thread();
	return NULL;
}

struct task_struct *kthread_create(int (*threadfn)(void *data), void *data,
				   const char *namefmt, ...)
{
	struct task_struct *k = calloc(1, sizeof(*k));
	va_list ap;

	if (!k)
		return ERR_PTR(-ENOMEM);
	va_start(ap, namefmt);
	vsnprintf(k->comm, sizeof(k->comm), namefmt, ap);
	va_end(ap);
	k->threadfn = threadfn;
	k->data = data;
	k->is_kthread = true;
	if (pthread_create(&k->thread, NULL, kthread_main, k)) {
		free(k);
		return ERR_PTR(-EAGAIN);
	}
	return k;
}

void kthread_bind(struct task_struct *k, unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(k->thread, sizeof(set), &set);
}

int wake_up_process(struct task_struct *k)
{
	pthread_mutex_lock(&kthread_lock);
	k->woken = true;
	pthread_cond_broadcast(&kthread_cond);
	pthread_mutex_unlock(&kthread_lock);
	return 1;
}

bool kthread_should_stop(void)
{
	return __atomic_load_n(&current->should_stop, __ATOMIC_ACQUIRE);
}

int kthread_stop(struct task_struct *k)
{
	int ret;

	pthread_mutex_lock(&kthread_lock);
	__atomic_store_n(&k->should_stop, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&kthread_cond);
	pthread_mutex_unlock(&kthread_lock);
	pthread_join(k->thread, NULL);
	ret = k->result;
	free(k);
	return ret;
}
