/* uri.c: percent-decoding (once), path normalisation, query and form fields. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "hex.h"
#include "http.h"
#include "uri.h"

/*
 * True if s is well-formed UTF-8 (RFC 3629): no overlong forms, no
 * surrogates, nothing above U+10FFFF.
 */
int
uri_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, k;
	unsigned int cp, min;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = p[i] & 0x1f;
			min = 0x80;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = p[i] & 0x0f;
			min = 0x800;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = p[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/*
 * Decodes a request path exactly once and normalises it: "//" folds to
 * "/", "." segments go, ".." removes the segment before it. out needs len
 * + 1 bytes and gets a NUL-terminated path that starts with '/' and keeps a
 * trailing '/'. Returns 0, or 400 for an invalid escape, a NUL or control
 * character, invalid UTF-8, or a ".." that would climb above the root.
 */
int
uri_path_decode(const char *in, size_t len, char *out, size_t *outlen)
{
	size_t i, o = 0, seg;
	unsigned char c, high = 0, dots = 0;
	int hi, lo;

	if (len == 0 || in[0] != '/')
		return HTTP_STATUS_BAD_REQUEST;
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == '%') {
			if (len - i < 3 ||
			    (hi = hex_value((unsigned char)in[i + 1])) == -1 ||
			    (lo = hex_value((unsigned char)in[i + 2])) == -1)
				return HTTP_STATUS_BAD_REQUEST;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return HTTP_STATUS_BAD_REQUEST;
		/* what the two passes below look for, seen on the way */
		high |= c;
		if ((c == '/' || c == '.') && o > 0 && out[o - 1] == '/')
			dots = 1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	*outlen = o;
	/* most paths are ASCII and have neither "//" nor a dot segment */
	if ((high & 0x80) && !uri_utf8_valid(out, o))
		return HTTP_STATUS_BAD_REQUEST;
	if (!dots)
		return 0;

	/* Resolve dot segments in place (RFC 3986 5.2.4), after decoding. */
	len = o;
	o = 0;
	for (i = 0; i < len;) {
		/* here in[i] is '/' */
		while (i + 1 < len && out[i + 1] == '/')
			i++;
		for (seg = i + 1; seg < len && out[seg] != '/'; seg++)
			;
		seg -= i + 1;
		if (seg == 1 && out[i + 1] == '.') {
			if (i + 2 >= len)
				out[o++] = '/';
		} else if (seg == 2 && out[i + 1] == '.' && out[i + 2] == '.') {
			if (o == 0)
				return HTTP_STATUS_BAD_REQUEST;
			while (o > 0 && out[--o] != '/')
				;
			if (i + 3 >= len)
				out[o++] = '/';
		} else {
			memmove(out + o, out + i, seg + 1);
			o += seg + 1;
		}
		i += seg + 1;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	*outlen = o;
	return 0;
}

/*
 * Decodes one application/x-www-form-urlencoded value: '+' is a space and
 * %XX is decoded once. out needs len + 1 bytes. Returns 0, or 400 for an
 * invalid escape, a NUL, or a result that is not UTF-8.
 */
int
uri_form_decode(const char *in, size_t len, char *out, size_t *outlen)
{
	size_t i, o = 0;
	int hi, lo;
	char c;

	for (i = 0; i < len; i++) {
		c = in[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (len - i < 3 ||
			    (hi = hex_value((unsigned char)in[i + 1])) == -1 ||
			    (lo = hex_value((unsigned char)in[i + 2])) == -1)
				return HTTP_STATUS_BAD_REQUEST;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0')
			return HTTP_STATUS_BAD_REQUEST;
		out[o++] = c;
	}
	out[o] = '\0';
	if (!uri_utf8_valid(out, o))
		return HTTP_STATUS_BAD_REQUEST;
	*outlen = o;
	return 0;
}

/*
 * Does the raw form name s[0..len) decode (as uri_form_decode does: '+'
 * is a space, %XX once) to key? A name with an invalid escape names
 * nothing.
 */
static int
form_name_is(const char *s, size_t len, const char *key)
{
	size_t i, k = 0;
	int hi, lo;
	char c;

	for (i = 0; i < len; i++, k++) {
		c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (len - i < 3 ||
			    (hi = hex_value((unsigned char)s[i + 1])) == -1 ||
			    (lo = hex_value((unsigned char)s[i + 2])) == -1)
				return 0;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (key[k] == '\0' || key[k] != c)
			return 0;
	}
	return key[k] == '\0';
}

/*
 * Finds the first field named key in a query string or form body
 * ("a=b&c=d"), comparing names after decoding them as values are. Sets
 * *val to the raw value (decode it with uri_form_decode). Returns 1 if
 * found, 0 if not.
 */
int
uri_form_get(const char *s, size_t len, const char *key, const char **val,
    size_t *vlen)
{
	size_t i = 0, j, eq;

	while (i <= len && s != NULL) {
		for (j = i; j < len && s[j] != '&'; j++)
			;
		for (eq = i; eq < j && s[eq] != '='; eq++)
			;
		if (form_name_is(s + i, eq - i, key)) {
			*val = eq < j ? s + eq + 1 : s + j;
			*vlen = eq < j ? j - eq - 1 : 0;
			return 1;
		}
		i = j + 1;
	}
	return 0;
}

/*
 * Appends a decoded, normalised path to b, percent-encoded wherever a
 * client could read a byte as anything but part of a path ('\\', '%',
 * '?', '#', spaces, controls, non-ASCII): what a Location may carry.
 */
void
uri_path_encode(struct buf *b, const char *p, size_t len)
{
	unsigned char c;
	size_t i;

	for (i = 0; i < len; i++) {
		c = (unsigned char)p[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ||
		    (c != '\0' && strchr("-._~!$&'()*+,;=:@/", c) != NULL))
			buf_addc(b, (char)c);
		else {
			buf_addc(b, '%');
			buf_addc(b, hex_upper[c >> 4]);
			buf_addc(b, hex_upper[c & 15]);
		}
	}
}
