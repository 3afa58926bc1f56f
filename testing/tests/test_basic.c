// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel API's contract (include/hmap.h), case by case: parameters,
 * flags, limits, errors that leave the map unchanged, and destroying maps
 * in every state.
 */
#include <linux/err.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

HT_CASE(create_params, 0)
{
	static const struct hmap_params bad[] = {
		{ 0, 8, 8, 0 },
		{ HMAP_ENTRIES_LIMIT + 1, 8, 8, 0 },
		{ 10, 0, 8, 0 },
		{ 10, HMAP_KEY_SIZE_LIMIT + 1, 8, 0 },
		{ 10, 8, HMAP_VALUE_SIZE_LIMIT + 1, 0 },
		{ 10, 8, 8, 11 },
	};
	static const struct hmap_params good[] = {
		{ 1, 1, 0, 0 },
		{ 1, 1, 0, 1 },
		{ HMAP_ENTRIES_LIMIT, HMAP_KEY_SIZE_LIMIT, HMAP_VALUE_SIZE_LIMIT, 0 },
		{ 100000, 8, 8, 100000 },
	};
	unsigned int i;
	long live = hmap_user_allocs_live();

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(hmap_create(&bad[i]) == ERR_PTR(-EINVAL), "bad params %u", i);
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		struct hmap *map = hmap_create(&good[i]);
		struct hmap_stats s;

		REQUIRE(!IS_ERR_OR_NULL(map), "good params %u", i);
		s = t_stats(map);
		CHECK_EQ(s.max_entries, good[i].max_entries);
		CHECK_EQ(s.max_key_size, good[i].max_key_size);
		CHECK_EQ(s.max_value_size, good[i].max_value_size);
		CHECK_EQ(s.count, 0);
		CHECK_EQ(s.resize, HMAP_RESIZING_NONE);
		/* The hint's size: hint entries fit without a grow. */
		CHECK(!t_grow_due(good[i].size_hint, s.log2_buckets),
		      "hint %u, B %llu", good[i].size_hint,
		      (unsigned long long)s.log2_buckets);
		CHECK(s.log2_buckets == 0 ||
		      t_grow_due(good[i].size_hint, s.log2_buckets - 1),
		      "hint %u, B %llu not the smallest", good[i].size_hint,
		      (unsigned long long)s.log2_buckets);
		T_AUDIT(map);
		hmap_destroy(map);
	}
	/* Out of memory at each of create's allocations: map, memory, array. */
	for (i = 1; i <= 3; i++) {
		struct hmap_params p = { 100, 8, 8, 50 };

		hmap_user_alloc_fail_nth(i);
		CHECK(hmap_create(&p) == ERR_PTR(-ENOMEM), "allocation %u fails", i);
		hmap_user_alloc_fail_nth(0);
	}
	/* ... and through the core's own hook (the array). */
	t_fail_allocs(0, 1);
	{
		struct hmap_params p = { 100, 8, 8, 50 };

		CHECK(hmap_create(&p) == ERR_PTR(-ENOMEM), "hook fails");
	}
	t_fail_allocs(0, 0);
	CHECK_EQ(hmap_user_allocs_live(), live);
	hmap_destroy(NULL);
	hmap_destroy(ERR_PTR(-ENOMEM));
	/* Distinct ids. */
	{
		struct hmap *a = t_create(1, 1, 0, 0), *b = t_create(1, 1, 0, 0);

		CHECK(t_stats(a).id != t_stats(b).id, "ids");
	}
}

/*
 * memory_bytes sums per-CPU copies one after another while writes go on:
 * an entry counted on a CPU already read and freed on one not read yet
 * leaves the sum short, below zero on a small map. It must read 0 then,
 * not wrap to 2^64 (a named map's share in hmap_fs would refuse every put).
 */
HT_CASE(memory_sum_never_negative, 0)
{
	struct hmap *map = t_create(100, 8, 8, 0);
	u64 real = t_stats(map).memory_bytes;

	CHECK(real > 0, "an empty map has its array");
	hmap_user_memory_skew(map, -(long)real - 4096);
	CHECK_EQ(t_stats(map).memory_bytes, 0);
	hmap_user_memory_skew(map, (long)real + 4096);
	CHECK_EQ(t_stats(map).memory_bytes, real);
	T_AUDIT(map);
}

HT_CASE(insert_lookup_delete, 0)
{
	struct hmap *map = t_create(100, 16, 64, 0);
	u8 val[64], big[65];
	u32 len;
	int i;

	memset(big, 'x', sizeof(big));
	/* Key length limits. */
	CHECK_EQ(hmap_insert(map, "", 0, "v", 1, HMAP_PUT_ANY), -EINVAL);
	CHECK_EQ(hmap_insert(map, big, 17, "v", 1, HMAP_PUT_ANY), -EMSGSIZE);
	CHECK_EQ(hmap_insert(map, "k", 1, big, 65, HMAP_PUT_ANY), -EMSGSIZE);
	CHECK_EQ(hmap_insert(map, "k", 1, "v", 1, 3), -EINVAL);
	CHECK_EQ(hmap_insert(map, "k", 1, "v", 1, ~0ULL), -EINVAL);
	len = sizeof(val);
	CHECK_EQ(hmap_lookup(map, "", 0, val, &len), -EINVAL);
	CHECK_EQ(hmap_lookup(map, big, 17, val, &len), -EMSGSIZE);
	CHECK_EQ(hmap_delete(map, "", 0), -EINVAL);
	CHECK_EQ(hmap_delete(map, big, 17), -EMSGSIZE);
	CHECK_EQ(hmap_lookup_and_delete(map, big, 17, val, &len), -EMSGSIZE);
	CHECK_EQ(hmap_delete_if_value(map, "", 0, val, 1), -EINVAL);
	CHECK_EQ(t_stats(map).count, 0);

	/* The longest key and value, and an empty value. */
	CHECK_EQ(hmap_insert(map, big, 16, big, 64, HMAP_PUT_NOEXIST), 0);
	CHECK_EQ(hmap_insert(map, "empty", 5, NULL, 0, HMAP_PUT_NOEXIST), 0);
	len = 0;
	CHECK_EQ(hmap_lookup(map, "empty", 5, NULL, &len), 0);
	CHECK_EQ(len, 0);
	len = 10;
	CHECK_EQ(hmap_lookup(map, big, 16, val, &len), -ENOSPC);
	CHECK_EQ(len, 64);
	len = 64;
	CHECK_EQ(hmap_lookup(map, big, 16, val, &len), 0);
	CHECK(!memcmp(val, big, 64), "value");

	/* Flags. */
	CHECK_EQ(hmap_insert(map, "a", 1, "1", 1, HMAP_PUT_EXIST), -ENOENT);
	CHECK_EQ(hmap_insert(map, "a", 1, "1", 1, HMAP_PUT_NOEXIST), 0);
	CHECK_EQ(hmap_insert(map, "a", 1, "2", 1, HMAP_PUT_NOEXIST), -EEXIST);
	CHECK_EQ(hmap_insert(map, "a", 1, "22", 2, HMAP_PUT_EXIST), 0);
	len = sizeof(val);
	CHECK_EQ(hmap_lookup(map, "a", 1, val, &len), 0);
	CHECK(len == 2 && !memcmp(val, "22", 2), "updated value");
	CHECK_EQ(hmap_insert(map, "a", 1, "333", 3, HMAP_PUT_ANY), 0);
	CHECK_EQ(hmap_insert(map, "b", 1, "4", 1, HMAP_PUT_ANY), 0);
	CHECK_EQ(t_stats(map).count, 4);
	/* Keys differ by length too. */
	CHECK_EQ(hmap_lookup(map, "ab", 2, val, &len), -ENOENT);
	CHECK_EQ(hmap_lookup(map, "emp", 3, val, &len), -ENOENT);

	/* lookup_and_delete: too small a buffer keeps the key. */
	len = 2;
	CHECK_EQ(hmap_lookup_and_delete(map, "a", 1, val, &len), -ENOSPC);
	CHECK_EQ(len, 3);
	len = 3;
	CHECK_EQ(hmap_lookup_and_delete(map, "a", 1, val, &len), 0);
	CHECK(len == 3 && !memcmp(val, "333", 3), "taken value");
	CHECK_EQ(hmap_lookup_and_delete(map, "a", 1, val, &len), -ENOENT);

	/* delete_if_value: only with the same value, length included. */
	CHECK_EQ(hmap_delete_if_value(map, "b", 1, "5", 1), -EAGAIN);
	CHECK_EQ(hmap_delete_if_value(map, "b", 1, "4x", 2), -EAGAIN);
	CHECK_EQ(hmap_delete_if_value(map, "b", 1, "", 0), -EAGAIN);
	CHECK_EQ(hmap_delete_if_value(map, "b", 1, "4", 1), 0);
	CHECK_EQ(hmap_delete_if_value(map, "b", 1, "4", 1), -ENOENT);
	CHECK_EQ(hmap_delete_if_value(map, "empty", 5, val, 0), 0);

	CHECK_EQ(hmap_delete(map, big, 16), 0);
	CHECK_EQ(hmap_delete(map, big, 16), -ENOENT);
	CHECK_EQ(t_stats(map).count, 0);
	T_AUDIT(map);

	/* max_entries: new keys get -E2BIG, updates still work. */
	for (i = 0; i < 100; i++)
		CHECK_EQ(hmap_insert(map, &i, sizeof(i), &i, sizeof(i), HMAP_PUT_NOEXIST), 0);
	CHECK_EQ(hmap_insert(map, &i, sizeof(i), &i, sizeof(i), HMAP_PUT_ANY), -E2BIG);
	CHECK_EQ(hmap_insert(map, &i, sizeof(i), &i, sizeof(i), HMAP_PUT_EXIST), -ENOENT);
	i = 5;
	CHECK_EQ(hmap_insert(map, &i, sizeof(i), "new", 3, HMAP_PUT_ANY), 0);
	CHECK_EQ(hmap_insert(map, &i, sizeof(i), "new", 3, HMAP_PUT_NOEXIST), -EEXIST);
	CHECK_EQ(t_stats(map).count, 100);
	T_AUDIT(map);
	CHECK_EQ(hmap_clear(map), 0);
	CHECK_EQ(t_stats(map).count, 0);
	CHECK_EQ(hmap_lookup(map, &i, sizeof(i), val, &len), -ENOENT);
	T_AUDIT(map);
}

/*
 * An empty value may be given as NULL, as hmap_lookup() allows for its
 * buffer; comparing it must not pass NULL to memcmp() (undefined in C
 * even for length 0: UBSan's nonnull-attribute check reports it).
 */
HT_CASE(delete_if_value_empty_null, 0)
{
	struct hmap *map = t_create(10, 8, 8, 0);
	u32 len = 0;

	CHECK_EQ(hmap_insert(map, "e", 1, NULL, 0, HMAP_PUT_ANY), 0);
	CHECK_EQ(hmap_lookup(map, "e", 1, NULL, &len), 0);
	CHECK_EQ(hmap_lookup_and_delete(map, "e", 1, NULL, &len), 0);
	CHECK_EQ(hmap_insert(map, "e", 1, NULL, 0, HMAP_PUT_ANY), 0);
	CHECK_EQ(hmap_delete_if_value(map, "e", 1, NULL, 0), 0);
	CHECK_EQ(t_stats(map).count, 0);
}

/* The largest key and value the hard limits allow. */
HT_CASE(hard_limits, 0)
{
	struct hmap *map = t_create(4, HMAP_KEY_SIZE_LIMIT, HMAP_VALUE_SIZE_LIMIT, 0);
	u8 *key = malloc(HMAP_KEY_SIZE_LIMIT), *val = malloc(HMAP_VALUE_SIZE_LIMIT);
	u8 *out = malloc(HMAP_VALUE_SIZE_LIMIT);
	u32 len = HMAP_VALUE_SIZE_LIMIT;

	REQUIRE(key && val && out, "no memory");
	memset(key, 0xab, HMAP_KEY_SIZE_LIMIT);
	memset(val, 0xcd, HMAP_VALUE_SIZE_LIMIT);
	CHECK_EQ(hmap_insert(map, key, HMAP_KEY_SIZE_LIMIT, val,
			     HMAP_VALUE_SIZE_LIMIT, HMAP_PUT_ANY), 0);
	CHECK_EQ(hmap_lookup(map, key, HMAP_KEY_SIZE_LIMIT, out, &len), 0);
	CHECK(len == HMAP_VALUE_SIZE_LIMIT && !memcmp(out, val, len), "value");
	T_AUDIT(map);
	free(key);
	free(val);
	free(out);
}

/* Everything a model says, with the map in each resize state. */
HT_CASE(model_through_resizes, 0)
{
	struct hmap *map = t_create(20000, sizeof(struct t_key), T_VAL_MAX, 0);
	struct t_model *m = t_model_new(1, 20000);
	u32 id;

	for (id = 0; id < 20000; id++) {
		t_model_insert(map, m, id, 1, HMAP_PUT_NOEXIST);
		if (id % 1000 == 999) {
			t_model_verify(map, m, true);
			T_AUDIT(map);
		}
	}
	for (id = 0; id < 20000; id += 3)
		t_model_insert(map, m, id, 2, HMAP_PUT_EXIST);
	for (id = 0; id < 20000; id += 2)
		t_model_delete(map, m, id);
	t_model_verify(map, m, true);
	T_AUDIT(map);
	for (id = 1; id < 20000; id += 4)
		t_model_take(map, m, id);
	for (id = 3; id < 20000; id += 4)
		t_model_delete_if_value(map, m, id, id % 3 == 0);
	t_model_verify(map, m, true);
	T_AUDIT(map);
	t_model_free(m);
}

/* Destroy a map in each state: the leak check of the harness judges. */
HT_CASE(destroy_in_every_state, 0)
{
	unsigned int state;

	for (state = 0; state < 6; state++) {
		struct hmap *map = t_create(5000, sizeof(struct t_key), T_VAL_MAX, 0);
		struct t_model *m = t_model_new(2, 5000);
		u32 id, n = state == 5 ? 0 : 3000;

		hmap_set_worker_enabled(map, state == 4);
		for (id = 0; id < n; id++)
			t_model_insert(map, m, id, 0, HMAP_PUT_ANY);
		switch (state) {
		case 1:		/* mid-grow: a few more inserts start one */
			while (t_stats(map).resize == HMAP_RESIZING_NONE)
				t_model_insert(map, m, id++, 0, HMAP_PUT_ANY);
			break;
		case 2:		/* mid-shrink */
			hmap_worker_run(map);
			for (id = 0; t_stats(map).resize == HMAP_RESIZING_NONE; id++)
				t_model_delete(map, m, id);
			break;
		case 3:		/* cleared */
			hmap_clear(map);
			break;
		case 4:		/* the worker armed */
			while (t_stats(map).resize == HMAP_RESIZING_NONE)
				t_model_insert(map, m, id++, 0, HMAP_PUT_ANY);
			break;
		}
		T_AUDIT(map);
		t_destroy(map);
		t_model_free(m);
	}
}
