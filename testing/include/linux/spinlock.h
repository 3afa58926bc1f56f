/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spinlock_t: a test-and-set lock released by a store, as the kernel's
 * (lib/kernel.c), with struct mutex's owner checks, minus might_sleep()
 * (a spinlock may be taken inside rcu_read_lock()).
 */
#ifndef _HMAP_USER_LINUX_SPINLOCK_H
#define _HMAP_USER_LINUX_SPINLOCK_H

#include <linux/lockdep.h>

typedef struct spinlock {
	int locked;
	struct lockdep_map dep_map;
} spinlock_t;

#define __SPIN_LOCK_UNLOCKED(name)	{ .locked = 0 }
#define DEFINE_SPINLOCK(name)	spinlock_t name = __SPIN_LOCK_UNLOCKED(name)

void spin_lock_init(spinlock_t *lock);
void spin_lock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
/* lockdep's nest lock only matters to the kernel's lockdep. */
#define spin_lock_nest_lock(l, nest)	do { (void)(nest); spin_lock(l); } while (0)
#define spin_lock_irqsave(l, flags)	do { (void)(flags); spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, flags) do { (void)(flags); spin_unlock(l); } while (0)
#define spin_lock_bh(l)			spin_lock(l)
#define spin_unlock_bh(l)		spin_unlock(l)
#define spin_lock_irq(l)		spin_lock(l)
#define spin_unlock_irq(l)		spin_unlock(l)

#endif
