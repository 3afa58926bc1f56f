// SPDX-License-Identifier: GPL-2.0
/*
 * The runner of the user-space KUnit (include/kunit/test.h): the suites
 * in ../kunit/, each case and each parameter in a child process of
 * its own, so a sanitizer report, a WARN, a leak or a timeout fails that
 * case and the run goes on.
 *
 *   ./hmap_kunit [-l] [-n] [-q] [-t SECONDS] [-x NAME]... [SUITE.CASE...]
 *     -l list  -n no fork  -q skip slow cases  -t timeout per case
 *     -x NAME  skip the cases whose "suite.case" contains NAME
 *     SUITE.CASE...  only the cases whose "suite.case" contains one of these
 *   HMAP_KUNIT_PARAM_<name>=value sets a module parameter.
 *
 * Prints "PASS: suite.case[ param]" or "FAIL: ...", then "N passed,
 * N failed".
 */
#include <kunit/test.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hmap_user.h"

void hmap_user_stub_clear_test(struct kunit *test);

const char *__asan_default_options(void)
{
	return "halt_on_error=1:abort_on_error=1:detect_leaks=1:handle_abort=1";
}

const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:abort_on_error=1:print_stacktrace=1";
}

const char *__tsan_default_options(void)
{
	return "halt_on_error=1:abort_on_error=1:second_deadlock_stack=1";
}

#define MAX_SUITE_ARRAYS	64
static struct kunit_suite **suite_arrays[MAX_SUITE_ARRAYS];
static unsigned int nsuite_arrays;

void hmap_kunit_register(struct kunit_suite **suites)
{
	if (nsuite_arrays < MAX_SUITE_ARRAYS)
		suite_arrays[nsuite_arrays++] = suites;
}

struct kunit_action_entry {
	kunit_action_t *action;
	void *ctx;
	struct kunit_action_entry *next;
};

static pthread_mutex_t kunit_lock = PTHREAD_MUTEX_INITIALIZER;

int kunit_add_action(struct kunit *test, kunit_action_t *action, void *ctx)
{
	struct kunit_action_entry *a = malloc(sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->action = action;
	a->ctx = ctx;
	pthread_mutex_lock(&kunit_lock);
	a->next = test->actions;
	test->actions = a;
	pthread_mutex_unlock(&kunit_lock);
	return 0;
}

int kunit_add_action_or_reset(struct kunit *test, kunit_action_t *action,
			      void *ctx)
{
	int ret = kunit_add_action(test, action, ctx);

	if (ret)
		action(ctx);
	return ret;
}

static struct kunit_action_entry *kunit_take_action(struct kunit *test,
						    kunit_action_t *action,
						    void *ctx)
{
	struct kunit_action_entry **pp, *a;

	pthread_mutex_lock(&kunit_lock);
	for (pp = &test->actions; (a = *pp); pp = &a->next) {
		if (a->action == action && a->ctx == ctx) {
			*pp = a->next;
			break;
		}
	}
	pthread_mutex_unlock(&kunit_lock);
	return a;
}

void kunit_remove_action(struct kunit *test, kunit_action_t *action, void *ctx)
{
	free(kunit_take_action(test, action, ctx));
}

void kunit_release_action(struct kunit *test, kunit_action_t *action, void *ctx)
{
	struct kunit_action_entry *a = kunit_take_action(test, action, ctx);

	if (a) {
		a->action(a->ctx);
		free(a);
	}
}

static void kunit_free_action(void *p)
{
	free(p);
}

void *kunit_kmalloc_array(struct kunit *test, size_t n, size_t size, gfp_t gfp)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = gfp & __GFP_ZERO ? calloc(n ? n : 1, size ? size : 1) :
			       malloc(n * size ? n * size : 1);
	if (p && kunit_add_action_or_reset(test, kunit_free_action, p))
		return NULL;
	return p;
}

void kunit_info(struct kunit *test, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "    # %s: ", test->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

static unsigned long kunit_messages;

void __kunit_fail(struct kunit *test, bool fatal, const char *file, int line,
		  const char *what, const char *fmt, ...)
{
	va_list ap;

	WRITE_ONCE(test->status, KUNIT_FAILURE);
	if (__atomic_add_fetch(&kunit_messages, 1, __ATOMIC_RELAXED) <= 20) {
		fprintf(stderr, "    # %s: %s:%d: %s\n", test->name, file, line,
			what);
		if (fmt) {
			fprintf(stderr, "        ");
			va_start(ap, fmt);
			vfprintf(stderr, fmt, ap);
			va_end(ap);
			fprintf(stderr, "\n");
		}
	}
	if (fatal) {
		fflush(NULL);
		_exit(1);
	}
}

void kunit_skip_case(struct kunit *test, const char *why)
{
	fprintf(stderr, "    # %s: skipped: %s\n", test->name, why);
	fflush(NULL);
	_exit(77);
}

static int kunit_run_one(struct kunit_suite *suite, struct kunit_case *c,
			 const void *param, const char *desc, char *name)
{
	struct kunit test = { .name = name, .param_value = param };
	struct kunit_action_entry *a;
	long live;

	snprintf(test.param_desc, sizeof(test.param_desc), "%s", desc);
	current->kunit_test = &test;
	if (suite->init && suite->init(&test))
		kunit_set_failure(&test);
	else
		c->run_case(&test);
	if (suite->exit)
		suite->exit(&test);
	while ((a = test.actions)) {
		test.actions = a->next;
		a->action(a->ctx);
		free(a);
	}
	hmap_user_stub_clear_test(&test);
	current->kunit_test = NULL;
	hmap_user_exit();
	if (hmap_user_warnings()) {
		fprintf(stderr, "    # %s: %lu kernel warnings\n", name,
			hmap_user_warnings());
		kunit_set_failure(&test);
	}
	live = hmap_user_allocs_live();
	if (live) {
		fprintf(stderr, "    # %s: %ld allocations leaked\n", name, live);
		kunit_set_failure(&test);
	}
	return test.status == KUNIT_FAILURE;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define MAX_EXCLUDES	16
static const char *excludes[MAX_EXCLUDES];
static unsigned int nexcludes;

static bool selected(const char *name, int argc, char **argv, int first)
{
	unsigned int j;
	int i;

	for (j = 0; j < nexcludes; j++)
		if (strstr(name, excludes[j]))
			return false;
	if (first >= argc)
		return true;
	for (i = first; i < argc; i++)
		if (strstr(name, argv[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	bool list = false, nofork = false, quick = false;
	unsigned int passed = 0, failed = 0, skipped = 0, timeout = 600, i;
	struct rlimit rl = { 0, 0 };
	int opt;

	while ((opt = getopt(argc, argv, "lnqt:x:")) != -1) {
		switch (opt) {
		case 'l': list = true; break;
		case 'n': nofork = true; break;
		case 'q': quick = true; break;
		case 't': timeout = atoi(optarg); break;
		case 'x':
			if (nexcludes < MAX_EXCLUDES)
				excludes[nexcludes++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-l] [-n] [-q] [-t SECONDS] [-x NAME]... [SUITE.CASE...]\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	setrlimit(RLIMIT_CORE, &rl);
	for (i = 0; i < nsuite_arrays; i++) {
		struct kunit_suite **sp;

		for (sp = suite_arrays[i]; *sp; sp++) {
			struct kunit_suite *suite = *sp;
			struct kunit_case *c;

			for (c = suite->test_cases; c->run_case; c++) {
				const void *param = NULL;
				char desc[KUNIT_PARAM_DESC_SIZE];
				int index = 0;

				if (quick && (c->attr.speed == KUNIT_SPEED_SLOW ||
					      c->attr.speed == KUNIT_SPEED_VERY_SLOW))
					continue;
				for (;;) {
					char name[512];
					double start = now();
					int status = 0;
					pid_t pid;

					desc[0] = 0;
					if (c->generate_params) {
						param = c->generate_params(param, desc);
						if (!param)
							break;
						if (!desc[0])
							snprintf(desc, sizeof(desc), "%d", index);
						snprintf(name, sizeof(name), "%s.%s[%s]",
							 suite->name, c->name, desc);
					} else {
						snprintf(name, sizeof(name), "%s.%s",
							 suite->name, c->name);
					}
					index++;
					if (!selected(name, argc, argv, optind))
						goto next;
					if (list) {
						printf("%s\n", name);
						goto next;
					}
					if (nofork) {
						status = kunit_run_one(suite, c, param, desc, name) << 8;
					} else {
						fflush(NULL);
						pid = fork();
						if (pid < 0) {
							perror("fork");
							return 2;
						}
						if (!pid) {
							alarm(timeout);
							exit(kunit_run_one(suite, c, param, desc, name));
						}
						while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
							;
					}
					if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
						printf("SKIP: %s\n", name);
						skipped++;
					} else if (WIFEXITED(status) && !WEXITSTATUS(status)) {
						printf("PASS: %s (%.2f s)\n", name, now() - start);
						passed++;
					} else {
						char why[64];

						if (WIFSIGNALED(status))
							snprintf(why, sizeof(why), "%s",
								 WTERMSIG(status) == SIGALRM ?
								 "timeout" : strsignal(WTERMSIG(status)));
						else
							snprintf(why, sizeof(why), "exit status %d",
								 WEXITSTATUS(status));
						printf("FAIL: %s (%s, %.2f s)\n", name, why,
						       now() - start);
						failed++;
					}
next:
					if (!c->generate_params)
						break;
				}
			}
		}
	}
	if (skipped && !list)
		printf("# %u skipped\n", skipped);
	if (!list)
		printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
