/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HMAP_USER_LINUX_MM_H
#define _HMAP_USER_LINUX_MM_H

#include <linux/slab.h>

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define PAGE_ALIGN(addr) (((addr) + PAGE_SIZE - 1) & PAGE_MASK)

/*
 * Whole pages, page-aligned, up to KMALLOC_MAX_SIZE (lib/slab.c); each
 * allocation can be made to fail like every other.
 */
void *alloc_pages_exact(size_t size, gfp_t flags);
void free_pages_exact(void *p, size_t size);

#endif
