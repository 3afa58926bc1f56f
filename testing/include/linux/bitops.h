/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HMAP_USER_LINUX_BITOPS_H
#define _HMAP_USER_LINUX_BITOPS_H

#include <linux/bits.h>

#define BITS_PER_BYTE		8

/* The index of the lowest set bit of a non-zero word. */
static inline unsigned int __ffs64(unsigned long long word)
{
	return __builtin_ctzll(word);
}

#endif
