/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HMAP_USER_LINUX_DELAY_H
#define _HMAP_USER_LINUX_DELAY_H

#include <linux/jiffies.h>
#include <linux/sched.h>
#include <unistd.h>

#define udelay(us)		usleep(us)
#define ndelay(ns)		do { } while (0)
#define usleep_range(lo, hi)	do { might_sleep(); usleep(lo); } while (0)
#define msleep(ms)		do { might_sleep(); usleep((ms) * 1000); } while (0)

#endif
