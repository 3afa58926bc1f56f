/* SPDX-License-Identifier: GPL-2.0 */
/* kmemleak's annotations: nothing to track in user space. */
#ifndef _HMAP_USER_LINUX_KMEMLEAK_H
#define _HMAP_USER_LINUX_KMEMLEAK_H

#include <linux/types.h>

static inline void kmemleak_alloc(const void *ptr, size_t size, int min_count,
				  gfp_t gfp)
{
}

static inline void kmemleak_free(const void *ptr)
{
}

#endif
