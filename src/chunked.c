/* chunked.c: the chunked transfer coding of a request body (RFC 9112 7.1). */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chunked.h"
#include "hex.h"
#include "http.h"

/* Bytes of chunk extensions and trailer fields accepted in one body. */
#define CHUNK_META_MAX 4096

/*
 * A line of chunk metadata is still arriving: already too long, or wait.
 * A last CR may be the start of its CRLF, so it does not count yet.
 */
static int
pending_meta(const char *p, size_t i, size_t len, size_t meta)
{
	size_t n = len - i;

	if (n > 0 && p[len - 1] == '\r')
		n--;
	return meta + n > CHUNK_META_MAX ? HTTP_STATUS_HEADER_FIELDS_TOO_LARGE
					 : HTTP_AGAIN;
}

/*
 * Reads a chunked body (RFC 9112 7.1) from p[0..len). Returns HTTP_AGAIN
 * until it is complete, then 0 with *raw_len (bytes consumed) and
 * *body_len; with decode, the data is also moved together at p. Returns
 * 400 for bad framing, 413 past max_body and 431 for too much metadata.
 */
int
chunked_body(char *p, size_t len, size_t max_body, int decode, size_t *raw_len,
    size_t *body_len)
{
	size_t i = 0, out = 0, meta = 0, size, ext;
	int h, digits;
	const char *nl;

	for (;;) {
		size = 0;
		for (digits = 0;
		     i < len && (h = hex_value((unsigned char)p[i])) != -1;
		     i++) {
			if (size > (SIZE_MAX >> 4))
				return HTTP_STATUS_BAD_REQUEST;
			size = size << 4 | (size_t)h;
			digits++;
		}
		if (i == len)
			return HTTP_AGAIN;
		if (digits == 0)
			return HTTP_STATUS_BAD_REQUEST;
		if (size > max_body || out > max_body - size)
			return HTTP_STATUS_CONTENT_TOO_LARGE;
		/* chunk extensions are read and ignored, within a bound */
		if ((nl = memchr(p + i, '\n', len - i)) == NULL)
			return pending_meta(p, i, len, meta);
		ext = (size_t)(nl - (p + i));
		if (ext > 0 && nl[-1] == '\r')
			ext--;
		meta += ext;
		if (meta > CHUNK_META_MAX)
			return HTTP_STATUS_HEADER_FIELDS_TOO_LARGE;
		if ((ext > 0 && p[i] != ';') ||
		    !http_field_value_ok((const unsigned char *)p + i, ext))
			return HTTP_STATUS_BAD_REQUEST;
		i = (size_t)(nl - p) + 1;
		if (size == 0)
			break;
		if (len - i < size + 1)
			return HTTP_AGAIN;
		if (decode)
			memmove(p + out, p + i, size);
		out += size;
		i += size;
		if (p[i] == '\r') {
			if (i + 1 >= len)
				return HTTP_AGAIN;
			i++;
		}
		if (p[i] != '\n')
			return HTTP_STATUS_BAD_REQUEST;
		i++;
	}
	/* trailer section: field lines up to an empty line */
	for (;;) {
		if ((nl = memchr(p + i, '\n', len - i)) == NULL)
			return pending_meta(p, i, len, meta);
		size = (size_t)(nl - (p + i));
		if (size > 0 && nl[-1] == '\r')
			size--;
		meta += size;
		if (meta > CHUNK_META_MAX)
			return HTTP_STATUS_HEADER_FIELDS_TOO_LARGE;
		if (!http_field_value_ok((const unsigned char *)p + i, size) ||
		    (size > 0 &&
			(memchr(p + i, ':', size) == NULL || p[i] == ' ' ||
			    p[i] == '\t')))
			return HTTP_STATUS_BAD_REQUEST;
		i = (size_t)(nl - p) + 1;
		if (size == 0)
			break;
	}
	*raw_len = i;
	*body_len = out;
	return 0;
}
