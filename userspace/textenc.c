// SPDX-License-Identifier: GPL-2.0
/*
 * Binary-safe text forms of keys and values. See textenc.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "textenc.h"

static size_t utf8_seq(const unsigned char *p, size_t len);

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static long hex_decode(const char *s, size_t len, char *out, const char **why)
{
	size_t i;

	if (len % 2) {
		*why = "odd number of hex digits";
		return -1;
	}
	for (i = 0; i < len; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);

		if (hi < 0 || lo < 0) {
			*why = "not a hex digit";
			return -1;
		}
		out[i / 2] = (char)(hi << 4 | lo);
	}
	return (long)(len / 2);
}

/* The short escapes: the byte and the letter after the backslash. */
static const char esc_bytes[] = { '\\', '\t', '\n', '\r', '\0' };
static const char esc_letters[] = { '\\', 't', 'n', 'r', '0' };

/* The letter of the short escape of @c, or 0 (\0 is only read). */
static char esc_letter(char c)
{
	const char *p = memchr(esc_bytes, c, sizeof(esc_bytes) - 1);

	return p ? esc_letters[p - esc_bytes] : 0;
}

/* Decode the escape at s[*i] (just after the backslash) into *c. */
static int unescape_one(const char *s, size_t len, size_t *i, char *c)
{
	const char *p;
	int hi, lo;

	if (*i >= len)
		return -1;
	p = memchr(esc_letters, s[*i], sizeof(esc_letters));
	if (p) {
		*c = esc_bytes[p - esc_letters];
		(*i)++;
		return 0;
	}
	if (s[*i] != 'x' || *i + 3 > len)
		return -1;
	hi = hexval(s[*i + 1]);
	lo = hexval(s[*i + 2]);
	if (hi < 0 || lo < 0)
		return -1;
	*i += 3;
	*c = (char)(hi << 4 | lo);
	return 0;
}

static long escape_decode(const char *s, size_t len, char *out,
			  const char **why)
{
	size_t i = 0, o = 0;

	while (i < len) {
		char c = s[i++];

		if (c == '\\' && unescape_one(s, len, &i, &c)) {
			*why = "bad escape (use \\\\ \\t \\n \\r \\0 or \\xHH)";
			return -1;
		}
		out[o++] = c;
	}
	return (long)o;
}

long text_decode(enum textenc enc, const char *s, size_t len, char *out,
		 const char **why)
{
	switch (enc) {
	case TEXT_HEX:
		return hex_decode(s, len, out, why);
	case TEXT_ESCAPE:
		return escape_decode(s, len, out, why);
	case TEXT_RAW:
		break;
	}
	memcpy(out, s, len);
	return (long)len;
}

static void escape_encode(FILE *f, const unsigned char *p, size_t len)
{
	size_t i = 0, n;
	char e;

	while (i < len) {
		e = esc_letter((char)p[i]);
		if (e) {
			fprintf(f, "\\%c", e);
			i++;
			continue;
		}
		if (p[i] < 0x80) {
			if (p[i] < 0x20 || p[i] == 0x7f)
				fprintf(f, "\\x%02x", p[i]);
			else
				putc(p[i], f);
			i++;
			continue;
		}
		/* A UTF-8 character passes, unless it is a C1 control. */
		n = utf8_seq(p + i, len - i);
		if (n && !(p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			fwrite(p + i, 1, n, f);
			i += n;
			continue;
		}
		/* Both bytes of a C1 control, or the one byte that is not UTF-8. */
		for (n = n ? n : 1; n; n--)
			fprintf(f, "\\x%02x", p[i++]);
	}
}

static void hex_encode(FILE *f, const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(f, "%02x", p[i]);
}

void text_encode(FILE *f, enum textenc enc, const void *p, size_t len)
{
	switch (enc) {
	case TEXT_HEX:
		hex_encode(f, p, len);
		return;
	case TEXT_ESCAPE:
		escape_encode(f, p, len);
		return;
	case TEXT_RAW:
		break;
	}
	fwrite(p, 1, len, f);
}

/* Length of the UTF-8 sequence at p[0..len), or 0 if it is not valid. */
static size_t utf8_seq(const unsigned char *p, size_t len)
{
	size_t n, i;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

bool utf8_valid(const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i = 0, n;

	while (i < len) {
		n = utf8_seq(s + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

void json_string(FILE *f, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i;

	putc('"', f);
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			fprintf(f, "\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] == 0x7f)
			fprintf(f, "\\u%04x", s[i]);
		else
			putc(s[i], f);
	}
	putc('"', f);
}

void json_bytes(FILE *f, const char *name, const void *p, size_t len,
		bool hex)
{
	if (!hex && utf8_valid(p, len)) {
		fprintf(f, "\"%s\":", name);
		json_string(f, p, len);
		return;
	}
	fprintf(f, "\"%s_hex\":\"", name);
	hex_encode(f, p, len);
	putc('"', f);
}

void json_text(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n;

	putc('"', f);
	while (i < len) {
		if (p[i] == '"' || p[i] == '\\') {
			fprintf(f, "\\%c", p[i++]);
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			fprintf(f, "\\u%04x", p[i++]);
		} else if (p[i] < 0x80) {
			putc(p[i++], f);
		} else {
			n = utf8_seq(p + i, len - i);
			if (n)
				fwrite(p + i, 1, n, f);
			else
				fputs("\\ufffd", f);
			i += n ? n : 1;
		}
	}
	putc('"', f);
}

/* ---- reading JSON ------------------------------------------------------ */

/* Nesting that json_skip_value() follows before it gives up. */
#define JSON_MAX_DEPTH	64

void json_reader_init(struct json_reader *r, FILE *f)
{
	r->f = f;
	r->line = 1;
	r->why = NULL;
}

static int json_getc(struct json_reader *r)
{
	int c = getc(r->f);

	if (c == '\n')
		r->line++;
	return c;
}

int json_peek(struct json_reader *r)
{
	int c;

	do
		c = json_getc(r);
	while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
	if (c != EOF)
		ungetc(c, r->f);
	return c;
}

void json_next(struct json_reader *r)
{
	json_getc(r);
}

static int buf_put(char **buf, size_t *len, size_t *cap, const void *p,
		   size_t n)
{
	char *nbuf;
	size_t ncap;

	if (*len + n > *cap) {
		ncap = *cap ? *cap : 64;
		while (ncap < *len + n)
			ncap *= 2;
		nbuf = realloc(*buf, ncap);
		if (!nbuf)
			return -1;
		*buf = nbuf;
		*cap = ncap;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	return 0;
}

/* The four hex digits of a \u escape; -1 if they are not. */
static long json_hex4(struct json_reader *r)
{
	long v = 0;
	int i, d;

	for (i = 0; i < 4; i++) {
		d = hexval((char)json_getc(r));
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* The code point of the \u escape just read (and of its pair's second half). */
static long json_code_point(struct json_reader *r)
{
	long cp = json_hex4(r), lo;

	if (cp < 0xd800 || cp > 0xdfff)
		return cp;
	if (cp > 0xdbff || json_getc(r) != '\\' || json_getc(r) != 'u')
		return -1;
	lo = json_hex4(r);
	if (lo < 0xdc00 || lo > 0xdfff)
		return -1;
	return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
}

static size_t utf8_put(unsigned char *u, long cp)
{
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	u[0] = (unsigned char)(0xf0 | cp >> 18);
	u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	u[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The byte an escape letter stands for, or -1. */
static int json_unescape(int c)
{
	static const char from[] = "\"\\/bfnrt";
	static const char to[] = "\"\\/\b\f\n\r\t";
	const char *p = c > 0 ? strchr(from, c) : NULL;

	return p ? to[p - from] : -1;
}

int json_read_string(struct json_reader *r, char **buf, size_t *len,
		     size_t *cap)
{
	unsigned char u[4];
	long cp;
	size_t n;
	int c;

	*len = 0;
	if (json_peek(r) != '"') {
		r->why = "expected a string";
		return -1;
	}
	json_getc(r);
	for (;;) {
		c = json_getc(r);
		if (c == EOF) {
			r->why = "unterminated string";
			return -1;
		}
		if (c == '"')
			break;
		if (c < 0x20) {
			r->why = "control character in a string (escape it)";
			return -1;
		}
		u[0] = (unsigned char)c;
		n = 1;
		if (c == '\\') {
			c = json_getc(r);
			if (c == 'u') {
				cp = json_code_point(r);
				if (cp < 0) {
					r->why = "bad \\u escape";
					return -1;
				}
				n = utf8_put(u, cp);
			} else if (json_unescape(c) >= 0) {
				u[0] = (unsigned char)json_unescape(c);
			} else {
				r->why = "bad escape in a string";
				return -1;
			}
		}
		if (buf_put(buf, len, cap, u, n)) {
			r->why = "out of memory";
			return -1;
		}
	}
	/* Room for a terminating NUL, which callers may add. */
	if (buf_put(buf, len, cap, "", 1)) {
		r->why = "out of memory";
		return -1;
	}
	(*len)--;
	return 0;
}

static int json_skip_depth(struct json_reader *r, int depth);

static bool json_literal_char(int c)
{
	return c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') ||
	       (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The members of an object or the elements of an array, after its '{'/'['. */
static int json_skip_items(struct json_reader *r, int close, int depth)
{
	char *s = NULL;
	size_t len, cap = 0;
	int ret = 0;

	if (json_peek(r) == close) {
		json_getc(r);
		return 0;
	}
	for (;;) {
		if (close == '}') {
			ret = json_read_string(r, &s, &len, &cap);
			if (!ret && json_peek(r) != ':') {
				r->why = "expected ':'";
				ret = -1;
			}
			if (ret)
				break;
			json_getc(r);
		}
		ret = json_skip_depth(r, depth);
		if (ret)
			break;
		if (json_peek(r) == close) {
			json_getc(r);
			break;
		}
		if (json_peek(r) != ',') {
			r->why = close == '}' ? "expected ',' or '}'" :
						"expected ',' or ']'";
			ret = -1;
			break;
		}
		json_getc(r);
	}
	free(s);
	return ret;
}

static int json_skip_depth(struct json_reader *r, int depth)
{
	char *s = NULL;
	size_t len, cap = 0;
	int c = json_peek(r), ret;

	if (depth >= JSON_MAX_DEPTH) {
		r->why = "nested too deep";
		return -1;
	}
	if (c == '"') {
		ret = json_read_string(r, &s, &len, &cap);
		free(s);
		return ret;
	}
	if (c == '{' || c == '[') {
		json_getc(r);
		return json_skip_items(r, c == '{' ? '}' : ']', depth + 1);
	}
	/* A number, true, false or null: its characters. */
	len = 0;
	while (json_literal_char(c)) {
		json_getc(r);
		c = getc(r->f);
		if (c != EOF)
			ungetc(c, r->f);
		len++;
	}
	if (!len) {
		r->why = c == EOF ? "unexpected end of input" : "expected a value";
		return -1;
	}
	return 0;
}

int json_skip_value(struct json_reader *r)
{
	return json_skip_depth(r, 0);
}
