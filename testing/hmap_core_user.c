// SPDX-License-Identifier: GPL-2.0
/*
 * hmap_core.c, the very file the kernel builds, compiled in user space.
 *
 * Our hmap_internal.h comes first and takes the include guard of the
 * kernel's, so the core's own #include "hmap_internal.h" finds it already
 * done. After the core come a few helpers that look inside a map (tests
 * only), as tools/testing/vma/vma.c adds its own after mm/vma.c.
 */
#include "hmap_internal.h"
#include "hmap_user.h"

#include "../hmap_core.c"

/* The hash the core computes when no stub redirects hmap_key_hash(). */
u64 hmap_user_real_hash(const struct hmap *map, const void *key, u32 key_len)
{
	return hmap_hash(map, key, key_len);
}

unsigned int hmap_user_min_log2(const struct hmap *map)
{
	return map->min_log2;
}

int hmap_user_spare_log2(struct hmap *map)
{
	int log2;

	mutex_lock(&map->lock);
	log2 = map->spare ? (int)map->spare->log2 : -1;
	mutex_unlock(&map->lock);
	return log2;
}

u64 hmap_user_map_lock_hold_max(struct hmap *map, bool reset)
{
	return hmap_user_mutex_hold_max(&map->lock, reset);
}

static size_t hmap_user_chain_bytes(struct hmap *map, struct hmap_bucket *head)
{
	struct hmap_bucket *b;
	size_t bytes = 0;
	unsigned int i;

	for (b = head; b; b = hmap_deref_locked(map, b->overflow)) {
		if (b != head)
			bytes += kmalloc_size_roundup(sizeof(struct hmap_overflow));
		for (i = 0; i < HMAP_BUCKET_SLOTS; i++) {
			struct hmap_entry *e;

			if (!hmap_slot_used(b->tophash[i]))
				continue;
			e = hmap_deref_locked(map, b->slots[i]);
			bytes += kmalloc_size_roundup(hmap_entry_size(e->key_len,
								      e->value_len));
		}
	}
	return bytes;
}

/*
 * hmap_check(), plus what it does not look at: the map's memory count
 * must be the sum of what is reachable (arrays, overflow buckets,
 * entries) and the spare array, and the evacuation mark must be within
 * the old array.
 */
int hmap_user_audit(struct hmap *map, char *why, size_t len)
{
	struct hmap_table *t, *old;
	size_t bytes;
	unsigned long i;
	int ret;

	ret = hmap_check(map, why, len);
	if (ret)
		return ret;
	mutex_lock(&map->lock);
	t = hmap_deref_locked(map, map->table);
	old = hmap_deref_locked(map, t->old);
	bytes = t->bytes + (map->spare ? map->spare->bytes : 0);
	for (i = 0; i < hmap_nbuckets(t); i++)
		if (hmap_bucket_is_set(t, old, i))
			bytes += hmap_user_chain_bytes(map, &t->buckets[i]);
	if (old) {
		bytes += old->bytes;
		for (i = 0; i < hmap_nbuckets(old); i++)
			if (!old->evacuated[i])
				bytes += hmap_user_chain_bytes(map,
							       &old->buckets[i]);
		if (map->resize.nevacuate >= hmap_nbuckets(old)) {
			snprintf(why, len, "nevacuate %lu past the old array (%lu)",
				 map->resize.nevacuate, hmap_nbuckets(old));
			ret = -EUCLEAN;
		}
	}
	if (!ret && bytes != hmap_memory_sum(map)) {
		snprintf(why, len, "memory accounting: map says %zu, reachable %zu",
			 (size_t)hmap_memory_sum(map), bytes);
		ret = -EUCLEAN;
	}
	mutex_unlock(&map->lock);
	return ret;
}

void hmap_user_memory_skew(struct hmap *map, long bytes)
{
	this_cpu_add(map->cpu->memory, bytes);
}
