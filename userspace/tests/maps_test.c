// SPDX-License-Identifier: GPL-2.0
/*
 * maps_test - drives the named maps of the hmap filesystem through the raw
 * ABI (HMAP_IOC_CREATE on the directory, open, the map ioctls, unlink) and
 * prints TAP. DIR is where the filesystem is mounted.
 *
 *   maps_test abi DIR        create's argument checks (sizes, flags,
 *                            reserved bytes, names, parameters, mode), each
 *                            refusal leaving no file; EEXIST, ENOENT,
 *                            ENOTTY; the map's own limits; read-only fds
 *   maps_test freeze DIR     HMAP_IOC_FREEZE: every write fails with EPERM
 *                            through every fd, reads work, ro fd refused
 *   maps_test drain DIR      HMAP_IOC_DRAIN returns every key once and
 *                            empties the map, in small and large buffers
 *   maps_test unlinked DIR   an open map outlives its name; a new map may
 *                            take the name meanwhile
 *   maps_test race DIR SECS  processes create, open, use and destroy maps
 *                            of the same names at once: only the errors the
 *                            ABI documents, no other outcome
 *   maps_test many DIR N     N maps of different sizes: create, use, list,
 *                            destroy; prints the times as comments
 *
 * The plan line comes last.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hmap_lib.h"
#include "tap.h"

static const char *dir;
static int dfd;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct hmap_ioc_create params(__u32 entries, __u32 ksize, __u32 vsize)
{
	struct hmap_ioc_create p = {
		.size = sizeof(p),
		.max_entries = entries,
		.max_key_size = ksize,
		.max_value_size = vsize,
		.mode = 0600,
	};
	return p;
}

/* HMAP_IOC_CREATE exactly as given (name bytes included); 0 or -errno. */
static int create_raw(struct hmap_ioc_create *p)
{
	return ioctl(dfd, HMAP_IOC_CREATE, p) ? -errno : 0;
}

static int create(const char *name, __u32 entries, __u32 ksize, __u32 vsize)
{
	struct hmap_ioc_create p = params(entries, ksize, vsize);

	return hm_create(dfd, name, &p);
}

static int open_map(const char *name, int flags)
{
	return hm_open_at(dfd, name, flags);
}

/* The number of files in DIR. */
static int nfiles(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* read(2) of a map's file has a line "no_shrink 0|1" saying @want. */
static bool info_no_shrink(const char *name, int want)
{
	char buf[4096], line[32];
	int fd = open_map(name, O_RDONLY);
	ssize_t len;

	if (fd < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	snprintf(line, sizeof(line), "\nno_shrink %d\n", want);
	return strstr(buf, line);
}

/*
 * HMAP_CREATE_NO_SHRINK: 2000 keys put and deleted grow both maps alike,
 * and shrink only the one created without the flag.
 */
static void test_no_shrink(void)
{
	struct hmap_ioc_create p = params(4000, 8, 8);
	struct hmap_ioc_stats st[2];
	const char *names[2] = { "shrinks", "keeps" };
	char key[16];
	int fd, i, k, bad = 0;

	memcpy(p.name, "keeps", 5);
	p.flags = HMAP_CREATE_NO_SHRINK;
	tap(create_raw(&p) == 0, "create keeps with HMAP_CREATE_NO_SHRINK");
	tap(create("shrinks", 4000, 8, 8) == 0, "create shrinks without it");
	tap(info_no_shrink("keeps", 1) && info_no_shrink("shrinks", 0),
	    "their files say no_shrink 1 and no_shrink 0");
	for (i = 0; i < 2; i++) {
		fd = open_map(names[i], O_RDWR);
		for (k = 0; k < 2000; k++) {
			snprintf(key, sizeof(key), "k%d", k);
			bad += hm_put(fd, key, strlen(key), "v", 1, 0) != 0;
		}
		for (k = 0; k < 2000; k++) {
			snprintf(key, sizeof(key), "k%d", k);
			bad += hm_delete(fd, key, strlen(key)) != 0;
		}
		bad += hm_stats(fd, &st[i]) != 0;
		close(fd);
	}
	tap(!bad, "2000 puts and deletes into each");
	tap(st[0].grows == st[1].grows && st[1].grows >= 8,
	    "both grew alike (%llu, %llu grows)",
	    (unsigned long long)st[0].grows, (unsigned long long)st[1].grows);
	tap(st[0].shrinks > 0 && st[1].shrinks == 0 &&
	    st[1].log2_buckets >= 8,
	    "shrinks: %llu without the flag, %llu with it (B=%llu)",
	    (unsigned long long)st[0].shrinks,
	    (unsigned long long)st[1].shrinks,
	    (unsigned long long)st[1].log2_buckets);
	tap(!unlinkat(dfd, "keeps", 0) && !unlinkat(dfd, "shrinks", 0),
	    "unlink both");
}

static void test_abi(void)
{
	static const char *const bad_names[] = {
		"", ".", "..", ".hidden", "a/b", "/", "../x", "a b", "tab\t",
		"nl\n", "esc\x1b", "del\x7f", "caf\xc3\xa9", "\xff\xfe",
		"a:b", "a*", "a\\b",
		"1234567890123456789012345678901234567890123456789012345678901234",
	};
	struct hmap_ioc_create p;
	struct hmap_ioc_stats st;
	char big[8192];
	int n0, fd, ro, err;
	size_t i;
	__u32 len;

	n0 = nfiles();
	tap(n0 == 0, "the filesystem starts empty (%d files)", n0);

	for (i = 0; i < ARRAY_SIZE(bad_names); i++) {
		p = params(10, 8, 8);
		memcpy(p.name, bad_names[i], strlen(bad_names[i]) < 64 ?
		       strlen(bad_names[i]) : 64);
		err = create_raw(&p);
		tap(err == -EINVAL, "name #%zu (%zu bytes) refused with EINVAL (got %d)",
		    i, strlen(bad_names[i]), err);
	}
	tap(nfiles() == 0, "... and none made a file");

	p = params(10, 8, 8);
	memcpy(p.name, "ok", 2);
	p.name[10] = 'x';
	tap(create_raw(&p) == -EINVAL, "a non-zero byte after the name's NUL: EINVAL");

	struct {
		const char *what;
		__u32 e, k, v, hint, mode, flags, res, size;
	} bad[] = {
		{ "max_entries 0", 0, 8, 8, 0, 0600, 0, 0, sizeof(p) },
		{ "max_entries 2^28+1", (1U << 28) + 1, 8, 8, 0, 0600, 0, 0, sizeof(p) },
		{ "key size 0", 10, 0, 8, 0, 0600, 0, 0, sizeof(p) },
		{ "key size 4097", 10, 4097, 8, 0, 0600, 0, 0, sizeof(p) },
		{ "value size 2^20+1", 10, 8, (1U << 20) + 1, 0, 0600, 0, 0, sizeof(p) },
		{ "size_hint > max_entries", 10, 8, 8, 11, 0600, 0, 0, sizeof(p) },
		{ "mode 01000", 10, 8, 8, 0, 01000, 0, 0, sizeof(p) },
		{ "mode 04755", 10, 8, 8, 0, 04755, 0, 0, sizeof(p) },
		{ "flags 2", 10, 8, 8, 0, 0600, 2, 0, sizeof(p) },
		{ "unknown flags", 10, 8, 8, 0, 0600, ~HMAP_CREATE_FLAGS, 0, sizeof(p) },
		{ "reserved 1", 10, 8, 8, 0, 0600, 0, 1, sizeof(p) },
		{ "size 8", 10, 8, 8, 0, 0600, 0, 0, 8 },
		{ "size - 4", 10, 8, 8, 0, 0600, 0, 0, sizeof(p) - 4 },
		{ "size 8192", 10, 8, 8, 0, 0600, 0, 0, 8192 },
	};
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(big, 0, sizeof(big));
		p = params(bad[i].e, bad[i].k, bad[i].v);
		memcpy(p.name, "good", 4);
		p.size_hint = bad[i].hint;
		p.mode = bad[i].mode;
		p.flags = bad[i].flags;
		p.__reserved = bad[i].res;
		memcpy(big, &p, sizeof(p));
		((struct hmap_ioc_create *)big)->size = bad[i].size;
		err = ioctl(dfd, HMAP_IOC_CREATE, big) ? -errno : 0;
		tap(err == -EINVAL, "%s: EINVAL (got %d)", bad[i].what, err);
	}
	tap(nfiles() == 0, "... and none made a file");

	/* A longer structure with zero tail is fine; a non-zero tail is not. */
	memset(big, 0, sizeof(big));
	p = params(10, 8, 8);
	memcpy(p.name, "longer", 6);
	memcpy(big, &p, sizeof(p));
	((struct hmap_ioc_create *)big)->size = sizeof(p) + 8;
	big[sizeof(p) + 3] = 1;
	err = ioctl(dfd, HMAP_IOC_CREATE, big) ? -errno : 0;
	tap(err == -EINVAL, "a longer structure with a non-zero tail: EINVAL (%d)", err);
	big[sizeof(p) + 3] = 0;
	err = ioctl(dfd, HMAP_IOC_CREATE, big) ? -errno : 0;
	tap(err == 0, "a longer structure with a zero tail: created (%d)", err);
	err = ioctl(dfd, HMAP_IOC_CREATE, (void *)8) ? -errno : 0;
	tap(err == -EFAULT, "a bad pointer: EFAULT (%d)", err);

	tap(create("m1", 100, 16, 32) == 0, "create m1");
	tap(create("m1", 100, 16, 32) == -EEXIST, "create m1 again: EEXIST");
	tap(create("m1", 5, 5, 5) == -EEXIST, "... with other parameters too");
	tap(open_map("nope", O_RDWR) == -ENOENT, "open a missing map: ENOENT");
	tap(unlinkat(dfd, "nope", 0) && errno == ENOENT,
	    "unlink a missing map: ENOENT");
	tap(openat(dfd, "new", O_RDWR | O_CREAT, 0600) < 0 && errno == EACCES,
	    "open(O_CREAT) makes no map: EACCES");
	tap(mkdirat(dfd, "sub", 0700) && errno == EPERM, "mkdir: EPERM");
	tap(renameat(dfd, "m1", dfd, "m2") && errno == EPERM,
	    "rename: EPERM");

	fd = open_map("m1", O_RDWR);
	tap(fd >= 0, "open m1 read-write");
	p = params(10, 8, 8);
	tap(hm_create(fd, "viamap", &p) == -ENOTTY, "create on a map fd: ENOTTY");
	tap(hm_put(fd, "k", 1, "v", 1, 0) == 0, "put into m1");
	tap(hm_put(fd, "12345678901234567", 17, "v", 1, 0) == -EMSGSIZE,
	    "a 17-byte key: EMSGSIZE (m1's key size is 16)");
	tap(hm_put(fd, "k", 1, big, 33, 0) == -EMSGSIZE,
	    "a 33-byte value: EMSGSIZE (m1's value size is 32)");
	tap(hm_stats(fd, &st) == 0 && st.max_entries == 100 &&
	    st.max_key_size == 16 && st.max_value_size == 32 && st.count == 1,
	    "stats: m1's own limits, one entry");
	{
		struct stat sb;

		tap(!fstat(fd, &sb) && sb.st_ino == st.id,
		    "the inode number is the map's id (%llu)",
		    (unsigned long long)st.id);
	}
	ro = open_map("m1", O_RDONLY);
	len = sizeof(big);
	tap(ro >= 0 && hm_get(ro, "k", 1, big, &len) == 0 && len == 1,
	    "a read-only fd gets");
	tap(hm_put(ro, "k", 1, "v", 1, 0) == -EBADF, "... but put: EBADF");
	tap(hm_delete(ro, "k", 1) == -EBADF, "... delete: EBADF");
	tap(hm_clear(ro) == -EBADF, "... clear: EBADF");
	tap(hm_freeze(ro) == -EBADF, "... freeze: EBADF");
	close(ro);
	close(fd);

	tap(create("m2", 1000, 4096, 1 << 20) == 0,
	    "create m2 with the largest key and value sizes");
	tap(create("m3", 1U << 28, 1, 0) == 0,
	    "create m3: 2^28 entries, 1-byte keys, empty values");
	tap(nfiles() == 4, "4 maps listed (%d)", nfiles());
	tap(!unlinkat(dfd, "m1", 0) && !unlinkat(dfd, "m2", 0) &&
	    !unlinkat(dfd, "m3", 0) && !unlinkat(dfd, "longer", 0),
	    "unlink all");
	tap(nfiles() == 0, "none left");
	test_no_shrink();
}

static void test_freeze(void)
{
	struct hmap_ioc_batch_op op = { .op = HMAP_OP_PUT, .key = hm_ptr("b"),
					.key_len = 1, .value = hm_ptr("v"),
					.value_len = 1 };
	struct hmap_ioc_dump d = { .size = sizeof(d) };
	int fd, fd2;
	char buf[64];
	__u32 len = sizeof(buf), done;

	tap(create("fz", 100, 8, 8) == 0, "create fz");
	fd = open_map("fz", O_RDWR);
	fd2 = open_map("fz", O_RDWR);
	tap(hm_put(fd, "k", 1, "v", 1, 0) == 0, "put before the freeze");
	tap(hm_freeze(fd) == 0, "freeze");
	tap(hm_freeze(fd) == 0, "freeze again: 0");
	tap(hm_put(fd2, "k", 1, "w", 1, 0) == -EPERM, "put through another fd: EPERM");
	tap(hm_delete(fd, "k", 1) == -EPERM, "delete: EPERM");
	tap(hm_take(fd, "k", 1, buf, &len) == -EPERM, "take: EPERM");
	tap(hm_clear(fd) == -EPERM, "clear: EPERM");
	tap(hm_batch(fd, &op, 1, &done) == -EPERM && done == 0,
	    "a batch put: EPERM, count 0");
	d.buf = hm_ptr(buf);
	d.buf_size = sizeof(buf);
	tap(ioctl(fd, HMAP_IOC_DRAIN, &d) && errno == EPERM, "drain: EPERM");
	len = sizeof(buf);
	tap(hm_get(fd2, "k", 1, buf, &len) == 0 && len == 1 && buf[0] == 'v',
	    "get still works and sees the value from before");
	op.op = HMAP_OP_GET;
	op.value = hm_ptr(buf);
	op.value_len = sizeof(buf);
	op.key = hm_ptr("k");
	tap(hm_batch(fd, &op, 1, &done) == 0 && done == 1, "a batch get works");
	close(fd);
	close(fd2);
	tap(!unlinkat(dfd, "fz", 0), "a frozen map can be destroyed");
}

static void test_drain(void)
{
	static const __u32 sizes[] = { 64, 4096, 1 << 20 };
	char key[32], val[64], *seen;
	struct hm_dump d;
	const void *k, *v;
	__u32 klen, vlen;
	int fd, ret, n, dups, bad;
	struct hmap_ioc_stats st;
	size_t s;
	const int N = 3000;

	tap(create("dr", 10000, 16, 64) == 0, "create dr");
	fd = open_map("dr", O_RDWR);
	seen = calloc(N, 1);
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (int i = 0; i < N; i++) {
			klen = snprintf(key, sizeof(key), "k%d", i);
			vlen = snprintf(val, sizeof(val), "value-%d", i);
			hm_put(fd, key, klen, val, vlen, 0);
		}
		memset(seen, 0, N);
		n = 0;
		dups = 0;
		bad = 0;
		ret = hm_drain_init(&d, fd, sizes[s]);
		while (!ret && (ret = hm_dump_next(&d, &k, &klen, &v, &vlen)) > 0) {
			int i;

			ret = 0;
			if (sscanf(k, "k%d", &i) != 1 || i < 0 || i >= N) {
				bad++;
				continue;
			}
			snprintf(val, sizeof(val), "value-%d", i);
			if (vlen != strlen(val) || memcmp(v, val, vlen))
				bad++;
			dups += seen[i]++;
			n++;
		}
		hm_dump_free(&d);
		hm_stats(fd, &st);
		tap(ret == 0 && n == N && !dups && !bad && st.count == 0,
		    "drain with a %u-byte buffer: %d of %d keys once, %d bad, map left with %llu",
		    sizes[s], n, N, bad, (unsigned long long)st.count);
	}
	{
		int ro = open_map("dr", O_RDONLY);
		struct hmap_ioc_dump a = { .size = sizeof(a) };

		tap(ioctl(ro, HMAP_IOC_DRAIN, &a) && errno == EBADF,
		    "drain on a read-only fd: EBADF");
		a.flags = 1;
		tap(ioctl(fd, HMAP_IOC_DRAIN, &a) && errno == EINVAL,
		    "drain with flags: EINVAL");
		close(ro);
	}
	hm_put(fd, "x", 1, "0123456789", 10, 0);
	{
		char small[16];
		struct hmap_ioc_dump a = { .size = sizeof(a),
					   .buf = hm_ptr(small),
					   .buf_size = sizeof(small) };

		tap(ioctl(fd, HMAP_IOC_DRAIN, &a) && errno == ENOSPC &&
		    a.buf_used == HMAP_REC_SIZE(1, 10) &&
		    !hm_stats(fd, &st) && st.count == 1,
		    "drain into a buffer too small: ENOSPC, buf_used %u, the key kept",
		    a.buf_used);
	}
	free(seen);
	close(fd);
	unlinkat(dfd, "dr", 0);
}

static void test_unlinked(void)
{
	struct hmap_ioc_stats a, b;
	char buf[8];
	__u32 len = sizeof(buf);
	int fd, fd2;

	tap(create("ul", 100, 8, 8) == 0, "create ul");
	fd = open_map("ul", O_RDWR);
	hm_put(fd, "k", 1, "old", 3, 0);
	hm_stats(fd, &a);
	tap(!unlinkat(dfd, "ul", 0), "unlink ul while it is open");
	tap(open_map("ul", O_RDWR) == -ENOENT, "the name is gone: ENOENT");
	tap(hm_get(fd, "k", 1, buf, &len) == 0 && len == 3,
	    "the open fd still reaches the map");
	tap(hm_put(fd, "k2", 2, "v", 1, 0) == 0, "... and writes to it");
	tap(create("ul", 100, 8, 8) == 0, "a new map may take the name");
	fd2 = open_map("ul", O_RDWR);
	hm_stats(fd2, &b);
	len = sizeof(buf);
	tap(b.id != a.id && b.count == 0 &&
	    hm_get(fd2, "k", 1, buf, &len) == -ENOENT,
	    "... it is another map (id %llu, not %llu), empty",
	    (unsigned long long)b.id, (unsigned long long)a.id);
	close(fd);
	close(fd2);
	unlinkat(dfd, "ul", 0);
}

/*
 * Three kinds of process on names r0..r3 for @secs seconds: creators
 * (create, EEXIST), destroyers (unlink, ENOENT) and users (open, ENOENT;
 * put, get, dump, stats on the fd, which must all work whatever happens to
 * the name). Each child counts its outcomes; any other is a failure.
 */
static void test_race(int secs)
{
	struct { long ok, expected, bad; } *res;
	const int kinds = 3, per = 2, n = kinds * per;
	double end = now() + secs;
	int i, status, fails = 0;
	pid_t pid[6];

	res = mmap(NULL, sizeof(*res) * n, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(res, 0, sizeof(*res) * n);
	for (i = 0; i < n; i++) {
		pid[i] = fork();
		if (pid[i])
			continue;
		srand(getpid());
		while (now() < end) {
			char name[8];
			int err, fd, kind = i % kinds;

			snprintf(name, sizeof(name), "r%d", rand() % 4);
			if (kind == 0) {
				err = create(name, 1000, 16, 16);
				if (!err)
					res[i].ok++;
				else if (err == -EEXIST)
					res[i].expected++;
				else
					res[i].bad++;
			} else if (kind == 1) {
				if (!unlinkat(dfd, name, 0))
					res[i].ok++;
				else if (errno == ENOENT)
					res[i].expected++;
				else
					res[i].bad++;
			} else {
				struct hmap_ioc_stats st;
				char buf[16];
				__u32 len;

				fd = open_map(name, O_RDWR);
				if (fd == -ENOENT) {
					res[i].expected++;
					continue;
				}
				if (fd < 0) {
					res[i].bad++;
					continue;
				}
				for (int j = 0; j < 20; j++) {
					len = sizeof(buf);
					if (hm_put(fd, "key", 3, "value", 5, 0) ||
					    hm_get(fd, "key", 3, buf, &len) ||
					    hm_stats(fd, &st) || st.max_entries != 1000)
						res[i].bad++;
					else
						res[i].ok++;
				}
				close(fd);
			}
		}
		_exit(0);
	}
	for (i = 0; i < n; i++) {
		waitpid(pid[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fails++;
	}
	printf("# creates %ld ok %ld EEXIST; unlinks %ld ok %ld ENOENT; ",
	       res[0].ok + res[3].ok, res[0].expected + res[3].expected,
	       res[1].ok + res[4].ok, res[1].expected + res[4].expected);
	printf("uses %ld ok, opens %ld ENOENT\n", res[2].ok + res[5].ok,
	       res[2].expected + res[5].expected);
	tap(!fails, "every racing process exited normally");
	tap(!res[0].bad && !res[3].bad, "creates: only 0 or EEXIST");
	tap(!res[1].bad && !res[4].bad, "unlinks: only 0 or ENOENT");
	tap(!res[2].bad && !res[5].bad,
	    "opens: only ENOENT or an fd on which put, get and stats all work");
	tap(res[0].ok + res[3].ok > 0 && res[1].ok + res[4].ok > 0 &&
	    res[2].ok + res[5].ok > 0, "every kind of process got work done");
	for (i = 0; i < 4; i++) {
		char name[8];

		snprintf(name, sizeof(name), "r%d", i);
		unlinkat(dfd, name, 0);
	}
	tap(nfiles() == 0, "no map left");
}

/* @n maps, map i of its own size; each gets one key. */
static void test_many(int n)
{
	struct hmap_ioc_stats st;
	char name[16], val[8];
	int i, errs = 0, fd;
	double t0, t1, t2, t3;
	__u32 len;

	t0 = now();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "many-%d", i);
		if (create(name, 1 + i * 7, 1 + i % 4096, i % 2049))
			errs++;
	}
	t1 = now();
	tap(!errs, "created %d maps of different sizes (%d errors)", n, errs);
	printf("# %d creates: %.3f s, %.0f us each\n", n, t1 - t0,
	       (t1 - t0) * 1e6 / n);
	tap(nfiles() == n, "all %d are listed (%d)", n, nfiles());
	errs = 0;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "many-%d", i);
		fd = open_map(name, O_RDWR);
		len = sizeof(val);
		if (fd < 0 || hm_put(fd, "k", 1, "v", i % 2049 ? 1 : 0, 0) ||
		    hm_get(fd, "k", 1, val, &len) || hm_stats(fd, &st) ||
		    st.max_entries != (__u32)(1 + i * 7) ||
		    st.max_key_size != (__u32)(1 + i % 4096) ||
		    st.max_value_size != (__u32)(i % 2049) || st.count != 1)
			errs++;
		if (fd >= 0)
			close(fd);
	}
	t2 = now();
	tap(!errs, "each has its own limits and its key (%d errors)", errs);
	printf("# %d open+put+get+stats+close: %.3f s\n", n, t2 - t1);
	errs = 0;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "many-%d", i);
		errs += !!unlinkat(dfd, name, 0);
	}
	t3 = now();
	tap(!errs && nfiles() == 0, "all destroyed (%d errors)", errs);
	printf("# %d destroys: %.3f s\n", n, t3 - t2);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: maps_test abi|freeze|drain|unlinked|race|many DIR [ARG]\n");
		return 2;
	}
	dir = argv[2];
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		perror(dir);
		return 2;
	}
	if (!strcmp(argv[1], "abi"))
		test_abi();
	else if (!strcmp(argv[1], "freeze"))
		test_freeze();
	else if (!strcmp(argv[1], "drain"))
		test_drain();
	else if (!strcmp(argv[1], "unlinked"))
		test_unlinked();
	else if (!strcmp(argv[1], "race"))
		test_race(argc > 3 ? atoi(argv[3]) : 10);
	else if (!strcmp(argv[1], "many"))
		test_many(argc > 3 ? atoi(argv[3]) : 1000);
	else
		return 2;
	return tap_finish();
}
