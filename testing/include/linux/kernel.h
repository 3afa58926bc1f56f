/* SPDX-License-Identifier: GPL-2.0 */
/* The odds and ends the kernel's linux/kernel.h (and math.h) gather. */
#ifndef _HMAP_USER_LINUX_KERNEL_H
#define _HMAP_USER_LINUX_KERNEL_H

#include <limits.h>
#include <stdio.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/container_of.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/types.h>

#define ARRAY_SIZE(arr)		(sizeof(arr) / sizeof((arr)[0]))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define round_up(x, y)		((((x) - 1) | ((typeof(x))((y) - 1))) + 1)
#define ALIGN(x, a)		(((x) + ((typeof(x))(a) - 1)) & ~((typeof(x))(a) - 1))
#define upper_32_bits(n)	((u32)((u64)(n) >> 32))
#define lower_32_bits(n)	((u32)((n) & 0xffffffff))
#define typecheck_fn(type, function) \
	({ typeof(type) __tmp = function; (void)__tmp; })
#define pr_err(fmt, ...)	fprintf(stderr, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)	fprintf(stderr, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)	fprintf(stderr, fmt, ##__VA_ARGS__)

#endif
