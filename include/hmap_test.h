/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What hmap_core.c offers its tests, and nobody else: functions KUnit
 * static stubs may redirect while a test runs, and functions exported only
 * to KUnit test modules (EXPORT_SYMBOL_IF_KUNIT, namespace
 * EXPORTED_FOR_KUNIT_TESTING). None of it changes a map's behaviour
 * outside a test.
 */
#ifndef _HMAP_TEST_H
#define _HMAP_TEST_H

#include "hmap.h"

/**
 * enum hmap_race_point - places where a test may widen a race window
 * @HMAP_RACE_LOOKUP: in a lookup, after it chose the bucket chain to search
 *	and before it reads it.
 * @HMAP_RACE_RETIRE: in a writer, right after it handed an array to
 *	kvfree_rcu() and before it goes on.
 * @HMAP_RACE_EVACUATE: in an evacuation, after the entries are in the new
 *	array and before the old chain's evacuated flag is set; the chain's
 *	stripe (a spinlock) is held: delays only.
 * @HMAP_RACE_WORKER_STEP: in the worker, after each chain it evacuated,
 *	with map->lock held and no stripe.
 */
enum hmap_race_point {
	HMAP_RACE_LOOKUP,
	HMAP_RACE_RETIRE,
	HMAP_RACE_EVACUATE,
	HMAP_RACE_WORKER_STEP,
};

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * Static stub points: each does the real work (or nothing) unless a test
 * redirects it with kunit_activate_static_stub(). Without KUnit they are
 * static functions of hmap_core.c.
 */
u64 hmap_key_hash(const struct hmap *map, const void *key, u32 key_len);
bool hmap_alloc_should_fail(const struct hmap *map, size_t size);
void hmap_race_window(const struct hmap *map, enum hmap_race_point where);
void hmap_buckets_left_unset(const struct hmap *map, void *buckets, size_t size);

/* Exported to KUnit tests only. */
void hmap_worker_run(struct hmap *map);
void hmap_set_worker_enabled(struct hmap *map, bool enabled);
void hmap_worker_flush(struct hmap *map);
void hmap_set_spares_manual(struct hmap *map);
int hmap_prepare_spare(struct hmap *map);
int hmap_check(struct hmap *map, char *why, size_t len);
#endif

#endif /* _HMAP_TEST_H */
