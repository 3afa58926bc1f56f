/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HMAP_USER_ASM_BYTEORDER_H
#define _HMAP_USER_ASM_BYTEORDER_H

#include <endian.h>
#include <linux/types.h>

#define le64_to_cpu(x)		((__u64)le64toh((__u64)(x)))

#endif
