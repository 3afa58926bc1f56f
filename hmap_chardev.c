// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hmap and the named maps: the ioctls that serve a map to user space.
 *
 * This file knows about files, users and ioctls and nothing about buckets:
 * it checks what user space passes, copies it into kernel memory, calls the
 * in-kernel API of include/hmap.h and copies the results back. The ABI is
 * documented in include/uapi/linux/hmap.h. Every command works on a
 * struct hmap_obj: the map of /dev/hmap, or a named map of the hmap
 * filesystem (hmap_fs.c), which calls hmap_obj_ioctl() for its files.
 *
 * The map of /dev/hmap is created when the module loads, from the module
 * parameters, and destroyed when it unloads; an open file holds a
 * reference on the module, so no ioctl can run once hmap_exit() has
 * started. A named map lives as long as its inode (see hmap_fs.c), which
 * an open file pins.
 *
 * A user copy may fault and sleep, so none is made while the core holds a
 * lock or an RCU read-side section: keys and values are copied into kernel
 * buffers first, and results are copied out after the core call returns;
 * except that a command that changes the map and has results (take, and
 * batch) writes them all out before the change, which is then made only if
 * the map still holds what was written out, so that no fault can lose a
 * result after the map changed (see hmap_do_take()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compiler.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/nospec.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "hmap.h"
#include "hmap_chardev.h"
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

static bool no_shrink;
module_param(no_shrink, bool, 0444);
MODULE_PARM_DESC(no_shrink,
		 "the map never shrinks: deletes leave its bucket array as large as it grew (default N)");

/* The map /dev/hmap serves. */
static struct hmap_obj hmap_legacy;

/*
 * Every allocation made on a user's behalf is charged to the user's memory
 * cgroup. A buffer that lives for one call fails with ENOMEM at the
 * cgroup's limit rather than invoking the OOM killer (__GFP_RETRY_MAYFAIL),
 * and quietly: the caller hears of it.
 */
#define HMAP_GFP_USER	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/**
 * struct hmap_req - one put, get, delete or take, from a command or a batch
 * @flags: the command's flags.
 * @key_len: bytes at @key.
 * @value_len: put: bytes at @value; get, take: the size of the buffer at
 *	@value.
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
 * @obj: the map the request is for.
 * @key: max_key_size bytes, allocated on first use.
 * @value: @value_size bytes, reallocated when a request needs more.
 * @value_size: bytes at @value.
 *
 * A batch reuses one scratch for all its operations, so that an operation
 * costs no allocation of its own.
 */
struct hmap_scratch {
	struct hmap_obj *obj;
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
	if (req->key_len > s->obj->params.max_key_size)
		return -EMSGSIZE;
	if (!s->key) {
		s->key = kmalloc(s->obj->params.max_key_size, HMAP_GFP_USER);
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
	s->value = kvmalloc(size, HMAP_GFP_USER);
	if (!s->value)
		return -ENOMEM;
	s->value_size = size;
	return 0;
}

/* Copy in the key and value of a put; the caller then calls hmap_insert(). */
static int hmap_put_prepare(struct hmap_scratch *s, const struct hmap_req *req)
{
	int err;

	if (req->flags > HMAP_PUT_EXIST)
		return -EINVAL;
	err = hmap_scratch_key(s, req);
	if (err)
		return err;
	if (req->value_len > s->obj->params.max_value_size)
		return -EMSGSIZE;
	err = hmap_scratch_value(s, req->value_len);
	if (err)
		return err;
	if (copy_from_user(s->value, req->value, req->value_len))
		return -EFAULT;
	return 0;
}

static int hmap_put_commit(struct hmap_scratch *s, const struct hmap_req *req)
{
	int err;

	err = hmap_fs_memory_check(s->obj);
	if (err)
		return err;
	err = hmap_insert(s->obj->map, s->key, req->key_len, s->value,
			  req->value_len, req->flags);
	if (!err)
		hmap_fs_memory_update(s->obj);
	return err;
}

static int hmap_delete_prepare(struct hmap_scratch *s,
			       const struct hmap_req *req)
{
	if (req->flags)
		return -EINVAL;
	return hmap_scratch_key(s, req);
}

static int hmap_delete_commit(struct hmap_scratch *s,
			      const struct hmap_req *req)
{
	return hmap_delete(s->obj->map, s->key, req->key_len);
}

/*
 * Look up the value of @s->key into @s->value: first into a small buffer,
 * then, if the value is longer and fits the caller's buffer, into one that
 * size. *@len gets the value's length, also with -ENOSPC.
 */
static int hmap_lookup_value(struct hmap_scratch *s, const struct hmap_req *req,
			     u32 *len)
{
	u32 cap = min(req->value_len, s->obj->params.max_value_size);
	u32 size = min(cap, max(s->value_size, HMAP_SMALL_VALUE));
	int err;

	for (;;) {
		err = hmap_scratch_value(s, size);
		if (err)
			return err;
		*len = size;
		err = hmap_lookup(s->obj->map, s->key, req->key_len, s->value, len);
		if (err != -ENOSPC || *len > cap || size == cap)
			return err;
		size = cap;
	}
}

/*
 * Get a value into the caller's buffer; *@len gets its length, also with
 * -ENOSPC. The caller writes *@len back.
 */
static int hmap_do_get(struct hmap_scratch *s, const struct hmap_req *req,
		       u32 *len)
{
	int err;

	if (req->flags)
		return -EINVAL;
	err = hmap_scratch_key(s, req);
	if (err)
		return err;
	err = hmap_lookup_value(s, req, len);
	if (!err && copy_to_user(req->value, s->value, *len))
		return -EFAULT;
	return err;
}

/*
 * A take retries this many times when the key's value changes between its
 * lookup and its delete, then gives up with -EAGAIN.
 */
#define HMAP_TAKE_TRIES		16

/**
 * struct hmap_take_sink - where a take writes its results
 * @publish: write every result of a take that returns @len bytes of value
 *	to user memory (the value itself is already there); 0 or -EFAULT.
 * @retract: undo what @publish wrote, when the take then fails; 0 or
 *	-EFAULT.
 */
struct hmap_take_sink {
	int (*publish)(void *ctx, u32 len);
	int (*retract)(void *ctx);
};

/*
 * Take a key: get its value, then delete it. Every write to user memory
 * (the value, its length, the command's or the batch's results) happens
 * before the delete, and the delete happens only if the value is still the
 * one written out (hmap_delete_if_value()), so a take that fails for any
 * reason has not removed the key, and one that succeeds has delivered
 * everything: no fault after the delete can lose the key, and nothing ever
 * has to be put back. When another caller changes the value in between,
 * the take starts over.
 *
 * *@len gets the value's length, also with -ENOSPC. With any error,
 * @sink->retract() has undone @sink->publish() (or the error is -EFAULT).
 */
static int hmap_do_take(struct hmap_scratch *s, const struct hmap_req *req,
			const struct hmap_take_sink *sink, void *ctx, u32 *len)
{
	bool published = false;
	unsigned int tries;
	int err;

	if (req->flags)
		return -EINVAL;
	err = hmap_scratch_key(s, req);
	if (err)
		return err;

	for (tries = 1;; tries++) {
		err = hmap_lookup_value(s, req, len);
		if (err)
			break;
		if (copy_to_user(req->value, s->value, *len)) {
			err = -EFAULT;
			break;
		}
		err = sink->publish(ctx, *len);
		if (err)
			break;
		published = true;
		err = hmap_delete_if_value(s->obj->map, s->key, req->key_len,
					   s->value, *len);
		if (err != -EAGAIN)
			break;
		if (tries == HMAP_TAKE_TRIES)
			break;
		if (signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	if (err && published && sink->retract(ctx))
		err = -EFAULT;
	return err;
}

/* The argument of any command, in kernel memory. */
union hmap_ioc_arg {
	struct hmap_ioc_elem elem;
	struct hmap_ioc_batch batch;
	struct hmap_ioc_dump dump;
	struct hmap_ioc_stats stats;
	struct hmap_ioc_clear clear;
	struct hmap_ioc_freeze freeze;
};

struct hmap_ioctl;

/**
 * struct hmap_ucmd - a command being served
 * @obj: the map it is for.
 * @file: the file it came through.
 * @ic: how to serve it.
 * @uarg: the user's argument.
 * @usize: bytes of it, from its @size field.
 * @arg: the argument, copied in; what is copied back if @respond.
 * @respond: set by the handler when @arg must be copied back to the user
 *	after it returns, whatever it returns.
 */
struct hmap_ucmd {
	struct hmap_obj *obj;
	struct file *file;
	const struct hmap_ioctl *ic;
	void __user *uarg;
	u32 usize;
	union hmap_ioc_arg arg;
	bool respond;
};

static int hmap_ucmd_respond(struct hmap_ucmd *uc);

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
	struct hmap_scratch s = { .obj = uc->obj };
	struct hmap_req req;
	int err;

	hmap_req_from_elem(&req, &uc->arg.elem);
	err = hmap_put_prepare(&s, &req);
	if (!err)
		err = hmap_put_commit(&s, &req);
	hmap_scratch_free(&s);
	return err;
}

static int hmap_ioc_delete(struct hmap_ucmd *uc)
{
	struct hmap_scratch s = { .obj = uc->obj };
	struct hmap_req req;
	int err;

	hmap_req_from_elem(&req, &uc->arg.elem);
	err = hmap_delete_prepare(&s, &req);
	if (!err)
		err = hmap_delete_commit(&s, &req);
	hmap_scratch_free(&s);
	return err;
}

static int hmap_ioc_get(struct hmap_ucmd *uc)
{
	struct hmap_scratch s = { .obj = uc->obj };
	struct hmap_req req;
	u32 len;
	int err;

	hmap_req_from_elem(&req, &uc->arg.elem);
	err = hmap_do_get(&s, &req, &len);
	hmap_scratch_free(&s);
	if (!err || err == -ENOSPC) {
		uc->arg.elem.value_len = len;
		uc->respond = true;
	}
	return err;
}

/* A single take writes the whole struct hmap_ioc_elem back before it commits. */
struct hmap_take_elem {
	struct hmap_ucmd *uc;
	u32 value_len;		/* as the caller passed it */
};

static int hmap_take_elem_publish(void *ctx, u32 len)
{
	struct hmap_take_elem *t = ctx;

	t->uc->arg.elem.value_len = len;
	return hmap_ucmd_respond(t->uc);
}

static int hmap_take_elem_retract(void *ctx)
{
	struct hmap_take_elem *t = ctx;

	t->uc->arg.elem.value_len = t->value_len;
	return hmap_ucmd_respond(t->uc);
}

static const struct hmap_take_sink hmap_take_elem_sink = {
	.publish = hmap_take_elem_publish,
	.retract = hmap_take_elem_retract,
};

static int hmap_ioc_take(struct hmap_ucmd *uc)
{
	struct hmap_take_elem t = {
		.uc = uc,
		.value_len = uc->arg.elem.value_len,
	};
	struct hmap_scratch s = { .obj = uc->obj };
	struct hmap_req req;
	u32 len;
	int err;

	hmap_req_from_elem(&req, &uc->arg.elem);
	err = hmap_do_take(&s, &req, &hmap_take_elem_sink, &t, &len);
	hmap_scratch_free(&s);
	/* Done or not, a take has written back all it had to; ENOSPC has not. */
	if (err == -ENOSPC) {
		uc->arg.elem.value_len = len;
		uc->respond = true;
	}
	return err;
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

/**
 * struct hmap_batch_count - the @count field of the user's struct
 *	hmap_ioc_batch, pinned for the call
 * @pages: the pages it lies in (a u32 spans two at most).
 * @npages: how many.
 * @offset: its offset in @pages[0].
 *
 * A batch writes @count as it goes, and must be able to write it again
 * after a change of the map failed (see struct hmap_batch_pos): a write
 * that could fault at that point would leave an operation counted that
 * was not done. So the pages are pinned before the first operation and
 * @count is written through the kernel's mapping of them, which cannot
 * fault, whatever the caller does to its mapping meanwhile.
 */
struct hmap_batch_count {
	struct page *pages[2];
	unsigned int npages;
	unsigned int offset;
};

static int hmap_batch_count_pin(struct hmap_batch_count *c,
				u32 __user *ucount)
{
	unsigned long addr = (unsigned long)ucount;
	int n;

	c->offset = offset_in_page(addr);
	c->npages = c->offset + sizeof(u32) > PAGE_SIZE ? 2 : 1;
	n = pin_user_pages_fast(addr & PAGE_MASK, c->npages, FOLL_WRITE,
				c->pages);
	if (n == c->npages)
		return 0;
	if (n > 0)
		unpin_user_pages(c->pages, n);
	return n == -ENOMEM ? -ENOMEM : -EFAULT;
}

static void hmap_batch_count_unpin(struct hmap_batch_count *c)
{
	unpin_user_pages_dirty_lock(c->pages, c->npages, true);
}

static void hmap_batch_count_write(struct hmap_batch_count *c, u32 count)
{
	const char *src = (const char *)&count;
	unsigned int offset = c->offset, done = 0, i, n;

	for (i = 0; i < c->npages; i++) {
		n = min_t(unsigned int, sizeof(count) - done,
			  PAGE_SIZE - offset);
		memcpy_to_page(c->pages[i], offset, src + done, n);
		done += n;
		offset = 0;
	}
}

/**
 * struct hmap_batch_pos - the operation of a batch being run
 * @count: the batch's @count, pinned.
 * @uop: the user's struct hmap_ioc_batch_op.
 * @index: the operation's index in the batch.
 * @value_len: its @value_len as the caller passed it.
 *
 * A batch keeps @count up to date as it goes: an operation that changes
 * the map sets it to @index + 1 before the change and back to @index if
 * the change then fails, so that no fault after a change can report it as
 * not done (a take would lose its key), and no change that failed stays
 * counted (a take would report a key it left); a get sets it once done.
 */
struct hmap_batch_pos {
	struct hmap_batch_count count;
	struct hmap_ioc_batch_op __user *uop;
	u32 index;
	u32 value_len;
};

static int hmap_batch_take_publish(void *ctx, u32 len)
{
	struct hmap_batch_pos *p = ctx;

	if (put_user(len, &p->uop->value_len))
		return -EFAULT;
	hmap_batch_count_write(&p->count, p->index + 1);
	return 0;
}

/* The count first: it cannot fault, and says the take was not done. */
static int hmap_batch_take_retract(void *ctx)
{
	struct hmap_batch_pos *p = ctx;

	hmap_batch_count_write(&p->count, p->index);
	return put_user(p->value_len, &p->uop->value_len) ? -EFAULT : 0;
}

static const struct hmap_take_sink hmap_batch_take_sink = {
	.publish = hmap_batch_take_publish,
	.retract = hmap_batch_take_retract,
};

/*
 * Run a put or a delete: prepare (copy in), count it done, commit, and
 * count it undone if the commit fails.
 */
static int hmap_batch_write(struct hmap_batch_pos *p, struct hmap_scratch *s,
			    const struct hmap_req *req, bool put)
{
	int err;

	err = put ? hmap_put_prepare(s, req) : hmap_delete_prepare(s, req);
	if (err)
		return err;
	hmap_batch_count_write(&p->count, p->index + 1);
	err = put ? hmap_put_commit(s, req) : hmap_delete_commit(s, req);
	if (err)
		hmap_batch_count_write(&p->count, p->index);
	return err;
}

static int hmap_batch_get(struct hmap_batch_pos *p, struct hmap_scratch *s,
			  const struct hmap_req *req)
{
	u32 len;
	int err;

	err = hmap_do_get(s, req, &len);
	if ((!err || err == -ENOSPC) && put_user(len, &p->uop->value_len))
		err = -EFAULT;
	if (!err)
		hmap_batch_count_write(&p->count, p->index + 1);
	return err;
}

static int hmap_batch_take(struct hmap_batch_pos *p, struct hmap_scratch *s,
			   const struct hmap_req *req)
{
	u32 len;
	int err;

	err = hmap_do_take(s, req, &hmap_batch_take_sink, p, &len);
	if (err == -ENOSPC && put_user(len, &p->uop->value_len))
		err = -EFAULT;
	return err;
}

/*
 * Read, check and run operation @p->index at @p->uop. On success the count
 * is @p->index + 1; on failure the caller sets it to @p->index.
 */
static int hmap_batch_one(struct file *file, struct hmap_scratch *s,
			  struct hmap_batch_pos *p, u32 op_size)
{
	struct hmap_ioc_batch_op bop;
	struct hmap_req req;
	u32 op;
	int err;

	err = copy_struct_from_user(&bop, sizeof(bop), p->uop, op_size);
	if (err)
		return err == -E2BIG ? -EINVAL : err;
	if (!bop.op || bop.op >= ARRAY_SIZE(hmap_op_mode))
		return -EINVAL;
	op = array_index_nospec(bop.op, ARRAY_SIZE(hmap_op_mode));
	if ((file->f_mode & hmap_op_mode[op]) != hmap_op_mode[op])
		return -EBADF;
	if ((hmap_op_mode[op] & FMODE_WRITE) && s->obj->frozen)
		return -EPERM;

	req.flags = bop.flags;
	req.key_len = bop.key_len;
	req.value_len = bop.value_len;
	req.key = u64_to_user_ptr(bop.key);
	req.value = u64_to_user_ptr(bop.value);
	p->value_len = bop.value_len;
	switch (op) {
	case HMAP_OP_PUT:
		return hmap_batch_write(p, s, &req, true);
	case HMAP_OP_DELETE:
		return hmap_batch_write(p, s, &req, false);
	case HMAP_OP_GET:
		return hmap_batch_get(p, s, &req);
	default:
		return hmap_batch_take(p, s, &req);
	}
}

/*
 * A batch writes its results to user memory as it goes (see struct
 * hmap_batch_pos), never all at the end, so the structure is not copied
 * back.
 */
static int hmap_ioc_batch(struct hmap_ucmd *uc)
{
	struct hmap_ioc_batch *b = &uc->arg.batch;
	struct hmap_ioc_batch __user *ub = uc->uarg;
	struct hmap_scratch s = { .obj = uc->obj };
	struct hmap_batch_pos p = { .uop = u64_to_user_ptr(b->ops) };
	int err;

	if (b->flags)
		return -EINVAL;
	if (b->op_size < HMAP_BATCH_OP_SIZE_VER0 || b->op_size > PAGE_SIZE)
		return -EINVAL;
	err = hmap_batch_count_pin(&p.count, &ub->count);
	if (err)
		return err;

	for (p.index = 0; p.index < b->count; p.index++) {
		if (signal_pending(current)) {
			err = -EINTR;
			break;
		}
		err = hmap_batch_one(uc->file, &s, &p, b->op_size);
		if (err)
			break;
		p.uop = (void __user *)p.uop + b->op_size;
		cond_resched();
	}
	hmap_scratch_free(&s);
	/* The first operation may fail before anything was written. */
	if (err)
		hmap_batch_count_write(&p.count, p.index);
	hmap_batch_count_unpin(&p.count);
	return err;
}

/*
 * A dump writes its records straight into the user's buffer: the core
 * calls the emit function with no lock held, on its own copies of the
 * entries, so a user copy may fault there. A record's group is taken only
 * once it is written whole, and the cursor moves only past groups taken.
 * A drain copies its records through a kernel bounce buffer instead, since
 * it must have them at hand to remove them afterwards. That buffer is
 * allocated only once the first record is at hand, starts small and grows
 * as records need: up to HMAP_DUMP_BOUNCE_MAX, or beyond that to hold a
 * single group of records that needs it (entries of one dump position
 * cannot be split between calls), but never beyond the room left in the
 * user's buffer.
 */
#define HMAP_DUMP_BOUNCE_MIN	SZ_4K
#define HMAP_DUMP_BOUNCE_MAX	SZ_64K

/**
 * struct hmap_dump_ctx - where a dump call's records go
 * @ubuf: a dump: where in the user's buffer this core call's records go;
 *	NULL for a drain, whose records go to @buf.
 * @buf: a drain's bounce buffer, or NULL.
 * @size: bytes at @buf.
 * @used: bytes of records this core call wrote (at @ubuf, or at @buf not
 *	yet copied to the user).
 * @count: records in it.
 * @room: bytes left in the user's buffer (records already copied there
 *	excluded).
 * @needed: with @full: bytes the group of records that did not fit needs.
 * @full: the user's buffer cannot take the next group of records.
 */
struct hmap_dump_ctx {
	char __user *ubuf;
	void *buf;
	size_t size;
	size_t used;
	u32 count;
	size_t room;
	u64 needed;
	bool full;
};

/* Make room for @need more bytes in @c's bounce buffer, keeping its records. */
static int hmap_dump_grow(struct hmap_dump_ctx *c, size_t need)
{
	size_t size = min_t(size_t, 2 * c->size, HMAP_DUMP_BOUNCE_MAX);
	void *buf;

	size = max_t(size_t, size, HMAP_DUMP_BOUNCE_MIN);
	size = max(size, c->used + need);
	size = min(size, c->room);
	buf = kvmalloc(size, HMAP_GFP_USER);
	if (!buf)
		return -ENOMEM;
	if (c->used)
		memcpy(buf, c->buf, c->used);
	kvfree(c->buf);
	c->buf = buf;
	c->size = size;
	return 0;
}

/* Record @it as struct hmap_ioc_rec, its key, its value and padding at @p. */
static void hmap_dump_rec_fill(void *p, const struct hmap_dump_item *it)
{
	struct hmap_ioc_rec rec = {
		.key_len = it->key_len,
		.value_len = it->value_len,
	};
	size_t len = sizeof(rec) + it->key_len + it->value_len;

	memcpy(p, &rec, sizeof(rec));
	memcpy(p + sizeof(rec), it->key, it->key_len);
	memcpy(p + sizeof(rec) + it->key_len, it->value, it->value_len);
	memset(p + len, 0, HMAP_REC_SIZE(it->key_len, it->value_len) - len);
}

/* The same, into the user's buffer at @up; -EFAULT if it faults. */
static int hmap_dump_rec_to_user(char __user *up,
				 const struct hmap_dump_item *it)
{
	struct hmap_ioc_rec rec = {
		.key_len = it->key_len,
		.value_len = it->value_len,
	};
	size_t len = sizeof(rec) + it->key_len + it->value_len;

	if (copy_to_user(up, &rec, sizeof(rec)) ||
	    copy_to_user(up + sizeof(rec), it->key, it->key_len) ||
	    copy_to_user(up + sizeof(rec) + it->key_len, it->value,
			 it->value_len) ||
	    clear_user(up + len, HMAP_REC_SIZE(it->key_len, it->value_len) - len))
		return -EFAULT;
	return 0;
}

/* The core's hmap_dump_fn: write @items as struct hmap_ioc_rec records. */
static int hmap_dump_emit(void *arg, const struct hmap_dump_item *items,
			  unsigned int n)
{
	struct hmap_dump_ctx *c = arg;
	const struct hmap_dump_item *it;
	u64 need = 0;
	int err;

	for (it = items; it < items + n; it++)
		need += HMAP_REC_SIZE((u64)it->key_len, (u64)it->value_len);
	if (need > c->room - c->used) {
		c->needed = need;
		c->full = true;
		return HMAP_DUMP_FULL;
	}
	if (!c->ubuf && need > c->size - c->used) {
		/* Past the usual size only for a group on its own. */
		if (c->used && c->used + need > HMAP_DUMP_BOUNCE_MAX)
			return HMAP_DUMP_FULL;
		err = hmap_dump_grow(c, need);
		if (err)
			return err;
	}
	for (it = items; it < items + n; it++) {
		if (c->ubuf) {
			err = hmap_dump_rec_to_user(c->ubuf + c->used, it);
			if (err)
				return err;
		} else {
			hmap_dump_rec_fill(c->buf + c->used, it);
		}
		c->used += HMAP_REC_SIZE(it->key_len, it->value_len);
		c->count++;
	}
	return 0;
}

/*
 * Dump into the user's buffer, one core call at a time (with @once, a
 * drain's: one call, through the bounce buffer), until the buffer is full,
 * the map is covered, or a signal arrives. *@cur advances only past
 * records that reached the user.
 */
static int hmap_dump_to_user(struct hmap *map, struct hmap_ioc_dump *d,
			     struct hmap_cursor *cur, struct hmap_dump_ctx *c,
			     bool once)
{
	char __user *ubuf = u64_to_user_ptr(d->buf);
	size_t off = 0;
	u32 count = 0;
	int err;

	for (;;) {
		struct hmap_cursor next = *cur;

		c->used = 0;
		c->count = 0;
		c->room = d->buf_size - off;
		c->full = false;
		c->ubuf = once ? NULL : ubuf + off;
		err = hmap_dump(map, &next, hmap_dump_emit, c);
		if (err < 0) {
			if (count)
				break;	/* return what reached the user */
			return err;
		}
		if (once && c->used && copy_to_user(ubuf + off, c->buf, c->used))
			return -EFAULT;
		*cur = next;
		off += c->used;
		count += c->count;
		if (c->full && !count) {
			d->buf_used = min_t(u64, c->needed, U32_MAX);
			return -ENOSPC;
		}
		if (c->full || cur->done || off == d->buf_size)
			break;
		/* A drain stops with the first records: they are in @c->buf. */
		if (once && count)
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

/*
 * Dump into the user's buffer; with @drain, only as many records as one
 * bounce buffer holds, which are left in @c->buf for the caller to remove.
 */
static int hmap_dump_common(struct hmap_ucmd *uc, struct hmap_dump_ctx *c,
			    bool drain)
{
	struct hmap_ioc_dump *d = &uc->arg.dump;
	struct hmap_cursor cur = { .pos = d->cursor };
	int err;

	if (d->flags)
		return -EINVAL;
	d->buf_used = 0;
	d->count = 0;
	d->done = 0;
	err = hmap_dump_to_user(uc->obj->map, d, &cur, c, drain);
	if (!err) {
		d->cursor = cur.pos;
		d->done = cur.done;
	}
	if (!err || err == -ENOSPC)
		uc->respond = true;
	return err;
}

static int hmap_ioc_dump(struct hmap_ucmd *uc)
{
	struct hmap_dump_ctx c = {};
	int err;

	err = hmap_dump_common(uc, &c, false);
	kvfree(c.buf);
	return err;
}

/*
 * A drain is a dump of one bounce buffer's records, written out whole (the
 * records, then the structure) before any of them is removed, so that a
 * fault loses nothing; then each key is removed if it still has the value
 * returned (a key updated meanwhile keeps its newer value).
 */
static int hmap_ioc_drain(struct hmap_ucmd *uc)
{
	struct hmap_dump_ctx c = {};
	struct hmap_ioc_rec rec;
	size_t off;
	int err;

	err = hmap_dump_common(uc, &c, true);
	if (!err) {
		uc->respond = false;
		err = hmap_ucmd_respond(uc);
	}
	for (off = 0; !err && off < c.used;
	     off += HMAP_REC_SIZE(rec.key_len, rec.value_len)) {
		const void *key = c.buf + off + sizeof(rec);

		memcpy(&rec, c.buf + off, sizeof(rec));
		/* -EAGAIN: updated meanwhile; -ENOENT: deleted meanwhile. */
		hmap_delete_if_value(uc->obj->map, key, rec.key_len,
				     key + rec.key_len, rec.value_len);
	}
	kvfree(c.buf);
	return err;
}

/*
 * struct hmap_stats has exactly the statistics of HMAP_STATS_FIELDS(): the
 * copy in hmap_ioc_stats() names each of them, and the size admits no more.
 */
#define HMAP_STAT_INDEX(name, ...) HMAP_STAT_INDEX_##name,
enum { HMAP_STATS_FIELDS(HMAP_STAT_INDEX) HMAP_NR_STATS };
#undef HMAP_STAT_INDEX
static_assert(sizeof(struct hmap_stats) == HMAP_NR_STATS * sizeof(u64));

static int hmap_ioc_stats(struct hmap_ucmd *uc)
{
	struct hmap_ioc_stats *u = &uc->arg.stats;
	struct hmap_stats s;

	if (u->flags || u->__reserved)
		return -EINVAL;
	hmap_get_stats(uc->obj->map, &s);
#define HMAP_STAT_COPY(name, ...) .name = s.name,
	*u = (struct hmap_ioc_stats) {
		.size = u->size,
		HMAP_STATS_FIELDS(HMAP_STAT_COPY)
	};
#undef HMAP_STAT_COPY
	uc->respond = true;
	return 0;
}

static int hmap_ioc_clear(struct hmap_ucmd *uc)
{
	if (uc->arg.clear.flags)
		return -EINVAL;
	return hmap_clear(uc->obj->map);
}

/* Readers of @frozen hold @freeze_sem: see hmap_obj_ioctl(). */
static int hmap_ioc_freeze(struct hmap_ucmd *uc)
{
	struct hmap_obj *obj = uc->obj;

	if (uc->arg.freeze.flags)
		return -EINVAL;
	if (down_write_killable(&obj->freeze_sem))
		return -EINTR;
	obj->frozen = true;
	up_write(&obj->freeze_sem);
	return 0;
}

/**
 * struct hmap_ioctl - how to serve one command
 * @cmd: the command number.
 * @size: sizeof() its argument.
 * @min_size: the size of the first version of its argument.
 * @mode: the file modes it needs (FMODE_READ, FMODE_WRITE).
 * @out: it writes results back into its argument.
 * @changes: it may change the map, so it fails with EPERM (a batch: its
 *	operations that would) once the map is frozen.
 * @fn: the handler.
 */
struct hmap_ioctl {
	unsigned int cmd;
	u32 size;
	u32 min_size;
	fmode_t mode;
	bool out;
	bool changes;
	int (*fn)(struct hmap_ucmd *uc);
};

/* Indexed by _IOC_NR(); a batch checks the mode of each of its operations. */
static const struct hmap_ioctl hmap_ioctls[] = {
	[_IOC_NR(HMAP_IOC_PUT)] = {
		.cmd = HMAP_IOC_PUT,
		.changes = true,
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
		.changes = true,
		.size = sizeof(struct hmap_ioc_elem),
		.min_size = offsetofend(struct hmap_ioc_elem, value_len),
		.mode = FMODE_WRITE,
		.fn = hmap_ioc_delete,
	},
	[_IOC_NR(HMAP_IOC_TAKE)] = {
		.cmd = HMAP_IOC_TAKE,
		.changes = true,
		.size = sizeof(struct hmap_ioc_elem),
		.min_size = offsetofend(struct hmap_ioc_elem, value_len),
		.mode = FMODE_READ | FMODE_WRITE,
		.out = true,
		.fn = hmap_ioc_take,
	},
	[_IOC_NR(HMAP_IOC_BATCH)] = {
		.cmd = HMAP_IOC_BATCH,
		.changes = true,
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
		.changes = true,
		.size = sizeof(struct hmap_ioc_clear),
		.min_size = offsetofend(struct hmap_ioc_clear, flags),
		.mode = FMODE_WRITE,
		.fn = hmap_ioc_clear,
	},
	[_IOC_NR(HMAP_IOC_FREEZE)] = {
		.cmd = HMAP_IOC_FREEZE,
		.size = sizeof(struct hmap_ioc_freeze),
		.min_size = offsetofend(struct hmap_ioc_freeze, flags),
		.mode = FMODE_WRITE,
		.fn = hmap_ioc_freeze,
	},
	[_IOC_NR(HMAP_IOC_DRAIN)] = {
		.cmd = HMAP_IOC_DRAIN,
		.changes = true,
		.size = sizeof(struct hmap_ioc_dump),
		.min_size = offsetofend(struct hmap_ioc_dump, done),
		.mode = FMODE_READ | FMODE_WRITE,
		.out = true,
		.fn = hmap_ioc_drain,
	},
};

static const struct hmap_ioctl *hmap_ioctl_find(unsigned int cmd)
{
	unsigned int nr = _IOC_NR(cmd);

	if (nr >= ARRAY_SIZE(hmap_ioctls))
		return NULL;
	nr = array_index_nospec(nr, ARRAY_SIZE(hmap_ioctls));
	if (hmap_ioctls[nr].cmd != cmd || !hmap_ioctls[nr].fn)
		return NULL;
	return &hmap_ioctls[nr];
}

/* Copy the argument in: the copy_struct_from_user() contract, see the UAPI. */
static int hmap_ucmd_copy_in(struct hmap_ucmd *uc)
{
	const struct hmap_ioctl *ic = uc->ic;
	int err;

	if (get_user(uc->usize, (u32 __user *)uc->uarg))
		return -EFAULT;
	if (uc->usize < ic->min_size || uc->usize > PAGE_SIZE)
		return -EINVAL;
	/*
	 * Rewriting the size proves the argument writable before anything
	 * is done, so that a command whose results cannot be written back
	 * usually fails before it starts. Usually: another thread can still
	 * make the page read-only meanwhile, which is why a command that
	 * changes the map writes its results back before the change (take,
	 * batch), never after it.
	 */
	if (ic->out && put_user(uc->usize, (u32 __user *)uc->uarg))
		return -EFAULT;
	err = copy_struct_from_user(&uc->arg, ic->size, uc->uarg, uc->usize);
	return err == -E2BIG ? -EINVAL : err;
}

/* Copy @uc->arg back into the first @uc->usize bytes of the user's argument. */
static int hmap_ucmd_respond(struct hmap_ucmd *uc)
{
	if (copy_to_user(uc->uarg, &uc->arg, min(uc->usize, uc->ic->size)))
		return -EFAULT;
	return 0;
}

/*
 * A command that may change the map holds @obj->freeze_sem for reading, so
 * that a freeze waits for it; it fails with EPERM on a frozen map (a batch
 * checks each operation instead).
 */
static int hmap_ucmd_run(struct hmap_ucmd *uc)
{
	struct hmap_obj *obj = uc->obj;
	int err;

	if (!uc->ic->changes)
		return uc->ic->fn(uc);
	if (down_read_killable(&obj->freeze_sem))
		return -EINTR;
	if (obj->frozen && uc->ic->cmd != HMAP_IOC_BATCH)
		err = -EPERM;
	else
		err = uc->ic->fn(uc);
	up_read(&obj->freeze_sem);
	hmap_fs_memory_update(obj);
	return err;
}

/**
 * hmap_obj_ioctl() - serve one ioctl on a map
 * @obj: the map.
 * @file: the file the ioctl came through (its mode decides what it may do).
 * @cmd: the command.
 * @arg: its argument, a user pointer.
 *
 * Context: process context; @obj stays alive for the call (the caller's
 * open file pins it).
 * Return: 0 or a negative errno, as the UAPI header documents.
 */
long hmap_obj_ioctl(struct hmap_obj *obj, struct file *file,
		    unsigned int cmd, unsigned long arg)
{
	struct hmap_ucmd uc = {
		.obj = obj,
		.file = file,
		.uarg = (void __user *)arg,
	};
	int err;

	uc.ic = hmap_ioctl_find(cmd);
	if (!uc.ic)
		return -ENOTTY;
	if ((file->f_mode & uc.ic->mode) != uc.ic->mode)
		return -EBADF;
	err = hmap_ucmd_copy_in(&uc);
	if (err)
		return err;
	err = hmap_ucmd_run(&uc);
	if (uc.respond && hmap_ucmd_respond(&uc))
		err = -EFAULT;
	return err;
}

static long hmap_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return hmap_obj_ioctl(&hmap_legacy, file, cmd, arg);
}

static const struct file_operations hmap_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = hmap_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/*
 * Statistics in sysfs, one value per file: /sys/class/misc/hmap/<name>.
 * Readable by root only (0400), as /dev/hmap is usable by root only
 * (0600): the counts reveal how others use the map. Whoever may open the
 * device reads the same numbers with HMAP_IOC_STATS.
 */
#define HMAP_RESIZING_NAME(value, name) { value, name },
static const struct {
	u32 value;
	const char *name;
} hmap_resizing_names[] = {
	HMAP_RESIZING_KINDS(HMAP_RESIZING_NAME, HMAP_RESIZING_NAME)
};

#undef HMAP_RESIZING_NAME

/* A statistic in its format, for sysfs and hmap_obj_show(). */
static const char *hmap_word_number(u64 value, char *word, size_t size)
{
	snprintf(word, size, "%llu", (unsigned long long)value);
	return word;
}

static const char *hmap_word_resizing(u64 resize, char *word, size_t size)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hmap_resizing_names); i++)
		if (hmap_resizing_names[i].value == resize)
			return hmap_resizing_names[i].name;
	return hmap_word_number(resize, word, size);
}

/**
 * struct hmap_stat_attr - the sysfs file of one statistic
 * @dev_attr: the file, root-only (0400).
 * @offset: where the statistic is in &struct hmap_stats.
 * @word: formats it (hmap_word_number(), hmap_word_resizing()).
 */
struct hmap_stat_attr {
	struct device_attribute dev_attr;
	size_t offset;
	const char *(*word)(u64 value, char *word, size_t size);
};

static ssize_t hmap_stat_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	const struct hmap_stat_attr *sa =
		container_of(attr, struct hmap_stat_attr, dev_attr);
	struct hmap_stats s;
	char word[24];
	u64 value;

	hmap_get_stats(hmap_legacy.map, &s);
	memcpy(&value, (const char *)&s + sa->offset, sizeof(value));
	return sysfs_emit(buf, "%s\n", sa->word(value, word, sizeof(word)));
}

#define HMAP_STAT_ATTR(name, format)					\
	{ __ATTR(name, 0400, hmap_stat_show, NULL),			\
	  offsetof(struct hmap_stats, name), hmap_word_##format },
static struct hmap_stat_attr hmap_stat_attrs[HMAP_NR_STATS] = {
	HMAP_STATS_FIELDS(HMAP_STAT_ATTR)
};

#undef HMAP_STAT_ATTR

#define HMAP_STAT_ATTR_PTR(name, ...)				\
	(&hmap_stat_attrs[HMAP_STAT_INDEX_##name].dev_attr.attr),
static struct attribute *hmap_attrs[] = {
	HMAP_STATS_FIELDS(HMAP_STAT_ATTR_PTR)
	NULL,
};

#undef HMAP_STAT_ATTR_PTR
ATTRIBUTE_GROUPS(hmap);

static struct miscdevice hmap_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "hmap",
	.fops = &hmap_fops,
	.groups = hmap_groups,
	.mode = 0600,
};

/**
 * hmap_params_check() - check the parameters of a new map
 * @p: the parameters.
 * @verbose: name the first bad one and why in the kernel log (for the
 *	module parameters; user space hears of a named map's by its errno).
 *
 * Context: any.
 * Return: 0, or -EINVAL when one is out of range.
 */
int hmap_params_check(const struct hmap_params *p, bool verbose)
{
	if (!p->max_entries || p->max_entries > HMAP_ENTRIES_LIMIT) {
		if (verbose)
			pr_err("max_entries=%u: must be 1..%lu\n",
			       p->max_entries, HMAP_ENTRIES_LIMIT);
		return -EINVAL;
	}
	if (!p->max_key_size || p->max_key_size > HMAP_KEY_SIZE_LIMIT) {
		if (verbose)
			pr_err("max_key_size=%u: must be 1..%u bytes\n",
			       p->max_key_size, HMAP_KEY_SIZE_LIMIT);
		return -EINVAL;
	}
	if (p->max_value_size > HMAP_VALUE_SIZE_LIMIT) {
		if (verbose)
			pr_err("max_value_size=%u: must be 0..%lu bytes\n",
			       p->max_value_size, HMAP_VALUE_SIZE_LIMIT);
		return -EINVAL;
	}
	if (p->size_hint > p->max_entries) {
		if (verbose)
			pr_err("size_hint=%u: must not exceed max_entries=%u\n",
			       p->size_hint, p->max_entries);
		return -EINVAL;
	}
	if (p->flags & ~HMAP_CREATE_FLAGS) {
		if (verbose)
			pr_err("flags %#x: unknown\n",
			       p->flags & ~HMAP_CREATE_FLAGS);
		return -EINVAL;
	}
	return 0;
}

/**
 * hmap_obj_show() - a map's statistics as text, one "name value" a line
 * @obj: the map.
 * @buf: where to write them.
 * @size: bytes at @buf.
 *
 * The statistics of HMAP_STATS_FIELDS() in their order, then size_hint,
 * frozen and no_shrink.
 *
 * Context: process context; takes the map's lock.
 * Return: the length of the text (at most @size - 1).
 */
int hmap_obj_show(struct hmap_obj *obj, char *buf, size_t size)
{
	const struct hmap_stat_attr *sa;
	struct hmap_stats s;
	char word[24];
	int len = 0;
	u64 value;

	hmap_get_stats(obj->map, &s);
	for (sa = hmap_stat_attrs; sa < hmap_stat_attrs + HMAP_NR_STATS; sa++) {
		memcpy(&value, (const char *)&s + sa->offset, sizeof(value));
		len += scnprintf(buf + len, size - len, "%s %s\n",
				 sa->dev_attr.attr.name,
				 sa->word(value, word, sizeof(word)));
	}
	len += scnprintf(buf + len, size - len,
			 "size_hint %u\nfrozen %d\nno_shrink %d\n",
			 obj->params.size_hint, READ_ONCE(obj->frozen),
			 !!(obj->params.flags & HMAP_CREATE_NO_SHRINK));
	return len;
}

static int __init hmap_init(void)
{
	int err;

	hmap_legacy.params = (struct hmap_params) {
		.max_entries = max_entries,
		.max_key_size = max_key_size,
		.max_value_size = max_value_size,
		.size_hint = size_hint,
		.flags = no_shrink ? HMAP_CREATE_NO_SHRINK : 0,
	};
	init_rwsem(&hmap_legacy.freeze_sem);
	err = hmap_params_check(&hmap_legacy.params, true);
	if (err)
		return err;
	hmap_legacy.map = hmap_create(&hmap_legacy.params);
	if (IS_ERR(hmap_legacy.map)) {
		err = PTR_ERR(hmap_legacy.map);
		if (err == -ENOMEM && size_hint)
			pr_err("size_hint=%u: not enough memory for a map of that many keys\n",
			       size_hint);
		else
			pr_err("cannot create the map (max_entries=%u max_key_size=%u max_value_size=%u size_hint=%u): %pe\n",
			       max_entries, max_key_size, max_value_size,
			       size_hint, hmap_legacy.map);
		return err;
	}

	err = misc_register(&hmap_miscdev);
	if (err) {
		pr_err("cannot register /dev/hmap: %d\n", err);
		goto err_map;
	}
	err = hmap_fs_init();
	if (err)
		goto err_misc;
	return 0;

err_misc:
	misc_deregister(&hmap_miscdev);
err_map:
	hmap_destroy(hmap_legacy.map);
	return err;
}

/*
 * The filesystem pins the module while it is mounted, so no named map is
 * left when this runs.
 */
static void __exit hmap_exit(void)
{
	hmap_fs_exit();
	misc_deregister(&hmap_miscdev);
	hmap_destroy(hmap_legacy.map);
	/* Arrays retired by any map are freed by RCU callbacks of this module. */
	rcu_barrier();
}

module_init(hmap_init);
module_exit(hmap_exit);

MODULE_DESCRIPTION("hmap: incrementally resized hash maps served on /dev/hmap and the hmap filesystem");
MODULE_LICENSE("GPL");
