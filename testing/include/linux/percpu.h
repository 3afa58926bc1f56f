/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU variables of up to a cache line: a copy per thread slot (a
 * thread plays a CPU, linux/smp.h), each on a cache line of its own
 * (lib/slab.c). this_cpu_add() is atomic, as threads may share a slot;
 * what get_cpu_ptr() gives, two threads may then use at once.
 */
#ifndef _HMAP_USER_LINUX_PERCPU_H
#define _HMAP_USER_LINUX_PERCPU_H

#include <linux/cache.h>
#include <linux/cpumask.h>
#include <linux/smp.h>
#include <linux/types.h>

void *hmap_user_alloc_percpu(size_t size, gfp_t gfp);
void free_percpu(void __percpu *ptr);

#define alloc_percpu_gfp(type, gfp) \
	((type __percpu *)hmap_user_alloc_percpu(sizeof(type), (gfp)))
#define per_cpu_ptr(ptr, cpu) \
	((typeof(ptr))((char *)(ptr) + (size_t)(cpu) * SMP_CACHE_BYTES))
#define this_cpu_add(pcp, val)						\
	((void)__atomic_add_fetch(per_cpu_ptr(&(pcp), raw_smp_processor_id()), \
				  (val), __ATOMIC_RELAXED))
#define this_cpu_sub(pcp, val)	this_cpu_add(pcp, -(typeof(pcp))(val))
/* No preemption to turn off: threads sharing a slot share its copy. */
#define get_cpu_ptr(ptr)	per_cpu_ptr(ptr, raw_smp_processor_id())
#define put_cpu_ptr(ptr)	((void)(ptr))

#endif
