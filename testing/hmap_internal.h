/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user-space stand-ins for every kernel facility hmap_core.c uses,
 * named in one place. This header has the include guard of the kernel's
 * ../hmap_internal.h and is read first (hmap_core_user.c includes it and
 * then ../hmap_core.c), so when the core includes "hmap_internal.h" that
 * is a no-op: the same file compiles against these instead, unchanged,
 * as tools/testing/vma/vma_internal.h does for mm/vma.c.
 *
 *   facility                        stand-in
 *   ------------------------------  ----------------------------------------
 *   rcu_read_lock/unlock,           liburcu, memb flavour (lib/rcu.c); a
 *   synchronize_rcu                 thread registers on first use
 *   rcu_dereference{,_check,        C11 consume load (acquire for TSan);
 *   _protected}, rcu_assign_pointer release store; conditions checked as
 *   RCU_INIT_POINTER                PROVE_RCU would (linux/rcupdate.h)
 *   kfree_rcu, kvfree_rcu, call_rcu queued, freed after a liburcu grace
 *                                   period; optionally at once (strict)
 *   READ_ONCE/WRITE_ONCE,           relaxed / acquire / release C11
 *   smp_load_acquire/store_release, atomics; smp_rmb() an acquire fence
 *   smp_rmb, atomic_t               (linux/compiler.h, linux/atomic.h)
 *   struct mutex, lockdep_is_held   pthread mutex that records its owner
 *   spinlock_t                      test-and-set, unlocked by a release
 *                                   store; yields after spinning a while
 *   alloc_percpu_gfp, this_cpu_add, a copy per thread slot, a cache line
 *   per_cpu_ptr,                    each (a thread plays a CPU; linux/
 *   raw_smp_processor_id            percpu.h, lib/slab.c, lib/kernel.c)
 *   kmalloc/kzalloc/kvzalloc/       malloc, with SLUB size classes, vmalloc
 *   kvmalloc_array/kfree/kvfree,    memory told apart, failure injection
 *   is_vmalloc_addr, PAGE_ALIGN,    (lib/slab.c)
 *   kmalloc_size_roundup
 *   memory cgroups, set_active_memcg as without CONFIG_MEMCG: nothing to
 *                                   charge (linux/memcontrol.h)
 *   siphash                         SipHash-2-4 (lib/siphash.c), checked
 *                                   against the reference vectors
 *   delayed work, system_unbound_wq one worker thread, or manual mode
 *                                   (lib/workqueue.c)
 *   __ffs64, le64_to_cpu            a compiler builtin, <endian.h>
 *   bitrev32, sort, ktime_get_ns,   inline / qsort / CLOCK_MONOTONIC /
 *   get_random_bytes, cond_resched, getrandom or seeded / optional yield /
 *   might_sleep                     "not inside rcu_read_lock()" check
 *   WARN_ON_ONCE, BUG_ON,           counted, fail the test (lib/kernel.c);
 *   BUILD_BUG_ON                    abort; _Static_assert
 *   min/max, struct_size, size_add, as the kernel's (linux/minmax.h,
 *   ERR_PTR, container_of, ...      overflow.h, err.h, container_of.h)
 *   KUNIT_STATIC_STUB_REDIRECT,     a redirect table (lib/stub.c), and
 *   hmap_stub_may_redirect()        whether it holds any replacement
 *   VISIBLE_IF_KUNIT, EXPORT_*      CONFIG_KUNIT is on: hooks are global
 *   trace_hmap_*()                  the real include/hmap_trace.h through a
 *                                   user-space TRACE_EVENT() (lib/trace.c)
 */
#ifndef _HMAP_INTERNAL_H
#define _HMAP_INTERNAL_H

/* What the kernel's hmap_internal.h includes, in the same order. */
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/bitrev.h>
#include <linux/cache.h>
#include <linux/export.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/memcontrol.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/prefetch.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/siphash.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <asm/byteorder.h>
#include <linux/unaligned.h>

/*
 * What the kernel gets from those headers without naming it: errno
 * values, WARN_ON_ONCE(), BUILD_BUG_ON(), ERR_PTR(), container_of(),
 * ARRAY_SIZE(), DIV_ROUND_UP(), INT_MAX, snprintf().
 */
#include <errno.h>
#include <linux/bug.h>
#include <linux/container_of.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kmemleak.h>

#include <kunit/visibility.h>
#include <kunit/static_stub.h>

/* As the kernel's: the redirect's own first test (kunit/static_stub.h). */
#define hmap_stub_may_redirect() \
	__atomic_load_n(&hmap_user_stubs_active, __ATOMIC_RELAXED)

#include "hmap_test.h"
#include "hmap_trace.h"

#endif /* _HMAP_INTERNAL_H */
