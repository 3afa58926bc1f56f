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

struct hmap;

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
 */
struct hmap_params {
	u32 max_entries;
	u32 max_key_size;
	u32 max_value_size;
	u32 size_hint;
};

/* Flags of hmap_insert(), with the meaning of BPF_ANY/NOEXIST/EXIST. */
#define HMAP_ANY	0	/* create or update */
#define HMAP_NOEXIST	1	/* create only: -EEXIST if present */
#define HMAP_EXIST	2	/* update only: -ENOENT if absent */

/**
 * enum hmap_resize_kind - what an in-progress resize does
 * @HMAP_RESIZE_NONE: no resize in progress.
 * @HMAP_RESIZE_GROW: doubling the bucket array.
 * @HMAP_RESIZE_SAME_SIZE: rebuilding at the same size to compact overflow chains.
 * @HMAP_RESIZE_SHRINK: halving the bucket array.
 */
enum hmap_resize_kind {
	HMAP_RESIZE_NONE,
	HMAP_RESIZE_GROW,
	HMAP_RESIZE_SAME_SIZE,
	HMAP_RESIZE_SHRINK,
};

/**
 * struct hmap_stats - a snapshot of a map's state and history
 * @id: the map's id, as the tracepoints report it.
 * @count: entries in the map.
 * @max_entries: the map's entry limit.
 * @max_key_size: the map's key size limit.
 * @max_value_size: the map's value size limit.
 * @log2_buckets: B: the map has 2^B buckets (the new array during a resize).
 * @resize: the resize in progress, an &enum hmap_resize_kind.
 * @old_log2_buckets: B of the array being evacuated, when @resize is not NONE.
 * @nevacuate: old buckets below this index are all evacuated.
 * @old_buckets: buckets in the array being evacuated (0 when none).
 * @overflow_buckets: overflow buckets chained in the current array.
 * @grows: doubling resizes started since creation.
 * @same_size_grows: same-size rebuilds started since creation.
 * @shrinks: halving resizes started since creation.
 * @evacuated_by_writes: old bucket chains evacuated by inserts and deletes.
 * @evacuated_by_worker: old bucket chains evacuated by the background worker.
 * @memory_bytes: bytes allocated for bucket arrays, overflow buckets and entries.
 */
struct hmap_stats {
	u32 id;
	u64 count;
	u32 max_entries;
	u32 max_key_size;
	u32 max_value_size;
	u32 log2_buckets;
	u32 resize;
	u32 old_log2_buckets;
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
 * struct hmap_dump_rec - one entry as hmap_dump() writes it
 * @key_len: bytes of key that follow this header.
 * @value_len: bytes of value that follow the key.
 *
 * The key and the value follow the header; the next record starts at the
 * next multiple of HMAP_DUMP_ALIGN bytes. HMAP_DUMP_REC_SIZE() gives the
 * size of a record.
 */
struct hmap_dump_rec {
	u32 key_len;
	u32 value_len;
};

#define HMAP_DUMP_ALIGN	8
#define HMAP_DUMP_REC_SIZE(klen, vlen) \
	ALIGN(sizeof(struct hmap_dump_rec) + (klen) + (vlen), HMAP_DUMP_ALIGN)

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
int hmap_clear(struct hmap *map);
void hmap_get_stats(struct hmap *map, struct hmap_stats *stats);
int hmap_dump(struct hmap *map, struct hmap_cursor *cursor, void *buf,
	      size_t size, size_t *used);

#endif /* _HMAP_H */
