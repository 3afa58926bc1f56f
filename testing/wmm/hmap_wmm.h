/* SPDX-License-Identifier: GPL-2.0 */
/* What hmap_wmm.c offers the scenarios beyond hmap.h and hmap_test.h. */
#ifndef HMAP_WMM_H
#define HMAP_WMM_H

#include <stdbool.h>
#include <stdint.h>

struct hmap;

/* hmap_key_hash() returns this hook's hash when it is set. */
extern uint64_t (*wmm_hash_hook)(const void *key, uint32_t key_len);
/* While set, every allocation hmap_core.c makes through its hook fails. */
extern bool wmm_alloc_fail;

/* Which build of hmap_core.c this is: "real" or a regress-*.patch name. */
extern const char hmap_wmm_variant[];

void hmap_wmm_init(void);
/* hmap_create() with these parameters (struct hmap_params is hmap.h's). */
struct hmap *hmap_wmm_create(uint32_t max_entries, uint32_t max_key_size,
			     uint32_t max_value_size, uint32_t size_hint);
/* B of the current array. */
unsigned int hmap_wmm_log2(struct hmap *map);
/* Old chain @ob's evacuated flag; -1 when no resize is in flight. */
int hmap_wmm_evacuated(struct hmap *map, unsigned long ob);

#endif
