// SPDX-License-Identifier: GPL-2.0
/*
 * hmap_ubench - /dev/hmap and a BPF hash map side by side, from user space,
 * in one process: the same keys, values, counts and order on every peer.
 *
 * OPS puts of new keys, OPS gets and OPS deletes of them in a random order,
 * one syscall per operation; then the same in batches of BATCH (hmap:
 * HMAP_IOC_BATCH; BPF: BPF_MAP_UPDATE_BATCH and BPF_MAP_DELETE_BATCH; BPF
 * has no batched get by key, so batched gets are hmap's alone), and a full
 * walk of the full map ("walk": HMAP_IOC_DUMP vs. BPF_MAP_LOOKUP_BATCH, the
 * closest BPF has to a batched read). The peers take turns in chunks of
 * CHUNK operations (the first of a chunk alternates), so whatever else the
 * host runs slows them alike. Latency is that of one syscall; ops/s is
 * operations over the summed time inside the syscalls.
 *
 * Peers: "hmap" (/dev/hmap, which must be empty, with room for OPS keys),
 * "bpf" (BPF_MAP_TYPE_HASH with max_entries = OPS, preallocated, as a
 * user gets it by default) and "bpf_noprealloc" (BPF_F_NO_PREALLOC: each
 * element is allocated on update, as hmap does).
 *
 * Output: one line per peer, mode and operation:
 *   ubench: peer=hmap mode=single op=put n=... ksize=... vsize=...
 *   batch=1 calls=... ns=... ops_per_sec=... p50=... p99=... p999=... max=...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/hmap.h>
#include <linux/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_PEERS 3
#define CHUNK 1024

enum { OP_PUT, OP_GET, OP_DEL, OP_DUMP, OP_COUNT };
static const char * const op_names[OP_COUNT] = { "put", "get", "del", "dump" };

struct peer;

struct bench {
	__u64 n;
	__u32 ksize;
	__u32 vsize;
	__u32 batch;
	char *keys;		/* n keys of ksize bytes */
	char *values;		/* batch values of vsize bytes */
	char *vbuf;		/* batch values read back */
	char *kbuf;		/* batch keys read back */
	char *dumpbuf;
	size_t dumpbuf_size;
	__u64 *order;	/* a random permutation of 0..n-1 */
	struct hmap_ioc_batch_op *ops;
	char *bkeys;		/* batch keys, contiguous, for BPF */
};

struct peer {
	const char *name;
	int fd;
	int (*single)(struct bench *b, struct peer *p, int op, __u64 i);
	/* one batch call; *ns: its time */
	int (*batch)(struct bench *b, struct peer *p, int op, __u64 first,
		     __u32 count, __u32 *done, __u64 *ns);
	/* walk the whole map once; returns entries seen or -errno */
	long (*dump)(struct bench *b, struct peer *p);
	__u32 bpf_flags;
	bool batch_get;		/* has a batched get by key */
	__u64 *lat;		/* ns of each call of the phase */
	__u64 calls;
	__u64 ns;		/* sum of lat */
};

/* Record one call of @ns. */
static void took(struct peer *p, __u64 ns)
{
	p->lat[p->calls++] = ns;
	p->ns += ns;
}

/*
 * The clock: the TSC, at a rate given with -t (scripts/bench.sh measures it
 * on the host) or measured against CLOCK_MONOTONIC. Not CLOCK_MONOTONIC
 * itself: under QEMU's TCG the guest kernel often fails to calibrate the
 * TSC and falls back to jiffies, which step by 4 ms.
 */
static double ns_per_cycle = 1.0;
static unsigned int run;

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#if __has_include("x86intrin.h")
#include <x86intrin.h>

static __u64 cycles(void)
{
	return __rdtsc();
}
#else
static __u64 cycles(void)
{
	return mono_ns();
}
#endif

static __u64 now_ns(void)
{
	return (__u64)((double)cycles() * ns_per_cycle);
}

/* Cycles per ms over @ms milliseconds of CLOCK_MONOTONIC. */
static double measure_khz(unsigned int ms)
{
	struct timespec nap = { ms / 1000, (ms % 1000) * 1000000L };
	__u64 t0 = mono_ns(), c0 = cycles(), t1, c1;

	nanosleep(&nap, NULL);
	t1 = mono_ns();
	c1 = cycles();
	return (double)(c1 - c0) * 1e6 / (double)(t1 - t0);
}

static __u64 mix(__u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static char *key_of(struct bench *b, __u64 i)
{
	return b->keys + i * b->ksize;
}

/* Distinct keys: a bijection of the index first, then filler. */
static void make_keys(struct bench *b)
{
	__u64 i, j, x, w;

	for (i = 0; i < b->n; i++) {
		char *k = key_of(b, i);

		x = mix(i + 0x9e3779b97f4a7c15ULL);
		for (j = 0; j < b->ksize; j += 8) {
			w = j ? mix(x + j) : x;
			memcpy(k + j, &w, b->ksize - j < 8 ? b->ksize - j : 8);
		}
	}
	for (i = 0; i < b->n; i++)
		b->order[i] = i;
	srandom(1);
	for (i = b->n; i > 1; i--) {
		__u64 t;

		j = ((__u64)random() << 31 ^ (__u64)random()) % i;
		t = b->order[i - 1];
		b->order[i - 1] = b->order[j];
		b->order[j] = t;
	}
}

static __u64 idx_of(struct bench *b, int op, __u64 i)
{
	return op == OP_PUT ? i : b->order[i];
}

/* /dev/hmap */

static int hm_single(struct bench *b, struct peer *p, int op, __u64 i)
{
	struct hmap_ioc_elem e = {
		.size = sizeof(e),
		.key = (__u64)(unsigned long)key_of(b, idx_of(b, op, i)),
		.key_len = b->ksize,
	};
	unsigned long cmd;

	switch (op) {
	case OP_PUT:
		cmd = HMAP_IOC_PUT;
		e.flags = HMAP_PUT_NOEXIST;
		e.value = (__u64)(unsigned long)b->values;
		e.value_len = b->vsize;
		break;
	case OP_GET:
		cmd = HMAP_IOC_GET;
		e.value = (__u64)(unsigned long)b->vbuf;
		e.value_len = b->vsize;
		break;
	default:
		cmd = HMAP_IOC_DELETE;
		break;
	}
	return ioctl(p->fd, cmd, &e) ? -errno : 0;
}

static int hm_batch(struct bench *b, struct peer *p, int op, __u64 first,
		    __u32 count, __u32 *done, __u64 *ns)
{
	static const __u32 codes[] = {
		[OP_PUT] = HMAP_OP_PUT,
		[OP_GET] = HMAP_OP_GET,
		[OP_DEL] = HMAP_OP_DELETE,
	};
	struct hmap_ioc_batch arg = {
		.size = sizeof(arg),
		.ops = (__u64)(unsigned long)b->ops,
		.count = count,
		.op_size = sizeof(*b->ops),
	};
	__u64 t0, t1;
	__u32 j;
	int err;

	memset(b->ops, 0, count * sizeof(*b->ops));
	for (j = 0; j < count; j++) {
		struct hmap_ioc_batch_op *o = &b->ops[j];

		o->op = codes[op];
		o->key = (__u64)(unsigned long)key_of(b, idx_of(b, op, first + j));
		o->key_len = b->ksize;
		if (op == OP_PUT) {
			o->flags = HMAP_PUT_NOEXIST;
			o->value = (__u64)(unsigned long)(b->values + (size_t)j * b->vsize);
			o->value_len = b->vsize;
		} else if (op == OP_GET) {
			o->value = (__u64)(unsigned long)(b->vbuf + (size_t)j * b->vsize);
			o->value_len = b->vsize;
		}
	}
	t0 = now_ns();
	err = ioctl(p->fd, HMAP_IOC_BATCH, &arg) ? -errno : 0;
	t1 = now_ns();
	*done = arg.count;
	*ns = t1 - t0;
	return err;
}

static long hm_dump(struct bench *b, struct peer *p)
{
	struct hmap_ioc_dump d = {
		.size = sizeof(d),
		.buf = (__u64)(unsigned long)b->dumpbuf,
		.buf_size = b->dumpbuf_size,
	};
	__u64 t0, t1;
	long seen = 0;

	do {
		t0 = now_ns();
		if (ioctl(p->fd, HMAP_IOC_DUMP, &d))
			return -errno;
		t1 = now_ns();
		if (p->calls < b->n)
			took(p, t1 - t0);
		seen += d.count;
	} while (!d.done);
	return seen;
}

/* BPF_MAP_TYPE_HASH through bpf() */

static int bpf_single(struct bench *b, struct peer *p, int op, __u64 i)
{
	char *k = key_of(b, idx_of(b, op, i));
	int err;

	switch (op) {
	case OP_PUT:
		err = bpf_map_update_elem(p->fd, k, b->values, BPF_NOEXIST);
		break;
	case OP_GET:
		err = bpf_map_lookup_elem(p->fd, k, b->vbuf);
		break;
	default:
		err = bpf_map_delete_elem(p->fd, k);
		break;
	}
	return err ? -errno : 0;
}

static int bpf_batch(struct bench *b, struct peer *p, int op, __u64 first,
		     __u32 count, __u32 *done, __u64 *ns)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = 0);
	__u64 t0, t1;
	__u32 j;
	int err;

	/* BPF takes the keys contiguous: copy this batch's keys together. */
	for (j = 0; j < count; j++)
		memcpy(b->bkeys + (size_t)j * b->ksize,
		       key_of(b, idx_of(b, op, first + j)), b->ksize);
	*done = count;
	t0 = now_ns();
	if (op == OP_PUT)
		err = bpf_map_update_batch(p->fd, b->bkeys, b->values, done,
					   &opts);
	else
		err = bpf_map_delete_batch(p->fd, b->bkeys, done, &opts);
	t1 = now_ns();
	*ns = t1 - t0;
	return err ? -errno : 0;
}

/* BPF_MAP_LOOKUP_BATCH walks the map; ENOENT ends the walk. */
static long bpf_dump(struct bench *b, struct peer *p)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u64 in = 0, out = 0, t0, t1;
	bool first = true;
	long seen = 0;
	__u32 count;
	int err;

	for (;;) {
		count = b->batch;
		t0 = now_ns();
		err = bpf_map_lookup_batch(p->fd, first ? NULL : &in, &out,
					   b->kbuf, b->vbuf, &count, &opts);
		t1 = now_ns();
		err = err ? -errno : 0;
		if (p->calls < b->n)
			took(p, t1 - t0);
		if (err && err != -ENOENT)
			return err;
		seen += count;
		if (err == -ENOENT)
			return seen;
		in = out;
		first = false;
	}
}

/* Reporting */

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static void report(struct bench *b, struct peer *p, const char *mode,
		   int op, __u32 batch, __u64 ops)
{
	__u64 *l = p->lat, calls = p->calls, ns = p->ns;

	if (!calls)
		return;
	qsort(l, calls, sizeof(*l), cmp_u64);
	printf("ubench: peer=%s mode=%s op=%s n=%llu ksize=%u vsize=%u",
	       p->name, mode, op_names[op], (unsigned long long)ops, b->ksize,
	       b->vsize);
	printf(" batch=%u calls=%llu ns=%llu ops_per_sec=%.0f", batch,
	       (unsigned long long)calls, (unsigned long long)ns,
	       ns ? ops * 1e9 / ns : 0.0);
	printf(" p50=%llu p99=%llu p999=%llu max=%llu run=%u\n",
	       (unsigned long long)l[calls / 2],
	       (unsigned long long)l[calls * 99 / 100],
	       (unsigned long long)l[calls * 999 / 1000],
	       (unsigned long long)l[calls - 1], run);
	fflush(stdout);
}

/* The peer that takes turn @j in chunk @c: the first alternates. */
static struct peer *turn(struct peer **ps, int np, __u64 c, int j)
{
	return ps[(c / CHUNK) & 1 ? np - 1 - j : j];
}

static void reset(struct peer **ps, int np)
{
	int j;

	for (j = 0; j < np; j++) {
		ps[j]->calls = 0;
		ps[j]->ns = 0;
	}
}

static int phase_single(struct bench *b, struct peer **ps, int np, int op)
{
	__u64 c, i, end, t0, t1;
	struct peer *p;
	int j, err;

	reset(ps, np);
	for (c = 0; c < b->n; c += CHUNK) {
		end = c + CHUNK < b->n ? c + CHUNK : b->n;
		for (j = 0; j < np; j++) {
			p = turn(ps, np, c, j);
			for (i = c; i < end; i++) {
				t0 = now_ns();
				err = p->single(b, p, op, i);
				t1 = now_ns();
				if (err) {
					fprintf(stderr, "%s single %s #%llu: %s\n",
						p->name, op_names[op],
						(unsigned long long)i,
						strerror(-err));
					return err;
				}
				took(p, t1 - t0);
			}
		}
	}
	for (j = 0; j < np; j++)
		report(b, ps[j], "single", op, 1, b->n);
	return 0;
}

static int phase_batch(struct bench *b, struct peer **ps, int np, int op)
{
	__u64 c, i, end, ns;
	__u32 count, done;
	struct peer *p;
	int j, err;

	reset(ps, np);
	for (c = 0; c < b->n; c += CHUNK) {
		end = c + CHUNK < b->n ? c + CHUNK : b->n;
		for (j = 0; j < np; j++) {
			p = turn(ps, np, c, j);
			for (i = c; i < end; i += count) {
				count = end - i < b->batch ? end - i : b->batch;
				err = p->batch(b, p, op, i, count, &done, &ns);
				if (err || done != count) {
					fprintf(stderr, "%s batch %s at %llu: %s (%u of %u)\n",
						p->name, op_names[op],
						(unsigned long long)i,
						strerror(err ? -err : EIO),
						done, count);
					return err ? err : -EIO;
				}
				took(p, ns);
			}
		}
	}
	for (j = 0; j < np; j++)
		report(b, ps[j], "batch", op, b->batch, b->n);
	return 0;
}

/* Walks are few and long: each peer in turn, the first alternating. */
static int phase_walk(struct bench *b, struct peer **ps, int np)
{
	struct peer *p;
	long seen;
	int j;

	reset(ps, np);
	for (j = 0; j < np; j++) {
		p = turn(ps, np, run * CHUNK, j);
		seen = p->dump(b, p);
		if (seen < 0) {
			fprintf(stderr, "%s walk: %s\n", p->name,
				strerror(-seen));
			return seen;
		}
		if ((__u64)seen != b->n)
			fprintf(stderr, "%s walk: saw %ld of %llu keys\n",
				p->name, seen, (unsigned long long)b->n);
		report(b, p, "walk", OP_DUMP, b->batch, seen);
	}
	return 0;
}

static int bpf_open(struct bench *b, struct peer *p)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = p->bpf_flags);

	p->fd = bpf_map_create(BPF_MAP_TYPE_HASH, p->name, b->ksize, b->vsize,
			       b->n, &opts);
	if (p->fd < 0) {
		fprintf(stderr, "bpf_map_create(%s): %s\n", p->name,
			strerror(errno));
		return -errno;
	}
	return 0;
}

/* One run over every peer: new BPF maps, the (empty) /dev/hmap. */
static int run_all(struct bench *b, struct peer **ps, int np, const char *dev)
{
	struct peer *batch_get[MAX_PEERS];
	int j, nbg = 0, err = 0, opened = 0;

	for (j = 0; j < np && !err; j++, opened++) {
		struct peer *p = ps[j];

		if (p->dump == hm_dump) {
			p->fd = open(dev, O_RDWR);
			if (p->fd < 0) {
				err = -errno;
				fprintf(stderr, "%s: %s\n", dev, strerror(-err));
				break;
			}
		} else {
			err = bpf_open(b, p);
			if (err)
				break;
		}
		if (p->batch_get)
			batch_get[nbg++] = p;
	}
	err = err ? : phase_single(b, ps, np, OP_PUT);
	err = err ? : phase_single(b, ps, np, OP_GET);
	err = err ? : phase_walk(b, ps, np);
	err = err ? : phase_single(b, ps, np, OP_DEL);
	err = err ? : phase_batch(b, ps, np, OP_PUT);
	err = err ? : phase_batch(b, batch_get, nbg, OP_GET);
	err = err ? : phase_batch(b, ps, np, OP_DEL);
	for (j = 0; j < opened; j++)
		close(ps[j]->fd);
	return err;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p) {
		perror("calloc");
		exit(1);
	}
	return p;
}

static const char usage[] =
	"usage: hmap_ubench [-n OPS] [-k KEY_BYTES] [-s VALUE_BYTES] [-b BATCH] [-p PEERS]\n"
	"                   [-d DEVICE] [-t TSC_KHZ] [-r RUNS]\n"
	"       hmap_ubench -T    print the TSC rate in kHz, measured over 0.5 s\n"
	"       hmap_ubench -C    print the TSC\n"
	"  PEERS: comma-separated hmap,bpf,bpf_noprealloc (default all)\n"
	"  RUNS: repetitions; the order of the peers alternates (default 1)\n";

int main(int argc, char **argv)
{
	struct bench b = { .n = 100000, .ksize = 16, .vsize = 64, .batch = 64 };
	const char *peers = "hmap,bpf,bpf_noprealloc", *dev = "/dev/hmap";
	struct peer all[MAX_PEERS] = {
		{ .name = "hmap", .single = hm_single, .batch = hm_batch,
		  .dump = hm_dump, .batch_get = true },
		{ .name = "bpf", .single = bpf_single, .batch = bpf_batch,
		  .dump = bpf_dump },
		{ .name = "bpf_noprealloc", .single = bpf_single,
		  .batch = bpf_batch, .dump = bpf_dump,
		  .bpf_flags = BPF_F_NO_PREALLOC },
	};
	struct peer *ps[MAX_PEERS];
	char list[256], pat[64];
	size_t i, maxlen;
	int np = 0;
	unsigned int runs = 1;
	double khz = 0;
	int opt, status = 0;

	while ((opt = getopt(argc, argv, "n:k:s:b:p:d:t:r:TCh")) != -1) {
		switch (opt) {
		case 'n':
			b.n = strtoull(optarg, NULL, 0);
			break;
		case 'k':
			b.ksize = strtoul(optarg, NULL, 0);
			break;
		case 's':
			b.vsize = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			b.batch = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			peers = optarg;
			break;
		case 'd':
			dev = optarg;
			break;
		case 't':
			khz = strtod(optarg, NULL);
			break;
		case 'r':
			runs = strtoul(optarg, NULL, 0);
			break;
		case 'T':
			printf("%.0f\n", measure_khz(500));
			return 0;
		case 'C':
			printf("%llu\n", (unsigned long long)cycles());
			return 0;
		default:
			fputs(usage, opt == 'h' ? stdout : stderr);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (!b.n || b.ksize < 8 || !b.vsize || !b.batch) {
		fputs("OPS, BATCH, value size must be > 0; key size >= 8 (BPF needs a value)\n",
		      stderr);
		return 2;
	}
	if (khz <= 0)
		khz = measure_khz(200);
	ns_per_cycle = 1e6 / khz;
	printf("ubench: clock khz=%.0f\n", khz);

	b.keys = xcalloc(b.n, b.ksize);
	b.order = xcalloc(b.n, sizeof(*b.order));
	b.values = xcalloc(b.batch, b.vsize);
	b.vbuf = xcalloc(b.batch, b.vsize);
	b.kbuf = xcalloc(b.batch, b.ksize);
	b.bkeys = xcalloc(b.batch, b.ksize);
	b.ops = xcalloc(b.batch, sizeof(*b.ops));
	maxlen = HMAP_REC_SIZE(b.ksize, b.vsize);
	b.dumpbuf_size = maxlen * b.batch;
	b.dumpbuf = xcalloc(1, b.dumpbuf_size);
	memset(b.values, 'v', (size_t)b.batch * b.vsize);
	make_keys(&b);

	snprintf(list, sizeof(list), ",%s,", peers);
	for (i = 0; i < ARRAY_SIZE(all); i++) {
		snprintf(pat, sizeof(pat), ",%s,", all[i].name);
		if (!strstr(list, pat))
			continue;
		all[i].lat = xcalloc(b.n + 1, sizeof(*all[i].lat));
		ps[np++] = &all[i];
	}
	for (run = 0; run < runs; run++)
		if (run_all(&b, ps, np, dev))
			status = 1;
	return status;
}
