// SPDX-License-Identifier: GPL-2.0
/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012), written from the paper's description: a 256-bit state of four
 * 64-bit words initialised from the 128-bit key, two SipRounds per 8-byte
 * little-endian message word, the length in the top byte of the last
 * word, 0xff into v2 and four SipRounds to finish. The key is
 * siphash_key_t's two words (k0, k1), as the kernel's siphash() takes it.
 * hsiphash() is the same with one SipRound per word and three to finish,
 * truncated to 32 bits, as lib/siphash.c has it on 64-bit machines.
 * tests/test_stubs.c checks both against the reference vectors (the
 * paper's, and lib/siphash_kunit.c's for hsiphash).
 */
#include <linux/siphash.h>
#include <endian.h>
#include <string.h>

static inline u64 rotl64(u64 x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline u64 le64_load(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

#define SIPROUND(v0, v1, v2, v3) do {					\
	v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);	\
	v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;			\
	v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;			\
	v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);	\
} while (0)

/* SipHash-c-d of @data under the key (@k0, @k1). */
static u64 sip(const void *data, size_t len, u64 k0, u64 k1,
	       unsigned int c, unsigned int d)
{
	const u8 *p = data, *end = p + (len & ~(size_t)7);
	u64 v0 = k0 ^ 0x736f6d6570736575ULL;
	u64 v1 = k1 ^ 0x646f72616e646f6dULL;
	u64 v2 = k0 ^ 0x6c7967656e657261ULL;
	u64 v3 = k1 ^ 0x7465646279746573ULL;
	u64 m, b = (u64)len << 56;
	unsigned int i;

	for (; p != end; p += 8) {
		m = le64_load(p);
		v3 ^= m;
		for (i = 0; i < c; i++)
			SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (i = 0; i < (len & 7); i++)
		b |= (u64)p[i] << (8 * i);
	v3 ^= b;
	for (i = 0; i < c; i++)
		SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (i = 0; i < d; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

u64 siphash(const void *data, size_t len, const siphash_key_t *key)
{
	return sip(data, len, key->key[0], key->key[1], 2, 4);
}

/* The kernel's hsiphash() on 64-bit machines: SipHash-1-3, low 32 bits. */
u32 hsiphash(const void *data, size_t len, const hsiphash_key_t *key)
{
	return (u32)sip(data, len, key->key[0], key->key[1], 1, 3);
}
