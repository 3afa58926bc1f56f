// SPDX-License-Identifier: GPL-2.0
/*
 * kmalloc() and kvmalloc() on malloc. kvmalloc() of more than
 * KMALLOC_MAX_CACHE_SIZE plays vmalloc: remembered so that
 * is_vmalloc_addr() knows it and kfree() of it WARNs (the kernel would
 * crash). Allocations can be made to fail: the nth from now, or all.
 */
#include <linux/bug.h>
#include <linux/cache.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/poison.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hmap_user.h"

/*
 * Live allocations, counted per CPU (per thread slot, linux/smp.h): one
 * counter that every allocation changes would move its cache line between
 * the CPUs of parallel writers at each entry, a cost the kernel's
 * allocator does not have.
 */
static struct {
	long n;
} ____cacheline_aligned_in_smp hmap_user_live[HMAP_USER_CPUS];
static unsigned long hmap_user_failed;
static long hmap_user_fail_countdown;
static bool hmap_user_fail_every;

/*
 * Memory not asked for zeroed comes filled with POISON_FREE, as SLUB's
 * debug poisoning (slab_debug=P) leaves a reused object: code that reads
 * what it never wrote sees pointers that fault and tophash bytes that
 * claim slots, where memory fresh from the C library, often zeroed, would
 * hide the read. The benchmarks build without it (HMAP_USER_NO_POISON):
 * they measure what the kernel's allocator costs.
 */
static void hmap_user_fill(void *p, size_t size, gfp_t flags)
{
	if (flags & __GFP_ZERO)
		memset(p, 0, size);
#ifndef HMAP_USER_NO_POISON
	else
		memset(p, POISON_FREE, size);
#endif
}

static void hmap_user_live_add(long n)
{
	__atomic_add_fetch(&hmap_user_live[raw_smp_processor_id()].n, n,
			   __ATOMIC_RELAXED);
}

long hmap_user_allocs_live(void)
{
	long live = 0;
	unsigned int i;

	for (i = 0; i < HMAP_USER_CPUS; i++)
		live += __atomic_load_n(&hmap_user_live[i].n, __ATOMIC_RELAXED);
	return live;
}

unsigned long hmap_user_alloc_failures(void)
{
	return __atomic_load_n(&hmap_user_failed, __ATOMIC_RELAXED);
}

void hmap_user_alloc_fail_nth(long nth)
{
	__atomic_store_n(&hmap_user_fail_countdown, nth, __ATOMIC_RELAXED);
}

void hmap_user_alloc_fail_all(bool on)
{
	__atomic_store_n(&hmap_user_fail_every, on, __ATOMIC_RELAXED);
}

static bool hmap_user_should_fail(void)
{
	long n;

	if (__atomic_load_n(&hmap_user_fail_every, __ATOMIC_RELAXED))
		goto fail;
	n = __atomic_load_n(&hmap_user_fail_countdown, __ATOMIC_RELAXED);
	while (n > 0) {
		if (__atomic_compare_exchange_n(&hmap_user_fail_countdown, &n,
						n - 1, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED)) {
			if (n == 1)
				goto fail;
			return false;
		}
	}
	return false;
fail:
	__atomic_add_fetch(&hmap_user_failed, 1, __ATOMIC_RELAXED);
	return true;
}

/* vmalloc areas: few (bucket arrays), so a list is enough. */
struct hmap_user_vm_area {
	const void *addr;
	struct hmap_user_vm_area *next;
};

static pthread_mutex_t hmap_user_vm_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hmap_user_vm_area *hmap_user_vm_areas;
static int hmap_user_vm_count;

static bool hmap_user_vm_find(const void *p, bool remove)
{
	struct hmap_user_vm_area **pp, *a;
	bool found = false;

	if (!__atomic_load_n(&hmap_user_vm_count, __ATOMIC_RELAXED))
		return false;
	pthread_mutex_lock(&hmap_user_vm_lock);
	for (pp = &hmap_user_vm_areas; (a = *pp); pp = &a->next) {
		if (a->addr != p)
			continue;
		found = true;
		if (remove) {
			*pp = a->next;
			free(a);
			__atomic_sub_fetch(&hmap_user_vm_count, 1,
					   __ATOMIC_RELAXED);
		}
		break;
	}
	pthread_mutex_unlock(&hmap_user_vm_lock);
	return found;
}

static void *hmap_user_kmalloc(size_t size, gfp_t flags)
{
	void *p;

	if (!size)
		return ZERO_SIZE_PTR;
	if (size > KMALLOC_MAX_SIZE) {
		WARN_ON_ONCE(!(flags & __GFP_NOWARN));
		return NULL;
	}
	/*
	 * SLUB's objects of a cache line or more start on one (all its size
	 * classes from 64 up but 96 and 192 are multiples of 64), which
	 * ____cacheline_aligned_in_smp members rely on; malloc() promises 16.
	 */
	if (posix_memalign(&p, size >= SMP_CACHE_BYTES ? SMP_CACHE_BYTES : 16,
			   size))
		return NULL;
	hmap_user_fill(p, size, flags);
	hmap_user_live_add(1);
	return p;
}

void *kmalloc(size_t size, gfp_t flags)
{
	if (hmap_user_should_fail())
		return NULL;
	return hmap_user_kmalloc(size, flags);
}

void *kvmalloc(size_t size, gfp_t flags)
{
	struct hmap_user_vm_area *a;
	void *p;

	if (hmap_user_should_fail())
		return NULL;
	if (size <= KMALLOC_MAX_CACHE_SIZE)
		return hmap_user_kmalloc(size, flags | __GFP_NOWARN);
	/* The kernel's kvmalloc() refuses more than INT_MAX bytes. */
	if (size > INT_MAX) {
		WARN_ON_ONCE(!(flags & __GFP_NOWARN));
		return NULL;
	}
	a = malloc(sizeof(*a));
	if (!a)
		return NULL;
	/*
	 * Exactly @size bytes, not whole pages: AddressSanitizer then
	 * catches an overrun into what would be the page's slack. Zeroed
	 * here and now, as the kernel's vmalloc() zeroes each page it
	 * allocates with __GFP_ZERO (calloc() would defer the cost to page
	 * faults, and hide what a kvzalloc() of a large array costs).
	 */
	p = malloc(size);
	if (!p) {
		free(a);
		return NULL;
	}
	/* Kept from being merged back into calloc() by the compiler. */
	__asm__ volatile("" : "+r"(p));
	hmap_user_fill(p, size, flags);
	a->addr = p;
	pthread_mutex_lock(&hmap_user_vm_lock);
	a->next = hmap_user_vm_areas;
	hmap_user_vm_areas = a;
	__atomic_add_fetch(&hmap_user_vm_count, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&hmap_user_vm_lock);
	hmap_user_live_add(1);
	return p;
}

/*
 * Per-CPU variables (linux/percpu.h): a cache line per thread slot, an
 * allocation as any other here (counted, and made to fail on demand).
 */
void *hmap_user_alloc_percpu(size_t size, gfp_t gfp)
{
	if (WARN_ON_ONCE(size > SMP_CACHE_BYTES))
		return NULL;
	if (hmap_user_should_fail())
		return NULL;
	return hmap_user_kmalloc(HMAP_USER_CPUS * SMP_CACHE_BYTES,
				 gfp | __GFP_ZERO);
}

void free_percpu(void __percpu *ptr)
{
	kfree(ptr);
}

void *alloc_pages_exact(size_t size, gfp_t flags)
{
	void *p;

	if (hmap_user_should_fail())
		return NULL;
	if (!size || size > KMALLOC_MAX_SIZE) {
		WARN_ON_ONCE(!(flags & __GFP_NOWARN));
		return NULL;
	}
	/* Exactly @size bytes, so that ASan sees an overrun into the slack. */
	if (posix_memalign(&p, PAGE_SIZE, size))
		return NULL;
	hmap_user_fill(p, size, flags);
	hmap_user_live_add(1);
	return p;
}

void free_pages_exact(void *p, size_t size)
{
	if (!p)
		return;
	hmap_user_live_add(-1);
	free(p);
}

bool is_vmalloc_addr(const void *p)
{
	return hmap_user_vm_find(p, false);
}

void kfree(const void *p)
{
	if (ZERO_OR_NULL_PTR(p))
		return;
	/* kfree() of vmalloc memory: a crash in the kernel. */
	WARN_ON(hmap_user_vm_find(p, true));
	hmap_user_live_add(-1);
	free((void *)p);
}

void kvfree(const void *p)
{
	if (ZERO_OR_NULL_PTR(p))
		return;
	hmap_user_vm_find(p, true);
	hmap_user_live_add(-1);
	free((void *)p);
}

/* SLUB's kmalloc size classes (x86-64), then whole page orders. */
size_t kmalloc_size_roundup(size_t size)
{
	static const size_t classes[] = {
		8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
	};
	size_t i, pages;

	if (!size)
		return 0;
	for (i = 0; i < ARRAY_SIZE(classes); i++)
		if (size <= classes[i])
			return classes[i];
	if (size > KMALLOC_MAX_SIZE)
		return SIZE_MAX;
	for (pages = 1; pages * PAGE_SIZE < size; pages <<= 1)
		;
	return pages * PAGE_SIZE;
}
