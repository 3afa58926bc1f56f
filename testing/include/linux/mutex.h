/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct mutex on a pthread mutex. mutex_lock() checks what lockdep and
 * might_sleep() would: not inside rcu_read_lock(), not already held by
 * this thread (that would deadlock: it WARNs and aborts instead).
 */
#ifndef _HMAP_USER_LINUX_MUTEX_H
#define _HMAP_USER_LINUX_MUTEX_H

#include <linux/lockdep.h>
#include <pthread.h>

/*
 * held_since_ns and hold_max_ns: the most CPU time a thread spent holding
 * the lock, kept while hmap_user_lock_stat_enable(true) (benchmarks): what
 * lock_stat's holdtime-max would be with no preemption of the holder.
 */
struct mutex {
	pthread_mutex_t m;
	struct lockdep_map dep_map;
	u64 held_since_ns;
	u64 hold_max_ns;
};

#define __MUTEX_INITIALIZER(name)	{ .m = PTHREAD_MUTEX_INITIALIZER }
#define DEFINE_MUTEX(name)	struct mutex name = __MUTEX_INITIALIZER(name)

void mutex_init(struct mutex *lock);
void mutex_destroy(struct mutex *lock);
void mutex_lock(struct mutex *lock);
int mutex_trylock(struct mutex *lock);
void mutex_unlock(struct mutex *lock);
bool mutex_is_locked(struct mutex *lock);

#endif
