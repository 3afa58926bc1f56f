/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What hmap_chardev.c (the ioctls) and hmap_fs.c (the named maps) share:
 * a map as user space sees it, and the ioctl entry point both serve.
 */
#ifndef _HMAP_CHARDEV_H
#define _HMAP_CHARDEV_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/rwsem.h>
#include <linux/types.h>

#include "hmap.h"

/**
 * struct hmap_obj - a map served to user space
 * @map: the map.
 * @params: the parameters it was created with (the ioctls check sizes
 *	against them before copying anything in).
 * @freeze_sem: held for reading by every command that may change the map,
 *	for writing by HMAP_IOC_FREEZE while it sets @frozen, so that no
 *	change is in flight once a freeze returns.
 * @frozen: the map is read-only for everyone (HMAP_IOC_FREEZE).
 * @named: a map of the hmap filesystem, subject to its memory limit; not
 *	the map of /dev/hmap.
 * @memory: with @named: the map's memory_bytes when last looked at, as
 *	counted in the named maps' total.
 */
struct hmap_obj {
	struct hmap *map;
	struct hmap_params params;
	struct rw_semaphore freeze_sem;
	bool frozen;
	bool named;
	atomic64_t memory;
};

long hmap_obj_ioctl(struct hmap_obj *obj, struct file *file,
		    unsigned int cmd, unsigned long arg);
int hmap_obj_show(struct hmap_obj *obj, char *buf, size_t size);
int hmap_params_check(const struct hmap_params *p, bool verbose);

/* In hmap_fs.c: the named maps' memory limit. */
int hmap_fs_memory_check(struct hmap_obj *obj);
void hmap_fs_memory_update(struct hmap_obj *obj);
int hmap_fs_init(void);
void hmap_fs_exit(void);

#endif /* _HMAP_CHARDEV_H */
