/* SPDX-License-Identifier: GPL-2.0 */
/* HZ=1000: a jiffy is a millisecond of CLOCK_MONOTONIC. */
#ifndef _HMAP_USER_LINUX_JIFFIES_H
#define _HMAP_USER_LINUX_JIFFIES_H

#include <linux/kernel.h>
#include <linux/ktime.h>

#define HZ	1000

static inline unsigned long hmap_user_jiffies(void)
{
	return ktime_get_ns() / NSEC_PER_MSEC;
}
#define jiffies			hmap_user_jiffies()
#define msecs_to_jiffies(m)	((unsigned long)(m))
#define jiffies_to_msecs(j)	((unsigned int)(j))
#define usecs_to_jiffies(u)	((unsigned long)DIV_ROUND_UP((u), 1000))
#define time_after(a, b)	((long)((b) - (a)) < 0)
#define time_before(a, b)	time_after(b, a)
#define time_after_eq(a, b)	((long)((a) - (b)) >= 0)
#define time_before_eq(a, b)	time_after_eq(b, a)

#endif
