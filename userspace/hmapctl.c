// SPDX-License-Identifier: GPL-2.0
/*
 * hmapctl - drive the hash map served on /dev/hmap.
 *
 * Each command is a function taking the command's own argv; the options
 * every command accepts (-d, -x, -e, -h) are handled by common_opt().
 * See hmapctl.8 for the user's view.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hmapctl.h"

#define DEFAULT_BATCH	256
#define MAX_BATCH	65536
#define DUMP_BUF_SIZE	(256 * 1024)

struct command {
	const char *name;
	int (*run)(struct ctx *c, int argc, char **argv);
	const char *help;
};

static const struct command *find_command(const char *name);

/* ---- helpers shared with hmapctl_bench.c ------------------------------ */

static const char *hm_strerror(int err)
{
	switch (err) {
	case ENOENT:
		return "key not found";
	case EEXIST:
		return "key already exists";
	case E2BIG:
		return "map is full (max_entries reached)";
	case EMSGSIZE:
		return "key or value too long (see max_key_size, max_value_size)";
	case EBADF:
		return "not allowed on a device opened read-only";
	default:
		return strerror(err);
	}
}

/* Report errno @err from @what; the exit status it maps to. */
int fail(const struct ctx *c, int err, const char *what)
{
	const char *name = strerrorname_np(err);

	fprintf(stderr, "hmapctl: %s: %s%s%s (%s: %s)\n", c->cmd,
		what ? what : "", what ? ": " : "", hm_strerror(err),
		name ? name : "?", strerror(err));
	return err == ENOENT ? EXIT_NOTFOUND : EXIT_ERROR;
}

/* "hmapctl: CMD: WHAT 'ARG'" and a hint; the exit status for usage errors. */
/* Report a system error (a file, memory) from @what; exit status 3. */
int fail_sys(const struct ctx *c, int err, const char *what)
{
	const char *name = strerrorname_np(err);

	fprintf(stderr, "hmapctl: %s: %s%s%s (%s)\n", c->cmd,
		what ? what : "", what ? ": " : "", strerror(err),
		name ? name : "?");
	return EXIT_ERROR;
}

int usage_error(const struct ctx *c, const char *what, const char *arg)
{
	if (arg)
		fprintf(stderr, "hmapctl: %s: %s '%s'\n", c->cmd, what, arg);
	else
		fprintf(stderr, "hmapctl: %s: %s\n", c->cmd, what);
	fprintf(stderr, "Try 'hmapctl %s --help'.\n", c->cmd);
	return EXIT_USAGE;
}

int ctx_open(struct ctx *c, int flags)
{
	const char *hint = "";
	int fd = hm_open(c->device, flags);

	if (fd >= 0) {
		c->fd = fd;
		return 0;
	}
	if (fd == -ENOENT)
		hint = " (is hmap.ko loaded?)";
	else if (fd == -EACCES || fd == -EPERM)
		hint = " (the device is root-only by default)";
	fprintf(stderr, "hmapctl: %s: cannot open %s: %s (%s)%s\n", c->cmd,
		c->device, strerror(-fd), strerrorname_np(-fd), hint);
	return EXIT_ERROR;
}

bool parse_u64(const char *s, __u64 *v)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end;
}

static bool parse_u32(const char *s, __u32 *v)
{
	__u64 x;

	if (!parse_u64(s, &x) || x > UINT32_MAX)
		return false;
	*v = (__u32)x;
	return true;
}

__u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000u + (__u64)ts.tv_nsec;
}

double now_sec(void)
{
	return (double)now_ns() / 1e9;
}

void progress_init(struct progress *p, const char *what, __u64 total,
		   bool quiet)
{
	memset(p, 0, sizeof(*p));
	p->on = !quiet && isatty(STDERR_FILENO);
	p->what = what;
	p->total = total;
	p->start = now_sec();
}

static void progress_print(struct progress *p, double t)
{
	double rate = t > p->start ? (double)p->done / (t - p->start) : 0;

	fprintf(stderr, "\r%s: %llu", p->what, p->done);
	if (p->total)
		fprintf(stderr, "/%llu (%3.0f%%)", p->total,
			100.0 * (double)p->done / (double)p->total);
	fprintf(stderr, "  %.0f/s   ", rate);
}

void progress_update(struct progress *p, __u64 done)
{
	double t;

	p->done = done;
	if (!p->on)
		return;
	t = now_sec();
	if (t - p->last < 0.1)
		return;
	p->last = t;
	progress_print(p, t);
}

void progress_end(struct progress *p)
{
	if (!p->on)
		return;
	progress_print(p, now_sec());
	fputc('\n', stderr);
}

/* ---- options ---------------------------------------------------------- */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct option common_longopts[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "hex", no_argument, NULL, 'x' },
	{ "escape", no_argument, NULL, 'e' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

#define COMMON_SHORT "d:xeh"

static void print_help(const struct command *cmd)
{
	printf("%s", cmd->help);
	printf("\nCommon options:\n"
	       "  -d, --device PATH  the device (default %s)\n"
	       "  -x, --hex          keys and values are hex, in and out\n"
	       "  -e, --escape       KEY and VALUE arguments use backslash escapes\n"
	       "  -h, --help         this help\n"
	       "\nExit status: 0 ok, 1 key not found, 2 usage, 3 other error.\n",
	       HM_DEFAULT_DEVICE);
}

/* Handle an option every command takes; false if @opt is not one. */
static bool common_opt(struct ctx *c, int opt)
{
	switch (opt) {
	case 'd':
		c->device = optarg;
		return true;
	case 'x':
		c->in = TEXT_HEX;
		c->out = TEXT_HEX;
		return true;
	case 'e':
		c->in = TEXT_ESCAPE;
		return true;
	case 'h':
		print_help(find_command(c->cmd));
		exit(0);
	}
	return false;
}

/*
 * getopt_long() over a command's own options and the common ones, which it
 * handles; returns the next option of the command's own, '?' for a bad
 * one, or -1 at the end.
 */
int next_opt(struct ctx *c, int argc, char **argv, const char *shortopts,
	     const struct option *longopts)
{
	static struct option all[32];
	static char all_short[64];
	size_t n = 0, i;
	int opt;

	if (!all[0].name) {
		snprintf(all_short, sizeof(all_short), "%s%s", shortopts,
			 COMMON_SHORT);
		for (i = 0; longopts && longopts[i].name; i++)
			all[n++] = longopts[i];
		for (i = 0; common_longopts[i].name; i++)
			all[n++] = common_longopts[i];
	}
	while ((opt = getopt_long(argc, argv, all_short, all, NULL)) != -1) {
		if (!common_opt(c, opt))
			return opt;
	}
	return -1;
}

/* Parse the common options only, for commands with no options of their own. */
static int parse_common(struct ctx *c, int argc, char **argv)
{
	return next_opt(c, argc, argv, "", NULL) == -1 ? 0 : EXIT_USAGE;
}

static int check_args(const struct ctx *c, int argc, int want_min,
		      int want_max)
{
	int n = argc - optind;

	if (n < want_min)
		return usage_error(c, "missing argument", NULL);
	if (want_max >= 0 && n > want_max)
		return usage_error(c, "too many arguments", NULL);
	return 0;
}

/* Decode argument @s in the input form into a malloc()ed buffer. */
static int decode_arg(const struct ctx *c, const char *s, char **out,
		      __u32 *len)
{
	const char *why = NULL;
	long n;

	*out = malloc(strlen(s) + 1);
	if (!*out)
		return fail_sys(c, ENOMEM, NULL);
	n = text_decode(c->in, s, strlen(s), *out, &why);
	if (n < 0) {
		free(*out);
		*out = NULL;
		return usage_error(c, why, s);
	}
	*len = (__u32)n;
	return 0;
}

/* Read all of stdin into a malloc()ed buffer. */
static int read_stdin(const struct ctx *c, char **out, __u32 *len)
{
	size_t size = 4096, n = 0;
	char *buf = malloc(size);
	size_t r;

	while (buf && (r = fread(buf + n, 1, size - n, stdin)) > 0) {
		n += r;
		if (n == size && n < UINT32_MAX) {
			char *nbuf = realloc(buf, size * 2);

			if (!nbuf)
				free(buf);
			buf = nbuf;
			size *= 2;
		}
	}
	if (!buf)
		return fail_sys(c, ENOMEM, "stdin");
	if (ferror(stdin)) {
		free(buf);
		return fail_sys(c, EIO, "stdin");
	}
	*out = buf;
	*len = (__u32)n;
	return 0;
}

/* ---- put, get, take, del ---------------------------------------------- */

static int cmd_put(struct ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "noexist", no_argument, NULL, 'n' },
		{ "exist", no_argument, NULL, 'u' },
		{ "stdin", no_argument, NULL, 'i' },
		{ 0 }
	};
	__u32 flags = HMAP_PUT_ANY, klen, vlen;
	char *key, *value = NULL;
	bool from_stdin = false;
	int opt, ret;

	while ((opt = next_opt(c, argc, argv, "nui", longopts)) != -1) {
		if (opt == 'n')
			flags = HMAP_PUT_NOEXIST;
		else if (opt == 'u')
			flags = HMAP_PUT_EXIST;
		else if (opt == 'i')
			from_stdin = true;
		else
			return EXIT_USAGE;
	}
	ret = check_args(c, argc, from_stdin ? 1 : 2, from_stdin ? 1 : 2);
	if (ret)
		return ret;
	ret = decode_arg(c, argv[optind], &key, &klen);
	if (ret)
		return ret;
	if (from_stdin)
		ret = read_stdin(c, &value, &vlen);
	else
		ret = decode_arg(c, argv[optind + 1], &value, &vlen);
	if (!ret)
		ret = ctx_open(c, O_RDWR);
	if (!ret) {
		ret = hm_put(c->fd, key, klen, value, vlen, flags);
		ret = ret ? fail(c, -ret, NULL) : 0;
	}
	free(key);
	free(value);
	return ret;
}

static int get_or_take(struct ctx *c, int argc, char **argv, bool take)
{
	static const struct option longopts[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ 0 }
	};
	bool raw = false;
	__u32 klen, vlen;
	void *value;
	char *key;
	int opt, ret;

	while ((opt = next_opt(c, argc, argv, "r", longopts)) != -1) {
		if (opt == 'r')
			raw = true;
		else
			return EXIT_USAGE;
	}
	ret = check_args(c, argc, 1, 1);
	if (!ret)
		ret = decode_arg(c, argv[optind], &key, &klen);
	if (ret)
		return ret;
	ret = ctx_open(c, take ? O_RDWR : O_RDONLY);
	if (!ret) {
		ret = hm_get_alloc(c->fd, key, klen, take, &value, &vlen);
		ret = ret ? fail(c, -ret, NULL) : 0;
	}
	free(key);
	if (ret)
		return ret;
	text_encode(stdout, raw ? TEXT_RAW : c->out, value, vlen);
	if (!raw)
		putchar('\n');
	free(value);
	return fflush(stdout) ? fail_sys(c, errno, "stdout") : 0;
}

static int cmd_get(struct ctx *c, int argc, char **argv)
{
	return get_or_take(c, argc, argv, false);
}

static int cmd_take(struct ctx *c, int argc, char **argv)
{
	return get_or_take(c, argc, argv, true);
}

static int cmd_del(struct ctx *c, int argc, char **argv)
{
	int ret, i, status = 0;
	__u32 klen;
	char *key;

	ret = parse_common(c, argc, argv);
	if (!ret)
		ret = check_args(c, argc, 1, -1);
	if (!ret)
		ret = ctx_open(c, O_RDWR);
	if (ret)
		return ret;
	for (i = optind; i < argc; i++) {
		ret = decode_arg(c, argv[i], &key, &klen);
		if (ret)
			return ret;
		ret = hm_delete(c->fd, key, klen);
		free(key);
		if (ret)
			ret = fail(c, -ret, argv[i]);
		if (ret > status)
			status = ret;
	}
	return status;
}

static int cmd_clear(struct ctx *c, int argc, char **argv)
{
	int ret;

	ret = parse_common(c, argc, argv);
	if (!ret)
		ret = check_args(c, argc, 0, 0);
	if (!ret)
		ret = ctx_open(c, O_RDWR);
	if (ret)
		return ret;
	ret = hm_clear(c->fd);
	return ret ? fail(c, -ret, NULL) : 0;
}

/* ---- stats, watch ----------------------------------------------------- */

/* One statistic: a number, or (resize) a word. */
struct stat_line {
	const char *name;
	unsigned long long value;
	const char *word;
};

#define N_STATS 17

/* The statistics in the order they are printed. */
static void stat_lines(const struct hmap_ioc_stats *s, struct stat_line *l)
{
	const struct stat_line lines[N_STATS] = {
		{ "id", s->id, NULL },
		{ "count", s->count, NULL },
		{ "max_entries", s->max_entries, NULL },
		{ "max_key_size", s->max_key_size, NULL },
		{ "max_value_size", s->max_value_size, NULL },
		{ "log2_buckets", s->log2_buckets, NULL },
		{ "resize", s->resize, hm_resize_name(s->resize) },
		{ "old_log2_buckets", s->old_log2_buckets, NULL },
		{ "nevacuate", s->nevacuate, NULL },
		{ "old_buckets", s->old_buckets, NULL },
		{ "overflow_buckets", s->overflow_buckets, NULL },
		{ "grows", s->grows, NULL },
		{ "same_size_grows", s->same_size_grows, NULL },
		{ "shrinks", s->shrinks, NULL },
		{ "evacuated_by_writes", s->evacuated_by_writes, NULL },
		{ "evacuated_by_worker", s->evacuated_by_worker, NULL },
		{ "memory_bytes", s->memory_bytes, NULL },
	};

	memcpy(l, lines, sizeof(lines));
}

static void print_stats(const struct hmap_ioc_stats *s, bool json)
{
	struct stat_line l[N_STATS];
	int i;

	stat_lines(s, l);
	for (i = 0; i < N_STATS; i++) {
		if (!json && l[i].word)
			printf("%-22s %s\n", l[i].name, l[i].word);
		else if (!json)
			printf("%-22s %llu\n", l[i].name, l[i].value);
		else if (l[i].word)
			printf("%s\"%s\":\"%s\"", i ? "," : "{", l[i].name,
			       l[i].word);
		else
			printf("%s\"%s\":%llu", i ? "," : "{", l[i].name,
			       l[i].value);
	}
	if (json)
		printf("}\n");
}

static int cmd_stats(struct ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ 0 }
	};
	struct hmap_ioc_stats s;
	bool json = false;
	int opt, ret;

	while ((opt = next_opt(c, argc, argv, "j", longopts)) != -1) {
		if (opt == 'j')
			json = true;
		else
			return EXIT_USAGE;
	}
	ret = check_args(c, argc, 0, 0);
	if (!ret)
		ret = ctx_open(c, O_RDONLY);
	if (ret)
		return ret;
	ret = hm_stats(c->fd, &s);
	if (ret)
		return fail(c, -ret, NULL);
	print_stats(&s, json);
	return 0;
}

static void print_watch_header(void)
{
	printf("%8s %10s %3s %-9s %17s %9s %6s %6s %6s %10s %10s %11s\n",
	       "time", "count", "B", "resize", "evacuated", "overflow",
	       "grows", "same", "shrink", "evac_write", "evac_work",
	       "memory");
}

static void print_watch_line(const struct hmap_ioc_stats *s, double t)
{
	char evac[32] = "-";

	if (s->resize != HMAP_RESIZING_NONE)
		snprintf(evac, sizeof(evac), "%llu/%llu",
			 (unsigned long long)s->nevacuate, (unsigned long long)s->old_buckets);
	printf("%8.2f %10llu %3u %-9s %17s", t,
	       (unsigned long long)s->count, s->log2_buckets,
	       hm_resize_name(s->resize), evac);
	printf(" %9llu %6llu %6llu %6llu", (unsigned long long)s->overflow_buckets,
	       (unsigned long long)s->grows,
	       (unsigned long long)s->same_size_grows,
	       (unsigned long long)s->shrinks);
	printf(" %10llu %10llu %11llu\n",
	       (unsigned long long)s->evacuated_by_writes,
	       (unsigned long long)s->evacuated_by_worker,
	       (unsigned long long)s->memory_bytes);
	fflush(stdout);
}

static int watch_loop(struct ctx *c, double interval, __u64 count,
		      bool until_idle)
{
	struct hmap_ioc_stats s;
	double start = now_sec();
	__u64 i;
	int ret;

	print_watch_header();
	for (i = 0; !count || i < count; i++) {
		if (i) {
			struct timespec ts = {
				.tv_sec = (time_t)interval,
				.tv_nsec = (long)((interval - (time_t)interval) * 1e9),
			};

			nanosleep(&ts, NULL);
		}
		ret = hm_stats(c->fd, &s);
		if (ret)
			return fail(c, -ret, NULL);
		print_watch_line(&s, now_sec() - start);
		if (until_idle && s.resize == HMAP_RESIZING_NONE)
			break;
	}
	return 0;
}

static int cmd_watch(struct ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "until-idle", no_argument, NULL, 'u' },
		{ 0 }
	};
	double interval = 1.0;
	bool until_idle = false;
	__u64 count = 0;
	char *end;
	int opt, ret;

	while ((opt = next_opt(c, argc, argv, "i:c:u", longopts)) != -1) {
		if (opt == 'i') {
			interval = strtod(optarg, &end);
			if (*end || !(interval > 0 && interval < 86400))
				return usage_error(c, "bad interval",
						   optarg);
		} else if (opt == 'c') {
			if (!parse_u64(optarg, &count))
				return usage_error(c, "bad count", optarg);
		} else if (opt == 'u') {
			until_idle = true;
		} else {
			return EXIT_USAGE;
		}
	}
	ret = check_args(c, argc, 0, 0);
	if (!ret)
		ret = ctx_open(c, O_RDONLY);
	if (ret)
		return ret;
	return watch_loop(c, interval, count, until_idle);
}

/* ---- dump ------------------------------------------------------------- */

static void print_record(const struct ctx *c, bool json, bool first,
			 const void *k, __u32 klen, const void *v,
			 __u32 vlen)
{
	if (json) {
		fputs(first ? "[\n{" : ",\n{", stdout);
		json_bytes(stdout, "key", k, klen, c->out == TEXT_HEX);
		putchar(',');
		json_bytes(stdout, "value", v, vlen, c->out == TEXT_HEX);
		putchar('}');
		return;
	}
	text_encode(stdout, c->out, k, klen);
	putchar('\t');
	text_encode(stdout, c->out, v, vlen);
	putchar('\n');
}

static int dump_all(struct ctx *c, bool json, __u32 buf_size)
{
	const void *k, *v;
	__u32 klen, vlen;
	struct hm_dump d;
	__u64 n = 0;
	int ret;

	ret = hm_dump_init(&d, c->fd, buf_size);
	while (!ret && (ret = hm_dump_next(&d, &k, &klen, &v, &vlen)) > 0) {
		print_record(c, json, !n++, k, klen, v, vlen);
		ret = 0;
	}
	hm_dump_free(&d);
	if (ret < 0)
		return fail(c, -ret, NULL);
	if (json)
		fputs(n ? "\n]\n" : "[]\n", stdout);
	return fflush(stdout) ? fail_sys(c, errno, "stdout") : 0;
}

static int cmd_dump(struct ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "buffer", required_argument, NULL, 'b' },
		{ 0 }
	};
	__u32 buf_size = DUMP_BUF_SIZE;
	bool json = false;
	int opt, ret;

	while ((opt = next_opt(c, argc, argv, "jb:", longopts)) != -1) {
		if (opt == 'j') {
			json = true;
		} else if (opt == 'b') {
			if (!parse_u32(optarg, &buf_size) || !buf_size)
				return usage_error(c, "bad buffer size",
						   optarg);
		} else {
			return EXIT_USAGE;
		}
	}
	ret = check_args(c, argc, 0, 0);
	if (!ret)
		ret = ctx_open(c, O_RDONLY);
	if (ret)
		return ret;
	return dump_all(c, json, buf_size);
}

/* ---- load, fill: batched puts ----------------------------------------- */

/* Puts collected for one HMAP_IOC_BATCH call; the batch owns the bytes. */
struct putbatch {
	struct ctx *c;
	__u32 flags;
	__u32 max;
	__u32 n;
	__u64 done;			/* puts applied so far */
	struct hmap_ioc_batch_op *ops;
	char **bufs;			/* key and value of op i: bufs[i] */
	__u64 *lines;		/* input line of op i, for messages */
	struct progress progress;
};

static int putbatch_init(struct putbatch *b, struct ctx *c, __u32 max,
			 __u32 flags)
{
	memset(b, 0, sizeof(*b));
	b->c = c;
	b->flags = flags;
	b->max = max;
	b->ops = calloc(max, sizeof(*b->ops));
	b->bufs = calloc(max, sizeof(*b->bufs));
	b->lines = calloc(max, sizeof(*b->lines));
	if (!b->ops || !b->bufs || !b->lines)
		return fail_sys(c, ENOMEM, NULL);
	return 0;
}

static void putbatch_reset(struct putbatch *b)
{
	__u32 i;

	for (i = 0; i < b->n; i++)
		free(b->bufs[i]);
	b->n = 0;
}

static void putbatch_free(struct putbatch *b)
{
	putbatch_reset(b);
	free(b->ops);
	free(b->bufs);
	free(b->lines);
}

static int putbatch_flush(struct putbatch *b, const char *src)
{
	__u32 done;
	char what[256];
	int err;

	if (!b->n)
		return 0;
	err = hm_batch_all(b->c->fd, b->ops, b->n, &done);
	b->done += done;
	progress_update(&b->progress, b->done);
	if (err && src)
		snprintf(what, sizeof(what), "%s:%llu", src,
			 b->lines[done]);
	else if (err)
		snprintf(what, sizeof(what), "item %llu", b->lines[done]);
	putbatch_reset(b);
	if (err) {
		progress_end(&b->progress);
		return fail(b->c, -err, what);
	}
	return 0;
}

/* Add a put of @buf (key then value); the batch takes @buf over. */
static int putbatch_add(struct putbatch *b, char *buf, __u32 klen,
			__u32 vlen, __u64 line, const char *src)
{
	struct hmap_ioc_batch_op *op = &b->ops[b->n];

	*op = (struct hmap_ioc_batch_op) {
		.op = HMAP_OP_PUT,
		.flags = b->flags,
		.key = hm_ptr(buf),
		.key_len = klen,
		.value = hm_ptr(buf + klen),
		.value_len = vlen,
	};
	b->bufs[b->n] = buf;
	b->lines[b->n] = line;
	if (++b->n < b->max)
		return 0;
	return putbatch_flush(b, src);
}

/* Split line @s (no newline) at its tab and decode both halves into *@buf. */
static int parse_line(const struct ctx *c, const char *s, size_t len,
		      char **buf, __u32 *klen, __u32 *vlen,
		      const char **why)
{
	const char *tab = memchr(s, '\t', len);
	long k, v = -1;

	if (!tab) {
		*why = "no tab between key and value";
		return -1;
	}
	*buf = malloc(len ? len : 1);
	if (!*buf) {
		*why = strerror(ENOMEM);
		return -1;
	}
	k = text_decode(c->in, s, (size_t)(tab - s), *buf, why);
	if (k >= 0)
		v = text_decode(c->in, tab + 1, len - (size_t)(tab - s) - 1,
				*buf + k, why);
	if (k < 0 || v < 0) {
		free(*buf);
		return -1;
	}
	*klen = (__u32)k;
	*vlen = (__u32)v;
	return 0;
}

static int load_stream(struct putbatch *b, FILE *f, const char *src)
{
	__u32 klen, vlen;
	const char *why;
	__u64 lineno = 0;
	size_t cap = 0;
	char *line = NULL, *buf;
	ssize_t len;
	int ret = 0;

	while (!ret && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len && line[len - 1] == '\n')
			len--;
		if (!len)
			continue;
		if (parse_line(b->c, line, (size_t)len, &buf, &klen, &vlen,
			       &why)) {
			fprintf(stderr, "hmapctl: load: %s:%llu: %s\n",
				src, lineno, why);
			ret = EXIT_ERROR;
			break;
		}
		ret = putbatch_add(b, buf, klen, vlen, lineno, src);
	}
	free(line);
	if (!ret && ferror(f))
		ret = fail_sys(b->c, errno ? errno : EIO, src);
	return ret;
}

static int cmd_load(struct ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ "noexist", no_argument, NULL, 'n' },
		{ "exist", no_argument, NULL, 'u' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 }
	};
	__u32 batch = DEFAULT_BATCH, flags = HMAP_PUT_ANY;
	const char *src = "-";
	struct putbatch b;
	bool quiet = false;
	FILE *f = stdin;
	int opt, ret;

	if (c->in == TEXT_RAW)
		c->in = TEXT_ESCAPE;	/* the TSV format is always escaped */
	while ((opt = next_opt(c, argc, argv, "b:nuq", longopts)) != -1) {
		if (opt == 'b') {
			if (!parse_u32(optarg, &batch) || !batch ||
			    batch > MAX_BATCH)
				return usage_error(c, "bad batch size",
						   optarg);
		} else if (opt == 'n') {
			flags = HMAP_PUT_NOEXIST;
		} else if (opt == 'u') {
			flags = HMAP_PUT_EXIST;
		} else if (opt == 'q') {
			quiet = true;
		} else {
			return EXIT_USAGE;
		}
	}
	ret = check_args(c, argc, 0, 1);
	if (ret)
		return ret;
	if (optind < argc && strcmp(argv[optind], "-")) {
		src = argv[optind];
		f = fopen(src, "r");
		if (!f)
			return fail_sys(c, errno, src);
	}
	ret = ctx_open(c, O_RDWR);
	if (!ret)
		ret = putbatch_init(&b, c, batch, flags);
	if (!ret) {
		progress_init(&b.progress, "load", 0, quiet);
		ret = load_stream(&b, f, src);
		if (!ret)
			ret = putbatch_flush(&b, src);
		if (!ret)
			progress_end(&b.progress);
		putbatch_free(&b);
	}
	if (f != stdin)
		fclose(f);
	return ret;
}

struct fill_opts {
	const char *prefix;
	__u64 start;
	__u64 n;
	__u32 value_size;	/* 0: "value-<i>" */
};

/* Key "<prefix><i>" and its value, in one malloc()ed buffer. */
static char *fill_item(const struct fill_opts *o, __u64 i, __u32 *klen,
		       __u32 *vlen)
{
	size_t plen = strlen(o->prefix);
	size_t size = plen + 24 + (o->value_size ? o->value_size : 32);
	char *buf = malloc(size);
	__u32 j;

	if (!buf)
		return NULL;
	*klen = (__u32)snprintf(buf, size, "%s%llu", o->prefix, i);
	if (!o->value_size) {
		*vlen = (__u32)snprintf(buf + *klen, size - *klen,
					   "value-%llu", i);
		return buf;
	}
	for (j = 0; j < o->value_size; j++)
		buf[*klen + j] = (char)('a' + (i + j) % 26);
	*vlen = o->value_size;
	return buf;
}

static int fill_run(struct putbatch *b, const struct fill_opts *o)
{
	__u32 klen, vlen;
	__u64 i;
	char *buf;
	int ret = 0;

	for (i = o->start; !ret && i < o->start + o->n; i++) {
		buf = fill_item(o, i, &klen, &vlen);
		if (!buf)
			return fail_sys(b->c, ENOMEM, NULL);
		ret = putbatch_add(b, buf, klen, vlen, i, NULL);
	}
	if (!ret)
		ret = putbatch_flush(b, NULL);
	return ret;
}

static int cmd_fill(struct ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "start", required_argument, NULL, 'S' },
		{ "value-size", required_argument, NULL, 's' },
		{ "noexist", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 }
	};
	struct fill_opts o = { .prefix = "key-" };
	__u32 batch = DEFAULT_BATCH, flags = HMAP_PUT_ANY;
	struct putbatch b;
	bool quiet = false;
	int opt, ret;

	while ((opt = next_opt(c, argc, argv, "b:p:S:s:nq", longopts)) != -1) {
		if (opt == 'b') {
			if (!parse_u32(optarg, &batch) || !batch ||
			    batch > MAX_BATCH)
				return usage_error(c, "bad batch size",
						   optarg);
		} else if (opt == 'p') {
			o.prefix = optarg;
		} else if (opt == 'S') {
			if (!parse_u64(optarg, &o.start))
				return usage_error(c, "bad start", optarg);
		} else if (opt == 's') {
			if (!parse_u32(optarg, &o.value_size) ||
			    o.value_size > (1U << 24))
				return usage_error(c, "bad value size",
						   optarg);
		} else if (opt == 'n') {
			flags = HMAP_PUT_NOEXIST;
		} else if (opt == 'q') {
			quiet = true;
		} else {
			return EXIT_USAGE;
		}
	}
	ret = check_args(c, argc, 1, 1);
	if (ret)
		return ret;
	if (!parse_u64(argv[optind], &o.n))
		return usage_error(c, "bad count", argv[optind]);
	ret = ctx_open(c, O_RDWR);
	if (!ret)
		ret = putbatch_init(&b, c, batch, flags);
	if (ret)
		return ret;
	progress_init(&b.progress, "fill", o.n, quiet);
	ret = fill_run(&b, &o);
	if (!ret)
		progress_end(&b.progress);
	putbatch_free(&b);
	return ret;
}

/* ---- the command table ------------------------------------------------ */

static int cmd_help(struct ctx *c, int argc, char **argv);

static const struct command commands[] = {
	{ "put", cmd_put,
	  "Usage: hmapctl put [-n|-u] KEY VALUE\n"
	  "       hmapctl put [-n|-u] -i KEY < VALUE\n"
	  "Insert KEY with VALUE, or update it.\n\n"
	  "  -n, --noexist  only if KEY is absent (else exit 3, EEXIST)\n"
	  "  -u, --exist    only if KEY is present (else exit 1, ENOENT)\n"
	  "  -i, --stdin    read the value, as raw bytes, from stdin\n" },
	{ "get", cmd_get,
	  "Usage: hmapctl get [-r] KEY\n"
	  "Print KEY's value, escaped (see hmapctl(8)) or hex, and a newline.\n"
	  "Exit 1 if KEY is absent.\n\n"
	  "  -r, --raw      print the value's bytes exactly, no newline\n" },
	{ "del", cmd_del,
	  "Usage: hmapctl del KEY...\n"
	  "Delete each KEY. Exit 1 if any was absent.\n" },
	{ "take", cmd_take,
	  "Usage: hmapctl take [-r] KEY\n"
	  "Print KEY's value and delete KEY, in one step (lookup-and-delete).\n"
	  "Exit 1 if KEY is absent.\n\n"
	  "  -r, --raw      print the value's bytes exactly, no newline\n" },
	{ "stats", cmd_stats,
	  "Usage: hmapctl stats [-j]\n"
	  "Print the map's statistics, one per line.\n\n"
	  "  -j, --json     as one JSON object\n" },
	{ "dump", cmd_dump,
	  "Usage: hmapctl dump [-j] [-b BYTES]\n"
	  "Print every entry: KEY<tab>VALUE lines, escaped (or hex with -x);\n"
	  "'hmapctl load' reads this format back.\n\n"
	  "  -j, --json          a JSON array of {\"key\",\"value\"} objects;\n"
	  "                      bytes that are not UTF-8 go to key_hex/value_hex\n"
	  "  -b, --buffer BYTES  dump buffer size (default 262144)\n" },
	{ "load", cmd_load,
	  "Usage: hmapctl load [-n|-u] [-b N] [-q] [FILE]\n"
	  "Put KEY<tab>VALUE lines from FILE (default stdin), escaped as dump\n"
	  "prints them (or hex with -x), in batches; empty lines are skipped.\n"
	  "Shows progress when stderr is a terminal.\n\n"
	  "  -b, --batch N   puts per ioctl (default 256)\n"
	  "  -n, --noexist   fail on a key already present\n"
	  "  -u, --exist     fail on a key not present\n"
	  "  -q, --quiet     no progress\n" },
	{ "fill", cmd_fill,
	  "Usage: hmapctl fill [-p PREFIX] [-S START] [-s BYTES] [-b N] [-n] N\n"
	  "Put N generated keys PREFIX<START>..PREFIX<START+N-1>, in batches.\n"
	  "Shows progress when stderr is a terminal.\n\n"
	  "  -p, --prefix PREFIX     key prefix (default key-)\n"
	  "  -S, --start START       first number (default 0)\n"
	  "  -s, --value-size BYTES  values of BYTES letters (default value-<i>)\n"
	  "  -b, --batch N           puts per ioctl (default 256)\n"
	  "  -n, --noexist           fail on a key already present\n"
	  "  -q, --quiet             no progress\n" },
	{ "clear", cmd_clear,
	  "Usage: hmapctl clear\n"
	  "Delete every key.\n" },
	{ "watch", cmd_watch,
	  "Usage: hmapctl watch [-i SECONDS] [-c COUNT] [-u]\n"
	  "Print a line of statistics every interval: entries, buckets (B),\n"
	  "the resize in progress and how far its evacuation got.\n\n"
	  "  -i, --interval SECONDS  time between lines (default 1)\n"
	  "  -c, --count COUNT       stop after COUNT lines\n"
	  "  -u, --until-idle        stop once no resize is in progress\n" },
	{ "bench", cmd_bench, bench_help },
	{ "help", cmd_help,
	  "Usage: hmapctl help [COMMAND]\n"
	  "Describe COMMAND, or list the commands.\n" },
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: hmapctl [-d DEVICE] COMMAND [OPTIONS] [ARGS]\n"
		"Drive the hash map on /dev/hmap.\n\nCommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		const char *h = commands[i].help;

		/* the first line of the help, without "Usage: hmapctl " */
		fprintf(f, "  %.*s\n", (int)strcspn(h + 15, "\n"), h + 15);
	}
	fprintf(f, "\n'hmapctl COMMAND --help' describes COMMAND; see also hmapctl(8).\n"
		"Exit status: 0 ok, 1 key not found, 2 usage, 3 other error.\n");
}

static int cmd_help(struct ctx *c, int argc, char **argv)
{
	const struct command *cmd;
	int ret;

	ret = parse_common(c, argc, argv);
	if (!ret)
		ret = check_args(c, argc, 0, 1);
	if (ret)
		return ret;
	if (optind == argc) {
		print_usage(stdout);
		return 0;
	}
	cmd = find_command(argv[optind]);
	if (!cmd)
		return usage_error(c, "unknown command", argv[optind]);
	print_help(cmd);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctx c = {
		.cmd = "hmapctl",
		.device = HM_DEFAULT_DEVICE,
		.in = TEXT_RAW,
		.out = TEXT_ESCAPE,
		.fd = -1,
	};
	const struct command *cmd;
	int opt;

	signal(SIGPIPE, SIG_DFL);
	while ((opt = getopt_long(argc, argv, "+" COMMON_SHORT,
				  common_longopts, NULL)) != -1) {
		if (opt == 'h') {
			print_usage(stdout);
			return 0;
		}
		if (!common_opt(&c, opt)) {
			print_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	cmd = find_command(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "hmapctl: unknown command '%s'\n", argv[optind]);
		print_usage(stderr);
		return EXIT_USAGE;
	}
	c.cmd = cmd->name;
	argv += optind;
	argc -= optind;
	optind = 0;
	return cmd->run(&c, argc, argv);
}
