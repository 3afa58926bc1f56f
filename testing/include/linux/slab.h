/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel allocators on malloc (lib/slab.c). Sizes above
 * KMALLOC_MAX_CACHE_SIZE that go through kvmalloc() play vmalloc memory:
 * page-aligned, known to is_vmalloc_addr(), and kfree() of it WARNs.
 * kmalloc_size_roundup() follows SLUB's size classes. Every allocation
 * can be made to fail (hmap_user_alloc_fail_*() in hmap_user.h).
 */
#ifndef _HMAP_USER_LINUX_SLAB_H
#define _HMAP_USER_LINUX_SLAB_H

#include <linux/overflow.h>
#include <linux/types.h>

#define ___GFP_DIRECT_RECLAIM	0x400u
#define ___GFP_IO		0x40u
#define ___GFP_FS		0x80u
#define __GFP_ZERO		0x100u
#define __GFP_NOWARN		0x2000u
#define __GFP_NORETRY		0x10000u
#define __GFP_RETRY_MAYFAIL	0x4000u
#define __GFP_ACCOUNT		0x400000u
#define __GFP_HIGH		0x20u
#define GFP_KERNEL		(___GFP_DIRECT_RECLAIM | ___GFP_IO | ___GFP_FS)
#define GFP_KERNEL_ACCOUNT	(GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_ATOMIC		(__GFP_HIGH)
#define GFP_NOWAIT		0u

#define KMALLOC_MAX_CACHE_SIZE	8192UL
/* The kernel's on x86-64: the largest block of pages, order 10. */
#define KMALLOC_MAX_SIZE	(4096UL << 10)
#define ZERO_SIZE_PTR		((void *)16)
#define ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

void *kmalloc(size_t size, gfp_t flags);
void *kvmalloc(size_t size, gfp_t flags);
void kfree(const void *p);
void kvfree(const void *p);
bool is_vmalloc_addr(const void *p);
size_t kmalloc_size_roundup(size_t size);

static inline void *kzalloc(size_t size, gfp_t flags)
{
	return kmalloc(size, flags | __GFP_ZERO);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kmalloc(bytes, flags);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	return kmalloc_array(n, size, flags | __GFP_ZERO);
}

static inline void *kvzalloc(size_t size, gfp_t flags)
{
	return kvmalloc(size, flags | __GFP_ZERO);
}

static inline void *kvmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kvmalloc(bytes, flags);
}

static inline void *kvcalloc(size_t n, size_t size, gfp_t flags)
{
	return kvmalloc_array(n, size, flags | __GFP_ZERO);
}

#endif
