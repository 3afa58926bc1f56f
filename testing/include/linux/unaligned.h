/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HMAP_USER_LINUX_UNALIGNED_H
#define _HMAP_USER_LINUX_UNALIGNED_H

#include <string.h>
#include <asm/byteorder.h>

/* As the kernel's: through a packed struct. */
#define get_unaligned(ptr) ({						\
	const struct { typeof(*(ptr)) x; } __attribute__((packed)) *__p = \
		(const void *)(ptr);					\
	__p->x;								\
})
#define put_unaligned(val, ptr) do {					\
	struct { typeof(*(ptr)) x; } __attribute__((packed)) *__p =	\
		(void *)(ptr);						\
	__p->x = (val);							\
} while (0)

#define get_unaligned_le64(p)	le64_to_cpu(get_unaligned((const __le64 *)(p)))

#endif
