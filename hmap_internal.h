/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel facilities hmap_core.c uses, named in one place, so that the
 * very same hmap_core.c also builds outside the kernel against stand-ins of
 * these (testing/ has a header of its own with this one's include guard, as
 * tools/testing/vma/vma_internal.h does for mm/vma.c).
 */
#ifndef _HMAP_INTERNAL_H
#define _HMAP_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/bitrev.h>
#include <linux/bug.h>
#include <linux/build_bug.h>
#include <linux/cache.h>
#include <linux/container_of.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/kmemleak.h>
#include <linux/ktime.h>
#include <linux/limits.h>
#include <linux/lockdep.h>
#include <linux/math.h>
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
/* 6.12 moved the unaligned accessors from asm/ to linux/ (see Kbuild). */
#ifdef HMAP_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * Test hooks: KUnit static stubs redirect a few core functions while a
 * KUnit test runs (kunit/), and EXPORT_SYMBOL_IF_KUNIT() exports what the
 * tests call, to them only. Kernels before 6.3 have no static stubs (Kbuild
 * defines HMAP_HAVE_STATIC_STUB when the kernel has the header): there the
 * hooks are plain functions.
 */
#include <kunit/visibility.h>
#ifdef HMAP_HAVE_STATIC_STUB
#include <kunit/static_stub.h>
#include <kunit/test-bug.h>
#else
#define KUNIT_STATIC_STUB_REDIRECT(real_fn_name, args...) \
	((void)(real_fn_name))
#endif

/*
 * Whether a static stub may redirect a call made now: the test
 * KUNIT_STATIC_STUB_REDIRECT() itself makes first, a KUnit test running in
 * this task (behind KUnit's static key, off while no test runs; constant
 * false without CONFIG_KUNIT). The hot paths ask it before they call a
 * stub point, which a kernel built with KUnit cannot inline (tests find it
 * by its address).
 */
#ifdef HMAP_HAVE_STATIC_STUB
#define hmap_stub_may_redirect()	(!!kunit_get_current_test())
#else
#define hmap_stub_may_redirect()	false
#endif

#include "hmap_test.h"
#include "hmap_trace.h"

#endif /* _HMAP_INTERNAL_H */
