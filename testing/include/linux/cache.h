/* SPDX-License-Identifier: GPL-2.0 */
/* Cache-line alignment, as on x86-64 and arm64 (64-byte lines). */
#ifndef _HMAP_USER_LINUX_CACHE_H
#define _HMAP_USER_LINUX_CACHE_H

#include <linux/compiler.h>

#define SMP_CACHE_BYTES			64
#define ____cacheline_aligned_in_smp	__aligned(SMP_CACHE_BYTES)

#endif
