// SPDX-License-Identifier: GPL-2.0
/*
 * hmap: a hash map that grows and shrinks incrementally, after Go's classic
 * runtime map (src/runtime/map.go, Go <= 1.23), with lockless lookups.
 *
 * A map is an array of 2^B buckets. Each bucket holds up to 8 entries; the
 * low B bits of a key's hash select its bucket, and a tophash byte per slot
 * (the hash's top 8 bits) lets a lookup skip slots without touching their
 * entries. A full bucket chains overflow buckets.
 *
 * When the average load passes 6.5 entries per bucket the map starts a
 * grow: it allocates an array twice the size and from then on every write
 * (insert, delete) evacuates the old bucket chain its key maps to and one
 * more at the evacuation mark, so no write pays for copying the whole
 * table. Old bucket i splits into new buckets i (X) and i + 2^oldB (Y) by
 * hash bit oldB. Go hashes the key again, which its bucket holds; hmap's
 * entries are out of line, and a load of each, cold in memory, was half
 * an evacuation's time: each slot keeps a split byte instead, the byte of
 * the hash that holds bit B (hmap_split()). When too many overflow
 * buckets pile up (many deletes leave sparse chains) the same machinery
 * rebuilds into an array of the same size;
 * when the load falls to a quarter of 6.5 it rebuilds into half the size,
 * merging old buckets i and i + 2^newB into new bucket i. A delayed work
 * item finishes any resize that writes leave unfinished.
 *
 * Unlike Go, hmap lets readers run during writes, and writers to different
 * chains run in parallel (see "Writers" below): lookups take only
 * rcu_read_lock(). That forces these invariants, which the code below keeps:
 *
 *  1. A lookup never misses a key that was present, unchanged, for the
 *     whole lookup, during a resize too. Once a resize begins, an old
 *     bucket chain gets no new entries; the only changes it sees are its
 *     evacuated[] flag and, when a removal could not evacuate it for lack
 *     of memory, slots cleared in place (a cleared slot is one a lookup for
 *     any other key skips, as in a chain no resize touches). A write during
 *     a resize evacuates its key's old chain first, then adds only to the
 *     new array. A lookup picks the chain to search in hmap_key_chain():
 *     the old chain while its flag is clear, else the new one.
 *  2. A lookup that starts after a delete or update returned never sees the
 *     old entry: a delete clears the slot before it returns, an update
 *     replaces the slot's pointer.
 *  3. A reader sees a value whole: entries are immutable; an update
 *     publishes a new entry with rcu_assign_pointer() and frees the old one
 *     with kfree_rcu_mightsleep().
 *  4. A write does bounded resize work: at most 2 old bucket chains plus a
 *     scan of at most HMAP_EVACUATE_SKIP evacuated flags (the mark's) and
 *     of two strides' (hmap_claim_chain()), and it allocates, zeroes or
 *     frees no bucket array larger than 2^HMAP_INLINE_LOG2 buckets (see
 *     "Arrays" below). During a resize it moves at least 1 chain, unless
 *     the chain it is handed last, at the mark, was moved (the mark may
 *     lag, see hmap_chain_moved()).
 *  5. Entries, overflow buckets and arrays are freed only after a grace
 *     period in which no lookup can still reach them, and a writer touches
 *     nothing it has handed to call_rcu(), kvfree_rcu(), kfree_rcu() or
 *     kfree_rcu_mightsleep().
 *  6. A resize finishes even when nobody writes: the background worker
 *     evacuates up to HMAP_WORKER_CHUNK chains per hold of map->lock and
 *     calls cond_resched() between chunks. A writer waiting for the lock
 *     waits for the chain the worker is in, no more: the worker ends its
 *     chunk for it and lets it in before taking the lock again
 *     (hmap_lock_for_write(), hmap_worker_let_writers_in()).
 *  7. Every chain, of the current array and of an old one, changes only
 *     under its stripe (hmap_chain_stripe(), below), evacuation included;
 *     map->table and t->old change only under map->lock with every stripe
 *     held (hmap_lock_stripes()). So a writer holding a stripe sees the
 *     arrays and whether a resize is in flight stay as they are until it
 *     lets go, and sees every change made to its chains before.
 *  8. No one reads a bucket before it is set. A grow's new array, and a
 *     rebuild's that a write allocates itself, come from the allocator
 *     with only their header and evacuated flags zeroed
 *     (t->buckets_unset); the evacuation of old chain i sets the new
 *     buckets it fills (i, and i + 2^oldB in a grow) before the release
 *     store of its flag (hmap_set_dest_buckets()), so a bucket is set by
 *     the time any reader of invariant 1 is sent there, and a writer
 *     evacuates its key's chain before it touches the new one. What walks
 *     a whole array (a clear in place, a free, a check) skips a bucket
 *     whose old chain is not evacuated (hmap_bucket_is_set()). A shrink
 *     merges two old chains into one new bucket, which a dump visits
 *     before either is evacuated: its array comes zeroed, as does a
 *     rebuild's spare, which could outlive a grow and meet a shrink.
 *
 * Writers. A write locks the chains it changes with one of
 * HMAP_WRITE_STRIPES spinlocks, chosen by the low bits of the chain's
 * index in the smaller of the arrays in flight (hmap_chain_stripe()):
 * every key of a chain shares the chain's low B bits of hash, and during a
 * resize an old chain and the new chains it splits into (a grow) or
 * merges into (a shrink) share the smaller array's, so one stripe covers
 * every chain a key's write or its chain's evacuation touches. An
 * insert, an update and a removal take nothing else (hmap_insert_fast(),
 * hmap_remove_fast()): during a resize the write evacuates its key's old
 * chain under that stripe, then one more chain under that chain's stripe,
 * handed out by hmap_claim_chain() from a stride of chains its CPU holds,
 * so that parallel writers move different chains, on different cache
 * lines (Java's ConcurrentHashMap hands out strides of bins to helping
 * writers the same way); the write whose step brings the evacuation mark
 * to the end takes map->lock to end the resize (hmap_finish_resize()).
 * Writes that start a resize or ask for a spare array take map->lock, the
 * slow path, and then the stripe of each chain they change; a removal
 * that leaves a shrink or a rebuild due takes it after its change, to
 * start that. Entries an update or a removal takes out of the map are
 * freed after a grace period (invariant 5), and no one but a lookup uses
 * an entry outside its stripe: a dump copies a range's entries out under
 * the range's stripe and hands its caller the copies
 * (hmap_dump_collect()). Nothing is allocated or freed under a stripe:
 * entries are allocated before it is taken; a step that needs overflow
 * buckets lets go, allocates them and tries again (struct hmap_spares);
 * entries taken out are handed to RCU once it is let go. The evacuation
 * mark moves under map->resize_lock, taken inside a stripe, and only by
 * the step on the chain at the mark (hmap_chain_moved()); the next stride
 * to hand out is an atomic (hmap_claim_chain()), and each stripe counts
 * the steps made under it (struct hmap_resize_counts), so writes moving
 * chains above the mark share no lock and no counter. The count is an
 * atomic that inserts take places in by batches, each stripe keeping what
 * its inserts have not used yet (hmap_count_take()), so that parallel
 * writers change its line once in up to HMAP_COUNT_BATCH_MAX inserts:
 * max_entries stays exact (no place is taken past it, and an insert that
 * finds no room gathers the stripes' places before it says -E2BIG), and
 * near a threshold places are neither taken nor kept, so a resize is
 * decided on the exact count (hmap_count_gather()); parallel writes may
 * still take it past a threshold by one entry per writer before a write
 * sees the threshold crossed and takes the slow path that starts the
 * resize.
 *
 * Arrays. Go's hashGrow allocates and zeroes the whole new array in the
 * write that crosses the threshold (as Redis' dictExpand does): at 2^20
 * buckets that write waits for 96 MB. Here a write allocates only arrays
 * of up to 2^HMAP_INLINE_LOG2 buckets (97 KiB) itself. A larger one is
 * prepared by the worker, outside map->lock, once the count is within an
 * eighth of the threshold that will need it (HMAP_SPARE_NUM/DEN), and kept
 * in map->spare, where no lookup can see it; the write that crosses the
 * threshold only publishes it. Neither zeroes a grow's array (invariant
 * 8): each step sets the two buckets it fills, which it writes next
 * anyway. The worker's zeroing of whole arrays had cost a growing fill in
 * the perf guest a quarter of its inserts' own time, on the CPU a second
 * writer needs (docs/benchmarks.md). Should it not be ready yet (the worker
 * lagging, or its allocation failing: it retries), writes go on in the
 * current array over the load factor, with longer chains, and the resize
 * starts once it is ready: in the first write after, or in the worker
 * itself when no write comes (hmap_start_waiting_resize()). The margin is
 * an eighth of the threshold's count, which the worker has to allocate an
 * array. The spare costs memory early (it is counted in memory_bytes): at
 * most one array of the next size. Arrays come exact to the page, not rounded up
 * to a power of two by kmalloc() (hmap_array_alloc()). An old array is
 * handed to call_rcu() or kvfree_rcu(), which free it after a grace
 * period from RCU's own work, not the writer's. Measured on the
 * user-space build (docs/benchmarks.md): the insert that starts a grow to
 * 2^21 buckets took 111 ms of CPU when it allocated the array, and takes
 * 14 us with a spare; the one that starts a grow to 2^11 took 147 us and
 * takes 10 us.
 *
 * Memory ordering, each pair named where its barriers are:
 *
 *  - map->table: rcu_assign_pointer() of a fully built array (and its
 *    ->old) pairs with rcu_dereference() in lookups.
 *  - A moved chain: its entries are stored in the new array, then
 *    smp_store_release() sets the old chain's evacuated flag, which a
 *    lookup reads with smp_load_acquire() before it reads the new buckets
 *    (hmap_evacuate_move() / hmap_key_chain()). The same release orders
 *    the stores that set those buckets, when their array came unset
 *    (invariant 8), before them.
 *  - The end of a resize: smp_store_release(&t->old, NULL) after the last
 *    flag; a lookup that reads t->old as NULL issues smp_rmb() before it
 *    reads the new buckets (hmap_finish_resize() / hmap_key_chain()).
 *    Without it, a weakly ordered CPU could see the resize over but the
 *    last moved bucket still empty, and miss a key (the message-passing
 *    pattern of tools/memory-model/litmus-tests/MP+poonceonces.litmus).
 *    Chains moved by other writers reach the finisher through their
 *    stripes: each evacuation ends with its stripe's unlock (release),
 *    and the finisher takes every stripe (acquire) before its release
 *    store, which carries them on (release is cumulative in the kernel
 *    memory model).
 *  - Writers: spin_unlock() of a stripe (release) pairs with the next
 *    spin_lock() of it (acquire), so a writer sees every change to its
 *    chains, and the arrays' and resize's state set under every stripe.
 *    map->resize_lock orders the moves of the mark the same way. A flag
 *    of another stripe's chain read by hmap_advance_mark() without that
 *    stripe only says the chain was moved (READ_ONCE(), no ordering
 *    needed: nothing is read through it), and the mark read without the
 *    lock only says whether to take it (hmap_chain_moved()).
 *  - A slot: the writer stores the entry pointer (rcu_assign_pointer())
 *    and then the tophash byte (WRITE_ONCE()); a lookup reads the
 *    bucket's eight tophash bytes in one load (READ_ONCE() of a word, each
 *    byte whole) and then the pointer (rcu_dereference()), and nothing
 *    orders those two loads. What makes a lookup safe is the pointer alone: the tophash
 *    is only a filter. A lookup may see a fresh tophash with a stale
 *    pointer (NULL, skipped; or an entry being replaced or freed, which
 *    RCU keeps alive and the full key comparison rejects or accepts as
 *    the lookup's linearization point), and every entry it dereferences
 *    was published by rcu_assign_pointer() (release) and is read through
 *    an address dependency. A stale tophash can only hide an entry that
 *    was not present for the whole lookup.
 *  - An overflow bucket is linked with rcu_assign_pointer() after its
 *    first slot is filled; lookups follow ->overflow with rcu_dereference().
 */
#include "hmap_internal.h"
#include "hmap.h"

/* Go's bucketCnt: slots per bucket; one tophash byte each fills a u64. */
#define HMAP_BUCKET_SLOTS	8

/*
 * Tophash values below HMAP_MIN_TOPHASH are markers; a real top byte below
 * it is bumped by it. Go also reserves 2..4 for its per-slot evacuation
 * marks; hmap marks evacuation per chain (invariant 1) but keeps the range.
 */
#define HMAP_EMPTY_REST		0	/* this slot and all after it are empty */
#define HMAP_EMPTY_ONE		1	/* this slot is empty */
#define HMAP_MIN_TOPHASH	5

/* Go's loadFactorNum/Den: 6.5 entries per bucket on average. */
#define HMAP_LOAD_NUM		13
#define HMAP_LOAD_DEN		2

/*
 * Shrink below a quarter of the grow load (1.625): a grow lands at 3.25 and
 * a shrink lands at 3.25, so either direction needs the count to change by
 * a factor of two, and a map hovering around one size never thrashes.
 */
#define HMAP_SHRINK_NUM		13
#define HMAP_SHRINK_DEN		8

/*
 * Old chains a CPU's steps are handed at once (hmap_claim_chain()): as
 * Java's ConcurrentHashMap hands its resize helpers 16 bins or more at a
 * time. 64: writes on two CPUs then move chains whose buckets, flags and
 * destinations lie on cache lines of their own, where chains handed out
 * one by one alternated between the CPUs line by line, and take the
 * shared claim index once per 64 second steps.
 */
#define HMAP_CLAIM_STRIDE	64

/* Go's advanceEvacuationMark: evacuated flags one write may skip over. */
#define HMAP_EVACUATE_SKIP	1024

/*
 * Old chains the worker evacuates per hold of map->lock: a writer waits for
 * at most this many behind the worker.
 */
#define HMAP_WORKER_CHUNK	16

/*
 * The largest bucket array a write allocates itself: 2^10 buckets, 97 KiB
 * with their evacuated flags. A resize into a larger array takes a spare
 * the worker prepared (see "Arrays" in the top comment).
 */
#define HMAP_INLINE_LOG2	10

/*
 * The worker prepares the next resize's array once the count is within an
 * eighth of the threshold that starts it: at 7/8 of the grow load, at 8/7
 * of the shrink load, at 7/8 of the overflow-bucket limit.
 */
#define HMAP_SPARE_NUM		7
#define HMAP_SPARE_DEN		8

/*
 * The worker starts this long after a resize does, so that a stream of
 * writes does the work inline and the worker only finishes what they leave.
 */
#define HMAP_WORKER_DELAY	msecs_to_jiffies(10)
#define HMAP_WORKER_RETRY	msecs_to_jiffies(100)

/*
 * Chain locks (see "Writers" in the top comment). 32: two writers on
 * different chains meet on one stripe once in 32 writes, and all of them
 * can be taken at once under map->lock (one lockdep entry with a nest
 * lock, 32 of preempt_count's 255, and under the 64 locks a thread may
 * hold in ThreadSanitizer's deadlock detector, which checks the user-space
 * build). Each has a cache line of its own (struct hmap_stripe).
 */
#define HMAP_WRITE_STRIPES	32

/* Small-table buckets one hmap_dump() call visits at most. */
#define HMAP_DUMP_MAX_RANGES	1024

/* The least a dump allocates for its copies of a range's entries. */
#define HMAP_DUMP_DATA_MIN	512

/*
 * The most a dump copies out of one range at once, unless a single group
 * of entries (equal hashes) needs more: a range of larger entries is
 * taken in parts (hmap_dump_bound()).
 */
#define HMAP_DUMP_COPY_MAX	(64 * 1024)

/*
 * A dump's buffers live for one call, on the caller's behalf: at the
 * caller's cgroup limit they fail with -ENOMEM, quietly, rather than
 * invoke the OOM killer.
 */
#define HMAP_GFP_DUMP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/*
 * The largest B: kvmalloc() refuses arrays over INT_MAX bytes, and
 * 2^24 buckets of 97 bytes (bucket and evacuated flag) take 1.63 GB. A
 * map that holds more than 6.5 * 2^24 (109 M) entries stops growing and
 * lets its chains grow longer instead.
 */
#define HMAP_LOG2_MAX		24

/**
 * struct hmap_entry - one key and its value; immutable once published
 * @hash: the key's hash, kept for evacuation and dumps.
 * @key_len: bytes of key at @data.
 * @value_len: bytes of value after the key.
 * @data: the key, then the value.
 *
 * An entry has no rcu_head: it is freed with kfree_rcu_mightsleep(), which
 * batches pointers in pages of its own (and, when it cannot get one, waits
 * for a grace period itself; writers hold a mutex and may sleep). That
 * keeps the entry of an 8-byte key and value at 32 bytes (kmalloc-32)
 * instead of 48 (kmalloc-64).
 */
struct hmap_entry {
	u64 hash;
	u32 key_len;
	u32 value_len;
	u8 data[];
};

/*
 * A bucket is 96 bytes: the eight tophash bytes and the overflow pointer
 * share the first 16 bytes, so a lookup that misses on every tophash reads
 * one cache line per bucket (an array's 80-byte header puts its buckets 16
 * bytes past a 32-byte boundary, and the 96-byte stride keeps them there);
 * the slot pointers follow, then the split byte of each used slot, which
 * only writers read: hmap_split() of its entry's hash for the array the
 * chain is in (hmap_check() verifies it). An overflow bucket's rcu_head
 * shares the split bytes' place: it is used once the bucket is unlinked,
 * or while it is unused, threaded through rcu.next (struct hmap_spares).
 */
struct hmap_bucket {
	union {
		u8 tophash[HMAP_BUCKET_SLOTS];
		u64 tophash_word;	/* the eight bytes in one load */
	};
	struct hmap_bucket __rcu *overflow;
	struct hmap_entry __rcu *slots[HMAP_BUCKET_SLOTS];
	union {
		u8 split[HMAP_BUCKET_SLOTS];
		struct rcu_head rcu;
	};
};

/*
 * Overflow buckets are allocated one by one and freed with kfree_rcu(),
 * through the bucket's rcu_head.
 */
struct hmap_overflow {
	struct hmap_bucket bucket;
};

/**
 * struct hmap_table - an array of 2^@log2 buckets
 * @old: the array being evacuated into this one, or NULL.
 * @log2: B.
 * @pages: allocated by alloc_pages_exact() (hmap_array_alloc()).
 * @buckets_unset: the buckets were left as the allocator gave them (an
 *	array for a grow or a rebuild): each is set when the old chain that
 *	evacuates into it is (invariant 8); meaningful while this is the new
 *	array of a resize in flight (@old set).
 * @fast_count_min: the fewest entries at which an insert into this array
 *	has no shrink near (hmap_table_set_fast_range()).
 * @fast_count_end: the fewest entries at which an insert has a grow near.
 * @fast_noverflow_end: the fewest overflow buckets at which an insert has
 *	a same-size rebuild near.
 * @noverflow: overflow buckets chained in this array (writers under
 *	different stripes add them at once).
 * @bytes: what the allocator gave for the array.
 * @evacuated: one flag per bucket, set once its chain is evacuated; lives
 *	after @buckets.
 * @rcu: frees the array after a grace period.
 * @buckets: the buckets.
 */
struct hmap_table {
	struct hmap_table __rcu *old;
	unsigned int log2;
	bool pages;
	bool buckets_unset;
	unsigned long fast_count_min;
	unsigned long fast_count_end;
	unsigned long fast_noverflow_end;
	atomic_long_t noverflow;
	size_t bytes;
	u8 *evacuated;
	struct rcu_head rcu;
	struct hmap_bucket buckets[];
};

/**
 * struct hmap_resize - progress of the resize in flight
 * @kind: a HMAP_RESIZING_* value; HMAP_RESIZING_NONE when none.
 * @seq: resizes started so far: which one a CPU's stride belongs to.
 * @nevacuate: old buckets below this are all evacuated (Go's mark);
 *	changed under map->resize_lock, read without it too.
 * @claim: the first old bucket of the next stride a CPU is handed
 *	(hmap_claim_chain(), lock-free), so that writes in parallel move
 *	different chains; never below @nevacuate when handed out.
 * @start_ns: when the resize started.
 *
 * How many chains and entries it moved is counted per stripe (struct
 * hmap_resize_counts).
 */
struct hmap_resize {
	u32 kind;
	unsigned long seq;
	unsigned long nevacuate;
	atomic_long_t claim;
	u64 start_ns;
};

/**
 * struct hmap_resize_counts - what a resize moved, in one stripe's chains
 * @steps_by_writes: chains evacuated by writes.
 * @steps_by_worker: chains evacuated by the worker.
 * @moved: entries moved.
 *
 * Kept under the stripe, on its cache line, so that writers evacuating in
 * parallel share no counter; summed by hmap_resize_counts_sum().
 */
struct hmap_resize_counts {
	u64 steps_by_writes;
	u64 steps_by_worker;
	u64 moved;
};

/*
 * A chain lock alone on its cache line: writers holding different stripes
 * do not take the line from each other.
 */
struct hmap_stripe {
	spinlock_t lock;	/* the chains of this stripe */
	struct hmap_resize_counts counts;	/* under @lock */
	long reserved;	/* places in map->count held for inserts; under @lock */
} ____cacheline_aligned_in_smp;

/**
 * struct hmap_stride - old chains handed out to one CPU's steps at once
 * @resize: map->resize.seq of the resize they belong to.
 * @next: the next one to hand out.
 * @end: one past the last.
 */
struct hmap_stride {
	unsigned long resize;
	unsigned long next;
	unsigned long end;
};

/**
 * struct hmap_cpu - what a map keeps per CPU
 * @memory: this CPU's part of the map's memory count (hmap_memory_add()).
 * @stride: the old chains this CPU's steps evacuate next
 *	(hmap_claim_chain()).
 */
struct hmap_cpu {
	long memory;
	struct hmap_stride stride;
};

/**
 * struct hmap - a map
 * @table: the current bucket array; during a resize its ->old is the array
 *	being evacuated.
 * @hash_key: hsiphash key, random per map.
 * @id: the id tracepoints report.
 * @max_entries: entry limit.
 * @max_key_size: key size limit.
 * @max_value_size: value size limit.
 * @min_log2: B from the size hint; the map never shrinks below it.
 * @no_shrink: HMAP_CREATE_NO_SHRINK: the map never shrinks at all.
 * @lock: serializes resizes, the worker, dumps, and writes that take the
 *	slow path (see "Writers" in the top comment).
 * @resize_lock: serializes the moves of @resize's mark among writers
 *	evacuating under different stripes; taken inside a stripe, or alone.
 * @count: entries in the map; writers under different stripes change it.
 * @resize: the resize in flight.
 * @stats: lifetime counters reported by hmap_get_stats().
 * @cpu: per CPU: bytes the allocator gave for arrays, overflow buckets
 *	and entries (sizes rounded up as kmalloc and vmalloc round them;
 *	hmap_memory_add()), and the stride of old chains the CPU's steps
 *	evacuate next.
 * @worker: prepares spare arrays and finishes resizes in the background.
 * @worker_enabled: false once the map is being destroyed (or a test wants
 *	resizes left to writes alone): the worker is not scheduled, and writes
 *	allocate every array themselves.
 * @spares_manual: a test prepares the spares (hmap_prepare_spare()); writes
 *	allocate no array larger than HMAP_INLINE_LOG2 even without a worker.
 * @spare_requested: a write asked the worker for a spare array, and the
 *	worker has not yet provided it.
 * @spare_log2: @spare's B, -1 without one; read without @lock.
 * @spare: an array for the next resize, which no lookup can reach (a
 *	grow's with its buckets unset, invariant 8; others zeroed); NULL
 *	when none was prepared.
 * @memcg: the memory cgroup every allocation is charged to, or NULL.
 * @spare_memcg: without @memcg, the cgroup of the write that asked for the
 *	spare (a reference), which the worker's allocation is charged to.
 * @spare_lock: serializes hmap_prepare_spare() calls (the worker's and a
 *	test's); writers never take it.
 * @writers_waiting: writers about to take @lock or waiting for it; the
 *	worker ends its chunk early for them (hmap_worker_chunk()).
 * @writers_admitted: writers that got @lock after waiting for it, so far;
 *	the worker waits for it to move before it takes @lock again.
 * @stripes: the chain locks: a chain of the current array is changed only
 *	under hmap_stripe() of its bucket (see "Writers" in the top comment).
 */
struct hmap {
	struct hmap_table __rcu *table;
	hsiphash_key_t hash_key;
	u32 id;
	u32 max_entries;
	u32 max_key_size;
	u32 max_value_size;
	unsigned int min_log2;
	bool no_shrink;

	struct mutex lock;	/* serializes the fields below but stripes */
	spinlock_t resize_lock;	/* moves of @resize's mark */
	struct hmap_resize resize;
	struct hmap_stats stats;
	struct delayed_work worker;
	bool worker_enabled;
	bool spares_manual;
	bool spare_requested;
	int spare_log2;
	struct hmap_table *spare;
	struct mem_cgroup *memcg;
	struct mem_cgroup *spare_memcg;
	struct mutex spare_lock;	/* serializes spare preparation */
	atomic_t writers_waiting;
	atomic_long_t writers_admitted;
	struct hmap_cpu __percpu *cpu;
	/* Changed by inserts: a line of their own, off @table's. */
	atomic_long_t count ____cacheline_aligned_in_smp;
	struct hmap_stripe stripes[HMAP_WRITE_STRIPES];	/* invariant 7 */
};

static atomic_t hmap_next_id = ATOMIC_INIT(0);

#define hmap_deref(map, p) \
	rcu_dereference_check(p, lockdep_is_held(&(map)->lock))
#define hmap_deref_locked(map, p) \
	rcu_dereference_protected(p, lockdep_is_held(&(map)->lock))

static inline unsigned long hmap_nbuckets(const struct hmap_table *t)
{
	return 1UL << t->log2;
}

static inline unsigned long hmap_mask(const struct hmap_table *t)
{
	return hmap_nbuckets(t) - 1;
}

/*
 * The stripe of chain @index of the smaller array in flight: of the current
 * array, or during a resize of the smaller of it and its old one.
 */
static inline struct hmap_stripe *hmap_stripe_of(struct hmap *map,
						 unsigned long index)
{
	return &map->stripes[index & (HMAP_WRITE_STRIPES - 1)];
}

static inline spinlock_t *hmap_stripe(struct hmap *map, unsigned long index)
{
	return &hmap_stripe_of(map, index)->lock;
}

/*
 * The stripe of the chains a key with @hash (or a chain at index @hash) is
 * in or moves between: array @t's, and during a resize @old's too
 * (invariant 7). The index is taken in the smaller array: an old chain and
 * the chains it splits into (a grow) or merges with (a shrink) share those
 * low bits, so one stripe covers every chain an evacuation changes.
 */
static inline unsigned long hmap_chain_stripe_index(const struct hmap_table *t,
						    const struct hmap_table *old,
						    u64 hash)
{
	unsigned long mask = hmap_mask(t);

	if (old)
		mask = min(mask, hmap_mask(old));
	return hash & mask;
}

/*
 * Whether @t and @old, read under RCU, are still the arrays in flight. Asked
 * under a stripe of them: a yes then holds until the stripe is let go, and
 * the writer sees every change made to their chains (invariant 7).
 */
static inline bool hmap_arrays_current(const struct hmap *map,
				       const struct hmap_table *t,
				       const struct hmap_table *old)
{
	return rcu_access_pointer(map->table) == t &&
	       rcu_access_pointer(t->old) == old;
}

static inline struct hmap_stripe *
hmap_chain_stripe_of(struct hmap *map, const struct hmap_table *t,
		     const struct hmap_table *old, u64 hash)
{
	return hmap_stripe_of(map, hmap_chain_stripe_index(t, old, hash));
}

static inline spinlock_t *hmap_chain_stripe(struct hmap *map,
					    const struct hmap_table *t,
					    const struct hmap_table *old,
					    u64 hash)
{
	return &hmap_chain_stripe_of(map, t, old, hash)->lock;
}

/*
 * The counts of the resize in flight, summed over the stripes: exact under
 * every stripe (the end of a resize, its abandon), otherwise a snapshot
 * of each stripe's as its last writer left them.
 */
static void hmap_resize_counts_sum(const struct hmap *map,
				   struct hmap_resize_counts *sum)
{
	const struct hmap_resize_counts *c;
	unsigned int i;

	*sum = (struct hmap_resize_counts) { };
	for (i = 0; i < HMAP_WRITE_STRIPES; i++) {
		c = &map->stripes[i].counts;
		sum->steps_by_writes += READ_ONCE(c->steps_by_writes);
		sum->steps_by_worker += READ_ONCE(c->steps_by_worker);
		sum->moved += READ_ONCE(c->moved);
	}
}

/*
 * At the end of a resize (or its abandon): its counts, summed into @sum
 * and into the map's lifetime counters, and the stripes' set back to 0
 * for the next one.
 * Context: map->lock and every stripe held.
 */
static void hmap_resize_counts_take(struct hmap *map,
				    struct hmap_resize_counts *sum)
{
	struct hmap_resize_counts *c;
	unsigned int i;

	hmap_resize_counts_sum(map, sum);
	map->stats.evacuated_by_writes += sum->steps_by_writes;
	map->stats.evacuated_by_worker += sum->steps_by_worker;
	for (i = 0; i < HMAP_WRITE_STRIPES; i++) {
		c = &map->stripes[i].counts;
		WRITE_ONCE(c->steps_by_writes, 0);
		WRITE_ONCE(c->steps_by_worker, 0);
		WRITE_ONCE(c->moved, 0);
	}
}

/*
 * Take every stripe, to change map->table or t->old (invariant 7). They
 * are of one lockdep class, taken under map->lock as their nest lock, which
 * lockdep then counts as one held lock.
 */
static void hmap_lock_stripes(struct hmap *map)
	__acquires(&map->stripes)
{
	unsigned int i;

	lockdep_assert_held(&map->lock);
	for (i = 0; i < HMAP_WRITE_STRIPES; i++) {
		spin_lock_nest_lock(&map->stripes[i].lock, &map->lock);
		__release(&map->stripes[i].lock);	/* sparse: one, below */
	}
	__acquire(&map->stripes);
}

static void hmap_unlock_stripes(struct hmap *map)
	__releases(&map->stripes)
{
	unsigned int i;

	__release(&map->stripes);
	for (i = HMAP_WRITE_STRIPES; i--; ) {
		__acquire(&map->stripes[i].lock);	/* see hmap_lock_stripes() */
		spin_unlock(&map->stripes[i].lock);
	}
}

/*
 * The count the fast path compares with the thresholds: the entries, and
 * the places stripes hold for inserts to come (hmap_count_take()). Near a
 * threshold no places are taken and those held are given back before a
 * resize is decided (hmap_count_gather()), so every threshold is met at
 * the exact count.
 */
static inline unsigned long hmap_count(const struct hmap *map)
{
	return atomic_long_read(&map->count);
}

/*
 * The places the stripes hold: exact under every stripe, otherwise a
 * snapshot of each stripe's as its last insert left them.
 */
static long hmap_count_places(const struct hmap *map)
{
	long places = 0;
	unsigned int i;

	for (i = 0; i < HMAP_WRITE_STRIPES; i++)
		places += READ_ONCE(map->stripes[i].reserved);
	return places;
}

/* The entries alone, as exact as hmap_count_places(). */
static unsigned long hmap_count_entries(const struct hmap *map)
{
	return hmap_count(map) - hmap_count_places(map);
}

/* A step under a stripe needs more overflow buckets than it was given. */
#define HMAP_NEED_OVERFLOW	1
/*
 * The map is full but for places other stripes hold: an insert takes
 * map->lock to gather them (hmap_count_gather()) before it says -E2BIG.
 */
#define HMAP_NEED_COUNT		2

/*
 * How many places in map->count an insert takes at once for its stripe,
 * so that writers in parallel change the shared count once in that many
 * inserts: one per 2^HMAP_COUNT_BATCH_SHIFT entries, up to
 * HMAP_COUNT_BATCH_MAX (the places held then stay under 1/128 of the
 * count, with 32 stripes); one, so that the count is exact, below
 * 2^(HMAP_COUNT_BATCH_SHIFT + 1) entries and wherever a threshold of @t
 * is near (outside its fast range); never more than the room left below
 * max_entries.
 */
#define HMAP_COUNT_BATCH_SHIFT	12
#define HMAP_COUNT_BATCH_MAX	64

static long hmap_count_batch(const struct hmap_table *t, long count,
			     long room)
{
	if (count < t->fast_count_min || count >= t->fast_count_end)
		return 1;
	return min(room, clamp_t(long, count >> HMAP_COUNT_BATCH_SHIFT, 1,
				 HMAP_COUNT_BATCH_MAX));
}

/*
 * Count one more entry, in stripe @st of array @t: from the places it
 * holds, else by taking a batch of them in map->count, never past
 * max_entries. Return 0, -E2BIG when the map holds max_entries, or
 * HMAP_NEED_COUNT when other stripes may still hold places that would let
 * it in.
 *
 * Context: @st held.
 */
static int hmap_count_take(struct hmap *map, const struct hmap_table *t,
			   struct hmap_stripe *st)
{
	long count = atomic_long_read(&map->count), room, n;

	if (st->reserved) {
		WRITE_ONCE(st->reserved, st->reserved - 1);
		return 0;
	}
	do {
		room = (long)map->max_entries - count;
		if (room <= 0)
			return hmap_count_entries(map) < map->max_entries ?
			       HMAP_NEED_COUNT : -E2BIG;
		n = hmap_count_batch(t, count, room);
	} while (!atomic_long_try_cmpxchg(&map->count, &count, count + n));
	WRITE_ONCE(st->reserved, n - 1);
	return 0;
}

/*
 * No entries and no places held: for a map emptied by a new array.
 *
 * Context: every stripe held.
 */
static void hmap_count_reset(struct hmap *map)
{
	unsigned int i;

	atomic_long_set(&map->count, 0);
	for (i = 0; i < HMAP_WRITE_STRIPES; i++)
		WRITE_ONCE(map->stripes[i].reserved, 0);
}

/*
 * Give back every place the stripes hold, so that map->count is the
 * entries: before a resize is decided, and for an insert that found the
 * map full by the places alone.
 *
 * Context: map->lock held; takes each stripe in turn.
 */
static void hmap_count_gather(struct hmap *map)
{
	struct hmap_stripe *st;
	unsigned int i;

	lockdep_assert_held(&map->lock);
	if (!hmap_count_places(map))
		return;
	for (i = 0; i < HMAP_WRITE_STRIPES; i++) {
		st = &map->stripes[i];
		spin_lock(&st->lock);
		atomic_long_sub(st->reserved, &map->count);
		WRITE_ONCE(st->reserved, 0);
		spin_unlock(&st->lock);
	}
}

static inline unsigned long hmap_noverflow(const struct hmap_table *t)
{
	return atomic_long_read(&t->noverflow);
}

/*
 * The map's hash of a key: hsiphash(), the kernel's keyed hash for hash
 * tables (on 64-bit machines SipHash-1-3, against siphash()'s 2-4: five
 * rounds for an 8-byte key instead of eight, the largest single cost of a
 * lookup hit, see docs/benchmarks.md). Its 32 bits are enough: the bucket
 * index takes bits 0..HMAP_LOG2_MAX-1 = 0..23 and the tophash bits 56..63,
 * which the copy in the high half makes bits 24..31, so the two stay
 * independent at every size. Keys whose 32-bit hashes are equal (about
 * n^2 / 2^33 pairs among n keys) cost a lookup one more key compare, and a
 * dump hands them over together (see hmap_dump()). Inline in every caller:
 * the operations compute it here rather than through the stub point
 * hmap_key_hash() (see hmap_op_hash()).
 */
static __always_inline u64 hmap_hash(const struct hmap *map,
				     const void *key, u32 key_len)
{
	u64 lo, hi;
	u32 h;

	/*
	 * Keys of 8 and 16 bytes go through the fixed-size entry points,
	 * which give hsiphash() of the same bytes read as little-endian
	 * words without its word loop and tail switch.
	 */
	if (key_len == sizeof(lo)) {
		lo = get_unaligned_le64(key);
		h = hsiphash_2u32(lower_32_bits(lo), upper_32_bits(lo),
				  &map->hash_key);
	} else if (key_len == 2 * sizeof(lo)) {
		lo = get_unaligned_le64(key);
		hi = get_unaligned_le64((const u8 *)key + sizeof(lo));
		h = hsiphash_4u32(lower_32_bits(lo), upper_32_bits(lo),
				  lower_32_bits(hi), upper_32_bits(hi),
				  &map->hash_key);
	} else {
		h = hsiphash(key, key_len, &map->hash_key);
	}
	return (u64)h << 32 | h;
}

/**
 * hmap_key_hash() - the map's keyed hash of a key
 * @map: the map.
 * @key: the key.
 * @key_len: its length.
 *
 * A KUnit static stub: tests redirect it to force chosen hashes.
 *
 * Context: Any context.
 * Return: hmap_hash() of @key.
 */
VISIBLE_IF_KUNIT u64 hmap_key_hash(const struct hmap *map, const void *key,
				   u32 key_len)
{
	KUNIT_STATIC_STUB_REDIRECT(hmap_key_hash, map, key, key_len);
	return hmap_hash(map, key, key_len);
}
EXPORT_SYMBOL_IF_KUNIT(hmap_key_hash);

/**
 * hmap_alloc_should_fail() - whether the next allocation is to fail
 * @map: the map allocating.
 * @size: the bytes it asks for.
 *
 * A KUnit static stub: tests redirect it to fail chosen allocations, or to
 * see what each call allocates.
 *
 * Context: map->lock held, creating the map, or the map's worker preparing
 * a spare array.
 * Return: false.
 */
VISIBLE_IF_KUNIT bool hmap_alloc_should_fail(const struct hmap *map,
					     size_t size)
{
	KUNIT_STATIC_STUB_REDIRECT(hmap_alloc_should_fail, map, size);
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(hmap_alloc_should_fail);

/**
 * hmap_race_window() - a place where a test may widen a race window
 * @map: the map.
 * @where: which place.
 *
 * A KUnit static stub that does nothing: stress tests redirect it to sleep
 * or wait for a grace period where a missing barrier or an early free
 * would show.
 *
 * Context: as the caller's: may be inside rcu_read_lock().
 */
VISIBLE_IF_KUNIT void hmap_race_window(const struct hmap *map,
				       enum hmap_race_point where)
{
	KUNIT_STATIC_STUB_REDIRECT(hmap_race_window, map, where);
}
EXPORT_SYMBOL_IF_KUNIT(hmap_race_window);

/**
 * hmap_buckets_left_unset() - an array's buckets were left as allocated
 * @map: the map.
 * @buckets: the first of them.
 * @size: their bytes.
 *
 * A KUnit static stub that does nothing: tests redirect it to fill the
 * buckets with a poison, so that a read of a bucket before it is set
 * (invariant 8) shows, where memory fresh from the allocator, often
 * zeroed, would hide it.
 *
 * Context: as hmap_alloc_should_fail().
 */
VISIBLE_IF_KUNIT void hmap_buckets_left_unset(const struct hmap *map,
					      void *buckets, size_t size)
{
	KUNIT_STATIC_STUB_REDIRECT(hmap_buckets_left_unset, map, buckets, size);
}
EXPORT_SYMBOL_IF_KUNIT(hmap_buckets_left_unset);

/*
 * The stub points on the paths of inserts, lookups, removals and
 * evacuations: called only while a test may redirect them
 * (hmap_stub_may_redirect()), else their own bodies inline, so that in a
 * kernel built with KUnit, where a stub point is a function of its own,
 * those paths make no call to one outside tests.
 */
static __always_inline u64 hmap_op_hash(const struct hmap *map,
					const void *key, u32 key_len)
{
	if (hmap_stub_may_redirect())
		return hmap_key_hash(map, key, key_len);
	return hmap_hash(map, key, key_len);
}

static __always_inline bool hmap_alloc_refused(const struct hmap *map,
					       size_t size)
{
	return hmap_stub_may_redirect() && hmap_alloc_should_fail(map, size);
}

static __always_inline void hmap_race_at(const struct hmap *map,
					 enum hmap_race_point where)
{
	if (hmap_stub_may_redirect())
		hmap_race_window(map, where);
}

static inline u8 hmap_tophash(u64 hash)
{
	u8 top = hash >> 56;

	return top < HMAP_MIN_TOPHASH ? top + HMAP_MIN_TOPHASH : top;
}

static inline bool hmap_slot_used(u8 tophash)
{
	return tophash >= HMAP_MIN_TOPHASH;
}

static inline const u8 *hmap_entry_value(const struct hmap_entry *e)
{
	return e->data + e->key_len;
}

/*
 * 8-byte keys, the common size, compare as one word, not by memcmp(). Word
 * loads, not memcpy() into a word: memcpy() of a constant size is not a
 * builtin on every architecture (User-Mode Linux calls it).
 */
static inline bool hmap_key_equal(const u8 *a, const void *b, u32 len)
{
	if (len != sizeof(u64))
		return !memcmp(a, b, len);
	return get_unaligned((const u64 *)a) == get_unaligned((const u64 *)b);
}

static inline bool hmap_entry_matches(const struct hmap_entry *e, u64 hash,
				      const void *key, u32 key_len)
{
	return e->hash == hash && e->key_len == key_len &&
	       hmap_key_equal(e->data, key, key_len);
}

/* Go's overLoadFactor: more than 8 entries and more than 6.5 per bucket. */
static inline bool hmap_over_load(u64 count, unsigned int log2)
{
	return count > HMAP_BUCKET_SLOTS &&
	       count * HMAP_LOAD_DEN > (u64)HMAP_LOAD_NUM << log2;
}

static inline bool hmap_under_load(const struct hmap *map, u64 count,
				   unsigned int log2)
{
	return !map->no_shrink && log2 > map->min_log2 &&
	       count * HMAP_SHRINK_DEN < (u64)HMAP_SHRINK_NUM << log2;
}

/*
 * Go's tooManyOverflowBuckets, plus a density check: rebuilding chains that
 * are more than half full would not free an overflow bucket, so a map whose
 * keys really collide (a forced hash) does not rebuild over and over.
 *
 * Go compares against 2^min(B, 15), but from B = 16 on it counts only one
 * overflow bucket in 2^(B - 15) (incrnoverflow): on the real count, which
 * hmap keeps, its limit is 2^B at every B. Capping the real count instead
 * rebuilt healthy maps from B = 21 on (a random fill to 10^7 keys: two
 * needless rebuilds of 2^21 chains).
 */
static bool hmap_too_many_overflow(const struct hmap *map,
				   const struct hmap_table *t,
				   unsigned long noverflow)
{
	u64 slots = (u64)(hmap_nbuckets(t) + noverflow) * HMAP_BUCKET_SLOTS;

	return noverflow >= hmap_nbuckets(t) && hmap_count(map) * 2 < slots;
}

/*
 * The count, and the overflow buckets, at which the spare for a resize
 * starting at @count (@noverflow) is asked for: an eighth ahead of the
 * threshold (HMAP_SPARE_NUM/DEN).
 */
static inline u64 hmap_near_grow(u64 count)
{
	return div_u64(count * HMAP_SPARE_DEN, HMAP_SPARE_NUM);
}

static inline u64 hmap_near_shrink(u64 count)
{
	return div_u64(count * HMAP_SPARE_NUM, HMAP_SPARE_DEN);
}

static inline unsigned long hmap_near_overflow(unsigned long noverflow)
{
	return noverflow + noverflow / (HMAP_SPARE_DEN - 1);
}

/* Whether an insert at @count into a 2^@log2 array has a grow, or its spare, near. */
static bool hmap_grow_near(u64 count, unsigned int log2)
{
	return log2 < HMAP_LOG2_MAX &&
	       (hmap_over_load(count + 1, log2) ||
		hmap_over_load(hmap_near_grow(count), log2));
}

/*
 * Set the range of counts, and of overflow buckets, in which an insert
 * into @t has no threshold near (hmap_insert_needs_lock()): the fast path
 * then compares two numbers where the thresholds take a division each.
 * The bounds come from the very predicates the thresholds use, by
 * bisection over counts up to 13 * 2^B (past every grow and shrink
 * threshold of the array): nearness to a grow only grows with the count,
 * to a shrink only shrinks, to an overflow rebuild only grows with
 * the overflow buckets.
 */
static void hmap_table_set_fast_range(const struct hmap *map,
				      struct hmap_table *t)
{
	u64 lo = 0, hi = (u64)HMAP_LOAD_NUM << t->log2, mid;
	unsigned long nbuckets = hmap_nbuckets(t);

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (hmap_under_load(map, hmap_near_shrink(mid), t->log2))
			lo = mid + 1;
		else
			hi = mid;
	}
	t->fast_count_min = lo;
	if (t->log2 == HMAP_LOG2_MAX) {
		t->fast_count_end = ULONG_MAX;
	} else {
		hi = (u64)HMAP_LOAD_NUM << t->log2;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (hmap_grow_near(mid, t->log2))
				hi = mid;
			else
				lo = mid + 1;
		}
		t->fast_count_end = lo;
	}
	lo = 0;
	hi = nbuckets;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (hmap_near_overflow(mid) >= nbuckets)
			hi = mid;
		else
			lo = mid + 1;
	}
	t->fast_noverflow_end = lo;
}

/* Reversed hash: the order in which dumps visit entries (see hmap_dump()). */
static inline u64 hmap_dump_order(u64 hash)
{
	return (u64)bitrev32(hash) << 32 | bitrev32(hash >> 32);
}

static inline bool hmap_resizing(const struct hmap *map)
{
	return map->resize.kind != HMAP_RESIZING_NONE;
}

static size_t hmap_buckets_size(unsigned int log2)
{
	return (1UL << log2) * sizeof(struct hmap_bucket);
}

static size_t hmap_table_size(unsigned int log2)
{
	size_t n = 1UL << log2;

	return size_add(struct_size_t(struct hmap_table, buckets, n), n);
}

/*
 * The map's memory is counted per CPU, and only hmap_get_stats() sums the CPUs'
 * parts: one shared counter that every insert and free changed moved its
 * cache line between parallel writers at each entry. A part alone may go
 * below zero (an entry freed on another CPU than it was counted on).
 */
static void hmap_memory_add(struct hmap *map, size_t bytes)
{
	this_cpu_add(map->cpu->memory, bytes);
}

static void hmap_memory_sub(struct hmap *map, size_t bytes)
{
	this_cpu_sub(map->cpu->memory, bytes);
}

/*
 * The copies are read one after another while writes go on: an entry
 * counted on a CPU already read and freed on one not read yet leaves the
 * sum short, on a small map below zero. Never below, as
 * percpu_counter_sum_positive(); exact once writes stop.
 */
static long hmap_memory_sum(const struct hmap *map)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(map->cpu, cpu)->memory);
	return max(sum, 0L);
}

/* Charge the allocations that follow to @memcg; NULL: to the caller's. */
static struct mem_cgroup *hmap_charge_begin(struct mem_cgroup *memcg)
{
	return memcg ? set_active_memcg(memcg) : NULL;
}

static void hmap_charge_end(struct mem_cgroup *memcg, struct mem_cgroup *prev)
{
	if (memcg)
		set_active_memcg(prev);
}

/*
 * An array of more than a page and up to the page allocator's largest
 * block (KMALLOC_MAX_SIZE: up to 2^15 buckets) comes from
 * alloc_pages_exact(), which returns the pages past its end: kvmalloc()
 * would serve it from kmalloc(), rounded up to a power of two, and at 81
 * bytes a bucket that wastes a third of every such array; vmalloc() would
 * map it page by page. Larger arrays come from kvmalloc()'s vmalloc(),
 * exact to the page too, smaller ones from kmalloc(). Set *@pages when the
 * array came from alloc_pages_exact().
 */
static void *hmap_array_alloc(size_t size, gfp_t gfp, bool *pages)
{
	void *p;

	*pages = size > PAGE_SIZE && size <= KMALLOC_MAX_SIZE;
	if (*pages) {
		/* Fragmented memory: rather vmalloc() than reclaim. */
		p = alloc_pages_exact(size, gfp | __GFP_NORETRY);
		if (p) {
			/* Scanned for the entries it points at, as slab is. */
			kmemleak_alloc(p, size, 1, gfp);
			return p;
		}
		*pages = false;
	}
	return kvmalloc(size, gfp);
}

/* Free the allocation of an array, which no lookup can reach any more. */
static void hmap_array_free(struct hmap_table *t)
{
	if (!t)
		return;
	if (t->pages) {
		kmemleak_free(t);
		free_pages_exact(t, t->bytes);
	} else {
		kvfree(t);
	}
}

static void hmap_array_free_rcu(struct rcu_head *head)
{
	hmap_array_free(container_of(head, struct hmap_table, rcu));
}

/*
 * Whether a resize from 2^@from_log2 to 2^@to_log2 buckets fills each new
 * chain from one old chain (a grow or a rebuild, not a shrink), so that
 * its array's buckets can be left unset until that chain is evacuated.
 */
static bool hmap_buckets_set_by_evacuation(unsigned int from_log2,
					   unsigned int to_log2)
{
	return to_log2 >= from_log2;
}

/*
 * An array of 2^@log2 buckets, charged to @memcg, not yet counted in the
 * map's memory (hmap_memory_add()). Zeroed, unless @unset: then only its
 * header and evacuated flags are, and its buckets are set one by one as
 * a grow or a rebuild evacuates into them (invariant 8), so that neither
 * the worker nor the write that allocates it zeroes the whole array. A
 * failed array allocation only postpones a resize (or fails a create or a
 * clear cleanly), so it stays quiet: __GFP_NOWARN.
 */
static struct hmap_table *hmap_table_new(const struct hmap *map,
					 unsigned int log2,
					 struct mem_cgroup *memcg, bool unset)
{
	size_t size = hmap_table_size(log2);
	size_t nbuckets = 1UL << log2;
	struct mem_cgroup *prev;
	struct hmap_table *t;
	bool pages;

	if (hmap_alloc_refused(map, size))
		return NULL;
	prev = hmap_charge_begin(memcg);
	t = hmap_array_alloc(size, GFP_KERNEL_ACCOUNT | __GFP_NOWARN |
			     (unset ? 0 : __GFP_ZERO), &pages);
	hmap_charge_end(memcg, prev);
	if (!t)
		return NULL;
	if (unset) {
		/* All but the buckets: the header, and the flags after them. */
		memset(t, 0, offsetof(struct hmap_table, buckets));
		memset(&t->buckets[nbuckets], 0, nbuckets);
		hmap_buckets_left_unset(map, t->buckets,
					hmap_buckets_size(log2));
	}
	t->evacuated = (u8 *)&t->buckets[nbuckets];
	t->buckets_unset = unset;
	t->log2 = log2;
	t->pages = pages;
	hmap_table_set_fast_range(map, t);
	t->bytes = pages || is_vmalloc_addr(t) ? PAGE_ALIGN(size) :
						 kmalloc_size_roundup(size);
	return t;
}

static struct hmap_table *hmap_table_alloc(struct hmap *map,
					   unsigned int log2, bool unset)
{
	struct hmap_table *t = hmap_table_new(map, log2, map->memcg, unset);

	if (t)
		hmap_memory_add(map, t->bytes);
	return t;
}

/* An array no lookup can reach any more once a grace period has passed. */
static void hmap_table_retire(struct hmap *map, struct hmap_table *t)
{
	hmap_memory_sub(map, t->bytes);
	/* hmap.ko's exit waits for the callback: rcu_barrier(). */
	if (t->pages)
		call_rcu(&t->rcu, hmap_array_free_rcu);
	else
		kvfree_rcu(t, rcu);
	hmap_race_at(map, HMAP_RACE_RETIRE);
}

static struct hmap_overflow *hmap_overflow_alloc(struct hmap *map)
{
	struct hmap_overflow *ov;
	struct mem_cgroup *prev;

	if (hmap_alloc_refused(map, sizeof(*ov)))
		return NULL;
	prev = hmap_charge_begin(map->memcg);
	ov = kzalloc(sizeof(*ov), GFP_KERNEL_ACCOUNT);
	hmap_charge_end(map->memcg, prev);
	if (ov)
		hmap_memory_add(map, kmalloc_size_roundup(sizeof(*ov)));
	return ov;
}

static void hmap_overflow_free_rcu(struct hmap *map, struct hmap_bucket *b)
{
	struct hmap_overflow *ov = container_of(b, struct hmap_overflow, bucket);

	hmap_memory_sub(map, kmalloc_size_roundup(sizeof(*ov)));
	kfree_rcu(ov, bucket.rcu);
}

static size_t hmap_entry_size(u32 key_len, u32 value_len)
{
	return struct_size_t(struct hmap_entry, data, key_len + value_len);
}

static struct hmap_entry *hmap_entry_alloc(struct hmap *map, u64 hash,
					   const void *key, u32 key_len,
					   const void *value, u32 value_len)
{
	size_t size = hmap_entry_size(key_len, value_len);
	struct mem_cgroup *prev;
	struct hmap_entry *e;

	if (hmap_alloc_refused(map, size))
		return NULL;
	prev = hmap_charge_begin(map->memcg);
	e = kmalloc(size, GFP_KERNEL_ACCOUNT);
	hmap_charge_end(map->memcg, prev);
	if (!e)
		return NULL;
	e->hash = hash;
	e->key_len = key_len;
	e->value_len = value_len;
	memcpy(e->data, key, key_len);
	if (value_len)
		memcpy(e->data + key_len, value, value_len);
	hmap_memory_add(map, kmalloc_size_roundup(size));
	return e;
}

static void hmap_entry_uncount(struct hmap *map, const struct hmap_entry *e)
{
	size_t size = hmap_entry_size(e->key_len, e->value_len);

	hmap_memory_sub(map, kmalloc_size_roundup(size));
}

/* An entry a lookup may still hold. Context: no stripe held (may sleep). */
static void hmap_entry_free_rcu(struct hmap *map, struct hmap_entry *e)
{
	hmap_entry_uncount(map, e);
	kfree_rcu_mightsleep(e);
}

/* An entry that was never in the map. */
static void hmap_entry_free(struct hmap *map, struct hmap_entry *e)
{
	hmap_entry_uncount(map, e);
	kfree(e);
}

/*
 * The tophash bytes of @b as one word, slot i in bits 8i..8i+7. Lookups
 * read the eight bytes in one load, writers store them one by one
 * (WRITE_ONCE() of a byte): a word is never torn within a byte, and what
 * a lookup may conclude from any mix of old and new bytes is said in the
 * top comment ("A slot").
 */
static inline u64 hmap_tophash_word(const struct hmap_bucket *b)
{
	BUILD_BUG_ON(sizeof(b->tophash) != sizeof(b->tophash_word));
	return le64_to_cpu((__force __le64)READ_ONCE(b->tophash_word));
}

/*
 * Start loading bucket @b's entries, whose loads would otherwise miss one
 * after another in a loop that reads each entry. Reads the tophash word
 * and slots as a lookup does: under RCU alone, stale values only prefetch
 * the wrong line.
 */
static inline void hmap_bucket_prefetch_entries(const struct hmap_bucket *b)
{
	u64 tophashes = hmap_tophash_word(b);
	unsigned int i;

	for (i = 0; i < HMAP_BUCKET_SLOTS; i++, tophashes >>= 8)
		if (hmap_slot_used((u8)tophashes))
			prefetch(rcu_access_pointer(b->slots[i]));
}

/* Start loading both cache lines bucket @b may straddle, for writing. */
static inline void hmap_bucket_prefetchw(const struct hmap_bucket *b)
{
	prefetchw(b);
	prefetchw((const u8 *)(b + 1) - 1);
}

#define HMAP_BYTES_ONES		0x0101010101010101ULL
#define HMAP_BYTES_HIGHS	0x8080808080808080ULL

/*
 * The slots of a tophash word whose byte may equal @byte: the high bit of
 * each byte that does is set (the word-at-a-time zero-byte test of
 * include/asm-generic/word-at-a-time.h on @word ^ @byte in every byte).
 * A byte just above an equal one may be set too when it differs from
 * @byte only in bit 0; callers check every candidate anyway. Zero exactly
 * when no byte equals @byte.
 */
static inline u64 hmap_tophash_candidates(u64 word, u8 byte)
{
	u64 x = word ^ (HMAP_BYTES_ONES * byte);

	return (x - HMAP_BYTES_ONES) & ~x & HMAP_BYTES_HIGHS;
}

/*
 * The split byte of a hash in an array of 2^@log2 buckets: byte @log2 / 8
 * of the hash, which holds bit @log2, the one a grow of that array splits
 * its chains by. An evacuation copies it unless the new array's byte is
 * another (a grow to, or shrink from, a multiple of 8): then it reads the
 * entry's hash.
 */
static inline unsigned int hmap_split_shift(unsigned int log2)
{
	return log2 & ~(BITS_PER_BYTE - 1);
}

static inline u8 hmap_split(u64 hash, unsigned int log2)
{
	return hash >> hmap_split_shift(log2);
}

/*
 * A slot is published entry first, tophash second (see the top comment);
 * the caller sets its split byte, which only writers under the chain's
 * stripe read, before.
 */
static void hmap_slot_publish(struct hmap_bucket *b, unsigned int i,
			      struct hmap_entry *e, u8 tophash)
{
	rcu_assign_pointer(b->slots[i], e);
	WRITE_ONCE(b->tophash[i], tophash);
}

/**
 * hmap_chain_find() - find a key in one bucket chain
 * @map: the map, for the lockdep check of the dereferences.
 * @b: head of the chain.
 * @hash: the key's hash.
 * @key: the key.
 * @key_len: its length.
 * @slot: if not NULL, receives the slot index of the entry.
 * @bucket: if not NULL, receives the bucket holding the entry.
 *
 * Context: rcu_read_lock() or map->lock held.
 * Return: the entry, or NULL.
 */
static __always_inline struct hmap_entry *
hmap_chain_find(struct hmap *map, struct hmap_bucket *b, u64 hash,
		const void *key, u32 key_len, unsigned int *slot,
		struct hmap_bucket **bucket)
{
	u8 top = hmap_tophash(hash);
	u64 tophashes, candidates;
	struct hmap_entry *e;
	unsigned int i;

	for (; b; b = hmap_deref(map, b->overflow)) {
		tophashes = hmap_tophash_word(b);
		candidates = hmap_tophash_candidates(tophashes, top);
		for (; candidates; candidates &= candidates - 1) {
			i = __ffs64(candidates) / BITS_PER_BYTE;
			e = hmap_deref(map, b->slots[i]);
			if (!e || !hmap_entry_matches(e, hash, key, key_len))
				continue;
			if (slot)
				*slot = i;
			if (bucket)
				*bucket = b;
			return e;
		}
		/* An EMPTY_REST slot: no entry after it, in any bucket. */
		if (hmap_tophash_candidates(tophashes, HMAP_EMPTY_REST))
			return NULL;
	}
	return NULL;
}

/*
 * The slots of a tophash word that are free (a marker below
 * HMAP_MIN_TOPHASH), as hmap_tophash_candidates() marks them: the lowest
 * marked byte is exact, and zero means none is free.
 */
static inline u64 hmap_tophash_free(u64 word)
{
	return (word - HMAP_BYTES_ONES * HMAP_MIN_TOPHASH) & ~word &
	       HMAP_BYTES_HIGHS;
}

/**
 * struct hmap_chain_spot - where a new key goes in a chain
 * @bucket: the bucket of the chain's first free slot, or NULL when the
 *	chain is full.
 * @slot: that slot.
 * @tail: the chain's last bucket, to link an overflow bucket to when full.
 */
struct hmap_chain_spot {
	struct hmap_bucket *bucket;
	unsigned int slot;
	struct hmap_bucket *tail;
};

/**
 * hmap_chain_probe() - find a key in a chain, and the slot it would take
 * @map: the map, for the lockdep check of the dereferences.
 * @b: head of the chain.
 * @e: an entry with the key, its hash and its length.
 * @found: receives the bucket and slot of the entry with the key.
 * @spot: receives where a new entry goes, valid when no entry has the key.
 *
 * One walk of the chain for an insert: hmap_chain_find()'s, noting the
 * first free slot on the way (it comes before any EMPTY_REST mark, where
 * the walk may stop).
 *
 * Context: the chain's stripe held.
 * Return: the entry with @e's key, or NULL.
 */
static struct hmap_entry *hmap_chain_probe(struct hmap *map,
					   struct hmap_bucket *b,
					   const struct hmap_entry *e,
					   struct hmap_chain_spot *found,
					   struct hmap_chain_spot *spot)
{
	u8 top = hmap_tophash(e->hash);
	u64 tophashes, candidates, free;
	struct hmap_entry *old;
	unsigned int i;

	spot->bucket = NULL;
	for (; b; b = hmap_deref(map, b->overflow)) {
		tophashes = hmap_tophash_word(b);
		free = hmap_tophash_free(tophashes);
		if (free && !spot->bucket) {
			spot->bucket = b;
			spot->slot = __ffs64(free) / BITS_PER_BYTE;
		}
		candidates = hmap_tophash_candidates(tophashes, top);
		for (; candidates; candidates &= candidates - 1) {
			i = __ffs64(candidates) / BITS_PER_BYTE;
			old = hmap_deref(map, b->slots[i]);
			if (!old ||
			    !hmap_entry_matches(old, e->hash, e->data, e->key_len))
				continue;
			found->bucket = b;
			found->slot = i;
			return old;
		}
		if (hmap_tophash_candidates(tophashes, HMAP_EMPTY_REST))
			return NULL;
		spot->tail = b;
	}
	return NULL;
}

/*
 * The chain a key lives in: the old one until it is evacuated, else the new.
 * A lockless reader reads the new array's buckets only after it has seen
 * either the old chain's evacuated flag set or t->old cleared; both were
 * stored with release after the entries they vouch for, and both are read
 * here with acquire ordering, so the reader sees those entries.
 */
static struct hmap_bucket *hmap_key_chain(struct hmap *map,
					  struct hmap_table *t, u64 hash)
{
	struct hmap_table *old = hmap_deref(map, t->old);

	if (old) {
		unsigned long ob = hash & hmap_mask(old);

		/* Pairs with smp_store_release() in hmap_evacuate_move(). */
		if (!smp_load_acquire(&old->evacuated[ob]))
			return &old->buckets[ob];
	} else {
		/*
		 * Pairs with smp_store_release(&t->old, NULL) in
		 * hmap_finish_resize(): seeing the resize over, the reader
		 * must also see the last chains it moved (rhashtable has the
		 * same smp_rmb() before it reads future_tbl).
		 */
		smp_rmb();
	}
	return &t->buckets[hash & hmap_mask(t)];
}

/*
 * During a resize into @t whose buckets were left unset, the evacuated
 * flag of the old chain that fills @t's bucket @i: the bucket holds a
 * chain once the flag is set (invariant 8). NULL when it holds one anyway.
 */
static const u8 *hmap_unset_bucket_flag(const struct hmap_table *t,
					const struct hmap_table *old,
					unsigned long i)
{
	return old && t->buckets_unset ? &old->evacuated[i & hmap_mask(old)] :
					 NULL;
}

/*
 * Whether bucket @i of @t, evacuating @old, holds a chain (invariant 8).
 * Context: bucket @i's stripe held, or the map unreachable.
 */
static bool hmap_bucket_is_set(const struct hmap_table *t,
			       const struct hmap_table *old, unsigned long i)
{
	const u8 *flag = hmap_unset_bucket_flag(t, old, i);

	return !flag || *flag;
}

/* First free slot of a chain; NULL with *tail at its last bucket if full. */
static struct hmap_bucket *hmap_chain_free_slot(struct hmap *map,
						struct hmap_bucket *b,
						unsigned int *slot,
						struct hmap_bucket **tail)
{
	unsigned int i;

	for (;;) {
		for (i = 0; i < HMAP_BUCKET_SLOTS; i++) {
			if (!hmap_slot_used(b->tophash[i])) {
				*slot = i;
				return b;
			}
		}
		*tail = b;
		b = hmap_deref(map, b->overflow);
		if (!b)
			return NULL;
	}
}

static unsigned int hmap_chain_free_slots(struct hmap *map,
					  struct hmap_bucket *b)
{
	unsigned int n = 0, i;

	for (; b; b = hmap_deref(map, b->overflow))
		for (i = 0; i < HMAP_BUCKET_SLOTS; i++)
			n += !hmap_slot_used(b->tophash[i]);
	return n;
}

/**
 * struct hmap_spares - overflow buckets a write allocates before it takes
 *	a stripe, for the chains it changes under it
 * @list: the buckets, threaded through rcu.next.
 * @n: how many @list holds.
 * @need: how many the last step under a stripe needed when @n fell
 *	short: the write lets go, allocates and tries again.
 */
struct hmap_spares {
	struct hmap_overflow *list;
	unsigned int n;
	unsigned int need;
};

/*
 * Put an entry, with its tophash and split byte, at @spot of its chain in
 * @t, or when the chain is full in the first of @spares, linked at the
 * chain's tail.
 */
static void hmap_chain_fill(struct hmap_table *t,
			    const struct hmap_chain_spot *spot,
			    struct hmap_entry *e, u8 tophash, u8 split,
			    struct hmap_spares *spares)
{
	struct hmap_overflow *ov;

	if (spot->bucket) {
		spot->bucket->split[spot->slot] = split;
		hmap_slot_publish(spot->bucket, spot->slot, e, tophash);
		return;
	}
	ov = spares->list;
	spares->list = (struct hmap_overflow *)ov->bucket.rcu.next;
	spares->n--;
	/* The split bytes take the place of rcu.next, all of it. */
	BUILD_BUG_ON(sizeof(ov->bucket.split) < sizeof(ov->bucket.rcu.next));
	memset(ov->bucket.split, 0, sizeof(ov->bucket.split));
	ov->bucket.split[0] = split;
	hmap_slot_publish(&ov->bucket, 0, e, tophash);
	/* Publishes the new bucket with its first slot already filled. */
	rcu_assign_pointer(spot->tail->overflow, &ov->bucket);
	atomic_long_inc(&t->noverflow);
}

/*
 * Put an evacuated entry, with @tophash and @split from its old slot in
 * an array of 2^@old_log2, in the first free slot of chain @head of @t,
 * linking a spare if full.
 */
static void hmap_chain_add(struct hmap *map, struct hmap_table *t,
			   struct hmap_bucket *head, struct hmap_entry *e,
			   u8 tophash, u8 split, unsigned int old_log2,
			   struct hmap_spares *spares)
{
	struct hmap_chain_spot spot;

	if (hmap_split_shift(t->log2) != hmap_split_shift(old_log2))
		split = hmap_split(e->hash, t->log2);
	spot.bucket = hmap_chain_free_slot(map, head, &spot.slot, &spot.tail);
	hmap_chain_fill(t, &spot, e, tophash, split, spares);
}

/*
 * Allocate overflow buckets until @spares holds what the last step needed.
 * Context: Process context, no stripe held, not in an RCU read section.
 */
static int hmap_spares_fill(struct hmap *map, struct hmap_spares *spares)
{
	struct hmap_overflow *ov;

	while (spares->n < spares->need) {
		ov = hmap_overflow_alloc(map);
		if (!ov)
			return -ENOMEM;
		ov->bucket.rcu.next = (struct callback_head *)spares->list;
		spares->list = ov;
		spares->n++;
	}
	return 0;
}

static void hmap_spares_free(struct hmap *map, struct hmap_spares *spares)
{
	struct hmap_overflow *ov;

	while (spares->list) {
		ov = spares->list;
		spares->list = (struct hmap_overflow *)ov->bucket.rcu.next;
		hmap_memory_sub(map, kmalloc_size_roundup(sizeof(*ov)));
		kfree(ov);
	}
	spares->n = 0;
}

/*
 * Whether every old chain of the resize in flight is evacuated.
 * Context: map->lock held.
 */
static bool hmap_resize_evacuated(struct hmap *map)
{
	struct hmap_table *t = hmap_deref_locked(map, map->table);
	struct hmap_table *old = hmap_deref_locked(map, t->old);
	bool done;

	if (!old)
		return false;
	spin_lock(&map->resize_lock);
	done = map->resize.nevacuate == hmap_nbuckets(old);
	spin_unlock(&map->resize_lock);
	return done;
}

/**
 * hmap_finish_resize() - end the resize in flight once it is evacuated
 * @map: the map.
 *
 * The write or worker whose step moved the mark to the end calls it; any
 * other call finds nothing to do.
 *
 * Context: map->lock held, no stripe.
 */
static void hmap_finish_resize(struct hmap *map)
{
	struct hmap_table *t = hmap_deref_locked(map, map->table);
	struct hmap_table *old = hmap_deref_locked(map, t->old);
	struct hmap_resize *r = &map->resize;
	struct hmap_resize_counts done;

	if (!hmap_resize_evacuated(map))
		return;
	hmap_lock_stripes(map);
	hmap_resize_counts_take(map, &done);
	trace_hmap_resize_done(map->id, r->kind, old->log2, t->log2,
			       done.steps_by_writes, done.steps_by_worker,
			       done.moved, ktime_get_ns() - r->start_ns);
	r->kind = HMAP_RESIZING_NONE;
	/*
	 * Release: a lookup that reads t->old as NULL sees every entry the
	 * resize moved into @t. Pairs with smp_rmb() in hmap_key_chain().
	 * (rcu_assign_pointer() of NULL would be a plain store.) Every
	 * evacuation was made under a stripe, each taken here since: the
	 * release covers them all. Under every stripe: a writer that takes
	 * one afterwards and sees no resize sees the moved entries too
	 * (invariant 7).
	 */
	smp_store_release(&t->old, NULL);
	hmap_unlock_stripes(map);
	/*
	 * Lookups still holding @old finish before RCU frees it;
	 * nothing here may touch @old after this.
	 */
	hmap_table_retire(map, old);
}

/* hmap_finish_resize() for a write that holds no lock. */
static void hmap_finish_resize_unlocked(struct hmap *map)
{
	mutex_lock(&map->lock);
	hmap_finish_resize(map);
	mutex_unlock(&map->lock);
}

/*
 * Go's advanceEvacuationMark: a bounded skip over evacuated buckets, after
 * a step on chain @ob. The flags of chains under other stripes are read
 * with READ_ONCE(): a flag seen set is a chain already moved.
 * Context: map->resize_lock held.
 * Return: true when this call moved the mark to the end.
 */
static bool hmap_advance_mark(struct hmap *map, struct hmap_table *old,
			      unsigned long ob)
{
	struct hmap_resize *r = &map->resize;
	unsigned long mark = ob + 1, stop;

	if (ob != r->nevacuate)
		return false;
	stop = min(mark + HMAP_EVACUATE_SKIP, hmap_nbuckets(old));
	while (mark != stop && READ_ONCE(old->evacuated[mark]))
		mark++;
	WRITE_ONCE(r->nevacuate, mark);	/* hmap_chain_moved() reads it */
	return mark == hmap_nbuckets(old);
}

/*
 * After a step on old chain @ob, whose flag is set: move the mark if it
 * stands at @ob. Only then is map->resize_lock taken, so writes moving
 * chains above the mark in parallel do not meet on it. Nothing orders
 * this read after the flag's store against an advance that reads the
 * flag before it: both may miss, and the mark then stops at a moved chain
 * until a step is handed that chain (hmap_claim_chain() hands out the
 * chain at the mark once all are handed out; the worker claims too). The
 * mark lags; nothing is lost, and no lookup reads it.
 * Context: the stripe of @ob held.
 * Return: true when this call moved the mark to the end.
 */
static bool hmap_chain_moved(struct hmap *map, struct hmap_table *old,
			     unsigned long ob)
{
	bool last;

	if (READ_ONCE(map->resize.nevacuate) != ob)
		return false;
	spin_lock(&map->resize_lock);
	last = hmap_advance_mark(map, old, ob);
	spin_unlock(&map->resize_lock);
	return last;
}

/*
 * Old chains a CPU is handed at once: at most HMAP_CLAIM_STRIDE, and at
 * most an eighth of the old array, so that on a small one several CPUs
 * still get a stride each.
 */
static inline unsigned long hmap_stride_len(unsigned long nbuckets)
{
	return clamp(nbuckets / 8, 1UL, (unsigned long)HMAP_CLAIM_STRIDE);
}

/*
 * Take the next stride from map->resize.claim for @stride, at or above
 * the mark. False when every stride is handed out.
 */
static bool hmap_claim_stride(struct hmap *map, const struct hmap_table *old,
			      unsigned long seq, struct hmap_stride *stride)
{
	struct hmap_resize *r = &map->resize;
	unsigned long n = hmap_nbuckets(old), ob, end;
	long claim = atomic_long_read(&r->claim);

	do {
		ob = max_t(unsigned long, claim, READ_ONCE(r->nevacuate));
		if (ob >= n)
			return false;
		end = min(ob + hmap_stride_len(n), n);
	} while (!atomic_long_try_cmpxchg(&r->claim, &claim, end));
	WRITE_ONCE(stride->resize, seq);
	WRITE_ONCE(stride->next, ob);
	WRITE_ONCE(stride->end, end);
	return true;
}

/*
 * The next chain of this CPU's stride not yet evacuated, or ULONG_MAX when
 * the stride is used up or belongs to another resize. Below the mark all
 * is evacuated (Go's second step is at the mark), and above it writes'
 * first steps move chains out of order: the flags read here, without the
 * chains' stripes, skip those (a bounded skip, at most a stride; a flag
 * set meanwhile only costs the step a chain already moved, as before).
 */
static unsigned long hmap_stride_next(struct hmap *map,
				      const struct hmap_table *old,
				      unsigned long seq,
				      struct hmap_stride *stride)
{
	unsigned long ob, end;

	if (READ_ONCE(stride->resize) != seq)
		return ULONG_MAX;
	ob = max(READ_ONCE(stride->next), READ_ONCE(map->resize.nevacuate));
	end = min(READ_ONCE(stride->end), hmap_nbuckets(old));
	while (ob < end && READ_ONCE(old->evacuated[ob]))
		ob++;
	if (ob >= end)
		return ULONG_MAX;
	WRITE_ONCE(stride->next, ob + 1);
	return ob;
}

/*
 * The old chain a write's second step (or the worker) works on: the next
 * of this CPU's stride not yet evacuated, or of a new one (Java's
 * ConcurrentHashMap hands out strides of bins with transferIndex the same
 * way); once all are handed out, the chain at the mark, which a step that
 * failed for lack of memory left, or which another write is still moving,
 * or which a stride of a CPU whose writes stopped still holds. ULONG_MAX
 * when the mark is at the end.
 *
 * A stride is a hint, read and written with no lock: the index handed
 * out is checked against @old, and a chain handed out twice or left in a
 * stride is safe, as a write's first step on a chain of its choosing is
 * (its flag, set under its stripe, says whether it moved; the mark stops
 * at it until a step is handed it). @old may even be an array whose
 * resize ended, and map->resize.seq the next one's.
 */
static unsigned long hmap_claim_chain(struct hmap *map,
				      const struct hmap_table *old)
{
	unsigned long seq = READ_ONCE(map->resize.seq), ob;
	struct hmap_stride *stride = &get_cpu_ptr(map->cpu)->stride;

	ob = hmap_stride_next(map, old, seq, stride);
	/* A new stride's chains may be moved too: walked the same way. */
	if (ob == ULONG_MAX && hmap_claim_stride(map, old, seq, stride))
		ob = hmap_stride_next(map, old, seq, stride);
	/*
	 * Every stride handed out, or the new one all moved: the chain at
	 * the mark, which is not (but for its lag, see hmap_chain_moved()).
	 */
	if (ob == ULONG_MAX) {
		ob = READ_ONCE(map->resize.nevacuate);
		if (ob >= hmap_nbuckets(old))
			ob = ULONG_MAX;
	}
	put_cpu_ptr(map->cpu);
	return ob;
}

/*
 * Hand chain @ob back after a step on it failed for lack of memory, if
 * this CPU's stride handed it out last: the CPU's next step retries it,
 * and a write still moves the mark (Go retries the chain at its mark the
 * same way).
 */
static void hmap_unclaim_chain(struct hmap *map, unsigned long ob)
{
	struct hmap_stride *stride = &get_cpu_ptr(map->cpu)->stride;

	if (READ_ONCE(stride->resize) == READ_ONCE(map->resize.seq) &&
	    READ_ONCE(stride->next) == ob + 1)
		WRITE_ONCE(stride->next, ob);
	put_cpu_ptr(map->cpu);
}

/*
 * Whether a slot of an old chain, with split byte @split, moves to the
 * grown half of @t: bit B of its hash, B the old array's log2.
 * Never for a shrink or a same-size rebuild.
 */
static inline bool hmap_dest_is_y(const struct hmap_table *t,
				  const struct hmap_table *old, u8 split)
{
	return t->log2 > old->log2 &&
	       (split >> (old->log2 - hmap_split_shift(old->log2)) & 1);
}

/* Overflow buckets the new array needs to take old chain @ob. */
static unsigned int hmap_evacuate_plan(struct hmap *map, struct hmap_table *t,
				       struct hmap_table *old, unsigned long ob)
{
	unsigned long dest[2] = { ob & hmap_mask(t), ob + hmap_nbuckets(old) };
	unsigned int moving[2] = { 0, 0 }, need = 0, d, i;
	struct hmap_bucket *b;
	const u8 *split;

	for (b = &old->buckets[ob]; b; b = hmap_deref(map, b->overflow)) {
		split = b->split;
		for (i = 0; i < HMAP_BUCKET_SLOTS; i++)
			if (hmap_slot_used(b->tophash[i]))
				moving[hmap_dest_is_y(t, old, split[i])]++;
	}
	for (d = 0; d < 2; d++) {
		unsigned int free;

		if (!moving[d])
			continue;
		/* Unset buckets are empty: this evacuation sets them. */
		free = t->buckets_unset ? HMAP_BUCKET_SLOTS :
			hmap_chain_free_slots(map, &t->buckets[dest[d]]);
		if (moving[d] > free)
			need += DIV_ROUND_UP(moving[d] - free,
					     HMAP_BUCKET_SLOTS);
	}
	return need;
}

/*
 * Make unset bucket @b (invariant 8) an empty chain head: its tophash
 * bytes, overflow link and slot pointers, the fields lookups read (a split
 * byte is read only for a used slot). Marked as the stores lookups pair
 * with are, though none reads @b yet: the release store of the evacuated
 * flag that vouches for @b comes after (hmap_evacuate_move()). The tophash
 * bytes one by one, as every other store of them.
 */
static void hmap_bucket_set_empty(struct hmap_bucket *b)
{
	unsigned int i;

	RCU_INIT_POINTER(b->overflow, NULL);
	for (i = 0; i < HMAP_BUCKET_SLOTS; i++) {
		WRITE_ONCE(b->tophash[i], HMAP_EMPTY_REST);
		RCU_INIT_POINTER(b->slots[i], NULL);
	}
}

/*
 * Set the buckets old chain @ob evacuates into, @t's being unset (a grow
 * or a rebuild, invariant 8): X, and Y in a grow, even if it gets nothing.
 */
static void hmap_set_dest_buckets(struct hmap_table *t,
				  const struct hmap_table *old, unsigned long ob)
{
	hmap_bucket_set_empty(&t->buckets[ob]);
	if (t->log2 > old->log2)
		hmap_bucket_set_empty(&t->buckets[ob + hmap_nbuckets(old)]);
}

/* Move old chain @ob's entries into @t; count them in @moved (X, Y). */
static void hmap_evacuate_move(struct hmap *map, struct hmap_table *t,
			       struct hmap_table *old, unsigned long ob,
			       struct hmap_spares *spares, unsigned int *moved)
{
	unsigned long dest[2] = { ob & hmap_mask(t), ob + hmap_nbuckets(old) };
	struct hmap_bucket *b, *next;
	struct hmap_entry *e;
	unsigned int i, d;
	const u8 *split;

	if (t->buckets_unset)
		hmap_set_dest_buckets(t, old, ob);
	for (b = &old->buckets[ob]; b; b = hmap_deref(map, b->overflow)) {
		split = b->split;
		for (i = 0; i < HMAP_BUCKET_SLOTS; i++) {
			if (!hmap_slot_used(b->tophash[i]))
				continue;
			e = hmap_deref(map, b->slots[i]);
			d = hmap_dest_is_y(t, old, split[i]);
			hmap_chain_add(map, t, &t->buckets[dest[d]], e,
				       b->tophash[i], split[i], old->log2,
				       spares);
			moved[d]++;
		}
	}
	hmap_race_at(map, HMAP_RACE_EVACUATE);
	/*
	 * Release: a lookup that reads the flag set sees the entries in
	 * their new chains. Pairs with smp_load_acquire() in hmap_key_chain().
	 */
	smp_store_release(&old->evacuated[ob], 1);

	/* No new lookup reaches the old overflow buckets after the flag. */
	for (b = hmap_deref(map, old->buckets[ob].overflow); b; b = next) {
		next = hmap_deref(map, b->overflow);
		hmap_overflow_free_rcu(map, b);
	}
}

/**
 * hmap_evacuate() - a step of the resize: old chain @ob into the new array
 * @map: the map.
 * @t: the current array.
 * @old: its old array.
 * @ob: index of the chain in @old.
 * @steps: chains the current write moved so far (the tracepoint's
 *	write_step is one more), counted up when this one moves; NULL for
 *	the worker.
 * @spares: overflow buckets allocated beforehand; the new chains take
 *	what they need.
 * @last: set when this step moved the mark to the end: the caller
 *	finishes the resize once it holds no stripe (hmap_finish_resize()).
 *
 * Every overflow bucket the new chains need is in hand before anything
 * changes, so a chain moves whole or not at all. Like Go's evacuate(), it
 * advances the evacuation mark when @ob is at the mark, evacuated before
 * or not.
 *
 * Context: the stripe of @ob held (hmap_chain_stripe()), @t current and
 * @old its old array; rcu_read_lock() or map->lock held.
 * Return: 0, or HMAP_NEED_OVERFLOW when @spares holds fewer buckets than
 * the chain needs (spares->need says how many; nothing changed).
 */
static int hmap_evacuate(struct hmap *map, struct hmap_table *t,
			 struct hmap_table *old, unsigned long ob,
			 unsigned int *steps, struct hmap_spares *spares,
			 bool *last)
{
	struct hmap_resize_counts *counts;
	unsigned int moved[2] = { 0, 0 }, need;
	bool now = !old->evacuated[ob];	/* set only under this stripe */
	u64 start = 0;

	if (now) {
		need = hmap_evacuate_plan(map, t, old, ob);
		if (need > spares->n) {
			spares->need = need;
			return HMAP_NEED_OVERFLOW;
		}
		if (trace_hmap_evacuate_enabled())
			start = ktime_get_ns();
		hmap_evacuate_move(map, t, old, ob, spares, moved);
	}
	*last |= hmap_chain_moved(map, old, ob);
	if (!now)
		return 0;
	/* Under the stripe: WRITE_ONCE() for hmap_resize_counts_sum(). */
	counts = &hmap_stripe_of(map, hmap_chain_stripe_index(t, old, ob))->counts;
	WRITE_ONCE(counts->moved, counts->moved + moved[0] + moved[1]);
	if (steps)
		WRITE_ONCE(counts->steps_by_writes, counts->steps_by_writes + 1);
	else
		WRITE_ONCE(counts->steps_by_worker, counts->steps_by_worker + 1);
	/* The mark as this step left it: no resize ends under the stripe. */
	trace_hmap_evacuate(map->id, map->resize.kind, ob, moved[0], moved[1],
			    READ_ONCE(map->resize.nevacuate),
			    hmap_nbuckets(old), steps ? *steps + 1 : 0,
			    start ? ktime_get_ns() - start : 0);
	if (steps)
		(*steps)++;
	return 0;
}

/**
 * hmap_evacuate_locked() - hmap_evacuate() for a holder of map->lock
 * @map: the map.
 * @ob: index of the chain in the old array.
 * @steps: as hmap_evacuate()'s.
 *
 * Takes the chain's stripe, and lets go of it to allocate the overflow
 * buckets the chain needs; map->lock keeps the resize in flight meanwhile.
 * Finishes the resize when the step was its last.
 *
 * Context: map->lock held, a resize in flight; may sleep.
 * Return: 0, or -ENOMEM (the chain stays where it is).
 */
static int hmap_evacuate_locked(struct hmap *map, unsigned long ob,
				unsigned int *steps)
{
	struct hmap_table *t = hmap_deref_locked(map, map->table);
	struct hmap_table *old = hmap_deref_locked(map, t->old);
	spinlock_t *stripe = hmap_chain_stripe(map, t, old, ob);
	struct hmap_spares spares = { };
	bool last = false;
	int ret;

	for (;;) {
		spin_lock(stripe);
		ret = hmap_evacuate(map, t, old, ob, steps, &spares, &last);
		spin_unlock(stripe);
		if (ret != HMAP_NEED_OVERFLOW)
			break;
		ret = hmap_spares_fill(map, &spares);
		if (ret)
			break;
	}
	hmap_spares_free(map, &spares);
	if (last)
		hmap_finish_resize(map);
	return ret;
}

/**
 * hmap_grow_work() - a write's share of the resize in flight, under map->lock
 * @map: the map.
 * @hash: hash of the key the write is about.
 * @steps: as hmap_evacuate()'s: chains the write moved before it took
 *	map->lock count toward its two.
 *
 * Go's growWork: evacuate the old chain of the write's key, then one more
 * (hmap_claim_chain()). Failing the second only delays the resize.
 *
 * Context: map->lock held.
 * Return: 0, or -ENOMEM if the key's own chain could not be evacuated.
 */
static int hmap_grow_work(struct hmap *map, u64 hash, unsigned int *steps)
{
	struct hmap_table *t = hmap_deref_locked(map, map->table);
	struct hmap_table *old = hmap_deref_locked(map, t->old);
	unsigned long ob;
	int ret;

	if (!old)
		return 0;
	ret = hmap_evacuate_locked(map, hash & hmap_mask(old), steps);
	if (ret || !hmap_resizing(map) || *steps >= 2)
		return ret;
	ob = hmap_claim_chain(map, old);
	if (ob != ULONG_MAX && hmap_evacuate_locked(map, ob, steps))
		hmap_unclaim_chain(map, ob);
	return 0;
}

/*
 * B of the array the next resize will need, when its threshold is near
 * (within the HMAP_SPARE_NUM/DEN margin) and the array is too large for a
 * write to allocate; -1 otherwise.
 */
static int hmap_spare_log2(const struct hmap *map, const struct hmap_table *t)
{
	u64 count = hmap_count(map);
	int log2 = -1;

	if (t->log2 < HMAP_LOG2_MAX &&
	    hmap_over_load(hmap_near_grow(count), t->log2))
		log2 = t->log2 + 1;
	else if (hmap_under_load(map, hmap_near_shrink(count), t->log2))
		log2 = t->log2 - 1;
	else if (hmap_too_many_overflow(map, t,
					hmap_near_overflow(hmap_noverflow(t))))
		log2 = t->log2;
	return log2 > HMAP_INLINE_LOG2 ? log2 : -1;
}

/* Whether writes leave the arrays over HMAP_INLINE_LOG2 to the worker. */
static bool hmap_spares_used(const struct hmap *map)
{
	return map->worker_enabled || map->spares_manual;
}

/*
 * Whether the next resize's spare is near, not there and not asked for.
 * hmap_insert_fast() asks without map->lock, and takes the lock to ask
 * the worker when the answer is yes (a stale answer costs a slow path, or
 * leaves the request to the next write).
 */
static bool hmap_spare_wanted(const struct hmap *map,
			      const struct hmap_table *t)
{
	int log2;

	if (READ_ONCE(map->spare_requested))
		return false;
	log2 = hmap_spare_log2(map, t);
	return log2 >= 0 && READ_ONCE(map->spare_log2) != log2;
}

/* Context: map->lock held. */
static void hmap_set_spare(struct hmap *map, struct hmap_table *spare)
{
	map->spare = spare;
	WRITE_ONCE(map->spare_log2, spare ? (int)spare->log2 : -1);
}

/*
 * Ask the worker for the spare the next resize will need, if it is near
 * and not there yet. The worker allocates it outside map->lock; without a
 * cgroup of the map's own, it is charged to the caller's (as the array was
 * when writes allocated it).
 */
static void hmap_request_spare(struct hmap *map, const struct hmap_table *t)
{
	if (!hmap_spares_used(map) || !hmap_spare_wanted(map, t))
		return;
	WRITE_ONCE(map->spare_requested, true);
	if (!map->memcg && !map->spare_memcg)
		map->spare_memcg = get_mem_cgroup_from_mm(current->mm);
	if (map->worker_enabled)
		mod_delayed_work(system_unbound_wq, &map->worker, 0);
}

/*
 * The array a resize into 2^@log2 buckets uses: the spare when it has that
 * size; else a small one allocated here; else NULL, and the resize waits
 * for the worker to prepare one (the write goes on at a load over the
 * threshold, see "Arrays" in the top comment). A grow's array, and a
 * rebuild's allocated here, come with their buckets unset (invariant 8).
 */
static struct hmap_table *hmap_take_array(struct hmap *map,
					  unsigned int log2)
{
	struct hmap_table *cur = hmap_deref_locked(map, map->table);
	bool unset = hmap_buckets_set_by_evacuation(cur->log2, log2);
	struct hmap_table *t = map->spare;

	if (t && t->log2 == log2) {
		hmap_set_spare(map, NULL);
		/*
		 * An unset spare is a grow's (hmap_install_spare()), and the
		 * array never grows past a spare without taking it: no shrink
		 * or rebuild meets one. Should one, it would need the spare
		 * zeroed, which no write does (invariant 4): it is handed to
		 * RCU to free, as an old array is.
		 */
		if (!WARN_ON_ONCE(t->buckets_unset && !unset))
			return t;
		hmap_table_retire(map, t);
	}
	if (log2 <= HMAP_INLINE_LOG2 || !hmap_spares_used(map))
		return hmap_table_alloc(map, log2, unset);
	hmap_request_spare(map, cur);
	return NULL;
}

/**
 * hmap_start_resize() - begin evacuating into a new array
 * @map: the map.
 * @kind: grow, same-size or shrink.
 *
 * Go's hashGrow, without its allocation of the whole array: the array is
 * the spare the worker prepared, or a small one (hmap_take_array()); writes
 * and the worker move the entries.
 *
 * Context: map->lock held; no resize in flight.
 * Return: 0, or -ENOMEM when no array is ready yet.
 */
static int hmap_start_resize(struct hmap *map, u32 kind)
{
	struct hmap_table *t = hmap_deref_locked(map, map->table);
	unsigned int log2 = t->log2;
	struct hmap_table *nt;

	if (kind == HMAP_RESIZING_GROW)
		log2++;
	else if (kind == HMAP_RESIZING_SHRINK)
		log2--;
	nt = hmap_take_array(map, log2);
	if (!nt)
		return -ENOMEM;
	RCU_INIT_POINTER(nt->old, t);
	if (kind == HMAP_RESIZING_GROW)
		map->stats.grows++;
	else if (kind == HMAP_RESIZING_SAME_SIZE)
		map->stats.same_size_grows++;
	else
		map->stats.shrinks++;
	/*
	 * Under every stripe: no write evacuates before the resize's state is
	 * set and its start traced.
	 */
	hmap_lock_stripes(map);
	map->resize.kind = kind;
	map->resize.start_ns = ktime_get_ns();
	/* Marked: hmap_claim_chain() reads them under no lock. */
	WRITE_ONCE(map->resize.seq, map->resize.seq + 1);
	WRITE_ONCE(map->resize.nevacuate, 0);
	atomic_long_set(&map->resize.claim, 0);
	trace_hmap_resize_start(map->id, kind, t->log2, log2, hmap_count(map));
	/* Publishes @nt together with its ->old (release). */
	rcu_assign_pointer(map->table, nt);
	hmap_unlock_stripes(map);
	if (map->worker_enabled)
		mod_delayed_work(system_unbound_wq, &map->worker,
				 HMAP_WORKER_DELAY);
	return 0;
}

/* Go's emptyRest upkeep after clearing slot @i of bucket @b in chain @head. */
static void hmap_mark_empty_rest(struct hmap *map, struct hmap_bucket *head,
				 struct hmap_bucket *b, unsigned int i)
{
	struct hmap_bucket *next = hmap_deref(map, b->overflow);
	struct hmap_bucket *c;

	if (i == HMAP_BUCKET_SLOTS - 1) {
		if (next && next->tophash[0] != HMAP_EMPTY_REST)
			return;
	} else if (b->tophash[i + 1] != HMAP_EMPTY_REST) {
		return;
	}
	for (;;) {
		WRITE_ONCE(b->tophash[i], HMAP_EMPTY_REST);
		if (i == 0) {
			if (b == head)
				return;
			c = b;
			for (b = head; hmap_deref(map, b->overflow) != c;
			     b = hmap_deref(map, b->overflow))
				;
			i = HMAP_BUCKET_SLOTS - 1;
		} else {
			i--;
		}
		if (b->tophash[i] != HMAP_EMPTY_ONE)
			return;
	}
}

/*
 * Empty slot @i of bucket @b in chain @head; return its entry, which the
 * caller frees with hmap_entry_free_rcu() once it holds no stripe.
 *
 * Context: the chain's stripe held.
 */
static struct hmap_entry *hmap_slot_clear(struct hmap *map,
					  struct hmap_bucket *head,
					  struct hmap_bucket *b, unsigned int i)
{
	struct hmap_entry *e = hmap_deref(map, b->slots[i]);

	WRITE_ONCE(b->tophash[i], HMAP_EMPTY_ONE);
	RCU_INIT_POINTER(b->slots[i], NULL);
	hmap_mark_empty_rest(map, head, b, i);
	atomic_long_dec(&map->count);
	return e;
}

static int hmap_check_key(const struct hmap *map, u32 key_len)
{
	if (!key_len)
		return -EINVAL;
	return key_len > map->max_key_size ? -EMSGSIZE : 0;
}

static int hmap_copy_value(const struct hmap_entry *e, void *value,
			   u32 *value_len)
{
	u32 room = *value_len;

	*value_len = e->value_len;
	if (e->value_len > room)
		return -ENOSPC;
	/* 8-byte values, the common size, as one word (see hmap_key_equal()). */
	if (e->value_len == sizeof(u64))
		put_unaligned(get_unaligned((const u64 *)hmap_entry_value(e)),
			      (u64 *)value);
	else if (e->value_len)
		memcpy(value, hmap_entry_value(e), e->value_len);
	return 0;
}

/*
 * Take map->lock for a write. A writer that finds it held counts itself in
 * writers_waiting while it waits, and the worker gives the lock up after
 * the chain it is evacuating when it sees one (hmap_worker_chunk()): a
 * writer waits for at most a chain or two of the worker's, not for a whole
 * chunk. An uncontended write touches neither counter. The count is a
 * hint, read with no ordering: a worker that misses it keeps the lock for
 * the rest of its chunk, no longer.
 */
static void hmap_lock_for_write(struct hmap *map)
{
	if (mutex_trylock(&map->lock))
		return;
	atomic_inc(&map->writers_waiting);
	mutex_lock(&map->lock);
	atomic_dec(&map->writers_waiting);
	atomic_long_inc(&map->writers_admitted);
}

/*
 * The resize @t holding @entries entries calls for: a change of size in
 * the direction of @size_kind (HMAP_RESIZING_GROW or _SHRINK) past its
 * threshold, else a same-size rebuild when overflow buckets pile up, else
 * HMAP_RESIZING_NONE.
 */
static u32 hmap_resize_due(const struct hmap *map, const struct hmap_table *t,
			   u64 entries, u32 size_kind)
{
	if (size_kind == HMAP_RESIZING_GROW && t->log2 < HMAP_LOG2_MAX &&
	    hmap_over_load(entries, t->log2))
		return HMAP_RESIZING_GROW;
	if (size_kind == HMAP_RESIZING_SHRINK &&
	    hmap_under_load(map, entries, t->log2))
		return HMAP_RESIZING_SHRINK;
	if (hmap_too_many_overflow(map, t, hmap_noverflow(t)))
		return HMAP_RESIZING_SAME_SIZE;
	return HMAP_RESIZING_NONE;
}

/*
 * Start whatever resize an insert of a new key calls for. Failing to
 * allocate the new array only postpones the resize; failing to evacuate the
 * key's old chain afterwards fails the insert, which must not add the key
 * to the new array while lookups still read the old chain.
 */
static int hmap_resize_for_insert(struct hmap *map, u64 hash)
{
	struct hmap_table *t = hmap_deref_locked(map, map->table);
	unsigned int steps = 0;
	u32 kind;

	if (hmap_resizing(map))
		return 0;
	hmap_count_gather(map);
	kind = hmap_resize_due(map, t, hmap_count(map) + 1,
			       HMAP_RESIZING_GROW);
	if (kind == HMAP_RESIZING_NONE) {
		hmap_request_spare(map, t);
		return 0;
	}
	if (hmap_start_resize(map, kind))
		return 0;
	return hmap_grow_work(map, hash, &steps);
}

/* Start whatever resize a delete calls for; may fail quietly. */
static void hmap_resize_for_delete(struct hmap *map, u64 hash)
{
	struct hmap_table *t = hmap_deref_locked(map, map->table);
	unsigned int steps = 0;
	u32 kind;

	if (hmap_resizing(map))
		return;
	hmap_count_gather(map);
	kind = hmap_resize_due(map, t, hmap_count(map), HMAP_RESIZING_SHRINK);
	if (kind == HMAP_RESIZING_NONE)
		hmap_request_spare(map, t);
	else if (!hmap_start_resize(map, kind))
		hmap_grow_work(map, hash, &steps);
}

/**
 * hmap_chain_insert() - put an entry in its chain of the current array
 * @map: the map.
 * @t: the current array.
 * @st: the chain's stripe.
 * @e: the entry, allocated and filled in.
 * @flags: as hmap_insert()'s.
 * @spares: overflow buckets; one is taken if the chain is full.
 * @replaced: receives the entry @e replaces; NULL to decline updates.
 *
 * Context: @st held; during a resize, with the key's old chain evacuated.
 * Return: 0 when @e is in the map; -EEXIST, -ENOENT or -E2BIG as
 * hmap_insert(); -EAGAIN for an update when @replaced is NULL;
 * HMAP_NEED_OVERFLOW when the chain is full and @spares empty;
 * HMAP_NEED_COUNT as hmap_count_take(). On any return but 0 the map is
 * unchanged.
 */
static int hmap_chain_insert(struct hmap *map, struct hmap_table *t,
			     struct hmap_stripe *st, struct hmap_entry *e,
			     u64 flags, struct hmap_spares *spares,
			     struct hmap_entry **replaced)
{
	struct hmap_bucket *head = &t->buckets[e->hash & hmap_mask(t)];
	struct hmap_chain_spot found, spot;
	struct hmap_entry *old;
	int ret;

	old = hmap_chain_probe(map, head, e, &found, &spot);
	if (old) {
		if (flags == HMAP_PUT_NOEXIST)
			return -EEXIST;
		if (!replaced)
			return -EAGAIN;
		rcu_assign_pointer(found.bucket->slots[found.slot], e);
		*replaced = old;
		return 0;
	}
	if (flags == HMAP_PUT_EXIST)
		return -ENOENT;
	if (!spot.bucket && !spares->n) {
		spares->need = 1;
		return HMAP_NEED_OVERFLOW;
	}
	ret = hmap_count_take(map, t, st);
	if (ret)
		return ret;
	hmap_chain_fill(t, &spot, e, hmap_tophash(e->hash),
			hmap_split(e->hash, t->log2), spares);
	return 0;
}

/*
 * Whether the count and the overflow buckets of @t are in the range where
 * neither a resize nor its spare is near (hmap_table_set_fast_range()):
 * two comparisons, where the thresholds take a division each.
 */
static bool hmap_no_threshold_near(const struct hmap *map,
				   const struct hmap_table *t)
{
	unsigned long count = hmap_count(map);

	return count >= t->fast_count_min && count < t->fast_count_end &&
	       hmap_noverflow(t) < t->fast_noverflow_end;
}

/*
 * Whether an insert into @t, with no resize in flight, must take map->lock:
 * a resize due (the grow or rebuild to start), or a spare array to ask the
 * worker for. Read without the lock: a threshold a stale count hides is
 * seen by the next insert (see "Writers" in the top comment).
 */
static bool hmap_insert_needs_lock(const struct hmap *map,
				   const struct hmap_table *t)
{
	if (hmap_no_threshold_near(map, t))
		return false;
	return (t->log2 < HMAP_LOG2_MAX &&
		hmap_over_load(hmap_count(map) + 1, t->log2)) ||
	       hmap_too_many_overflow(map, t, hmap_noverflow(t)) ||
	       hmap_spare_wanted(map, t);
}

/**
 * hmap_insert_fast() - insert or update a key under its chain's stripe alone
 * @map: the map.
 * @e: the entry.
 * @flags: as hmap_insert()'s.
 * @spares: as hmap_chain_insert()'s.
 * @steps: as hmap_evacuate()'s.
 * @resizing: set when the insert found a resize in flight, and evacuated
 *	its key's old chain under the same stripe first.
 * @last: as hmap_evacuate()'s.
 * @replaced: as hmap_chain_insert()'s.
 *
 * Context: rcu_read_lock() and the stripe are taken here.
 * Return: as hmap_chain_insert(), or -EAGAIN when the insert needs
 * map->lock (hmap_insert_needs_lock(), or the array changed under it).
 */
static int hmap_insert_fast(struct hmap *map, struct hmap_entry *e,
			    u64 flags, struct hmap_spares *spares,
			    unsigned int *steps, bool *resizing, bool *last,
			    struct hmap_entry **replaced)
{
	struct hmap_table *t, *old;
	struct hmap_stripe *st;	/* the key's chains' */
	int ret = -EAGAIN;

	rcu_read_lock();
	t = rcu_dereference(map->table);
	old = rcu_dereference(t->old);
	/* Cold at 10^6 keys: load it while the stripe is taken. */
	hmap_bucket_prefetchw(&t->buckets[e->hash & hmap_mask(t)]);
	if (!old && hmap_insert_needs_lock(map, t))
		goto out;
	st = hmap_chain_stripe_of(map, t, old, e->hash);
	spin_lock(&st->lock);
	/*
	 * Invariant 7: with the stripe held, @t and @old, if still current,
	 * stay so, and every change made to their chains is seen.
	 */
	if (hmap_arrays_current(map, t, old)) {
		ret = 0;
		if (old) {
			*resizing = true;
			ret = hmap_evacuate(map, t, old, e->hash & hmap_mask(old),
					    steps, spares, last);
		}
		if (!ret)
			ret = hmap_chain_insert(map, t, st, e, flags, spares,
						replaced);
	}
	spin_unlock(&st->lock);
out:
	rcu_read_unlock();
	return ret;
}

/**
 * hmap_help_resize() - the second step of a write that took no map->lock
 * @map: the map.
 * @steps: as hmap_evacuate()'s.
 * @spares: as hmap_evacuate()'s; refilled here when short.
 * @last: as hmap_evacuate()'s.
 *
 * Evacuates the chain hmap_claim_chain() hands out, under its stripe.
 * Failing for lack of memory only delays the resize, and a resize that
 * ended or was replaced meanwhile needs nothing more from this write.
 *
 * Context: Process context, no lock held; may sleep.
 */
static void hmap_help_resize(struct hmap *map, unsigned int *steps,
			     struct hmap_spares *spares, bool *last)
{
	struct hmap_table *t, *old, *claimed_in = NULL;
	unsigned long ob = ULONG_MAX;
	spinlock_t *stripe;	/* the claimed chain's lock */
	int ret, err = 0;

	do {
		ret = 0;
		rcu_read_lock();
		t = rcu_dereference(map->table);
		old = rcu_dereference(t->old);
		if (old && !claimed_in) {
			claimed_in = old;
			ob = hmap_claim_chain(map, old);
		}
		/* Compared, not followed: only an array in flight is used. */
		if (old && old == claimed_in && ob < hmap_nbuckets(old)) {
			stripe = hmap_chain_stripe(map, t, old, ob);
			spin_lock(stripe);
			if (hmap_arrays_current(map, t, old))
				ret = hmap_evacuate(map, t, old, ob, steps,
						    spares, last);
			spin_unlock(stripe);
		}
		rcu_read_unlock();
	} while (ret == HMAP_NEED_OVERFLOW &&
		 !(err = hmap_spares_fill(map, spares)));
	if (err)
		hmap_unclaim_chain(map, ob);
}

/*
 * The slow path's share of the resize in flight, and the resize an insert
 * of a new key starts. Return 0 or -ENOMEM (the key's old chain could not
 * be evacuated: the insert fails).
 */
static int hmap_insert_resize(struct hmap *map, struct hmap_entry *e,
			      u64 flags, unsigned int *steps)
{
	struct hmap_table *t;
	bool resizing = hmap_resizing(map);
	int ret;

	ret = hmap_grow_work(map, e->hash, steps);
	if (ret || resizing || flags == HMAP_PUT_EXIST ||
	    hmap_count(map) >= map->max_entries)
		return ret;
	/*
	 * A write that did growWork for one resize does not start the next.
	 * A key already present is an update, which starts none; looked up
	 * as a lockless reader would, since the chain's stripe is not held.
	 */
	t = hmap_deref_locked(map, map->table);
	if (hmap_chain_find(map, &t->buckets[e->hash & hmap_mask(t)], e->hash,
			    e->data, e->key_len, NULL, NULL))
		return 0;
	return hmap_resize_for_insert(map, e->hash);
}

/*
 * hmap_insert() under map->lock: resize work, then the chain under its
 * stripe, with an overflow bucket allocated outside the stripe when the
 * chain turns out full, and the places other stripes hold gathered when
 * the map turns out full but for them.
 */
static int hmap_insert_locked(struct hmap *map, struct hmap_entry *e,
			      u64 flags, struct hmap_spares *spares,
			      unsigned int *steps, struct hmap_entry **replaced)
{
	struct hmap_table *t;
	struct hmap_stripe *st;	/* the key's chains' */
	int ret;

	hmap_lock_for_write(map);
	ret = hmap_insert_resize(map, e, flags, steps);
	t = hmap_deref_locked(map, map->table);
	st = hmap_chain_stripe_of(map, t, hmap_deref_locked(map, t->old),
				  e->hash);
	while (!ret) {
		spin_lock(&st->lock);
		ret = hmap_chain_insert(map, t, st, e, flags, spares,
					replaced);
		spin_unlock(&st->lock);
		if (ret == HMAP_NEED_OVERFLOW) {
			ret = hmap_spares_fill(map, spares);
		} else if (ret == HMAP_NEED_COUNT) {
			/*
			 * Again only if another insert took the room given
			 * back for places of its own, with an entry in it.
			 */
			hmap_count_gather(map);
			ret = 0;
		} else {
			break;
		}
	}
	mutex_unlock(&map->lock);
	return ret;
}

/**
 * hmap_insert() - insert or update a key
 * @map: the map.
 * @key: the key.
 * @key_len: its length, 1..max_key_size.
 * @value: the value.
 * @value_len: its length, 0..max_value_size.
 * @flags: HMAP_PUT_ANY (create or update), HMAP_PUT_NOEXIST (create only) or
 *	HMAP_PUT_EXIST (update only).
 *
 * An insert or update takes only its chain's stripe, so writes to
 * different chains run in parallel; during a resize it first evacuates
 * its key's old chain under that stripe, and after it one more chain
 * under that chain's (hmap_help_resize()). Inserts that start a resize,
 * or ask the worker for its array, take map->lock, and there too evacuate
 * at most two old bucket chains. An update replaces the entry whole: a
 * concurrent lookup sees the old value or the new one. If the larger
 * array for a grow cannot be allocated the insert still succeeds and the
 * grow is tried again by the next insert.
 *
 * Context: Process context; may sleep, and may take map->lock. Not from
 * softirq or interrupt context: entries are allocated with GFP_KERNEL,
 * resize work sleeps on map->lock, and the stripes are taken with
 * spin_lock(), not spin_lock_bh().
 * Return: 0; -EINVAL for an empty key or unknown flags; -EMSGSIZE for a key
 * or value over the map's limits; -EEXIST (HMAP_PUT_NOEXIST, key present);
 * -ENOENT (HMAP_PUT_EXIST, key absent); -E2BIG when the map holds max_entries;
 * -ENOMEM. On error the map's contents are unchanged.
 */
int hmap_insert(struct hmap *map, const void *key, u32 key_len,
		const void *value, u32 value_len, u64 flags)
{
	struct hmap_entry *e, *replaced = NULL;
	struct hmap_spares spares = { };
	bool resizing = false, last = false;
	unsigned int steps = 0;
	u64 hash;
	int ret;

	ret = hmap_check_key(map, key_len);
	if (ret)
		return ret;
	if (flags > HMAP_PUT_EXIST)
		return -EINVAL;
	if (value_len > map->max_value_size)
		return -EMSGSIZE;
	hash = hmap_op_hash(map, key, key_len);
	/*
	 * The stripe's line was likely last written by another CPU: load it
	 * while the entry is allocated. A hint: the stripe may yet differ.
	 */
	prefetchw(hmap_stripe_of(map, hash));
	e = hmap_entry_alloc(map, hash, key, key_len, value, value_len);
	if (!e)
		return -ENOMEM;

	for (;;) {
		ret = hmap_insert_fast(map, e, flags, &spares, &steps,
				       &resizing, &last, &replaced);
		if (ret != HMAP_NEED_OVERFLOW)
			break;
		ret = hmap_spares_fill(map, &spares);
		if (ret)
			break;
	}
	if (ret == -EAGAIN || ret == HMAP_NEED_COUNT) {
		ret = hmap_insert_locked(map, e, flags, &spares, &steps,
					 &replaced);
		/*
		 * Waiting for the worker's array, the map over its load factor:
		 * let the worker run, even on a kernel without preemption and
		 * one CPU, where a caller inserting in a loop would otherwise
		 * keep the map from growing (see "Arrays" in the top comment).
		 */
		if (READ_ONCE(map->spare_requested))
			cond_resched();
	} else if (resizing && !last && ret != -ENOMEM) {
		hmap_help_resize(map, &steps, &spares, &last);
	}
	if (last)
		hmap_finish_resize_unlocked(map);
	if (ret)
		hmap_entry_free(map, e);
	if (replaced)
		hmap_entry_free_rcu(map, replaced);
	hmap_spares_free(map, &spares);
	return ret;
}
EXPORT_SYMBOL_GPL(hmap_insert);

/**
 * hmap_lookup() - copy out the value of a key
 * @map: the map.
 * @key: the key.
 * @key_len: its length.
 * @value: buffer for the value; may be NULL if *@value_len is 0.
 * @value_len: in: the size of @value; out: the length of the value.
 *
 * Takes no lock: a lookup concurrent with writes and resizes never misses
 * a key present for its whole duration and never sees a torn value.
 *
 * Context: Any context; takes rcu_read_lock().
 * Return: 0; -ENOENT if absent; -ENOSPC if @value is too small (*@value_len
 * says how much is needed); -EINVAL or -EMSGSIZE for a key of length 0 or
 * over the map's limit.
 */
int hmap_lookup(struct hmap *map, const void *key, u32 key_len, void *value,
		u32 *value_len)
{
	struct hmap_bucket *head;
	struct hmap_entry *e;
	u64 hash;
	int ret;

	ret = hmap_check_key(map, key_len);
	if (ret)
		return ret;
	hash = hmap_op_hash(map, key, key_len);

	rcu_read_lock();
	head = hmap_key_chain(map, rcu_dereference(map->table), hash);
	hmap_race_at(map, HMAP_RACE_LOOKUP);
	e = hmap_chain_find(map, head, hash, key, key_len, NULL, NULL);
	ret = e ? hmap_copy_value(e, value, value_len) : -ENOENT;
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(hmap_lookup);

/* What hmap_remove() checks before it removes an entry. */
enum hmap_remove_mode {
	HMAP_REMOVE_ANY,	/* nothing */
	HMAP_REMOVE_TAKE,	/* copy the value out; -ENOSPC keeps the key */
	HMAP_REMOVE_IF_VALUE,	/* the value is the given one; else -EAGAIN */
};

static int hmap_remove_check(const struct hmap_entry *e,
			     enum hmap_remove_mode mode, void *value,
			     u32 *value_len)
{
	switch (mode) {
	case HMAP_REMOVE_TAKE:
		return hmap_copy_value(e, value, value_len);
	case HMAP_REMOVE_IF_VALUE:
		if (e->value_len != *value_len ||
		    (e->value_len &&
		     memcmp(hmap_entry_value(e), value, e->value_len)))
			return -EAGAIN;
		return 0;
	default:
		return 0;
	}
}

/**
 * struct hmap_removal - one removal in progress
 * @hash: the key's hash.
 * @key: the key.
 * @key_len: its length.
 * @mode: what is checked before the entry goes.
 * @value: as hmap_remove_check()'s.
 * @value_len: as hmap_remove_check()'s.
 * @spares: overflow buckets for evacuating the key's old chain.
 * @in_place: the spares could not be had: remove the key from its old
 *	chain in place, unevacuated.
 * @steps: as hmap_evacuate()'s.
 * @resizing: set when the removal found a resize in flight.
 * @last: as hmap_evacuate()'s.
 * @resize_due: set when the removal, with no resize in flight, left the
 *	map near a threshold: the caller takes map->lock to start the resize
 *	or ask for its spare (hmap_resize_for_delete()).
 * @removed: the entry removed, freed by the caller once it holds no stripe.
 */
struct hmap_removal {
	u64 hash;
	const void *key;
	u32 key_len;
	enum hmap_remove_mode mode;
	void *value;
	u32 *value_len;
	struct hmap_spares spares;
	bool in_place;
	unsigned int steps;
	bool resizing;
	bool last;
	bool resize_due;
	struct hmap_entry *removed;
};

/*
 * The chain step of a removal, in the arrays @t and @old under the key's
 * stripe: evacuate the key's old chain (unless @r->in_place), then find
 * the key in the chain a lookup would search and clear its slot. Return 0,
 * -ENOENT, an error of hmap_remove_check(), or HMAP_NEED_OVERFLOW.
 */
static int hmap_remove_locked(struct hmap *map, struct hmap_table *t,
			      struct hmap_table *old, struct hmap_removal *r)
{
	struct hmap_bucket *head, *b;
	struct hmap_entry *e;
	unsigned int slot;
	int ret;

	if (old) {
		r->resizing = true;
		if (!r->in_place) {
			ret = hmap_evacuate(map, t, old, r->hash & hmap_mask(old),
					    &r->steps, &r->spares, &r->last);
			if (ret)
				return ret;
		}
	}
	head = hmap_key_chain(map, t, r->hash);
	e = hmap_chain_find(map, head, r->hash, r->key, r->key_len, &slot, &b);
	if (!e)
		return -ENOENT;
	ret = hmap_remove_check(e, r->mode, r->value, r->value_len);
	if (!ret)
		r->removed = hmap_slot_clear(map, head, b, slot);
	return ret;
}

/*
 * Whether a removal from @t, with no resize in flight, leaves a shrink, a
 * same-size rebuild or the spare of one near. Read without map->lock, as
 * hmap_insert_needs_lock() is.
 */
static bool hmap_delete_needs_lock(const struct hmap *map,
				   const struct hmap_table *t)
{
	if (hmap_no_threshold_near(map, t))
		return false;
	return hmap_under_load(map, hmap_count(map), t->log2) ||
	       hmap_too_many_overflow(map, t, hmap_noverflow(t)) ||
	       hmap_spare_wanted(map, t);
}

/*
 * A removal under the key's stripe alone; taken again while the arrays
 * change under it (a resize starting or ending). Return as
 * hmap_remove_locked().
 *
 * Context: rcu_read_lock() and the stripe are taken here.
 */
static int hmap_remove_fast(struct hmap *map, struct hmap_removal *r)
{
	struct hmap_table *t, *old;
	spinlock_t *stripe;	/* the key's chains' lock */
	bool arrays_current;
	int ret = 0;

	rcu_read_lock();
	do {
		t = rcu_dereference(map->table);
		old = rcu_dereference(t->old);
		stripe = hmap_chain_stripe(map, t, old, r->hash);
		spin_lock(stripe);
		/* Invariant 7, as in hmap_insert_fast(). */
		arrays_current = hmap_arrays_current(map, t, old);
		if (arrays_current)
			ret = hmap_remove_locked(map, t, old, r);
		spin_unlock(stripe);
	} while (!arrays_current);
	if (r->removed && !old)
		r->resize_due = hmap_delete_needs_lock(map, t);
	rcu_read_unlock();
	return ret;
}

/*
 * Remove a key under its chain's stripe alone, as an insert of a new key
 * is made: a removal finds a resize in flight, evacuates its key's old
 * chain first, and one more after (hmap_help_resize()). A removal never
 * fails for lack of memory: when the overflow buckets to evacuate its
 * key's old chain cannot be had, it removes the key from that old chain in
 * place (a lookup may still be reading the chain: clearing a slot is safe
 * for it, see the top comment). A removal that leaves a shrink or a
 * rebuild due takes map->lock afterwards to start it. The entry is freed
 * once the stripe is let go.
 */
static int hmap_remove(struct hmap *map, const void *key, u32 key_len,
		       enum hmap_remove_mode mode, void *value, u32 *value_len)
{
	struct hmap_removal r = {
		.key = key, .key_len = key_len, .mode = mode,
		.value = value, .value_len = value_len,
	};
	int ret;

	ret = hmap_check_key(map, key_len);
	if (ret)
		return ret;
	r.hash = hmap_op_hash(map, key, key_len);

	for (;;) {
		ret = hmap_remove_fast(map, &r);
		if (ret != HMAP_NEED_OVERFLOW)
			break;
		/* -ENOMEM: the key stays in its old chain. */
		r.in_place = hmap_spares_fill(map, &r.spares) != 0;
	}
	if (r.removed)
		hmap_entry_free_rcu(map, r.removed);
	if (r.resizing && !r.last && !r.in_place)
		hmap_help_resize(map, &r.steps, &r.spares, &r.last);
	if (r.last) {
		hmap_finish_resize_unlocked(map);
	} else if (r.resize_due) {
		hmap_lock_for_write(map);
		hmap_resize_for_delete(map, r.hash);
		mutex_unlock(&map->lock);
	}
	hmap_spares_free(map, &r.spares);
	return ret;
}

/**
 * hmap_delete() - remove a key
 * @map: the map.
 * @key: the key.
 * @key_len: its length.
 *
 * During a resize the delete first evacuates at most two old bucket chains
 * (when it cannot, for lack of memory, it removes the key where it is).
 * A lookup that starts after hmap_delete() returns does not find the key.
 *
 * Context: Process context; may sleep. Takes the key's stripe, and
 * map->lock when the removal leaves a shrink or rebuild due.
 * Return: 0; -ENOENT if absent; -EINVAL or -EMSGSIZE for a bad key length.
 * Never -ENOMEM: a delete needs no memory.
 */
int hmap_delete(struct hmap *map, const void *key, u32 key_len)
{
	return hmap_remove(map, key, key_len, HMAP_REMOVE_ANY, NULL, NULL);
}
EXPORT_SYMBOL_GPL(hmap_delete);

/**
 * hmap_lookup_and_delete() - copy out the value of a key and remove it
 * @map: the map.
 * @key: the key.
 * @key_len: its length.
 * @value: buffer for the value; may be NULL if *@value_len is 0.
 * @value_len: in: the size of @value; out: the length of the value.
 *
 * Context: Process context; may sleep. Takes the key's stripe, and
 * map->lock when the removal leaves a shrink or rebuild due.
 * Return: as hmap_delete(), plus -ENOSPC if @value is too small, in which
 * case the key stays and *@value_len says how much is needed.
 */
int hmap_lookup_and_delete(struct hmap *map, const void *key, u32 key_len,
			   void *value, u32 *value_len)
{
	return hmap_remove(map, key, key_len, HMAP_REMOVE_TAKE, value,
			   value_len);
}
EXPORT_SYMBOL_GPL(hmap_lookup_and_delete);

/**
 * hmap_delete_if_value() - remove a key if it has a given value
 * @map: the map.
 * @key: the key.
 * @key_len: its length.
 * @value: the value the key must have; may be NULL if @value_len is 0.
 * @value_len: its length.
 *
 * A compare-and-delete: with hmap_lookup() before it, a caller can hand a
 * value to a consumer that may fail (a user copy) and remove the key only
 * once the consumer has it, without ever putting a key back.
 *
 * Context: Process context; may sleep. Takes the key's stripe, and
 * map->lock when the removal leaves a shrink or rebuild due.
 * Return: as hmap_delete(), plus -EAGAIN if the key has another value (it
 * stays).
 */
int hmap_delete_if_value(struct hmap *map, const void *key, u32 key_len,
			 const void *value, u32 value_len)
{
	return hmap_remove(map, key, key_len, HMAP_REMOVE_IF_VALUE,
			   (void *)value, &value_len);
}
EXPORT_SYMBOL_GPL(hmap_delete_if_value);

/*
 * What hmap_tables_free() counts per object, as hmap_memory_add() did:
 * kmalloc_size_roundup() of an overflow bucket, and of the last entry's
 * size, asked again only when the size changes (a map's entries are
 * mostly of one size, and the call is not free: a tenth of a destroy's
 * time).
 */
struct hmap_free_sizes {
	size_t overflow_bytes;
	size_t entry_size;
	size_t entry_bytes;
};

static size_t hmap_free_entry_bytes(struct hmap_free_sizes *sz,
				    const struct hmap_entry *e)
{
	size_t size = hmap_entry_size(e->key_len, e->value_len);

	if (size != sz->entry_size) {
		sz->entry_size = size;
		sz->entry_bytes = kmalloc_size_roundup(size);
	}
	return sz->entry_bytes;
}

/* Free a chain's entries and overflow buckets; return the bytes counted. */
static size_t hmap_chain_free(struct hmap_bucket *head,
			      struct hmap_free_sizes *sz)
{
	struct hmap_bucket *b = head, *next;
	struct hmap_entry *e;
	size_t bytes = 0;
	unsigned int i;

	for (; b; b = next) {
		next = rcu_dereference_protected(b->overflow, true);
		for (i = 0; i < HMAP_BUCKET_SLOTS; i++) {
			if (!hmap_slot_used(b->tophash[i]))
				continue;
			e = rcu_dereference_protected(b->slots[i], true);
			bytes += hmap_free_entry_bytes(sz, e);
			kfree(e);
		}
		if (b != head) {
			bytes += sz->overflow_bytes;
			kfree(container_of(b, struct hmap_overflow, bucket));
		}
	}
	return bytes;
}

/*
 * Free an array, the one it is evacuating, and every entry in them. Only for
 * arrays no lookup can reach any more. Evacuated old chains own nothing:
 * their entries moved, their overflow buckets went to kfree_rcu(); nor do
 * unset buckets of the new one (invariant 8). A map of millions of entries
 * takes a while: yield between chains. Return the bytes freed, as
 * hmap_memory_add() counted them.
 */
static size_t hmap_tables_free(struct hmap_table *t)
{
	struct hmap_table *old = rcu_dereference_protected(t->old, true);
	struct hmap_free_sizes sz = {
		.overflow_bytes = kmalloc_size_roundup(sizeof(struct hmap_overflow)),
	};
	size_t bytes = t->bytes;
	unsigned long i;

	for (i = 0; i < hmap_nbuckets(t); i++) {
		if (hmap_bucket_is_set(t, old, i))
			bytes += hmap_chain_free(&t->buckets[i], &sz);
		cond_resched();
	}
	hmap_array_free(t);
	if (old) {
		for (i = 0; i < hmap_nbuckets(old); i++) {
			if (!old->evacuated[i])
				bytes += hmap_chain_free(&old->buckets[i], &sz);
			cond_resched();
		}
		bytes += old->bytes;
		hmap_array_free(old);
	}
	return bytes;
}

/*
 * Remove every entry of chain @head, in place, under @stripe: a bucket's
 * worth at a time, freed after the stripe is let go. During a resize,
 * @evacuated is the flag of the old chain @head is (@new_chain false) or
 * is filled from (@new_chain true, @head's array unset, invariant 8), read
 * under @stripe: an evacuated old chain's entries live in the new array,
 * and an unset new chain holds none yet. NULL: @head always holds its own.
 */
static void hmap_chain_clear(struct hmap *map, struct hmap_bucket *head,
			     spinlock_t *stripe, const u8 *evacuated,
			     bool new_chain)
{
	struct hmap_entry *removed[HMAP_BUCKET_SLOTS];
	struct hmap_bucket *b;
	unsigned int i, n;

	do {
		n = 0;
		spin_lock(stripe);
		b = !evacuated || !!*evacuated == new_chain ? head : NULL;
		for (; b && !n; b = hmap_deref(map, b->overflow))
			for (i = 0; i < HMAP_BUCKET_SLOTS; i++)
				if (hmap_slot_used(b->tophash[i]))
					removed[n++] = hmap_slot_clear(map, head,
								       b, i);
		spin_unlock(stripe);
		for (i = 0; i < n; i++)
			hmap_entry_free_rcu(map, removed[i]);
	} while (n);
}

/*
 * hmap_clear() without memory for a new array: empty every chain where it
 * is, the current array's and the old chains not evacuated yet. The arrays
 * and their overflow buckets stay; a resize in flight goes on.
 */
static void hmap_clear_in_place(struct hmap *map)
{
	struct hmap_table *t = hmap_deref_locked(map, map->table);
	struct hmap_table *old = hmap_deref_locked(map, t->old);
	unsigned long i;

	for (i = 0; old && i < hmap_nbuckets(old); i++) {
		hmap_chain_clear(map, &old->buckets[i],
				 hmap_chain_stripe(map, t, old, i),
				 &old->evacuated[i], false);
		cond_resched();
	}
	for (i = 0; i < hmap_nbuckets(t); i++) {
		hmap_chain_clear(map, &t->buckets[i],
				 hmap_chain_stripe(map, t, old, i),
				 hmap_unset_bucket_flag(t, old, i), true);
		cond_resched();
	}
}

/* hmap_clear() drops a resize in flight: say so to the trace. */
static void hmap_abandon_resize(struct hmap *map, struct hmap_table *t)
{
	struct hmap_table *old = hmap_deref_locked(map, t->old);
	struct hmap_resize *r = &map->resize;
	struct hmap_resize_counts done;

	if (!hmap_resizing(map))
		return;
	hmap_resize_counts_take(map, &done);
	trace_hmap_resize_abandon(map->id, r->kind, old->log2, t->log2,
				  done.steps_by_writes, done.steps_by_worker,
				  done.moved, ktime_get_ns() - r->start_ns);
	r->kind = HMAP_RESIZING_NONE;
}

/**
 * hmap_clear() - remove every entry
 * @map: the map.
 *
 * The map goes back to the size its size hint asked for (one created with
 * HMAP_CREATE_NO_SHRINK keeps its size); a resize in flight is abandoned
 * (tracepoint hmap_resize_abandon). Without memory for that new array the
 * entries are removed where they are instead.
 * Lookups concurrent with the clear see each key present or absent.
 *
 * Context: Process context; takes map->lock and waits for a grace period.
 * Return: 0. A clear needs no memory it cannot do without.
 */
int hmap_clear(struct hmap *map)
{
	struct hmap_table *t, *nt, *spare;

	hmap_lock_for_write(map);
	/* An empty map needs no spare; no lookup ever saw it. */
	spare = map->spare;
	hmap_set_spare(map, NULL);
	if (spare)
		hmap_memory_sub(map, spare->bytes);
	t = hmap_deref_locked(map, map->table);
	nt = hmap_table_alloc(map, map->no_shrink ? t->log2 : map->min_log2,
			      false);
	if (!nt) {
		hmap_clear_in_place(map);
		mutex_unlock(&map->lock);
		hmap_array_free(spare);
		return 0;
	}
	hmap_lock_stripes(map);
	/* Under every stripe: no evacuation is traced after the abandon. */
	hmap_abandon_resize(map, t);
	rcu_assign_pointer(map->table, nt);
	hmap_count_reset(map);
	hmap_unlock_stripes(map);
	mutex_unlock(&map->lock);

	hmap_array_free(spare);
	synchronize_rcu();
	/* Inserts may have counted entries they have not put in yet. */
	hmap_memory_sub(map, hmap_tables_free(t));
	return 0;
}
EXPORT_SYMBOL_GPL(hmap_clear);

/**
 * hmap_get_stats() - take a snapshot of a map's counters
 * @map: the map.
 * @stats: filled in.
 *
 * Context: Process context; takes map->lock.
 */
void hmap_get_stats(struct hmap *map, struct hmap_stats *stats)
{
	struct hmap_resize_counts now;	/* the resize in flight's */
	struct hmap_table *t, *old;

	mutex_lock(&map->lock);
	t = hmap_deref_locked(map, map->table);
	old = hmap_deref_locked(map, t->old);
	hmap_resize_counts_sum(map, &now);
	*stats = map->stats;
	stats->evacuated_by_writes += now.steps_by_writes;
	stats->evacuated_by_worker += now.steps_by_worker;
	stats->nevacuate = old ? READ_ONCE(map->resize.nevacuate) : 0;
	stats->count = hmap_count_entries(map);
	stats->log2_buckets = t->log2;
	stats->resize = map->resize.kind;
	stats->old_log2_buckets = old ? old->log2 : 0;
	stats->old_buckets = old ? hmap_nbuckets(old) : 0;
	stats->overflow_buckets = hmap_noverflow(t);
	stats->memory_bytes = hmap_memory_sum(map);
	mutex_unlock(&map->lock);
}
EXPORT_SYMBOL_GPL(hmap_get_stats);

/* One entry found by a dump, with its place in dump order. */
struct hmap_dump_slot {
	u64 order;
	size_t bytes;			/* of the copy, aligned */
	const struct hmap_entry *e;	/* the copy in the set's @data, or NULL */
};

/*
 * The entries of one dump range at or after the cursor (@from), and
 * before @to if @bounded, copied out under the range's stripe
 * (hmap_dump_collect()), and room to hand one group of them (equal order)
 * to the caller's emit function.
 */
struct hmap_dump_set {
	u64 from;
	u64 to;
	bool bounded;
	size_t n;
	size_t cap;
	size_t data_used;
	size_t data_cap;
	u8 *data;
	struct hmap_dump_slot *items;
	struct hmap_dump_item *group;
	struct hmap_dump_slot stack[16];
	struct hmap_dump_item group_stack[16];
};

/*
 * Copy entry @e into @set if it has room; count it and its bytes either
 * way, so that a set too small is known and made large enough. Copies are
 * 8-byte aligned, as entries are.
 */
static void hmap_dump_copy(struct hmap_dump_set *set, const struct hmap_entry *e,
			   u64 order)
{
	size_t size = hmap_entry_size(e->key_len, e->value_len);
	struct hmap_entry *copy = NULL;

	if (set->n < set->cap) {
		if (set->data_used + size <= set->data_cap) {
			copy = (struct hmap_entry *)(set->data + set->data_used);
			memcpy(copy, e, size);
		}
		set->items[set->n] = (struct hmap_dump_slot) {
			.order = order,
			.bytes = ALIGN(size, sizeof(u64)),
			.e = copy,
		};
	}
	set->n++;
	set->data_used += ALIGN(size, sizeof(u64));
}

static void hmap_dump_visit(struct hmap *map, struct hmap_bucket *b,
			    struct hmap_dump_set *set)
{
	struct hmap_entry *e;
	unsigned int i;
	u64 order;

	for (; b; b = rcu_dereference(b->overflow)) {
		for (i = 0; i < HMAP_BUCKET_SLOTS; i++) {
			if (!hmap_slot_used(b->tophash[i]))
				continue;
			e = rcu_dereference(b->slots[i]);
			order = hmap_dump_order(e->hash);
			if (order >= set->from &&
			    (!set->bounded || order < set->to))
				hmap_dump_copy(set, e, order);
		}
	}
}

/*
 * Visit every chain holding entries whose hash's low @log2 bits are @b,
 * where @log2 is the smaller of the two arrays during a resize: one old
 * chain not yet evacuated, or the new chains it went to.
 */
static void hmap_dump_range(struct hmap *map, struct hmap_table *t,
			    struct hmap_table *old, unsigned long b,
			    struct hmap_dump_set *set)
{
	unsigned long j;

	if (!old) {
		hmap_dump_visit(map, &t->buckets[b], set);
	} else if (old->log2 <= t->log2) {
		if (!old->evacuated[b]) {
			hmap_dump_visit(map, &old->buckets[b], set);
			return;
		}
		for (j = b; j < hmap_nbuckets(t); j += hmap_nbuckets(old))
			hmap_dump_visit(map, &t->buckets[j], set);
	} else {
		hmap_dump_visit(map, &t->buckets[b], set);
		for (j = b; j < hmap_nbuckets(old); j += hmap_nbuckets(t))
			if (!old->evacuated[j])
				hmap_dump_visit(map, &old->buckets[j], set);
	}
}

static void hmap_dump_set_init(struct hmap_dump_set *set)
{
	set->items = set->stack;
	set->group = set->group_stack;
	set->cap = ARRAY_SIZE(set->stack);
	set->data = NULL;
	set->data_cap = 0;
}

static void hmap_dump_set_free(struct hmap_dump_set *set)
{
	if (set->items != set->stack)
		kvfree(set->items);
	if (set->group != set->group_stack)
		kvfree(set->group);
	kvfree(set->data);
	hmap_dump_set_init(set);
}

/*
 * Make @set large enough for the entries the last collection counted
 * (set->n) and for @data_need bytes of copies. Return 0 or -ENOMEM.
 */
static int hmap_dump_set_grow(struct hmap_dump_set *set, size_t data_need)
{
	if (set->n > set->cap) {
		if (set->items != set->stack)
			kvfree(set->items);
		if (set->group != set->group_stack)
			kvfree(set->group);
		set->cap = set->n;
		set->items = kvmalloc_array(set->cap, sizeof(*set->items),
					    HMAP_GFP_DUMP);
		set->group = kvmalloc_array(set->cap, sizeof(*set->group),
					    HMAP_GFP_DUMP);
		if (!set->items || !set->group)
			goto fail;
	}
	if (data_need > set->data_cap) {
		kvfree(set->data);
		set->data_cap = max3(data_need,
				     min_t(size_t, 2 * set->data_cap,
					   HMAP_DUMP_COPY_MAX),
				     (size_t)HMAP_DUMP_DATA_MIN);
		set->data = kvmalloc(set->data_cap, HMAP_GFP_DUMP);
		if (!set->data)
			goto fail;
	}
	return 0;
fail:
	hmap_dump_set_free(set);
	return -ENOMEM;
}

static int hmap_dump_order_cmp(const void *a, const void *b)
{
	const struct hmap_dump_slot *x = a, *y = b;

	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Ranges of up to this many entries are sorted in place by insertion; a
 * range is one chain's worth (6.5 entries per bucket at most on average),
 * where lib/sort.c's heapsort spends more on its calls through @cmp and
 * @swp than on sorting. Longer ones (colliding keys) go to sort().
 */
#define HMAP_DUMP_SORT_INLINE	16

static void hmap_dump_sort(struct hmap_dump_slot *items, size_t n)
{
	struct hmap_dump_slot x;
	size_t i, j;

	if (n > HMAP_DUMP_SORT_INLINE) {
		sort(items, n, sizeof(*items), hmap_dump_order_cmp, NULL);
		return;
	}
	for (i = 1; i < n; i++) {
		x = items[i];
		for (j = i; j && items[j - 1].order > x.order; j--)
			items[j] = items[j - 1];
		items[j] = x;
	}
}

/*
 * @set counted a range too large to copy at once (sorted, every entry
 * counted): bound it to its first groups that fit in HMAP_DUMP_COPY_MAX
 * (the first group whatever its size), and return the bytes they need.
 * A group of equal order is never split: @to is the order of the first
 * group left out.
 */
static size_t hmap_dump_bound(struct hmap_dump_set *set)
{
	size_t i, bytes = 0;

	for (i = 0; i < set->n; i++) {
		if (i && set->items[i].order != set->items[i - 1].order &&
		    bytes + set->items[i].bytes > HMAP_DUMP_COPY_MAX)
			break;
		bytes += set->items[i].bytes;
	}
	if (i < set->n) {
		set->to = set->items[i].order;
		set->bounded = true;
	}
	return bytes;
}

/*
 * Prefetch for the next ranges of a dump through @t with no resize in
 * flight, the range at @from just read: the entries of the next range,
 * whose bucket the previous call prefetched, and the bucket of the one
 * after. Consecutive ranges lie far apart in the array (bit-reversed
 * order), so without this each would wait for its bucket, then its
 * entries. Under RCU.
 */
static void hmap_dump_prefetch(const struct hmap_table *t, u64 from)
{
	u64 span = ~0ULL >> t->log2;
	u64 next = (from | span) + 1;
	const struct hmap_bucket *b;

	if (!next)
		return;
	b = &t->buckets[hmap_dump_order(next) & hmap_mask(t)];
	hmap_bucket_prefetch_entries(b);
	next += span + 1;
	if (!next)
		return;
	b = &t->buckets[hmap_dump_order(next) & hmap_mask(t)];
	prefetch(b);
	prefetch((const u8 *)(b + 1) - 1);
}

/*
 * Collect and sort the entries at or after set->from of the range the
 * cursor is in, one chain of the smaller array in flight, and set
 * *@span_mask to the span of dump order the range covers. The range is
 * read under its stripe with the arrays checked current (invariant 7: no
 * chain of it changes meanwhile) and copied out, so no entry of the map is
 * used once the stripe is let go; writers may free it. A set too small is
 * made larger and the range read again; inserts may have made it larger
 * meanwhile, but they are few per range. A range whose entries need more
 * than HMAP_DUMP_COPY_MAX is bounded to its first part (set->to), and the
 * dump goes on from there.
 */
static int hmap_dump_collect(struct hmap *map, struct hmap_dump_set *set,
			     u64 *span_mask)
{
	struct hmap_table *t, *old;
	spinlock_t *stripe;	/* the range's chains' lock */
	unsigned int log2;
	unsigned long b;
	bool arrays_current;
	size_t need;
	int ret;

	set->bounded = false;
	for (;;) {
		rcu_read_lock();
		t = rcu_dereference(map->table);
		old = rcu_dereference(t->old);
		log2 = old ? min(old->log2, t->log2) : t->log2;
		b = hmap_dump_order(set->from) & ((1UL << log2) - 1);
		stripe = hmap_stripe(map, b);
		set->n = 0;
		set->data_used = 0;
		spin_lock(stripe);
		arrays_current = hmap_arrays_current(map, t, old);
		if (arrays_current)
			hmap_dump_range(map, t, old, b, set);
		spin_unlock(stripe);
		if (arrays_current && !old && !set->bounded)
			hmap_dump_prefetch(t, set->from);
		rcu_read_unlock();
		if (!arrays_current)
			continue;
		if (set->n <= set->cap && set->data_used <= set->data_cap)
			break;
		/* Too many entries: count them all first, then copy. */
		need = set->n > set->cap ? 0 : set->data_used;
		if (need > HMAP_DUMP_COPY_MAX) {
			hmap_dump_sort(set->items, set->n);
			need = hmap_dump_bound(set);
		}
		ret = hmap_dump_set_grow(set, need);
		if (ret)
			return ret;
	}
	*span_mask = log2 ? ~0ULL >> log2 : ~0ULL;
	hmap_dump_sort(set->items, set->n);
	return 0;
}

/*
 * Hand the groups of equal dump order in @set to @emit, in order, until
 * @emit declines one or fails. *@taken receives the index of the first
 * item not taken (set->n when all were), *@emitted counts the entries
 * taken. Return 0, HMAP_DUMP_FULL or a negative errno from @emit.
 */
static int hmap_dump_emit(struct hmap_dump_set *set, hmap_dump_fn emit,
			  void *arg, size_t *taken, int *emitted)
{
	size_t i = 0, j;
	int ret = 0;

	while (i < set->n) {
		for (j = i; j < set->n &&
		     set->items[j].order == set->items[i].order; j++) {
			const struct hmap_entry *e = set->items[j].e;

			set->group[j - i] = (struct hmap_dump_item) {
				.key = e->data,
				.key_len = e->key_len,
				.value = hmap_entry_value(e),
				.value_len = e->value_len,
			};
		}
		ret = emit(arg, set->group, j - i);
		if (ret)
			break;
		*emitted += j - i;
		i = j;
	}
	*taken = i;
	return ret;
}

/*
 * One step of hmap_dump(): the entries at or after the cursor in the
 * range the cursor is in. Return 0 to go on to the next range, 1 when the
 * dump stops here (the caller's buffer is full, or the map is covered), or
 * a negative errno.
 */
static int hmap_dump_step(struct hmap *map, struct hmap_cursor *cursor,
			  struct hmap_dump_set *set, hmap_dump_fn emit,
			  void *arg, int *emitted)
{
	u64 span_mask, end;
	size_t taken;
	int ret;

	set->from = cursor->pos;
	ret = hmap_dump_collect(map, set, &span_mask);
	if (ret)
		return ret;
	end = set->bounded ? set->to : (cursor->pos | span_mask) + 1;
	ret = hmap_dump_emit(set, emit, arg, &taken, emitted);
	if (taken < set->n) {
		/* Declined or failed: the cursor points at what was not taken. */
		cursor->pos = set->items[taken].order;
		return ret < 0 ? ret : 1;
	}
	cursor->pos = end;
	if (!end) {
		cursor->done = true;
		return 1;
	}
	return 0;
}

/**
 * hmap_dump() - hand the next entries of a scan of the whole map to @emit
 * @map: the map.
 * @cursor: where the scan stands; zeroed to start one. Updated.
 * @emit: takes each group of entries (see &hmap_dump_fn); the format the
 *	caller writes them in is the caller's.
 * @arg: passed to @emit.
 *
 * A scan visits entries in the order of their bit-reversed hash, the order
 * of Redis' dictScan cursor: a bucket of 2^B buckets holds one contiguous
 * range of that order whatever B is, so the cursor, a position in that
 * order, stays valid across grows, shrinks and rebuilds between calls, and
 * every key present for the whole scan is returned exactly once. Entries
 * with equal hashes are handed over together. A range is one chain of the
 * smaller array in flight; its entries are copied out under its stripe,
 * which a dump holds for that copy alone, and handed to @emit with no lock
 * held, so @emit may sleep and may call into the map. A call visits at
 * most HMAP_DUMP_MAX_RANGES ranges; it may thus return 0 without the scan
 * being done.
 *
 * Context: Process context; takes one stripe at a time; may sleep.
 * Return: the number of entries @emit took (cursor->done is set once the
 * scan has covered the map), or a negative errno from @emit or -ENOMEM;
 * the cursor then points at the first entry not taken.
 */
int hmap_dump(struct hmap *map, struct hmap_cursor *cursor, hmap_dump_fn emit,
	      void *arg)
{
	struct hmap_dump_set set;
	unsigned int ranges;
	int emitted = 0, ret = 0;

	if (cursor->done)
		return 0;
	hmap_dump_set_init(&set);
	for (ranges = 0; ranges < HMAP_DUMP_MAX_RANGES && !ret; ranges++) {
		ret = hmap_dump_step(map, cursor, &set, emit, arg, &emitted);
		cond_resched();
	}
	hmap_dump_set_free(&set);
	return ret < 0 ? ret : emitted;
}
EXPORT_SYMBOL_GPL(hmap_dump);

/*
 * Evacuate one chunk for the worker: HMAP_WORKER_CHUNK chains, or fewer
 * when a writer waits for map->lock (at least one, so the resize always
 * moves on). True when no resize is left.
 */
static bool hmap_worker_chunk(struct hmap *map, int *err)
{
	struct hmap_table *t, *old;
	unsigned long ob;
	unsigned int i;

	for (i = 0; i < HMAP_WORKER_CHUNK && hmap_resizing(map); i++) {
		if (i && atomic_read(&map->writers_waiting))
			break;
		t = hmap_deref_locked(map, map->table);
		old = hmap_deref_locked(map, t->old);
		ob = hmap_claim_chain(map, old);
		if (ob == ULONG_MAX) {
			/* Evacuated; its last step's write may not be in yet. */
			hmap_finish_resize(map);
			break;
		}
		*err = hmap_evacuate_locked(map, ob, NULL);
		if (*err < 0) {
			hmap_unclaim_chain(map, ob);
			return true;
		}
		hmap_race_at(map, HMAP_RACE_WORKER_STEP);
	}
	return !hmap_resizing(map);
}

/*
 * Between chunks: when writers were waiting for map->lock as the worker
 * let it go (@admitted: writers_admitted then), wait until one of them
 * has had it before taking it again. A mutex hands itself to a waiter
 * only after the waiter has lost a race for it, and a woken writer is
 * slower to run than the worker is to call mutex_lock() again; without
 * this the worker wins chunk after chunk. The wait ends: a counted writer
 * is in or on its way into mutex_lock() of a free lock, and one admission
 * is enough (a stream of writers cannot hold the worker up).
 */
static void hmap_worker_let_writers_in(struct hmap *map, long admitted)
{
	while (atomic_long_read(&map->writers_admitted) == admitted) {
		cond_resched();
		cpu_relax();
	}
}

/**
 * hmap_worker_run() - finish the resize in flight as the worker does
 * @map: the map.
 *
 * The background worker's body; tests call it to finish a resize at a
 * moment of their choosing.
 *
 * Context: Process context; takes map->lock per chunk of
 * HMAP_WORKER_CHUNK chains.
 */
VISIBLE_IF_KUNIT void hmap_worker_run(struct hmap *map)
{
	long admitted;
	int waiting, err = 0;
	bool done;

	do {
		mutex_lock(&map->lock);
		done = hmap_worker_chunk(map, &err);
		if (err < 0 && map->worker_enabled)
			mod_delayed_work(system_unbound_wq, &map->worker,
					 HMAP_WORKER_RETRY);
		waiting = atomic_read(&map->writers_waiting);
		admitted = atomic_long_read(&map->writers_admitted);
		mutex_unlock(&map->lock);
		if (waiting)
			hmap_worker_let_writers_in(map, admitted);
		else
			cond_resched();
	} while (!done);
}
EXPORT_SYMBOL_IF_KUNIT(hmap_worker_run);

/*
 * Install @nt as the spare if it is still the one needed (and, unset, for
 * a grow: hmap_take_array()); return the loser.
 */
static struct hmap_table *hmap_install_spare(struct hmap *map,
					     struct hmap_table *nt)
{
	struct hmap_table *t = hmap_deref_locked(map, map->table);
	struct hmap_table *stale = map->spare;

	if (hmap_spare_log2(map, t) != (int)nt->log2 ||
	    (nt->buckets_unset && nt->log2 <= t->log2))
		return nt;
	hmap_set_spare(map, nt);
	hmap_memory_add(map, nt->bytes);
	if (stale)
		hmap_memory_sub(map, stale->bytes);
	return stale;
}

/**
 * hmap_prepare_spare() - allocate the spare array a write asked for
 * @map: the map.
 *
 * The worker's first job. The array is allocated outside map->lock, so
 * writers never wait for it: a grow's with its buckets unset (invariant
 * 8), a shrink's or a rebuild's zeroed. It is kept if it is still the size
 * the next resize needs once it is ready. A spare it replaces, or one no
 * longer needed, is freed at once: no lookup ever saw it.
 *
 * Context: Process context; may sleep; takes map->spare_lock, and
 * map->lock twice.
 * Return: 0, or -ENOMEM (the request stays, and the worker tries again
 * after HMAP_WORKER_RETRY).
 */
VISIBLE_IF_KUNIT int hmap_prepare_spare(struct hmap *map)
{
	struct hmap_table *nt = NULL, *unused = NULL;
	struct mem_cgroup *memcg = NULL;
	int log2 = -1, ret = 0;
	bool unset = false;

	mutex_lock(&map->spare_lock);
	mutex_lock(&map->lock);
	if (map->spare_requested) {
		struct hmap_table *t = hmap_deref_locked(map, map->table);

		log2 = hmap_spare_log2(map, t);
		/* A grow's only: a rebuild's spare could outlive a grow. */
		unset = log2 > (int)t->log2;
		/* Held by the map until the request is served. */
		memcg = map->memcg ?: map->spare_memcg;
	}
	mutex_unlock(&map->lock);
	if (log2 >= 0)
		nt = hmap_table_new(map, log2, memcg, unset);

	mutex_lock(&map->lock);
	if (log2 >= 0 && !nt) {
		ret = -ENOMEM;
		if (map->worker_enabled)
			mod_delayed_work(system_unbound_wq, &map->worker,
					 HMAP_WORKER_RETRY);
	} else {
		if (nt)
			unused = hmap_install_spare(map, nt);
		WRITE_ONCE(map->spare_requested, false);
		memcg = map->spare_memcg;
		map->spare_memcg = NULL;
	}
	mutex_unlock(&map->lock);
	mutex_unlock(&map->spare_lock);
	if (!ret)
		mem_cgroup_put(memcg);
	hmap_array_free(unused);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(hmap_prepare_spare);

/*
 * Start the resize the map is due, if writes left it waiting for its
 * spare (see "Arrays" in the top comment) and no write came after the
 * spare was ready: a map stays neither over nor under its load factor for
 * want of a write. Writes that went on would have started it themselves.
 */
static void hmap_start_waiting_resize(struct hmap *map)
{
	struct hmap_table *t;
	u32 kind;

	mutex_lock(&map->lock);
	if (!hmap_resizing(map)) {
		t = hmap_deref_locked(map, map->table);
		hmap_count_gather(map);
		kind = hmap_resize_due(map, t, hmap_count(map),
				       HMAP_RESIZING_GROW);
		if (kind == HMAP_RESIZING_NONE)
			kind = hmap_resize_due(map, t, hmap_count(map),
					       HMAP_RESIZING_SHRINK);
		/* Without an array ready it waits on, as writes would. */
		if (kind != HMAP_RESIZING_NONE)
			hmap_start_resize(map, kind);
	}
	mutex_unlock(&map->lock);
}

static void hmap_worker_fn(struct work_struct *work)
{
	struct hmap *map = container_of(to_delayed_work(work), struct hmap,
					worker);

	hmap_prepare_spare(map);
	hmap_start_waiting_resize(map);
	hmap_worker_run(map);
}

static unsigned int hmap_log2_for(u32 entries)
{
	unsigned int log2 = 0;

	while (log2 < HMAP_LOG2_MAX && hmap_over_load(entries, log2))
		log2++;
	return log2;
}

/* A reference of the map's own to its cgroup; mem_cgroup_put() drops it. */
static void hmap_memcg_get(struct mem_cgroup *memcg)
{
#ifdef CONFIG_MEMCG
	if (memcg)
		css_get(&memcg->css);
#endif
}

static bool hmap_params_valid(const struct hmap_params *p)
{
	return p->max_entries && p->max_entries <= HMAP_ENTRIES_LIMIT &&
	       p->max_key_size && p->max_key_size <= HMAP_KEY_SIZE_LIMIT &&
	       p->max_value_size <= HMAP_VALUE_SIZE_LIMIT &&
	       p->size_hint <= p->max_entries &&
	       !(p->flags & ~HMAP_CREATE_FLAGS);
}

/**
 * hmap_create() - create an empty map
 * @params: its limits and size hint.
 *
 * The map gets a random hsiphash key of its own, so keys crafted to collide
 * under one map's hash do not collide under another's.
 *
 * Context: Process context; may sleep. Memory is charged to
 * @params->memcg, or to the caller's memory cgroup.
 * Return: the map, ERR_PTR(-EINVAL) for parameters out of range, or
 * ERR_PTR(-ENOMEM).
 */
struct hmap *hmap_create(const struct hmap_params *params)
{
	struct mem_cgroup *prev;
	struct hmap_table *t;
	struct hmap *map;
	unsigned int i;

	BUILD_BUG_ON(sizeof(struct hmap_table) +
		     ((sizeof(struct hmap_bucket) + 1) << HMAP_LOG2_MAX) >
		     INT_MAX);
	/* The stride that keeps each bucket's first 16 bytes in one line. */
	BUILD_BUG_ON(IS_ENABLED(CONFIG_64BIT) &&
		     sizeof(struct hmap_bucket) != 96);
	if (!hmap_params_valid(params))
		return ERR_PTR(-EINVAL);
	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return ERR_PTR(-ENOMEM);
	mutex_init(&map->lock);
	mutex_init(&map->spare_lock);
	INIT_DELAYED_WORK(&map->worker, hmap_worker_fn);
	map->worker_enabled = true;
	map->spare_log2 = -1;
	spin_lock_init(&map->resize_lock);
	for (i = 0; i < HMAP_WRITE_STRIPES; i++)
		spin_lock_init(&map->stripes[i].lock);
	map->id = atomic_inc_return(&hmap_next_id);
	map->max_entries = params->max_entries;
	map->max_key_size = params->max_key_size;
	map->max_value_size = params->max_value_size;
	map->min_log2 = hmap_log2_for(params->size_hint);
	map->no_shrink = params->flags & HMAP_CREATE_NO_SHRINK;
	map->stats.id = map->id;
	map->stats.max_entries = map->max_entries;
	map->stats.max_key_size = map->max_key_size;
	map->stats.max_value_size = map->max_value_size;
	get_random_bytes(&map->hash_key, sizeof(map->hash_key));
	map->memcg = params->memcg;
	hmap_memcg_get(map->memcg);

	prev = hmap_charge_begin(map->memcg);
	map->cpu = alloc_percpu_gfp(struct hmap_cpu, GFP_KERNEL_ACCOUNT);
	hmap_charge_end(map->memcg, prev);
	if (!map->cpu)
		goto free_map;
	t = hmap_table_alloc(map, map->min_log2, false);
	if (!t)
		goto free_memory;
	RCU_INIT_POINTER(map->table, t);
	return map;

free_memory:
	free_percpu(map->cpu);
free_map:
	mem_cgroup_put(map->memcg);
	mutex_destroy(&map->spare_lock);
	mutex_destroy(&map->lock);
	kfree(map);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_GPL(hmap_create);

/**
 * hmap_destroy() - free a map and everything in it
 * @map: the map; NULL or an error pointer is ignored.
 *
 * Context: Process context; no other call on @map may be running or start,
 * and no lookup may still be inside an RCU read section on it.
 */
void hmap_destroy(struct hmap *map)
{
	if (IS_ERR_OR_NULL(map))
		return;
	mutex_lock(&map->lock);
	map->worker_enabled = false;
	mutex_unlock(&map->lock);
	cancel_delayed_work_sync(&map->worker);
	hmap_tables_free(rcu_dereference_protected(map->table, true));
	hmap_array_free(map->spare);
	mem_cgroup_put(map->spare_memcg);
	mem_cgroup_put(map->memcg);
	free_percpu(map->cpu);
	mutex_destroy(&map->spare_lock);
	mutex_destroy(&map->lock);
	kfree(map);
}
EXPORT_SYMBOL_GPL(hmap_destroy);

#if IS_ENABLED(CONFIG_KUNIT)
/* Only KUnit tests use what follows. */

/**
 * hmap_set_worker_enabled() - let the background worker run, or not
 * @map: the map.
 * @enabled: false to leave resizes to writes (and hmap_worker_run()).
 *
 * For tests that count exactly which write evacuates what.
 *
 * Context: Process context; may wait for a running worker.
 */
VISIBLE_IF_KUNIT void hmap_set_worker_enabled(struct hmap *map, bool enabled)
{
	mutex_lock(&map->lock);
	map->worker_enabled = enabled;
	if (enabled) {
		map->spares_manual = false;
		if (hmap_resizing(map) || map->spare_requested)
			mod_delayed_work(system_unbound_wq, &map->worker, 0);
	}
	mutex_unlock(&map->lock);
	if (!enabled)
		cancel_delayed_work_sync(&map->worker);
}
EXPORT_SYMBOL_IF_KUNIT(hmap_set_worker_enabled);

/**
 * hmap_worker_flush() - wait for the worker's pass that is queued or running
 * @map: the map.
 *
 * A queued pass runs at once, not after its delay. For tests that wait for
 * what the worker does with no write to prompt it.
 *
 * Context: Process context; may sleep.
 */
VISIBLE_IF_KUNIT void hmap_worker_flush(struct hmap *map)
{
	flush_delayed_work(&map->worker);
}
EXPORT_SYMBOL_IF_KUNIT(hmap_worker_flush);

/**
 * hmap_set_spares_manual() - the test prepares the spare arrays
 * @map: the map.
 *
 * Turns the worker off (hmap_set_worker_enabled()) but keeps writes from
 * allocating arrays over HMAP_INLINE_LOG2: a resize into one waits for a
 * spare the test makes with hmap_prepare_spare(), as it would wait for the
 * worker.
 *
 * Context: Process context; may wait for a running worker.
 */
VISIBLE_IF_KUNIT void hmap_set_spares_manual(struct hmap *map)
{
	hmap_set_worker_enabled(map, false);
	mutex_lock(&map->lock);
	map->spares_manual = true;
	mutex_unlock(&map->lock);
}
EXPORT_SYMBOL_IF_KUNIT(hmap_set_spares_manual);

/* What hmap_check() found so far. */
struct hmap_check {
	u64 entries;
	unsigned long overflow;
	char *why;
	size_t len;
	int err;
};

static void hmap_check_fail(struct hmap_check *c, const char *what,
			    unsigned long bucket)
{
	if (!c->err)
		snprintf(c->why, c->len, "%s (bucket %lu)", what, bucket);
	c->err = -EUCLEAN;
}

static void hmap_check_chain(struct hmap *map, struct hmap_table *t,
			     unsigned long idx, struct hmap_check *c)
{
	struct hmap_bucket *b;
	bool rest = false;
	unsigned int i;

	for (b = &t->buckets[idx]; b; b = hmap_deref_locked(map, b->overflow)) {
		if (b != &t->buckets[idx])
			c->overflow++;
		for (i = 0; i < HMAP_BUCKET_SLOTS; i++) {
			u8 th = b->tophash[i];
			struct hmap_entry *e = hmap_deref_locked(map,
								 b->slots[i]);

			if (rest && th != HMAP_EMPTY_REST)
				hmap_check_fail(c, "slot used after emptyRest",
						idx);
			rest = th == HMAP_EMPTY_REST;
			if (!hmap_slot_used(th)) {
				if (e || (th != HMAP_EMPTY_ONE &&
					  th != HMAP_EMPTY_REST))
					hmap_check_fail(c, "bad empty slot", idx);
				continue;
			}
			if (!e || th != hmap_tophash(e->hash))
				hmap_check_fail(c, "tophash mismatch", idx);
			else if ((e->hash & hmap_mask(t)) != idx)
				hmap_check_fail(c, "entry in wrong bucket", idx);
			else if (b->split[i] != hmap_split(e->hash, t->log2))
				hmap_check_fail(c, "split byte mismatch", idx);
			c->entries++;
		}
	}
}

/* A spare is never reachable, so it must still be as allocated. */
static bool hmap_spare_untouched(const struct hmap_table *t)
{
	if (t->old || hmap_noverflow(t) ||
	    memchr_inv(t->evacuated, 0, hmap_nbuckets(t)))
		return false;
	return t->buckets_unset ||
	       !memchr_inv(t->buckets, 0, hmap_buckets_size(t->log2));
}

/**
 * hmap_check() - verify a map's structure
 * @map: the map.
 * @why: receives what is wrong.
 * @len: size of @why.
 *
 * Checks every chain of the current array and every old chain not yet
 * evacuated: tophash and split bytes match their entries, entries sit in
 * the bucket their hash selects, emptyRest marks only trailing slots, the
 * entry and overflow counts match, and everything below the evacuation
 * mark is evacuated.
 *
 * Context: Process context; takes map->lock and every stripe.
 * Return: 0, or -EUCLEAN with a description in @why.
 */
VISIBLE_IF_KUNIT int hmap_check(struct hmap *map, char *why, size_t len)
{
	struct hmap_check c = { .why = why, .len = len };
	struct hmap_table *t, *old;
	unsigned long i;

	mutex_lock(&map->lock);
	hmap_lock_stripes(map);
	t = hmap_deref_locked(map, map->table);
	old = hmap_deref_locked(map, t->old);
	for (i = 0; i < hmap_nbuckets(t); i++)
		if (hmap_bucket_is_set(t, old, i))
			hmap_check_chain(map, t, i, &c);
	if (c.overflow != hmap_noverflow(t))
		hmap_check_fail(&c, "overflow count mismatch", 0);
	if (!old != !hmap_resizing(map))
		hmap_check_fail(&c, "resize state mismatch", 0);
	for (i = 0; old && i < hmap_nbuckets(old); i++) {
		if (old->evacuated[i])
			continue;
		if (i < map->resize.nevacuate)
			hmap_check_fail(&c, "unevacuated below mark", i);
		hmap_check_chain(map, old, i, &c);
	}
	if (c.entries != hmap_count_entries(map))
		hmap_check_fail(&c, "entry count mismatch", 0);
	if (map->spare && !hmap_spare_untouched(map->spare))
		hmap_check_fail(&c, "spare array used", 0);
	hmap_unlock_stripes(map);
	mutex_unlock(&map->lock);
	return c.err;
}
EXPORT_SYMBOL_IF_KUNIT(hmap_check);
#endif /* CONFIG_KUNIT */
