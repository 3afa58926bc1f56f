// SPDX-License-Identifier: GPL-2.0
/*
 * The hmap filesystem: named maps, one file each.
 *
 * Why a filesystem: a map's owner, group and mode are then exactly a
 * file's, checked by the VFS on open(2) and changed by chmod(2) and
 * chown(2), its name is a directory entry, readdir(3) lists the maps and
 * unlink(2) destroys one; POSIX message queues (the mqueue filesystem) and
 * BPF's pinned objects (bpffs) are kernel objects served the same way. All
 * of it is libfs: this file adds a create ioctl on the directory (as
 * btrfs's BTRFS_IOC_SUBVOL_CREATE), since a map needs parameters that
 * open(O_CREAT) cannot carry, and ties a map's life to its inode.
 *
 * Lifetime. A map is its inode's: i_private points to its struct hmap_obj,
 * created with the inode and destroyed in ->evict_inode(), which runs once
 * the inode has no link (unlink(2), or the dentries killed by the last
 * umount) and no open file. An ioctl runs on an open file, which pins the
 * dentry, hence the inode, hence the map: no map can go while a command is
 * served on it, and no file can reach a map that is gone. The filesystem
 * has one superblock, shared by every mount (get_tree_single()); a mount
 * and an open file hold the module (the filesystem type's owner), so the
 * module cannot be unloaded while any named map exists.
 *
 * Memory. A map's allocations are charged to its creator's memory cgroup
 * (struct hmap_params.memcg). On top of the cgroup, two module parameters
 * bound the named maps: max_maps, their number, and maps_memory_limit,
 * the memory_bytes they hold together, which is checked before every put
 * (ENOSPC when reached) and updated after every command that changes a
 * map; so a put may go past it by what one put allocates.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fsnotify.h>
#include <linux/kobject.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "hmap.h"
#include "hmap_chardev.h"
#include "uapi/linux/hmap.h"

/*
 * 6.3 passes the mount's idmapping where 6.1 passed its user namespace
 * (Kbuild tells which by what the kernel's headers declare).
 */
#ifdef HMAP_HAVE_MNT_IDMAP
#define HMAP_NO_IDMAP	(&nop_mnt_idmap)
#else
#define HMAP_NO_IDMAP	(&init_user_ns)
#endif

static unsigned int max_maps = 4096;
module_param(max_maps, uint, 0644);
MODULE_PARM_DESC(max_maps,
		 "most named maps that may exist at once (default 4096)");

static unsigned int maps_memory_limit = 1024;
module_param(maps_memory_limit, uint, 0644);
MODULE_PARM_DESC(maps_memory_limit,
		 "MiB the named maps may hold together, 0 for no limit (default 1024)");

/* Named maps that exist, and the memory_bytes they held when last seen. */
static atomic_t hmap_fs_maps = ATOMIC_INIT(0);
static atomic64_t hmap_fs_memory = ATOMIC64_INIT(0);

/**
 * hmap_fs_memory_check() - may a put add to a map
 * @obj: the map.
 *
 * Context: any.
 * Return: 0, or -ENOSPC when @obj is named and the named maps hold
 * maps_memory_limit.
 */
int hmap_fs_memory_check(struct hmap_obj *obj)
{
	u64 limit = (u64)READ_ONCE(maps_memory_limit) * SZ_1M;

	if (obj->named && limit && atomic64_read(&hmap_fs_memory) >= limit)
		return -ENOSPC;
	return 0;
}

/**
 * hmap_fs_memory_update() - count a named map's memory again
 * @obj: the map; nothing is done unless it is named.
 *
 * Context: process context; takes the map's lock.
 */
void hmap_fs_memory_update(struct hmap_obj *obj)
{
	struct hmap_stats s;

	if (!obj->named)
		return;
	hmap_get_stats(obj->map, &s);
	atomic64_add(s.memory_bytes - atomic64_xchg(&obj->memory, s.memory_bytes),
		     &hmap_fs_memory);
}

static void hmap_fs_obj_free(struct hmap_obj *obj)
{
	hmap_destroy(obj->map);
	atomic64_sub(atomic64_read(&obj->memory), &hmap_fs_memory);
	kfree(obj);
	atomic_dec(&hmap_fs_maps);
}

/*
 * Names are what a shell, a URL and a JSON string take unquoted, and never
 * ".", ".." or a hidden file: refusing everything else refuses '/', control
 * bytes and invalid UTF-8 with it.
 */
static bool hmap_fs_name_ok(const char *name, size_t len)
{
	size_t i;

	if (!len || len > HMAP_NAME_MAX || name[0] == '.')
		return false;
	/* isalnum() alone is Latin-1: 0xff is a letter to it. */
	for (i = 0; i < len; i++)
		if (!isascii(name[i]) ||
		    (!isalnum(name[i]) && !strchr("._-", name[i])))
			return false;
	return true;
}

static ssize_t hmap_map_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct hmap_obj *obj = file->private_data;
	ssize_t ret;
	char *buf;
	int len;

	buf = kmalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	len = hmap_obj_show(obj, buf, PAGE_SIZE);
	ret = simple_read_from_buffer(ubuf, count, ppos, buf, len);
	kfree(buf);
	return ret;
}

static int hmap_map_open(struct inode *inode, struct file *file)
{
	file->private_data = inode->i_private;
	return 0;
}

static long hmap_map_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	return hmap_obj_ioctl(file->private_data, file, cmd, arg);
}

static const struct file_operations hmap_map_fops = {
	.owner = THIS_MODULE,
	.open = hmap_map_open,
	.read = hmap_map_read,
	.llseek = default_llseek,
	.unlocked_ioctl = hmap_map_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* Give a new inode the current time, on 6.1 and 6.12 alike. */
static void hmap_fs_inode_init_ts(struct inode *inode)
{
#ifdef HMAP_HAVE_INODE_INIT_TS
	simple_inode_init_ts(inode);
#else
	inode->i_atime = current_time(inode);
	inode->i_mtime = inode->i_atime;
	inode->i_ctime = inode->i_atime;
#endif
}

/* Create the map of @c and its file in @dir; the caller holds @dir's lock. */
static int hmap_fs_create_locked(struct dentry *parent,
				 const struct hmap_ioc_create *c,
				 const struct hmap_params *params)
{
	struct inode *dir = d_inode(parent);
	struct hmap_params p = *params;
	struct mem_cgroup *memcg;
	struct hmap_stats stats;
	struct dentry *dentry;
	struct hmap_obj *obj;
	struct inode *inode;
	int err;

	dentry = lookup_one_len(c->name, parent, strlen(c->name));
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	if (d_really_is_positive(dentry)) {
		err = -EEXIST;
		goto err_dput;
	}

	err = -ENOMEM;
	obj = kzalloc(sizeof(*obj), GFP_KERNEL_ACCOUNT);
	if (!obj)
		goto err_dput;
	obj->named = true;
	obj->params = p;
	init_rwsem(&obj->freeze_sem);
	memcg = get_mem_cgroup_from_mm(current->mm);
	p.memcg = memcg;
	obj->map = hmap_create(&p);
	mem_cgroup_put(memcg);
	if (IS_ERR(obj->map)) {
		err = PTR_ERR(obj->map);
		goto err_free;
	}
	inode = new_inode(dir->i_sb);
	if (!inode)
		goto err_destroy;

	hmap_get_stats(obj->map, &stats);
	inode->i_ino = stats.id;
	inode_init_owner(HMAP_NO_IDMAP, inode, dir,
			 S_IFREG | (c->mode & ~current_umask()));
	hmap_fs_inode_init_ts(inode);
	inode->i_fop = &hmap_map_fops;
	inode->i_private = obj;
	atomic_inc(&hmap_fs_maps);
	hmap_fs_memory_update(obj);
	/* The lookup's reference is the one that keeps the file. */
	d_instantiate(dentry, inode);
	fsnotify_create(dir, dentry);
	return 0;

err_destroy:
	hmap_destroy(obj->map);
err_free:
	kfree(obj);
err_dput:
	dput(dentry);
	return err;
}

static int hmap_fs_create(struct file *file, const struct hmap_ioc_create *c)
{
	struct dentry *parent = file->f_path.dentry;
	struct inode *dir = d_inode(parent);
	const struct hmap_params params = {
		.max_entries = c->max_entries,
		.max_key_size = c->max_key_size,
		.max_value_size = c->max_value_size,
		.size_hint = c->size_hint,
		.flags = c->flags,
	};
	u64 limit = (u64)READ_ONCE(maps_memory_limit) * SZ_1M;
	int err;

	if (c->__reserved || c->mode & ~0777)
		return -EINVAL;
	if (!hmap_fs_name_ok(c->name, strnlen(c->name, sizeof(c->name))))
		return -EINVAL;
	if (memchr_inv(c->name + strlen(c->name), 0,
		       sizeof(c->name) - strlen(c->name)))
		return -EINVAL;
	err = hmap_params_check(&params, false);
	if (err)
		return err;

	err = mnt_want_write_file(file);
	if (err)
		return err;
	inode_lock_nested(dir, I_MUTEX_PARENT);
	err = inode_permission(HMAP_NO_IDMAP, dir, MAY_WRITE | MAY_EXEC);
	if (err)
		goto out;
	/* Under the directory's lock, so that creates cannot overshoot. */
	err = -ENOSPC;
	if (atomic_read(&hmap_fs_maps) >= READ_ONCE(max_maps))
		goto out;
	if (limit && atomic64_read(&hmap_fs_memory) >= limit)
		goto out;
	err = hmap_fs_create_locked(parent, c, &params);
out:
	inode_unlock(dir);
	mnt_drop_write_file(file);
	return err;
}

/* The directory's ioctl: HMAP_IOC_CREATE, with the rules of the others. */
static long hmap_dir_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct hmap_ioc_create c;
	u32 usize;
	int err;

	if (cmd != HMAP_IOC_CREATE)
		return -ENOTTY;
	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < offsetofend(struct hmap_ioc_create, __reserved) ||
	    usize > PAGE_SIZE)
		return -EINVAL;
	err = copy_struct_from_user(&c, sizeof(c), uarg, usize);
	if (err)
		return err == -E2BIG ? -EINVAL : err;
	return hmap_fs_create(file, &c);
}

static const struct file_operations hmap_dir_fops = {
	.open = dcache_dir_open,
	.release = dcache_dir_close,
	.llseek = dcache_dir_lseek,
	.read = generic_read_dir,
	.iterate_shared = dcache_readdir,
	.fsync = noop_fsync,
	.unlocked_ioctl = hmap_dir_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* No create, mkdir, link or rename: maps are made by HMAP_IOC_CREATE only. */
static const struct inode_operations hmap_dir_iops = {
	.lookup = simple_lookup,
	.unlink = simple_unlink,
};

static void hmap_fs_evict_inode(struct inode *inode)
{
	struct hmap_obj *obj = inode->i_private;

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	if (obj)
		hmap_fs_obj_free(obj);
}

static const struct super_operations hmap_fs_sops = {
	.statfs = simple_statfs,
	.drop_inode = generic_delete_inode,
	.evict_inode = hmap_fs_evict_inode,
};

static int hmap_fs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	static const struct tree_descr none[] = { { "" } };
	struct inode *root;
	int err;

	err = simple_fill_super(sb, HMAP_FS_MAGIC, none);
	if (err)
		return err;
	sb->s_op = &hmap_fs_sops;
	root = d_inode(sb->s_root);
	/* Like /tmp: anyone creates, only the owner (or root) unlinks. */
	root->i_mode = S_IFDIR | S_ISVTX | 0777;
	root->i_op = &hmap_dir_iops;
	root->i_fop = &hmap_dir_fops;
	return 0;
}

static int hmap_fs_get_tree(struct fs_context *fc)
{
	return get_tree_single(fc, hmap_fs_fill_super);
}

static const struct fs_context_operations hmap_fs_context_ops = {
	.get_tree = hmap_fs_get_tree,
};

static int hmap_fs_init_fs_context(struct fs_context *fc)
{
	fc->ops = &hmap_fs_context_ops;
	return 0;
}

static struct file_system_type hmap_fs_type = {
	.owner = THIS_MODULE,
	.name = "hmap",
	.init_fs_context = hmap_fs_init_fs_context,
	.kill_sb = kill_litter_super,
};

/**
 * hmap_fs_init() - register the hmap filesystem and /sys/fs/hmap
 *
 * Context: module init.
 * Return: 0 or a negative errno.
 */
int __init hmap_fs_init(void)
{
	int err;

	err = sysfs_create_mount_point(fs_kobj, "hmap");
	if (err)
		return err;
	err = register_filesystem(&hmap_fs_type);
	if (err)
		sysfs_remove_mount_point(fs_kobj, "hmap");
	return err;
}

/**
 * hmap_fs_exit() - unregister them
 *
 * Context: module exit; the filesystem is not mounted (a mount pins the
 * module), so no named map exists.
 */
void hmap_fs_exit(void)
{
	unregister_filesystem(&hmap_fs_type);
	sysfs_remove_mount_point(fs_kobj, "hmap");
}
