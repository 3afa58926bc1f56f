// SPDX-License-Identifier: GPL-2.0
/*
 * The redirect table behind KUNIT_STATIC_STUB_REDIRECT(). An entry maps a
 * real function to its replacement, for every thread (owner NULL:
 * hmap_user_stub_set()) or only for threads running the KUnit test that
 * owns it (kunit_activate_static_stub() in the shim), as in the kernel.
 */
#include <kunit/static_stub.h>
#include <linux/bug.h>
#include <linux/sched.h>
#include <pthread.h>

#include "hmap_user.h"

#define HMAP_USER_MAX_STUBS	16

struct hmap_user_stub {
	const void *real;
	void *replacement;
	const void *owner;
};

static struct hmap_user_stub hmap_user_stubs[HMAP_USER_MAX_STUBS];
static pthread_mutex_t hmap_user_stub_lock = PTHREAD_MUTEX_INITIALIZER;
int hmap_user_stubs_active;


void *hmap_user_stub_find(const void *real_fn)
{
	int i;

	for (i = 0; i < HMAP_USER_MAX_STUBS; i++) {
		struct hmap_user_stub *s = &hmap_user_stubs[i];
		const void *owner;

		if (__atomic_load_n(&s->real, __ATOMIC_ACQUIRE) != real_fn)
			continue;
		owner = __atomic_load_n(&s->owner, __ATOMIC_RELAXED);
		if (!owner || owner == current->kunit_test)
			return __atomic_load_n(&s->replacement,
					       __ATOMIC_RELAXED);
	}
	return NULL;
}

static void hmap_user_stub_recount(void)
{
	int i, n = 0;

	for (i = 0; i < HMAP_USER_MAX_STUBS; i++)
		n += hmap_user_stubs[i].real != NULL;
	__atomic_store_n(&hmap_user_stubs_active, n, __ATOMIC_RELAXED);
}

static void hmap_user_stub_put(const void *real_fn, void *replacement,
			       const void *owner)
{
	struct hmap_user_stub *free = NULL;
	int i;

	pthread_mutex_lock(&hmap_user_stub_lock);
	for (i = 0; i < HMAP_USER_MAX_STUBS; i++) {
		struct hmap_user_stub *s = &hmap_user_stubs[i];

		if (s->real == real_fn && s->owner == owner) {
			__atomic_store_n(&s->real, NULL, __ATOMIC_RELEASE);
			if (!free)
				free = s;
		} else if (!s->real && !free) {
			free = s;
		}
	}
	if (replacement) {
		if (WARN_ON(!free))
			abort();
		__atomic_store_n(&free->replacement, replacement,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&free->owner, owner, __ATOMIC_RELAXED);
		__atomic_store_n(&free->real, real_fn, __ATOMIC_RELEASE);
	}
	hmap_user_stub_recount();
	pthread_mutex_unlock(&hmap_user_stub_lock);
}

void hmap_user_stub_set(const void *real_fn, void *replacement)
{
	hmap_user_stub_put(real_fn, replacement, NULL);
}

void hmap_user_stub_clear(const void *real_fn)
{
	hmap_user_stub_put(real_fn, NULL, NULL);
}

/* Every entry, global or a test's. */
static void hmap_user_stub_clear_owned(const void *owner, bool all)
{
	int i;

	pthread_mutex_lock(&hmap_user_stub_lock);
	for (i = 0; i < HMAP_USER_MAX_STUBS; i++)
		if (all || hmap_user_stubs[i].owner == owner)
			__atomic_store_n(&hmap_user_stubs[i].real, NULL,
					 __ATOMIC_RELEASE);
	hmap_user_stub_recount();
	pthread_mutex_unlock(&hmap_user_stub_lock);
}

void hmap_user_stub_clear_all(void)
{
	hmap_user_stub_clear_owned(NULL, true);
}

void __kunit_activate_static_stub(struct kunit *test, void *real_fn_addr,
				  void *replacement_addr)
{
	hmap_user_stub_put(real_fn_addr, replacement_addr, test);
}

void kunit_deactivate_static_stub(struct kunit *test, void *real_fn_addr)
{
	hmap_user_stub_put(real_fn_addr, NULL, test);
}

/* For the KUnit shim, at the end of a test. */
void hmap_user_stub_clear_test(struct kunit *test)
{
	hmap_user_stub_clear_owned(test, false);
}
