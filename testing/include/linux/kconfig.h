/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The configuration of the user-space build, force-included into every
 * file (the kernel force-includes its own linux/kconfig.h the same way).
 * CONFIG_KUNIT is on so that hmap_core.c has its test hooks: static stub
 * points (include/kunit/static_stub.h) and hmap_worker_run() & co.
 */
#ifndef _HMAP_USER_LINUX_KCONFIG_H
#define _HMAP_USER_LINUX_KCONFIG_H

#define CONFIG_KUNIT 1
#define CONFIG_SMP 1
#define CONFIG_64BIT 1
/* This build: code that must tell may test for it. */
#define CONFIG_HMAP_USER 1

/* IS_ENABLED() and friends, as in the kernel's linux/kconfig.h. */
#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val
#define __is_defined(x)			___is_defined(x)
#define ___is_defined(val)		____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk)	__take_second_arg(arg1_or_junk 1, 0)
#define IS_BUILTIN(option) __is_defined(option)
#define IS_MODULE(option) __is_defined(option##_MODULE)
#define IS_ENABLED(option) (IS_BUILTIN(option) || IS_MODULE(option))
#define IS_REACHABLE(option) IS_ENABLED(option)

#endif
