/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HMAP_USER_LINUX_CPUMASK_H
#define _HMAP_USER_LINUX_CPUMASK_H

#include <linux/smp.h>
#include <unistd.h>

#define num_online_cpus()	((unsigned int)sysconf(_SC_NPROCESSORS_ONLN))
#define nr_cpu_ids		num_online_cpus()
#define for_each_online_cpu(cpu) \
	for ((cpu) = 0; (cpu) < num_online_cpus(); (cpu)++)
/* Every thread slot is a possible CPU: per-CPU data has a copy for each. */
#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (cpu) < HMAP_USER_CPUS; (cpu)++)

#endif
