// SPDX-License-Identifier: GPL-2.0
/*
 * hmap_core.c, unchanged, compiled against the weak-memory checker. The
 * Makefile builds this once for ../../hmap_core.c and once per regression
 * patch, with -DHMAP_CORE_FILE naming the patched copy.
 */
#include "wmm_internal.h"

#ifdef HMAP_CORE_FILE
#include HMAP_CORE_FILE
#else
#include "../../hmap_core.c"
#endif

#include "hmap_wmm.h"

#ifndef WMM_VARIANT
#define WMM_VARIANT "real"
#endif
const char hmap_wmm_variant[] = WMM_VARIANT;

uint64_t (*wmm_hash_hook)(const void *key, uint32_t key_len);
bool wmm_alloc_fail;

/* Names for the trace: T3(B=1)->buckets[1].tophash[2], E9(key=0x..), ... */
static void hmap_wmm_bucket_field(char *buf, size_t len, size_t off)
{
	size_t o = offsetof(struct hmap_bucket, overflow);
	size_t s = offsetof(struct hmap_bucket, slots);

	if (off < HMAP_BUCKET_SLOTS)
		snprintf(buf, len, ".tophash[%zu]", off);
	else if (off == o)
		snprintf(buf, len, ".overflow");
	else if (off >= s && (off - s) % sizeof(void *) == 0)
		snprintf(buf, len, ".slots[%zu]", (off - s) / sizeof(void *));
	else
		snprintf(buf, len, "+%#zx", off);
}

static void hmap_wmm_namer(const void *base, size_t size, const char *func,
			   unsigned int id, size_t off, char *buf, size_t len)
{
	char field[64] = "";
	int n;

	if (!strcmp(func, "hmap_table_alloc")) {
		const struct hmap_table *t = base;
		size_t b0 = offsetof(struct hmap_table, buckets);
		size_t nb = (size - b0) / (sizeof(struct hmap_bucket) + 1);

		if (off == WMM_OBJECT) {
			;
		} else if (off == offsetof(struct hmap_table, old)) {
			snprintf(field, sizeof(field), "->old");
		} else if (off >= b0 && off < b0 + nb * sizeof(struct hmap_bucket)) {
			size_t i = (off - b0) / sizeof(struct hmap_bucket);

			n = snprintf(field, sizeof(field), "->buckets[%zu]", i);
			hmap_wmm_bucket_field(field + n, sizeof(field) - n,
					      off - b0 - i * sizeof(struct hmap_bucket));
		} else if (off >= b0 + nb * sizeof(struct hmap_bucket)) {
			snprintf(field, sizeof(field), "->evacuated[%zu]",
				 off - b0 - nb * sizeof(struct hmap_bucket));
		} else if (off) {
			snprintf(field, sizeof(field), "+%#zx", off);
		}
		snprintf(buf, len, "T%u(B=%u)%s", id, t->log2, field);
	} else if (!strcmp(func, "hmap_overflow_alloc")) {
		if (off != WMM_OBJECT)
			hmap_wmm_bucket_field(field, sizeof(field), off);
		snprintf(buf, len, "ov%u%s", id, field);
	} else if (!strcmp(func, "hmap_entry_alloc")) {
		const struct hmap_entry *e = base;
		u64 key = 0;

		if (e->key_len == sizeof(key))
			memcpy(&key, e->data, sizeof(key));
		if (off != WMM_OBJECT)
			snprintf(field, sizeof(field), "+%#zx", off);
		snprintf(buf, len, "E%u(key %#llx)%s", id,
			 (unsigned long long)key, field);
	} else if (!strcmp(func, "hmap_create")) {
		if (off == offsetof(struct hmap, table))
			snprintf(field, sizeof(field), "->table");
		else if (off != WMM_OBJECT)
			snprintf(field, sizeof(field), "+%#zx", off);
		snprintf(buf, len, "map%s", field);
	} else if (off == WMM_OBJECT) {
		snprintf(buf, len, "%s#%u", func, id);
	} else {
		snprintf(buf, len, "%s#%u+%#zx", func, id, off);
	}
}

/*
 * The stand-in's lib/kernel.c asks liburcu (lib/rcu.c) whether the caller
 * is inside rcu_read_lock(); the checker links no liburcu (its reader runs
 * in the writer's OS thread, and the core's RCU calls are no-ops): never.
 */
__attribute__((weak)) bool rcu_read_lock_held(void)
{
	return false;
}

void hmap_wmm_init(void)
{
	wmm_set_namer(hmap_wmm_namer);
}

struct hmap *hmap_wmm_create(uint32_t max_entries, uint32_t max_key_size,
			     uint32_t max_value_size, uint32_t size_hint)
{
	struct hmap_params p = {
		.max_entries = max_entries,
		.max_key_size = max_key_size,
		.max_value_size = max_value_size,
		.size_hint = size_hint,
	};

	return hmap_create(&p);
}

unsigned int hmap_wmm_log2(struct hmap *map)
{
	return hmap_deref_locked(map, map->table)->log2;
}

int hmap_wmm_evacuated(struct hmap *map, unsigned long ob)
{
	struct hmap_table *t = hmap_deref_locked(map, map->table);
	struct hmap_table *old = hmap_deref_locked(map, t->old);

	if (!old || ob >= hmap_nbuckets(old))
		return -1;
	return old->evacuated[ob];
}
