// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hmap: serves one hmap to user space through ioctls.
 */
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/fs.h>

#include "hmap.h"

static const struct file_operations hmap_fops = {
	.owner = THIS_MODULE,
};

static struct miscdevice hmap_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "hmap",
	.fops = &hmap_fops,
	.mode = 0600,
};

static int __init hmap_init(void)
{
	return misc_register(&hmap_miscdev);
}

static void __exit hmap_exit(void)
{
	misc_deregister(&hmap_miscdev);
}

module_init(hmap_init);
module_exit(hmap_exit);

MODULE_DESCRIPTION("hmap: an incrementally resized hash map served on /dev/hmap");
MODULE_LICENSE("GPL");
