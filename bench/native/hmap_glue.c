// SPDX-License-Identifier: GPL-2.0
/*
 * What peer_hmap.cc needs from hmap beyond its four hot calls, compiled
 * against testing/'s stand-ins (the same CPPFLAGS as testing/Makefile):
 * creating a map, waiting for its resize to finish, its statistics, and
 * the stand-ins' thread registration and teardown. HMAP_WORKER=0 in the
 * environment turns the background worker off (the test hooks
 * hmap_set_worker_enabled() and hmap_worker_run(), which the user-space
 * build has). RCU callbacks run in a thread of their own, as the kernel's
 * do (testing/lib/rcu.c's async mode), not in the writer that queued them
 * while it holds map->lock.
 *
 * peer_hmap.cc declares hmap_insert(), hmap_lookup(), hmap_delete() and
 * hmap_destroy() itself with plain C types (the kernel headers are not
 * C++); the assertions below fail the build if include/hmap.h drifts
 * from those declarations.
 */
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hmap.h"
#include "hmap_test.h"
#include "hmap_user.h"

#include "hmap_glue.h"

#define SAME_TYPE(fn, type) \
	_Static_assert(__builtin_types_compatible_p(typeof(&fn), type), \
		       #fn " no longer matches peer_hmap.cc")
SAME_TYPE(hmap_insert, int (*)(struct hmap *, const void *, uint32_t,
			       const void *, uint32_t, u64));
/* u64 may be unsigned long long here: the same in the x86-64 ABI. */
_Static_assert(sizeof(u64) == sizeof(uint64_t) && (u64)-1 > 0, "u64");
SAME_TYPE(hmap_lookup, int (*)(struct hmap *, const void *, uint32_t, void *,
			       uint32_t *));
SAME_TYPE(hmap_delete, int (*)(struct hmap *, const void *, uint32_t));
SAME_TYPE(hmap_destroy, void (*)(struct hmap *));
_Static_assert(HMAP_PUT_NOEXIST == BENCH_HMAP_NOEXIST, "HMAP_PUT_NOEXIST");
_Static_assert(HMAP_PUT_ANY == BENCH_HMAP_ANY, "HMAP_PUT_ANY");

struct hmap *bench_hmap_create(uint32_t max_entries, uint32_t ksize,
			       uint32_t vsize, uint32_t size_hint)
{
	struct hmap_params p = {
		.max_entries = max_entries,
		.max_key_size = ksize,
		.max_value_size = vsize,
		.size_hint = size_hint,
	};
	const char *worker = getenv("HMAP_WORKER");
	struct hmap *map;

	hmap_user_rcu_set_async(true);
	map = hmap_create(&p);
	if (IS_ERR(map))
		return NULL;
	/*
	 * HMAP_WORKER=0: leave resizes to the writes alone (the background
	 * worker never runs; settling runs its loop in the caller), to tell
	 * what the worker costs the writes beside it.
	 */
	if (worker && !strcmp(worker, "0"))
		hmap_set_worker_enabled(map, false);
	return map;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

double bench_hmap_settle(struct hmap *map)
{
	struct timespec d = { 0, 100 * 1000 };
	uint64_t t0 = now_ns();
	struct hmap_stats s;
	double ms;

	for (;;) {
		hmap_get_stats(map, &s);
		if (s.resize == HMAP_RESIZING_NONE)
			break;
		if (getenv("HMAP_WORKER") && !strcmp(getenv("HMAP_WORKER"), "0"))
			hmap_worker_run(map);
		else
			nanosleep(&d, NULL);
	}
	ms = (now_ns() - t0) / 1e6;
	rcu_barrier();
	return ms;
}

void bench_hmap_stats(struct hmap *map, struct bench_hmap_stats *out)
{
	struct hmap_stats s;

	hmap_get_stats(map, &s);
	out->memory_bytes = s.memory_bytes;
	out->log2_buckets = s.log2_buckets;
	out->overflow_buckets = s.overflow_buckets;
	out->grows = s.grows;
	out->evacuated_by_writes = s.evacuated_by_writes;
	out->evacuated_by_worker = s.evacuated_by_worker;
}

void bench_hmap_quiesce(void)
{
	rcu_barrier();
}

void bench_hmap_thread_online(void)
{
	hmap_user_rcu_register_thread();
}

void bench_hmap_thread_offline(void)
{
	hmap_user_rcu_unregister_thread();
}

unsigned long bench_hmap_warnings(void)
{
	return hmap_user_warnings();
}

void bench_hmap_exit(void)
{
	hmap_user_exit();
}
