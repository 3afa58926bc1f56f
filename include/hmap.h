/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmap - an in-kernel hash map that grows and shrinks incrementally.
 *
 * Buckets of eight slots with a tophash byte per slot, overflow chains,
 * load factor 6.5 and incremental evacuation, after Go's classic runtime
 * map; lookups take only rcu_read_lock(). See hmap_core.c for the
 * algorithm and its invariants.
 */
#ifndef _HMAP_H
#define _HMAP_H

#include <linux/bits.h>
#include <linux/types.h>

/* The flags, resize kinds and statistics are the ABI's (one list each). */
#include "uapi/linux/hmap.h"

struct hmap;
struct mem_cgroup;

/* Hard limits, whatever a map's parameters say. */
#define HMAP_KEY_SIZE_LIMIT	4096U
#define HMAP_VALUE_SIZE_LIMIT	BIT(20)
#define HMAP_ENTRIES_LIMIT	BIT(28)

/**
 * struct hmap_params - parameters of a new map
 * @max_entries: the most entries the map may hold; 1..HMAP_ENTRIES_LIMIT.
 * @max_key_size: the longest key in bytes; 1..HMAP_KEY_SIZE_LIMIT.
 * @max_value_size: the longest value in bytes; 0..HMAP_VALUE_SIZE_LIMIT.
 * @size_hint: entries expected; the map starts big enough to hold them
 *	without growing, and never shrinks below that size.
 * @flags: HMAP_CREATE_* flags (HMAP_CREATE_NO_SHRINK); others must be 0.
 * @memcg: when not NULL, every allocation made for the map is charged to
 *	this memory cgroup (hmap_create() takes a reference of its own,
 *	hmap_destroy() drops it); NULL charges each allocation to the task
 *	whose call makes it (a bucket array the background worker prepares
 *	for a resize, to the task whose write asked for it).
 */
struct hmap_params {
	u32 max_entries;
	u32 max_key_size;
	u32 max_value_size;
	u32 size_hint;
	u32 flags;
	struct mem_cgroup *memcg;
};

/**
 * struct hmap_stats - a snapshot of a map's state and history
 * @id: the map's id, as the tracepoints report it.
 * @count: entries in the map.
 * @max_entries: the map's entry limit.
 * @max_key_size: the map's key size limit.
 * @max_value_size: the map's value size limit.
 * @log2_buckets: B: the map has 2^B buckets (the new array during a resize).
 * @resize: the resize in progress, a HMAP_RESIZING_* value.
 * @old_log2_buckets: B of the array being evacuated, when @resize is not
 *	HMAP_RESIZING_NONE.
 * @nevacuate: old buckets below this index are all evacuated.
 * @old_buckets: buckets in the array being evacuated (0 when none).
 * @overflow_buckets: overflow buckets chained in the current array.
 * @grows: doubling resizes started since creation.
 * @same_size_grows: same-size rebuilds started since creation.
 * @shrinks: halving resizes started since creation.
 * @evacuated_by_writes: old bucket chains evacuated by inserts and deletes.
 * @evacuated_by_worker: old bucket chains evacuated by the background worker.
 * @memory_bytes: bytes allocated for bucket arrays, overflow buckets and entries;
 *	summed over CPUs, so exact only while no write runs.
 *
 * Exactly the statistics of HMAP_STATS_FIELDS() in the UAPI header, in its
 * order, all u64: the chardev, which copies them by that list, checks at
 * build time that this structure has each of them and nothing else.
 */
struct hmap_stats {
	u64 id;
	u64 count;
	u64 max_entries;
	u64 max_key_size;
	u64 max_value_size;
	u64 log2_buckets;
	u64 resize;
	u64 old_log2_buckets;
	u64 nevacuate;
	u64 old_buckets;
	u64 overflow_buckets;
	u64 grows;
	u64 same_size_grows;
	u64 shrinks;
	u64 evacuated_by_writes;
	u64 evacuated_by_worker;
	u64 memory_bytes;
};

/**
 * struct hmap_dump_item - one entry as hmap_dump() hands it to its caller
 * @key: the key.
 * @value: the value.
 * @key_len: bytes at @key.
 * @value_len: bytes at @value.
 *
 * Valid only during the call of the &hmap_dump_fn that receives it: @key
 * and @value point into the dump's own copy of the entry.
 */
struct hmap_dump_item {
	const void *key;
	const void *value;
	u32 key_len;
	u32 value_len;
};

/**
 * typedef hmap_dump_fn - takes the entries hmap_dump() found
 * @arg: the argument the caller gave hmap_dump().
 * @items: entries that share one position in the dump's order (almost
 *	always one entry; more only when their hashes are equal).
 * @n: how many, at least 1.
 *
 * A position cannot be split across calls: the function takes all of
 * @items or none.
 *
 * Context: called with no lock of the map held, on copies of the entries
 * taken under their chain's lock: it may sleep (to allocate, to copy to
 * user space) and may call into the map, even to change the keys it is
 * handed.
 * Return: 0 when it took @items; HMAP_DUMP_FULL when it did not (the dump
 * stops, and the cursor points at @items); a negative errno to abort the
 * dump, which hmap_dump() then returns.
 */
typedef int (*hmap_dump_fn)(void *arg, const struct hmap_dump_item *items,
			    unsigned int n);

#define HMAP_DUMP_FULL	1

/**
 * struct hmap_cursor - position of a dump; zero it to start a dump
 * @pos: where the next call continues, in the map's hash order.
 * @done: set once the dump has covered the whole map.
 */
struct hmap_cursor {
	u64 pos;
	bool done;
};

struct hmap *hmap_create(const struct hmap_params *params);
void hmap_destroy(struct hmap *map);

int hmap_insert(struct hmap *map, const void *key, u32 key_len,
		const void *value, u32 value_len, u64 flags);
int hmap_lookup(struct hmap *map, const void *key, u32 key_len,
		void *value, u32 *value_len);
int hmap_delete(struct hmap *map, const void *key, u32 key_len);
int hmap_lookup_and_delete(struct hmap *map, const void *key, u32 key_len,
			   void *value, u32 *value_len);
int hmap_delete_if_value(struct hmap *map, const void *key, u32 key_len,
			 const void *value, u32 value_len);
int hmap_clear(struct hmap *map);
void hmap_get_stats(struct hmap *map, struct hmap_stats *stats);
int hmap_dump(struct hmap *map, struct hmap_cursor *cursor, hmap_dump_fn emit,
	      void *arg);

#endif /* _HMAP_H */
