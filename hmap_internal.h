/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel facilities hmap_core.c uses, named in one place, so that the
 * core can also be built outside the kernel against stand-ins of these
 * (as tools/testing/vma/vma_internal.h does for mm/vma.c).
 */
#ifndef _HMAP_INTERNAL_H
#define _HMAP_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bitrev.h>
#include <linux/export.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#endif /* _HMAP_INTERNAL_H */
