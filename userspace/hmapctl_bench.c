// SPDX-License-Identifier: GPL-2.0
/*
 * hmapctl bench: operations per second and latency percentiles of puts,
 * gets and deletes through the ioctls, one per call and batched.
 *
 * The keys are new ones, unique to the run, and all are deleted again, so
 * a bench leaves the map's content as it found it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hmapctl.h"

const char bench_help[] =
	"Usage: hmapctl bench [-n OPS] [-k BYTES] [-s BYTES] [-b N] [-m MODE] [-j]\n"
	"Time OPS puts of new keys, OPS gets and OPS deletes of them, one ioctl\n"
	"per operation and in batches, and print operations per second and\n"
	"percentiles of the latency of one ioctl call, in microseconds. The map\n"
	"must have room for OPS more keys; its content is left as it was.\n\n"
	"  -n, --ops OPS          operations per phase (default 100000)\n"
	"  -k, --key-size BYTES   key size, at least 8 (default 16)\n"
	"  -s, --value-size BYTES value size (default 64)\n"
	"  -b, --batch N          operations per batch call (default 64)\n"
	"  -m, --mode MODE        single, batch or both (default both)\n"
	"  -j, --json             one JSON object (printed when all phases ran)\n";

enum { PH_PUT, PH_GET, PH_DEL, PH_COUNT };
static const char * const phase_names[PH_COUNT] = { "put", "get", "del" };
static const __u32 phase_ops[PH_COUNT] = {
	HMAP_OP_PUT, HMAP_OP_GET, HMAP_OP_DELETE
};

struct bench {
	struct ctx *c;
	__u64 n;
	__u32 key_size;
	__u32 value_size;
	__u32 batch;
	bool json;
	FILE *out;		/* stdout, or a buffer of the JSON */
	char *keys;		/* n keys of key_size bytes */
	char *value;		/* the value every put writes */
	char *vbuf;		/* batch * value_size bytes for gets */
	__u64 *order;	/* a random permutation of 0..n-1 */
	__u64 *lat;		/* latency of each call, ns */
	struct hmap_ioc_batch_op *ops;
};

struct result {
	const char *mode;
	const char *op;
	__u64 ops;
	double secs;
	__u64 calls;
	double p50, p90, p99, p999, max;	/* microseconds */
};

static char *bench_key(const struct bench *b, __u64 i)
{
	return b->keys + i * b->key_size;
}

/* Unique keys: a per-run nonce and the index, padded to key_size. */
static void make_keys(struct bench *b)
{
	__u64 nonce = now_ns() ^ ((__u64)getpid() << 40);
	__u64 i, x;

	for (i = 0; i < b->n; i++) {
		char *k = bench_key(b, i);

		memset(k, 'k', b->key_size);
		x = nonce + i;
		memcpy(k, &x, sizeof(x));
	}
}

static void shuffle(__u64 *a, __u64 n)
{
	__u64 i, j, t;

	for (i = 0; i < n; i++)
		a[i] = i;
	for (i = n; i > 1; i--) {
		j = ((__u64)random() << 31 ^ (__u64)random()) % i;
		t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static double pct(const __u64 *sorted, __u64 n, double p)
{
	__u64 i = (__u64)(p * (double)(n - 1) + 0.5);

	return (double)sorted[i] / 1000.0;
}

static void summarize(struct bench *b, struct result *r)
{
	qsort(b->lat, r->calls, sizeof(*b->lat), cmp_u64);
	r->p50 = pct(b->lat, r->calls, 0.50);
	r->p90 = pct(b->lat, r->calls, 0.90);
	r->p99 = pct(b->lat, r->calls, 0.99);
	r->p999 = pct(b->lat, r->calls, 0.999);
	r->max = (double)b->lat[r->calls - 1] / 1000.0;
}

static int single_op(struct bench *b, int phase, __u64 i)
{
	__u32 len = b->value_size;
	char *k = bench_key(b, i);

	switch (phase) {
	case PH_PUT:
		return hm_put(b->c->fd, k, b->key_size, b->value, b->value_size,
			      HMAP_PUT_NOEXIST);
	case PH_GET:
		return hm_get(b->c->fd, k, b->key_size, b->vbuf, &len);
	default:
		return hm_delete(b->c->fd, k, b->key_size);
	}
}

static int run_single(struct bench *b, int phase, struct result *r)
{
	__u64 i, t0, t1, start = now_ns();
	int err;

	for (i = 0; i < b->n; i++) {
		__u64 idx = phase == PH_PUT ? i : b->order[i];

		t0 = now_ns();
		err = single_op(b, phase, idx);
		t1 = now_ns();
		if (err)
			return fail(b->c, -err, phase_names[phase]);
		b->lat[i] = t1 - t0;
	}
	r->secs = (double)(now_ns() - start) / 1e9;
	r->calls = b->n;
	return 0;
}

static void fill_ops(struct bench *b, int phase, __u64 first, __u32 n)
{
	__u32 j;

	memset(b->ops, 0, n * sizeof(*b->ops));
	for (j = 0; j < n; j++) {
		__u64 i = first + j;
		struct hmap_ioc_batch_op *op = &b->ops[j];

		op->op = phase_ops[phase];
		op->key = hm_ptr(bench_key(b, phase == PH_PUT ? i : b->order[i]));
		op->key_len = b->key_size;
		if (phase == PH_PUT) {
			op->flags = HMAP_PUT_NOEXIST;
			op->value = hm_ptr(b->value);
			op->value_len = b->value_size;
		} else if (phase == PH_GET) {
			op->value = hm_ptr(b->vbuf + (size_t)j * b->value_size);
			op->value_len = b->value_size;
		}
	}
}

static int run_batch(struct bench *b, int phase, struct result *r)
{
	__u64 i, t0, t1, calls = 0, start = now_ns();
	__u32 n, done;
	int err;

	for (i = 0; i < b->n; i += n) {
		n = b->n - i < b->batch ? (__u32)(b->n - i) : b->batch;
		fill_ops(b, phase, i, n);
		t0 = now_ns();
		err = hm_batch_all(b->c->fd, b->ops, n, &done);
		t1 = now_ns();
		if (err)
			return fail(b->c, -err, phase_names[phase]);
		b->lat[calls++] = t1 - t0;
	}
	r->secs = (double)(now_ns() - start) / 1e9;
	r->calls = calls;
	return 0;
}

static void print_result(const struct bench *b, const struct result *r,
			 bool first)
{
	double rate = r->secs > 0 ? (double)r->ops / r->secs : 0;
	FILE *f = b->out;

	if (b->json) {
		fprintf(f, "%s{\"mode\":\"%s\",\"op\":\"%s\",",
			first ? "" : ",", r->mode, r->op);
		fprintf(f, "\"ops\":%llu,\"calls\":%llu,\"seconds\":%.6f,",
			r->ops, r->calls, r->secs);
		fprintf(f, "\"ops_per_sec\":%.0f,\"p50_us\":%.3f,\"p90_us\":%.3f,",
			rate, r->p50, r->p90);
		fprintf(f, "\"p99_us\":%.3f,\"p999_us\":%.3f,\"max_us\":%.3f}",
			r->p99, r->p999, r->max);
		return;
	}
	fprintf(f, "%-9s %-4s %10.0f %9.2f %9.2f %9.2f %9.2f %10.2f\n",
		r->mode, r->op, rate, r->p50, r->p90, r->p99, r->p999, r->max);
}

static int run_mode(struct bench *b, bool batched, bool *first)
{
	static char mode[32];
	struct result r;
	int phase, ret;

	if (batched)
		snprintf(mode, sizeof(mode), "batch%u", b->batch);
	for (phase = 0; phase < PH_COUNT; phase++) {
		memset(&r, 0, sizeof(r));
		r.mode = batched ? mode : "single";
		r.op = phase_names[phase];
		r.ops = b->n;
		shuffle(b->order, b->n);
		ret = batched ? run_batch(b, phase, &r) :
				run_single(b, phase, &r);
		if (ret)
			return ret;
		summarize(b, &r);
		print_result(b, &r, *first);
		*first = false;
	}
	return 0;
}

/* The map must take n more keys of these sizes. */
static int check_room(struct bench *b)
{
	const struct hmap_ioc_stats *s = &b->c->info;

	if (b->key_size > s->max_key_size) {
		report(b->c, EXIT_USAGE, 0, "key size %u is over max_key_size %u",
		       b->key_size, s->max_key_size);
		return EXIT_USAGE;
	}
	if (b->value_size > s->max_value_size) {
		report(b->c, EXIT_USAGE, 0,
		       "value size %u is over max_value_size %u",
		       b->value_size, s->max_value_size);
		return EXIT_USAGE;
	}
	if (s->count + b->n > s->max_entries) {
		report(b->c, EXIT_ERROR, 0,
		       "room for %llu more keys (max_entries %u), not %llu",
		       s->max_entries - s->count, s->max_entries, b->n);
		return EXIT_ERROR;
	}
	return 0;
}

static int bench_alloc(struct bench *b)
{
	b->keys = malloc(b->n * b->key_size);
	b->value = malloc(b->value_size ? b->value_size : 1);
	b->vbuf = malloc((size_t)b->batch * (b->value_size ? b->value_size : 1));
	b->order = malloc(b->n * sizeof(*b->order));
	b->lat = malloc(b->n * sizeof(*b->lat));
	b->ops = malloc(b->batch * sizeof(*b->ops));
	if (!b->keys || !b->value || !b->vbuf || !b->order || !b->lat ||
	    !b->ops)
		return fail_sys(b->c, ENOMEM, NULL);
	memset(b->value, 'v', b->value_size);
	make_keys(b);
	return 0;
}

/* After a failure: delete whatever keys of the run are still there. */
static void bench_cleanup(struct bench *b)
{
	__u64 i;

	for (i = 0; i < b->n; i++)
		hm_delete(b->c->fd, bench_key(b, i), b->key_size);
}

static void bench_free(struct bench *b)
{
	free(b->keys);
	free(b->value);
	free(b->vbuf);
	free(b->order);
	free(b->lat);
	free(b->ops);
}

/*
 * The smallest step in which CLOCK_MONOTONIC is seen to advance, in ns.
 * Not clock_getres(): that is the resolution of the clock's timers (a tick
 * without high-resolution timers), not how finely the clock reads, which
 * is the clocksource's (a TSC reads in ns; the jiffies clocksource of a
 * guest whose TSC calibration failed, in ticks). Reads the clock until it
 * has moved 64 times or for 20 ms.
 */
static __u64 clock_step_ns(void)
{
	__u64 t, last = now_ns(), step = UINT64_MAX, end = last + 20000000;
	int moves = 0;

	while (moves < 64) {
		t = now_ns();
		if (t != last) {
			if (t - last < step)
				step = t - last;
			last = t;
			moves++;
		}
		if (t >= end)
			break;
	}
	return step == UINT64_MAX ? 0 : step;
}

static int bench_run(struct bench *b, bool single, bool batched)
{
	__u64 step = clock_step_ns();
	bool first = true;
	char *json = NULL;
	size_t json_len;
	int ret;

	b->out = stdout;
	if (b->json) {
		/* Printed only if every phase ran: an error is printed alone. */
		b->out = open_memstream(&json, &json_len);
		if (!b->out)
			return fail_sys(b->c, errno, NULL);
		fprintf(b->out, "{\"ops\":%llu,\"key_size\":%u,\"value_size\":%u,\"batch\":%u,",
			b->n, b->key_size, b->value_size, b->batch);
		fprintf(b->out, "\"clock_step_ns\":%llu,\"results\":[", step);
	} else {
		if (step > 1000)
			printf("note: the clock reads in steps of %llu ns; %s\n",
			       step, "shorter latencies read as 0");
		printf("%llu ops per phase, key %u B, value %u B; latency per ioctl call in us\n",
		       b->n, b->key_size, b->value_size);
		printf("%-9s %-4s %10s %9s %9s %9s %9s %10s\n", "mode", "op",
		       "ops/s", "p50", "p90", "p99", "p99.9", "max");
	}
	ret = single ? run_mode(b, false, &first) : 0;
	if (!ret && batched)
		ret = run_mode(b, true, &first);
	if (!b->json)
		return ret;
	fprintf(b->out, "]}\n");
	fclose(b->out);
	if (!ret)
		fwrite(json, 1, json_len, stdout);
	free(json);
	return ret;
}

static int parse_mode(const char *s, bool *single, bool *batched)
{
	*single = !strcmp(s, "single") || !strcmp(s, "both");
	*batched = !strcmp(s, "batch") || !strcmp(s, "both");
	return *single || *batched ? 0 : -1;
}

static int parse_bench_opts(struct bench *b, int argc, char **argv,
			    bool *single, bool *batched)
{
	static const struct option longopts[] = {
		{ "ops", required_argument, NULL, 'n' },
		{ "key-size", required_argument, NULL, 'k' },
		{ "value-size", required_argument, NULL, 's' },
		{ "batch", required_argument, NULL, 'b' },
		{ "mode", required_argument, NULL, 'm' },
		{ 0 }
	};
	__u64 v;
	int opt;

	while ((opt = next_opt(b->c, argc, argv, "n:k:s:b:m:",
			       longopts)) != -1) {
		if (opt == 'm') {
			if (parse_mode(optarg, single, batched))
				return usage_error(b->c, "bad mode", optarg);
		} else if (opt == '?') {
			return EXIT_USAGE;
		} else if (!parse_u64(optarg, &v) || !v || v > (1ULL << 30)) {
			return usage_error(b->c, "bad number", optarg);
		} else if (opt == 'n') {
			b->n = v;
		} else if (opt == 'k') {
			b->key_size = (__u32)v;
		} else if (opt == 's') {
			b->value_size = (__u32)v;
		} else {
			b->batch = (__u32)v;
		}
	}
	if (optind != argc)
		return usage_error(b->c, "too many arguments", NULL);
	if (b->key_size < 8)
		return usage_error(b->c, "key size must be at least 8", NULL);
	b->json = b->c->json;
	return 0;
}

int cmd_bench(struct ctx *c, int argc, char **argv)
{
	struct bench b = {
		.c = c,
		.n = 100000,
		.key_size = 16,
		.value_size = 64,
		.batch = 64,
	};
	bool single = true, batched = true;
	int ret;

	ret = parse_bench_opts(&b, argc, argv, &single, &batched);
	if (!ret)
		ret = ctx_open(c, O_RDWR);
	if (!ret)
		ret = check_room(&b);
	if (ret)
		return ret;
	srandom((unsigned int)now_ns());
	ret = bench_alloc(&b);
	if (!ret)
		ret = bench_run(&b, single, batched);
	if (ret && b.keys)
		bench_cleanup(&b);
	bench_free(&b);
	return ret;
}
