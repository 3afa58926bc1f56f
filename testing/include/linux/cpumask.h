/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HMAP_USER_LINUX_CPUMASK_H
#define _HMAP_USER_LINUX_CPUMASK_H

#include <unistd.h>

#define num_online_cpus()	((unsigned int)sysconf(_SC_NPROCESSORS_ONLN))
#define nr_cpu_ids		num_online_cpus()
#define for_each_online_cpu(cpu) \
	for ((cpu) = 0; (cpu) < num_online_cpus(); (cpu)++)
#define for_each_possible_cpu(cpu)	for_each_online_cpu(cpu)

#endif
