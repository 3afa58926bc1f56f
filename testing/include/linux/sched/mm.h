/* SPDX-License-Identifier: GPL-2.0 */
/* set_active_memcg() as a kernel without CONFIG_MEMCG has it. */
#ifndef _HMAP_USER_LINUX_SCHED_MM_H
#define _HMAP_USER_LINUX_SCHED_MM_H

#include <linux/memcontrol.h>

static inline struct mem_cgroup *set_active_memcg(struct mem_cgroup *memcg)
{
	(void)memcg;
	return NULL;
}

#endif
