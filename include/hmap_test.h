/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only hooks into hmap_core.c, for the KUnit suites in kunit/.
 * Nothing outside the tests may use these.
 */
#ifndef _HMAP_TEST_H
#define _HMAP_TEST_H

#include "hmap.h"

/**
 * typedef hmap_test_hash_fn - replaces a map's keyed hash in tests
 * @key: the key.
 * @key_len: its length in bytes.
 *
 * Return: the 64-bit hash to use for @key.
 */
typedef u64 (*hmap_test_hash_fn)(const void *key, u32 key_len);

void hmap_test_set_hash(struct hmap *map, hmap_test_hash_fn fn);
void hmap_test_set_worker(struct hmap *map, bool enabled);
void hmap_test_run_worker(struct hmap *map);
void hmap_test_fail_allocs(struct hmap *map, unsigned int skip,
			   unsigned int count);
int hmap_test_check(struct hmap *map, char *why, size_t len);

#endif /* _HMAP_TEST_H */
