// SPDX-License-Identifier: GPL-2.0
/*
 * grow_cost - what the inserts that start a grow cost the inserting thread
 * itself: its CPU time (CLOCK_THREAD_CPUTIME_ID) for each insert of 8-byte
 * keys into a map growing from empty to N, so that the host's load, which
 * preempts the thread and inflates wall-clock maxima, drops out. Prints,
 * for each grow past 2^10 buckets, the CPU time of the insert that started
 * it, then the 8 costliest inserts of the run, and the 8 costliest of as
 * many runs of a fixed loop of about a mean insert's cost: the noise
 * probe. A thread's CPU time includes the time the host takes its vCPU
 * away when the guest kernel does not account steal time (seen here: the
 * probe's own maxima of 1-2 ms on a 2-core VM), so an insert no costlier
 * than the probe's maxima says nothing about hmap.
 *
 *   grow_cost N
 *
 * testing/lib/slab.c's kvzalloc() zeroes what it allocates at once, as
 * the kernel's does, so an insert that allocates the new array pays for
 * zeroing it here too. glibc's fastbins are turned off (M_MXFAST 0): the
 * worker frees the old array's overflow buckets into them, and the next
 * insert whose malloc() finds the top chunk short consolidates them all
 * (malloc_consolidate(): 1-30 ms, seen with perf in every resize past
 * 2^17 buckets), a cost of the C library the kernel's slab does not have.
 *
 * Last, how long the inserting thread waited for map->lock while another
 * thread (the worker) held it (wall clock), and the most CPU time any
 * thread spent holding it: testing/lib/kernel.c's lock_stat-like counts.
 * A wait much longer than that hold is the holder's preemption or the
 * waiter's wake-up, the scheduler's and the host's share.
 */
#include <linux/types.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hmap.h"
#include "hmap_glue.h"
#include "hmap_user.h"

#define TOP	8

static uint64_t thread_cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/* The costliest TOP samples: ns and the index they came with. */
struct top_costs {
	u64 ns[TOP];
	u64 index[TOP];
};

static void top_add(struct top_costs *top, u64 ns, u64 index)
{
	int i, least = 0;

	for (i = 1; i < TOP; i++)
		if (top->ns[i] < top->ns[least])
			least = i;
	if (ns > top->ns[least]) {
		top->ns[least] = ns;
		top->index[least] = index;
	}
}

static void top_print(const char *what, const struct top_costs *top)
{
	int i;

	printf("%s (index: us):", what);
	for (i = 0; i < TOP; i++)
		printf(" %llu: %.0f", (unsigned long long)top->index[i],
		       top->ns[i] / 1e3);
	printf("\n");
}

/*
 * The noise probe: @n runs of a loop calibrated to take about @mean_ns,
 * each timed like an insert; its costliest runs are the host's.
 */
static void noise_probe(u64 n, u64 mean_ns)
{
	struct top_costs top = { { 0 } };
	u64 i, j, spins = 1, ns;

	/* Calibrate: double the spins until one run takes mean_ns. */
	do {
		spins *= 2;
		ns = thread_cpu_ns();
		for (j = 0; j < spins; j++)
			asm volatile("" : : "r"(j));	/* keeps the loop */
		ns = thread_cpu_ns() - ns;
	} while (ns < mean_ns && spins < (1ULL << 30));
	for (i = 0; i < n; i++) {
		ns = thread_cpu_ns();
		for (j = 0; j < spins; j++)
			asm volatile("" : : "r"(j));	/* keeps the loop */
		top_add(&top, thread_cpu_ns() - ns, i);
	}
	top_print("noise probe, costliest runs", &top);
}

int main(int argc, char **argv)
{
	struct top_costs top = { { 0 } };
	struct hmap_user_lock_wait wait;
	struct hmap_stats stats;
	uint64_t total = 0, k, ns, b = 0;
	struct hmap *map;
	uint32_t n;

	n = argc == 2 ? (uint32_t)strtoul(argv[1], NULL, 0) : 0;
	if (!n) {
		fprintf(stderr, "usage: grow_cost N\n");
		return 2;
	}
	mallopt(M_MXFAST, 0);
	map = bench_hmap_create(n, 8, 8, 0);
	if (!map)
		return 1;
	hmap_user_lock_stat_enable(true);
	hmap_user_lock_wait_read(&wait, true);
	for (k = 0; k < n; k++) {
		struct hmap_stats s;

		ns = thread_cpu_ns();
		if (hmap_insert(map, &k, 8, &k, 8, HMAP_PUT_NOEXIST))
			return 1;
		ns = thread_cpu_ns() - ns;
		total += ns;
		hmap_get_stats(map, &s);
		if (s.log2_buckets != b && s.log2_buckets > 10)
			printf("grow to 2^%llu buckets at insert %llu: %.1f us\n",
			       (unsigned long long)s.log2_buckets,
			       (unsigned long long)k, ns / 1e3);
		b = s.log2_buckets;
		top_add(&top, ns, k);
	}
	hmap_user_lock_wait_read(&wait, false);
	hmap_get_stats(map, &stats);
	printf("resizes: %llu grows, %llu same-size; ",
	       (unsigned long long)stats.grows,
	       (unsigned long long)stats.same_size_grows);
	printf("chains evacuated by writes %llu, by the worker %llu\n",
	       (unsigned long long)stats.evacuated_by_writes,
	       (unsigned long long)stats.evacuated_by_worker);
	top_print("costliest inserts", &top);
	printf("mean insert: %.0f ns of CPU\n", (double)total / n);
	printf("waits for map->lock held by another thread: %llu, %.1f ms in all, ",
	       (unsigned long long)wait.waits, wait.total_ns / 1e6);
	printf("longest %.0f us\n", wait.max_ns / 1e3);
	printf("most CPU time a thread spent holding map->lock: %.0f us\n",
	       hmap_user_map_lock_hold_max(map, false) / 1e3);
	hmap_destroy(map);
	noise_probe(n, total / n);
	bench_hmap_exit();
	return 0;
}
