/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HMAP_USER_LINUX_STRING_H
#define _HMAP_USER_LINUX_STRING_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

/* Copy a C string, always terminated; -E2BIG if it did not fit. */
static inline ssize_t strscpy(char *dst, const char *src, size_t size)
{
	size_t len;

	if (!size)
		return -E2BIG;
	len = strnlen(src, size);
	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = 0;
		return -E2BIG;
	}
	memcpy(dst, src, len + 1);
	return len;
}

/* The first byte in [@start, @start + @bytes) that is not @c, or NULL. */
static inline void *memchr_inv(const void *start, int c, size_t bytes)
{
	const unsigned char *p = start;

	for (; bytes; p++, bytes--)
		if (*p != (unsigned char)c)
			return (void *)p;
	return NULL;
}

#endif
