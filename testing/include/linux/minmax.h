/* SPDX-License-Identifier: GPL-2.0 */
/*
 * min()/max(). The kernel's also reject comparisons that mix signedness
 * at compile time; these leave that to the kernel build.
 */
#ifndef _HMAP_USER_LINUX_MINMAX_H
#define _HMAP_USER_LINUX_MINMAX_H

#define min(x, y) ({ __auto_type __x = (x); __auto_type __y = (y);	\
		     __x < __y ? __x : __y; })
#define max(x, y) ({ __auto_type __x = (x); __auto_type __y = (y);	\
		     __x > __y ? __x : __y; })
#define min_t(type, x, y) ({ type __x = (x); type __y = (y);		\
			     __x < __y ? __x : __y; })
#define max_t(type, x, y) ({ type __x = (x); type __y = (y);		\
			     __x > __y ? __x : __y; })
#define max3(x, y, z)		max(max(x, y), z)
#define clamp(val, lo, hi)	min(max(val, lo), hi)
#define clamp_t(type, val, lo, hi) min_t(type, max_t(type, val, lo), hi)
#define swap(a, b) do { typeof(a) __tmp = (a); (a) = (b); (b) = __tmp; } while (0)

#endif
