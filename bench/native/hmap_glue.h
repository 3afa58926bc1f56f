/* SPDX-License-Identifier: GPL-2.0 */
/* hmap_glue.c, callable from C and C++ (no kernel types). */
#ifndef BENCH_NATIVE_HMAP_GLUE_H
#define BENCH_NATIVE_HMAP_GLUE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hmap;

#define BENCH_HMAP_ANY		0
#define BENCH_HMAP_NOEXIST	1

struct bench_hmap_stats {
	uint64_t memory_bytes;
	uint32_t log2_buckets;
	uint64_t overflow_buckets;
	uint64_t grows;
	uint64_t evacuated_by_writes;
	uint64_t evacuated_by_worker;
};

/* @size_hint: 0 grows from empty, as the peers do; n presizes for n keys. */
struct hmap *bench_hmap_create(uint32_t max_entries, uint32_t ksize,
			       uint32_t vsize, uint32_t size_hint);
/* Wait until no resize is in flight, then for RCU callbacks; the ms waited. */
double bench_hmap_settle(struct hmap *map);
void bench_hmap_stats(struct hmap *map, struct bench_hmap_stats *out);
/* Run the RCU callbacks queued so far (the stand-ins batch them). */
void bench_hmap_quiesce(void);
void bench_hmap_thread_online(void);
void bench_hmap_thread_offline(void);
unsigned long bench_hmap_warnings(void);
void bench_hmap_exit(void);

#ifdef __cplusplus
}
#endif

#endif
