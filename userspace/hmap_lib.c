// SPDX-License-Identifier: GPL-2.0
/*
 * Thin wrappers around the /dev/hmap ioctls. See hmap_lib.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hmap_lib.h"

static int hm_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int hm_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int hm_open_at(int dirfd, const char *name, int flags)
{
	int fd = openat(dirfd, name, flags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static void hm_elem(struct hmap_ioc_elem *e, const void *key,
		    __u32 key_len, const void *value, __u32 value_len,
		    __u32 flags)
{
	memset(e, 0, sizeof(*e));
	e->size = sizeof(*e);
	e->flags = flags;
	e->key = hm_ptr(key);
	e->key_len = key_len;
	e->value = hm_ptr(value);
	e->value_len = value_len;
}

int hm_put(int fd, const void *key, __u32 key_len, const void *value,
	   __u32 value_len, __u32 flags)
{
	struct hmap_ioc_elem e;

	hm_elem(&e, key, key_len, value, value_len, flags);
	return hm_ioctl(fd, HMAP_IOC_PUT, &e);
}

static int hm_get_cmd(int fd, unsigned long cmd, const void *key,
		      __u32 key_len, void *buf, __u32 *value_len)
{
	struct hmap_ioc_elem e;
	int err;

	hm_elem(&e, key, key_len, buf, *value_len, 0);
	err = hm_ioctl(fd, cmd, &e);
	if (!err || err == -ENOSPC)
		*value_len = e.value_len;
	return err;
}

int hm_get(int fd, const void *key, __u32 key_len, void *buf,
	   __u32 *value_len)
{
	return hm_get_cmd(fd, HMAP_IOC_GET, key, key_len, buf, value_len);
}

int hm_take(int fd, const void *key, __u32 key_len, void *buf,
	    __u32 *value_len)
{
	return hm_get_cmd(fd, HMAP_IOC_TAKE, key, key_len, buf, value_len);
}

int hm_get_alloc(int fd, const void *key, __u32 key_len, bool take,
		 void **value, __u32 *value_len)
{
	unsigned long cmd = take ? HMAP_IOC_TAKE : HMAP_IOC_GET;
	__u32 size = 256, len;
	void *buf = NULL;
	int err;

	for (;;) {
		void *nbuf = realloc(buf, size ? size : 1);

		if (!nbuf) {
			free(buf);
			return -ENOMEM;
		}
		buf = nbuf;
		len = size;
		err = hm_get_cmd(fd, cmd, key, key_len, buf, &len);
		/* ENOSPC: the value grew between two calls; try again. */
		if (err != -ENOSPC)
			break;
		size = len;
	}
	if (err) {
		free(buf);
		return err;
	}
	*value = buf;
	*value_len = len;
	return 0;
}

int hm_delete(int fd, const void *key, __u32 key_len)
{
	struct hmap_ioc_elem e;

	hm_elem(&e, key, key_len, NULL, 0, 0);
	return hm_ioctl(fd, HMAP_IOC_DELETE, &e);
}

int hm_stats(int fd, struct hmap_ioc_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	stats->size = sizeof(*stats);
	return hm_ioctl(fd, HMAP_IOC_STATS, stats);
}

int hm_clear(int fd)
{
	struct hmap_ioc_clear c = { .size = sizeof(c) };

	return hm_ioctl(fd, HMAP_IOC_CLEAR, &c);
}

int hm_batch(int fd, struct hmap_ioc_batch_op *ops, __u32 count,
	     __u32 *done)
{
	struct hmap_ioc_batch b = {
		.size = sizeof(b),
		.ops = hm_ptr(ops),
		.count = count,
		.op_size = sizeof(*ops),
	};
	int err;

	err = hm_ioctl(fd, HMAP_IOC_BATCH, &b);
	*done = b.count;
	if (err && b.count == count)	/* failed before the first op */
		*done = 0;
	return err;
}

int hm_batch_all(int fd, struct hmap_ioc_batch_op *ops, __u32 count,
		 __u32 *done)
{
	__u32 total = 0, n;
	int err;

	do {
		err = hm_batch(fd, ops + total, count - total, &n);
		total += n;
	} while (err == -EINTR && total < count);
	*done = total;
	return err;
}

int hm_dump_init(struct hm_dump *d, int fd, size_t buf_size)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->cmd = HMAP_IOC_DUMP;
	d->size = buf_size;
	d->buf = malloc(buf_size);
	return d->buf ? 0 : -ENOMEM;
}

/* Fetch the next bufferful of records. */
static int hm_dump_fill(struct hm_dump *d)
{
	struct hmap_ioc_dump a;
	int err;

	for (;;) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.cursor = d->cursor;
		a.buf = hm_ptr(d->buf);
		a.buf_size = d->size;
		err = hm_ioctl(d->fd, d->cmd, &a);
		d->calls++;
		if (err == -EINTR)
			continue;
		if (err != -ENOSPC)
			break;
		free(d->buf);
		d->size = a.buf_used;
		d->buf = malloc(d->size);
		if (!d->buf)
			return -ENOMEM;
	}
	if (err)
		return err;
	d->cursor = a.cursor;
	d->done = a.done;
	d->used = a.buf_used;
	d->off = 0;
	return 0;
}

int hm_dump_next(struct hm_dump *d, const void **key, __u32 *key_len,
		 const void **value, __u32 *value_len)
{
	struct hmap_ioc_rec rec;
	int err;

	while (d->off >= d->used) {
		if (d->done)
			return 0;
		err = hm_dump_fill(d);
		if (err)
			return err;
	}
	memcpy(&rec, d->buf + d->off, sizeof(rec));
	*key = d->buf + d->off + sizeof(rec);
	*key_len = rec.key_len;
	*value = d->buf + d->off + sizeof(rec) + rec.key_len;
	*value_len = rec.value_len;
	d->off += HMAP_REC_SIZE(rec.key_len, rec.value_len);
	return 1;
}

int hm_drain_init(struct hm_dump *d, int fd, size_t buf_size)
{
	int err = hm_dump_init(d, fd, buf_size);

	d->cmd = HMAP_IOC_DRAIN;
	return err;
}

int hm_create(int dirfd, const char *name, const struct hmap_ioc_create *p)
{
	struct hmap_ioc_create c = *p;

	c.size = sizeof(c);
	memset(c.name, 0, sizeof(c.name));
	if (strlen(name) >= sizeof(c.name))
		return -EINVAL;
	memcpy(c.name, name, strlen(name));
	return hm_ioctl(dirfd, HMAP_IOC_CREATE, &c);
}

int hm_freeze(int fd)
{
	struct hmap_ioc_freeze f = { .size = sizeof(f) };

	return hm_ioctl(fd, HMAP_IOC_FREEZE, &f);
}

void hm_dump_free(struct hm_dump *d)
{
	free(d->buf);
	d->buf = NULL;
}

const char *hm_resize_name(__u32 resize)
{
#define RESIZING_NAME(value, name) { value, name },
	static const struct {
		__u32 value;
		const char *name;
	} kinds[] = {
		HMAP_RESIZING_KINDS(RESIZING_NAME, RESIZING_NAME)
	};
#undef RESIZING_NAME
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].value == resize)
			return kinds[i].name;
	return "unknown";
}
