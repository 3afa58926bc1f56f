/* SPDX-License-Identifier: GPL-2.0 */
/*
 * atomic_t and the barriers of asm/barrier.h as C11 atomics, which
 * ThreadSanitizer understands (acquire/release pairs create the
 * happens-before edges it checks).
 *
 * smp_rmb() is an acquire fence: TSan does not model standalone fences,
 * but every place the core pairs smp_rmb() with a release also reads the
 * flag through rcu_dereference(), which is an acquire load here; see
 * linux/rcupdate.h for what that means for finding missing barriers.
 */
#ifndef _HMAP_USER_LINUX_ATOMIC_H
#define _HMAP_USER_LINUX_ATOMIC_H

#include <linux/compiler.h>
#include <linux/types.h>

#define smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)
#define mb()		smp_mb()
#define rmb()		smp_rmb()
#define wmb()		smp_wmb()
#define smp_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)						\
	__atomic_store_n(p, (typeof(*(p)))(v), __ATOMIC_RELEASE)

typedef struct {
	int counter;
} atomic_t;

typedef struct {
	s64 counter;
} atomic64_t;

typedef struct {
	long counter;
} atomic_long_t;

#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC64_INIT(i)	{ (i) }

#define atomic_read(v)		__atomic_load_n(&(v)->counter, __ATOMIC_RELAXED)
#define atomic_set(v, i)	__atomic_store_n(&(v)->counter, (i), __ATOMIC_RELAXED)
#define atomic_add_return(i, v)	__atomic_add_fetch(&(v)->counter, (i), __ATOMIC_SEQ_CST)
#define atomic_sub_return(i, v)	__atomic_sub_fetch(&(v)->counter, (i), __ATOMIC_SEQ_CST)
#define atomic_inc_return(v)	atomic_add_return(1, v)
#define atomic_dec_return(v)	atomic_sub_return(1, v)
#define atomic_add(i, v)	((void)atomic_add_return(i, v))
#define atomic_sub(i, v)	((void)atomic_sub_return(i, v))
#define atomic_inc(v)		atomic_add(1, v)
#define atomic_dec(v)		atomic_sub(1, v)
#define atomic_dec_and_test(v)	(atomic_dec_return(v) == 0)
#define atomic_read_acquire(v)	__atomic_load_n(&(v)->counter, __ATOMIC_ACQUIRE)
#define atomic_set_release(v, i) __atomic_store_n(&(v)->counter, (i), __ATOMIC_RELEASE)
#define atomic_fetch_add(i, v)	__atomic_fetch_add(&(v)->counter, (i), __ATOMIC_SEQ_CST)
#define atomic_fetch_sub(i, v)	__atomic_fetch_sub(&(v)->counter, (i), __ATOMIC_SEQ_CST)
#define atomic_fetch_inc(v)	atomic_fetch_add(1, v)
#define atomic_xchg(v, n)	__atomic_exchange_n(&(v)->counter, (n), __ATOMIC_SEQ_CST)
#define xchg(p, n)		__atomic_exchange_n((p), (n), __ATOMIC_SEQ_CST)
#define __hmap_atomic_try_cmpxchg(v, oldp, n, mo)			\
	__atomic_compare_exchange_n(&(v)->counter, (oldp), (n), false,	\
				    mo, __ATOMIC_RELAXED)
#define atomic_try_cmpxchg(v, o, n)	__hmap_atomic_try_cmpxchg(v, o, n, __ATOMIC_SEQ_CST)
#define atomic_try_cmpxchg_acquire(v, o, n) __hmap_atomic_try_cmpxchg(v, o, n, __ATOMIC_ACQUIRE)
#define atomic_try_cmpxchg_release(v, o, n) __hmap_atomic_try_cmpxchg(v, o, n, __ATOMIC_RELEASE)
#define atomic_try_cmpxchg_relaxed(v, o, n) __hmap_atomic_try_cmpxchg(v, o, n, __ATOMIC_RELAXED)
#define atomic_cmpxchg(v, o, n) ({					\
	typeof((v)->counter) __old = (o);				\
	atomic_try_cmpxchg(v, &__old, n);				\
	__old;								\
})
/* Add @a unless the counter is @u; true when it added. */
#define atomic_add_unless(v, a, u) ({					\
	typeof((v)->counter) __c = atomic_read(v);			\
	bool __added = false;						\
	while (__c != (u) && !(__added = atomic_try_cmpxchg(v, &__c, __c + (a)))) \
		;							\
	__added;							\
})
#define atomic_long_add_return	atomic_add_return
#define atomic_long_inc_return	atomic_inc_return
#define atomic_long_dec		atomic_dec
#define atomic_long_add_unless	atomic_add_unless
#define atomic_long_sub		atomic_sub
#define atomic64_read		atomic_read
#define atomic64_set		atomic_set
#define atomic64_add_return	atomic_add_return
#define atomic64_inc_return	atomic_inc_return
#define atomic64_add		atomic_add
#define atomic64_inc		atomic_inc
#define atomic_long_read	atomic_read
#define atomic_long_set		atomic_set
#define atomic_long_add		atomic_add
#define atomic_long_inc		atomic_inc
#define atomic_long_try_cmpxchg	atomic_try_cmpxchg
#define atomic_long_cmpxchg	atomic_cmpxchg

#endif
