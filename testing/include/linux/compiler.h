/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compiler attributes and the marked accesses. READ_ONCE()/WRITE_ONCE()
 * are relaxed C11 atomics, so ThreadSanitizer knows them for what the
 * kernel means by them (an intentional racy access), not as plain
 * accesses it would report.
 */
#ifndef _HMAP_USER_LINUX_COMPILER_H
#define _HMAP_USER_LINUX_COMPILER_H

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define __rcu
#define __percpu
#define __iomem
#define __user
#define __force
/* sparse lock-context annotations: nothing to check here. */
#define __acquires(x)
#define __releases(x)
#define __acquire(x)		((void)0)
#define __release(x)		((void)0)
#define __must_check		__attribute__((__warn_unused_result__))
#define __maybe_unused		__attribute__((__unused__))
#define __always_unused		__attribute__((__unused__))
#ifndef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#endif
#define noinline		__attribute__((__noinline__))
#define __noreturn		__attribute__((__noreturn__))
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define __packed		__attribute__((__packed__))
#define __cold			__attribute__((__cold__))
#define fallthrough		__attribute__((__fallthrough__))
#define __counted_by(m)
#define __same_type(a, b)	__builtin_types_compatible_p(typeof(a), typeof(b))
#define barrier()		__asm__ __volatile__("" : : : "memory")

#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val)						\
	__atomic_store_n(&(x), (typeof(x))(val), __ATOMIC_RELAXED)

#endif
