/* SPDX-License-Identifier: GPL-2.0 */
/* prefetch(): the compiler's builtin, as the kernel's generic version. */
#ifndef _HMAP_USER_LINUX_PREFETCH_H
#define _HMAP_USER_LINUX_PREFETCH_H

#define prefetch(x) __builtin_prefetch(x)

#endif
