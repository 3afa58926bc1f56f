/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Binary-safe text forms of keys and values, for hmapctl.
 *
 * Escaped form (the TSV of dump and load, and -e arguments): bytes stand for
 * themselves except backslash, written \\, tab \t, newline \n, carriage
 * return \r, and every other byte below 0x20 and 0x7f, written \xHH. On
 * input \0 and \xHH (any byte) are accepted too. Hex form: two hex digits
 * per byte.
 */
#ifndef TEXTENC_H
#define TEXTENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum textenc {
	TEXT_RAW,	/* bytes as they are */
	TEXT_ESCAPE,	/* backslash escapes */
	TEXT_HEX,	/* hex digits */
};

/*
 * Decode @len bytes at @s in form @enc into @out (which has room for @len
 * bytes: no form is longer decoded than encoded). Returns the decoded
 * length, or -1 with a reason in *@why.
 */
long text_decode(enum textenc enc, const char *s, size_t len, char *out,
		 const char **why);
void text_encode(FILE *f, enum textenc enc, const void *p, size_t len);
bool utf8_valid(const void *p, size_t len);
/* A JSON string of valid UTF-8 @p, quotes included. */
void json_string(FILE *f, const void *p, size_t len);
/* "name":"text" if @p is valid UTF-8 and not @hex, else "name_hex":"hex". */
void json_bytes(FILE *f, const char *name, const void *p, size_t len,
		bool hex);

#endif /* TEXTENC_H */
