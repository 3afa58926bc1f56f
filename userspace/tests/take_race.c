// SPDX-License-Identifier: GPL-2.0
/*
 * take_race - TAKE must never lose a key, whatever happens to the caller's
 * memory meanwhile. Prints TAP.
 *
 *   take_race MAX_ENTRIES
 *
 * The module must be loaded with max_entries=MAX_ENTRIES and an empty map.
 * The arguments of the ioctls (struct hmap_ioc_elem, the batch header, its
 * operations, the value buffers) live in one page that a thread keeps
 * flipping between read-only and read-write with mprotect(), so that the
 * kernel's writes fault at every possible moment. The test reads and
 * writes that page through a second mapping of the same memory that stays
 * writable. After every call it checks the map with GET:
 *
 *   - a take that reports failure left its key, with its value;
 *   - a take that reports success removed the key and delivered the right
 *     value and value_len;
 *   - in a batch, count says exactly which operations were done: those
 *     before it were (takes: removed and delivered; puts: in the map),
 *     the others were not.
 *
 * Runs: single and batch takes in a half-full map; in a full map that a
 * third thread keeps full (a key put back after a failed copy would find
 * no room); with a thread that keeps updating the values being taken (the
 * take's value changes between its copy and its delete); batch puts; and
 * one batch take that userfaultfd stops at chosen points (paused_take_run()),
 * to meet on purpose a window the random flips meet only by chance.
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
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hmap_lib.h"
#include "tap.h"

#define DEV "/dev/hmap"
#define BATCH 8			/* operations per batch */
#define KEY_SIZE 24
#define VALUE_SIZE 128		/* the buffer a take gets */
#define MAX_TRIES 4000		/* ioctls per run, at most */

/* Where things live in the flipped page. */
#define OFF_ELEM 0
#define OFF_BATCH 64
#define OFF_OPS 128
#define OFF_KEYS 512
#define OFF_VALUES 1024

static int fd;			/* the calls under test */
static int vfd;			/* verification and helper threads */
static long page_size;
static char *flip;		/* the page the kernel sees, flipped */
static char *shadow;		/* the same page, always writable */
static atomic_bool stop_threads;

static void bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

static const char *ename(int err)
{
	const char *n = err ? strerrorname_np(err) : "0";

	return n ? n : "?";
}

/* ---- keys and values ------------------------------------------------- */

static void key_of(char *buf, const char *prefix, int i)
{
	snprintf(buf, KEY_SIZE, "%s%06d", prefix, i);
}

/* Version @ver of the value of key @i; returns its length (20..79). */
static __u32 value_of(char *buf, int i, int ver)
{
	__u32 len = 20 + (__u32)(i * 7 + ver * 13) % 60, n;

	n = (__u32)snprintf(buf, VALUE_SIZE, "value-%06d-v%d-", i, ver);
	while (n < len) {
		buf[n] = (char)('a' + (i + ver + n) % 26);
		n++;
	}
	return len;
}

/* Is @v (@len bytes) a version of key @i's value, 0 or 1? */
static bool valid_value(const char *v, __u32 len, int i)
{
	char want[VALUE_SIZE];
	int ver;

	for (ver = 0; ver < 2; ver++)
		if (value_of(want, i, ver) == len && !memcmp(want, v, len))
			return true;
	return false;
}

/* Is key @i in the map with a valid value? -1: absent, 0: bad, 1: yes. */
static int check_key(const char *prefix, int i)
{
	char key[KEY_SIZE], v[VALUE_SIZE];
	__u32 len = sizeof(v);
	int err;

	key_of(key, prefix, i);
	err = hm_get(vfd, key, (__u32)strlen(key), v, &len);
	if (err == -ENOENT)
		return -1;
	if (err) {
		diag("get %s: %s", key, ename(-err));
		return 0;
	}
	return valid_value(v, len, i);
}

static void put_keys(const char *prefix, int n)
{
	char key[KEY_SIZE], v[VALUE_SIZE];
	__u32 len;
	int i, err;

	for (i = 0; i < n; i++) {
		key_of(key, prefix, i);
		len = value_of(v, i, 0);
		err = hm_put(vfd, key, (__u32)strlen(key), v, len, 0);
		if (err) {
			errno = -err;
			bail("put");
		}
	}
}

/* ---- helper threads ---------------------------------------------------- */

static void spin(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		__asm__ __volatile__("" ::: "memory");
}

static atomic_ulong flips;

/* Flip the page between read-only and read-write at random moments. */
static void *flipper(void *arg)
{
	unsigned int seed = 1;

	(void)arg;
	while (!atomic_load(&stop_threads)) {
		if (mprotect(flip, page_size, PROT_READ))
			bail("mprotect");
		spin(rand_r(&seed) % 3000);
		if (mprotect(flip, page_size, PROT_READ | PROT_WRITE))
			bail("mprotect");
		spin(rand_r(&seed) % 3000);
		atomic_fetch_add(&flips, 1);
	}
	return NULL;
}

/* Keep the map full: put a new key whenever there is room. */
static void *filler(void *arg)
{
	char key[KEY_SIZE];
	int i = 0, err;

	(void)arg;
	while (!atomic_load(&stop_threads)) {
		key_of(key, "fill-", i);
		err = hm_put(vfd, key, (__u32)strlen(key), "x", 1,
			     HMAP_PUT_NOEXIST);
		if (!err)
			i++;
	}
	return NULL;
}

static int update_keys;

/* Keep updating the values of the keys being taken (never re-create one). */
static void *updater(void *arg)
{
	char key[KEY_SIZE], v[VALUE_SIZE];
	int i = 0, ver = 1;
	__u32 len;

	(void)arg;
	while (!atomic_load(&stop_threads)) {
		key_of(key, "take-", i);
		len = value_of(v, i, ver);
		hm_put(vfd, key, (__u32)strlen(key), v, len, HMAP_PUT_EXIST);
		if (++i == update_keys) {
			i = 0;
			ver ^= 1;
		}
	}
	return NULL;
}

static pthread_t threads[2];
static int nthreads;

static void start(void *(*fn)(void *))
{
	if (pthread_create(&threads[nthreads++], NULL, fn, NULL))
		bail("pthread_create");
}

static void stop_all(void)
{
	atomic_store(&stop_threads, true);
	while (nthreads)
		pthread_join(threads[--nthreads], NULL);
	atomic_store(&stop_threads, false);
	if (mprotect(flip, page_size, PROT_READ | PROT_WRITE))
		bail("mprotect");
}

/* ---- the runs -------------------------------------------------------- */

struct tally {
	unsigned long calls;	/* ioctls */
	unsigned long ok;	/* operations reported done */
	unsigned long failed;	/* operations reported not done */
	unsigned long errs[4];	/* EFAULT, EAGAIN, EINTR, other */
	unsigned long lost;	/* keys gone without being delivered */
	unsigned long wrong;	/* "done" but not done, or a wrong value */
};

static void count_err(struct tally *t, int err)
{
	if (err == -EFAULT)
		t->errs[0]++;
	else if (err == -EAGAIN)
		t->errs[1]++;
	else if (err == -EINTR)
		t->errs[2]++;
	else
		t->errs[3]++;
}

static void report(const char *name, const struct tally *t, int remaining)
{
	diag("%s: %lu calls, %lu done, %lu failed (EFAULT %lu, EAGAIN %lu, EINTR %lu, other %lu), %lu flips",
	     name, t->calls, t->ok, t->failed, t->errs[0], t->errs[1],
	     t->errs[2], t->errs[3], atomic_load(&flips));
	tap(t->lost == 0, "%s: no key lost (%lu lost)", name, t->lost);
	tap(t->wrong == 0, "%s: every success delivered the value and removed the key (%lu wrong)",
	    name, t->wrong);
	/*
	 * Whether the flips met a call at all is timing: a run where none
	 * did proves nothing either way, and is reported as a skip.
	 */
	if (t->ok > 0 && t->errs[0] == 0) {
		skip("no flip met a call in this run",
		     "%s: the flipping page made some calls fail and some succeed",
		     name);
	} else {
		tap(t->errs[0] > 0 && t->ok > 0,
		    "%s: the flipping page made some calls fail and some succeed",
		    name);
	}
	tap(remaining == 0, "%s: every key was taken in the end (%d left)",
	    name, remaining);
}

/* Check one take of key @i that reported @done; the value is at @v. */
static void check_take(struct tally *t, int i, bool done, const char *v,
		       __u32 len)
{
	int state = check_key("take-", i);

	if (done) {
		t->ok++;
		if (state != -1) {
			diag("take-%06d: reported taken, still in the map", i);
			t->wrong++;
		}
		if (!valid_value(v, len, i)) {
			diag("take-%06d: reported taken, wrong value (%u bytes)",
			     i, len);
			t->wrong++;
		}
	} else {
		t->failed++;
		if (state == -1) {
			diag("take-%06d: reported not taken, gone from the map",
			     i);
			t->lost++;
		} else if (state == 0) {
			t->wrong++;
		}
	}
}

/* Take keys take-0..n-1 one at a time until all are gone. */
static int run_single(struct tally *t, int n)
{
	struct hmap_ioc_elem *e = (void *)(shadow + OFF_ELEM);
	char *key = shadow + OFF_KEYS, *v = shadow + OFF_VALUES;
	int i = 0, err;

	while (i < n && t->calls < MAX_TRIES) {
		key_of(key, "take-", i);
		memset(v, 0, VALUE_SIZE);
		*e = (struct hmap_ioc_elem) {
			.size = sizeof(*e),
			.key = hm_ptr(flip + OFF_KEYS),
			.key_len = (__u32)strlen(key),
			.value = hm_ptr(flip + OFF_VALUES),
			.value_len = VALUE_SIZE,
		};
		err = ioctl(fd, HMAP_IOC_TAKE, flip + OFF_ELEM) ? -errno : 0;
		t->calls++;
		if (err)
			count_err(t, err);
		if (err == -ENOENT) {
			/* Only a lost key is absent: nobody else takes. */
			diag("take-%06d: ENOENT", i);
			t->lost++;
			i++;
			continue;
		}
		check_take(t, i, !err, v, e->value_len);
		if (!err || check_key("take-", i) == -1)
			i++;
	}
	return n - i;
}

/* Take keys take-0..n-1 in batches of BATCH until all are gone. */
static int run_batch(struct tally *t, int n)
{
	struct hmap_ioc_batch *b = (void *)(shadow + OFF_BATCH);
	struct hmap_ioc_batch_op *ops = (void *)(shadow + OFF_OPS);
	int first = 0, k, cnt, done, err;

	while (first < n && t->calls < MAX_TRIES) {
		cnt = n - first < BATCH ? n - first : BATCH;
		memset(shadow + OFF_VALUES, 0, BATCH * VALUE_SIZE);
		for (k = 0; k < cnt; k++) {
			key_of(shadow + OFF_KEYS + k * KEY_SIZE, "take-",
			       first + k);
			ops[k] = (struct hmap_ioc_batch_op) {
				.op = HMAP_OP_TAKE,
				.key = hm_ptr(flip + OFF_KEYS + k * KEY_SIZE),
				.key_len = (__u32)strlen(shadow + OFF_KEYS +
							 k * KEY_SIZE),
				.value = hm_ptr(flip + OFF_VALUES +
						k * VALUE_SIZE),
				.value_len = VALUE_SIZE,
			};
		}
		*b = (struct hmap_ioc_batch) {
			.size = sizeof(*b),
			.ops = hm_ptr(flip + OFF_OPS),
			.count = (__u32)cnt,
			.op_size = sizeof(*ops),
		};
		err = ioctl(fd, HMAP_IOC_BATCH, flip + OFF_BATCH) ? -errno : 0;
		t->calls++;
		done = (int)b->count;
		if (err) {
			count_err(t, err);
			if (done == cnt)	/* count not written */
				done = 0;
		} else if (done != cnt) {
			diag("batch succeeded with count %d of %d", done, cnt);
			t->wrong++;
		}
		for (k = 0; k < cnt; k++)
			check_take(t, first + k, k < done,
				   shadow + OFF_VALUES + k * VALUE_SIZE,
				   ops[k].value_len);
		/* The failed op's key stays; go on from the first present. */
		while (first < n && check_key("take-", first) == -1)
			first++;
	}
	return n - first;
}

static void take_run(const char *name, int n, bool batch,
		     void *(*helper)(void *))
{
	struct tally t = {};
	int left;

	put_keys("take-", n);
	atomic_store(&flips, 0);
	start(flipper);
	if (helper)
		start(helper);
	left = batch ? run_batch(&t, n) : run_single(&t, n);
	stop_all();
	report(name, &t, left);
	hm_clear(vfd);
}

/*
 * Batches of puts of new keys: those count says were done are in the map,
 * the others are not.
 */
static void put_run(const char *name, int rounds)
{
	struct hmap_ioc_batch *b = (void *)(shadow + OFF_BATCH);
	struct hmap_ioc_batch_op *ops = (void *)(shadow + OFF_OPS);
	char *v = shadow + OFF_VALUES;
	struct tally t = {};
	int r, k, done, err, state, next = 0;

	atomic_store(&flips, 0);
	start(flipper);
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < BATCH; k++) {
			key_of(shadow + OFF_KEYS + k * KEY_SIZE, "bput-",
			       next + k);
			ops[k] = (struct hmap_ioc_batch_op) {
				.op = HMAP_OP_PUT,
				.flags = HMAP_PUT_NOEXIST,
				.key = hm_ptr(flip + OFF_KEYS + k * KEY_SIZE),
				.key_len = (__u32)strlen(shadow + OFF_KEYS +
							 k * KEY_SIZE),
				.value = hm_ptr(flip + OFF_VALUES +
						k * VALUE_SIZE),
				.value_len = value_of(v + k * VALUE_SIZE,
						      next + k, 0),
			};
		}
		*b = (struct hmap_ioc_batch) {
			.size = sizeof(*b),
			.ops = hm_ptr(flip + OFF_OPS),
			.count = BATCH,
			.op_size = sizeof(*ops),
		};
		err = ioctl(fd, HMAP_IOC_BATCH, flip + OFF_BATCH) ? -errno : 0;
		t.calls++;
		done = (int)b->count;
		if (err) {
			count_err(&t, err);
			if (done == BATCH)
				done = 0;
		}
		for (k = 0; k < BATCH; k++) {
			state = check_key("bput-", next + k);
			if (state != -1) {
				key_of(shadow + OFF_KEYS, "bput-", next + k);
				hm_delete(vfd, shadow + OFF_KEYS,
					  (__u32)strlen(shadow + OFF_KEYS));
			}
			if (k < done) {
				t.ok++;
				if (state != 1) {
					diag("bput-%06d: reported put, not in the map",
					     next + k);
					t.wrong++;
				}
			} else {
				t.failed++;
				if (state != -1) {
					diag("bput-%06d: reported not put, in the map",
					     next + k);
					t.wrong++;
				}
			}
		}
		next += BATCH;
	}
	stop_all();
	diag("%s: %lu calls, %lu done, %lu failed (EFAULT %lu, other %lu), %lu flips",
	     name, t.calls, t.ok, t.failed, t.errs[0], t.errs[3],
	     atomic_load(&flips));
	tap(t.wrong == 0, "%s: count says exactly which puts were done (%lu wrong)",
	    name, t.wrong);
	hm_clear(vfd);
}

/* ---- a batch take paused with userfaultfd ----------------------------- */

/*
 * The flips above meet a given window of a call by chance. This run meets
 * one on purpose: userfaultfd stops the kernel at its accesses to two pages,
 * so a helper thread acts at exact points of one batch take of one key. The
 * batch header has a page of its own (hdr), the operation and its key
 * another (op: write-protected), the value buffer a third (val: missing).
 *
 *   0. the take copies the value out and val faults: the helper gives the
 *      key a new value, so the take's compare-and-delete will fail;
 *   1. the take writes the op's value_len and op faults: the helper empties
 *      val again. The take counts the op done, its delete finds the new
 *      value (-EAGAIN), and the take starts over;
 *   2. the retry copies the new value out and val faults: the helper makes
 *      op and hdr read-only;
 *   3. the retry's write of value_len faults, so the take fails with
 *      EFAULT, and must uncount the op in a header now read-only.
 *
 * Whatever the call returns, count must say what was done: 0 with the key
 * still in the map, or 1 with the key gone and its value delivered.
 */
struct pause_ctx {
	int uffd;
	char *hdr, *op, *val;
	int step;		/* of the steps above, reached by the helper */
};

static void uffd_call(int uffd, unsigned long req, void *arg, const char *what)
{
	if (ioctl(uffd, req, arg))
		bail(what);
}

static void uffd_range(struct uffdio_range *r, const void *page)
{
	r->start = (unsigned long)page;
	r->len = (unsigned long)page_size;
}

static void op_write_protect(struct pause_ctx *c, bool on)
{
	struct uffdio_writeprotect wp = {
		.mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	uffd_range(&wp.range, c->op);
	uffd_call(c->uffd, UFFDIO_WRITEPROTECT, &wp, "UFFDIO_WRITEPROTECT");
}

/* Map a zeroed page at val and wake the faulting take. */
static void val_fill(struct pause_ctx *c)
{
	static char zeros[65536];
	struct uffdio_copy copy = {
		.dst = (unsigned long)c->val,
		.src = (unsigned long)zeros,
		.len = (unsigned long)page_size,
	};

	if (page_size > (long)sizeof(zeros))
		bail("page size");
	uffd_call(c->uffd, UFFDIO_COPY, &copy, "UFFDIO_COPY");
}

static void on_val_fault(struct pause_ctx *c)
{
	char key[KEY_SIZE], v[VALUE_SIZE];
	__u32 len;

	if (c->step == 0) {
		key_of(key, "take-", 0);
		len = value_of(v, 0, 1);
		if (hm_put(vfd, key, (__u32)strlen(key), v, len,
			   HMAP_PUT_EXIST))
			bail("put of the new value");
		c->step = 1;
	} else if (c->step == 2) {
		if (mprotect(c->op, page_size, PROT_READ) ||
		    mprotect(c->hdr, page_size, PROT_READ))
			bail("mprotect");
		c->step = 3;
	}
	val_fill(c);
}

static void on_op_fault(struct pause_ctx *c)
{
	if (c->step == 1) {
		if (madvise(c->val, page_size, MADV_DONTNEED))
			bail("madvise");
		c->step = 2;
	}
	op_write_protect(c, false);
}

/* Serve the take's faults until the run ends. */
static void *pauser(void *arg)
{
	struct pause_ctx *c = arg;
	struct pollfd pfd = { .fd = c->uffd, .events = POLLIN };
	struct uffd_msg msg;
	char *page;

	while (!atomic_load(&stop_threads)) {
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		if (read(c->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		page = (char *)(unsigned long)(msg.arg.pagefault.address &
					       ~(__u64)(page_size - 1));
		if (page == c->val)
			on_val_fault(c);
		else if (page == c->op)
			on_op_fault(c);
	}
	return NULL;
}

static char *map_page(void)
{
	char *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bail("mmap");
	return p;
}

static void pause_setup(struct pause_ctx *c)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };

	c->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (c->uffd < 0)
		bail("userfaultfd");
	uffd_call(c->uffd, UFFDIO_API, &api, "UFFDIO_API");
	uffd_range(&reg.range, c->op);
	uffd_call(c->uffd, UFFDIO_REGISTER, &reg, "UFFDIO_REGISTER op");
	op_write_protect(c, true);
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	uffd_range(&reg.range, c->val);
	uffd_call(c->uffd, UFFDIO_REGISTER, &reg, "UFFDIO_REGISTER val");
}

static void paused_take_run(void)
{
	const char *name = "batch take paused by userfaultfd";
	struct pause_ctx c = { .hdr = map_page(), .op = map_page(),
			       .val = map_page() };
	struct hmap_ioc_batch *b = (void *)c.hdr;
	struct hmap_ioc_batch_op *op = (void *)c.op;
	char *key = c.op + 512;
	__u32 count;
	int state, err;

	put_keys("take-", 1);
	key_of(key, "take-", 0);
	*op = (struct hmap_ioc_batch_op) {
		.op = HMAP_OP_TAKE,
		.key = hm_ptr(key),
		.key_len = (__u32)strlen(key),
		.value = hm_ptr(c.val),
		.value_len = VALUE_SIZE,
	};
	*b = (struct hmap_ioc_batch) {
		.size = sizeof(*b),
		.ops = hm_ptr(op),
		.count = 1,
		.op_size = sizeof(*op),
	};
	pause_setup(&c);	/* val, never touched yet, is missing */
	if (pthread_create(&threads[nthreads++], NULL, pauser, &c))
		bail("pthread_create");

	err = ioctl(fd, HMAP_IOC_BATCH, b) ? -errno : 0;
	count = b->count;

	atomic_store(&stop_threads, true);
	pthread_join(threads[--nthreads], NULL);
	atomic_store(&stop_threads, false);
	close(c.uffd);
	state = check_key("take-", 0);
	diag("%s: %s, count %u, key %s, helper reached step %d of 3", name,
	     ename(-err), count, state == -1 ? "gone" : "in the map", c.step);
	tap(c.step == 3,
	    "%s: the take retried after its value changed, then faulted",
	    name);
	tap((count == 0 && state == 1) ||
	    (count == 1 && !err && state == -1 &&
	     valid_value(c.val, op->value_len, 0)),
	    "%s: count says exactly what was done", name);
	munmap(c.hdr, page_size);
	munmap(c.op, page_size);
	munmap(c.val, page_size);
	hm_clear(vfd);
}

int main(int argc, char **argv)
{
	int mfd, max, half;

	if (argc != 2 || atoi(argv[1]) < 2 * BATCH) {
		fprintf(stderr, "usage: take_race MAX_ENTRIES (>= %d)\n",
			2 * BATCH);
		return 2;
	}
	max = atoi(argv[1]);
	half = max / 2;
	page_size = sysconf(_SC_PAGESIZE);
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	vfd = open(DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0 || vfd < 0)
		bail("open " DEV);
	mfd = memfd_create("take_race", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, page_size))
		bail("memfd");
	flip = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd,
		    0);
	shadow = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      mfd, 0);
	if (flip == MAP_FAILED || shadow == MAP_FAILED)
		bail("mmap");
	hm_clear(vfd);

	take_run("single take, half-full map", half, false, NULL);
	take_run("batch take, half-full map", half, true, NULL);
	take_run("single take, full map kept full", max, false, filler);
	take_run("batch take, full map kept full", max, true, filler);
	update_keys = half;
	take_run("single take, values updated meanwhile", half, false,
		 updater);
	take_run("batch take, values updated meanwhile", half, true, updater);
	put_run("batch put", 60);
	paused_take_run();

	return tap_finish();
}
