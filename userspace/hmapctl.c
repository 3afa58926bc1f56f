// SPDX-License-Identifier: GPL-2.0
/*
 * hmapctl - drive the hash maps served on /dev/hmap and the hmap filesystem.
 *
 * Each command is a function taking the command's own argv; the options
 * every command accepts (-d, -m, -x, -e, -j, -h, -V) are handled by
 * common_opt(). Every message goes through report(), which prints it as
 * "hmapctl: COMMAND: ..." on stderr or, with -j, as a JSON object on
 * stdout. See hmapctl.8 for the user's view.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "hmapctl.h"
#include "../include/hmap_version.h"

#define DEFAULT_BATCH	256
#define MAX_BATCH	65536
#define DUMP_BUF_SIZE	(256 * 1024)
/* take: how often EAGAIN (the key kept changing) is retried. */
#define TAKE_TRIES	10
/* watch -u: how long to wait for a resize to begin, by default. */
#define WATCH_WAIT_SEC	5.0

struct command {
	const char *name;
	int (*run)(struct ctx *c, int argc, char **argv);
	const char *help;
};

static const struct command *find_command(const char *name);

/* ---- messages --------------------------------------------------------- */

static const char *errno_name(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "?";
}

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
	case EPERM:
		return "the map is frozen (read-only for everyone)";
	case ENOSPC:
		return "limit of the named maps reached (max_maps or maps_memory_limit)";
	default:
		return strerror(err);
	}
}

static void vreport(const struct ctx *c, int status, int err,
		    const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!c->json) {
		fprintf(stderr, "hmapctl: %s%s%s\n", c->cmd ? c->cmd : "",
			c->cmd ? ": " : "", msg);
		return;
	}
	fputs("{\"error\":", stdout);
	json_text(stdout, msg);
	if (c->cmd) {
		fputs(",\"command\":", stdout);
		json_text(stdout, c->cmd);
	}
	if (err)
		printf(",\"errno\":\"%s\"", errno_name(err));
	printf(",\"exit\":%d}%s", status, c->json_inline ? "" : "\n");
	fflush(stdout);
}

/*
 * Print an error: "hmapctl: COMMAND: MESSAGE" on stderr or, with -j, the
 * object {"error":MESSAGE,"command":COMMAND,"errno":NAME,"exit":STATUS} on
 * stdout. @err is the errno the message is about (0: none).
 */
void report(const struct ctx *c, int status, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, status, err, fmt, ap);
	va_end(ap);
}

/* Report errno @err from @what; the exit status it maps to. */
int fail(const struct ctx *c, int err, const char *what)
{
	int status = err == ENOENT ? EXIT_NOTFOUND : EXIT_ERROR;

	report(c, status, err, "%s%s%s (%s: %s)", what ? what : "",
	       what ? ": " : "", hm_strerror(err), errno_name(err),
	       strerror(err));
	return status;
}

/* Report a system error (a file, memory) from @what; exit status 3. */
int fail_sys(const struct ctx *c, int err, const char *what)
{
	report(c, EXIT_ERROR, err, "%s%s%s (%s)", what ? what : "",
	       what ? ": " : "", strerror(err), errno_name(err));
	return EXIT_ERROR;
}

/* A usage error, and in text a hint at the help; exit status 2. */
static __printf(2, 3) int usage_errorf(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, EXIT_USAGE, 0, fmt, ap);
	va_end(ap);
	if (!c->json && c->cmd)
		fprintf(stderr, "Try 'hmapctl %s --help'.\n", c->cmd);
	else if (!c->json)
		fprintf(stderr, "Try 'hmapctl --help'.\n");
	return EXIT_USAGE;
}

/* "hmapctl: CMD: WHAT 'ARG'" and a hint; the exit status for usage errors. */
int usage_error(const struct ctx *c, const char *what, const char *arg)
{
	if (arg)
		return usage_errorf(c, "%s '%s'", what, arg);
	return usage_errorf(c, "%s", what);
}

/* EMSGSIZE from a put of a @klen-byte key and @vlen-byte value: which? */
static int fail_too_long(const struct ctx *c, const char *what, __u32 klen,
			 __u32 vlen)
{
	const struct hmap_ioc_stats *s = &c->info;
	const char *p = what ? what : "", *sep = what ? ": " : "";

	if (klen > s->max_key_size)
		report(c, EXIT_ERROR, EMSGSIZE,
		       "%s%skey too long: %u bytes, max_key_size is %u (EMSGSIZE: %s)",
		       p, sep, klen, s->max_key_size, strerror(EMSGSIZE));
	else if (vlen > s->max_value_size)
		report(c, EXIT_ERROR, EMSGSIZE,
		       "%s%svalue too long: %u bytes, max_value_size is %u (EMSGSIZE: %s)",
		       p, sep, vlen, s->max_value_size, strerror(EMSGSIZE));
	else
		return fail(c, EMSGSIZE, what);
	return EXIT_ERROR;
}

/* A get, take or delete of a key longer than any key: not found, exit 1. */
static int fail_long_key(const struct ctx *c, const char *what, __u32 klen)
{
	report(c, EXIT_NOTFOUND, ENOENT,
	       "%s%skey not found: %u bytes is longer than max_key_size %u (ENOENT: %s)",
	       what ? what : "", what ? ": " : "", klen, c->info.max_key_size,
	       strerror(ENOENT));
	return EXIT_NOTFOUND;
}

/* ---- the device or the named map ------------------------------------- */

/* Where the hmap filesystem is: $HMAP_FS, else /sys/fs/hmap. */
static const char *fs_dir(void)
{
	const char *dir = getenv("HMAP_FS");

	return dir && *dir ? dir : HM_DEFAULT_FS;
}

/* Whether @path is in an hmap filesystem. */
static bool on_hmap_fs(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == HMAP_FS_MAGIC;
}

/* The hint for a named map that cannot be opened or made. */
static const char *fs_hint(int err)
{
	if (!on_hmap_fs(fs_dir()))
		return "; is the hmap filesystem mounted? (mount -t hmap none /sys/fs/hmap)";
	if (err == ENOENT)
		return "; 'hmapctl list' shows the maps";
	if (err == EACCES || err == EPERM)
		return "; see the map's owner and mode in 'hmapctl list'";
	return "";
}

/*
 * A map name as the kernel takes it: 1..HMAP_NAME_MAX bytes of letters,
 * digits, '.', '_' and '-', not starting with '.'.
 */
static bool map_name_ok(const char *name)
{
	size_t len = strlen(name), i;

	if (!len || len > HMAP_NAME_MAX || name[0] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') ||
		      strchr("._-", name[i])))
			return false;
	return true;
}

static int bad_map_name(const struct ctx *c, const char *name)
{
	report(c, EXIT_USAGE, EINVAL,
	       "bad map name '%.80s': 1..%d letters, digits, '.', '_' or '-', not starting with '.'",
	       name, HMAP_NAME_MAX);
	return EXIT_USAGE;
}

int ctx_open(struct ctx *c, int flags)
{
	const char *hint = "";
	char path[4096];
	struct stat st;
	int fd, err;

	if (c->map) {
		if (!map_name_ok(c->map))
			return bad_map_name(c, c->map);
		snprintf(path, sizeof(path), "%s/%s", fs_dir(), c->map);
		fd = hm_open(path, flags);
		if (fd < 0) {
			report(c, EXIT_ERROR, -fd, "cannot open map '%s' (%s): %s (%s)%s",
			       c->map, path, strerror(-fd), errno_name(-fd),
			       fs_hint(-fd));
			return EXIT_ERROR;
		}
		c->fd = fd;
		if (!on_hmap_fs(path)) {
			report(c, EXIT_ERROR, 0,
			       "%s is not in an hmap filesystem", path);
			return EXIT_ERROR;
		}
		err = hm_stats(fd, &c->info);
		return err ? fail(c, -err, "stats") : 0;
	}
	fd = hm_open(c->device, flags);
	if (fd < 0) {
		if (fd == -ENOENT && !strcmp(c->device, HM_DEFAULT_DEVICE))
			hint = "; is hmap.ko loaded? (modprobe hmap)";
		else if (fd == -EACCES || fd == -EPERM)
			hint = "; only root may, unless a group was given access (hmapctl(8))";
		report(c, EXIT_ERROR, -fd, "cannot open %s: %s (%s)%s",
		       c->device, strerror(-fd), errno_name(-fd), hint);
		return EXIT_ERROR;
	}
	c->fd = fd;
	if (!fstat(fd, &st) && !S_ISCHR(st.st_mode)) {
		report(c, EXIT_ERROR, 0,
		       "%s is not an hmap device (not a character device)",
		       c->device);
		return EXIT_ERROR;
	}
	/* Every hmap device answers HMAP_IOC_STATS; it also gives the limits. */
	err = hm_stats(fd, &c->info);
	if (err == -ENOTTY || err == -EINVAL || err == -EOPNOTSUPP) {
		report(c, EXIT_ERROR, -err,
		       "%s is not an hmap device (it does not answer HMAP_IOC_STATS: %s)",
		       c->device, errno_name(-err));
		return EXIT_ERROR;
	}
	return err ? fail(c, -err, "stats") : 0;
}

/* ---- small helpers, some shared with hmapctl_bench.c -------------------- */

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

/* Seconds, 0 < s < 1 day. */
static bool parse_seconds(const char *s, double *v, bool zero_ok)
{
	char *end;

	*v = strtod(s, &end);
	return *s && !*end && (*v > 0 || (zero_ok && *v == 0)) && *v < 86400;
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

static void sleep_sec(double s)
{
	struct timespec ts = {
		.tv_sec = (time_t)s,
		.tv_nsec = (long)((s - (double)(time_t)s) * 1e9),
	};

	nanosleep(&ts, NULL);
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

/* --map's value: not 'm', which bench's own -m (--mode) shadows. */
#define OPT_MAP		1000

static const struct option common_longopts[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "map", required_argument, NULL, OPT_MAP },
	{ "hex", no_argument, NULL, 'x' },
	{ "escape", no_argument, NULL, 'e' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 }
};

#define COMMON_SHORT "d:m:xejhV"

static const char common_help[] =
	"\nCommon options (before or after the command):\n"
	"  -d, --device PATH  the device (default " HM_DEFAULT_DEVICE ")\n"
	"  -m, --map NAME     the named map NAME in $HMAP_FS (default " HM_DEFAULT_FS ")\n"
	"                     instead of the device ('bench': --map, or -m before it)\n"
	"  -x, --hex          keys and values are hex, in and out\n"
	"  -e, --escape       KEY and VALUE arguments use backslash escapes\n"
	"  -j, --json         JSON output; errors too, as {\"error\":...} on stdout\n"
	"  -h, --help         this help\n"
	"  -V, --version      the version of hmapctl (and of the loaded module)\n"
	"\nExit status: 0 ok, 1 key not found, 2 usage, 3 other error.\n";

static void print_help(const struct command *cmd)
{
	printf("%s%s", cmd->help, common_help);
}

/* The version of the module loaded, from sysfs, or "". */
static void module_version(char *buf, size_t size)
{
	FILE *f = fopen("/sys/module/hmap/version", "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void print_version(const struct ctx *c)
{
	char mod[64];

	module_version(mod, sizeof(mod));
	if (c->json) {
		printf("{\"version\":\"%s\",\"module_version\":", HMAP_VERSION);
		if (mod[0])
			json_text(stdout, mod);
		else
			fputs("null", stdout);
		printf("}\n");
		return;
	}
	printf("hmapctl %s\n", HMAP_VERSION);
	if (mod[0])
		printf("hmap.ko %s (loaded)\n", mod);
}

static void print_usage(FILE *f);

/* Handle an option every command takes; false if @opt is not one. */
static bool common_opt(struct ctx *c, int opt)
{
	switch (opt) {
	case 'd':
		c->device = optarg;
		return true;
	case 'm':
	case OPT_MAP:
		c->map = optarg;
		return true;
	case 'x':
		c->hex_opt = true;
		c->in = TEXT_HEX;
		c->out = TEXT_HEX;
		return true;
	case 'e':
		c->escape_opt = true;
		c->in = TEXT_ESCAPE;
		return true;
	case 'j':
		c->json = true;
		return true;
	case 'h':
		if (c->cmd)
			print_help(find_command(c->cmd));
		else
			print_usage(stdout);
		exit(0);
	case 'V':
		print_version(c);
		exit(0);
	}
	return false;
}

/* A usage error for what getopt_long() refused: @opt is '?' or ':'. */
static int bad_option(const struct ctx *c, int opt, char **argv)
{
	const char *arg = argv[optind - 1];
	char name[64];

	if (!strncmp(arg, "--", 2))
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
	else
		snprintf(name, sizeof(name), "-%c", optopt);
	if (opt == ':')
		return usage_errorf(c, "option '%s' needs an argument", name);
	return usage_errorf(c, "unknown option '%s'", name);
}

/*
 * getopt_long() over a command's own options and the common ones, which it
 * handles; returns the next option of the command's own, -1 at the end, or
 * '?' after reporting a usage error (an unknown option, a missing argument,
 * -x with -e).
 */
int next_opt(struct ctx *c, int argc, char **argv, const char *shortopts,
	     const struct option *longopts)
{
	static struct option all[32];
	static char all_short[64];
	size_t n = 0, i;
	int opt;

	if (!all[0].name) {
		snprintf(all_short, sizeof(all_short), ":%s%s", shortopts,
			 COMMON_SHORT);
		for (i = 0; longopts && longopts[i].name; i++)
			all[n++] = longopts[i];
		for (i = 0; common_longopts[i].name; i++)
			all[n++] = common_longopts[i];
	}
	opterr = 0;
	while ((opt = getopt_long(argc, argv, all_short, all, NULL)) != -1) {
		if (opt == '?' || opt == ':') {
			bad_option(c, opt, argv);
			return '?';
		}
		/* A command's own option wins over a common one (bench -m). */
		if (opt > 0 && opt < 256 && strchr(shortopts, opt))
			return opt;
		if (!common_opt(c, opt))
			return opt;
	}
	if (c->hex_opt && c->escape_opt) {
		usage_error(c, "-x and -e cannot be used together", NULL);
		return '?';
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

/* Decode a KEY argument: as decode_arg(), and an empty key is refused. */
static int decode_key(const struct ctx *c, const char *s, char **out,
		      __u32 *len)
{
	int ret = decode_arg(c, s, out, len);

	if (!ret && !*len) {
		free(*out);
		*out = NULL;
		return usage_error(c, "empty key: a key is 1 to max_key_size bytes",
				   NULL);
	}
	return ret;
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

static int flush_stdout(const struct ctx *c)
{
	return fflush(stdout) ? fail_sys(c, errno, "stdout") : 0;
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
	bool from_stdin = false, noexist = false, exist = false;
	char *key, *value = NULL;
	__u32 klen, vlen;
	int opt, ret;

	while ((opt = next_opt(c, argc, argv, "nui", longopts)) != -1) {
		if (opt == 'n')
			noexist = true;
		else if (opt == 'u')
			exist = true;
		else if (opt == 'i')
			from_stdin = true;
		else
			return EXIT_USAGE;
	}
	if (noexist && exist)
		return usage_error(c, "-n and -u cannot be used together", NULL);
	ret = check_args(c, argc, from_stdin ? 1 : 2, from_stdin ? 1 : 2);
	if (ret)
		return ret;
	ret = decode_key(c, argv[optind], &key, &klen);
	if (ret)
		return ret;
	if (from_stdin)
		ret = read_stdin(c, &value, &vlen);
	else
		ret = decode_arg(c, argv[optind + 1], &value, &vlen);
	if (!ret)
		ret = ctx_open(c, O_RDWR);
	if (!ret) {
		ret = hm_put(c->fd, key, klen, value, vlen,
			     noexist ? HMAP_PUT_NOEXIST :
			     exist ? HMAP_PUT_EXIST : HMAP_PUT_ANY);
		if (ret == -EMSGSIZE)
			ret = fail_too_long(c, NULL, klen, vlen);
		else if (ret)
			ret = fail(c, -ret, NULL);
	}
	free(key);
	free(value);
	return ret;
}

/* Keys per HMAP_IOC_BATCH of del and of get with several keys. */
#define KEYS_BATCH	256

/* The KEY arguments, decoded: every one is checked before the first is used. */
struct keyargs {
	int n;
	char **keys;
	__u32 *lens;
	char **argv;		/* as given, for messages */
};

static void keyargs_free(struct keyargs *k)
{
	int i;

	for (i = 0; k->keys && i < k->n; i++)
		free(k->keys[i]);
	free(k->keys);
	free(k->lens);
}

static int keyargs_decode(const struct ctx *c, struct keyargs *k, int argc,
			  char **argv)
{
	int i, ret = 0;

	k->n = argc - optind;
	k->argv = argv + optind;
	k->keys = calloc(k->n, sizeof(*k->keys));
	k->lens = calloc(k->n, sizeof(*k->lens));
	if (!k->keys || !k->lens)
		return fail_sys(c, ENOMEM, NULL);
	for (i = 0; !ret && i < k->n; i++)
		ret = decode_key(c, k->argv[i], &k->keys[i], &k->lens[i]);
	return ret;
}

/* Report the error of key @i; its exit status. */
static int keyargs_fail(const struct ctx *c, const struct keyargs *k, int i,
			int err)
{
	char what[64];

	/* The key as given, shortened, names it in a message. */
	snprintf(what, sizeof(what), "%.60s%s", k->argv[i],
		 strlen(k->argv[i]) > 60 ? "..." : "");
	if (err == EMSGSIZE)
		return fail_long_key(c, what, k->lens[i]);
	return fail(c, err, what);
}

/* Print one value of get_many(): a line, or an element of a JSON array. */
static void print_value(const struct ctx *c, bool first, const void *k,
			__u32 klen, const void *v, __u32 vlen)
{
	if (c->json) {
		fputs(first ? "[\n{" : ",\n{", stdout);
		json_bytes(stdout, "key", k, klen, c->out == TEXT_HEX);
		putchar(',');
		json_bytes(stdout, "value", v, vlen, c->out == TEXT_HEX);
		putchar('}');
		return;
	}
	text_encode(stdout, c->out, v, vlen);
	putchar('\n');
}

/*
 * get KEY KEY...: one HMAP_IOC_BATCH of gets per KEYS_BATCH keys, into
 * buffers of up to 4 KiB each; a longer value is fetched on its own.
 */
static int get_many(struct ctx *c, int argc, char **argv)
{
	struct hmap_ioc_batch_op *ops = NULL;
	int ret, i, j, n, status = 0;
	struct keyargs k = {};
	__u32 bsize, done, vlen;
	char *bufs = NULL;
	bool first = true;
	void *value;

	ret = keyargs_decode(c, &k, argc, argv);
	if (!ret)
		ret = ctx_open(c, O_RDONLY);
	if (ret)
		goto out;
	bsize = c->info.max_value_size < 4096 ? c->info.max_value_size : 4096;
	ops = calloc(KEYS_BATCH, sizeof(*ops));
	bufs = malloc((size_t)KEYS_BATCH * (bsize ? bsize : 1));
	if (!ops || !bufs) {
		ret = fail_sys(c, ENOMEM, NULL);
		goto out;
	}
	for (i = 0; i < k.n; i += n) {
		n = k.n - i < KEYS_BATCH ? k.n - i : KEYS_BATCH;
		memset(ops, 0, n * sizeof(*ops));
		for (j = 0; j < n; j++) {
			ops[j].op = HMAP_OP_GET;
			ops[j].key = hm_ptr(k.keys[i + j]);
			ops[j].key_len = k.lens[i + j];
			ops[j].value = hm_ptr(bufs + (size_t)j * bsize);
			ops[j].value_len = bsize;
		}
		ret = hm_batch_all(c->fd, ops, n, &done);
		for (j = 0; j < (int)done; j++, first = false)
			print_value(c, first, k.keys[i + j], k.lens[i + j],
				    bufs + (size_t)j * bsize, ops[j].value_len);
		if (!ret)
			continue;
		n = done + 1;
		if (ret == -ENOSPC) {
			/* A long value: fetch it alone. */
			ret = hm_get_alloc(c->fd, k.keys[i + done],
					   k.lens[i + done], false, &value,
					   &vlen);
			if (!ret) {
				print_value(c, first, k.keys[i + done],
					    k.lens[i + done], value, vlen);
				first = false;
				free(value);
				continue;
			}
		}
		if (c->json) {
			fputs(first ? "[\n" : ",\n", stdout);
			first = false;
			c->json_inline = true;
		}
		ret = keyargs_fail(c, &k, i + done, -ret);
		c->json_inline = false;
		if (ret > status)
			status = ret;
	}
	if (c->json)
		fputs(first ? "[]\n" : "\n]\n", stdout);
	ret = flush_stdout(c);
out:
	free(ops);
	free(bufs);
	keyargs_free(&k);
	return ret ? ret : status;
}

static int get_or_take(struct ctx *c, int argc, char **argv, bool take)
{
	static const struct option longopts[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ 0 }
	};
	bool raw = false;
	__u32 klen, vlen;
	int opt, ret, tries;
	void *value;
	char *key;

	while ((opt = next_opt(c, argc, argv, "r", longopts)) != -1) {
		if (opt == 'r')
			raw = true;
		else
			return EXIT_USAGE;
	}
	if (raw && c->json)
		return usage_error(c, "-r and -j cannot be used together", NULL);
	if (!take && argc - optind > 1) {
		if (raw)
			return usage_error(c, "-r takes one KEY", NULL);
		return get_many(c, argc, argv);
	}
	ret = check_args(c, argc, 1, 1);
	if (!ret)
		ret = decode_key(c, argv[optind], &key, &klen);
	if (ret)
		return ret;
	ret = ctx_open(c, take ? O_RDWR : O_RDONLY);
	if (!ret) {
		/* EAGAIN: others kept updating the key; a take is retried. */
		for (tries = 0; tries < TAKE_TRIES; tries++) {
			ret = hm_get_alloc(c->fd, key, klen, take, &value,
					   &vlen);
			if (ret != -EAGAIN)
				break;
		}
		if (ret == -EMSGSIZE)
			ret = fail_long_key(c, NULL, klen);
		else if (ret)
			ret = fail(c, -ret, NULL);
	}
	if (ret) {
		free(key);
		return ret;
	}
	if (c->json) {
		putchar('{');
		json_bytes(stdout, "key", key, klen, c->out == TEXT_HEX);
		putchar(',');
		json_bytes(stdout, "value", value, vlen, c->out == TEXT_HEX);
		printf("}\n");
	} else {
		text_encode(stdout, raw ? TEXT_RAW : c->out, value, vlen);
		if (!raw)
			putchar('\n');
	}
	free(key);
	free(value);
	return flush_stdout(c);
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
	struct hmap_ioc_batch_op *ops = NULL;
	struct keyargs k = {};
	int ret, i, n, status = 0;
	__u32 done;

	ret = parse_common(c, argc, argv);
	if (!ret)
		ret = check_args(c, argc, 1, -1);
	if (!ret)
		ret = keyargs_decode(c, &k, argc, argv);
	if (!ret)
		ret = ctx_open(c, O_RDWR);
	if (!ret) {
		ops = calloc(KEYS_BATCH, sizeof(*ops));
		if (!ops)
			ret = fail_sys(c, ENOMEM, NULL);
	}
	/* One HMAP_IOC_BATCH per KEYS_BATCH keys, resumed after a failed key. */
	for (i = 0; !ret && i < k.n; i += n) {
		n = k.n - i < KEYS_BATCH ? k.n - i : KEYS_BATCH;
		memset(ops, 0, n * sizeof(*ops));
		for (int j = 0; j < n; j++) {
			ops[j].op = HMAP_OP_DELETE;
			ops[j].key = hm_ptr(k.keys[i + j]);
			ops[j].key_len = k.lens[i + j];
		}
		ret = hm_batch_all(c->fd, ops, n, &done);
		if (!ret)
			continue;
		n = done + 1;
		ret = keyargs_fail(c, &k, i + done, -ret);
		if (ret > status)
			status = ret;
		ret = 0;
	}
	free(ops);
	keyargs_free(&k);
	return ret ? ret : status;
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

/* Each statistic's word: NULL for a number, its name for a resize kind. */
static const char *stat_word_number(__u64 value)
{
	(void)value;
	return NULL;
}

static const char *stat_word_resizing(__u64 value)
{
	return hm_resize_name((__u32)value);
}

#define STAT_INDEX(name, ...) STAT_INDEX_##name,
enum { HMAP_STATS_FIELDS(STAT_INDEX) N_STATS };
#undef STAT_INDEX

/* The statistics in the order they are printed (HMAP_STATS_FIELDS). */
static void stat_lines(const struct hmap_ioc_stats *s, struct stat_line *l)
{
#define STAT_LINE(name, format) \
		{ #name, s->name, stat_word_##format(s->name) },
	const struct stat_line lines[N_STATS] = {
		HMAP_STATS_FIELDS(STAT_LINE)
	};
#undef STAT_LINE

	memcpy(l, lines, sizeof(lines));
}

/* The statistics as one JSON object; "time" first if @t >= 0. */
static void print_stats_json(const struct hmap_ioc_stats *s, double t)
{
	struct stat_line l[N_STATS];
	int i;

	stat_lines(s, l);
	putchar('{');
	if (t >= 0)
		printf("\"time\":%.3f,", t);
	for (i = 0; i < N_STATS; i++) {
		if (l[i].word)
			printf("%s\"%s\":\"%s\"", i ? "," : "", l[i].name,
			       l[i].word);
		else
			printf("%s\"%s\":%llu", i ? "," : "", l[i].name,
			       l[i].value);
	}
	printf("}\n");
}

static void print_stats(const struct hmap_ioc_stats *s)
{
	struct stat_line l[N_STATS];
	int i;

	stat_lines(s, l);
	for (i = 0; i < N_STATS; i++) {
		if (l[i].word)
			printf("%-22s %s\n", l[i].name, l[i].word);
		else
			printf("%-22s %llu\n", l[i].name, l[i].value);
	}
}

static int cmd_stats(struct ctx *c, int argc, char **argv)
{
	struct hmap_ioc_stats s;
	int ret;

	ret = parse_common(c, argc, argv);
	if (!ret)
		ret = check_args(c, argc, 0, 0);
	if (!ret)
		ret = ctx_open(c, O_RDONLY);
	if (ret)
		return ret;
	ret = hm_stats(c->fd, &s);
	if (ret)
		return fail(c, -ret, NULL);
	if (c->json)
		print_stats_json(&s, -1);
	else
		print_stats(&s);
	return flush_stdout(c);
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
		snprintf(evac, sizeof(evac), "%llu/%llu", s->nevacuate,
			 s->old_buckets);
	printf("%8.2f %10llu %3u %-9s %17s", t, s->count, s->log2_buckets,
	       hm_resize_name(s->resize), evac);
	printf(" %9llu %6llu %6llu %6llu", s->overflow_buckets, s->grows,
	       s->same_size_grows, s->shrinks);
	printf(" %10llu %10llu %11llu\n", s->evacuated_by_writes,
	       s->evacuated_by_worker, s->memory_bytes);
}

struct watch_opts {
	double interval;
	__u64 count;		/* lines; 0: no limit */
	bool until_idle;	/* -u */
	double wait;		/* -u: seconds to wait for a resize to begin */
};

/*
 * A line every interval. With -u: until a resize has run and none runs any
 * more. A resize "has run" once one is seen in progress or the resize
 * counters moved (one may begin and end between two lines); if none has
 * after o->wait seconds, say so and stop.
 */
static int watch_loop(struct ctx *c, const struct watch_opts *o)
{
	struct hmap_ioc_stats s;
	double start = now_sec(), t;
	__u64 i, resizes, first = 0;
	bool begun = false, idle;
	int ret = 0;

	if (!c->json)
		print_watch_header();
	for (i = 0; !o->count || i < o->count; i++) {
		if (i)
			sleep_sec(o->interval);
		ret = hm_stats(c->fd, &s);
		if (ret)
			return fail(c, -ret, NULL);
		t = now_sec() - start;
		if (c->json)
			print_stats_json(&s, t);
		else
			print_watch_line(&s, t);
		ret = flush_stdout(c);
		if (ret)
			return ret;
		if (!o->until_idle)
			continue;
		resizes = s.grows + s.same_size_grows + s.shrinks;
		if (!i)
			first = resizes;
		idle = s.resize == HMAP_RESIZING_NONE;
		begun = begun || !idle || resizes != first;
		if (begun && idle)
			break;
		if (!begun && t >= o->wait) {
			fprintf(stderr, "hmapctl: watch: no resize runs; none began in %g s\n",
				o->wait);
			break;
		}
	}
	return ret;
}

static int cmd_watch(struct ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "until-idle", no_argument, NULL, 'u' },
		{ "wait", required_argument, NULL, 'w' },
		{ 0 }
	};
	struct watch_opts o = { .interval = 1.0, .wait = WATCH_WAIT_SEC };
	int opt, ret;

	while ((opt = next_opt(c, argc, argv, "i:c:uw:", longopts)) != -1) {
		if (opt == 'i') {
			if (!parse_seconds(optarg, &o.interval, false))
				return usage_error(c, "bad interval", optarg);
		} else if (opt == 'c') {
			if (!parse_u64(optarg, &o.count))
				return usage_error(c, "bad count", optarg);
		} else if (opt == 'u') {
			o.until_idle = true;
		} else if (opt == 'w') {
			if (!parse_seconds(optarg, &o.wait, true))
				return usage_error(c, "bad wait", optarg);
		} else {
			return EXIT_USAGE;
		}
	}
	ret = check_args(c, argc, 0, 0);
	if (!ret)
		ret = ctx_open(c, O_RDONLY);
	if (ret)
		return ret;
	return watch_loop(c, &o);
}

/* ---- dump ------------------------------------------------------------- */

static void print_record(const struct ctx *c, bool first, const void *k,
			 __u32 klen, const void *v, __u32 vlen)
{
	if (c->json) {
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

static int dump_all(struct ctx *c, __u32 buf_size, bool drain)
{
	const void *k, *v;
	__u32 klen, vlen;
	struct hm_dump d;
	__u64 n = 0;
	int ret;

	ret = drain ? hm_drain_init(&d, c->fd, buf_size) :
		      hm_dump_init(&d, c->fd, buf_size);
	while (!ret && (ret = hm_dump_next(&d, &k, &klen, &v, &vlen)) > 0) {
		print_record(c, !n++, k, klen, v, vlen);
		ret = 0;
	}
	hm_dump_free(&d);
	if (ret < 0 && c->json && n) {
		/* The error is the last element of the array. */
		fputs(",\n", stdout);
		c->json_inline = true;
		ret = fail(c, -ret, NULL);
		c->json_inline = false;
		fputs("\n]\n", stdout);
		return ret;
	}
	if (ret < 0)
		return fail(c, -ret, NULL);
	if (c->json)
		fputs(n ? "\n]\n" : "[]\n", stdout);
	return flush_stdout(c);
}

static int dump_or_drain(struct ctx *c, int argc, char **argv, bool drain)
{
	static const struct option longopts[] = {
		{ "buffer", required_argument, NULL, 'b' },
		{ 0 }
	};
	__u32 buf_size = DUMP_BUF_SIZE;
	int opt, ret;

	while ((opt = next_opt(c, argc, argv, "b:", longopts)) != -1) {
		if (opt == 'b') {
			if (!parse_u32(optarg, &buf_size) || !buf_size)
				return usage_error(c, "bad buffer size",
						   optarg);
		} else {
			return EXIT_USAGE;
		}
	}
	ret = check_args(c, argc, 0, 0);
	if (!ret)
		ret = ctx_open(c, drain ? O_RDWR : O_RDONLY);
	if (ret)
		return ret;
	return dump_all(c, buf_size, drain);
}

static int cmd_dump(struct ctx *c, int argc, char **argv)
{
	return dump_or_drain(c, argc, argv, false);
}

static int cmd_drain(struct ctx *c, int argc, char **argv)
{
	return dump_or_drain(c, argc, argv, true);
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
	__u32 done, klen = 0, vlen = 0;
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
	if (err) {
		klen = b->ops[done].key_len;
		vlen = b->ops[done].value_len;
	}
	putbatch_reset(b);
	if (!err)
		return 0;
	progress_end(&b->progress);
	if (err == -EMSGSIZE)
		return fail_too_long(b->c, what, klen, vlen);
	return fail(b->c, -err, what);
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
	if (tab == s) {
		*why = "empty key";
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

static int load_tsv(struct putbatch *b, FILE *f, const char *src)
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
			/* The lines before it are in the map, and no other. */
			ret = putbatch_flush(b, src);
			if (!ret)
				report(b->c, EXIT_ERROR, 0, "%s:%llu: %s", src,
				       lineno, why);
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

/* A key or value of a JSON object being read: the bytes and how given. */
struct json_field {
	char *buf;
	size_t len;
	size_t cap;
	bool seen;
};

/* Read a member's string into @fld, hex-decoded if @hex. */
static int json_member(struct json_reader *r, struct json_field *fld,
		       bool hex)
{
	const char *why = NULL;
	long n;

	if (fld->seen) {
		r->why = "a key or value given twice";
		return -1;
	}
	fld->seen = true;
	if (json_read_string(r, &fld->buf, &fld->len, &fld->cap))
		return -1;
	if (!hex)
		return 0;
	n = text_decode(TEXT_HEX, fld->buf, fld->len, fld->buf, &why);
	if (n < 0) {
		r->why = why;
		return -1;
	}
	fld->len = (size_t)n;
	return 0;
}

/*
 * One object of a JSON load: {"key" or "key_hex", "value" or "value_hex"},
 * as dump -j prints them; other members are ignored, but an "error" member
 * (a dump that failed) stops the load.
 */
static int load_json_object(struct putbatch *b, struct json_reader *r,
			    const char *src)
{
	struct json_field key = { 0 }, value = { 0 }, name = { 0 };
	unsigned long long line = r->line;
	int ret = -1;
	char *buf;

	json_next(r);		/* the '{' */
	if (json_peek(r) == '}') {
		json_next(r);
		r->why = "an object without key and value";
		goto out;
	}
	for (;;) {
		if (json_read_string(r, &name.buf, &name.len, &name.cap))
			goto out;
		if (json_peek(r) != ':') {
			r->why = "expected ':'";
			goto out;
		}
		json_next(r);
		if (!strcmp(name.buf, "key") || !strcmp(name.buf, "key_hex")) {
			if (json_member(r, &key, name.len > 3))
				goto out;
		} else if (!strcmp(name.buf, "value") ||
			   !strcmp(name.buf, "value_hex")) {
			if (json_member(r, &value, name.len > 5))
				goto out;
		} else if (!strcmp(name.buf, "error")) {
			if (json_read_string(r, &name.buf, &name.len,
					     &name.cap))
				goto out;
			ret = putbatch_flush(b, src);
			if (!ret)
				report(b->c, EXIT_ERROR, 0,
				       "%s:%llu: the input records an error: %s",
				       src, r->line, name.buf);
			ret = EXIT_ERROR;
			goto out;
		} else if (json_skip_value(r)) {
			goto out;
		}
		if (json_peek(r) == '}')
			break;
		if (json_peek(r) != ',') {
			r->why = "expected ',' or '}'";
			goto out;
		}
		json_next(r);
	}
	json_next(r);
	if (!key.seen || !value.seen) {
		r->why = key.seen ? "no value" : "no key";
		goto out;
	}
	if (!key.len) {
		r->why = "empty key";
		goto out;
	}
	buf = malloc(key.len + value.len + 1);
	if (!buf) {
		r->why = strerror(ENOMEM);
		goto out;
	}
	memcpy(buf, key.buf, key.len);
	memcpy(buf + key.len, value.buf, value.len);
	ret = putbatch_add(b, buf, (__u32)key.len, (__u32)value.len, line, src);
out:
	free(key.buf);
	free(value.buf);
	free(name.buf);
	return ret;
}

/*
 * What dump -j prints: an array of objects. Objects one after another
 * (JSON lines) are taken too.
 */
static int load_json(struct putbatch *b, FILE *f, const char *src)
{
	struct json_reader r;
	bool array;
	int c, ret;

	json_reader_init(&r, f);
	c = json_peek(&r);
	array = c == '[';
	if (array) {
		json_next(&r);
		c = json_peek(&r);
		if (c == ']') {
			json_next(&r);
			c = EOF;
			array = false;
		}
	}
	while (c != EOF || array) {
		if (c != '{') {
			r.why = array ? "expected an object" :
					"expected '[' or an object";
			goto bad;
		}
		ret = load_json_object(b, &r, src);
		if (ret > 0)
			return ret;
		if (ret < 0)
			goto bad;
		c = json_peek(&r);
		if (!array)
			continue;
		json_next(&r);
		if (c == ']')
			break;
		if (c != ',') {
			r.why = "expected ',' or ']'";
			goto bad;
		}
		c = json_peek(&r);
	}
	if (json_peek(&r) != EOF) {
		r.why = "more after the end of the array";
		goto bad;
	}
	if (ferror(f))
		return fail_sys(b->c, errno ? errno : EIO, src);
	return 0;
bad:
	if (ferror(f))
		return fail_sys(b->c, errno ? errno : EIO, src);
	/* The objects before it are in the map, and no other. */
	ret = putbatch_flush(b, src);
	if (!ret)
		report(b->c, EXIT_ERROR, 0, "%s:%llu: %s", src, r.line, r.why);
	return EXIT_ERROR;
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
	bool quiet = false, noexist = false, exist = false;
	const char *src = "-";
	struct putbatch b;
	FILE *f = stdin;
	int opt, ret;

	while ((opt = next_opt(c, argc, argv, "b:nuq", longopts)) != -1) {
		if (opt == 'b') {
			if (!parse_u32(optarg, &batch) || !batch ||
			    batch > MAX_BATCH)
				return usage_error(c, "bad batch size",
						   optarg);
		} else if (opt == 'n') {
			noexist = true;
		} else if (opt == 'u') {
			exist = true;
		} else if (opt == 'q') {
			quiet = true;
		} else {
			return EXIT_USAGE;
		}
	}
	if (noexist && exist)
		return usage_error(c, "-n and -u cannot be used together", NULL);
	if (noexist)
		flags = HMAP_PUT_NOEXIST;
	else if (exist)
		flags = HMAP_PUT_EXIST;
	if (c->in == TEXT_RAW)
		c->in = TEXT_ESCAPE;	/* the TSV format is always escaped */
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
		if (c->json)
			ret = load_json(&b, f, src);
		else
			ret = load_tsv(&b, f, src);
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

/* ---- named maps: create, list, destroy, freeze ------------------------ */

/* The directory of the hmap filesystem, opened, or -1 after a report. */
static int open_fs_dir(const struct ctx *c)
{
	int fd = open(fs_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || !on_hmap_fs(fs_dir())) {
		report(c, EXIT_ERROR, fd < 0 ? errno : 0,
		       "%s is not an hmap filesystem%s", fs_dir(),
		       fs_hint(ENOENT));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

enum {
	OPT_MAX_ENTRIES = 256,
	OPT_KEY_SIZE,
	OPT_VALUE_SIZE,
	OPT_SIZE_HINT,
	OPT_MODE,
	OPT_NO_SHRINK,
};

/* A create option's value, within [min, max]; a usage error names it. */
static bool create_opt(const struct ctx *c, const char *name, __u32 *v,
		       __u32 min, __u32 max)
{
	if (parse_u32(optarg, v) && *v >= min && *v <= max)
		return true;
	report(c, EXIT_USAGE, EINVAL, "--%s %s: must be %u..%u", name, optarg,
	       min, max);
	return false;
}

static int cmd_create(struct ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "max-entries", required_argument, NULL, OPT_MAX_ENTRIES },
		{ "key-size", required_argument, NULL, OPT_KEY_SIZE },
		{ "value-size", required_argument, NULL, OPT_VALUE_SIZE },
		{ "size-hint", required_argument, NULL, OPT_SIZE_HINT },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "no-shrink", no_argument, NULL, OPT_NO_SHRINK },
		{ 0 }
	};
	struct hmap_ioc_create p = {
		.max_entries = 1U << 20,
		.max_key_size = 256,
		.max_value_size = 4096,
		.mode = 0600,
	};
	const char *name;
	unsigned long mode;
	int opt, ret, dirfd;
	char *end;
	bool ok = true;

	while (ok && (opt = next_opt(c, argc, argv, "", longopts)) != -1) {
		switch (opt) {
		case OPT_MAX_ENTRIES:
			ok = create_opt(c, "max-entries", &p.max_entries, 1,
					1U << 28);
			break;
		case OPT_KEY_SIZE:
			ok = create_opt(c, "key-size", &p.max_key_size, 1, 4096);
			break;
		case OPT_VALUE_SIZE:
			ok = create_opt(c, "value-size", &p.max_value_size, 0,
					1U << 20);
			break;
		case OPT_SIZE_HINT:
			ok = create_opt(c, "size-hint", &p.size_hint, 0,
					1U << 28);
			break;
		case OPT_MODE:
			errno = 0;
			mode = strtoul(optarg, &end, 8);
			ok = !errno && *optarg && !*end && mode <= 0777;
			if (!ok)
				report(c, EXIT_USAGE, EINVAL,
				       "--mode %s: must be octal, 0..0777",
				       optarg);
			p.mode = mode;
			break;
		case OPT_NO_SHRINK:
			p.flags |= HMAP_CREATE_NO_SHRINK;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (!ok)
		return EXIT_USAGE;
	ret = check_args(c, argc, 1, 1);
	if (ret)
		return ret;
	name = argv[optind];
	if (!map_name_ok(name))
		return bad_map_name(c, name);
	if (p.size_hint > p.max_entries) {
		report(c, EXIT_USAGE, EINVAL,
		       "--size-hint %u: must not exceed --max-entries %u",
		       p.size_hint, p.max_entries);
		return EXIT_USAGE;
	}
	dirfd = open_fs_dir(c);
	if (dirfd < 0)
		return EXIT_ERROR;
	ret = hm_create(dirfd, name, &p);
	close(dirfd);
	if (ret == -EEXIST) {
		report(c, EXIT_ERROR, EEXIST, "a map named '%s' exists (EEXIST)",
		       name);
		return EXIT_ERROR;
	}
	if (ret) {
		report(c, EXIT_ERROR, -ret, "cannot create map '%s': %s (%s)%s",
		       name, hm_strerror(-ret), errno_name(-ret),
		       fs_hint(-ret));
		return EXIT_ERROR;
	}
	return 0;
}

static int cmd_destroy(struct ctx *c, int argc, char **argv)
{
	int ret, i, status = 0, err;
	char path[4096];

	ret = parse_common(c, argc, argv);
	if (!ret)
		ret = check_args(c, argc, 1, -1);
	for (i = optind; !ret && i < argc; i++)
		if (!map_name_ok(argv[i]))
			ret = bad_map_name(c, argv[i]);
	if (ret)
		return ret;
	for (i = optind; i < argc; i++) {
		snprintf(path, sizeof(path), "%s/%s", fs_dir(), argv[i]);
		if (!unlink(path))
			continue;
		err = errno;
		ret = err == ENOENT ? EXIT_NOTFOUND : EXIT_ERROR;
		report(c, ret, err, "cannot destroy map '%s': %s (%s)%s",
		       argv[i], err == ENOENT ? "no such map" : strerror(err),
		       errno_name(err), fs_hint(err));
		if (ret > status)
			status = ret;
	}
	return status;
}

static int cmd_freeze(struct ctx *c, int argc, char **argv)
{
	int ret;

	ret = parse_common(c, argc, argv);
	if (!ret)
		ret = check_args(c, argc, 0, 0);
	if (!ret)
		ret = ctx_open(c, O_RDWR);
	if (ret)
		return ret;
	ret = hm_freeze(c->fd);
	return ret ? fail(c, -ret, NULL) : 0;
}

/* What list shows of one map; the statistics only if it could be read. */
struct map_info {
	const char *name;
	struct stat st;
	bool readable;
	unsigned long long count, max_entries, max_key_size, max_value_size,
		size_hint, memory_bytes, frozen, no_shrink;
};

/* Read the map's "name value" lines (read(2) on its file). */
static void map_info_read(int dirfd, struct map_info *m)
{
	char buf[4096], name[64];
	unsigned long long v;
	ssize_t len;
	char *line;
	int fd;

	fd = openat(dirfd, m->name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return;
	buf[len] = '\0';
	m->readable = true;
	const struct {
		const char *name;
		unsigned long long *v;
	} fields[] = {
		{ "count", &m->count },
		{ "max_entries", &m->max_entries },
		{ "max_key_size", &m->max_key_size },
		{ "max_value_size", &m->max_value_size },
		{ "size_hint", &m->size_hint },
		{ "memory_bytes", &m->memory_bytes },
		{ "frozen", &m->frozen },
		{ "no_shrink", &m->no_shrink },
	};
	size_t i;

	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, "%63s %llu", name, &v) != 2)
			continue;
		for (i = 0; i < ARRAY_SIZE(fields); i++)
			if (!strcmp(name, fields[i].name))
				*fields[i].v = v;
	}
}

static const char *user_name(uid_t uid, char *buf, size_t size)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		return pw->pw_name;
	snprintf(buf, size, "%u", (unsigned int)uid);
	return buf;
}

static const char *group_name(gid_t gid, char *buf, size_t size)
{
	struct group *gr = getgrgid(gid);

	if (gr)
		return gr->gr_name;
	snprintf(buf, size, "%u", (unsigned int)gid);
	return buf;
}

static void print_map_json(const struct map_info *m, bool first)
{
	char ub[16], gb[16];

	fputs(first ? "[\n{\"name\":" : ",\n{\"name\":", stdout);
	json_text(stdout, m->name);
	printf(",\"id\":%llu,\"owner\":", (unsigned long long)m->st.st_ino);
	json_text(stdout, user_name(m->st.st_uid, ub, sizeof(ub)));
	printf(",\"uid\":%u,\"group\":", (unsigned int)m->st.st_uid);
	json_text(stdout, group_name(m->st.st_gid, gb, sizeof(gb)));
	printf(",\"gid\":%u,\"mode\":\"%04o\"", (unsigned int)m->st.st_gid,
	       (unsigned int)(m->st.st_mode & 07777));
	if (!m->readable) {
		fputs(",\"stats\":null}", stdout);
		return;
	}
	printf(",\"stats\":{\"count\":%llu", m->count);
	printf(",\"max_entries\":%llu", m->max_entries);
	printf(",\"max_key_size\":%llu", m->max_key_size);
	printf(",\"max_value_size\":%llu", m->max_value_size);
	printf(",\"size_hint\":%llu", m->size_hint);
	printf(",\"memory_bytes\":%llu", m->memory_bytes);
	printf(",\"frozen\":%s", m->frozen ? "true" : "false");
	printf(",\"no_shrink\":%s}}", m->no_shrink ? "true" : "false");
}

static void print_map_line(const struct map_info *m)
{
	char ub[16], gb[16];

	printf("%-20s %6llu %-8s %-8s %04o ", m->name,
	       (unsigned long long)m->st.st_ino,
	       user_name(m->st.st_uid, ub, sizeof(ub)),
	       group_name(m->st.st_gid, gb, sizeof(gb)),
	       (unsigned int)(m->st.st_mode & 07777));
	if (!m->readable) {
		printf("%10s %11s %5s %7s %12s %s\n", "-", "-", "-", "-", "-",
		       "-");
		return;
	}
	printf("%10llu %11llu %5llu %7llu %12llu %s\n", m->count,
	       m->max_entries, m->max_key_size, m->max_value_size,
	       m->memory_bytes, m->frozen ? "yes" : "no");
}

static int no_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int cmd_list(struct ctx *c, int argc, char **argv)
{
	struct dirent **names;
	struct map_info m;
	int ret, dirfd, n, i;

	ret = parse_common(c, argc, argv);
	if (!ret)
		ret = check_args(c, argc, 0, 0);
	if (ret)
		return ret;
	dirfd = open_fs_dir(c);
	if (dirfd < 0)
		return EXIT_ERROR;
	n = scandirat(dirfd, ".", &names, no_dots, alphasort);
	if (n < 0) {
		ret = fail_sys(c, errno, fs_dir());
		close(dirfd);
		return ret;
	}
	if (!c->json)
		printf("%-20s %6s %-8s %-8s %-4s %10s %11s %5s %7s %12s %s\n",
		       "NAME", "ID", "OWNER", "GROUP", "MODE", "ENTRIES",
		       "MAX_ENTRIES", "KEY", "VALUE", "MEMORY", "FROZEN");
	for (i = 0; i < n; i++) {
		memset(&m, 0, sizeof(m));
		m.name = names[i]->d_name;
		/* A map destroyed since the readdir is not listed. */
		if (!fstatat(dirfd, m.name, &m.st, AT_SYMLINK_NOFOLLOW)) {
			map_info_read(dirfd, &m);
			if (c->json)
				print_map_json(&m, !ret++);
			else
				print_map_line(&m);
		}
		free(names[i]);
	}
	free(names);
	close(dirfd);
	if (c->json)
		fputs(ret ? "\n]\n" : "[]\n", stdout);
	return flush_stdout(c);
}

/* ---- the command table ------------------------------------------------ */

static int cmd_help(struct ctx *c, int argc, char **argv);

static const struct command commands[] = {
	{ "put", cmd_put,
	  "Usage: hmapctl put [-n|-u] KEY VALUE\n"
	  "       hmapctl put [-n|-u] -i KEY < VALUE\n"
	  "Insert KEY with VALUE, or update it. An empty key is a usage error;\n"
	  "a key or value over the module's limit is refused (exit 3, EMSGSIZE)\n"
	  "with the limit named.\n\n"
	  "  -n, --noexist  only if KEY is absent (else exit 3, EEXIST)\n"
	  "  -u, --exist    only if KEY is present (else exit 1, ENOENT)\n"
	  "  -i, --stdin    read the value, as raw bytes, from stdin\n" },
	{ "get", cmd_get,
	  "Usage: hmapctl get [-r] KEY...\n"
	  "Print KEY's value, escaped (see hmapctl(8)) or hex, and a newline;\n"
	  "with -j, {\"key\":...,\"value\":...}. Exit 1 if KEY is absent.\n"
	  "With several keys (256 per ioctl): one value a line, in order, an\n"
	  "error message for each absent key (exit 1); with -j, an array.\n\n"
	  "  -r, --raw      print the value's bytes exactly, no newline\n" },
	{ "del", cmd_del,
	  "Usage: hmapctl del KEY...\n"
	  "Delete each KEY, 256 keys per ioctl (HMAP_IOC_BATCH). Exit 1 if any\n"
	  "was absent; the others are deleted all the same.\n" },
	{ "take", cmd_take,
	  "Usage: hmapctl take [-r] KEY\n"
	  "Print KEY's value and delete KEY, in one step (lookup-and-delete).\n"
	  "Exit 1 if KEY is absent.\n\n"
	  "  -r, --raw      print the value's bytes exactly, no newline\n" },
	{ "stats", cmd_stats,
	  "Usage: hmapctl stats [-j]\n"
	  "Print the map's statistics, one per line, or as one JSON object.\n" },
	{ "dump", cmd_dump,
	  "Usage: hmapctl dump [-j] [-b BYTES]\n"
	  "Print every entry: KEY<tab>VALUE lines, escaped (or hex with -x);\n"
	  "'hmapctl load' reads this format back, and 'hmapctl load -j' the JSON.\n\n"
	  "  -j, --json          a JSON array of {\"key\",\"value\"} objects;\n"
	  "                      bytes that are not UTF-8 go to key_hex/value_hex\n"
	  "  -b, --buffer BYTES  dump buffer size (default 262144)\n" },
	{ "load", cmd_load,
	  "Usage: hmapctl load [-j] [-n|-u] [-b N] [-q] [FILE]\n"
	  "Put KEY<tab>VALUE lines from FILE (default stdin), escaped as dump\n"
	  "prints them (or hex with -x), in batches; empty lines are skipped.\n"
	  "Shows progress when stderr is a terminal.\n\n"
	  "  -j, --json      read what 'dump -j' prints (objects with key or\n"
	  "                  key_hex, value or value_hex) instead\n"
	  "  -b, --batch N   puts per ioctl (default 256)\n"
	  "  -n, --noexist   fail on a key already present\n"
	  "  -u, --exist     fail on a key not present\n"
	  "  -q, --quiet     no progress\n" },
	{ "fill", cmd_fill,
	  "Usage: hmapctl fill [-p PREFIX] [-S START] [-s BYTES] [-b N] [-n] [-q] N\n"
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
	{ "drain", cmd_drain,
	  "Usage: hmapctl drain [-j] [-b BYTES]\n"
	  "Print every entry as dump does, removing each one printed\n"
	  "(HMAP_IOC_DRAIN: lookup-and-delete in batches over the dump cursor).\n"
	  "A key updated meanwhile is printed with its older value and kept.\n\n"
	  "  -j, --json          as dump -j\n"
	  "  -b, --buffer BYTES  buffer size (default 262144)\n" },
	{ "create", cmd_create,
	  "Usage: hmapctl create NAME [--max-entries N] [--key-size N] [--value-size N]\n"
	  "                      [--size-hint N] [--mode MODE] [--no-shrink]\n"
	  "Create the named map NAME in the hmap filesystem ($HMAP_FS, default\n"
	  HM_DEFAULT_FS "), owned by you; use it with 'hmapctl -m NAME ...'.\n"
	  "NAME: 1..63 letters, digits, '.', '_' or '-', not starting with '.'.\n\n"
	  "  --max-entries N  most keys, 1..268435456 (default 1048576)\n"
	  "  --key-size N     longest key in bytes, 1..4096 (default 256)\n"
	  "  --value-size N   longest value in bytes, 0..1048576 (default 4096)\n"
	  "  --size-hint N    keys expected, 0..max-entries (default 0)\n"
	  "  --mode MODE      octal permissions, less the umask (default 0600)\n"
	  "  --no-shrink      never shrink: deletes leave the bucket array as large\n"
	  "                   as it grew (HMAP_CREATE_NO_SHRINK)\n" },
	{ "list", cmd_list,
	  "Usage: hmapctl list [-j]\n"
	  "List the named maps: name, id (as in the tracepoints), owner, group,\n"
	  "mode and, for the maps you may read, entries, limits, memory and\n"
	  "whether frozen (\"-\", or null with -j, for the others).\n" },
	{ "destroy", cmd_destroy,
	  "Usage: hmapctl destroy NAME...\n"
	  "Destroy the named maps: each name goes at once, the map and its\n"
	  "memory when the last process using it closes it. Exit 1 if a map\n"
	  "does not exist.\n" },
	{ "freeze", cmd_freeze,
	  "Usage: hmapctl [-m NAME] freeze\n"
	  "Make the map read-only for everyone, for good: every later put,\n"
	  "del, take, clear or drain fails with EPERM.\n" },
	{ "watch", cmd_watch,
	  "Usage: hmapctl watch [-i SECONDS] [-c COUNT] [-u [-w SECONDS]] [-j]\n"
	  "Print a line of statistics every interval: entries, buckets (B),\n"
	  "the resize in progress and how far its evacuation got; with -j, one\n"
	  "JSON object per line.\n\n"
	  "  -i, --interval SECONDS  time between lines (default 1)\n"
	  "  -c, --count COUNT       stop after COUNT lines\n"
	  "  -u, --until-idle        stop once a resize has run and none runs;\n"
	  "                          if none runs, wait for one to begin\n"
	  "  -w, --wait SECONDS      -u: how long to wait for one (default 5);\n"
	  "                          then say none is running and stop\n" },
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

/* Levenshtein distance of two short words (99 if either is long). */
static unsigned int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned int row[32], diag, up, best;

	if (la >= ARRAY_SIZE(row) || lb >= ARRAY_SIZE(row))
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The command @name was probably meant to be, or NULL. */
static const char *suggest_command(const char *name)
{
	unsigned int d, best = 3;
	const char *guess = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strlen(name) >= 2 &&
		    !strncmp(commands[i].name, name, strlen(name)))
			return commands[i].name;
		d = edit_distance(name, commands[i].name);
		if (d < best) {
			best = d;
			guess = commands[i].name;
		}
	}
	return guess;
}

static int unknown_command(const struct ctx *c, const char *name)
{
	const char *guess = suggest_command(name);

	if (guess)
		report(c, EXIT_USAGE, 0,
		       "unknown command '%s' (did you mean '%s'?)", name,
		       guess);
	else
		report(c, EXIT_USAGE, 0, "unknown command '%s'", name);
	if (!c->json)
		fprintf(stderr, "Try 'hmapctl help' for the list of commands.\n");
	return EXIT_USAGE;
}

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: hmapctl [-d DEVICE|-m NAME] [-x|-e] [-j] COMMAND [OPTIONS] [ARGS]\n"
		"       hmapctl --version\n"
		"Drive the hash map on /dev/hmap, or the named map NAME.\n\nCommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		const char *h = commands[i].help;

		/* the first line of the help, without "Usage: hmapctl " */
		fprintf(f, "  %.*s\n", (int)strcspn(h + 15, "\n"), h + 15);
	}
	fprintf(f, "\nEvery command takes -d DEVICE, -m NAME, -x (hex), -e (escapes), -j (JSON)\n"
		"and -h; 'hmapctl COMMAND --help' describes COMMAND; see also hmapctl(8).\n"
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
		return unknown_command(c, argv[optind]);
	print_help(cmd);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctx c = {
		.cmd = NULL,
		.device = HM_DEFAULT_DEVICE,
		.in = TEXT_RAW,
		.out = TEXT_ESCAPE,
		.fd = -1,
	};
	const struct command *cmd;
	int opt, i;

	signal(SIGPIPE, SIG_DFL);
	/* -j anywhere: errors found before getopt reaches it are JSON too. */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			c.json = true;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:" COMMON_SHORT,
				  common_longopts, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return bad_option(&c, opt, argv);
		common_opt(&c, opt);
	}
	if (optind >= argc) {
		report(&c, EXIT_USAGE, 0, "no command given");
		if (!c.json)
			print_usage(stderr);
		return EXIT_USAGE;
	}
	cmd = find_command(argv[optind]);
	if (!cmd)
		return unknown_command(&c, argv[optind]);
	c.cmd = cmd->name;
	argv += optind;
	argc -= optind;
	optind = 0;
	return cmd->run(&c, argc, argv);
}
