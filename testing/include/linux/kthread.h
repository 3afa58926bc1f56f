/* SPDX-License-Identifier: GPL-2.0 */
/* kthreads on pthreads (lib/kthread.c), for the KUnit shim. */
#ifndef _HMAP_USER_LINUX_KTHREAD_H
#define _HMAP_USER_LINUX_KTHREAD_H

#include <linux/err.h>
#include <linux/sched.h>

__attribute__((format(printf, 3, 4)))
struct task_struct *kthread_create(int (*threadfn)(void *data), void *data,
				   const char *namefmt, ...);
void kthread_bind(struct task_struct *k, unsigned int cpu);
int wake_up_process(struct task_struct *k);
int kthread_stop(struct task_struct *k);
bool kthread_should_stop(void);

#define kthread_run(threadfn, data, namefmt, ...) ({			\
	struct task_struct *__k = kthread_create(threadfn, data,	\
						 namefmt, ##__VA_ARGS__); \
	if (!IS_ERR(__k))						\
		wake_up_process(__k);					\
	__k;								\
})

#endif
