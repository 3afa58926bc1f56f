/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Binary-safe text forms of keys and values, for hmapctl.
 *
 * Escaped form (the TSV of dump and load, and -e arguments): bytes stand for
 * themselves except backslash, written \\, tab \t, newline \n, carriage
 * return \r, every other byte below 0x20 and 0x7f, written \xHH, and every
 * byte from 0x80 up that is not part of a UTF-8 character, or is part of a
 * C1 control character (U+0080..U+009F), also written \xHH. So escaped text
 * is valid UTF-8 with no control characters, and UTF-8 text stays readable.
 * On input \0 and \xHH (any byte) are accepted too. Hex form: two hex
 * digits per byte.
 *
 * JSON: keys and values are strings when they are UTF-8, else hex; a small
 * streaming reader takes back what hmapctl writes.
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
/* A JSON string of the C string @s; bytes that are not UTF-8 become U+FFFD. */
void json_text(FILE *f, const char *s);

/* Reads JSON from a stream, one token at a time. */
struct json_reader {
	FILE *f;
	unsigned long long line;	/* the line being read, from 1 */
	const char *why;		/* what was wrong, after a -1 */
};

void json_reader_init(struct json_reader *r, FILE *f);
/* The next character after white space, left unread; EOF at the end. */
int json_peek(struct json_reader *r);
/* Read the character json_peek() returned. */
void json_next(struct json_reader *r);
/*
 * Read a string into *@buf (of *@cap bytes, grown with realloc()), its
 * length into *@len. 0, or -1 with the reason in @r->why.
 */
int json_read_string(struct json_reader *r, char **buf, size_t *len,
		     size_t *cap);
/* Read and forget any value. 0 or -1. */
int json_skip_value(struct json_reader *r);

#endif /* TEXTENC_H */
