// SPDX-License-Identifier: GPL-2.0
/*
 * The stand-ins themselves: a test of the core is only as good as the
 * kernel facilities it runs on.
 */
#include <linux/bitrev.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/workqueue.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

/*
 * SipHash-2-4 reference vectors (vectors_sip64 of the reference
 * implementation, github.com/veorq/SipHash, as in the paper's appendix):
 * key 00 01 .. 0f, message 00 01 .. (n-1) for n = 0..63, each output read
 * as a little-endian 64-bit word.
 */
static const u64 sip64_vectors[64] = {
	0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL, 0x0d6c8009d9a94f5aULL,
	0x85676696d7fb7e2dULL, 0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL,
	0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL, 0x93f5f5799a932462ULL,
	0x9e0082df0ba9e4b0ULL, 0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
	0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL, 0xf723ca908e7af2eeULL,
	0xa129ca6149be45e5ULL, 0x3f2acc7f57c29bdbULL, 0x699ae9f52cbe4794ULL,
	0x4bc1b3f0968dd39cULL, 0xbb6dc91da77961bdULL, 0xbed65cf21aa2ee98ULL,
	0xd0f2cbb02e3b67c7ULL, 0x93536795e3a33e88ULL, 0xa80c038ccd5ccec8ULL,
	0xb8ad50c6f649af94ULL, 0xbce192de8a85b8eaULL, 0x17d835b85bbb15f3ULL,
	0x2f2e6163076bcfadULL, 0xde4daaaca71dc9a5ULL, 0xa6a2506687956571ULL,
	0xad87a3535c49ef28ULL, 0x32d892fad841c342ULL, 0x7127512f72f27cceULL,
	0xa7f32346f95978e3ULL, 0x12e0b01abb051238ULL, 0x15e034d40fa197aeULL,
	0x314dffbe0815a3b4ULL, 0x027990f029623981ULL, 0xcadcd4e59ef40c4dULL,
	0x9abfd8766a33735cULL, 0x0e3ea96b5304a7d0ULL, 0xad0c42d6fc585992ULL,
	0x187306c89bc215a9ULL, 0xd4a60abcf3792b95ULL, 0xf935451de4f21df2ULL,
	0xa9538f0419755787ULL, 0xdb9acddff56ca510ULL, 0xd06c98cd5c0975ebULL,
	0xe612a3cb9ecba951ULL, 0xc766e62cfcadaf96ULL, 0xee64435a9752fe72ULL,
	0xa192d576b245165aULL, 0x0a8787bf8ecb74b2ULL, 0x81b3e73d20b49b6fULL,
	0x7fa8220ba3b2eceaULL, 0x245731c13ca42499ULL, 0xb78dbfaf3a8d83bdULL,
	0xea1ad565322a1a0bULL, 0x60e61c23a3795013ULL, 0x6606d7e446282b93ULL,
	0x6ca4ecb15c5f91e1ULL, 0x9f626da15c9625f3ULL, 0xe51b38608ef25f57ULL,
	0x958a324ceb064572ULL,
};

HT_CASE(siphash_reference_vectors, 0)
{
	siphash_key_t key = { { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL } };
	u8 msg[64 + 8];
	unsigned int i, bad = 0;

	for (i = 0; i < 64; i++)
		msg[i] = i;
	for (i = 0; i < 64; i++) {
		u64 h = siphash(msg, i, &key);

		if (h != sip64_vectors[i] && ++bad <= 5)
			ht_fail(__FILE__, __LINE__, "length %u: %016llx, want %016llx",
				i, (unsigned long long)h,
				(unsigned long long)sip64_vectors[i]);
		/* Unaligned input gives the same hash. */
		memmove(msg + 1, msg, 64);
		CHECK(siphash(msg + 1, i, &key) == h, "unaligned, length %u", i);
		memmove(msg, msg + 1, 64);
	}
	CHECK_EQ(bad, 0);
}

/* lib/siphash_kunit.c's hsiphash vectors (64-bit), same key and inputs. */
static const u32 hsip_vectors[64] = {
	0x050fc4dcU, 0x7d57ca93U, 0x4dc7d44dU, 0xe7ddf7fbU, 0x88d38328U,
	0x49533b67U, 0xc59f22a7U, 0x9bb11140U, 0x8d299a8eU, 0x6c063de4U,
	0x92ff097fU, 0xf94dc352U, 0x57b4d9a2U, 0x1229ffa7U, 0xc0f95d34U,
	0x2a519956U, 0x7d908b66U, 0x63dbd80cU, 0xb473e63eU, 0x8d297d1cU,
	0xa6cce040U, 0x2b45f844U, 0xa320872eU, 0xdae6c123U, 0x67349c8cU,
	0x705b0979U, 0xca9913a5U, 0x4ade3b35U, 0xef6cd00dU, 0x4ab1e1f4U,
	0x43c5e663U, 0x8c21d1bcU, 0x16a7b60dU, 0x7a8ff9bfU, 0x1f2a753eU,
	0xbf186b91U, 0xada26206U, 0xa3c33057U, 0xae3a36a1U, 0x7b108392U,
	0x99e41531U, 0x3f1ad944U, 0xc8138825U, 0xc28949a6U, 0xfaf8876bU,
	0x9f042196U, 0x68b1d623U, 0x8b5114fdU, 0xdf074c46U, 0x12cc86b3U,
	0x0a52098fU, 0x9d292f9aU, 0xa2f41f12U, 0x43a71ed0U, 0x73f0bce6U,
	0x70a7e980U, 0x243c6d75U, 0xfdb71513U, 0xa67d8a08U, 0xb7e8f148U,
	0xf7a644eeU, 0x0f1837f2U, 0x4b6694e0U, 0xb7bbb3a8U,
};

HT_CASE(hsiphash_reference_vectors, 0)
{
	hsiphash_key_t key = { { 0x0706050403020100UL, 0x0f0e0d0c0b0a0908UL } };
	u8 msg[64 + 8];
	unsigned int i, bad = 0;

	for (i = 0; i < 64; i++)
		msg[i] = i;
	for (i = 0; i < 64; i++) {
		u32 h = hsiphash(msg, i, &key);

		if (h != hsip_vectors[i] && ++bad <= 5)
			ht_fail(__FILE__, __LINE__, "length %u: %08x, want %08x",
				i, h, hsip_vectors[i]);
	}
	CHECK_EQ(bad, 0);
}

static int t_cmp_u64(const void *x, const void *y)
{
	u64 p = *(const u64 *)x, q = *(const u64 *)y;

	return p < q ? -1 : p > q;
}

HT_CASE(bitrev_and_sort, 0)
{
	static u64 a[1000], b[1000];
	unsigned int i, j;

	for (i = 0; i < 32; i++)
		CHECK_EQ(bitrev32(1u << i), 1u << (31 - i));
	CHECK_EQ(bitrev32(0x12345678), 0x1e6a2c48);
	for (i = 0; i < 1000; i++) {
		u32 x = (u32)t_rand();

		CHECK_EQ(bitrev32(bitrev32(x)), x);
	}
	for (j = 0; j < 50; j++) {
		unsigned int n = t_rand_below(1000);

		for (i = 0; i < n; i++)
			a[i] = t_rand() % (j + 2);
		memcpy(b, a, sizeof(a));
		sort(a, n, sizeof(a[0]), t_cmp_u64, NULL);
		qsort(b, n, sizeof(b[0]), t_cmp_u64);
		CHECK(!memcmp(a, b, n * sizeof(a[0])), "sort of %u", n);
	}
}

HT_CASE(slab_standins, 0)
{
	long live = hmap_user_allocs_live();
	void *k, *v;

	CHECK_EQ(kmalloc_size_roundup(1), 8);
	CHECK_EQ(kmalloc_size_roundup(80), 96);
	CHECK_EQ(kmalloc_size_roundup(97), 128);
	CHECK_EQ(kmalloc_size_roundup(129), 192);
	CHECK_EQ(kmalloc_size_roundup(193), 256);
	CHECK_EQ(kmalloc_size_roundup(8192), 8192);
	CHECK_EQ(kmalloc_size_roundup(8193), 16384);
	CHECK_EQ(kmalloc_size_roundup(40000), 65536);
	CHECK_EQ(PAGE_ALIGN(4097UL), 8192);

	k = kvzalloc(100, GFP_KERNEL);
	v = kvzalloc(100000, GFP_KERNEL);
	REQUIRE(k && v, "allocation");
	CHECK(!is_vmalloc_addr(k), "small kvmalloc is kmalloc");
	CHECK(is_vmalloc_addr(v), "large kvmalloc is vmalloc");
	CHECK(((u8 *)v)[99999] == 0, "zeroed");
	CHECK_EQ(hmap_user_allocs_live(), live + 2);
	kvfree(k);
	kvfree(v);
	CHECK(!is_vmalloc_addr(v), "forgotten");
	CHECK_EQ(hmap_user_allocs_live(), live);

	/* Failure injection: the 3rd allocation from now fails. */
	hmap_user_alloc_fail_nth(3);
	k = kmalloc(8, GFP_KERNEL);
	v = kmalloc(8, GFP_KERNEL);
	CHECK(k && v, "first two succeed");
	CHECK(!kmalloc(8, GFP_KERNEL), "third fails");
	kfree(k);
	k = kmalloc(8, GFP_KERNEL);
	CHECK(k, "then they work again");
	kfree(k);
	kfree(v);
	hmap_user_alloc_fail_all(true);
	CHECK(!kvmalloc(1 << 20, GFP_KERNEL), "fail all");
	hmap_user_alloc_fail_all(false);

	/* kfree() of vmalloc memory is a kernel bug: it WARNs here. */
	v = kvmalloc(100000, GFP_KERNEL);
	REQUIRE(v, "allocation");
	hmap_user_warnings_expect(true);
	kfree(v);
	hmap_user_warnings_expect(false);
	CHECK_EQ(hmap_user_warnings(), 1);
	hmap_user_warnings_reset();
}

struct t_obj {
	u64 payload;
	struct rcu_head rcu;
};

HT_CASE(rcu_standins, 0)
{
	long live = hmap_user_allocs_live();
	struct t_obj *o, *p = NULL, *q;
	unsigned int i;

	/* Queued frees happen after a grace period, at the latest at rcu_barrier(). */
	for (i = 0; i < 10; i++) {
		o = kmalloc(sizeof(*o), GFP_KERNEL);
		kfree_rcu(o, rcu);
	}
	CHECK_EQ(hmap_user_rcu_pending(), 10);
	rcu_barrier();
	CHECK_EQ(hmap_user_rcu_pending(), 0);
	CHECK_EQ(hmap_user_allocs_live(), live);

	/* Inside a read-side critical section nothing is freed. */
	hmap_user_rcu_set_strict(true);
	o = kmalloc(sizeof(*o), GFP_KERNEL);
	rcu_read_lock();
	CHECK(rcu_read_lock_held(), "held");
	kfree_rcu(o, rcu);
	CHECK_EQ(hmap_user_rcu_pending(), 1);
	rcu_read_unlock();
	/* Strict: the next call_rcu() outside one drains everything. */
	o = kmalloc(sizeof(*o), GFP_KERNEL);
	kfree_rcu(o, rcu);
	CHECK_EQ(hmap_user_rcu_pending(), 0);
	CHECK_EQ(hmap_user_allocs_live(), live);
	hmap_user_rcu_set_strict(false);

	/* Publication and the PROVE_RCU-style check. */
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	o->payload = 42;
	rcu_assign_pointer(p, o);
	rcu_read_lock();
	q = rcu_dereference(p);
	CHECK_EQ(q->payload, 42);
	rcu_read_unlock();
	CHECK_EQ(hmap_user_warnings(), 0);
	hmap_user_warnings_expect(true);
	q = rcu_dereference(p);		/* outside rcu_read_lock(): a bug */
	hmap_user_warnings_expect(false);
	CHECK_EQ(hmap_user_warnings(), 1);
	hmap_user_warnings_reset();
	kfree(q);
}

static int t_work_runs;

static void t_work_fn(struct work_struct *work)
{
	__atomic_add_fetch(&t_work_runs, 1, __ATOMIC_RELAXED);
}

HT_CASE(workqueue_standins, HT_CONCURRENT)
{
	struct delayed_work dw;
	unsigned int i;

	INIT_DELAYED_WORK(&dw, t_work_fn);
	/* The worker thread runs it once the delay is over. */
	mod_delayed_work(system_unbound_wq, &dw, 5);
	for (i = 0; i < 2000 && !__atomic_load_n(&t_work_runs, __ATOMIC_RELAXED); i++)
		usleep(1000);
	CHECK_EQ(__atomic_load_n(&t_work_runs, __ATOMIC_RELAXED), 1);
	/* A cancelled work does not run. */
	mod_delayed_work(system_unbound_wq, &dw, 50);
	CHECK(cancel_delayed_work_sync(&dw), "was pending");
	usleep(100000);
	CHECK_EQ(__atomic_load_n(&t_work_runs, __ATOMIC_RELAXED), 1);

	/* Manual mode: it runs when the test says. */
	hmap_user_wq_set_manual(true);
	mod_delayed_work(system_unbound_wq, &dw, 10000);
	CHECK_EQ(hmap_user_wq_run_pending(false), 0);
	CHECK_EQ(hmap_user_wq_run_pending(true), 1);
	CHECK_EQ(__atomic_load_n(&t_work_runs, __ATOMIC_RELAXED), 2);
	CHECK(!cancel_delayed_work_sync(&dw), "nothing pending");
	hmap_user_wq_set_manual(false);
}

/* The harness must see a WARN in the core: one is provoked here. */
HT_CASE(warn_is_counted, 0)
{
	CHECK_EQ(hmap_user_warnings(), 0);
	hmap_user_warnings_expect(true);
	WARN_ON_ONCE(1);
	WARN_ON_ONCE(1);
	hmap_user_warnings_expect(false);
	CHECK_EQ(hmap_user_warnings(), 2);
	hmap_user_warnings_reset();
}
