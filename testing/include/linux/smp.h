/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A thread plays a CPU: raw_smp_processor_id() is the calling thread's
 * own number below HMAP_USER_CPUS, the first HMAP_USER_CPUS threads one
 * each and later ones sharing (lib/kernel.c). Unlike a kernel caller with
 * preemption off, two threads may hold one number at once: data per
 * "CPU" is still updated atomically.
 */
#ifndef _HMAP_USER_LINUX_SMP_H
#define _HMAP_USER_LINUX_SMP_H

#define HMAP_USER_CPUS	64

unsigned int hmap_user_cpu(void);
#define raw_smp_processor_id()	hmap_user_cpu()

#endif
