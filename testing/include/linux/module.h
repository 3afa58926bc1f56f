/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HMAP_USER_LINUX_MODULE_H
#define _HMAP_USER_LINUX_MODULE_H

#include <linux/export.h>
#include <linux/moduleparam.h>

#define MODULE_LICENSE(x)		extern int __hmap_user_module_license
#define MODULE_DESCRIPTION(x)		extern int __hmap_user_module_description
#define MODULE_AUTHOR(x)		extern int __hmap_user_module_author
#define MODULE_IMPORT_NS(x)		extern int __hmap_user_module_import_ns
#define MODULE_INFO(tag, info)		extern int __hmap_user_module_info
#define THIS_MODULE			((void *)0)

#endif
