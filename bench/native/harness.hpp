// SPDX-License-Identifier: GPL-2.0
/*
 * The workloads every C and C++ peer runs, written once and instantiated
 * per peer so that each peer's calls inline as its users' would (hmap is
 * called through its exported functions, as kernel users call it).
 *
 * A peer is a class template over the key's and the value's 64-bit words,
 * template <unsigned KW, unsigned VW> class P, with:
 *   static constexpr const char *name;
 *   static constexpr bool concurrent;   lookups safe beside writers, and
 *                                       writes from several threads at once
 *   Peer(unsigned ksize, unsigned vsize, uint64_t max_entries);  an empty map
 *   bool insert(const K &, const V &);  insert if absent
 *   bool lookup(const K &, V &);        copy the value out
 *   bool update(const K &, const V &);  insert or overwrite
 *   bool erase(const K &);
 *   double settle();                    wait until background resizes and deferred
 *                                       frees are done; the ms it waited for a
 *                                       resize, or < 0 when it cannot tell
 *   void extra(Emit &);                 peer-specific rows (may do nothing)
 *   static void quiesce();              run deferred frees (RCU callbacks) now
 *   static void finish(Emit &);         last rows, after every phase
 *   static void thread_online(), thread_offline();  around a thread's use
 * with K = Words<KW> and V = Words<VW> below.
 *
 * Output: CSV rows "peer,ksize,vsize,n,workload,metric,value,unit" on
 * stdout; per-insert latency series in --series DIR.
 */
#ifndef BENCH_NATIVE_HARNESS_HPP
#define BENCH_NATIVE_HARNESS_HPP

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <sys/resource.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "common.h"

template <unsigned W> struct Words {
	uint64_t w[W];
	bool operator==(const Words &o) const
	{
		return !memcmp(w, o.w, sizeof(w));
	}
};

struct Options {
	unsigned ksize = 8, vsize = 8;
	uint64_t n = 100000;
	unsigned reps = 3;
	uint64_t min_ops = 1000000;	// lookups/mixed ops per repetition, at least
	double secs = 1.0;		// concurrent phase
	unsigned series_points = 20000;	// sampled points besides the tail
	std::string series_dir;
	std::string only;		// comma-separated workloads, empty = all
};

class Emit {
public:
	Emit(const char *peer, const Options &o) : peer_(peer), o_(o) {}
	void operator()(const char *workload, const char *metric, double v,
			const char *unit)
	{
		printf("%s,%u,%u,%" PRIu64 ",%s,%s,%.6g,%s\n", peer_, o_.ksize,
		       o_.vsize, o_.n, workload, metric, v, unit);
		fflush(stdout);
	}
	uint64_t n() const { return o_.n; }

private:
	const char *peer_;
	const Options &o_;
};

/* Bytes malloc has handed out and not taken back: arenas plus mmap()ed. */
static inline long long bench_heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (long long)(mi.uordblks + mi.hblkhd);
}

/*
 * Before a timed phase that starts from an empty map: after a map of N
 * small nodes was freed, glibc keeps them in its fast bins, and the first
 * allocation too big for those bins consolidates them all - a second for
 * a million nodes, charged to whichever insert happens to make it.
 * malloc_trim() does that work here, outside the timing, for every peer.
 */
static inline void bench_heap_tidy(void)
{
	malloc_trim(0);
}

/* Involuntary context switches of the calling thread so far. */
static inline long bench_thread_preemptions(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nivcsw;
}

static inline uint64_t bench_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * A phase's wall time and the CPU time of the whole process (every
 * thread: liburcu's resize worker, hmap's delayed work, RCU callbacks).
 * On a loaded machine the wall time counts the time other processes held
 * the CPU; the CPU time does not, so both are reported.
 */
struct Span {
	uint64_t wall0 = bench_now_ns(), cpu0 = bench_cpu_ns();
	double wall = 0, cpu = 0;
	void stop()
	{
		wall = (bench_now_ns() - wall0) / 1e9;
		cpu = (bench_cpu_ns() - cpu0) / 1e9;
	}
};

static inline double median(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	size_t n = v.size();
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

[[noreturn]] static inline void bench_die(const char *peer, const char *what)
{
	fprintf(stderr, "%s: %s\n", peer, what);
	exit(1);
}

static inline bool wanted(const Options &o, const char *w)
{
	if (o.only.empty())
		return true;
	std::string s = "," + o.only + ",";
	return s.find(std::string(",") + w + ",") != std::string::npos;
}

template <unsigned VW> static inline void make_value(Words<VW> &v, uint64_t x)
{
	for (unsigned j = 0; j < VW; j++)
		v.w[j] = x + j;
}

template <class Peer, unsigned KW, unsigned VW>
static void run_peer(const Options &o)
{
	typedef Words<KW> K;
	typedef Words<VW> V;
	const uint64_t n = o.n;
	const uint64_t ops = std::max<uint64_t>(n, o.min_ops);
	const double tpns = bench_tsc_calibrate();
	Emit emit(Peer::name, o);
	uint64_t rs = BENCH_SEED ^ 0x5851f42d4c957f2dULL;

	Peer::thread_online();

	/* Every key array is made before the first map, outside the heap delta. */
	std::vector<K> ins(n), look(n), miss(n), churn(std::max<uint64_t>(n / 10, 100));
	for (uint64_t i = 0; i < n; i++) {
		bench_key(ins[i].w, KW, i);
		bench_key(miss[i].w, KW, n + i);
	}
	for (uint64_t i = 0; i < churn.size(); i++)
		bench_key(churn[i].w, KW, 2 * n + i);
	std::vector<uint32_t> perm(n);
	for (uint64_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	for (uint64_t i = n - 1; i > 0; i--)	/* Fisher-Yates */
		std::swap(perm[i], perm[bench_rand(&rs) % (i + 1)]);
	for (uint64_t i = 0; i < n; i++)
		look[i] = ins[perm[i]];
	std::vector<uint8_t> is_update(ops);
	for (uint64_t j = 0; j < ops; j++)
		is_update[j] = bench_rand(&rs) % 10 == 0;
	std::vector<uint64_t> lat(n);

	/* The timer's own cost, for reading the latencies. */
	{
		std::vector<uint64_t> t(10000);
		for (auto &x : t) {
			uint64_t a = bench_tsc_start();
			x = bench_tsc_stop() - a;
		}
		std::sort(t.begin(), t.end());
		emit("timer", "overhead_p50", t[t.size() / 2] / tpns, "ns");
	}

	/*
	 * Throughput rows: the median over o.reps repetitions of ops/s by
	 * wall time ("ops_per_s") and by the process's CPU time
	 * ("ops_per_cpu_s").
	 */
	struct Rates {
		std::vector<double> wall, cpu;
		void add(uint64_t ops, const Span &s)
		{
			wall.push_back(ops / s.wall);
			cpu.push_back(ops / s.cpu);
		}
		void emit_to(Emit &e, const char *wl)
		{
			e(wl, "ops_per_s", median(wall), "ops/s");
			e(wl, "ops_per_cpu_s", median(cpu), "ops/s");
		}
	};

	/* insert 0 -> N: o.reps fresh maps, the last one kept. */
	Peer *m = nullptr;
	Rates ins_rates;
	long long heap0 = 0;
	for (unsigned r = 0; r < o.reps; r++) {
		delete m;
		m = nullptr;
		Peer::quiesce();
		bench_heap_tidy();
		heap0 = bench_heap_bytes();
		m = new Peer(o.ksize, o.vsize, n + churn.size());
		V v;
		Span sp;
		for (uint64_t i = 0; i < n; i++) {
			make_value(v, i);
			if (!m->insert(ins[i], v))
				bench_die(Peer::name, "insert failed");
		}
		sp.stop();
		ins_rates.add(n, sp);
		if (r == o.reps - 1) {
			double ms = m->settle();
			if (ms >= 0)
				emit("insert", "settle_ms", ms, "ms");
		}
	}
	ins_rates.emit_to(emit, "insert");
	emit("insert", "ops_per_s_first", ins_rates.wall[0], "ops/s");
	emit("memory", "bytes_per_entry",
	     (double)(bench_heap_bytes() - heap0) / n, "B");
	m->extra(emit);

	V out;
	uint64_t sum = 0;
	auto timed_lookups = [&](const std::vector<K> &keys, bool hit,
				 const char *wl) {
		Rates rt;
		uint64_t phase0 = bench_now_ns();
		for (unsigned rep = 0; rep < o.reps; rep++) {
			uint64_t found = 0;
			Span sp;
			for (uint64_t j = 0, i = 0; j < ops; j++) {
				if (m->lookup(keys[i], out)) {
					found++;
					sum += out.w[0];
				}
				if (++i == n)
					i = 0;
			}
			sp.stop();
			if (found != (hit ? ops : 0))
				bench_die(Peer::name, "lookup found the wrong keys");
			rt.add(ops, sp);
		}
		rt.emit_to(emit, wl);
		/* CLOCK_MONOTONIC seconds: perf report --time, after perf record -k mono */
		fprintf(stderr, "phase %s %.6f %.6f\n", wl, phase0 / 1e9,
			bench_now_ns() / 1e9);
	};
	if (wanted(o, "lookup")) {
		timed_lookups(look, true, "lookup_hit");
		timed_lookups(miss, false, "lookup_miss");
	}

	if (wanted(o, "mixed")) {
		Rates rt;
		V v;
		for (unsigned rep = 0; rep < o.reps; rep++) {
			Span sp;
			for (uint64_t j = 0, i = 0; j < ops; j++) {
				if (is_update[j]) {
					make_value(v, j);
					if (!m->update(look[i], v))
						bench_die(Peer::name, "update failed");
				} else if (m->lookup(look[i], out)) {
					sum += out.w[0];
				} else {
					bench_die(Peer::name, "mixed lookup missed");
				}
				if (++i == n)
					i = 0;
			}
			sp.stop();
			rt.add(ops, sp);
		}
		rt.emit_to(emit, "mixed_90_10");
		m->settle();
	}

	/*
	 * Two readers look up present keys while a writer inserts a tenth
	 * more keys and deletes them again, round after round: three threads
	 * on however many CPUs there are (two here).
	 */
	if (Peer::concurrent && wanted(o, "concurrent")) {
		std::atomic<bool> stop(false);
		std::atomic<uint64_t> rops(0), rmiss(0), wops(0);
		auto reader = [&](uint64_t start) {
			Peer::thread_online();
			uint64_t c = 0, missed = 0, i = start % n;
			V o2;
			while (!stop.load(std::memory_order_relaxed)) {
				for (int k = 0; k < 256; k++) {
					if (!m->lookup(look[i], o2))
						missed++;
					if (++i == n)
						i = 0;
				}
				c += 256;
			}
			rops += c;
			rmiss += missed;
			Peer::thread_offline();
		};
		auto writer = [&]() {
			Peer::thread_online();
			uint64_t c = 0;
			V v;
			while (!stop.load(std::memory_order_relaxed)) {
				for (auto &k : churn) {
					make_value(v, c);
					if (!m->insert(k, v))
						bench_die(Peer::name, "churn insert failed");
					c++;
				}
				for (auto &k : churn) {
					if (!m->erase(k))
						bench_die(Peer::name, "churn delete failed");
					c++;
				}
			}
			wops += c;
			Peer::thread_offline();
		};
		Span sp;
		std::thread r1(reader, 0), r2(reader, n / 2), w(writer);
		usleep((useconds_t)(o.secs * 1e6));
		stop = true;
		r1.join();
		r2.join();
		w.join();
		sp.stop();
		if (rmiss.load())
			bench_die(Peer::name, "a concurrent lookup missed a present key");
		emit("concurrent_2r1w", "reader_ops_per_s", rops / sp.wall, "ops/s");
		emit("concurrent_2r1w", "writer_ops_per_s", wops / sp.wall, "ops/s");
		m->settle();
	}

	/*
	 * Writers in parallel: insert 0 -> N into a fresh map with one thread,
	 * then with two, each inserting its own half (disjoint keys), o.reps
	 * times each; "ops_per_s_1w" and "ops_per_s_2w" are medians by wall
	 * time, and their ratio is what parallel writers gain (a map whose
	 * writers serialize stays at or below 1). "ops_per_cpu_s_1w" and
	 * "_2w" divide by the process's CPU time instead (every thread's:
	 * a map's resize worker, RCU callbacks): a fill that keeps more than
	 * one CPU busy with one writer has less left for a second.
	 * "writers_presized" fills maps created for N keys instead, so that
	 * no resize runs: the write path alone, on one CPU per writer.
	 */
	for (bool presized : { false, true }) {
		const char *wl = presized ? "writers_presized" : "writers";
		const char *row = presized ? "insert_parallel_presized"
					   : "insert_parallel";

		if (!Peer::concurrent || !wanted(o, wl))
			continue;
		auto fill = [&](unsigned nthreads) {
			Peer *pm = new Peer(o.ksize, o.vsize, n, presized ? n : 0);
			auto part = [&](uint64_t from, uint64_t to) {
				Peer::thread_online();
				V v;
				for (uint64_t i = from; i < to; i++) {
					make_value(v, i);
					if (!pm->insert(ins[i], v))
						bench_die(Peer::name, "parallel insert failed");
				}
				Peer::thread_offline();
			};
			std::vector<std::thread> ts;
			bench_heap_tidy();
			Span sp;
			for (unsigned t = 0; t < nthreads; t++)
				ts.emplace_back(part, n * t / nthreads,
						n * (t + 1) / nthreads);
			for (auto &t : ts)
				t.join();
			sp.stop();
			pm->settle();
			delete pm;
			Peer::quiesce();
			return sp;
		};
		Rates one, two;
		for (unsigned rep = 0; rep < o.reps; rep++) {
			one.add(n, fill(1));
			two.add(n, fill(2));
		}
		emit(row, "ops_per_s_1w", median(one.wall), "ops/s");
		emit(row, "ops_per_s_2w", median(two.wall), "ops/s");
		emit(row, "ops_per_cpu_s_1w", median(one.cpu), "ops/s");
		emit(row, "ops_per_cpu_s_2w", median(two.cpu), "ops/s");
	}

	if (wanted(o, "delete")) {
		Span sp;
		for (uint64_t i = 0; i < n; i++)
			if (!m->erase(look[i]))
				bench_die(Peer::name, "delete failed");
		sp.stop();
		Rates rt;
		rt.add(n, sp);
		rt.emit_to(emit, "delete_all");
		m->settle();
		Peer::quiesce();
		emit("memory", "bytes_after_delete_per_entry",
		     (double)(bench_heap_bytes() - heap0) / n, "B");
	}
	delete m;
	m = nullptr;
	Peer::quiesce();
	bench_heap_tidy();

	/* insert 0 -> N again, every insert timed on its own. */
	if (wanted(o, "latency")) {
		m = new Peer(o.ksize, o.vsize, n);
		V v;
		long csw0 = bench_thread_preemptions();
		for (uint64_t i = 0; i < n; i++) {
			make_value(v, i);
			uint64_t a = bench_tsc_start();
			bool ok = m->insert(ins[i], v);
			lat[i] = bench_tsc_stop() - a;
			if (!ok)
				bench_die(Peer::name, "insert failed");
		}
		long preempted = bench_thread_preemptions() - csw0;
		m->settle();
		delete m;
		m = nullptr;

		std::vector<uint64_t> s(lat);
		std::sort(s.begin(), s.end());
		auto pct = [&](double p) {
			size_t i = (size_t)(p * (n - 1) + 0.5);
			return s[i] / tpns;
		};
		emit("insert_latency", "p50", pct(0.50), "ns");
		emit("insert_latency", "p99", pct(0.99), "ns");
		emit("insert_latency", "p99.9", pct(0.999), "ns");
		emit("insert_latency", "max", s[n - 1] / tpns, "ns");
		double total = 0;
		for (auto x : s)
			total += x;
		emit("insert_latency", "mean", total / n / tpns, "ns");
		/* Each of these shows as one slow insert that is not the map's. */
		emit("insert_latency", "preemptions", preempted, "");

		if (!o.series_dir.empty()) {
			uint64_t thr = s[(size_t)(0.999 * (n - 1) + 0.5)];
			uint64_t stride = std::max<uint64_t>(1, n / o.series_points);
			char path[4096];
			snprintf(path, sizeof(path),
				 "%s/series-%s-k%u-v%u-n%" PRIu64 ".dat",
				 o.series_dir.c_str(), Peer::name, o.ksize,
				 o.vsize, n);
			FILE *f = fopen(path, "w");
			if (!f)
				bench_die(Peer::name, "cannot write the series");
			fprintf(f, "# %s k%u v%u n%" PRIu64
				   ": insert index, latency ns; every insert above"
				   " p99.9 (%.0f ns) and every %" PRIu64 "th other\n",
				Peer::name, o.ksize, o.vsize, n, thr / tpns, stride);
			for (uint64_t i = 0; i < n; i++)
				if (lat[i] > thr || i % stride == 0)
					fprintf(f, "%" PRIu64 " %.0f\n", i,
						lat[i] / tpns);
			fclose(f);
		}
	}
	if (sum == 42)	/* keeps the copied values alive */
		fputc(' ', stderr);
	Peer::finish(emit);
	Peer::thread_offline();
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-k KSIZE 8|16|32] [-v VSIZE 8|64] [-n N] [-r REPS]\n"
		"          [-o MIN_OPS] [-s SECS] [-d SERIES_DIR] [-w WORKLOADS]\n"
		"WORKLOADS: comma-separated of lookup,mixed,concurrent,writers,\n"
		"           writers_presized,delete,latency\n",
		argv0);
	exit(2);
}

template <template <unsigned, unsigned> class P>
static int bench_main(int argc, char **argv)
{
	Options o;
	int c;

	while ((c = getopt(argc, argv, "k:v:n:r:o:s:d:w:")) != -1) {
		switch (c) {
		case 'k': o.ksize = atoi(optarg); break;
		case 'v': o.vsize = atoi(optarg); break;
		case 'n': o.n = strtoull(optarg, NULL, 0); break;
		case 'r': o.reps = atoi(optarg); break;
		case 'o': o.min_ops = strtoull(optarg, NULL, 0); break;
		case 's': o.secs = atof(optarg); break;
		case 'd': o.series_dir = optarg; break;
		case 'w': o.only = optarg; break;
		default: usage(argv[0]);
		}
	}
	if (o.n < 2 || o.n > UINT32_MAX || !o.reps)
		usage(argv[0]);
	if (o.ksize == 8 && o.vsize == 8)
		run_peer<P<1, 1>, 1, 1>(o);
	else if (o.ksize == 16 && o.vsize == 64)
		run_peer<P<2, 8>, 2, 8>(o);
	else if (o.ksize == 32 && o.vsize == 64)
		run_peer<P<4, 8>, 4, 8>(o);
	else if (o.ksize == 8 && o.vsize == 64)
		run_peer<P<1, 8>, 1, 8>(o);
	else
		usage(argv[0]);
	return 0;
}

#endif /* BENCH_NATIVE_HARNESS_HPP */
