/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RCU on liburcu's memb flavour (lib/rcu.c): readers need no signal and
 * no quiescent-state calls, and a thread registers itself with liburcu
 * the first time it calls rcu_read_lock().
 *
 * Pointer accesses are C11 atomics so that ThreadSanitizer sees the
 * publication pairs: rcu_assign_pointer() is a release store and
 * rcu_dereference() a consume load (which compilers and TSan treat as
 * acquire, a little stronger than the kernel's address dependency: a
 * barrier the core needs only on weakly ordered CPUs cannot show up as
 * missing here; KCSAN's weak-memory mode is the tool for that).
 *
 * rcu_dereference_check() and rcu_dereference_protected() check their
 * condition as CONFIG_PROVE_RCU does: a dereference outside both
 * rcu_read_lock() and the lock the condition names WARNs.
 *
 * Freeing after a grace period: kfree_rcu()/kvfree_rcu()/call_rcu()
 * queue the object; a drain (lib/rcu.c) waits with liburcu's
 * synchronize_rcu() and then frees. Tests may make every grace period
 * end at once (hmap_user_rcu_set_strict(), like the kernel's
 * CONFIG_RCU_STRICT_GRACE_PERIOD), so that a writer touching what it has
 * handed to kfree_rcu() is a use-after-free AddressSanitizer reports.
 */
#ifndef _HMAP_USER_LINUX_RCUPDATE_H
#define _HMAP_USER_LINUX_RCUPDATE_H

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/types.h>

void rcu_read_lock(void);
void rcu_read_unlock(void);
bool rcu_read_lock_held(void);
void synchronize_rcu(void);
void call_rcu(struct rcu_head *head, rcu_callback_t func);
void rcu_barrier(void);
void hmap_user_kvfree_call_rcu(struct rcu_head *head, void *ptr);

#define rcu_read_lock_bh()	rcu_read_lock()
#define rcu_read_unlock_bh()	rcu_read_unlock()

#define rcu_dereference_raw(p)	__atomic_load_n(&(p), __ATOMIC_CONSUME)
#define rcu_dereference_check(p, c) ({					\
	WARN_ON_ONCE(!((c) || rcu_read_lock_held()));			\
	rcu_dereference_raw(p);						\
})
#define rcu_dereference(p)		rcu_dereference_check(p, 0)
#define rcu_dereference_bh(p)		rcu_dereference_check(p, 0)
#define rcu_dereference_protected(p, c) ({				\
	WARN_ON_ONCE(!(c));						\
	(p);								\
})
#define rcu_access_pointer(p)		READ_ONCE(p)
#define rcu_assign_pointer(p, v)					\
	__atomic_store_n(&(p), (typeof(p))(v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v)		WRITE_ONCE(p, v)
#define RCU_INITIALIZER(v)		(v)

#define kvfree_rcu(ptr, rhf)						\
	hmap_user_kvfree_call_rcu(&(ptr)->rhf, (void *)(ptr))
#define kfree_rcu(ptr, rhf)		kvfree_rcu(ptr, rhf)
/* Headless: the pointer goes into a queue node of its own. */
void hmap_user_kvfree_rcu_headless(void *ptr);
#define kfree_rcu_mightsleep(ptr)	hmap_user_kvfree_rcu_headless(ptr)
#define kvfree_rcu_barrier()		rcu_barrier()

#endif
