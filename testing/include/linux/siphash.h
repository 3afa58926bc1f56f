/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SipHash-2-4 and, as hsiphash() on 64-bit machines, SipHash-1-3 truncated
 * to 32 bits (lib/siphash.c), with the kernel's key types and interface.
 */
#ifndef _HMAP_USER_LINUX_SIPHASH_H
#define _HMAP_USER_LINUX_SIPHASH_H

#include <linux/types.h>

#define SIPHASH_ALIGNMENT	__alignof__(u64)

typedef struct {
	u64 key[2];
} siphash_key_t;

u64 siphash(const void *data, size_t len, const siphash_key_t *key);

typedef struct {
	unsigned long key[2];
} hsiphash_key_t;

u32 hsiphash(const void *data, size_t len, const hsiphash_key_t *key);

/* The fixed-size forms: the same hash of the words, little-endian. */
static inline u64 siphash_1u64(u64 a, const siphash_key_t *key)
{
	return siphash(&a, sizeof(a), key);	/* x86-64: little-endian */
}

static inline u64 siphash_2u64(u64 a, u64 b, const siphash_key_t *key)
{
	u64 w[2] = { a, b };

	return siphash(w, sizeof(w), key);
}

static inline u64 siphash_1u32(u32 a, const siphash_key_t *key)
{
	return siphash(&a, sizeof(a), key);
}

static inline u64 siphash_2u32(u32 a, u32 b, const siphash_key_t *key)
{
	return siphash_1u64((u64)b << 32 | a, key);
}

static inline u64 siphash_3u32(u32 a, u32 b, u32 c, const siphash_key_t *key)
{
	u32 w[3] = { a, b, c };

	return siphash(w, sizeof(w), key);
}

static inline u32 hsiphash_2u32(u32 a, u32 b, const hsiphash_key_t *key)
{
	u32 w[2] = { a, b };

	return hsiphash(w, sizeof(w), key);
}

static inline u32 hsiphash_4u32(u32 a, u32 b, u32 c, u32 d,
				const hsiphash_key_t *key)
{
	u32 w[4] = { a, b, c, d };

	return hsiphash(w, sizeof(w), key);
}

#endif
