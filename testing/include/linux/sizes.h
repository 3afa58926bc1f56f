/* SPDX-License-Identifier: GPL-2.0 */
/* The SZ_* sizes of the kernel's <linux/sizes.h> that the tests use. */
#ifndef _HMAP_USER_LINUX_SIZES_H
#define _HMAP_USER_LINUX_SIZES_H

#define SZ_1K	0x00000400
#define SZ_4K	0x00001000
#define SZ_64K	0x00010000
#define SZ_128K	0x00020000
#define SZ_1M	0x00100000

#endif
