// SPDX-License-Identifier: GPL-2.0
/*
 * The runner: ./hmap_tests [-l] [-n] [-q] [-c] [-s SEED] [NAME...]
 *   -l  list the cases          -n  no fork (for a debugger)
 *   -q  skip slow cases         -c  only cases that use threads
 *   NAME...  only the cases whose name contains one of these
 * HMAP_TEST_TIME=x scales the stress cases' durations.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "hmap_user.h"
#include "util.h"

/* Every sanitizer report ends the case, with a non-zero status. */
const char *__asan_default_options(void)
{
	return "halt_on_error=1:abort_on_error=1:detect_leaks=1:"
	       "detect_stack_use_after_return=1:strict_string_checks=1:"
	       "handle_abort=1";
}

const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:abort_on_error=1:print_stacktrace=1";
}

const char *__tsan_default_options(void)
{
	return "halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:"
	       "report_signal_unsafe=0";
}

static struct ht_case *ht_cases, **ht_tail = &ht_cases;
static unsigned long ht_failures;
static u64 ht_the_seed;
static double ht_time_scale = 1.0;

void ht_register(struct ht_case *c)
{
	*ht_tail = c;
	ht_tail = &c->next;
}

void ht_fail(const char *file, int line, const char *fmt, ...)
{
	unsigned long n = __atomic_add_fetch(&ht_failures, 1, __ATOMIC_RELAXED);
	char msg[512];
	va_list ap;

	if (n > 20) {
		if (n == 21)
			fprintf(stderr, "    (further failures not shown)\n");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "    %s:%d: %s\n", file, line, msg);
}

void ht_note(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "    # ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

bool ht_failed(void)
{
	return __atomic_load_n(&ht_failures, __ATOMIC_RELAXED) != 0;
}

void ht_abort_case(void)
{
	fflush(NULL);
	_exit(1);
}

double ht_duration(double base)
{
	return base * ht_time_scale;
}

u64 ht_seed(void)
{
	return ht_the_seed;
}

static double ht_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The body of a case, in the child; returns its exit status. */
static int ht_run_case(struct ht_case *c)
{
	long live;

	__atomic_store_n(&ht_failures, 0, __ATOMIC_RELAXED);
	t_setup();
	c->fn();
	t_teardown();
	hmap_user_exit();
	if (hmap_user_warnings())
		ht_fail(__FILE__, __LINE__, "%lu kernel warnings (WARN_ON etc.)",
			hmap_user_warnings());
	live = hmap_user_allocs_live();
	if (live)
		ht_fail(__FILE__, __LINE__,
			"%ld allocations still live after every map was destroyed",
			live);
	return ht_failed() ? 1 : 0;
}

static bool ht_selected(struct ht_case *c, int argc, char **argv, int first)
{
	int i;

	if (first >= argc)
		return true;
	for (i = first; i < argc; i++)
		if (strstr(c->name, argv[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	bool list = false, nofork = false, quick = false, conc = false;
	unsigned int passed = 0, failed = 0;
	const char *env;
	struct ht_case *c;
	struct rlimit rl = { 0, 0 };
	int opt;

	env = getenv("HMAP_TEST_SEED");
	ht_the_seed = env ? strtoull(env, NULL, 0) : (u64)time(NULL);
	env = getenv("HMAP_TEST_TIME");
	if (env)
		ht_time_scale = strtod(env, NULL);
	while ((opt = getopt(argc, argv, "lnqcs:")) != -1) {
		switch (opt) {
		case 'l': list = true; break;
		case 'n': nofork = true; break;
		case 'q': quick = true; break;
		case 'c': conc = true; break;
		case 's': ht_the_seed = strtoull(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-l] [-n] [-q] [-c] [-s SEED] [NAME...]\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	setrlimit(RLIMIT_CORE, &rl);
	printf("# seed %llu (HMAP_TEST_SEED=%llu repeats this run)\n",
	       (unsigned long long)ht_the_seed,
	       (unsigned long long)ht_the_seed);
	for (c = ht_cases; c; c = c->next) {
		double start;
		int status = 0;
		pid_t pid;

		if (!ht_selected(c, argc, argv, optind) ||
		    (quick && (c->flags & HT_SLOW)) ||
		    (conc && !(c->flags & HT_CONCURRENT)))
			continue;
		if (list) {
			printf("%s%s\n", c->name,
			       c->flags & HT_CONCURRENT ? " (threads)" : "");
			continue;
		}
		start = ht_now();
		if (nofork) {
			status = ht_run_case(c) << 8;
		} else {
			fflush(NULL);
			pid = fork();
			if (pid < 0) {
				perror("fork");
				return 2;
			}
			if (!pid) {
				alarm(c->timeout_s ? c->timeout_s : 300);
				exit(ht_run_case(c));
			}
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
		}
		if (WIFEXITED(status) && !WEXITSTATUS(status)) {
			printf("PASS: %s (%.2f s)\n", c->name, ht_now() - start);
			passed++;
		} else {
			char why[64];

			if (WIFSIGNALED(status))
				snprintf(why, sizeof(why), "%s",
					 WTERMSIG(status) == SIGALRM ? "timeout" :
					 strsignal(WTERMSIG(status)));
			else
				snprintf(why, sizeof(why), "exit status %d",
					 WEXITSTATUS(status));
			printf("FAIL: %s (%s, %.2f s)\n", c->name, why,
			       ht_now() - start);
			failed++;
		}
	}
	if (!list)
		printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
