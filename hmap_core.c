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
 * hash bit oldB. When too many overflow buckets pile up (many deletes leave
 * sparse chains) the same machinery rebuilds into an array of the same size;
 * when the load falls to a quarter of 6.5 it rebuilds into half the size,
 * merging old buckets i and i + 2^newB into new bucket i. A delayed work
 * item finishes any resize that writes leave unfinished.
 *
 * Unlike Go, hmap lets readers run during writes: lookups take only
 * rcu_read_lock(); writers serialize on map->lock. That forces these
 * invariants, which the code below keeps:
 *
 *  1. A lookup never misses a key that was present, unchanged, for the
 *     whole lookup, during a resize too. An old bucket chain is immutable
 *     once the resize begins, except for its evacuated[] flag, which is set
 *     (smp_store_release) only after every entry of the chain is published
 *     in the new array; a lookup reads the flag (smp_load_acquire) and then
 *     searches the old chain or, when the flag is set, the new one. A write
 *     during a resize evacuates its key's old chain first, then touches only
 *     the new array.
 *  2. A lookup that starts after a delete or update returned never sees the
 *     old entry: a delete clears the slot before it returns, an update
 *     replaces the slot's pointer.
 *  3. A reader sees a value whole: entries are immutable; an update
 *     publishes a new entry with rcu_assign_pointer() and frees the old one
 *     with kfree_rcu().
 *  4. A write does bounded resize work: at most 2 old bucket chains plus a
 *     scan of at most HMAP_EVACUATE_SKIP evacuated flags.
 *  5. Entries, overflow buckets and arrays are freed only after a grace
 *     period in which no lookup can still reach them.
 *  6. A resize finishes even when nobody writes: the background worker
 *     evacuates HMAP_WORKER_CHUNK chains per hold of map->lock and calls
 *     cond_resched() between chunks.
 *
 * A slot is published by storing its entry pointer (rcu_assign_pointer)
 * before its tophash (WRITE_ONCE); a lookup reads the tophash, then the
 * pointer, and skips a NULL pointer, so it never follows a half-built slot.
 */
#include "hmap_internal.h"
#include "hmap.h"
#include "hmap_test.h"

#define CREATE_TRACE_POINTS
#include "hmap_trace.h"

EXPORT_TRACEPOINT_SYMBOL_GPL(hmap_resize_start);
EXPORT_TRACEPOINT_SYMBOL_GPL(hmap_evacuate);
EXPORT_TRACEPOINT_SYMBOL_GPL(hmap_resize_done);

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

/* Go's tooManyOverflowBuckets caps B at 15 for the comparison. */
#define HMAP_OVERFLOW_B_CAP	15

/* Go's advanceEvacuationMark: evacuated flags one write may skip over. */
#define HMAP_EVACUATE_SKIP	1024

/* Old chains the worker evacuates per hold of map->lock. */
#define HMAP_WORKER_CHUNK	64

/*
 * The worker starts this long after a resize does, so that a stream of
 * writes does the work inline and the worker only finishes what they leave.
 */
#define HMAP_WORKER_DELAY	msecs_to_jiffies(10)
#define HMAP_WORKER_RETRY	msecs_to_jiffies(100)

/* Small-table buckets one hmap_dump() call visits at most. */
#define HMAP_DUMP_MAX_RANGES	1024

/**
 * struct hmap_entry - one key and its value; immutable once published
 * @rcu: frees the entry after a grace period.
 * @hash: the key's hash, kept for evacuation and dumps.
 * @key_len: bytes of key at @data.
 * @value_len: bytes of value after the key.
 * @data: the key, then the value.
 */
struct hmap_entry {
	struct rcu_head rcu;
	u64 hash;
	u32 key_len;
	u32 value_len;
	u8 data[];
};

/*
 * A bucket is 80 bytes: the eight tophash bytes and the overflow pointer
 * share the first 16 bytes, so a lookup that misses on every tophash reads
 * one cache line per bucket; the slot pointers follow.
 */
struct hmap_bucket {
	u8 tophash[HMAP_BUCKET_SLOTS];
	struct hmap_bucket __rcu *overflow;
	struct hmap_entry __rcu *slots[HMAP_BUCKET_SLOTS];
};

/* Overflow buckets are allocated one by one and freed with kfree_rcu(). */
struct hmap_overflow {
	struct hmap_bucket bucket;
	struct rcu_head rcu;
};

/**
 * struct hmap_table - an array of 2^@log2 buckets
 * @old: the array being evacuated into this one, or NULL.
 * @log2: B.
 * @noverflow: overflow buckets chained in this array.
 * @evacuated: one flag per bucket, set once its chain is evacuated; lives
 *	after @buckets.
 * @rcu: frees the array after a grace period.
 * @buckets: the buckets.
 */
struct hmap_table {
	struct hmap_table __rcu *old;
	unsigned int log2;
	unsigned long noverflow;
	u8 *evacuated;
	struct rcu_head rcu;
	struct hmap_bucket buckets[];
};

/**
 * struct hmap_resize - progress of the resize in flight
 * @kind: enum hmap_resize_kind; HMAP_RESIZE_NONE when none.
 * @nevacuate: old buckets below this are all evacuated.
 * @start_ns: when the resize started.
 * @steps_by_writes: chains evacuated by writes.
 * @steps_by_worker: chains evacuated by the worker.
 * @moved: entries moved so far.
 */
struct hmap_resize {
	enum hmap_resize_kind kind;
	unsigned long nevacuate;
	u64 start_ns;
	u64 steps_by_writes;
	u64 steps_by_worker;
	u64 moved;
};

/**
 * struct hmap - a map
 * @table: the current bucket array; during a resize its ->old is the array
 *	being evacuated.
 * @hash_key: siphash key, random per map.
 * @test_hash: replaces siphash in tests.
 * @id: the id tracepoints report.
 * @max_entries: entry limit.
 * @max_key_size: key size limit.
 * @max_value_size: value size limit.
 * @min_log2: B from the size hint; the map never shrinks below it.
 * @lock: serializes writers, the worker, dumps and stats.
 * @count: entries in the map.
 * @resize: the resize in flight.
 * @stats: lifetime counters reported by hmap_get_stats().
 * @memory: bytes allocated for arrays, overflow buckets and entries.
 * @worker: finishes resizes in the background.
 * @worker_enabled: tests may turn the worker off.
 * @fail_skip: allocations to let through before failing (tests).
 * @fail_count: allocations to fail after that (tests).
 */
struct hmap {
	struct hmap_table __rcu *table;
	siphash_key_t hash_key;
	hmap_test_hash_fn test_hash;
	u32 id;
	u32 max_entries;
	u32 max_key_size;
	u32 max_value_size;
	unsigned int min_log2;

	struct mutex lock;	/* serializes all changes to the fields below */
	u64 count;
	struct hmap_resize resize;
	struct hmap_stats stats;
	size_t memory;
	struct delayed_work worker;
	bool worker_enabled;
	unsigned int fail_skip;
	unsigned int fail_count;
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

static inline u64 hmap_hash(const struct hmap *map, const void *key, u32 len)
{
	if (unlikely(map->test_hash))
		return map->test_hash(key, len);
	return siphash(key, len, &map->hash_key);
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

static inline bool hmap_entry_matches(const struct hmap_entry *e, u64 hash,
				      const void *key, u32 key_len)
{
	return e->hash == hash && e->key_len == key_len &&
	       !memcmp(e->data, key, key_len);
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
	return log2 > map->min_log2 &&
	       count * HMAP_SHRINK_DEN < (u64)HMAP_SHRINK_NUM << log2;
}

/*
 * Go's tooManyOverflowBuckets, plus a density check: rebuilding chains that
 * are more than half full would not free an overflow bucket, so a map whose
 * keys really collide (a forced hash) does not rebuild over and over.
 */
static bool hmap_too_many_overflow(const struct hmap *map,
				   const struct hmap_table *t)
{
	u64 slots = (u64)(hmap_nbuckets(t) + t->noverflow) * HMAP_BUCKET_SLOTS;

	return t->noverflow >= 1UL << min(t->log2, HMAP_OVERFLOW_B_CAP) &&
	       map->count * 2 < slots;
}

/* Reversed hash: the order in which dumps visit entries (see hmap_dump()). */
static inline u64 hmap_dump_order(u64 hash)
{
	return (u64)bitrev32(hash) << 32 | bitrev32(hash >> 32);
}

static inline bool hmap_resizing(const struct hmap *map)
{
	return map->resize.kind != HMAP_RESIZE_NONE;
}

/* Allocation failure injection for tests; always false in production. */
static bool hmap_alloc_should_fail(struct hmap *map)
{
	if (likely(!map->fail_count))
		return false;
	if (map->fail_skip) {
		map->fail_skip--;
		return false;
	}
	map->fail_count--;
	return true;
}

static size_t hmap_table_size(unsigned int log2)
{
	size_t n = 1UL << log2;

	return size_add(struct_size_t(struct hmap_table, buckets, n), n);
}

static struct hmap_table *hmap_table_alloc(struct hmap *map,
					   unsigned int log2)
{
	size_t size = hmap_table_size(log2);
	struct hmap_table *t;

	if (hmap_alloc_should_fail(map))
		return NULL;
	t = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!t)
		return NULL;
	t->log2 = log2;
	t->evacuated = (u8 *)&t->buckets[1UL << log2];
	map->memory += size;
	return t;
}

static struct hmap_overflow *hmap_overflow_alloc(struct hmap *map)
{
	struct hmap_overflow *ov;

	if (hmap_alloc_should_fail(map))
		return NULL;
	ov = kzalloc(sizeof(*ov), GFP_KERNEL_ACCOUNT);
	if (ov)
		map->memory += sizeof(*ov);
	return ov;
}

static void hmap_overflow_free_rcu(struct hmap *map, struct hmap_bucket *b)
{
	struct hmap_overflow *ov = container_of(b, struct hmap_overflow, bucket);

	map->memory -= sizeof(*ov);
	kfree_rcu(ov, rcu);
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
	struct hmap_entry *e;

	if (hmap_alloc_should_fail(map))
		return NULL;
	e = kmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!e)
		return NULL;
	e->hash = hash;
	e->key_len = key_len;
	e->value_len = value_len;
	memcpy(e->data, key, key_len);
	if (value_len)
		memcpy(e->data + key_len, value, value_len);
	map->memory += size;
	return e;
}

static void hmap_entry_free_rcu(struct hmap *map, struct hmap_entry *e)
{
	map->memory -= hmap_entry_size(e->key_len, e->value_len);
	kfree_rcu(e, rcu);
}

/* A slot is published entry first, tophash second (see the top comment). */
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
static struct hmap_entry *hmap_chain_find(struct hmap *map,
					  struct hmap_bucket *b, u64 hash,
					  const void *key, u32 key_len,
					  unsigned int *slot,
					  struct hmap_bucket **bucket)
{
	u8 top = hmap_tophash(hash);
	struct hmap_entry *e;
	unsigned int i;

	for (; b; b = hmap_deref(map, b->overflow)) {
		for (i = 0; i < HMAP_BUCKET_SLOTS; i++) {
			u8 th = READ_ONCE(b->tophash[i]);

			if (th != top) {
				if (th == HMAP_EMPTY_REST)
					return NULL;
				continue;
			}
			e = hmap_deref(map, b->slots[i]);
			if (!e || !hmap_entry_matches(e, hash, key, key_len))
				continue;
			if (slot)
				*slot = i;
			if (bucket)
				*bucket = b;
			return e;
		}
	}
	return NULL;
}

/* The chain a key lives in: the old one until it is evacuated, else the new. */
static struct hmap_bucket *hmap_key_chain(struct hmap *map,
					  struct hmap_table *t, u64 hash)
{
	struct hmap_table *old = hmap_deref(map, t->old);

	if (old) {
		unsigned long ob = hash & hmap_mask(old);

		/* Pairs with the release in hmap_evacuate(). */
		if (!smp_load_acquire(&old->evacuated[ob]))
			return &old->buckets[ob];
	}
	return &t->buckets[hash & hmap_mask(t)];
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
		b = hmap_deref_locked(map, b->overflow);
		if (!b)
			return NULL;
	}
}

static unsigned int hmap_chain_free_slots(struct hmap *map,
					  struct hmap_bucket *b)
{
	unsigned int n = 0, i;

	for (; b; b = hmap_deref_locked(map, b->overflow))
		for (i = 0; i < HMAP_BUCKET_SLOTS; i++)
			n += !hmap_slot_used(b->tophash[i]);
	return n;
}

/* Put an entry in the first free slot of chain @head, linking @spare if full. */
static void hmap_chain_add(struct hmap *map, struct hmap_table *t,
			   struct hmap_bucket *head, struct hmap_entry *e,
			   struct hmap_overflow **spares)
{
	struct hmap_bucket *b, *tail = NULL;
	struct hmap_overflow *ov;
	unsigned int slot;

	b = hmap_chain_free_slot(map, head, &slot, &tail);
	if (b) {
		hmap_slot_publish(b, slot, e, hmap_tophash(e->hash));
		return;
	}
	ov = *spares;
	*spares = (struct hmap_overflow *)ov->rcu.next;
	ov->rcu.next = NULL;
	hmap_slot_publish(&ov->bucket, 0, e, hmap_tophash(e->hash));
	/* Publishes the new bucket with its first slot already filled. */
	rcu_assign_pointer(tail->overflow, &ov->bucket);
	t->noverflow++;
}

/* Spare overflow buckets are kept on a list threaded through rcu.next. */
static int hmap_spares_alloc(struct hmap *map, unsigned int n,
			     struct hmap_overflow **spares)
{
	struct hmap_overflow *ov;

	while (n--) {
		ov = hmap_overflow_alloc(map);
		if (!ov)
			return -ENOMEM;
		ov->rcu.next = (struct callback_head *)*spares;
		*spares = ov;
	}
	return 0;
}

static void hmap_spares_free(struct hmap *map, struct hmap_overflow *spares)
{
	struct hmap_overflow *ov;

	while (spares) {
		ov = spares;
		spares = (struct hmap_overflow *)ov->rcu.next;
		map->memory -= sizeof(*ov);
		kfree(ov);
	}
}

static void hmap_finish_resize(struct hmap *map, struct hmap_table *t,
			       struct hmap_table *old)
{
	struct hmap_resize *r = &map->resize;

	/* Lookups still holding @old finish before kvfree_rcu() frees it. */
	RCU_INIT_POINTER(t->old, NULL);
	map->memory -= hmap_table_size(old->log2);
	kvfree_rcu(old, rcu);
	trace_hmap_resize_done(map->id, r->kind, old->log2, t->log2,
			       r->steps_by_writes, r->steps_by_worker, r->moved,
			       ktime_get_ns() - r->start_ns);
	r->kind = HMAP_RESIZE_NONE;
}

/*
 * Go's advanceEvacuationMark: a bounded skip over evacuated buckets. Return
 * true when every old bucket is evacuated.
 */
static bool hmap_advance_mark(struct hmap *map, struct hmap_table *old,
			      unsigned long ob)
{
	struct hmap_resize *r = &map->resize;
	unsigned long stop;

	if (ob == r->nevacuate) {
		r->nevacuate++;
		stop = min(r->nevacuate + HMAP_EVACUATE_SKIP,
			   hmap_nbuckets(old));
		while (r->nevacuate != stop && old->evacuated[r->nevacuate])
			r->nevacuate++;
	}
	return r->nevacuate == hmap_nbuckets(old);
}

/* Whether an entry of old chain @ob goes to the Y half of a grow. */
static inline bool hmap_dest_is_y(const struct hmap_table *t,
				  unsigned long ob, u64 hash)
{
	return (hash & hmap_mask(t)) != (ob & hmap_mask(t));
}

/* Overflow buckets the new array needs to take old chain @ob. */
static unsigned int hmap_evacuate_plan(struct hmap *map, struct hmap_table *t,
				       struct hmap_table *old, unsigned long ob)
{
	unsigned long dest[2] = { ob & hmap_mask(t), ob + hmap_nbuckets(old) };
	unsigned int moving[2] = { 0, 0 }, need = 0, d, i;
	struct hmap_bucket *b;
	struct hmap_entry *e;

	for (b = &old->buckets[ob]; b; b = hmap_deref_locked(map, b->overflow)) {
		for (i = 0; i < HMAP_BUCKET_SLOTS; i++) {
			if (!hmap_slot_used(b->tophash[i]))
				continue;
			e = hmap_deref_locked(map, b->slots[i]);
			moving[hmap_dest_is_y(t, ob, e->hash)]++;
		}
	}
	for (d = 0; d < 2; d++) {
		unsigned int free;

		if (!moving[d])
			continue;
		free = hmap_chain_free_slots(map, &t->buckets[dest[d]]);
		if (moving[d] > free)
			need += DIV_ROUND_UP(moving[d] - free,
					     HMAP_BUCKET_SLOTS);
	}
	return need;
}

/**
 * hmap_evacuate() - move old bucket chain @ob into the new array
 * @map: the map.
 * @ob: index of the chain in the old array.
 * @write_step: which evacuation of the current write this is (1 or 2), or
 *	0 for the worker; reported by the tracepoint.
 *
 * Every overflow bucket the new array needs is allocated before anything
 * changes, so a failure leaves the map as it was.
 *
 * Like Go's evacuate(), it advances the evacuation mark when @ob is at the
 * mark, evacuated before or not, and finishes the resize after the last.
 *
 * Context: map->lock held; a resize in flight.
 * Return: 1 if the chain was evacuated now, 0 if it already was, -ENOMEM.
 */
static int hmap_evacuate(struct hmap *map, unsigned long ob,
			 unsigned int write_step)
{
	struct hmap_table *t = hmap_deref_locked(map, map->table);
	struct hmap_table *old = hmap_deref_locked(map, t->old);
	struct hmap_overflow *spares = NULL;
	struct hmap_bucket *b, *next;
	unsigned int moved[2] = { 0, 0 }, i;
	u64 start = 0;
	bool done;

	if (old->evacuated[ob]) {
		if (hmap_advance_mark(map, old, ob))
			hmap_finish_resize(map, t, old);
		return 0;
	}
	if (trace_hmap_evacuate_enabled())
		start = ktime_get_ns();
	if (hmap_spares_alloc(map, hmap_evacuate_plan(map, t, old, ob),
			      &spares)) {
		hmap_spares_free(map, spares);
		return -ENOMEM;
	}
	for (b = &old->buckets[ob]; b; b = hmap_deref_locked(map, b->overflow)) {
		for (i = 0; i < HMAP_BUCKET_SLOTS; i++) {
			struct hmap_entry *e;

			if (!hmap_slot_used(b->tophash[i]))
				continue;
			e = hmap_deref_locked(map, b->slots[i]);
			hmap_chain_add(map, t,
				       &t->buckets[e->hash & hmap_mask(t)],
				       e, &spares);
			moved[hmap_dest_is_y(t, ob, e->hash)]++;
		}
	}
	WARN_ON_ONCE(spares);
	/* Pairs with the acquire in hmap_key_chain(): the entries are in. */
	smp_store_release(&old->evacuated[ob], 1);

	/* No new lookup reaches the old overflow buckets after the flag. */
	for (b = hmap_deref_locked(map, old->buckets[ob].overflow); b; b = next) {
		next = hmap_deref_locked(map, b->overflow);
		hmap_overflow_free_rcu(map, b);
	}

	map->resize.moved += moved[0] + moved[1];
	if (write_step) {
		map->resize.steps_by_writes++;
		map->stats.evacuated_by_writes++;
	} else {
		map->resize.steps_by_worker++;
		map->stats.evacuated_by_worker++;
	}
	done = hmap_advance_mark(map, old, ob);
	trace_hmap_evacuate(map->id, map->resize.kind, ob, moved[0], moved[1],
			    map->resize.nevacuate, hmap_nbuckets(old),
			    write_step, start ? ktime_get_ns() - start : 0);
	if (done)
		hmap_finish_resize(map, t, old);
	return 1;
}

/**
 * hmap_grow_work() - a write's share of the resize in flight
 * @map: the map.
 * @hash: hash of the key the write is about.
 *
 * Go's growWork: evacuate the old chain of the write's key, then one more
 * at the evacuation mark. Failing the second only delays the resize.
 *
 * Context: map->lock held.
 * Return: 0, or -ENOMEM if the key's own chain could not be evacuated.
 */
static int hmap_grow_work(struct hmap *map, u64 hash)
{
	struct hmap_table *t = hmap_deref_locked(map, map->table);
	struct hmap_table *old = hmap_deref_locked(map, t->old);
	unsigned int step = 0;
	int ret;

	if (!old)
		return 0;
	ret = hmap_evacuate(map, hash & hmap_mask(old), step + 1);
	if (ret < 0)
		return ret;
	step += ret;
	if (hmap_resizing(map))
		hmap_evacuate(map, map->resize.nevacuate, step + 1);
	return 0;
}

/**
 * hmap_start_resize() - allocate the new array and begin evacuating into it
 * @map: the map.
 * @kind: grow, same-size or shrink.
 *
 * Go's hashGrow: only the allocation happens here; writes and the worker
 * move the entries.
 *
 * Context: map->lock held; no resize in flight.
 * Return: 0 or -ENOMEM.
 */
static int hmap_start_resize(struct hmap *map, enum hmap_resize_kind kind)
{
	struct hmap_table *t = hmap_deref_locked(map, map->table);
	unsigned int log2 = t->log2;
	struct hmap_table *nt;

	if (kind == HMAP_RESIZE_GROW)
		log2++;
	else if (kind == HMAP_RESIZE_SHRINK)
		log2--;
	nt = hmap_table_alloc(map, log2);
	if (!nt)
		return -ENOMEM;
	RCU_INIT_POINTER(nt->old, t);
	/* Publishes @nt together with its ->old (release). */
	rcu_assign_pointer(map->table, nt);

	map->resize = (struct hmap_resize) {
		.kind = kind,
		.start_ns = ktime_get_ns(),
	};
	if (kind == HMAP_RESIZE_GROW)
		map->stats.grows++;
	else if (kind == HMAP_RESIZE_SAME_SIZE)
		map->stats.same_size_grows++;
	else
		map->stats.shrinks++;
	trace_hmap_resize_start(map->id, kind, t->log2, log2, map->count);
	if (map->worker_enabled)
		mod_delayed_work(system_unbound_wq, &map->worker,
				 HMAP_WORKER_DELAY);
	return 0;
}

/* Go's emptyRest upkeep after clearing slot @i of bucket @b in chain @head. */
static void hmap_mark_empty_rest(struct hmap *map, struct hmap_bucket *head,
				 struct hmap_bucket *b, unsigned int i)
{
	struct hmap_bucket *next = hmap_deref_locked(map, b->overflow);
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
			for (b = head; hmap_deref_locked(map, b->overflow) != c;
			     b = hmap_deref_locked(map, b->overflow))
				;
			i = HMAP_BUCKET_SLOTS - 1;
		} else {
			i--;
		}
		if (b->tophash[i] != HMAP_EMPTY_ONE)
			return;
	}
}

static void hmap_slot_clear(struct hmap *map, struct hmap_bucket *head,
			    struct hmap_bucket *b, unsigned int i)
{
	struct hmap_entry *e = hmap_deref_locked(map, b->slots[i]);

	WRITE_ONCE(b->tophash[i], HMAP_EMPTY_ONE);
	RCU_INIT_POINTER(b->slots[i], NULL);
	hmap_entry_free_rcu(map, e);
	hmap_mark_empty_rest(map, head, b, i);
	map->count--;
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
	if (e->value_len)
		memcpy(value, hmap_entry_value(e), e->value_len);
	return 0;
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
	enum hmap_resize_kind kind = HMAP_RESIZE_NONE;

	if (hmap_resizing(map))
		return 0;
	if (hmap_over_load(map->count + 1, t->log2))
		kind = HMAP_RESIZE_GROW;
	else if (hmap_too_many_overflow(map, t))
		kind = HMAP_RESIZE_SAME_SIZE;
	if (kind == HMAP_RESIZE_NONE || hmap_start_resize(map, kind))
		return 0;
	return hmap_grow_work(map, hash);
}

/* Start whatever resize a delete calls for; may fail quietly. */
static void hmap_resize_for_delete(struct hmap *map, u64 hash)
{
	struct hmap_table *t = hmap_deref_locked(map, map->table);
	enum hmap_resize_kind kind = HMAP_RESIZE_NONE;

	if (hmap_resizing(map))
		return;
	if (hmap_under_load(map, map->count, t->log2))
		kind = HMAP_RESIZE_SHRINK;
	else if (hmap_too_many_overflow(map, t))
		kind = HMAP_RESIZE_SAME_SIZE;
	if (kind != HMAP_RESIZE_NONE && !hmap_start_resize(map, kind))
		hmap_grow_work(map, hash);
}

/*
 * A write's first steps under map->lock: its share of the resize in flight,
 * then its key in the current array. Return the entry or NULL, with *@head
 * at the key's chain and *@bucket, *@slot at the entry; ERR_PTR(-ENOMEM) if
 * the key's old chain could not be evacuated.
 */
static struct hmap_entry *hmap_write_find(struct hmap *map, u64 hash,
					  const void *key, u32 key_len,
					  struct hmap_bucket **head,
					  struct hmap_bucket **bucket,
					  unsigned int *slot)
{
	struct hmap_table *t;
	int ret;

	ret = hmap_grow_work(map, hash);
	if (ret)
		return ERR_PTR(ret);
	t = hmap_deref_locked(map, map->table);
	*head = &t->buckets[hash & hmap_mask(t)];
	return hmap_chain_find(map, *head, hash, key, key_len, slot, bucket);
}

/**
 * hmap_insert() - insert or update a key
 * @map: the map.
 * @key: the key.
 * @key_len: its length, 1..max_key_size.
 * @value: the value.
 * @value_len: its length, 0..max_value_size.
 * @flags: HMAP_ANY (create or update), HMAP_NOEXIST (create only) or
 *	HMAP_EXIST (update only).
 *
 * During a resize the insert first evacuates at most two old bucket chains.
 * An update replaces the entry whole: a concurrent lookup sees the old value
 * or the new one. If the larger array for a grow cannot be allocated the
 * insert still succeeds and the grow is tried again by the next insert.
 *
 * Context: Process context; takes map->lock, may sleep.
 * Return: 0; -EINVAL for an empty key or unknown flags; -EMSGSIZE for a key
 * or value over the map's limits; -EEXIST (HMAP_NOEXIST, key present);
 * -ENOENT (HMAP_EXIST, key absent); -E2BIG when the map holds max_entries;
 * -ENOMEM. On error the map's contents are unchanged.
 */
int hmap_insert(struct hmap *map, const void *key, u32 key_len,
		const void *value, u32 value_len, u64 flags)
{
	struct hmap_bucket *head, *b, *tail = NULL;
	struct hmap_overflow *spare = NULL;
	struct hmap_entry *e, *old_e;
	struct hmap_table *t;
	unsigned int slot;
	bool resizing;
	u64 hash;
	int ret;

	ret = hmap_check_key(map, key_len);
	if (ret)
		return ret;
	if (flags > HMAP_EXIST)
		return -EINVAL;
	if (value_len > map->max_value_size)
		return -EMSGSIZE;
	hash = hmap_hash(map, key, key_len);

	mutex_lock(&map->lock);
	resizing = hmap_resizing(map);
	old_e = hmap_write_find(map, hash, key, key_len, &head, &b, &slot);
	ret = PTR_ERR_OR_ZERO(old_e);
	if (ret)
		goto unlock;
	if (old_e) {
		ret = -EEXIST;
		if (flags == HMAP_NOEXIST)
			goto unlock;
		ret = -ENOMEM;
		e = hmap_entry_alloc(map, hash, key, key_len, value, value_len);
		if (!e)
			goto unlock;
		rcu_assign_pointer(b->slots[slot], e);
		hmap_entry_free_rcu(map, old_e);
		ret = 0;
		goto unlock;
	}
	ret = -ENOENT;
	if (flags == HMAP_EXIST)
		goto unlock;
	ret = -E2BIG;
	if (map->count >= map->max_entries)
		goto unlock;

	/* A write that did growWork for one resize does not start the next. */
	ret = resizing ? 0 : hmap_resize_for_insert(map, hash);
	if (ret)
		goto unlock;
	t = hmap_deref_locked(map, map->table);
	head = &t->buckets[hash & hmap_mask(t)];
	ret = -ENOMEM;
	if (!hmap_chain_free_slot(map, head, &slot, &tail) &&
	    hmap_spares_alloc(map, 1, &spare))
		goto unlock;
	e = hmap_entry_alloc(map, hash, key, key_len, value, value_len);
	if (!e) {
		hmap_spares_free(map, spare);
		goto unlock;
	}
	hmap_chain_add(map, t, head, e, &spare);
	map->count++;
	ret = 0;
unlock:
	mutex_unlock(&map->lock);
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
	struct hmap_entry *e;
	u64 hash;
	int ret;

	ret = hmap_check_key(map, key_len);
	if (ret)
		return ret;
	hash = hmap_hash(map, key, key_len);

	rcu_read_lock();
	e = hmap_chain_find(map,
			    hmap_key_chain(map, rcu_dereference(map->table),
					   hash),
			    hash, key, key_len, NULL, NULL);
	ret = e ? hmap_copy_value(e, value, value_len) : -ENOENT;
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(hmap_lookup);

/* Remove a key, copying its value out first when @value_len is given. */
static int hmap_remove(struct hmap *map, const void *key, u32 key_len,
		       void *value, u32 *value_len)
{
	struct hmap_bucket *head, *b;
	struct hmap_entry *e;
	unsigned int slot;
	bool resizing;
	u64 hash;
	int ret;

	ret = hmap_check_key(map, key_len);
	if (ret)
		return ret;
	hash = hmap_hash(map, key, key_len);

	mutex_lock(&map->lock);
	resizing = hmap_resizing(map);
	e = hmap_write_find(map, hash, key, key_len, &head, &b, &slot);
	ret = PTR_ERR_OR_ZERO(e);
	if (ret)
		goto unlock;
	ret = -ENOENT;
	if (!e)
		goto unlock;
	ret = value_len ? hmap_copy_value(e, value, value_len) : 0;
	if (ret)
		goto unlock;
	hmap_slot_clear(map, head, b, slot);
	if (!resizing)
		hmap_resize_for_delete(map, hash);
unlock:
	mutex_unlock(&map->lock);
	return ret;
}

/**
 * hmap_delete() - remove a key
 * @map: the map.
 * @key: the key.
 * @key_len: its length.
 *
 * During a resize the delete first evacuates at most two old bucket chains.
 * A lookup that starts after hmap_delete() returns does not find the key.
 *
 * Context: Process context; takes map->lock, may sleep.
 * Return: 0; -ENOENT if absent; -EINVAL or -EMSGSIZE for a bad key length;
 * -ENOMEM if the key's old bucket could not be evacuated (nothing changed).
 */
int hmap_delete(struct hmap *map, const void *key, u32 key_len)
{
	return hmap_remove(map, key, key_len, NULL, NULL);
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
 * Context: Process context; takes map->lock, may sleep.
 * Return: as hmap_delete(), plus -ENOSPC if @value is too small, in which
 * case the key stays and *@value_len says how much is needed.
 */
int hmap_lookup_and_delete(struct hmap *map, const void *key, u32 key_len,
			   void *value, u32 *value_len)
{
	return hmap_remove(map, key, key_len, value, value_len);
}
EXPORT_SYMBOL_GPL(hmap_lookup_and_delete);

static void hmap_chain_free(struct hmap_bucket *head)
{
	struct hmap_bucket *b = head, *next;
	unsigned int i;

	for (; b; b = next) {
		next = rcu_dereference_protected(b->overflow, true);
		for (i = 0; i < HMAP_BUCKET_SLOTS; i++)
			if (hmap_slot_used(b->tophash[i]))
				kfree(rcu_dereference_protected(b->slots[i],
								true));
		if (b != head)
			kfree(container_of(b, struct hmap_overflow, bucket));
	}
}

/*
 * Free an array, the one it is evacuating, and every entry in them. Only for
 * arrays no lookup can reach any more. Evacuated old chains own nothing:
 * their entries moved, their overflow buckets went to kfree_rcu(). A map of
 * millions of entries takes a while: yield between chains.
 */
static void hmap_tables_free(struct hmap_table *t)
{
	struct hmap_table *old = rcu_dereference_protected(t->old, true);
	unsigned long i;

	if (old) {
		for (i = 0; i < hmap_nbuckets(old); i++) {
			if (!old->evacuated[i])
				hmap_chain_free(&old->buckets[i]);
			cond_resched();
		}
		kvfree(old);
	}
	for (i = 0; i < hmap_nbuckets(t); i++) {
		hmap_chain_free(&t->buckets[i]);
		cond_resched();
	}
	kvfree(t);
}

/**
 * hmap_clear() - remove every entry
 * @map: the map.
 *
 * The map goes back to the size its size hint asked for; a resize in flight
 * is abandoned. Lookups concurrent with the clear see the map before or
 * after it.
 *
 * Context: Process context; takes map->lock and waits for a grace period.
 * Return: 0, or -ENOMEM with the map unchanged.
 */
int hmap_clear(struct hmap *map)
{
	struct hmap_table *t, *nt;

	mutex_lock(&map->lock);
	nt = hmap_table_alloc(map, map->min_log2);
	if (!nt) {
		mutex_unlock(&map->lock);
		return -ENOMEM;
	}
	t = hmap_deref_locked(map, map->table);
	rcu_assign_pointer(map->table, nt);
	map->count = 0;
	map->resize.kind = HMAP_RESIZE_NONE;
	map->memory = hmap_table_size(nt->log2);
	mutex_unlock(&map->lock);

	synchronize_rcu();
	hmap_tables_free(t);
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
	struct hmap_table *t, *old;

	mutex_lock(&map->lock);
	t = hmap_deref_locked(map, map->table);
	old = hmap_deref_locked(map, t->old);
	*stats = map->stats;
	stats->count = map->count;
	stats->log2_buckets = t->log2;
	stats->resize = map->resize.kind;
	stats->old_log2_buckets = old ? old->log2 : 0;
	stats->nevacuate = old ? map->resize.nevacuate : 0;
	stats->old_buckets = old ? hmap_nbuckets(old) : 0;
	stats->overflow_buckets = t->noverflow;
	stats->memory_bytes = map->memory;
	mutex_unlock(&map->lock);
}
EXPORT_SYMBOL_GPL(hmap_get_stats);

/* One entry found by a dump, with its place in dump order. */
struct hmap_dump_item {
	u64 order;
	struct hmap_entry *e;
};

/* The entries of one dump range at or after the cursor. */
struct hmap_dump_set {
	u64 from;
	size_t n;
	size_t cap;
	struct hmap_dump_item *items;
	struct hmap_dump_item stack[16];
};

static void hmap_dump_visit(struct hmap *map, struct hmap_bucket *b,
			    struct hmap_dump_set *set)
{
	struct hmap_entry *e;
	unsigned int i;
	u64 order;

	for (; b; b = hmap_deref_locked(map, b->overflow)) {
		for (i = 0; i < HMAP_BUCKET_SLOTS; i++) {
			if (!hmap_slot_used(b->tophash[i]))
				continue;
			e = hmap_deref_locked(map, b->slots[i]);
			order = hmap_dump_order(e->hash);
			if (order < set->from)
				continue;
			if (set->n < set->cap)
				set->items[set->n] = (struct hmap_dump_item) {
					.order = order, .e = e,
				};
			set->n++;
		}
	}
}

/*
 * Visit every chain holding entries whose hash's low @log2 bits are @b,
 * where @log2 is the smaller of the two arrays during a resize: one old
 * chain not yet evacuated, or the new chains it went to.
 */
static void hmap_dump_range(struct hmap *map, struct hmap_table *t,
			    unsigned long b, struct hmap_dump_set *set)
{
	struct hmap_table *old = hmap_deref_locked(map, t->old);
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

static int hmap_dump_order_cmp(const void *a, const void *b)
{
	const struct hmap_dump_item *x = a, *y = b;

	return x->order < y->order ? -1 : x->order > y->order;
}

/* Collect and sort the entries of range @b at or after set->from. */
static int hmap_dump_collect(struct hmap *map, struct hmap_table *t,
			     unsigned long b, struct hmap_dump_set *set)
{
	set->n = 0;
	hmap_dump_range(map, t, b, set);
	if (set->n > set->cap) {
		if (set->items != set->stack)
			kvfree(set->items);
		set->cap = set->n;
		set->items = kvmalloc_array(set->cap, sizeof(*set->items),
					    GFP_KERNEL);
		if (!set->items) {
			set->cap = 0;
			return -ENOMEM;
		}
		set->n = 0;
		hmap_dump_range(map, t, b, set);
	}
	sort(set->items, set->n, sizeof(*set->items), hmap_dump_order_cmp,
	     NULL);
	return 0;
}

static size_t hmap_dump_rec_size(const struct hmap_entry *e)
{
	return HMAP_DUMP_REC_SIZE(e->key_len, e->value_len);
}

static void hmap_dump_write(void *buf, const struct hmap_entry *e)
{
	struct hmap_dump_rec rec = {
		.key_len = e->key_len,
		.value_len = e->value_len,
	};
	size_t len = sizeof(rec) + e->key_len + e->value_len;

	memcpy(buf, &rec, sizeof(rec));
	memcpy(buf + sizeof(rec), e->data, e->key_len + e->value_len);
	memset(buf + len, 0, hmap_dump_rec_size(e) - len);
}

/*
 * Write whole groups of equal dump order from @set into @buf. Return the
 * index of the first item not written.
 */
static size_t hmap_dump_emit(struct hmap_dump_set *set, void *buf,
			     size_t size, size_t *used, int *records,
			     size_t *needed)
{
	size_t i = 0, j, group;

	while (i < set->n) {
		group = 0;
		for (j = i; j < set->n &&
		     set->items[j].order == set->items[i].order; j++)
			group += hmap_dump_rec_size(set->items[j].e);
		if (group > size - *used) {
			*needed = group;
			return i;
		}
		for (; i < j; i++) {
			hmap_dump_write(buf + *used, set->items[i].e);
			*used += hmap_dump_rec_size(set->items[i].e);
			(*records)++;
		}
	}
	return i;
}

/**
 * hmap_dump() - copy the next entries of a scan of the whole map
 * @map: the map.
 * @cursor: where the scan stands; zeroed to start one. Updated.
 * @buf: receives records: struct hmap_dump_rec, key, value, padded to
 *	HMAP_DUMP_ALIGN bytes (HMAP_DUMP_REC_SIZE()).
 * @size: bytes at @buf.
 * @used: receives the bytes written; with -ENOSPC, the bytes needed.
 *
 * A scan visits entries in the order of their bit-reversed hash, the order
 * of Redis' dictScan cursor: a bucket of 2^B buckets holds one contiguous
 * range of that order whatever B is, so the cursor, a position in that
 * order, stays valid across grows, shrinks and rebuilds between calls, and
 * every key present for the whole scan is returned exactly once. Entries
 * with equal hashes are returned by the same call. A call may return no
 * records without being done: it visits at most HMAP_DUMP_MAX_RANGES
 * buckets.
 *
 * Context: Process context; takes map->lock.
 * Return: the number of records written (cursor->done is set once the scan
 * has covered the map); -ENOSPC if @buf cannot hold the next record;
 * -ENOMEM.
 */
int hmap_dump(struct hmap *map, struct hmap_cursor *cursor, void *buf,
	      size_t size, size_t *used)
{
	struct hmap_dump_set set = { .cap = ARRAY_SIZE(set.stack) };
	size_t needed = 0, written;
	unsigned int ranges;
	int records = 0, ret = 0;

	*used = 0;
	if (cursor->done)
		return 0;
	set.items = set.stack;
	mutex_lock(&map->lock);
	for (ranges = 0; ranges < HMAP_DUMP_MAX_RANGES; ranges++) {
		struct hmap_table *t = hmap_deref_locked(map, map->table);
		struct hmap_table *old = hmap_deref_locked(map, t->old);
		unsigned int log2 = old ? min(old->log2, t->log2) : t->log2;
		u64 span_mask = log2 ? ~0ULL >> log2 : ~0ULL;
		u64 end = (cursor->pos | span_mask) + 1;

		set.from = cursor->pos;
		ret = hmap_dump_collect(map, t,
					hmap_dump_order(cursor->pos) &
					((1UL << log2) - 1), &set);
		if (ret)
			break;
		written = hmap_dump_emit(&set, buf, size, used, &records,
					 &needed);
		if (written < set.n) {
			cursor->pos = set.items[written].order;
			break;
		}
		cursor->pos = end;
		if (!end) {
			cursor->done = true;
			break;
		}
	}
	mutex_unlock(&map->lock);
	if (set.items != set.stack)
		kvfree(set.items);
	if (ret)
		return ret;
	if (!records && needed) {
		*used = needed;
		return -ENOSPC;
	}
	return records;
}
EXPORT_SYMBOL_GPL(hmap_dump);

/* Evacuate one chunk for the worker; true when no resize is left. */
static bool hmap_worker_chunk(struct hmap *map, int *err)
{
	unsigned int i;

	for (i = 0; i < HMAP_WORKER_CHUNK && hmap_resizing(map); i++) {
		*err = hmap_evacuate(map, map->resize.nevacuate, 0);
		if (*err < 0)
			return true;
	}
	return !hmap_resizing(map);
}

static void hmap_worker_run(struct hmap *map)
{
	bool done;
	int err = 0;

	do {
		mutex_lock(&map->lock);
		done = hmap_worker_chunk(map, &err);
		if (err < 0 && map->worker_enabled)
			mod_delayed_work(system_unbound_wq, &map->worker,
					 HMAP_WORKER_RETRY);
		mutex_unlock(&map->lock);
		cond_resched();
	} while (!done);
}

static void hmap_worker_fn(struct work_struct *work)
{
	hmap_worker_run(container_of(to_delayed_work(work), struct hmap,
				     worker));
}

static unsigned int hmap_log2_for(u32 entries)
{
	unsigned int log2 = 0;

	while (hmap_over_load(entries, log2))
		log2++;
	return log2;
}

static bool hmap_params_valid(const struct hmap_params *p)
{
	return p->max_entries && p->max_entries <= HMAP_ENTRIES_LIMIT &&
	       p->max_key_size && p->max_key_size <= HMAP_KEY_SIZE_LIMIT &&
	       p->max_value_size <= HMAP_VALUE_SIZE_LIMIT &&
	       p->size_hint <= p->max_entries;
}

/**
 * hmap_create() - create an empty map
 * @params: its limits and size hint.
 *
 * The map gets a random siphash key of its own, so keys crafted to collide
 * under one map's hash do not collide under another's.
 *
 * Context: Process context; may sleep. Memory is charged to the caller's
 * memory cgroup.
 * Return: the map, ERR_PTR(-EINVAL) for parameters out of range, or
 * ERR_PTR(-ENOMEM).
 */
struct hmap *hmap_create(const struct hmap_params *params)
{
	struct hmap_table *t;
	struct hmap *map;

	if (!hmap_params_valid(params))
		return ERR_PTR(-EINVAL);
	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return ERR_PTR(-ENOMEM);
	mutex_init(&map->lock);
	INIT_DELAYED_WORK(&map->worker, hmap_worker_fn);
	map->worker_enabled = true;
	map->id = atomic_inc_return(&hmap_next_id);
	map->max_entries = params->max_entries;
	map->max_key_size = params->max_key_size;
	map->max_value_size = params->max_value_size;
	map->min_log2 = hmap_log2_for(params->size_hint);
	map->stats.id = map->id;
	map->stats.max_entries = map->max_entries;
	map->stats.max_key_size = map->max_key_size;
	map->stats.max_value_size = map->max_value_size;
	get_random_bytes(&map->hash_key, sizeof(map->hash_key));

	t = hmap_table_alloc(map, map->min_log2);
	if (!t) {
		mutex_destroy(&map->lock);
		kfree(map);
		return ERR_PTR(-ENOMEM);
	}
	RCU_INIT_POINTER(map->table, t);
	return map;
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
	mutex_destroy(&map->lock);
	kfree(map);
}
EXPORT_SYMBOL_GPL(hmap_destroy);

/* Test-only hooks (include/hmap_test.h). */

/**
 * hmap_test_set_hash() - replace the map's keyed hash
 * @map: an empty map.
 * @fn: the hash to use, or NULL for siphash.
 *
 * Context: Process context, before any insert.
 */
void hmap_test_set_hash(struct hmap *map, hmap_test_hash_fn fn)
{
	map->test_hash = fn;
}
EXPORT_SYMBOL_GPL(hmap_test_set_hash);

/**
 * hmap_test_set_worker() - turn the background worker off or on
 * @map: the map.
 * @enabled: false to leave resizes to writes alone.
 *
 * Context: Process context; may wait for a running worker.
 */
void hmap_test_set_worker(struct hmap *map, bool enabled)
{
	mutex_lock(&map->lock);
	map->worker_enabled = enabled;
	if (enabled && hmap_resizing(map))
		mod_delayed_work(system_unbound_wq, &map->worker, 0);
	mutex_unlock(&map->lock);
	if (!enabled)
		cancel_delayed_work_sync(&map->worker);
}
EXPORT_SYMBOL_GPL(hmap_test_set_worker);

/**
 * hmap_test_run_worker() - finish the resize in flight as the worker would
 * @map: the map.
 *
 * Context: Process context; takes map->lock per chunk.
 */
void hmap_test_run_worker(struct hmap *map)
{
	hmap_worker_run(map);
}
EXPORT_SYMBOL_GPL(hmap_test_run_worker);

/**
 * hmap_test_fail_allocs() - make allocations fail
 * @map: the map.
 * @skip: allocations to let through first.
 * @count: allocations to fail after those.
 *
 * Context: Process context.
 */
void hmap_test_fail_allocs(struct hmap *map, unsigned int skip,
			   unsigned int count)
{
	mutex_lock(&map->lock);
	map->fail_skip = skip;
	map->fail_count = count;
	mutex_unlock(&map->lock);
}
EXPORT_SYMBOL_GPL(hmap_test_fail_allocs);

/* What hmap_test_check() found so far. */
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
			c->entries++;
		}
	}
}

/**
 * hmap_test_check() - verify a map's structure
 * @map: the map.
 * @why: receives what is wrong.
 * @len: size of @why.
 *
 * Checks every chain of the current array and every old chain not yet
 * evacuated: tophash bytes match their entries, entries sit in the bucket
 * their hash selects, emptyRest marks only trailing slots, the entry and
 * overflow counts match, and everything below the evacuation mark is
 * evacuated.
 *
 * Context: Process context; takes map->lock.
 * Return: 0, or -EUCLEAN with a description in @why.
 */
int hmap_test_check(struct hmap *map, char *why, size_t len)
{
	struct hmap_check c = { .why = why, .len = len };
	struct hmap_table *t, *old;
	unsigned long i;

	mutex_lock(&map->lock);
	t = hmap_deref_locked(map, map->table);
	old = hmap_deref_locked(map, t->old);
	for (i = 0; i < hmap_nbuckets(t); i++)
		hmap_check_chain(map, t, i, &c);
	if (c.overflow != t->noverflow)
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
	if (c.entries != map->count)
		hmap_check_fail(&c, "entry count mismatch", 0);
	mutex_unlock(&map->lock);
	return c.err;
}
EXPORT_SYMBOL_GPL(hmap_test_check);
