/* SPDX-License-Identifier: GPL-2.0 */
/*
 * getrandom(2), or a seeded generator when a test or the fuzzer wants
 * runs to repeat (hmap_user_random_seed()).
 */
#ifndef _HMAP_USER_LINUX_RANDOM_H
#define _HMAP_USER_LINUX_RANDOM_H

#include <linux/types.h>

void get_random_bytes(void *buf, size_t len);

static inline u32 get_random_u32(void)
{
	u32 v;

	get_random_bytes(&v, sizeof(v));
	return v;
}

static inline u64 get_random_u64(void)
{
	u64 v;

	get_random_bytes(&v, sizeof(v));
	return v;
}

static inline u32 get_random_u32_below(u32 ceil)
{
	return (u32)(((u64)get_random_u32() * ceil) >> 32);
}

#endif
