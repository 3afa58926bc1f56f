/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory cgroups, as a kernel without CONFIG_MEMCG has them: the calls
 * exist and do nothing; there is no cgroup to charge.
 */
#ifndef _HMAP_USER_LINUX_MEMCONTROL_H
#define _HMAP_USER_LINUX_MEMCONTROL_H

struct mem_cgroup;
struct mm_struct;

static inline struct mem_cgroup *get_mem_cgroup_from_mm(struct mm_struct *mm)
{
	(void)mm;
	return NULL;
}

static inline void mem_cgroup_put(struct mem_cgroup *memcg)
{
	(void)memcg;
}

#endif
