// SPDX-License-Identifier: GPL-2.0
/*
 * Binary-safe text forms of keys and values. See textenc.h.
 */
#include <string.h>

#include "textenc.h"

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
	size_t i;
	char e;

	for (i = 0; i < len; i++) {
		e = esc_letter((char)p[i]);
		if (e)
			fprintf(f, "\\%c", e);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			fprintf(f, "\\x%02x", p[i]);
		else
			putc(p[i], f);
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
