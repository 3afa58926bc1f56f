// SPDX-License-Identifier: GPL-2.0
/*
 * hmap_bench - hmap and the kernel's rhashtable side by side, in one boot.
 *
 * Loading the module runs the workloads named by the "workloads" parameter
 * on every map named by "maps", with the same keys, the same value sizes
 * and the same threads, and reports each result twice: as one line of
 * key=value pairs in the kernel log ("hmap_bench: workload=insert map=hmap
 * n=... ops_per_sec=... p50=... p99=..."), and in the debugfs file
 * hmap_bench/results. Per-insert latency against the insert index (the max
 * and mean of every n/points consecutive inserts) goes to
 * hmap_bench/series. Unload the module to free the results.
 *
 * Workloads:
 *
 *   insert     insert keys 0..n-1 into an empty map, resizes included:
 *              ops/s and per-insert latency percentiles (the cycle counter
 *              read around each call); then the time until the map has no
 *              resize in flight ("settle"), and memory per entry, both as
 *              the map accounts it and as free pages went down. Each map
 *              keeps its keys for the lookups and deletes.
 *   lookup     on the full maps: lookups that hit and lookups that miss,
 *              from one thread and from one thread per online CPU; the
 *              maps take turns in chunks of BENCH_CHUNK lookups, so that
 *              host noise slows both alike.
 *   delete     delete every key of each map in random order, shrinking
 *              included: ops/s and per-delete latency percentiles.
 *   mixed      a map kept between n/8 and n keys: one thread per CPU, each
 *              doing 90% lookups (keys 0..n-1, hits and misses) and 10%
 *              writes that insert its own slice of the keys and then delete
 *              it again, so the map keeps growing and shrinking.
 *   writers    a fresh map filled with keys 0..n-1 by one thread, then
 *              by one thread per online CPU, each inserting its own
 *              slice (disjoint keys): what more writers add. Each fill
 *              also reports the busy time of every CPU meanwhile (cpu_ns:
 *              its writers', the map's worker's and RCU's) and
 *              ops_per_cpu_sec, since one writer's fill keeps more than
 *              one CPU busy where a worker evacuates beside it. Not in
 *              the default list.
 *   writers_presized  the same into maps created for n keys: no resize.
 *   noise      (always, first) how much of the time the vCPU is not running:
 *              under TCG on a busy host, milliseconds at a time.
 *   hash       (a breakdown of a lookup) the hash alone: siphash() (hmap's
 *              hash until it took hsiphash()), hsiphash() (hmap's) and
 *              jhash2() (rhashtable's default), each over the keys a
 *              lookup would hash, in ns per key.
 *   composite  the sequence lib/test_rhashtable.c times (insert n keys
 *              id = 2i, walk the map, look up ids 0..n-1, walk again,
 *              delete all), averaged over "runs", to set next to that
 *              module's "Average test time". Both maps are set up as
 *              that module sets up its rhashtable: no shrinking
 *              (automatic_shrinking off; HMAP_CREATE_NO_SHRINK).
 *
 * The rhashtable is a plain one: an object with a struct rhash_head, the
 * key and the value, allocated with kmalloc() and freed with kfree_rcu(),
 * the default hash (jhash2), no size hint (hmap gets none either) and
 * automatic_shrinking on (hmap always shrinks). Its fast paths are inlined
 * with constant parameters, as its users do; hmap is called through its
 * exported functions. Insert means "insert if absent" on both:
 * rhashtable_lookup_insert_fast() and hmap_insert(HMAP_PUT_NOEXIST). A lookup
 * copies the value out on both.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/jhash.h>
#include <linux/kernel_stat.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rhashtable.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/tick.h>
#include <linux/timex.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include "hmap.h"

#define BENCH_MAX_N		(4U << 20)
#define BENCH_MAX_VSIZE		256U
#define BENCH_MAX_THREADS	64U
#define BENCH_MAX_MAPS		3U	/* hmap, rhashtable, rhashtable_hsiphash */
#define BENCH_BUF_SIZE		(4U << 20)	/* each debugfs file */

static char *workloads = "insert,lookup,delete,mixed";
module_param(workloads, charp, 0444);
MODULE_PARM_DESC(workloads,
		 "comma-separated: insert,lookup,lookup_chain,delete,mixed,hash,composite,writers,writers_presized");

static char *maps = "hmap,rhashtable";
module_param(maps, charp, 0444);
MODULE_PARM_DESC(maps, "comma-separated maps to run: hmap,rhashtable,rhashtable_hsiphash (rhashtable keyed with hmap's hash)");

static uint n = 10000;
module_param(n, uint, 0444);
MODULE_PARM_DESC(n, "keys (default 10000)");

static uint key_size = 8;
module_param_named(ksize, key_size, uint, 0444);
MODULE_PARM_DESC(ksize, "key size in bytes: 8, 16 or 32 (default 8)");

static uint value_size = 8;
module_param_named(vsize, value_size, uint, 0444);
MODULE_PARM_DESC(vsize, "value size in bytes, 0..256 (default 8)");

static uint threads;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "threads of the parallel workloads (default: online CPUs)");

static uint lookup_ops;
module_param(lookup_ops, uint, 0444);
MODULE_PARM_DESC(lookup_ops, "lookups per lookup workload (default: max(n, 200000))");

static uint mixed_cycles = 2;
module_param(mixed_cycles, uint, 0444);
MODULE_PARM_DESC(mixed_cycles, "grow-and-shrink cycles of each mixed thread (default 2)");

static uint runs = 1;
module_param(runs, uint, 0444);
MODULE_PARM_DESC(runs, "repetitions; the map order alternates (default 1)");

static uint points = 1000;
module_param(points, uint, 0444);
MODULE_PARM_DESC(points, "points of the latency-vs-index series (default 1000)");

static ulong seed = 0x9e3779b97f4a7c15UL;
module_param(seed, ulong, 0444);
MODULE_PARM_DESC(seed, "key seed");

static uint tsc_khz_param;
module_param_named(tsc_khz, tsc_khz_param, uint, 0444);
MODULE_PARM_DESC(tsc_khz,
		 "cycle counter rate in kHz (default: the kernel's, else measured)");

static char *tag = "";
module_param(tag, charp, 0444);
MODULE_PARM_DESC(tag, "free text added to every result line as tag=...");

/* Output: text that debugfs serves. */
struct bench_buf {
	struct debugfs_blob_wrapper blob;
	size_t cap;
};

static struct bench_buf results, series;
static struct dentry *bench_dir;

static __printf(2, 3) void bench_printf(struct bench_buf *b, const char *fmt, ...)
{
	va_list args;
	int len;

	if (!b->blob.data)
		return;
	va_start(args, fmt);
	len = vsnprintf((char *)b->blob.data + b->blob.size,
			b->cap - b->blob.size, fmt, args);
	va_end(args);
	b->blob.size = min_t(size_t, b->blob.size + len, b->cap - 1);
}

/* Keys: a bijection of the index, so distinct indexes give distinct keys. */
static inline u64 bench_mix(u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline void bench_key(u64 idx, u64 *key)
{
	unsigned int i;

	key[0] = bench_mix(idx + seed);
	for (i = 1; i < key_size / 8; i++)
		key[i] = bench_mix(key[0] + i);
}

/* i-th index of a fixed permutation of 0..count-1 (the prime is coprime). */
static inline u64 bench_perm(u64 i, u64 count)
{
	return i * 2654435761ULL % count;
}

static inline u64 bench_rand(u64 *state)
{
	u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/*
 * The clock: the cycle counter, read around every operation, converted to
 * ns with its rate. Not ktime_get_ns(): under QEMU's TCG the kernel often
 * fails to calibrate the TSC and falls back to the jiffies clocksource,
 * whose 4 ms steps would make every latency 0 or 4 ms. The TSC itself runs
 * at the host's rate all the same; scripts/bench.sh measures that rate on
 * the host and passes it as tsc_khz.
 */
static u32 bench_khz;
static const char *bench_clock_src;

#if defined(CONFIG_UML) && defined(CONFIG_X86_64)
/*
 * User-Mode Linux has no cycle counter of its own (get_cycles() is 0
 * without CONFIG_X86), but its kernel is a process on an x86-64 host and
 * may read the host's TSC, which user space can, as get_cycles() reads it
 * on x86: rdtsc, not ordered against the loads around it. The rate is the
 * host's, passed as tsc_khz by scripts/bench-uml.sh.
 */
static inline u64 bench_cycles(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return (u64)hi << 32 | lo;
}
#else
static inline u64 bench_cycles(void)
{
	return get_cycles();
}
#endif

static inline u64 bench_cyc2ns(u64 cycles)
{
	return mul_u64_u32_div(cycles, USEC_PER_SEC, bench_khz);
}

static inline u64 bench_ns(void)
{
	return bench_cyc2ns(bench_cycles());
}

/*
 * The guest's own clock, for comparison with what lib/test_rhashtable.c
 * reports: with the jiffies clocksource it advances only while the vCPU
 * gets timer ticks, so it leaves out most of the time the host takes the
 * CPU away, in steps of a tick (4 ms at HZ=250).
 */
static inline u64 bench_guest_ns(void)
{
	return ktime_get_ns();
}

/* Cycles per jiffy over about a second, from one jiffy edge to another. */
static u32 bench_measure_khz(void)
{
	unsigned long j0, j1;
	u64 c0, c1;

	j0 = jiffies;
	while (!time_after(jiffies, j0))
		cpu_relax();
	c0 = bench_cycles();
	j0 = jiffies;
	msleep(1000);
	j1 = jiffies;
	while (!time_after(jiffies, j1))
		cpu_relax();
	c1 = bench_cycles();
	j1 = jiffies;
	return div64_u64((c1 - c0) * HZ, (u64)(j1 - j0) * MSEC_PER_SEC);
}

static int bench_clock_init(void)
{
	if (tsc_khz_param) {
		bench_khz = tsc_khz_param;
		bench_clock_src = "param";
		return 0;
	}
#ifdef CONFIG_X86
	if (tsc_khz && boot_cpu_has(X86_FEATURE_CONSTANT_TSC)) {
		bench_khz = tsc_khz;
		bench_clock_src = "kernel";
		return 0;
	}
#endif
	bench_khz = bench_measure_khz();
	bench_clock_src = "jiffies";
	return bench_khz ? 0 : -ENODEV;
}

/* The maps. */

/**
 * struct bmap_info - what a map says of itself
 * @count: entries.
 * @buckets: buckets of the current table.
 * @bytes: bytes of tables and entries by the map's own accounting.
 * @resizes: resizes started so far (hmap only; 0 for rhashtable).
 * @resizing: a resize is in flight.
 */
struct bmap_info {
	u64 count;
	u64 buckets;
	u64 bytes;
	u64 resizes;
	bool resizing;
};

struct bmap;

struct bmap_ops {
	const char *name;
	const struct rhashtable_params *rht_params;	/* rhashtable's */
	int (*create)(struct bmap *m, bool composite);
	void (*destroy)(struct bmap *m);
	int (*insert)(struct bmap *m, const void *key, const void *value);
	int (*lookup)(struct bmap *m, const void *key, void *value);
	int (*remove)(struct bmap *m, const void *key);
	void (*info)(struct bmap *m, struct bmap_info *info);
	long (*walk)(struct bmap *m);
};

struct bmap {
	const struct bmap_ops *ops;
	u32 ksize;
	u32 vsize;
	u32 size_hint;		/* entries to size the map for; 0: none */
	size_t obj_size;
	struct hmap *hmap;
	struct rhashtable ht;
};

/* hmap, through its exported API. */

static int hm_create(struct bmap *m, bool composite)
{
	struct hmap_params p = {
		.max_entries = HMAP_ENTRIES_LIMIT,
		.max_key_size = m->ksize,
		.max_value_size = m->vsize,
		.size_hint = m->size_hint,
		/* rb_create()'s composite map does not shrink either. */
		.flags = composite ? HMAP_CREATE_NO_SHRINK : 0,
	};

	m->hmap = hmap_create(&p);
	return PTR_ERR_OR_ZERO(m->hmap);
}

static void hm_destroy(struct bmap *m)
{
	hmap_destroy(m->hmap);
	m->hmap = NULL;
}

static int hm_insert(struct bmap *m, const void *key, const void *value)
{
	return hmap_insert(m->hmap, key, m->ksize, value, m->vsize,
			   HMAP_PUT_NOEXIST);
}

static int hm_lookup(struct bmap *m, const void *key, void *value)
{
	u32 len = m->vsize;

	return hmap_lookup(m->hmap, key, m->ksize, value, &len);
}

static int hm_remove(struct bmap *m, const void *key)
{
	return hmap_delete(m->hmap, key, m->ksize);
}

static void hm_info(struct bmap *m, struct bmap_info *info)
{
	struct hmap_stats s;

	hmap_get_stats(m->hmap, &s);
	info->count = s.count;
	info->buckets = 1ULL << s.log2_buckets;
	info->bytes = s.memory_bytes;
	info->resizes = s.grows + s.same_size_grows + s.shrinks;
	info->resizing = s.resize != HMAP_RESIZING_NONE;
}

/* Takes each entry of a walk as a caller of hmap_dump() would: reads it. */
static int hm_walk_emit(void *arg, const struct hmap_dump_item *items,
			unsigned int n)
{
	unsigned long *bytes = arg;
	unsigned int i;

	for (i = 0; i < n; i++)
		*bytes += items[i].key_len + items[i].value_len +
			  *(const u8 *)items[i].key;
	return 0;
}

static long hm_walk(struct bmap *m)
{
	struct hmap_cursor cursor = {};
	unsigned long bytes = 0;
	long count = 0;
	int ret;

	while (!cursor.done) {
		ret = hmap_dump(m->hmap, &cursor, hm_walk_emit, &bytes);
		if (ret < 0)
			return ret;
		count += ret;
		cond_resched();
	}
	return count;
}

static const struct bmap_ops hm_ops = {
	.name = "hmap",
	.create = hm_create,
	.destroy = hm_destroy,
	.insert = hm_insert,
	.lookup = hm_lookup,
	.remove = hm_remove,
	.info = hm_info,
	.walk = hm_walk,
};

/* rhashtable: the usual object, inlined fast paths with constant params. */

struct rb_obj {
	struct rhash_head node;
	struct rcu_head rcu;
	u64 data[];		/* the key, then the value */
};

/*
 * The same rhashtable keyed with hmap's hash (maps=rhashtable_hsiphash):
 * hsiphash() of the same little-endian words as hmap_hash(), the table's
 * seed folded into the first, so a lookup's hash costs both maps alike
 * and what is left between them is the table.
 */
static hsiphash_key_t rbs_key;

static u32 rbs_hash(const void *data, u32 len, u32 seed)
{
	u64 lo = get_unaligned_le64(data) ^ seed, hi;

	if (len == sizeof(lo))
		return hsiphash_2u32(lower_32_bits(lo), upper_32_bits(lo),
				     &rbs_key);
	if (len != 2 * sizeof(lo))
		return hsiphash(data, len, &rbs_key) ^ seed;
	hi = get_unaligned_le64((const u8 *)data + sizeof(lo));
	return hsiphash_4u32(lower_32_bits(lo), upper_32_bits(lo),
			     lower_32_bits(hi), upper_32_bits(hi), &rbs_key);
}

#define RB_PARAMS(klen, hash) {					\
	.head_offset = offsetof(struct rb_obj, node),		\
	.key_offset = offsetof(struct rb_obj, data),		\
	.key_len = (klen),					\
	.hashfn = (hash),					\
	.automatic_shrinking = true,				\
}

static const struct rhashtable_params rb_params8 = RB_PARAMS(8, NULL);
static const struct rhashtable_params rb_params16 = RB_PARAMS(16, NULL);
static const struct rhashtable_params rb_params32 = RB_PARAMS(32, NULL);
static const struct rhashtable_params rbs_params8 = RB_PARAMS(8, rbs_hash);
static const struct rhashtable_params rbs_params16 = RB_PARAMS(16, rbs_hash);
static const struct rhashtable_params rbs_params32 = RB_PARAMS(32, rbs_hash);

static int rb_create(struct bmap *m, bool composite)
{
	struct rhashtable_params p = *m->ops->rht_params;

	if (m->size_hint)
		p.nelem_hint = m->size_hint;
	/* As lib/test_rhashtable.c sets it up for its timed runs. */
	if (composite) {
		p.nelem_hint = 8;
		p.max_size = roundup_pow_of_two(max(n, 2U));
		p.automatic_shrinking = false;
	}
	m->obj_size = struct_size_t(struct rb_obj, data, 0) + m->ksize +
		      m->vsize;
	return rhashtable_init(&m->ht, &p);
}

static void rb_free_obj(void *ptr, void *arg)
{
	kfree(ptr);
}

static void rb_destroy(struct bmap *m)
{
	rhashtable_free_and_destroy(&m->ht, rb_free_obj, NULL);
}

static __always_inline int rb_insert(struct bmap *m, const void *key,
				     const void *value,
				     const struct rhashtable_params params)
{
	struct rb_obj *obj;
	int err;

	obj = kmalloc(m->obj_size, GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	memcpy(obj->data, key, params.key_len);
	memcpy((u8 *)obj->data + params.key_len, value, m->vsize);
	for (;;) {
		err = rhashtable_lookup_insert_fast(&m->ht, &obj->node, params);
		if (err != -EBUSY)
			break;
		cond_resched();
	}
	if (err)
		kfree(obj);
	return err;
}

static __always_inline int rb_lookup(struct bmap *m, const void *key,
				     void *value,
				     const struct rhashtable_params params)
{
	struct rb_obj *obj;

	rcu_read_lock();
	obj = rhashtable_lookup(&m->ht, key, params);
	if (obj)
		memcpy(value, (u8 *)obj->data + params.key_len, m->vsize);
	rcu_read_unlock();
	return obj ? 0 : -ENOENT;
}

static __always_inline int rb_remove(struct bmap *m, const void *key,
				     const struct rhashtable_params params)
{
	struct rb_obj *obj;
	int err = -ENOENT;

	rcu_read_lock();
	obj = rhashtable_lookup(&m->ht, key, params);
	if (obj) {
		err = rhashtable_remove_fast(&m->ht, &obj->node, params);
		if (!err)
			kfree_rcu(obj, rcu);
	}
	rcu_read_unlock();
	return err;
}

/* Each function with its params constant, so rhashtable's fast paths inline. */
#define RB_FUNCS(prefix, klen)						\
static int prefix##_insert##klen(struct bmap *m, const void *key,	\
				 const void *value)			\
{									\
	return rb_insert(m, key, value, prefix##_params##klen);		\
}									\
static int prefix##_lookup##klen(struct bmap *m, const void *key,	\
				 void *value)				\
{									\
	return rb_lookup(m, key, value, prefix##_params##klen);		\
}									\
static int prefix##_remove##klen(struct bmap *m, const void *key)	\
{									\
	return rb_remove(m, key, prefix##_params##klen);		\
}

RB_FUNCS(rb, 8)
RB_FUNCS(rb, 16)
RB_FUNCS(rb, 32)
RB_FUNCS(rbs, 8)
RB_FUNCS(rbs, 16)
RB_FUNCS(rbs, 32)

/*
 * What rhashtable's bucket array takes from the allocator, counted as hmap
 * counts its own (and its objects, in rb_info()): kvmalloc() serves it from
 * kmalloc(), rounded up to a power of two, below KMALLOC_MAX_SIZE.
 */
static size_t rb_table_bytes(const struct bucket_table *tbl)
{
	size_t size = struct_size(tbl, buckets, tbl->size);

	return is_vmalloc_addr(tbl) ? PAGE_ALIGN(size) :
				      kmalloc_size_roundup(size);
}

static void rb_info(struct bmap *m, struct bmap_info *info)
{
	const struct bucket_table *tbl;

	rcu_read_lock();
	tbl = rht_dereference_rcu(m->ht.tbl, &m->ht);
	info->buckets = tbl->size;
	info->bytes = rb_table_bytes(tbl);
	info->resizing = rcu_access_pointer(tbl->future_tbl) ||
			 work_pending(&m->ht.run_work);
	rcu_read_unlock();
	info->count = atomic_read(&m->ht.nelems);
	info->bytes += info->count * kmalloc_size_roundup(m->obj_size);
	info->resizes = 0;
}

static long rb_walk(struct bmap *m)
{
	struct rhashtable_iter iter;
	struct rb_obj *obj;
	long count = 0;

	rhashtable_walk_enter(&m->ht, &iter);
	rhashtable_walk_start(&iter);
	while ((obj = rhashtable_walk_next(&iter))) {
		if (IS_ERR(obj)) {
			if (PTR_ERR(obj) == -EAGAIN)
				continue;
			count = PTR_ERR(obj);
			break;
		}
		count++;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return count;
}

#define RB_OPS(mapname, prefix, klen) {		\
	.name = (mapname),				\
	.rht_params = &prefix##_params##klen,		\
	.create = rb_create,				\
	.destroy = rb_destroy,				\
	.insert = prefix##_insert##klen,		\
	.lookup = prefix##_lookup##klen,		\
	.remove = prefix##_remove##klen,		\
	.info = rb_info,				\
	.walk = rb_walk,				\
}

/* By key size: 8, 16, 32 bytes. */
static const struct bmap_ops rb_ops[] = {
	RB_OPS("rhashtable", rb, 8),
	RB_OPS("rhashtable", rb, 16),
	RB_OPS("rhashtable", rb, 32),
};

static const struct bmap_ops rbs_ops[] = {
	RB_OPS("rhashtable_hsiphash", rbs, 8),
	RB_OPS("rhashtable_hsiphash", rbs, 16),
	RB_OPS("rhashtable_hsiphash", rbs, 32),
};

/* rhashtable's ops for @klen-byte keys (8, 16 or 32), jhash or hsiphash. */
static const struct bmap_ops *rb_ops_for(bool hsiphash, u32 klen)
{
	return &(hsiphash ? rbs_ops : rb_ops)[klen == 8 ? 0 : klen == 16 ? 1 : 2];
}

/* Wait until the map has no resize in flight; return how long that took. */
static u64 bmap_settle(struct bmap *m)
{
	u64 start = bench_ns();
	struct bmap_info info;

	for (;;) {
		if (m->ops == &hm_ops)
			cond_resched();
		else
			flush_work(&m->ht.run_work);
		m->ops->info(m, &info);
		if (!info.resizing)
			break;
		usleep_range(100, 200);
	}
	return bench_ns() - start;
}

/* Percentiles, in parts per 10000, of @count latencies; sorts them. */
static int bench_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* In ns. */
struct bench_pct {
	u64 p50, p99, p999, max, mean;
};

static void bench_percentiles(u32 *lat, u64 count, struct bench_pct *pct)
{
	u64 sum = 0, i;

	memset(pct, 0, sizeof(*pct));
	if (!count)
		return;
	for (i = 0; i < count; i++)
		sum += lat[i];
	sort(lat, count, sizeof(*lat), bench_cmp_u32, NULL);
	pct->p50 = bench_cyc2ns(lat[count * 5000 / 10000]);
	pct->p99 = bench_cyc2ns(lat[count * 9900 / 10000]);
	pct->p999 = bench_cyc2ns(lat[count * 9990 / 10000]);
	pct->max = bench_cyc2ns(lat[count - 1]);
	pct->mean = bench_cyc2ns(div64_u64(sum, count));
}

/* Latencies are kept in cycles, as u32: 1.6 s at 2.6 GHz. */
static inline u32 bench_clamp(u64 cycles)
{
	return cycles > U32_MAX ? U32_MAX : cycles;
}

static inline u64 bench_rate(u64 ops, u64 ns)
{
	return ns ? div64_u64(ops * NSEC_PER_SEC, ns) : 0;
}

/*
 * Idle time of every online CPU so far, in ns: the nohz idle clock where
 * the kernel keeps one, else the tick's count (what /proc/stat reports).
 * A workload's busy CPU time is its wall time on every CPU less this
 * one's change: its threads', the worker's and RCU's time alike, with the
 * guest otherwise idle.
 */
static u64 bench_idle_ns(void)
{
	u64 idle = 0, us;
	int cpu;

	for_each_online_cpu(cpu) {
		us = get_cpu_idle_time_us(cpu, NULL);
		if (us != (u64)-1)
			idle += us * NSEC_PER_USEC;
		else
			idle += kcpustat_cpu(cpu).cpustat[CPUTIME_IDLE] +
				kcpustat_cpu(cpu).cpustat[CPUTIME_IOWAIT];
	}
	return idle;
}

/* Free pages, after every pending RCU free has run. */
static long bench_free_pages(void)
{
	rcu_barrier();
	kvfree_rcu_barrier();
	return global_zone_page_state(NR_FREE_PAGES);
}

static unsigned int bench_threads(void)
{
	unsigned int t = threads ? threads : num_online_cpus();

	return clamp(t, 1U, BENCH_MAX_THREADS);
}

static unsigned int bench_run;

/* A result line: key=value pairs, to the kernel log and to "results". */
struct bench_line {
	char buf[640];
	size_t len;
};

static __printf(2, 3) void bench_add(struct bench_line *l, const char *fmt, ...)
{
	va_list args;
	int len;

	va_start(args, fmt);
	len = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, args);
	va_end(args);
	l->len = min(l->len + len, sizeof(l->buf) - 1);
}

static void bench_start(struct bench_line *l, const char *workload,
			const struct bmap *m)
{
	l->len = 0;
	bench_add(l, "workload=%s map=%s n=%u ksize=%u vsize=%u smp=%u run=%u",
		  workload, m->ops->name, n, m->ksize, m->vsize,
		  num_online_cpus(), bench_run);
	if (*tag)
		bench_add(l, " tag=%s", tag);
}

static void bench_kv(struct bench_line *l, const char *key, u64 value)
{
	bench_add(l, " %s=%llu", key, value);
}

static void bench_kv_pct(struct bench_line *l, const char *prefix,
			 const struct bench_pct *pct, bool mean)
{
	if (mean)
		bench_add(l, " %smean=%llu", prefix, pct->mean);
	bench_add(l, " %sp50=%llu %sp99=%llu %sp999=%llu %smax=%llu", prefix,
		  pct->p50, prefix, pct->p99, prefix, pct->p999, prefix,
		  pct->max);
}

static void bench_end(struct bench_line *l)
{
	pr_info("%s\n", l->buf);
	bench_printf(&results, "%s\n", l->buf);
}

/* The hashes the hash workload times, each over a key of key_size bytes. */
static siphash_key_t bench_sip_key;
static hsiphash_key_t bench_hsip_key;

static u32 bench_hash_siphash(const u64 *key)
{
	return siphash(key, key_size, &bench_sip_key);
}

static u32 bench_hash_hsiphash(const u64 *key)
{
	return hsiphash(key, key_size, &bench_hsip_key);
}

static u32 bench_hash_jhash2(const u64 *key)
{
	return jhash2((const u32 *)key, key_size / 4, 0);
}

static const struct {
	const char *name;
	u32 (*fn)(const u64 *key);
} bench_hashes[] = {
	{ "siphash", bench_hash_siphash },
	{ "hsiphash", bench_hash_hsiphash },
	{ "jhash2", bench_hash_jhash2 },
};

/*
 * Time each hash over lookup_ops keys, in rounds that alternate the
 * order of the hashes; the keys are made before each timed loop, so only
 * the hash is timed (and its result is kept live).
 */
static int bench_hash(void)
{
	const unsigned int nh = ARRAY_SIZE(bench_hashes), rounds = 8;
	u64 total = lookup_ops ? lookup_ops : max(n, 200000U);
	u64 chunk = max_t(u64, total / rounds, 1), cycles[3] = {}, i;
	unsigned int r, j, h;
	struct bench_line l;
	u64 *keys;
	u32 sink = 0;

	BUILD_BUG_ON(ARRAY_SIZE(cycles) != ARRAY_SIZE(bench_hashes));
	keys = vmalloc_array(chunk, key_size);
	if (!keys)
		return -ENOMEM;
	get_random_bytes(&bench_sip_key, sizeof(bench_sip_key));
	get_random_bytes(&bench_hsip_key, sizeof(bench_hsip_key));
	for (i = 0; i < chunk; i++)
		bench_key(i, keys + i * (key_size / 8));
	for (r = 0; r < rounds; r++) {
		for (j = 0; j < nh; j++) {
			u64 t0;

			h = r & 1 ? nh - 1 - j : j;
			t0 = bench_cycles();
			for (i = 0; i < chunk; i++)
				sink += bench_hashes[h].fn(keys + i * (key_size / 8));
			cycles[h] += bench_cycles() - t0;
		}
		cond_resched();
	}
	vfree(keys);
	for (h = 0; h < nh; h++) {
		l.len = 0;
		bench_add(&l, "workload=hash map=%s ksize=%u run=%u",
			  bench_hashes[h].name, key_size, bench_run);
		if (*tag)
			bench_add(&l, " tag=%s", tag);
		bench_add(&l, " keys=%llu ps_per_key=%llu sink=%u",
			  chunk * rounds,
			  div64_u64(bench_cyc2ns(cycles[h]) * 1000,
				    chunk * rounds), sink);
		bench_end(&l);
	}
	return 0;
}

/*
 * Per-op latency of a sequential workload: the max and mean of each run of
 * @stride ops, with the bucket count sampled at its end, to series.
 */
static void bench_series(struct bmap *m, const char *workload, u32 *lat,
			 u64 count, u64 stride, const u64 *buckets)
{
	struct bench_line l;
	u64 i, j;

	bench_start(&l, workload, m);
	bench_printf(&series, "# %s stride=%llu\n", l.buf, stride);
	bench_printf(&series, "# index max_ns mean_ns buckets\n");
	for (i = 0; i < count; i += stride) {
		u64 end = min(i + stride, count), sum = 0;
		u32 max = 0;

		for (j = i; j < end; j++) {
			sum += lat[j];
			max = max(max, lat[j]);
		}
		bench_printf(&series, "%llu %llu %llu %llu\n", end,
			     bench_cyc2ns(max),
			     bench_cyc2ns(div64_u64(sum, end - i)),
			     buckets[i / stride]);
	}
	bench_printf(&series, "\n\n");
}

/* insert 0..n-1, then settle and measure memory; the map stays full. */
static int bench_insert(struct bmap *m, u32 *lat, u64 *buckets, u64 stride)
{
	u64 key[4], value[BENCH_MAX_VSIZE / 8] = {};
	struct bmap_info info;
	u64 i, start, end, t0, t1, settle, errors = 0, gstart, gend;
	long free0, free1, real;
	struct bench_line l;
	struct bench_pct pct;
	int err;

	free0 = bench_free_pages();
	err = m->ops->create(m, false);
	if (err)
		return err;
	gstart = bench_guest_ns();
	start = bench_ns();
	for (i = 0; i < n; i++) {
		bench_key(i, key);
		value[0] = i;
		t0 = bench_cycles();
		err = m->ops->insert(m, key, value);
		t1 = bench_cycles();
		lat[i] = bench_clamp(t1 - t0);
		if (err)
			errors++;
		if ((i + 1) % stride == 0 || i + 1 == n) {
			m->ops->info(m, &info);
			buckets[i / stride] = info.buckets;
		}
		cond_resched();
	}
	end = bench_ns();
	gend = bench_guest_ns();
	settle = bmap_settle(m);
	m->ops->info(m, &info);
	free1 = bench_free_pages();

	bench_series(m, "insert", lat, n, stride, buckets);
	bench_percentiles(lat, n, &pct);
	real = (free0 - free1) * (long)PAGE_SIZE;
	bench_start(&l, "insert", m);
	bench_kv(&l, "threads", 1);
	bench_kv(&l, "ops", n);
	bench_kv(&l, "ns", end - start);
	bench_kv(&l, "ops_per_sec", bench_rate(n, end - start));
	bench_kv(&l, "ns_guest", gend - gstart);
	bench_kv(&l, "ops_per_sec_guest", bench_rate(n, gend - gstart));
	bench_kv_pct(&l, "", &pct, true);
	bench_kv(&l, "errors", errors);
	bench_kv(&l, "settle_ns", settle);
	bench_kv(&l, "ops_per_sec_settled",
		 bench_rate(n, end - start + settle));
	bench_kv(&l, "count", info.count);
	bench_kv(&l, "buckets", info.buckets);
	bench_kv(&l, "resizes", info.resizes);
	bench_kv(&l, "bytes_own", info.bytes);
	bench_kv(&l, "bytes_per_entry_own",
		 div64_u64(info.bytes, max(info.count, 1ULL)));
	bench_add(&l, " bytes_real=%ld bytes_per_entry_real=%ld", real,
		  real / (long)n);
	bench_end(&l);
	return 0;
}

/* delete every key in random order. */
static void bench_delete(struct bmap *m, u32 *lat, u64 *buckets, u64 stride)
{
	u64 i, key[4], start, end, t0, t1, settle, errors = 0, gstart, gend;
	struct bmap_info info;
	struct bench_line l;
	struct bench_pct pct;

	gstart = bench_guest_ns();
	start = bench_ns();
	for (i = 0; i < n; i++) {
		bench_key(bench_perm(i, n), key);
		t0 = bench_cycles();
		if (m->ops->remove(m, key))
			errors++;
		t1 = bench_cycles();
		lat[i] = bench_clamp(t1 - t0);
		if ((i + 1) % stride == 0 || i + 1 == n) {
			m->ops->info(m, &info);
			buckets[i / stride] = info.buckets;
		}
		cond_resched();
	}
	end = bench_ns();
	gend = bench_guest_ns();
	settle = bmap_settle(m);
	m->ops->info(m, &info);

	bench_series(m, "delete", lat, n, stride, buckets);
	bench_percentiles(lat, n, &pct);
	bench_start(&l, "delete", m);
	bench_kv(&l, "threads", 1);
	bench_kv(&l, "ops", n);
	bench_kv(&l, "ns", end - start);
	bench_kv(&l, "ops_per_sec", bench_rate(n, end - start));
	bench_kv(&l, "ns_guest", gend - gstart);
	bench_kv(&l, "ops_per_sec_guest", bench_rate(n, gend - gstart));
	bench_kv_pct(&l, "", &pct, true);
	bench_kv(&l, "errors", errors);
	bench_kv(&l, "settle_ns", settle);
	bench_kv(&l, "ops_per_sec_settled",
		 bench_rate(n, end - start + settle));
	bench_kv(&l, "count", info.count);
	bench_kv(&l, "buckets", info.buckets);
	bench_kv(&l, "resizes", info.resizes);
	bench_end(&l);
}

/* Parallel workloads: one kthread per CPU, started together. */

enum bench_kind { BK_HIT, BK_MISS, BK_CHAIN, BK_MIXED, BK_INSERT };

/* Lookups alternate between the maps in chunks of this many. */
#define BENCH_CHUNK	1024

struct bench_job {
	struct bmap *m;
	struct bmap **maps;	/* lookups: every map, full */
	unsigned int nmaps;
	enum bench_kind kind;
	unsigned int nthreads;
	u64 ops;		/* per thread */
	u64 base;		/* mixed: keys 0..base-1 stay */
	u64 slice;		/* mixed: keys each thread inserts and deletes */
	u64 busy_ns;		/* CPU time of every CPU while it ran */
	atomic_t ready;
	atomic_t running;
	struct completion start;
	struct completion done;
};

struct bench_thread {
	struct bench_job *job;
	struct task_struct *task;
	unsigned int id;
	u64 t0, t1;
	u64 hits, reads, writes, errors;
	u32 *rlat, *wlat;
	u64 nrlat, nwlat, cap_rlat, cap_wlat;
	u64 map_cycles[BENCH_MAX_MAPS], map_ops[BENCH_MAX_MAPS];
	u64 map_hits[BENCH_MAX_MAPS];
};

/*
 * Lookups [@from, @to) of a chunk on @m; returns the hits. Kept apart
 * from bench_lookup_chain(): a data dependency from one lookup's value to
 * the next key (a conditional move would make one) must not reach here.
 */
static u64 bench_lookup_run(struct bmap *m, enum bench_kind kind, u64 from,
			    u64 to)
{
	u64 key[4], value[BENCH_MAX_VSIZE / 8], i, idx, hits = 0;

	for (i = from; i < to; i++) {
		idx = bench_perm(i % n, n);
		if (kind == BK_MISS)
			idx += n;
		bench_key(idx, key);
		if (!m->ops->lookup(m, key, value))
			hits++;
	}
	return hits;
}

/*
 * BK_CHAIN: the same hits, but each next key waits for the value the last
 * lookup found (its index less the index looked up: 0, known only once
 * loaded), so no two lookups' cache misses overlap: what one lookup takes
 * from start to end, where BK_HIT lets the CPU overlap consecutive ones.
 */
static u64 bench_lookup_chain(struct bmap *m, u64 from, u64 to, u64 *dep)
{
	u64 key[4], value[BENCH_MAX_VSIZE / 8], i, idx, hits = 0;

	for (i = from; i < to; i++) {
		idx = bench_perm(i % n, n) + *dep;
		bench_key(idx, key);
		if (!m->ops->lookup(m, key, value)) {
			hits++;
			*dep = value[0] - idx;
		}
	}
	return hits;
}

/*
 * Lookups on every map of the job, alternating in chunks of BENCH_CHUNK
 * (the first map of a chunk alternates too), with the same keys in each
 * map: whatever else the host runs slows both maps alike.
 */
static void bench_lookups(struct bench_thread *th)
{
	struct bench_job *job = th->job;
	u64 c, to, t0, hits, dep = 0, first = th->id * job->ops;
	u64 end = first + job->ops;
	unsigned int j, k;

	for (c = first; c < end; c += BENCH_CHUNK) {
		for (j = 0; j < job->nmaps; j++) {
			struct bmap *m;

			k = (c / BENCH_CHUNK) & 1 ? job->nmaps - 1 - j : j;
			m = job->maps[k];
			to = min(c + BENCH_CHUNK, end);
			t0 = bench_cycles();
			if (job->kind == BK_CHAIN)
				hits = bench_lookup_chain(m, c, to, &dep);
			else
				hits = bench_lookup_run(m, job->kind, c, to);
			th->map_cycles[k] += bench_cycles() - t0;
			th->map_ops[k] += to - c;
			th->map_hits[k] += hits;
		}
		cond_resched();
	}
}

static void bench_mixed(struct bench_thread *th)
{
	struct bench_job *job = th->job;
	struct bmap *m = job->m;
	u64 key[4], value[BENCH_MAX_VSIZE / 8] = {};
	u64 rng = bench_mix(seed + th->id + 1) | 1;
	u64 first = job->base + th->id * job->slice;
	u64 i, r, idx, pos = 0, t0, t1;
	bool up = true, timed;
	int err;

	for (i = 0; i < job->ops; i++) {
		r = bench_rand(&rng);
		if (r % 10) {
			bench_key((r >> 8) % n, key);
			timed = !(th->reads & 7) && th->nrlat < th->cap_rlat;
			t0 = timed ? bench_cycles() : 0;
			if (!m->ops->lookup(m, key, value))
				th->hits++;
			if (timed) {
				t1 = bench_cycles();
				th->rlat[th->nrlat++] = bench_clamp(t1 - t0);
			}
			th->reads++;
		} else {
			if (!up)
				pos--;
			idx = first + pos;
			bench_key(idx, key);
			value[0] = idx;
			t0 = bench_cycles();
			err = up ? m->ops->insert(m, key, value) :
				   m->ops->remove(m, key);
			t1 = bench_cycles();
			if (th->nwlat < th->cap_wlat)
				th->wlat[th->nwlat++] = bench_clamp(t1 - t0);
			if (err)
				th->errors++;
			if (up && ++pos == job->slice)
				up = false;
			else if (!up && !pos)
				up = true;
			th->writes++;
		}
		if (!(i & 255))
			cond_resched();
	}
}

/* writers: each thread inserts its own slice of keys 0..n-1. */
static void bench_inserts(struct bench_thread *th)
{
	struct bench_job *job = th->job;
	u64 key[4], value[BENCH_MAX_VSIZE / 8] = {};
	u64 i, first = th->id * job->slice;
	u64 end = min_t(u64, first + job->slice, n);

	for (i = first; i < end; i++) {
		bench_key(i, key);
		value[0] = i;
		if (job->m->ops->insert(job->m, key, value))
			th->errors++;
		th->writes++;
		if (!(i & 255))
			cond_resched();
	}
}

static int bench_thread_fn(void *arg)
{
	struct bench_thread *th = arg;
	struct bench_job *job = th->job;

	atomic_inc(&job->ready);
	wait_for_completion(&job->start);
	th->t0 = bench_ns();
	if (job->kind == BK_MIXED)
		bench_mixed(th);
	else if (job->kind == BK_INSERT)
		bench_inserts(th);
	else
		bench_lookups(th);
	th->t1 = bench_ns();
	if (atomic_dec_and_test(&job->running))
		complete(&job->done);
	return 0;
}

/* Run @job on its threads; *@wall: from the first start to the last end. */
static int bench_run_threads(struct bench_job *job, struct bench_thread *ths,
			     u64 *wall)
{
	unsigned int i, started = 0;
	u64 t0 = U64_MAX, t1 = 0, span, idle;
	int err = 0;

	atomic_set(&job->ready, 0);
	atomic_set(&job->running, job->nthreads);
	init_completion(&job->start);
	init_completion(&job->done);
	for (i = 0; i < job->nthreads; i++) {
		struct task_struct *task;

		ths[i].job = job;
		ths[i].id = i;
		task = kthread_create(bench_thread_fn, &ths[i], "hmap_bench/%u",
				      i);
		if (IS_ERR(task)) {
			err = PTR_ERR(task);
			break;
		}
		get_task_struct(task);
		kthread_bind(task, cpumask_nth(i % num_online_cpus(),
					       cpu_online_mask));
		ths[i].task = task;
		started++;
	}
	if (err) {
		for (i = 0; i < started; i++) {
			kthread_stop(ths[i].task);
			put_task_struct(ths[i].task);
		}
		return err;
	}
	for (i = 0; i < started; i++)
		wake_up_process(ths[i].task);
	while (atomic_read(&job->ready) < started)
		usleep_range(100, 200);
	idle = bench_idle_ns();
	span = bench_ns();
	complete_all(&job->start);
	wait_for_completion(&job->done);
	span = (bench_ns() - span) * num_online_cpus();
	idle = bench_idle_ns() - idle;
	job->busy_ns = span > idle ? span - idle : 0;
	for (i = 0; i < started; i++) {
		kthread_stop(ths[i].task);
		put_task_struct(ths[i].task);
		t0 = min(t0, ths[i].t0);
		t1 = max(t1, ths[i].t1);
	}
	*wall = t1 - t0;
	return 0;
}

static void bench_lookup(struct bmap **maps, unsigned int nmaps,
			 enum bench_kind kind, unsigned int nthreads)
{
	struct bench_thread *ths;
	struct bench_job job = {
		.maps = maps,
		.nmaps = nmaps,
		.kind = kind,
		.nthreads = nthreads,
	};
	u64 total = lookup_ops ? lookup_ops : max(n, 200000U);
	u64 wall, hits, ops, ns, rate;
	struct bench_line l;
	unsigned int i, k;

	job.ops = DIV_ROUND_UP(total, nthreads);
	ths = kcalloc(nthreads, sizeof(*ths), GFP_KERNEL);
	if (!ths || bench_run_threads(&job, ths, &wall)) {
		pr_err("lookup: could not start %u threads\n", nthreads);
		kfree(ths);
		return;
	}
	for (k = 0; k < nmaps; k++) {
		/* Aggregate rate: the sum of each thread's rate on this map. */
		hits = 0;
		ops = 0;
		ns = 0;
		rate = 0;
		for (i = 0; i < nthreads; i++) {
			u64 t = bench_cyc2ns(ths[i].map_cycles[k]);

			hits += ths[i].map_hits[k];
			ops += ths[i].map_ops[k];
			ns += t;
			rate += bench_rate(ths[i].map_ops[k], t);
		}
		bench_start(&l, kind == BK_HIT ? "lookup_hit" :
			    kind == BK_MISS ? "lookup_miss" : "lookup_chain",
			    maps[k]);
		bench_kv(&l, "threads", nthreads);
		bench_kv(&l, "ops", ops);
		bench_kv(&l, "ns", div_u64(ns, nthreads));
		bench_kv(&l, "ops_per_sec", rate);
		bench_kv(&l, "hits", hits);
		bench_end(&l);
		if (hits != (kind == BK_MISS ? 0 : ops))
			pr_warn("lookup: %s: %llu hits of %llu lookups\n",
				maps[k]->ops->name, hits, ops);
	}
	kfree(ths);
}

static int bench_mixed_run(struct bmap *m)
{
	unsigned int nthreads = bench_threads(), i;
	u64 key[4], value[BENCH_MAX_VSIZE / 8] = {};
	struct bench_job job = {
		.m = m,
		.kind = BK_MIXED,
		.nthreads = nthreads,
	};
	u64 wall, idx, reads = 0, writes = 0, errors = 0, nr = 0, nw = 0;
	struct bmap_info before, after;
	struct bench_pct rpct, wpct;
	struct bench_thread *ths;
	struct bench_line l;
	u32 *rlat = NULL, *wlat = NULL;
	int err;

	job.base = max(n / 8, 1U);
	job.slice = (n - job.base) / nthreads;
	if (!job.slice)
		return -EINVAL;
	/* Writes are a tenth of the ops; a cycle inserts and deletes a slice. */
	job.ops = job.slice * 2 * 10 * max(mixed_cycles, 1U);

	ths = kcalloc(nthreads, sizeof(*ths), GFP_KERNEL);
	if (!ths)
		return -ENOMEM;
	for (i = 0; i < nthreads; i++) {
		ths[i].cap_rlat = job.ops / 8 + 1;
		ths[i].cap_wlat = job.ops / 5 + 1;
	}
	rlat = vmalloc_array(ths[0].cap_rlat * nthreads, sizeof(u32));
	wlat = vmalloc_array(ths[0].cap_wlat * nthreads, sizeof(u32));
	err = -ENOMEM;
	if (!rlat || !wlat)
		goto out;
	for (i = 0; i < nthreads; i++) {
		ths[i].rlat = rlat + i * ths[0].cap_rlat;
		ths[i].wlat = wlat + i * ths[0].cap_wlat;
	}

	err = m->ops->create(m, false);
	if (err)
		goto out;
	for (idx = 0; idx < job.base; idx++) {
		bench_key(idx, key);
		m->ops->insert(m, key, value);
		cond_resched();
	}
	bmap_settle(m);
	m->ops->info(m, &before);
	err = bench_run_threads(&job, ths, &wall);
	if (err) {
		m->ops->destroy(m);
		goto out;
	}
	m->ops->info(m, &after);
	m->ops->destroy(m);

	/* Gather the latencies at the front of the arrays. */
	for (i = 0; i < nthreads; i++) {
		memmove(rlat + nr, ths[i].rlat, ths[i].nrlat * sizeof(u32));
		memmove(wlat + nw, ths[i].wlat, ths[i].nwlat * sizeof(u32));
		nr += ths[i].nrlat;
		nw += ths[i].nwlat;
		reads += ths[i].reads;
		writes += ths[i].writes;
		errors += ths[i].errors;
	}
	bench_percentiles(rlat, nr, &rpct);
	bench_percentiles(wlat, nw, &wpct);
	bench_start(&l, "mixed", m);
	bench_kv(&l, "threads", nthreads);
	bench_kv(&l, "ops", reads + writes);
	bench_kv(&l, "ns", wall);
	bench_kv(&l, "ops_per_sec", bench_rate(reads + writes, wall));
	bench_kv(&l, "reads", reads);
	bench_kv(&l, "writes", writes);
	bench_kv(&l, "errors", errors);
	bench_kv_pct(&l, "read_", &rpct, false);
	bench_kv_pct(&l, "write_", &wpct, false);
	bench_kv(&l, "resizes", after.resizes - before.resizes);
	bench_end(&l);
	err = 0;
out:
	vfree(rlat);
	vfree(wlat);
	kfree(ths);
	return err;
}

/* lib/test_rhashtable.c's timed sequence; keys are {int id; int tid = 0}. */
static int bench_composite(struct bmap *m)
{
	enum { INSERT, WALK, LOOKUP, DELETE, PHASES };
	static const char * const names[PHASES] = {
		"insert_ns", "walk_ns", "lookup_ns", "delete_ns",
	};
	u64 ns[PHASES] = {}, total = 0, key, t, found = 0, walked = 0;
	u64 guest = 0, g;
	unsigned int r, i, nruns = max(runs, 1U);
	struct bench_line l;
	u8 value[1];
	int err;

	for (r = 0; r < nruns; r++) {
		err = m->ops->create(m, true);
		if (err)
			return err;
		g = bench_guest_ns();
		t = bench_ns();
		for (i = 0; i < n; i++) {
			key = (u32)(i * 2);
			m->ops->insert(m, &key, value);
			cond_resched();
		}
		ns[INSERT] += bench_ns() - t;
		t = bench_ns();
		walked += m->ops->walk(m);
		ns[WALK] += bench_ns() - t;
		t = bench_ns();
		for (i = 0; i < n; i++) {
			key = i;
			if (!m->ops->lookup(m, &key, value))
				found++;
			cond_resched();
		}
		ns[LOOKUP] += bench_ns() - t;
		t = bench_ns();
		walked += m->ops->walk(m);
		ns[WALK] += bench_ns() - t;
		t = bench_ns();
		for (i = 0; i < n; i++) {
			key = (u32)(i * 2);
			m->ops->remove(m, &key);
			cond_resched();
		}
		ns[DELETE] += bench_ns() - t;
		guest += bench_guest_ns() - g;
		m->ops->destroy(m);
	}
	bench_start(&l, "composite", m);
	bench_kv(&l, "runs", nruns);
	for (i = 0; i < PHASES; i++)
		total += ns[i];
	bench_kv(&l, "avg_ns", div_u64(total, nruns));
	bench_kv(&l, "avg_ns_guest", div_u64(guest, nruns));
	for (i = 0; i < PHASES; i++)
		bench_kv(&l, names[i], div_u64(ns[i], nruns));
	bench_kv(&l, "found", found);
	bench_kv(&l, "walked", walked);
	bench_end(&l);
	return 0;
}

/*
 * How much of the time this vCPU is not running: spin on the cycle counter
 * and count the gaps between two reads. Under TCG on a busy host a vCPU
 * thread loses the host CPU for milliseconds at a time, and every
 * measurement here pays for that; this puts a number on it.
 */
static void bench_noise(void)
{
	u64 t, prev, start, chunk_end, gap, max_gap = 0, stolen = 0;
	u64 over_100us = 0, over_1ms = 0, over_10ms = 0, elapsed;
	u64 cyc_100us = bench_khz / 10, chunk = 5ULL * bench_khz;
	unsigned int c;
	struct bench_line l = {};

	start = bench_cycles();
	for (c = 0; c < 100; c++) {		/* 100 spins of 5 ms */
		prev = bench_cycles();
		chunk_end = prev + chunk;
		do {
			t = bench_cycles();
			gap = t - prev;
			prev = t;
			if (gap < cyc_100us)
				continue;
			stolen += gap;
			max_gap = max(max_gap, gap);
			over_100us++;
			over_1ms += gap >= 10 * cyc_100us;
			over_10ms += gap >= 100 * cyc_100us;
		} while (t < chunk_end);
		cond_resched();
	}
	elapsed = bench_cycles() - start;
	bench_add(&l, "workload=noise map=none n=0 ksize=0 vsize=0 smp=%u run=0",
		  num_online_cpus());
	if (*tag)
		bench_add(&l, " tag=%s", tag);
	bench_kv(&l, "ns", bench_cyc2ns(elapsed));
	bench_kv(&l, "max_gap_ns", bench_cyc2ns(max_gap));
	bench_kv(&l, "gaps_over_100us", over_100us);
	bench_kv(&l, "gaps_over_1ms", over_1ms);
	bench_kv(&l, "gaps_over_10ms", over_10ms);
	bench_kv(&l, "stolen_permille", div64_u64(stolen * 1000, elapsed));
	bench_end(&l);
}

/*
 * writers: fill a fresh map with keys 0..n-1 by one thread, then by
 * @nthreads threads each inserting its own slice; one line each (the
 * report keys them by "threads"). writers_presized (@presized): the same
 * into maps sized for n at creation (hmap's size_hint, rhashtable's
 * nelem_hint), so no resize runs: what parallel writers gain on the
 * write path alone, with no resize work to share and no worker beside a
 * single writer. destroy_ns: how long destroying the full map took.
 */
static int bench_writers(const struct bmap_ops *ops, unsigned int nthreads,
			 bool presized)
{
	const char *name = presized ? "writers_presized" : "writers";
	unsigned int counts[2] = { 1, nthreads }, j, i;

	for (j = 0; j < ARRAY_SIZE(counts) && (!j || counts[j] > 1); j++) {
		struct bmap m = {
			.ops = ops,
			.ksize = key_size,
			.vsize = value_size,
			.size_hint = presized ? n : 0,
		};
		struct bench_job job = {
			.m = &m,
			.kind = BK_INSERT,
			.nthreads = counts[j],
			.slice = DIV_ROUND_UP(n, counts[j]),
		};
		struct bench_thread *ths;
		struct bench_line l;
		u64 wall, errors = 0, destroy_ns;
		int err;

		err = ops->create(&m, false);
		if (err)
			return err;
		ths = kcalloc(job.nthreads, sizeof(*ths), GFP_KERNEL);
		err = ths ? bench_run_threads(&job, ths, &wall) : -ENOMEM;
		destroy_ns = bench_ns();
		ops->destroy(&m);
		destroy_ns = bench_ns() - destroy_ns;
		if (!err) {
			for (i = 0; i < job.nthreads; i++)
				errors += ths[i].errors;
			bench_start(&l, name, &m);
			bench_kv(&l, "threads", job.nthreads);
			bench_kv(&l, "ops", n);
			bench_kv(&l, "ns", wall);
			bench_kv(&l, "ops_per_sec", bench_rate(n, wall));
			bench_kv(&l, "cpu_ns", job.busy_ns);
			bench_kv(&l, "cpus_permille",
				 div64_u64(job.busy_ns * 1000, max(wall, 1ULL)));
			bench_kv(&l, "ops_per_cpu_sec",
				 bench_rate(n, job.busy_ns));
			bench_kv(&l, "errors", errors);
			bench_kv(&l, "destroy_ns", destroy_ns);
			bench_end(&l);
		}
		kfree(ths);
		if (err)
			return err;
	}
	return 0;
}

static bool bench_has(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ',') &&
		    (p[len] == '\0' || p[len] == ','))
			return true;
		p += len;
	}
	return false;
}

/*
 * One run over the maps in @ops, in that order: composite; insert into
 * each map in turn (each keeps its map); lookups on all the full maps at
 * once, interleaved; delete from each in turn; mixed on each in turn.
 * Inserts, deletes and mixed stay one map at a time, so that each map's
 * background resize work runs during its own measurement.
 */
static int bench_maps(const struct bmap_ops **ops, unsigned int nmaps)
{
	unsigned int nthreads = bench_threads(), k, live = 0;
	u64 stride = max(1U, DIV_ROUND_UP(n, max(points, 1U)));
	struct bmap ms[BENCH_MAX_MAPS], *mp[BENCH_MAX_MAPS];
	u64 *buckets = NULL;
	u32 *lat = NULL;
	int err = 0;

	for (k = 0; k < nmaps; k++) {
		ms[k] = (struct bmap) {
			.ops = ops[k],
			.ksize = key_size,
			.vsize = value_size,
		};
		mp[k] = &ms[k];
	}
	if (bench_has(workloads, "hash")) {
		err = bench_hash();
		if (err)
			return err;
	}
	for (k = 0; k < nmaps && !err && bench_has(workloads, "writers"); k++)
		err = bench_writers(ops[k], nthreads, false);
	for (k = 0; k < nmaps && !err &&
	     bench_has(workloads, "writers_presized"); k++)
		err = bench_writers(ops[k], nthreads, true);
	if (err)
		return err;
	if (bench_has(workloads, "composite")) {
		for (k = 0; k < nmaps && !err; k++) {
			struct bmap m = {
				.ops = ops[k] == &hm_ops ? ops[k] :
				       rb_ops_for(ops[k]->rht_params->hashfn, 8),
				.ksize = 8,
			};

			err = bench_composite(&m);
		}
		if (err)
			return err;
	}
	if (bench_has(workloads, "insert") || bench_has(workloads, "lookup") ||
	    bench_has(workloads, "delete")) {
		lat = vmalloc_array(n, sizeof(*lat));
		buckets = vmalloc_array(DIV_ROUND_UP(n, stride),
					sizeof(*buckets));
		err = -ENOMEM;
		if (!lat || !buckets)
			goto out;
		for (live = 0; live < nmaps; live++) {
			err = bench_insert(mp[live], lat, buckets, stride);
			if (err)
				goto out;
		}
		if (bench_has(workloads, "lookup")) {
			bench_lookup(mp, nmaps, BK_HIT, 1);
			bench_lookup(mp, nmaps, BK_MISS, 1);
			if (nthreads > 1) {
				bench_lookup(mp, nmaps, BK_HIT, nthreads);
				bench_lookup(mp, nmaps, BK_MISS, nthreads);
			}
		}
		if (bench_has(workloads, "lookup_chain"))
			bench_lookup(mp, nmaps, BK_CHAIN, 1);
		for (; live; live--) {
			k = nmaps - live;
			if (bench_has(workloads, "delete"))
				bench_delete(mp[k], lat, buckets, stride);
			mp[k]->ops->destroy(mp[k]);
		}
	}
	for (k = 0; k < nmaps && !err && bench_has(workloads, "mixed"); k++)
		err = bench_mixed_run(mp[k]);
out:
	/* After a failed insert: destroy the maps that were made. */
	for (k = 0; k < live; k++)
		mp[k]->ops->destroy(mp[k]);
	vfree(lat);
	vfree(buckets);
	return err;
}

static int bench_buf_init(struct bench_buf *b, const char *name)
{
	b->blob.data = vzalloc(BENCH_BUF_SIZE);
	if (!b->blob.data)
		return -ENOMEM;
	b->cap = BENCH_BUF_SIZE;
	b->blob.size = 0;
	debugfs_create_blob(name, 0444, bench_dir, &b->blob);
	return 0;
}

static int __init hmap_bench_init(void)
{
	bool hm = bench_has(maps, "hmap"), rb = bench_has(maps, "rhashtable");
	bool rbs = bench_has(maps, "rhashtable_hsiphash");
	int err;

	if (n < 16 || n > BENCH_MAX_N || value_size > BENCH_MAX_VSIZE ||
	    (key_size != 8 && key_size != 16 && key_size != 32)) {
		pr_err("n must be 16..%u, ksize 8, 16 or 32, vsize 0..%u\n",
		       BENCH_MAX_N, BENCH_MAX_VSIZE);
		return -EINVAL;
	}
	get_random_bytes(&rbs_key, sizeof(rbs_key));

	bench_dir = debugfs_create_dir("hmap_bench", NULL);
	err = bench_buf_init(&results, "results");
	if (!err)
		err = bench_buf_init(&series, "series");
	if (err)
		goto fail;

	err = bench_clock_init();
	if (err)
		goto fail;
	pr_info("start: workloads=%s maps=%s n=%u ksize=%u vsize=%u threads=%u runs=%u clock=%s khz=%u\n",
		workloads, maps, n, key_size, value_size, bench_threads(), runs,
		bench_clock_src, bench_khz);
	bench_printf(&results, "# clock=%s khz=%u\n", bench_clock_src,
		     bench_khz);
	bench_noise();
	for (bench_run = 0; bench_run < max(runs, 1U); bench_run++) {
		const struct bmap_ops *order[BENCH_MAX_MAPS];
		unsigned int nmaps = 0;

		/* Alternate the order, so no map always runs first. */
		if (rb && (bench_run & 1))
			order[nmaps++] = rb_ops_for(false, key_size);
		if (rbs && (bench_run & 1))
			order[nmaps++] = rb_ops_for(true, key_size);
		if (hm)
			order[nmaps++] = &hm_ops;
		if (rbs && !(bench_run & 1))
			order[nmaps++] = rb_ops_for(true, key_size);
		if (rb && !(bench_run & 1))
			order[nmaps++] = rb_ops_for(false, key_size);
		err = bench_maps(order, nmaps);
		if (err)
			break;
		/* composite does its own repetitions. */
		if (bench_has(workloads, "composite"))
			break;
	}
	if (err)
		pr_err("failed: %d\n", err);
	pr_info("done\n");
	return 0;

fail:
	debugfs_remove_recursive(bench_dir);
	vfree(results.blob.data);
	vfree(series.blob.data);
	return err;
}

static void __exit hmap_bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
	vfree(results.blob.data);
	vfree(series.blob.data);
}

module_init(hmap_bench_init);
module_exit(hmap_bench_exit);
MODULE_DESCRIPTION("hmap vs. rhashtable benchmarks");
MODULE_LICENSE("GPL");
