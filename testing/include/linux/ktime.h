/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HMAP_USER_LINUX_KTIME_H
#define _HMAP_USER_LINUX_KTIME_H

#include <linux/types.h>
#include <time.h>

#define NSEC_PER_USEC	1000ULL
#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL

typedef s64 ktime_t;

static inline u64 ktime_get_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static inline ktime_t ktime_get(void)
{
	return ktime_get_ns();
}

#endif
