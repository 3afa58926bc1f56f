// SPDX-License-Identifier: GPL-2.0
/*
 * The hmap tracepoints, defined from the real include/hmap_trace.h (see
 * linux/tracepoint.h and trace/define_trace.h), and their probe lists.
 * An event calls its probes under a reader lock that registering and
 * tracepoint_synchronize_unregister() take as writers, so after
 * unregister + synchronize no probe of the old list still runs.
 */
#include <linux/bug.h>
#include <linux/tracepoint.h>
#include <errno.h>
#include <pthread.h>

static pthread_rwlock_t hmap_user_tp_rwlock = PTHREAD_RWLOCK_INITIALIZER;

void hmap_user_tp_lock(void)
{
	pthread_rwlock_rdlock(&hmap_user_tp_rwlock);
}

void hmap_user_tp_unlock(void)
{
	pthread_rwlock_unlock(&hmap_user_tp_rwlock);
}

int hmap_user_tp_register(struct hmap_user_tracepoint *tp, void *probe,
			  void *data)
{
	int i, ret = 0;

	pthread_rwlock_wrlock(&hmap_user_tp_rwlock);
	for (i = 0; i < tp->nprobes; i++)
		if (tp->probes[i] == probe && tp->datas[i] == data)
			ret = -EEXIST;
	if (!ret && tp->nprobes == HMAP_USER_TP_MAX_PROBES)
		ret = -ENOMEM;
	if (!ret) {
		tp->probes[tp->nprobes] = probe;
		tp->datas[tp->nprobes] = data;
		__atomic_store_n(&tp->nprobes, tp->nprobes + 1,
				 __ATOMIC_RELAXED);
	}
	pthread_rwlock_unlock(&hmap_user_tp_rwlock);
	return ret;
}

int hmap_user_tp_unregister(struct hmap_user_tracepoint *tp, void *probe,
			    void *data)
{
	int i, ret = -ENOENT;

	pthread_rwlock_wrlock(&hmap_user_tp_rwlock);
	for (i = 0; i < tp->nprobes; i++) {
		if (tp->probes[i] != probe || tp->datas[i] != data)
			continue;
		for (; i + 1 < tp->nprobes; i++) {
			tp->probes[i] = tp->probes[i + 1];
			tp->datas[i] = tp->datas[i + 1];
		}
		__atomic_store_n(&tp->nprobes, tp->nprobes - 1,
				 __ATOMIC_RELAXED);
		ret = 0;
		break;
	}
	pthread_rwlock_unlock(&hmap_user_tp_rwlock);
	return ret;
}

void tracepoint_synchronize_unregister(void)
{
	pthread_rwlock_wrlock(&hmap_user_tp_rwlock);
	pthread_rwlock_unlock(&hmap_user_tp_rwlock);
}

#define CREATE_TRACE_POINTS
#include "hmap_trace.h"
