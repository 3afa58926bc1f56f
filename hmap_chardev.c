// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hmap: serves one hmap to user space through ioctls.
 *
 * This file knows about files, users and ioctls and nothing about buckets:
 * it checks what user space passes, copies it into kernel memory, calls the
 * in-kernel API of include/hmap.h and copies the results back. The ABI is
 * documented in include/uapi/linux/hmap.h.
 *
 * The map is created when the module loads, from the module parameters, and
 * destroyed when it unloads; an open file holds a reference on the module,
 * so no ioctl can run once hmap_exit() has started.
 *
 * A user copy may fault and sleep, so none is made while the core holds a
 * lock or an RCU read-side section: keys and values are copied into kernel
 * buffers first, and results are copied out after the core call returns.
 */
#include <linux/compiler.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "hmap.h"
#include "uapi/linux/hmap.h"

/*
 * The defaults suit a small (1 GiB) machine: a full map of small entries
 * takes a few hundred MiB. Every allocation is charged to the caller's
 * memory cgroup, which is the real bound on memory.
 */
static unsigned int max_entries = 1U << 20;
module_param(max_entries, uint, 0444);
MODULE_PARM_DESC(max_entries,
		 "most keys the map may hold, 1..268435456 (default 1048576)");

static unsigned int max_key_size = 256;
module_param(max_key_size, uint, 0444);
MODULE_PARM_DESC(max_key_size,
		 "longest key in bytes, 1..4096 (default 256)");

static unsigned int max_value_size = 4096;
module_param(max_value_size, uint, 0444);
MODULE_PARM_DESC(max_value_size,
		 "longest value in bytes, 0..1048576 (default 4096)");

static unsigned int size_hint;
module_param(size_hint, uint, 0444);
MODULE_PARM_DESC(size_hint,
		 "keys expected: the map starts big enough for them and never shrinks below (default 0)");

/* The one map /dev/hmap serves, and the parameters it was created with. */
static struct hmap *hmap_map;
static struct hmap_params hmap_params;

/*
 * A dump fills user buffers through a kernel bounce buffer of at most this
 * many bytes (or one record of the largest size, if that is bigger), so the
 * core never holds its lock across a user copy.
 */
#define HMAP_DUMP_CHUNK		SZ_1M
static size_t hmap_dump_chunk;

/* The UAPI mirrors these core definitions; the values pass through as-is. */
static_assert(HMAP_PUT_ANY == HMAP_ANY);
static_assert(HMAP_PUT_NOEXIST == HMAP_NOEXIST);
static_assert(HMAP_PUT_EXIST == HMAP_EXIST);
static_assert(HMAP_RESIZING_NONE == HMAP_RESIZE_NONE);
static_assert(HMAP_RESIZING_GROW == HMAP_RESIZE_GROW);
static_assert(HMAP_RESIZING_SAME_SIZE == HMAP_RESIZE_SAME_SIZE);
static_assert(HMAP_RESIZING_SHRINK == HMAP_RESIZE_SHRINK);
static_assert(sizeof(struct hmap_ioc_rec) == sizeof(struct hmap_dump_rec));
static_assert(offsetof(struct hmap_ioc_rec, value_len) ==
	      offsetof(struct hmap_dump_rec, value_len));
static_assert(HMAP_REC_ALIGN == HMAP_DUMP_ALIGN);

/**
 * struct hmap_req - one put, get, delete or take, from a command or a batch
 * @flags: the command's flags.
 * @key_len: bytes at @key.
 * @value_len: put: bytes at @value; get, take: in, the size of the buffer
 *	at @value; out, the length of the value.
 * @key: user pointer to the key.
 * @value: user pointer to the value or to the buffer for it.
 */
struct hmap_req {
	u32 flags;
	u32 key_len;
	u32 value_len;
	void __user *key;
	void __user *value;
};

/**
 * struct hmap_scratch - kernel copies of a request's key and value
 * @key: max_key_size bytes, allocated on first use.
 * @value: @value_size bytes, reallocated when a request needs more.
 * @value_size: bytes at @value.
 *
 * A batch reuses one scratch for all its operations, so that an operation
 * costs no allocation of its own.
 */
struct hmap_scratch {
	void *key;
	void *value;
	u32 value_size;
};

/* A get first tries a buffer this big, not one the size of the caller's. */
#define HMAP_SMALL_VALUE	256U

static void hmap_scratch_free(struct hmap_scratch *s)
{
	kfree(s->key);
	kvfree(s->value);
}

/* Check the key of @req and copy it into @s->key. */
static int hmap_scratch_key(struct hmap_scratch *s, const struct hmap_req *req)
{
	if (!req->key_len)
		return -EINVAL;
	if (req->key_len > hmap_params.max_key_size)
		return -EMSGSIZE;
	if (!s->key) {
		s->key = kmalloc(hmap_params.max_key_size, GFP_KERNEL);
		if (!s->key)
			return -ENOMEM;
	}
	if (copy_from_user(s->key, req->key, req->key_len))
		return -EFAULT;
	return 0;
}

/* Make @s->value at least @size bytes long. */
static int hmap_scratch_value(struct hmap_scratch *s, u32 size)
{
	if (size <= s->value_size)
		return 0;
	kvfree(s->value);
	s->value_size = 0;
	s->value = kvmalloc(size, GFP_KERNEL);
	if (!s->value)
		return -ENOMEM;
	s->value_size = size;
	return 0;
}

static int hmap_do_put(struct hmap_scratch *s, const struct hmap_req *req)
{
	int err;

	if (req->flags > HMAP_PUT_EXIST)
		return -EINVAL;
	err = hmap_scratch_key(s, req);
	if (err)
		return err;
	if (req->value_len > hmap_params.max_value_size)
		return -EMSGSIZE;
	err = hmap_scratch_value(s, req->value_len);
	if (err)
		return err;
	if (copy_from_user(s->value, req->value, req->value_len))
		return -EFAULT;
	return hmap_insert(hmap_map, s->key, req->key_len, s->value,
			   req->value_len, req->flags);
}

static int hmap_do_delete(struct hmap_scratch *s, const struct hmap_req *req)
{
	int err;

	if (req->flags)
		return -EINVAL;
	err = hmap_scratch_key(s, req);
	if (err)
		return err;
	return hmap_delete(hmap_map, s->key, req->key_len);
}

/*
 * Look up (or take) the value of @s->key into @s->value: first into a
 * small buffer, then, if the value is longer and fits the caller's buffer,
 * into one that size. *@len gets the value's length.
 */
static int hmap_get_value(struct hmap_scratch *s, const struct hmap_req *req,
			  bool take, u32 *len)
{
	u32 cap = min(req->value_len, hmap_params.max_value_size);
	u32 size = min(cap, max(s->value_size, HMAP_SMALL_VALUE));
	int err;

	for (;;) {
		err = hmap_scratch_value(s, size);
		if (err)
			return err;
		*len = size;
		if (take)
			err = hmap_lookup_and_delete(hmap_map, s->key,
						     req->key_len, s->value,
						     len);
		else
			err = hmap_lookup(hmap_map, s->key, req->key_len,
					  s->value, len);
		if (err != -ENOSPC || *len > cap || size == cap)
			return err;
		size = cap;
	}
}

/*
 * Get (or, with @take, lookup-and-delete) a value into the caller's buffer;
 * @req->value_len gets its length. Once a taken key is gone a failed copy
 * would lose it, so the caller's buffer is faulted in (without writing to
 * it) first, and if the copy fails all the same (another thread unmapped
 * the buffer meanwhile), the entry is put back.
 */
static int hmap_do_get(struct hmap_scratch *s, struct hmap_req *req,
		       bool take)
{
	u32 cap = min(req->value_len, hmap_params.max_value_size);
	u32 len;
	int err;

	if (req->flags)
		return -EINVAL;
	err = hmap_scratch_key(s, req);
	if (err)
		return err;
	if (take && (!access_ok(req->value, cap) ||
		     fault_in_safe_writeable(req->value, cap)))
		return -EFAULT;
	err = hmap_get_value(s, req, take, &len);
	if (!err && copy_to_user(req->value, s->value, len)) {
		if (take)
			hmap_insert(hmap_map, s->key, req->key_len, s->value,
				    len, HMAP_NOEXIST);
		err = -EFAULT;
	}
	if (!err || err == -ENOSPC)
		req->value_len = len;
	return err;
}

/* The argument of any command, in kernel memory. */
union hmap_ioc_arg {
	struct hmap_ioc_elem elem;
	struct hmap_ioc_batch batch;
	struct hmap_ioc_dump dump;
	struct hmap_ioc_stats stats;
	struct hmap_ioc_clear clear;
};

/**
 * struct hmap_ucmd - a command being served
 * @file: the file it came through.
 * @arg: its argument, copied in; what is copied back if @respond.
 * @respond: set by the handler when @arg must be copied back to the user,
 *	whatever the handler returns.
 */
struct hmap_ucmd {
	struct file *file;
	union hmap_ioc_arg arg;
	bool respond;
};

static void hmap_req_from_elem(struct hmap_req *req,
			       const struct hmap_ioc_elem *elem)
{
	req->flags = elem->flags;
	req->key_len = elem->key_len;
	req->value_len = elem->value_len;
	req->key = u64_to_user_ptr(elem->key);
	req->value = u64_to_user_ptr(elem->value);
}

static int hmap_ioc_put(struct hmap_ucmd *uc)
{
	struct hmap_scratch s = {};
	struct hmap_req req;
	int err;

	hmap_req_from_elem(&req, &uc->arg.elem);
	err = hmap_do_put(&s, &req);
	hmap_scratch_free(&s);
	return err;
}

static int hmap_ioc_delete(struct hmap_ucmd *uc)
{
	struct hmap_scratch s = {};
	struct hmap_req req;
	int err;

	hmap_req_from_elem(&req, &uc->arg.elem);
	err = hmap_do_delete(&s, &req);
	hmap_scratch_free(&s);
	return err;
}

static int hmap_ioc_get_or_take(struct hmap_ucmd *uc, bool take)
{
	struct hmap_scratch s = {};
	struct hmap_req req;
	int err;

	hmap_req_from_elem(&req, &uc->arg.elem);
	err = hmap_do_get(&s, &req, take);
	hmap_scratch_free(&s);
	if (!err || err == -ENOSPC) {
		uc->arg.elem.value_len = req.value_len;
		uc->respond = true;
	}
	return err;
}

static int hmap_ioc_get(struct hmap_ucmd *uc)
{
	return hmap_ioc_get_or_take(uc, false);
}

static int hmap_ioc_take(struct hmap_ucmd *uc)
{
	return hmap_ioc_get_or_take(uc, true);
}

/* The size of the first version of struct hmap_ioc_batch_op. */
#define HMAP_BATCH_OP_SIZE_VER0	sizeof(struct hmap_ioc_batch_op)

/* The file modes an operation of a batch needs, indexed by HMAP_OP_*. */
static const fmode_t hmap_op_mode[] = {
	[HMAP_OP_PUT] = FMODE_WRITE,
	[HMAP_OP_GET] = FMODE_READ,
	[HMAP_OP_DELETE] = FMODE_WRITE,
	[HMAP_OP_TAKE] = FMODE_READ | FMODE_WRITE,
};

static int hmap_batch_run_op(struct hmap_scratch *s, struct hmap_req *req,
			     u32 op)
{
	switch (op) {
	case HMAP_OP_PUT:
		return hmap_do_put(s, req);
	case HMAP_OP_GET:
		return hmap_do_get(s, req, false);
	case HMAP_OP_DELETE:
		return hmap_do_delete(s, req);
	default:
		return hmap_do_get(s, req, true);
	}
}

/* Read, check and run the operation at @uop; write back what it returns. */
static int hmap_batch_one(struct file *file, struct hmap_scratch *s,
			  void __user *uop, u32 op_size)
{
	struct hmap_ioc_batch_op bop;
	struct hmap_ioc_batch_op __user *ubop = uop;
	struct hmap_req req;
	int err;

	err = copy_struct_from_user(&bop, sizeof(bop), uop, op_size);
	if (err)
		return err == -E2BIG ? -EINVAL : err;
	if (!bop.op || bop.op >= ARRAY_SIZE(hmap_op_mode))
		return -EINVAL;
	if ((file->f_mode & hmap_op_mode[bop.op]) != hmap_op_mode[bop.op])
		return -EBADF;
	/* A take must not lose the key to an unwritable length field. */
	if (bop.op == HMAP_OP_TAKE && put_user(bop.value_len, &ubop->value_len))
		return -EFAULT;

	req.flags = bop.flags;
	req.key_len = bop.key_len;
	req.value_len = bop.value_len;
	req.key = u64_to_user_ptr(bop.key);
	req.value = u64_to_user_ptr(bop.value);
	err = hmap_batch_run_op(s, &req, bop.op);
	if ((bop.op == HMAP_OP_GET || bop.op == HMAP_OP_TAKE) &&
	    (!err || err == -ENOSPC) &&
	    put_user(req.value_len, &ubop->value_len))
		err = -EFAULT;
	return err;
}

static int hmap_ioc_batch(struct hmap_ucmd *uc)
{
	struct hmap_ioc_batch *b = &uc->arg.batch;
	void __user *uop = u64_to_user_ptr(b->ops);
	struct hmap_scratch s = {};
	u32 done;
	int err = 0;

	if (b->flags)
		return -EINVAL;
	if (b->op_size < HMAP_BATCH_OP_SIZE_VER0 || b->op_size > PAGE_SIZE)
		return -EINVAL;

	for (done = 0; done < b->count; done++) {
		if (signal_pending(current)) {
			err = -EINTR;
			break;
		}
		err = hmap_batch_one(uc->file, &s, uop, b->op_size);
		if (err)
			break;
		uop += b->op_size;
		cond_resched();
	}
	hmap_scratch_free(&s);
	b->count = done;
	uc->respond = true;
	return err;
}

/*
 * Dump into @ubuf, one bounce buffer at a time, until the buffer is full,
 * the map is covered, or a signal arrives. *@cur advances only past records
 * that reached the user.
 */
static int hmap_dump_to_user(struct hmap_ioc_dump *d, struct hmap_cursor *cur,
			     void *kbuf, size_t chunk)
{
	char __user *ubuf = u64_to_user_ptr(d->buf);
	size_t off = 0, used;
	u32 count = 0;
	int n;

	for (;;) {
		struct hmap_cursor next = *cur;

		n = hmap_dump(hmap_map, &next, kbuf,
			      min_t(size_t, chunk, d->buf_size - off), &used);
		if (n == -ENOSPC && count)
			break;	/* the rest of @ubuf is too small */
		if (n == -ENOSPC)
			d->buf_used = used;
		if (n < 0)
			return n;
		if (copy_to_user(ubuf + off, kbuf, used))
			return -EFAULT;
		*cur = next;
		off += used;
		count += n;
		if (cur->done || off == d->buf_size)
			break;
		if (signal_pending(current)) {
			if (!count)
				return -EINTR;
			break;
		}
		cond_resched();
	}
	d->buf_used = off;
	d->count = count;
	return 0;
}

static int hmap_ioc_dump(struct hmap_ucmd *uc)
{
	struct hmap_ioc_dump *d = &uc->arg.dump;
	struct hmap_cursor cur = { .pos = d->cursor };
	size_t chunk = min_t(size_t, d->buf_size, hmap_dump_chunk);
	void *kbuf = NULL;
	int err;

	if (d->flags)
		return -EINVAL;
	d->buf_used = 0;
	d->count = 0;
	d->done = 0;
	if (chunk) {
		kbuf = kvmalloc(chunk, GFP_KERNEL);
		if (!kbuf)
			return -ENOMEM;
	}
	err = hmap_dump_to_user(d, &cur, kbuf, chunk);
	kvfree(kbuf);
	if (!err) {
		d->cursor = cur.pos;
		d->done = cur.done;
	}
	if (!err || err == -ENOSPC)
		uc->respond = true;
	return err;
}

static int hmap_ioc_stats(struct hmap_ucmd *uc)
{
	struct hmap_ioc_stats *u = &uc->arg.stats;
	struct hmap_stats s;

	if (u->flags || u->__reserved)
		return -EINVAL;
	hmap_get_stats(hmap_map, &s);
	*u = (struct hmap_ioc_stats) {
		.size = u->size,
		.id = s.id,
		.max_entries = s.max_entries,
		.count = s.count,
		.max_key_size = s.max_key_size,
		.max_value_size = s.max_value_size,
		.log2_buckets = s.log2_buckets,
		.resize = s.resize,
		.old_log2_buckets = s.old_log2_buckets,
		.nevacuate = s.nevacuate,
		.old_buckets = s.old_buckets,
		.overflow_buckets = s.overflow_buckets,
		.grows = s.grows,
		.same_size_grows = s.same_size_grows,
		.shrinks = s.shrinks,
		.evacuated_by_writes = s.evacuated_by_writes,
		.evacuated_by_worker = s.evacuated_by_worker,
		.memory_bytes = s.memory_bytes,
	};
	uc->respond = true;
	return 0;
}

static int hmap_ioc_clear(struct hmap_ucmd *uc)
{
	if (uc->arg.clear.flags)
		return -EINVAL;
	return hmap_clear(hmap_map);
}

/**
 * struct hmap_ioctl - how to serve one command
 * @cmd: the command number.
 * @size: sizeof() its argument.
 * @min_size: the size of the first version of its argument.
 * @mode: the file modes it needs (FMODE_READ, FMODE_WRITE).
 * @out: it writes results back into its argument.
 * @fn: the handler.
 */
struct hmap_ioctl {
	unsigned int cmd;
	u32 size;
	u32 min_size;
	fmode_t mode;
	bool out;
	int (*fn)(struct hmap_ucmd *uc);
};

/* Indexed by _IOC_NR(); a batch checks the mode of each of its operations. */
static const struct hmap_ioctl hmap_ioctls[] = {
	[_IOC_NR(HMAP_IOC_PUT)] = {
		.cmd = HMAP_IOC_PUT,
		.size = sizeof(struct hmap_ioc_elem),
		.min_size = offsetofend(struct hmap_ioc_elem, value_len),
		.mode = FMODE_WRITE,
		.fn = hmap_ioc_put,
	},
	[_IOC_NR(HMAP_IOC_GET)] = {
		.cmd = HMAP_IOC_GET,
		.size = sizeof(struct hmap_ioc_elem),
		.min_size = offsetofend(struct hmap_ioc_elem, value_len),
		.mode = FMODE_READ,
		.out = true,
		.fn = hmap_ioc_get,
	},
	[_IOC_NR(HMAP_IOC_DELETE)] = {
		.cmd = HMAP_IOC_DELETE,
		.size = sizeof(struct hmap_ioc_elem),
		.min_size = offsetofend(struct hmap_ioc_elem, value_len),
		.mode = FMODE_WRITE,
		.fn = hmap_ioc_delete,
	},
	[_IOC_NR(HMAP_IOC_TAKE)] = {
		.cmd = HMAP_IOC_TAKE,
		.size = sizeof(struct hmap_ioc_elem),
		.min_size = offsetofend(struct hmap_ioc_elem, value_len),
		.mode = FMODE_READ | FMODE_WRITE,
		.out = true,
		.fn = hmap_ioc_take,
	},
	[_IOC_NR(HMAP_IOC_BATCH)] = {
		.cmd = HMAP_IOC_BATCH,
		.size = sizeof(struct hmap_ioc_batch),
		.min_size = offsetofend(struct hmap_ioc_batch, op_size),
		.mode = 0,
		.out = true,
		.fn = hmap_ioc_batch,
	},
	[_IOC_NR(HMAP_IOC_DUMP)] = {
		.cmd = HMAP_IOC_DUMP,
		.size = sizeof(struct hmap_ioc_dump),
		.min_size = offsetofend(struct hmap_ioc_dump, done),
		.mode = FMODE_READ,
		.out = true,
		.fn = hmap_ioc_dump,
	},
	[_IOC_NR(HMAP_IOC_STATS)] = {
		.cmd = HMAP_IOC_STATS,
		.size = sizeof(struct hmap_ioc_stats),
		.min_size = offsetofend(struct hmap_ioc_stats, memory_bytes),
		.mode = FMODE_READ,
		.out = true,
		.fn = hmap_ioc_stats,
	},
	[_IOC_NR(HMAP_IOC_CLEAR)] = {
		.cmd = HMAP_IOC_CLEAR,
		.size = sizeof(struct hmap_ioc_clear),
		.min_size = offsetofend(struct hmap_ioc_clear, flags),
		.mode = FMODE_WRITE,
		.fn = hmap_ioc_clear,
	},
};

static const struct hmap_ioctl *hmap_ioctl_find(unsigned int cmd)
{
	unsigned int nr = _IOC_NR(cmd);

	if (nr >= ARRAY_SIZE(hmap_ioctls) || hmap_ioctls[nr].cmd != cmd ||
	    !hmap_ioctls[nr].fn)
		return NULL;
	return &hmap_ioctls[nr];
}

/* Copy the argument in: the copy_struct_from_user() contract, see the UAPI. */
static int hmap_ucmd_copy_in(struct hmap_ucmd *uc, const struct hmap_ioctl *ic,
			     void __user *uarg, u32 *usize)
{
	int err;

	if (get_user(*usize, (u32 __user *)uarg))
		return -EFAULT;
	if (*usize < ic->min_size || *usize > PAGE_SIZE)
		return -EINVAL;
	/*
	 * Rewriting the size proves the argument writable before anything
	 * changes the map, so a result cannot be lost to a read-only page.
	 */
	if (ic->out && put_user(*usize, (u32 __user *)uarg))
		return -EFAULT;
	err = copy_struct_from_user(&uc->arg, ic->size, uarg, *usize);
	return err == -E2BIG ? -EINVAL : err;
}

static long hmap_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct hmap_ucmd uc = { .file = file };
	void __user *uarg = (void __user *)arg;
	const struct hmap_ioctl *ic;
	u32 usize;
	int err;

	ic = hmap_ioctl_find(cmd);
	if (!ic)
		return -ENOTTY;
	if ((file->f_mode & ic->mode) != ic->mode)
		return -EBADF;
	err = hmap_ucmd_copy_in(&uc, ic, uarg, &usize);
	if (err)
		return err;
	err = ic->fn(&uc);
	if (uc.respond &&
	    copy_to_user(uarg, &uc.arg, min_t(u32, usize, ic->size)))
		err = -EFAULT;
	return err;
}

static const struct file_operations hmap_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = hmap_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* Statistics in sysfs, one value per file: /sys/class/misc/hmap/<name>. */
#define HMAP_STAT_ATTR(_name)						\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct hmap_stats s;						\
									\
	hmap_get_stats(hmap_map, &s);					\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)s._name);	\
}									\
static DEVICE_ATTR_RO(_name)

HMAP_STAT_ATTR(id);
HMAP_STAT_ATTR(count);
HMAP_STAT_ATTR(max_entries);
HMAP_STAT_ATTR(max_key_size);
HMAP_STAT_ATTR(max_value_size);
HMAP_STAT_ATTR(log2_buckets);
HMAP_STAT_ATTR(old_log2_buckets);
HMAP_STAT_ATTR(nevacuate);
HMAP_STAT_ATTR(old_buckets);
HMAP_STAT_ATTR(overflow_buckets);
HMAP_STAT_ATTR(grows);
HMAP_STAT_ATTR(same_size_grows);
HMAP_STAT_ATTR(shrinks);
HMAP_STAT_ATTR(evacuated_by_writes);
HMAP_STAT_ATTR(evacuated_by_worker);
HMAP_STAT_ATTR(memory_bytes);

static const char * const hmap_resize_names[] = {
	[HMAP_RESIZE_NONE] = "none",
	[HMAP_RESIZE_GROW] = "grow",
	[HMAP_RESIZE_SAME_SIZE] = "same_size",
	[HMAP_RESIZE_SHRINK] = "shrink",
};

static ssize_t resize_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct hmap_stats s;

	hmap_get_stats(hmap_map, &s);
	if (s.resize >= ARRAY_SIZE(hmap_resize_names))
		return sysfs_emit(buf, "%u\n", s.resize);
	return sysfs_emit(buf, "%s\n", hmap_resize_names[s.resize]);
}
static DEVICE_ATTR_RO(resize);

static struct attribute *hmap_attrs[] = {
	&dev_attr_id.attr,
	&dev_attr_count.attr,
	&dev_attr_max_entries.attr,
	&dev_attr_max_key_size.attr,
	&dev_attr_max_value_size.attr,
	&dev_attr_log2_buckets.attr,
	&dev_attr_resize.attr,
	&dev_attr_old_log2_buckets.attr,
	&dev_attr_nevacuate.attr,
	&dev_attr_old_buckets.attr,
	&dev_attr_overflow_buckets.attr,
	&dev_attr_grows.attr,
	&dev_attr_same_size_grows.attr,
	&dev_attr_shrinks.attr,
	&dev_attr_evacuated_by_writes.attr,
	&dev_attr_evacuated_by_worker.attr,
	&dev_attr_memory_bytes.attr,
	NULL,
};
ATTRIBUTE_GROUPS(hmap);

static struct miscdevice hmap_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "hmap",
	.fops = &hmap_fops,
	.groups = hmap_groups,
	.mode = 0600,
};

static int __init hmap_init(void)
{
	int err;

	hmap_params = (struct hmap_params) {
		.max_entries = max_entries,
		.max_key_size = max_key_size,
		.max_value_size = max_value_size,
		.size_hint = size_hint,
	};
	hmap_map = hmap_create(&hmap_params);
	if (IS_ERR(hmap_map))
		return PTR_ERR(hmap_map);
	hmap_dump_chunk = max_t(size_t, HMAP_DUMP_CHUNK,
				HMAP_DUMP_REC_SIZE((size_t)max_key_size,
						   (size_t)max_value_size));

	err = misc_register(&hmap_miscdev);
	if (err)
		hmap_destroy(hmap_map);
	return err;
}

static void __exit hmap_exit(void)
{
	misc_deregister(&hmap_miscdev);
	hmap_destroy(hmap_map);
}

module_init(hmap_init);
module_exit(hmap_exit);

MODULE_DESCRIPTION("hmap: an incrementally resized hash map served on /dev/hmap");
MODULE_LICENSE("GPL");
