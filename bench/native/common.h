/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every native benchmark driver shares, in C so that the C++ drivers
 * and the hmap glue agree on it: the key stream, the clock, and the
 * allocator counter. bench/native/go/ has the same key stream in Go
 * (keys.go); keep the two in step.
 */
#ifndef BENCH_NATIVE_COMMON_H
#define BENCH_NATIVE_COMMON_H

#include <stdint.h>
#include <string.h>
#include <time.h>

/*
 * The key stream: key i is splitmix64's output for state seed + (i+1)*gamma,
 * a bijection of i, so keys never repeat. A 16- or 32-byte key is word 0 =
 * that output, word j = bench_mix64(word 0 + j*gamma): distinct whenever
 * word 0 is. Hit keys are indices 0..N-1, miss keys N..2N-1, the keys a
 * concurrent writer churns 2N.. .
 */
#define BENCH_SEED	0x6a09e667f3bcc909ULL
#define BENCH_GAMMA	0x9e3779b97f4a7c15ULL

static inline uint64_t bench_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t bench_key_word(uint64_t i, unsigned int j)
{
	uint64_t w0 = bench_mix64(BENCH_SEED + (i + 1) * BENCH_GAMMA);

	return j ? bench_mix64(w0 + j * BENCH_GAMMA) : w0;
}

/* Fill @words 64-bit words of key @i. */
static inline void bench_key(uint64_t *out, unsigned int words, uint64_t i)
{
	for (unsigned int j = 0; j < words; j++)
		out[j] = bench_key_word(i, j);
}

/* A second stream for shuffles and operation choices. */
static inline uint64_t bench_rand(uint64_t *state)
{
	*state += BENCH_GAMMA;
	return bench_mix64(*state);
}

/*
 * The hash the peers without a hash of their own for these keys use
 * (cds_lfht always; std::unordered_map for 16- and 32-byte keys): a
 * multiply-xorshift fold of the key's words, unkeyed. hmap uses its own
 * keyed hsiphash, absl its own hash, Go its AES hash.
 */
static inline uint64_t bench_hash_words(const uint64_t *w, unsigned int n)
{
	uint64_t h = 0x243f6a8885a308d3ULL ^ n;

	for (unsigned int j = 0; j < n; j++)
		h = bench_mix64(h ^ w[j]);
	return h;
}

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Per-operation timing uses the TSC (constant and non-stop on these
 * machines), fenced so the timed operation stays between the two reads:
 * lfence; rdtsc before, rdtscp; lfence after. bench_tsc_calibrate()
 * measures its rate against CLOCK_MONOTONIC.
 */
static inline uint64_t bench_tsc_start(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t bench_tsc_stop(void)
{
	uint32_t lo, hi, aux;

	__asm__ __volatile__("rdtscp\n\tlfence"
			     : "=a"(lo), "=d"(hi), "=c"(aux) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

/* TSC ticks per nanosecond, measured over about 100 ms. */
static inline double bench_tsc_calibrate(void)
{
	uint64_t t0 = bench_now_ns(), c0 = bench_tsc_start(), t1, c1;
	struct timespec d = { 0, 100 * 1000 * 1000 };

	nanosleep(&d, NULL);
	t1 = bench_now_ns();
	c1 = bench_tsc_stop();
	return (double)(c1 - c0) / (double)(t1 - t0);
}

#endif /* BENCH_NATIVE_COMMON_H */
