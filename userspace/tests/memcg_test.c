// SPDX-License-Identifier: GPL-2.0
/*
 * memcg_test - the memory /dev/hmap takes on a caller's behalf is charged
 * to the caller's memory cgroup. Run by 50-memcg.sh, as an unprivileged
 * user inside a cgroup-v2 group whose memory.max it may write; prints TAP
 * (or, for fill, nothing but errors).
 *
 *   memcg_test fill PREFIX N VALUE_SIZE
 *	put keys PREFIX0..PREFIX(N-1) with VALUE_SIZE-byte values.
 *   memcg_test put VALUE_SIZE
 *	put VALUE_SIZE-byte values until a put fails: it must fail with
 *	ENOMEM at the cgroup's memory.max (set by the caller), with the
 *	cgroup at its limit and the machine far from its own.
 *   memcg_test dump-one BUF_SIZE
 *	the map holds records bigger than 64 pages; with memory.max just
 *	above memory.current, a dump (whose bounce buffer must hold a whole
 *	record) fails with ENOMEM or makes the group reach its limit, and
 *	succeeds once the limit is lifted.
 *   memcg_test dump-small BUF_SIZE
 *	the map holds small records; with memory.max 256 KiB above
 *	memory.current, a whole dump into a BUF_SIZE buffer succeeds: the
 *	bounce buffer is sized by the records, not by BUF_SIZE.
 *   memcg_test dump-threads THREADS SECONDS BUF_SIZE
 *	THREADS threads dump the map in a loop for SECONDS with memory.max
 *	2 MiB above memory.current: the cgroup must see their bounce
 *	buffers (memory.current rises, or dumps fail with ENOMEM).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "hmap_lib.h"
#include "tap.h"

#define DEV "/dev/hmap"
#define KiB 1024UL
#define MiB (1024 * KiB)

static char cg[600];		/* this process's cgroup directory */

static void bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static const char *ename(int err)
{
	const char *n = err ? strerrorname_np(err) : "0";

	return n ? n : "?";
}

/* ---- cgroup files ---------------------------------------------------- */

static void find_cgroup(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/cgroup", "r");

	if (!f)
		bail("/proc/self/cgroup: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(cg, sizeof(cg), "/sys/fs/cgroup%s", line + 3);
	}
	fclose(f);
	if (!cg[0] || !strcmp(cg, "/sys/fs/cgroup/"))
		bail("not in a cgroup-v2 group");
}

/*
 * Read a cgroup file into @buf (which is on the caller's stack, so that
 * reading allocates no user memory at the limit).
 */
static int cg_read(const char *file, char *buf, size_t size)
{
	char path[640];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static long long cg_value(const char *file)
{
	char buf[64];

	if (cg_read(file, buf, sizeof(buf)))
		return -1;
	if (!strncmp(buf, "max", 3))
		return -2;
	return atoll(buf);
}

/* A "name value" line of a flat-keyed file such as memory.events. */
static long long cg_key(const char *file, const char *key)
{
	char buf[8192], *p;
	size_t len = strlen(key);

	if (cg_read(file, buf, sizeof(buf)))
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (!strncmp(p, key, len) && p[len] == ' ')
			return atoll(p + len + 1);
	return -1;
}

static int cg_write(const char *file, const char *value)
{
	char path[640];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int set_max(long long bytes)
{
	char buf[32];

	if (bytes < 0)
		return cg_write("memory.max", "max");
	snprintf(buf, sizeof(buf), "%lld", bytes);
	return cg_write("memory.max", buf);
}

static long long mem_available(void)
{
	char line[256];
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

static int open_dev(void)
{
	int fd = hm_open(DEV, O_RDWR);

	if (fd < 0)
		bail("open %s: %s", DEV, strerror(-fd));
	return fd;
}

static char *value_buf(size_t size)
{
	char *v = malloc(size ? size : 1);
	size_t i;

	if (!v)
		bail("malloc");
	for (i = 0; i < size; i++)
		v[i] = (char)('a' + i % 26);
	return v;
}

/* ---- fill ------------------------------------------------------------ */

static int cmd_fill(const char *prefix, long n, size_t vsize)
{
	enum { B = 64 };
	struct hmap_ioc_batch_op ops[B];
	char (*keys)[32] = calloc(B, 32);
	char *v = value_buf(vsize);
	int fd = open_dev(), err;
	__u32 k, cnt, done;
	long i;

	for (i = 0; i < n; i += cnt) {
		cnt = n - i < B ? (__u32)(n - i) : B;
		for (k = 0; k < cnt; k++) {
			snprintf(keys[k], 32, "%s%ld", prefix, i + k);
			ops[k] = (struct hmap_ioc_batch_op) {
				.op = HMAP_OP_PUT,
				.key = hm_ptr(keys[k]),
				.key_len = (__u32)strlen(keys[k]),
				.value = hm_ptr(v),
				.value_len = (__u32)vsize,
			};
		}
		err = hm_batch_all(fd, ops, cnt, &done);
		if (err) {
			fprintf(stderr, "memcg_test: fill: put %s%ld: %s\n",
				prefix, i + done, strerror(-err));
			return 1;
		}
	}
	return 0;
}

/* ---- put: the limit stops a put loop --------------------------------- */

static int cmd_put(size_t vsize)
{
	long long max = cg_value("memory.max"), cur, ev_max, ev_oom, avail;
	long long ev_max0 = cg_key("memory.events", "max");
	long long ev_oom0 = cg_key("memory.events", "oom");
	char *v = value_buf(vsize), key[32], path[640];
	int fd = open_dev(), err = 0, max_fd;
	long n;

	if (max < 0)
		bail("%s/memory.max is not a number of bytes", cg);
	/*
	 * Opened now: at the limit, opening a file (and reading one) needs
	 * kernel memory charged to the group, so the limit is lifted through
	 * this before anything is read.
	 */
	snprintf(path, sizeof(path), "%s/memory.max", cg);
	max_fd = open(path, O_WRONLY | O_CLOEXEC);
	if (max_fd < 0)
		bail("cannot open %s", path);
	for (n = 0; n < 1000000; n++) {
		snprintf(key, sizeof(key), "memcg-%ld", n);
		err = hm_put(fd, key, (__u32)strlen(key), v, (__u32)vsize, 0);
		if (err)
			break;
	}
	if (write(max_fd, "max", 3) < 0)
		bail("cannot lift %s", path);
	close(max_fd);
	cur = cg_value("memory.current");
	ev_max = cg_key("memory.events", "max") - ev_max0;
	ev_oom = cg_key("memory.events", "oom") - ev_oom0;
	avail = mem_available();
	diag("%ld puts of %zu bytes, then %s; memory.current %lld of memory.max %lld; memory.events: max +%lld, oom +%lld; MemAvailable %lld MiB",
	     n, vsize, ename(-err), cur, max, ev_max, ev_oom,
	     avail / (long long)MiB);
	tap(err == -ENOMEM, "a put loop of %zu-byte values ends with ENOMEM (%s after %ld puts)",
	    vsize, ename(-err), n);
	tap((long long)(n * vsize) <= max && (long long)(n * vsize) >= max / 2,
	    "what went in (%ld KiB) is what memory.max (%lld KiB) allows",
	    n * vsize / KiB, max / (long long)KiB);
	tap(ev_max > 0 || ev_oom > 0 || cur >= max - max / 10,
	    "the cgroup hit its limit (memory.events max +%lld, oom +%lld; memory.current %lld%% of memory.max)",
	    ev_max, ev_oom, cur * 100 / max);
	tap(avail > 256 * (long long)MiB,
	    "the machine did not run short (MemAvailable %lld MiB)",
	    avail / (long long)MiB);
	return tap_failed;
}

/* ---- dumps ----------------------------------------------------------- */

static int dump_once(int fd, char *buf, __u32 size, __u64 *cursor,
		     __u32 *count, __u32 *done)
{
	struct hmap_ioc_dump d = {
		.size = sizeof(d),
		.cursor = *cursor,
		.buf = hm_ptr(buf),
		.buf_size = size,
	};

	if (ioctl(fd, HMAP_IOC_DUMP, &d))
		return -errno;
	*cursor = d.done ? 0 : d.cursor;
	*count = d.count;
	*done = d.done;
	return 0;
}

static int cmd_dump_one(__u32 size)
{
	char *buf = value_buf(size);	/* faulted in before the limit */
	long long cur, file, ev0, ev;
	__u32 count = 0, done = 0;
	__u64 cursor = 0;
	int fd = open_dev(), err, err2;

	ev0 = cg_key("memory.events", "max");
	file = cg_key("memory.stat", "file");
	cur = cg_value("memory.current");
	if (set_max(cur + 64 * KiB))
		bail("cannot write %s/memory.max", cg);
	err = dump_once(fd, buf, size, &cursor, &count, &done);
	set_max(-1);
	/* Read only now: reading allocates, which must not hit the limit. */
	ev = cg_key("memory.events", "max") - ev0;
	diag("memory.current %lld (file %lld), memory.max %lld: dump %s, %u records; memory.events max +%lld",
	     cur, file, cur + 64 * KiB, ename(-err), count, ev);
	/*
	 * The group has 64 KiB to spare, and whatever reclaim can free (its
	 * file pages): the bounce buffer, bigger than a record, either cannot
	 * be had (ENOMEM) or only by reclaim at the limit.
	 */
	tap(err == -ENOMEM || (!err && ev > 0),
	    "64 KiB under the cgroup's limit a dump of big records is charged to it (%s, memory.events max +%lld)",
	    ename(-err), ev);
	cursor = 0;
	err2 = dump_once(fd, buf, size, &cursor, &count, &done);
	tap(!err2 && count > 0,
	    "without the limit the same dump succeeds (%s, %u records)",
	    ename(-err2), count);
	return tap_failed;
}

/*
 * A dump's bounce buffer is sized by the records it holds, not by the
 * caller's buffer: with a 1 MiB buffer and small records, a whole dump
 * runs with 256 KiB to spare under the limit.
 */
static int cmd_dump_small(__u32 size)
{
	char *buf = value_buf(size);
	long long cur, ev0, ev;
	__u32 count = 0, done = 0, total = 0, calls = 0;
	__u64 cursor = 0;
	int fd = open_dev(), err;

	ev0 = cg_key("memory.events", "max");
	cur = cg_value("memory.current");
	if (set_max(cur + 256 * KiB))
		bail("cannot write %s/memory.max", cg);
	do {
		err = dump_once(fd, buf, size, &cursor, &count, &done);
		total += count;
		calls++;
	} while (!err && !done);
	set_max(-1);
	ev = cg_key("memory.events", "max") - ev0;
	diag("memory.current %lld, memory.max %lld: %u dump calls, %u records, last %s; memory.events max +%lld",
	     cur, cur + 256 * KiB, calls, total, ename(-err), ev);
	tap(!err && total > 0,
	    "256 KiB under the limit, a dump of small records into a %u KiB buffer succeeds (%s, %u records)",
	    size / (__u32)KiB, ename(-err), total);
	return tap_failed;
}

struct dumper {
	pthread_t thread;
	char *buf;
	__u32 size;
	int fd;
	unsigned long ok, enomem, other;
	int other_err;
};

static atomic_bool go, stop;
static atomic_llong peak;

/* Threads start parked, so that their stacks are in the baseline. */
static void wait_go(void)
{
	struct timespec ts = { .tv_nsec = 1000000 };

	while (!atomic_load(&go))
		nanosleep(&ts, NULL);
}

static void *dump_loop(void *arg)
{
	struct dumper *d = arg;
	__u32 count, done;
	__u64 cursor = 0;
	int err;

	wait_go();
	while (!atomic_load(&stop)) {
		err = dump_once(d->fd, d->buf, d->size, &cursor, &count,
				&done);
		if (!err) {
			d->ok++;
		} else if (err == -ENOMEM) {
			d->enomem++;
			cursor = 0;
		} else {
			d->other++;
			d->other_err = err;
			cursor = 0;
		}
	}
	return NULL;
}

static void *sampler(void *arg)
{
	struct timespec ts = { .tv_nsec = 1000000 };
	long long cur, p;

	(void)arg;
	wait_go();
	while (!atomic_load(&stop)) {
		cur = cg_value("memory.current");
		p = atomic_load(&peak);
		while (cur > p && !atomic_compare_exchange_weak(&peak, &p, cur))
			;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static int cmd_dump_threads(int n, int seconds, __u32 size)
{
	struct dumper *d = calloc((size_t)n, sizeof(*d));
	unsigned long ok = 0, enomem = 0, other = 0;
	long long base, ev_max0, ev_max;
	pthread_t samp;
	int i, other_err = 0;

	if (!d)
		bail("calloc");
	for (i = 0; i < n; i++) {
		d[i].buf = value_buf(size);
		d[i].size = size;
		d[i].fd = open_dev();
	}
	if (pthread_create(&samp, NULL, sampler, NULL))
		bail("pthread_create");
	for (i = 0; i < n; i++)
		if (pthread_create(&d[i].thread, NULL, dump_loop, &d[i]))
			bail("pthread_create");
	sleep(1);
	base = cg_value("memory.current");
	ev_max0 = cg_key("memory.events", "max");
	atomic_store(&peak, base);
	if (set_max(base + 2 * (long long)MiB))
		bail("cannot write %s/memory.max", cg);
	atomic_store(&go, true);
	sleep((unsigned int)seconds);
	atomic_store(&stop, true);
	for (i = 0; i < n; i++) {
		pthread_join(d[i].thread, NULL);
		ok += d[i].ok;
		enomem += d[i].enomem;
		other += d[i].other;
		if (d[i].other)
			other_err = d[i].other_err;
	}
	pthread_join(samp, NULL);
	set_max(-1);
	ev_max = cg_key("memory.events", "max") - ev_max0;
	diag("%d threads, %d s: %lu dumps done, %lu ENOMEM, %lu other (%s); memory.current %lld, peak %lld (+%lld KiB), memory.max %lld; memory.events max +%lld",
	     n, seconds, ok, enomem, other, ename(-other_err), base,
	     atomic_load(&peak), (atomic_load(&peak) - base) / (long long)KiB,
	     base + 2 * (long long)MiB, ev_max);
	tap(other == 0, "dumps fail with nothing but ENOMEM (%lu other, last %s)",
	    other, ename(-other_err));
	tap(ok > 0, "dumps succeed under the limit (%lu)", ok);
	tap(enomem > 0 || atomic_load(&peak) - base >= (long long)MiB,
	    "the cgroup sees the dumps' memory: %lu failed with ENOMEM, memory.current rose by %lld KiB",
	    enomem, (atomic_load(&peak) - base) / (long long)KiB);
	return tap_failed;
}

int main(int argc, char **argv)
{
	int ret;

	if (argc == 5 && !strcmp(argv[1], "fill"))
		return cmd_fill(argv[2], atol(argv[3]),
				(size_t)atol(argv[4]));
	find_cgroup();
	if (argc == 3 && !strcmp(argv[1], "put"))
		ret = cmd_put((size_t)atol(argv[2]));
	else if (argc == 3 && !strcmp(argv[1], "dump-small"))
		ret = cmd_dump_small((__u32)atol(argv[2]));
	else if (argc == 3 && !strcmp(argv[1], "dump-one"))
		ret = cmd_dump_one((__u32)atol(argv[2]));
	else if (argc == 5 && !strcmp(argv[1], "dump-threads"))
		ret = cmd_dump_threads(atoi(argv[2]), atoi(argv[3]),
				       (__u32)atol(argv[4]));
	else
		bail("usage: memcg_test fill PREFIX N VALUE_SIZE | put VALUE_SIZE | dump-small|dump-one BUF_SIZE | dump-threads THREADS SECONDS BUF_SIZE");
	return tap_finish() | ret;
}
