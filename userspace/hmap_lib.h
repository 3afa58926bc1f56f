/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thin wrappers around the /dev/hmap ioctls, shared by hmapctl and the
 * integration tests. Every function returns 0 or a negative errno.
 */
#ifndef HMAP_LIB_H
#define HMAP_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/hmap.h>

/* The kernel's __printf() (compiler_attributes.h), for user space. */
#ifndef __printf
#define __printf(a, b) __attribute__((\
	format(printf, a, b)))
#endif

#define HM_DEFAULT_DEVICE "/dev/hmap"
/* Where the hmap filesystem is mounted, unless $HMAP_FS says otherwise. */
#define HM_DEFAULT_FS "/sys/fs/hmap"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline __u64 hm_ptr(const void *p)
{
	return (__u64)(uintptr_t)p;
}

int hm_open(const char *path, int flags);
/* Open the named map @name of the hmap filesystem directory @dirfd. */
int hm_open_at(int dirfd, const char *name, int flags);
int hm_put(int fd, const void *key, __u32 key_len, const void *value,
	   __u32 value_len, __u32 flags);
int hm_get(int fd, const void *key, __u32 key_len, void *buf,
	   __u32 *value_len);
int hm_take(int fd, const void *key, __u32 key_len, void *buf,
	    __u32 *value_len);
/* Get or take into a malloc()ed buffer of the right size (freed by caller). */
int hm_get_alloc(int fd, const void *key, __u32 key_len, bool take,
		 void **value, __u32 *value_len);
int hm_delete(int fd, const void *key, __u32 key_len);
int hm_stats(int fd, struct hmap_ioc_stats *stats);
int hm_clear(int fd);
/* Runs ops[0..count); *done gets the number done, also on error. */
int hm_batch(int fd, struct hmap_ioc_batch_op *ops, __u32 count,
	     __u32 *done);
/* Like hm_batch(), but resumes after EINTR. */
int hm_batch_all(int fd, struct hmap_ioc_batch_op *ops, __u32 count,
		 __u32 *done);

/* Iterates over a whole dump, growing its buffer when a record needs it. */
struct hm_dump {
	int fd;
	unsigned long cmd;	/* HMAP_IOC_DUMP, or HMAP_IOC_DRAIN */
	__u64 cursor;
	bool done;
	char *buf;
	size_t size;
	size_t used;
	size_t off;
	__u64 calls;
};

int hm_dump_init(struct hm_dump *d, int fd, size_t buf_size);
/* 1 and a record, 0 at the end, or a negative errno. */
int hm_dump_next(struct hm_dump *d, const void **key, __u32 *key_len,
		 const void **value, __u32 *value_len);
void hm_dump_free(struct hm_dump *d);
/* Like hm_dump_init(), but every record returned is removed (a drain). */
int hm_drain_init(struct hm_dump *d, int fd, size_t buf_size);

/*
 * Create map @name in the hmap filesystem directory @dirfd; @p's size and
 * name are filled in.
 */
int hm_create(int dirfd, const char *name, const struct hmap_ioc_create *p);
int hm_freeze(int fd);

const char *hm_resize_name(__u32 resize);

#endif /* HMAP_LIB_H */
