/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmapctl internals shared between its source files.
 */
#ifndef HMAPCTL_H
#define HMAPCTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "hmap_lib.h"
#include "textenc.h"

/* Exit statuses. */
#define EXIT_NOTFOUND	1	/* a key was not found */
#define EXIT_USAGE	2	/* bad command line */
#define EXIT_ERROR	3	/* anything else; the message names the errno */

/* What every command gets: the common options and the open device. */
struct ctx {
	const char *cmd;	/* the command's name, for messages; NULL before */
	const char *device;	/* -d: the device path */
	const char *map;	/* -m: a named map, or NULL for the device */
	enum textenc in;	/* form of KEY and VALUE arguments */
	enum textenc out;	/* form of printed keys and values */
	bool json;		/* -j: JSON output, errors too */
	bool hex_opt;		/* -x given */
	bool escape_opt;	/* -e given */
	bool json_inline;	/* an error is an element of an open JSON array */
	int fd;			/* the device, opened by ctx_open() */
	struct hmap_ioc_stats info;	/* stats read by ctx_open(): the limits */
};

int ctx_open(struct ctx *c, int flags);
int next_opt(struct ctx *c, int argc, char **argv, const char *shortopts,
	     const struct option *longopts);
int fail(const struct ctx *c, int err, const char *what);
int fail_sys(const struct ctx *c, int err, const char *what);
int usage_error(const struct ctx *c, const char *what, const char *arg);
__printf(4, 5)
void report(const struct ctx *c, int status, int err, const char *fmt, ...);
bool parse_u64(const char *s, __u64 *v);
double now_sec(void);
__u64 now_ns(void);

/* A progress line on stderr, shown only when stderr is a terminal. */
struct progress {
	bool on;
	const char *what;
	__u64 total;		/* 0: unknown */
	__u64 done;
	double start;
	double last;
};

void progress_init(struct progress *p, const char *what, __u64 total,
		   bool quiet);
void progress_update(struct progress *p, __u64 done);
void progress_end(struct progress *p);

int cmd_bench(struct ctx *c, int argc, char **argv);
extern const char bench_help[];

#endif /* HMAPCTL_H */
