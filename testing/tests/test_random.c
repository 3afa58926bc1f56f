// SPDX-License-Identifier: GPL-2.0
/*
 * A long random differential test: every operation of the API against a
 * simple model, under several hash regimes (the real hsiphash, whole-hash
 * collisions, one bucket for everything, one top byte for everything),
 * with the resize oracle on every write and the structure audited as it
 * goes. The worker runs only when the test says, through the real
 * delayed-work path (manual workqueue).
 */
#include <linux/bitrev.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define R_SET		30
#define R_KEY_MAX	24

struct r_cfg {
	const char *name;
	u32 max_entries, max_key, max_value, hint;
	int hash_mode;
	u32 nkeys;
	u32 ops;
};

struct r_model {
	u32 n;
	bool *present;
	u32 *gen;
	u64 count;
};

/* Key of id: 4 bytes of id, then id % 13 bytes of padding: 4..16 bytes. */
static u32 r_key(u32 id, u8 *buf)
{
	u32 len = 4 + id % 13;

	memcpy(buf, &id, 4);
	memset(buf + 4, 0x5a, len - 4);
	return len;
}

/* A value, or an empty one for some generations. */
static u32 r_value(u32 id, u32 gen, u8 *buf)
{
	if (gen % 17 == 5)
		return 0;
	return t_fill_value(buf, R_SET, id, gen);
}

static bool r_value_ok(u32 id, u32 gen, const u8 *buf, u32 len)
{
	if (gen % 17 == 5)
		return len == 0;
	return t_value_ok(buf, len, R_SET, id, gen);
}

static int r_hash_mode;

static u64 r_mix(u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static u64 r_hash_stub(const struct hmap *map, const void *key, u32 key_len)
{
	u32 id;

	if (key_len < 4)
		return hmap_user_real_hash(map, key, key_len);
	memcpy(&id, key, 4);
	switch (r_hash_mode) {
	case 1:		/* whole-hash collisions: groups of keys */
		return r_mix(id % 13);
	case 2:		/* every key in bucket 0 at any B <= 20 */
		return r_mix(id) & ~0xfffffULL;
	default:	/* one top byte (and tophash) for all */
		return (r_mix(id) & ~(0xffULL << 56)) | 3ULL << 56;
	}
}

static int r_cmp_dump;

struct r_dump {
	struct r_model *m;
	u8 *seen;
	u32 cap, taken;
};

static int r_emit(void *arg, const struct hmap_dump_item *items, unsigned int n)
{
	struct r_dump *d = arg;
	unsigned int i;

	if (d->taken + n > d->cap)
		return HMAP_DUMP_FULL;
	for (i = 0; i < n; i++) {
		u32 id;

		REQUIRE(items[i].key_len >= 4, "dumped key of %u bytes", items[i].key_len);
		memcpy(&id, items[i].key, 4);
		REQUIRE(id < d->m->n, "dumped id %u", id);
		CHECK(d->m->present[id], "dumped id %u not in the model", id);
		CHECK(r_value_ok(id, d->m->gen[id], items[i].value, items[i].value_len),
		      "dumped id %u: wrong value", id);
		d->seen[id]++;
	}
	d->taken += n;
	r_cmp_dump++;
	return 0;
}

static void r_full_dump(struct hmap *map, struct r_model *m, u32 cap)
{
	struct r_dump d = { .m = m, .cap = cap };
	struct hmap_cursor cur = { 0 };
	u32 id;

	d.seen = calloc(m->n, 1);
	REQUIRE(d.seen, "no memory");
	while (!cur.done) {
		u64 pos = cur.pos;
		int ret;

		d.taken = 0;
		ret = hmap_dump(map, &cur, r_emit, &d);
		REQUIRE(ret >= 0, "dump: %d", ret);
		/* A group bigger than the room stalls the dump: more room. */
		if (!ret && !cur.done && cur.pos == pos)
			d.cap *= 2;
	}
	for (id = 0; id < m->n; id++)
		CHECK(d.seen[id] == m->present[id], "dump: id %u seen %u times",
		      id, d.seen[id]);
	free(d.seen);
}

static void r_verify(struct hmap *map, struct r_model *m, u32 max_key)
{
	u8 key[R_KEY_MAX], val[T_VAL_MAX];
	u32 id;

	for (id = 0; id < m->n; id++) {
		u32 klen = r_key(id, key), len = sizeof(val);
		int ret = hmap_lookup(map, key, klen, val, &len);

		if (klen > max_key) {
			CHECK_EQ(ret, -EMSGSIZE);
			continue;
		}
		CHECK(ret == (m->present[id] ? 0 : -ENOENT), "lookup %u: %d", id, ret);
		if (!ret)
			CHECK(r_value_ok(id, m->gen[id], val, len), "lookup %u: value", id);
	}
	CHECK_EQ(t_stats(map).count, m->count);
}

static void r_run(const struct r_cfg *cfg)
{
	struct hmap *map;
	struct r_model m = { .n = cfg->nkeys };
	u32 i, gen = 1;
	struct hmap_stats s;

	m.present = calloc(m.n, sizeof(*m.present));
	m.gen = calloc(m.n, sizeof(*m.gen));
	REQUIRE(m.present && m.gen, "no memory");
	r_hash_mode = cfg->hash_mode;
	if (cfg->hash_mode)
		hmap_user_stub(hmap_key_hash, r_hash_stub);
	hmap_user_wq_set_manual(true);
	map = t_create(cfg->max_entries, cfg->max_key, cfg->max_value, cfg->hint);

	for (i = 0; i < cfg->ops; i++) {
		u8 key[R_KEY_MAX + 8], val[T_VAL_MAX], out[T_VAL_MAX];
		u32 id = t_rand_below(m.n), klen = r_key(id, key), r = t_rand_below(1000);
		u32 vlen, olen;
		struct hmap_stats b = t_stats(map), a;
		enum t_write w = T_W_OTHER;
		int ret, want;

		/* 15000 of every 40000 ops drain: inserts become deletes. */
		if (i % 40000 >= 25000 && r < 350)
			r = 600;
		if (r < 350) {			/* insert, with each flag */
			u64 flags = t_rand_below(3);

			vlen = r_value(id, gen, val);
			if (flags == HMAP_PUT_NOEXIST && m.present[id])
				want = -EEXIST;
			else if (flags == HMAP_PUT_EXIST && !m.present[id])
				want = -ENOENT;
			else if (!m.present[id] && m.count >= cfg->max_entries)
				want = -E2BIG;
			else
				want = 0;
			if (vlen > cfg->max_value)
				want = -EMSGSIZE;
			if (klen > cfg->max_key)
				want = -EMSGSIZE;
			ret = hmap_insert(map, key, klen, val, vlen, flags);
			CHECK(ret == want, "insert %u flags %llu: %d, want %d", id,
			      (unsigned long long)flags, ret, want);
			if (!ret) {
				if (!m.present[id]) {
					m.count++;
					w = T_W_INSERT_NEW;
				}
				m.present[id] = true;
				m.gen[id] = gen;
			}
			gen++;
			if (want == -EMSGSIZE)
				continue;	/* took no lock */
		} else if (r < 550) {		/* lookup, sometimes too small a buffer */
			olen = t_rand_below(4) ? sizeof(out) : t_rand_below(9);
			ret = hmap_lookup(map, key, klen, out, &olen);
			if (klen > cfg->max_key)
				CHECK_EQ(ret, -EMSGSIZE);
			else if (!m.present[id])
				CHECK_EQ(ret, -ENOENT);
			else if (ret == -ENOSPC)
				CHECK(r_value_ok(id, m.gen[id], NULL, 0) == false &&
				      olen > 0, "ENOSPC with length %u", olen);
			else
				CHECK(!ret && r_value_ok(id, m.gen[id], out, olen),
				      "lookup %u: %d", id, ret);
			continue;
		} else if (r < 700) {		/* delete */
			ret = hmap_delete(map, key, klen);
			want = klen > cfg->max_key ? -EMSGSIZE : m.present[id] ? 0 : -ENOENT;
			CHECK(ret == want, "delete %u: %d, want %d", id, ret, want);
			if (want == -EMSGSIZE)
				continue;
		} else if (r < 800) {		/* take */
			olen = t_rand_below(4) ? sizeof(out) : t_rand_below(9);
			ret = hmap_lookup_and_delete(map, key, klen, out, &olen);
			if (klen > cfg->max_key) {
				CHECK_EQ(ret, -EMSGSIZE);
				continue;
			}
			if (!m.present[id])
				CHECK_EQ(ret, -ENOENT);
			else if (ret == -ENOSPC)
				CHECK(olen > 0, "ENOSPC with length 0");
			else
				CHECK(!ret && r_value_ok(id, m.gen[id], out, olen),
				      "take %u: %d", id, ret);
			want = ret;
		} else if (r < 900) {		/* delete_if_value */
			bool same = t_rand_below(2);

			vlen = r_value(id, same ? m.gen[id] : m.gen[id] + 1 +
				       t_rand_below(3), val);
			ret = hmap_delete_if_value(map, key, klen, val, vlen);
			if (klen > cfg->max_key) {
				CHECK_EQ(ret, -EMSGSIZE);
				continue;
			}
			/* Two generations may both give an empty value. */
			if (m.present[id] &&
			    r_value_ok(id, m.gen[id], val, vlen))
				want = 0;
			else
				want = m.present[id] ? -EAGAIN : -ENOENT;
			CHECK(ret == want, "delete_if_value %u same %d: %d, want %d",
			      id, same, ret, want);
		} else if (r < 940) {		/* the worker, synchronously */
			hmap_worker_run(map);
			continue;
		} else if (r < 980) {		/* the delayed work, if due */
			hmap_user_wq_run_pending(t_rand_below(2));
			continue;
		} else if (r < 982) {
			r_full_dump(map, &m, 1 + t_rand_below(20));
			continue;
		} else if (r < 983 && t_rand_below(40) == 0) {
			CHECK_EQ(hmap_clear(map), 0);
			memset(m.present, 0, m.n * sizeof(*m.present));
			m.count = 0;
			continue;
		} else {
			if (r >= 983 && i % 4 == 0)
				hmap_set_worker_enabled(map, t_rand_below(2));
			continue;
		}
		/* A removal that succeeded. */
		if (r >= 550 && r < 900 && ret == 0) {
			m.present[id] = false;
			m.count--;
			w = T_W_DELETE_HIT;
		}
		a = t_stats(map);
		CHECK_EQ(a.count, m.count);
		t_check_write(map, &b, &a, w);
		if (i % 2000 == 0)
			T_AUDIT(map);
		if (i % 20000 == 0)
			r_verify(map, &m, cfg->max_key);
		if (ht_failed())
			break;
	}
	r_verify(map, &m, cfg->max_key);
	T_AUDIT(map);
	s = t_stats(map);
	ht_note("%s: %u ops, B=%llu, %llu grows, %llu same-size, %llu shrinks, %llu by worker",
		cfg->name, cfg->ops, (unsigned long long)s.log2_buckets, (unsigned long long)s.grows,
		(unsigned long long)s.same_size_grows, (unsigned long long)s.shrinks,
		(unsigned long long)s.evacuated_by_worker);
	free(m.present);
	free(m.gen);
}

HT_CASE(random_real_hash, 0)
{
	static const struct r_cfg cfg = {
		"hsiphash", 100000, R_KEY_MAX, T_VAL_MAX, 0, 0, 5000, 300000,
	};

	r_run(&cfg);
}

HT_CASE(random_small_limits, 0)
{
	/* Keys over 12 bytes and values over 20 are too big; 3000 entries at most. */
	static const struct r_cfg cfg = {
		"small limits", 3000, 12, 20, 500, 0, 8000, 200000,
	};

	r_run(&cfg);
}

HT_CASE(random_whole_hash_collisions, 0)
{
	static const struct r_cfg cfg = {
		"whole-hash collisions", 100000, R_KEY_MAX, T_VAL_MAX, 0, 1, 600, 100000,
	};

	r_run(&cfg);
}

HT_CASE(random_one_bucket, 0)
{
	static const struct r_cfg cfg = {
		"one bucket", 100000, R_KEY_MAX, T_VAL_MAX, 0, 2, 1200, 60000,
	};

	r_run(&cfg);
}

HT_CASE(random_one_tophash, 0)
{
	static const struct r_cfg cfg = {
		"one tophash", 100000, R_KEY_MAX, T_VAL_MAX, 0, 3, 5000, 150000,
	};

	r_run(&cfg);
}
