// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the input is a map configuration and a sequence of
 * operations, each checked against a model as it runs; any mismatch, a
 * WARN, a sanitizer report or a leak is a crash.
 *
 * Input: byte 0 config (bits 0-1 hash mode: siphash, a table of hashes
 * from the input, siphash with low bits cleared, a forced top byte; bit 2
 * worker enabled; bit 3 strict RCU; bits 4-5 size hint; bits 6-7 entry
 * limit), byte 1 limits (key size, value size), hash-mode bytes, then
 * operations: a byte of opcode (low nibble) and argument (high nibble),
 * with more bytes as the opcode needs.
 *
 * Checked on the way: every return value and value copied out; the
 * resize oracle of tests/util.c (Go's thresholds, at most two
 * evacuations per write, progress) whenever no allocation was made to
 * fail; the tracepoints' contract; dumps handing every key present for
 * the whole scan exactly once, no key twice, in increasing bit-reversed
 * hash order; hmap_check() and the memory accounting; no leak at the end.
 *
 * HMAP_FUZZ_EMIT_ERRORS=0 in the environment stops the dump callback from
 * failing (to explore past a known bug in that path).
 */
#include <linux/bitrev.h>
#include <linux/rcupdate.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmap_trace.h"
#include "util.h"

/* What tests/util.c needs of the harness: in the fuzzer, failing is crashing. */
void ht_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FUZZ FAILURE %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

void ht_note(const char *fmt, ...)
{
}

void ht_abort_case(void)
{
	abort();
}

bool ht_failed(void)
{
	return false;
}

double ht_duration(double base)
{
	return base;
}

u64 ht_seed(void)
{
	return 1;
}

void ht_register(struct ht_case *c)
{
}

#define FZ_KEYS		1024
#define FZ_VAL_MAX	256

struct fz_in {
	const u8 *p;
	size_t n;
};

struct fz {
	struct hmap *map;
	struct t_trace *tr;
	u32 max_entries, max_key, max_value, hint;
	u32 keyspace;
	/* the model */
	bool present[FZ_KEYS];
	u32 gen[FZ_KEYS];
	u32 vlen[FZ_KEYS];
	u64 count;
	u32 next_gen;
	/* forced hashes */
	int hash_mode;
	u64 table[16];
	u32 tsize, shift, lowbits;
	/* failure injection for the current op */
	bool armed;
	unsigned long alloc_failures0;
	/* the dump scan in progress */
	bool scanning;
	struct hmap_cursor cur;
	u8 seen[FZ_KEYS];
	bool whole[FZ_KEYS];
	u64 last_order;
	bool have_last;
	u32 cap, taken, groups;
	int fail_after;
	bool failed_emit;
};

static struct fz *fz_cur;
static bool fz_emit_errors = true;
static bool fz_verbose;
static long fz_live0;

static u8 fz_byte(struct fz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static u32 fz_key(const struct fz *f, u32 id, u8 *buf)
{
	u32 len, j, span;

	if (f->max_key == 1) {
		buf[0] = (u8)id;
		return 1;
	}
	span = min(f->max_key, 24U) - 1;
	len = 2 + id % span;
	buf[0] = id & 0xff;
	buf[1] = id >> 8;
	for (j = 2; j < len; j++)
		buf[j] = (u8)(id * 31 + j * 7);
	return len;
}

static bool fz_key_id(const struct fz *f, const void *key, u32 len, u32 *id)
{
	const u8 *k = key;
	u8 buf[32];

	if (!len || len > 24)
		return false;
	*id = len == 1 ? k[0] : (u32)(k[0] | k[1] << 8);
	return *id < f->keyspace && fz_key(f, *id, buf) == len &&
	       !memcmp(buf, key, len);
}

static void fz_value(u32 id, u32 gen, u32 len, u8 *buf)
{
	u32 j;

	for (j = 0; j < len; j++)
		buf[j] = (u8)(id * 7 + gen * 13 + j * 31 + 1);
}

static bool fz_value_is(u32 id, u32 gen, u32 len, const void *v, u32 vlen)
{
	u8 buf[FZ_VAL_MAX];

	if (len != vlen)
		return false;
	fz_value(id, gen, len, buf);
	return !memcmp(buf, v, len);
}

static u64 fz_hash(const struct hmap *map, const void *key, u32 key_len)
{
	struct fz *f = fz_cur;
	u32 id;

	if (!fz_key_id(f, key, key_len, &id))
		ht_fail(__FILE__, __LINE__, "hashing a key the fuzzer never made");
	switch (f->hash_mode) {
	case 1:
		return f->table[id % f->tsize] ^
		       (f->shift < 64 ? (u64)(id / f->tsize) << f->shift : 0);
	case 2:
		return hmap_user_real_hash(map, key, key_len) &
		       ~((1ULL << f->lowbits) - 1);
	case 3:
		return (hmap_user_real_hash(map, key, key_len) & ~(0xffULL << 56)) |
		       (u64)(id % 6) << 56;
	default:
		return hmap_user_real_hash(map, key, key_len);
	}
}

static u32 fz_id(struct fz *f, struct fz_in *in)
{
	u32 b = fz_byte(in);

	if (b & 0x80)
		b = (b & 0x7f) | (u32)fz_byte(in) << 7;
	return b % f->keyspace;
}

static bool fz_failed_allocs(struct fz *f)
{
	return f->armed && (t_alloc_hook_failures() ||
			    hmap_user_alloc_failures() != f->alloc_failures0);
}

static void fz_disarm(struct fz *f)
{
	if (!f->armed)
		return;
	t_fail_allocs(0, 0);
	hmap_user_alloc_fail_nth(0);
	f->armed = false;
}

static void fz_forget(struct fz *f, u32 id)
{
	if (f->present[id]) {
		f->present[id] = false;
		f->count--;
	}
	f->whole[id] = false;
}

static u64 fz_order(u64 hash)
{
	return (u64)bitrev32((u32)hash) << 32 | bitrev32(hash >> 32);
}

static int fz_emit(void *arg, const struct hmap_dump_item *items, unsigned int n)
{
	struct fz *f = arg;
	u64 order = 0;
	unsigned int i;

	if (f->fail_after >= 0 && f->groups == (u32)f->fail_after) {
		f->failed_emit = true;
		return -EFAULT;
	}
	if (f->taken + n > f->cap)
		return HMAP_DUMP_FULL;
	REQUIRE(n >= 1, "empty group");
	for (i = 0; i < n; i++) {
		u32 id;
		u64 o;

		REQUIRE(fz_key_id(f, items[i].key, items[i].key_len, &id),
			"dump: a key the fuzzer never made");
		REQUIRE(f->present[id], "dump: key %u is not in the map", id);
		REQUIRE(fz_value_is(id, f->gen[id], f->vlen[id], items[i].value,
				    items[i].value_len), "dump: key %u: wrong value", id);
		REQUIRE(++f->seen[id] == 1, "dump: key %u handed over twice", id);
		o = fz_order(hmap_key_hash(f->map, items[i].key, items[i].key_len));
		if (!i)
			order = o;
		REQUIRE(o == order, "dump: a group of different hashes");
	}
	REQUIRE(!f->have_last || order > f->last_order,
		"dump: order went back (%llx after %llx)",
		(unsigned long long)order, (unsigned long long)f->last_order);
	f->last_order = order;
	f->have_last = true;
	f->taken += n;
	f->groups++;
	return 0;
}

static void fz_verify(struct fz *f)
{
	u8 key[32], val[FZ_VAL_MAX];
	u32 id;

	for (id = 0; id < f->keyspace; id++) {
		u32 klen = fz_key(f, id, key), len = sizeof(val);
		int ret;

		if (klen > f->max_key)
			continue;
		ret = hmap_lookup(f->map, key, klen, val, &len);
		REQUIRE(ret == (f->present[id] ? 0 : -ENOENT), "lookup %u: %d", id, ret);
		if (!ret)
			REQUIRE(fz_value_is(id, f->gen[id], f->vlen[id], val, len),
				"lookup %u: wrong value", id);
	}
	REQUIRE_EQ(t_stats(f->map).count, f->count);
	T_AUDIT(f->map);
}

/* One insert; returns its result. */
static int fz_put(struct fz *f, u32 id, u64 flags, u32 vlen, bool null_empty)
{
	u8 key[32], val[FZ_VAL_MAX];
	u32 klen = fz_key(f, id, key), gen = ++f->next_gen;
	struct hmap_stats b, a;
	bool was = f->present[id];
	int want, ret;

	if (klen > f->max_key)
		want = -EMSGSIZE;
	else if (flags > HMAP_PUT_EXIST)
		want = -EINVAL;
	else if (vlen > f->max_value)
		want = -EMSGSIZE;
	else if (flags == HMAP_PUT_NOEXIST && was)
		want = -EEXIST;
	else if (flags == HMAP_PUT_EXIST && !was)
		want = -ENOENT;
	else if (!was && f->count >= f->max_entries)
		want = -E2BIG;
	else
		want = 0;
	fz_value(id, gen, vlen, val);
	b = t_stats(f->map);
	t_trace_write_begin(f->tr);
	ret = hmap_insert(f->map, key, klen, vlen || !null_empty ? val : NULL,
			  vlen, flags);
	a = t_stats(f->map);
	if (ret == -ENOMEM && fz_failed_allocs(f) && want != -EMSGSIZE &&
	    want != -EINVAL)
		return ret;	/* may fail for memory; then nothing changed */
	REQUIRE(ret == want, "insert %u flags %llu len %u: %d, want %d", id,
		(unsigned long long)flags, vlen, ret, want);
	if (!ret) {
		if (!was)
			f->count++;
		f->present[id] = true;
		f->gen[id] = gen;
		f->vlen[id] = vlen;
	}
	if (want != -EMSGSIZE && want != -EINVAL && !fz_failed_allocs(f))
		t_check_write(f->map, &b, &a,
			      !ret && !was ? T_W_INSERT_NEW : T_W_OTHER);
	return ret;
}

enum { FZ_REMOVE, FZ_TAKE, FZ_IF_VALUE };

static void fz_remove(struct fz *f, int kind, u32 id, u32 arg)
{
	u8 key[32], val[FZ_VAL_MAX];
	u32 klen = fz_key(f, id, key), len = sizeof(val), gen, cmp_len;
	struct hmap_stats b, a;
	int want, ret;

	b = t_stats(f->map);
	t_trace_write_begin(f->tr);
	want = klen > f->max_key ? -EMSGSIZE : f->present[id] ? 0 : -ENOENT;
	switch (kind) {
	case FZ_REMOVE:
		ret = hmap_delete(f->map, key, klen);
		break;
	case FZ_TAKE:
		switch (arg & 3) {
		case 1:
			len = 0;
			break;
		case 2:
			len = f->vlen[id] ? f->vlen[id] - 1 : 0;
			break;
		case 3:
			len = f->vlen[id];
			break;
		}
		if (!want && len < f->vlen[id])
			want = -ENOSPC;
		ret = hmap_lookup_and_delete(f->map, key, klen, len ? val : NULL, &len);
		if (!ret || ret == -ENOSPC)
			REQUIRE(len == f->vlen[id], "take %u: length %u, want %u",
				id, len, f->vlen[id]);
		if (!ret)
			REQUIRE(fz_value_is(id, f->gen[id], f->vlen[id], val, len),
				"take %u: wrong value", id);
		break;
	default:
		gen = f->gen[id] + (arg & 1);
		cmp_len = arg & 2 ? f->vlen[id] + 1 : f->vlen[id];
		if (arg & 4)
			cmp_len = 0;
		cmp_len = min(cmp_len, (u32)FZ_VAL_MAX);
		fz_value(id, gen, cmp_len, val);
		if (!want && !fz_value_is(id, f->gen[id], f->vlen[id], val, cmp_len))
			want = -EAGAIN;
		ret = hmap_delete_if_value(f->map, key, klen, val, cmp_len);
		break;
	}
	a = t_stats(f->map);
	REQUIRE(ret == want, "remove kind %d id %u: %d, want %d", kind, id, ret, want);
	if (!ret)
		fz_forget(f, id);
	if (want != -EMSGSIZE && !fz_failed_allocs(f))
		t_check_write(f->map, &b, &a, !ret ? T_W_DELETE_HIT : T_W_OTHER);
}

static void fz_get(struct fz *f, u32 id, u32 arg)
{
	u8 key[32], val[FZ_VAL_MAX];
	u32 klen = fz_key(f, id, key), len = sizeof(val);
	int want, ret;

	switch (arg & 3) {
	case 1:
		len = 0;
		break;
	case 2:
		len = f->vlen[id] ? f->vlen[id] - 1 : 0;
		break;
	case 3:
		len = f->vlen[id];
		break;
	}
	want = klen > f->max_key ? -EMSGSIZE : !f->present[id] ? -ENOENT :
	       len < f->vlen[id] ? -ENOSPC : 0;
	ret = hmap_lookup(f->map, key, klen, len ? val : NULL, &len);
	REQUIRE(ret == want, "lookup %u: %d, want %d", id, ret, want);
	if (!ret || ret == -ENOSPC)
		REQUIRE(len == f->vlen[id], "lookup %u: length %u, want %u", id,
			len, f->vlen[id]);
	if (!ret)
		REQUIRE(fz_value_is(id, f->gen[id], f->vlen[id], val, len),
			"lookup %u: wrong value", id);
}

static void fz_dump(struct fz *f, u32 arg, struct fz_in *in)
{
	int ret;
	u32 id;

	if (!f->scanning) {
		memset(f->seen, 0, sizeof(f->seen));
		memcpy(f->whole, f->present, sizeof(f->whole));
		memset(&f->cur, 0, sizeof(f->cur));
		f->have_last = false;
		f->scanning = true;
	}
	f->cap = 1 + (arg & 7) * (arg & 7);
	f->fail_after = -1;
	if (arg & 8) {
		u8 b = fz_byte(in);

		if (fz_emit_errors)
			f->fail_after = b % 8;
	}
	f->taken = 0;
	f->groups = 0;
	f->failed_emit = false;
	ret = hmap_dump(f->map, &f->cur, fz_emit, f);
	if (ret == -EFAULT)
		REQUIRE(f->failed_emit, "dump: -EFAULT from nowhere");
	else if (ret == -ENOMEM)
		REQUIRE(fz_failed_allocs(f), "dump: -ENOMEM with memory");
	else
		REQUIRE(ret >= 0 && (u32)ret == f->taken, "dump: %d, took %u", ret,
			f->taken);
	if (f->cur.done) {
		for (id = 0; id < f->keyspace; id++)
			REQUIRE(!f->whole[id] || f->seen[id] == 1,
				"dump: key %u present throughout, seen %u times", id,
				f->seen[id]);
		f->scanning = false;
	}
}

static void fz_bad_key(struct fz *f, u32 arg)
{
	u8 key[HMAP_KEY_SIZE_LIMIT + 1] = { 0 }, val[8] = { 0 };
	u32 klen = arg & 1 ? 0 : f->max_key + 1 + (arg >> 1), len = sizeof(val);
	int want = klen ? -EMSGSIZE : -EINVAL;

	REQUIRE_EQ(hmap_insert(f->map, key, klen, val, 1, HMAP_PUT_ANY), want);
	REQUIRE_EQ(hmap_lookup(f->map, key, klen, val, &len), want);
	REQUIRE_EQ(hmap_delete(f->map, key, klen), want);
	REQUIRE_EQ(hmap_lookup_and_delete(f->map, key, klen, val, &len), want);
	REQUIRE_EQ(hmap_delete_if_value(f->map, key, klen, val, 1), want);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *env = getenv("HMAP_FUZZ_EMIT_ERRORS");

	fz_emit_errors = !env || strcmp(env, "0");
	fz_verbose = getenv("HMAP_FUZZ_VERBOSE") != NULL;
	hmap_user_set_warn_abort(true);
	hmap_user_wq_set_manual(true);
	fz_live0 = hmap_user_allocs_live();
	return 0;
}

static const u32 fz_entries[] = { 40, 300, 2000, 100000 };
static const u32 fz_hints[] = { 0, 8, 52, 300 };
static const u32 fz_keys[] = { 1, 2, 3, 5, 8, 16, 24, 24 };
static const u32 fz_values[] = { 0, 1, 8, 32, 64, 200, 200, 200 };

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct fz fz;
	struct fz *f = &fz;
	struct fz_in in = { data, size };
	u8 cfg = fz_byte(&in), lim = fz_byte(&in);
	u32 i, ops = 0;

	memset(f, 0, sizeof(*f));
	fz_cur = f;
	f->hash_mode = cfg & 3;
	f->max_entries = fz_entries[cfg >> 6];
	f->hint = min(fz_hints[(cfg >> 4) & 3], f->max_entries);
	f->max_key = fz_keys[lim & 7];
	f->max_value = fz_values[(lim >> 4) & 7];
	f->keyspace = f->max_key == 1 ? 256 : FZ_KEYS;
	if (f->hash_mode == 1) {
		f->tsize = 1 + fz_byte(&in) % 16;
		for (i = 0; i < f->tsize; i++) {
			u64 h = 0;
			unsigned int j;

			for (j = 0; j < 8; j++)
				h = h << 8 | fz_byte(&in);
			f->table[i] = h;
		}
		f->shift = fz_byte(&in) % 72;
	} else if (f->hash_mode == 2) {
		f->lowbits = 1 + fz_byte(&in) % 20;
	}
	/* Each input on its own: same hash key, same map, every time. */
	hmap_user_random_seed(0x5eed);
	hmap_user_rcu_set_strict(cfg & 8);
	hmap_user_stub(hmap_key_hash, fz_hash);
	f->map = t_create(f->max_entries, f->max_key, f->max_value, f->hint);
	f->tr = t_trace_attach(f->map);
	hmap_set_worker_enabled(f->map, cfg & 4);

	while (in.n && ops++ < 4096) {
		u8 op = fz_byte(&in), arg = op >> 4;
		u32 id, n, k;

		switch (op & 15) {
		case 0:
			id = fz_id(f, &in);
			fz_put(f, id, arg & 3, fz_byte(&in) % (f->max_value + 2),
			       arg & 4);
			break;
		case 1:
			fz_get(f, fz_id(f, &in), arg);
			break;
		case 2:
			fz_remove(f, FZ_REMOVE, fz_id(f, &in), arg);
			break;
		case 3:
			fz_remove(f, FZ_TAKE, fz_id(f, &in), arg);
			break;
		case 4:
			fz_remove(f, FZ_IF_VALUE, fz_id(f, &in), arg);
			break;
		case 5:
			if (arg & 8) {		/* a rare op: clear */
				REQUIRE_EQ(hmap_clear(f->map), 0);
				for (id = 0; id < f->keyspace; id++)
					fz_forget(f, id);
			} else {
				fz_verify(f);
			}
			break;
		case 6:
			fz_dump(f, arg, &in);
			break;
		case 7:
			f->scanning = false;	/* start a new scan */
			break;
		case 8:
			hmap_worker_run(f->map);
			break;
		case 9:
			if (arg & 1)
				hmap_user_wq_run_pending(true);
			if (arg & 2)
				hmap_set_worker_enabled(f->map, arg & 4);
			break;
		case 10:		/* the core's hook fails, for the next op */
			t_fail_allocs(arg == 15 ? 0 : arg, arg == 15 ? -1 : 1);
			f->armed = true;
			f->alloc_failures0 = hmap_user_alloc_failures();
			continue;
		case 11:		/* any allocation fails, for the next op */
			hmap_user_alloc_fail_nth(arg + 1);
			f->armed = true;
			f->alloc_failures0 = hmap_user_alloc_failures();
			continue;
		case 12:
			id = fz_byte(&in) * 4u % f->keyspace;
			n = 8 * (arg + 1);
			for (k = 0; k < n; k++)
				fz_put(f, (id + k) % f->keyspace, HMAP_PUT_ANY,
				       min(f->max_value, 8U), false);
			break;
		case 13:
			id = fz_byte(&in) * 4u % f->keyspace;
			n = 8 * (arg + 1);
			for (k = 0; k < n; k++)
				fz_remove(f, FZ_REMOVE, (id + k) % f->keyspace, 0);
			break;
		case 14:
			fz_bad_key(f, arg);
			break;
		default:
			REQUIRE_EQ(t_stats(f->map).count, f->count);
			T_AUDIT(f->map);
			break;
		}
		fz_disarm(f);
		REQUIRE_EQ(t_stats(f->map).count, f->count);
	}
	fz_disarm(f);
	fz_verify(f);
	if (fz_verbose) {
		struct hmap_stats st = t_stats(f->map);

		fprintf(stderr, "%u ops: count %llu B=%llu grows %llu same-size %llu shrinks %llu worker %llu dumps-open %d\n",
			ops, (unsigned long long)st.count, (unsigned long long)st.log2_buckets,
			(unsigned long long)st.grows,
			(unsigned long long)st.same_size_grows,
			(unsigned long long)st.shrinks,
			(unsigned long long)st.evacuated_by_worker, f->scanning);
	}
	T_TRACE_SANE(f->tr);
	t_trace_detach(f->tr);
	t_destroy(f->map);
	hmap_user_stub_clear_all();
	rcu_barrier();
	REQUIRE(hmap_user_allocs_live() == fz_live0, "leak: %ld allocations live",
		hmap_user_allocs_live() - fz_live0);
	REQUIRE(!hmap_user_warnings(), "warnings");
	return 0;
}
