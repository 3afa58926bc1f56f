/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough lockdep for the assertions the core makes: a lock records
 * the thread holding it, so lockdep_is_held() (in rcu_dereference_check()
 * and rcu_dereference_protected()) is really checked, and a failed check
 * is a WARN that fails the test.
 */
#ifndef _HMAP_USER_LINUX_LOCKDEP_H
#define _HMAP_USER_LINUX_LOCKDEP_H

#include <linux/bug.h>
#include <linux/types.h>

struct lockdep_map {
	uintptr_t owner;	/* hmap_user_thread_token() of the holder */
};

uintptr_t hmap_user_thread_token(void);

static inline bool lock_is_held(const struct lockdep_map *map)
{
	return __atomic_load_n(&map->owner, __ATOMIC_RELAXED) ==
	       hmap_user_thread_token();
}

#define lockdep_is_held(lock)		lock_is_held(&(lock)->dep_map)
#define lockdep_assert_held(lock)	WARN_ON(!lockdep_is_held(lock))
#define lockdep_assert_not_held(lock)	WARN_ON(lockdep_is_held(lock))
#define lockdep_assert_held_once(lock)	WARN_ON_ONCE(!lockdep_is_held(lock))
#define lockdep_set_class(lock, key)	do { } while (0)

struct lock_class_key {
	char unused;
};

#endif
