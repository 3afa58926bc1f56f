// SPDX-License-Identifier: GPL-2.0
/*
 * liburcu's cds_lfht (Debian liburcu-dev), the way its own examples use it:
 * the default RCU flavor (urcu-memb), CDS_LFHT_AUTO_RESIZE |
 * CDS_LFHT_ACCOUNTING, initial and minimum size 1 (initial size a bucket
 * per key in the presized writers workload), no maximum (so its bucket
 * arrays come from calloc() and show in the heap delta). A node is
 * { cds_lfht_node, key, value, rcu_head } from malloc(), freed with
 * call_rcu(); the hash is bench_hash_words(). Insert is
 * cds_lfht_add_unique(), update cds_lfht_add_replace(), delete
 * cds_lfht_lookup() + cds_lfht_del(). Resizes run in liburcu's own worker
 * thread, not in the write that triggers them.
 *
 * A work-around, on by default (LFHT_KICK=0 turns it off): liburcu 0.13's
 * __cds_lfht_resize_lazy_launch() queues the resize work and only then
 * sets ht->resize_initiated; when the worker runs the whole resize in
 * between (it takes microseconds for a small table, and the launching
 * thread is easily preempted on a busy machine), the flag stays set, no
 * resize is ever launched again, and the table keeps its size - a few
 * buckets for a million keys - so every operation walks a huge chain.
 * Seen here on a third of the tables under load. The peer watches the
 * table's size and resize target (reading liburcu 0.13's struct cds_lfht,
 * checked against known values when the table is created) and, when a
 * resize has made no progress for 4096 inserts, runs it with the public
 * cds_lfht_resize() in the inserting thread. Each such kick is counted
 * (stats,lfht_kicks_all_tables); without the layout check passing, no kicks.
 */
#include <urcu.h>
#include <urcu/rculfhash.h>

#include "harness.hpp"

template <unsigned KW, unsigned VW> class LfhtPeer {
	struct Node {
		struct cds_lfht_node node;
		uint64_t key[KW];
		uint64_t val[VW];
		struct rcu_head rcu;
	};

	static int match(struct cds_lfht_node *ht_node, const void *key)
	{
		Node *n = caa_container_of(ht_node, Node, node);

		return !memcmp(n->key, key, sizeof(n->key));
	}

	static void free_node(struct rcu_head *head)
	{
		free(caa_container_of(head, Node, rcu));
	}

	static Node *make(const Words<KW> &k, const Words<VW> &v)
	{
		Node *n = (Node *)malloc(sizeof(Node));

		if (!n)
			bench_die(name, "out of memory");
		cds_lfht_node_init(&n->node);
		memcpy(n->key, k.w, sizeof(n->key));
		memcpy(n->val, v.w, sizeof(n->val));
		return n;
	}

	struct cds_lfht *ht_;
	uint64_t max_entries_;

	/*
	 * liburcu 0.13's struct cds_lfht (rculfhash-internal.h), as longs:
	 * [0] max_nr_buckets, [3] count, [11] resize_target, [12] int
	 * resize_initiated then int flags, [16] size.
	 */
	const long *peek_ = nullptr;
	bool kick_ = false;
	unsigned long seen_size_ = 0;
	uint64_t stalled_for_ = 0, inserts_ = 0;
	static inline uint64_t kicks_ = 0;	/* every table of the process */

	unsigned long peek(int i) const
	{
		return __atomic_load_n((const unsigned long *)&peek_[i],
				       __ATOMIC_RELAXED);
	}
	bool stalled() const
	{
		return peek_ && (int)peek(12) && peek(16) < peek(11);
	}
	/* Called every 1024 inserts and when settling. */
	void watch(uint64_t inserts_since)
	{
		if (!kick_)
			return;
		if (!stalled() || peek(16) != seen_size_) {
			seen_size_ = peek(16);
			stalled_for_ = 0;
			return;
		}
		stalled_for_ += inserts_since;
		if (stalled_for_ < 4096)
			return;
		cds_lfht_resize(ht_, peek(11));
		kicks_++;
		seen_size_ = peek(16);
		stalled_for_ = 0;
	}

public:
	static constexpr const char *name = "cds_lfht";
	static constexpr bool concurrent = true;

	/* @presize: a first size of a bucket per key (a power of 2). */
	LfhtPeer(unsigned, unsigned, uint64_t max_entries, uint64_t presize = 0)
		: max_entries_(max_entries)
	{
		long init = 1;

		while ((uint64_t)init < presize)
			init <<= 1;
		ht_ = cds_lfht_new(init, 1, 0,
				   CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
				   NULL);
		if (!ht_)
			bench_die(name, "cds_lfht_new failed");
		const long *f = (const long *)ht_;
		if ((unsigned long)f[0] == 1UL << 63 && f[11] == init &&
		    f[16] == init &&
		    (int)f[12] == 0 &&
		    (int)((unsigned long)f[12] >> 32) ==
			    (CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING))
			peek_ = f;
		const char *env = getenv("LFHT_KICK");
		kick_ = peek_ && !(env && !strcmp(env, "0"));
	}
	~LfhtPeer()
	{
		struct cds_lfht_iter iter;
		struct cds_lfht_node *node;

		rcu_read_lock();
		cds_lfht_for_each(ht_, &iter, node) {
			if (!cds_lfht_del(ht_, node))
				call_rcu(&caa_container_of(node, Node, node)->rcu,
					 free_node);
		}
		rcu_read_unlock();
		rcu_barrier();
		if (cds_lfht_destroy(ht_, NULL))
			bench_die(name, "cds_lfht_destroy failed");
	}
	bool insert(const Words<KW> &k, const Words<VW> &v)
	{
		Node *n = make(k, v);
		struct cds_lfht_node *got;

		rcu_read_lock();
		got = cds_lfht_add_unique(ht_, bench_hash_words(k.w, KW), match,
					  k.w, &n->node);
		rcu_read_unlock();
		if (got != &n->node) {
			free(n);
			return false;
		}
		if (!(++inserts_ & 1023))
			watch(1024);
		return true;
	}
	bool lookup(const Words<KW> &k, Words<VW> &out)
	{
		struct cds_lfht_iter iter;
		struct cds_lfht_node *node;

		rcu_read_lock();
		cds_lfht_lookup(ht_, bench_hash_words(k.w, KW), match, k.w,
				&iter);
		node = cds_lfht_iter_get_node(&iter);
		if (node)
			memcpy(out.w, caa_container_of(node, Node, node)->val,
			       sizeof(out.w));
		rcu_read_unlock();
		return node != NULL;
	}
	bool update(const Words<KW> &k, const Words<VW> &v)
	{
		Node *n = make(k, v);
		struct cds_lfht_node *old;

		rcu_read_lock();
		old = cds_lfht_add_replace(ht_, bench_hash_words(k.w, KW),
					   match, k.w, &n->node);
		rcu_read_unlock();
		if (old)
			call_rcu(&caa_container_of(old, Node, node)->rcu,
				 free_node);
		return true;
	}
	bool erase(const Words<KW> &k)
	{
		struct cds_lfht_iter iter;
		struct cds_lfht_node *node;
		bool ok = false;

		rcu_read_lock();
		cds_lfht_lookup(ht_, bench_hash_words(k.w, KW), match, k.w,
				&iter);
		node = cds_lfht_iter_get_node(&iter);
		if (node && !cds_lfht_del(ht_, node)) {
			call_rcu(&caa_container_of(node, Node, node)->rcu,
				 free_node);
			ok = true;
		}
		rcu_read_unlock();
		return ok;
	}
	/*
	 * liburcu offers no way to wait for a resize its worker runs: give it
	 * time (100 ms plus 300 ns per entry, several times what a resize
	 * took here), then wait for the frees it queued. Returns -1: the wait
	 * is not a measurement.
	 */
	double settle()
	{
		rcu_barrier();
		usleep(100 * 1000 + max_entries_ * 3 / 10);
		watch(4096);
		rcu_barrier();
		return -1;
	}
	void extra(Emit &emit)
	{
		emit("stats", "lfht_layout_known", peek_ != nullptr, "");
		if (!peek_)
			return;
		emit("stats", "lfht_buckets", (double)peek(16), "");
		emit("stats", "lfht_stalled", stalled(), "");
	}
	static void finish(Emit &emit)
	{
		emit("stats", "lfht_kicks_all_tables", (double)kicks_, "");
	}
	static void quiesce() { rcu_barrier(); }
	static void thread_online() { rcu_register_thread(); }
	static void thread_offline() { rcu_unregister_thread(); }
};

int main(int argc, char **argv)
{
	return bench_main<LfhtPeer>(argc, argv);
}
