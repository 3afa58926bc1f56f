/* SPDX-License-Identifier: GPL-2.0 */
/* prefetch(), prefetchw(): builtins, as the kernel's generic versions. */
#ifndef _HMAP_USER_LINUX_PREFETCH_H
#define _HMAP_USER_LINUX_PREFETCH_H

#define prefetch(x) __builtin_prefetch(x)
#define prefetchw(x) __builtin_prefetch(x, 1)

#endif
