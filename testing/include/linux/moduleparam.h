/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters of numeric type; an environment variable
 * HMAP_KUNIT_PARAM_<name> sets one before main(), as insmod name=value would.
 */
#ifndef _HMAP_USER_LINUX_MODULEPARAM_H
#define _HMAP_USER_LINUX_MODULEPARAM_H

#include <stdlib.h>

#define module_param(name, type, perm)					\
	__attribute__((constructor)) static void __hmap_user_param_##name(void) \
	{								\
		const char *__v = getenv("HMAP_KUNIT_PARAM_" #name);	\
									\
		if (__v)						\
			name = (typeof(name))strtoull(__v, NULL, 0);	\
	}								\
	extern int __hmap_user_module_param_##name
#define MODULE_PARM_DESC(name, desc)	extern int __hmap_user_module_parm_desc_##name

#endif
