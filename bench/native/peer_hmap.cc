// SPDX-License-Identifier: GPL-2.0
/*
 * hmap's core, hmap_core.c unchanged, built in user space against
 * testing/'s stand-ins (liburcu memb RCU, malloc-backed kmalloc with SLUB
 * size classes, pthread mutexes, test-and-set spinlocks, SipHash, a
 * delayed-work thread). It is
 * called through its API as kernel users call it: insert is
 * hmap_insert(HMAP_NOEXIST), update hmap_insert(HMAP_ANY), a lookup
 * copies the value out. No size hint (it grows from empty like the peers)
 * but in the presized writers workload.
 *
 * The stand-ins keep the checks testing/ wants (PROVE_RCU-like
 * rcu_dereference_check(), lock owner tracking, allocation counting,
 * a locked list lookup in every kfree() once a "vmalloc" array exists,
 * RCU callbacks run by a thread of their own after liburcu grace periods,
 * at most one per 4 ms), so this hmap pays costs the kernel build does
 * not; the perf profile in summary.md shows how much.
 */
#include "harness.hpp"
#include "hmap_glue.h"

extern "C" {
int hmap_insert(struct hmap *map, const void *key, uint32_t key_len,
		const void *value, uint32_t value_len, uint64_t flags);
int hmap_lookup(struct hmap *map, const void *key, uint32_t key_len,
		void *value, uint32_t *value_len);
int hmap_delete(struct hmap *map, const void *key, uint32_t key_len);
void hmap_destroy(struct hmap *map);
}

template <unsigned KW, unsigned VW> class HmapPeer {
	struct hmap *m_;

public:
	static constexpr const char *name = "hmap";
	static constexpr bool concurrent = true;

	HmapPeer(unsigned ksize, unsigned vsize, uint64_t max_entries,
		 uint64_t presize = 0)
	{
		m_ = bench_hmap_create((uint32_t)max_entries, ksize, vsize,
				       (uint32_t)presize);
		if (!m_)
			bench_die(name, "hmap_create failed");
	}
	~HmapPeer()
	{
		hmap_destroy(m_);
		if (bench_hmap_warnings())
			bench_die(name, "the stand-ins reported warnings");
	}
	bool insert(const Words<KW> &k, const Words<VW> &v)
	{
		return !hmap_insert(m_, k.w, sizeof(k.w), v.w, sizeof(v.w),
				    BENCH_HMAP_NOEXIST);
	}
	bool lookup(const Words<KW> &k, Words<VW> &out)
	{
		uint32_t len = sizeof(out.w);

		return !hmap_lookup(m_, k.w, sizeof(k.w), out.w, &len);
	}
	bool update(const Words<KW> &k, const Words<VW> &v)
	{
		return !hmap_insert(m_, k.w, sizeof(k.w), v.w, sizeof(v.w),
				    BENCH_HMAP_ANY);
	}
	bool erase(const Words<KW> &k)
	{
		return !hmap_delete(m_, k.w, sizeof(k.w));
	}
	double settle() { return bench_hmap_settle(m_); }
	void extra(Emit &emit)
	{
		struct bench_hmap_stats s;

		bench_hmap_stats(m_, &s);
		emit("memory", "hmap_memory_bytes_per_entry",
		     (double)s.memory_bytes / emit.n(), "B");
		emit("stats", "log2_buckets", s.log2_buckets, "");
		emit("stats", "overflow_buckets", (double)s.overflow_buckets, "");
		emit("stats", "grows", (double)s.grows, "");
		emit("stats", "evacuated_by_writes",
		     (double)s.evacuated_by_writes, "");
		emit("stats", "evacuated_by_worker",
		     (double)s.evacuated_by_worker, "");
	}
	static void finish(Emit &) {}
	static void quiesce() { bench_hmap_quiesce(); }
	static void thread_online() { bench_hmap_thread_online(); }
	static void thread_offline() { bench_hmap_thread_offline(); }
};

int main(int argc, char **argv)
{
	int ret = bench_main<HmapPeer>(argc, argv);

	bench_hmap_exit();
	return ret;
}
