/*
 * fuzz_chunked.c: the chunked body reader (RFC 9112 7.1) on its own.
 *
 * The input is the bytes after a request head. The worker (conn.c) scans
 * them (decode 0) each time more arrive, and once the scan says complete
 * decodes them in place (decode 1) trusting the scan's lengths: the two
 * must agree, the decoded bytes must be the chunks' data, and a prefix of
 * the input must give "more" or the very answer the whole gives.
 */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include "chunked.h"
#include "fuzz.h"
#include "http.h"

#define MAX_BODY    4096 /* small, so that 413 is in reach */
#define TRICKLE_MAX 512	 /* every prefix, for inputs this short */
#define NL_CUTS	    32	 /* cuts before the first and last LFs */

struct result {
	int rc;
	size_t raw, body;
};

static struct result
scan(char *p, size_t n)
{
	struct result r = { 0, 0, 0 };

	r.rc = chunked_body(p, n, MAX_BODY, 0, &r.raw, &r.body);
	if (r.rc != 0)
		r.raw = r.body = 0;
	return r;
}

/*
 * The data of an accepted body, found by walking its framing naively:
 * hex size, skip to LF, data, optional CR, LF; until size 0.
 */
static size_t
walk(const char *in, size_t n, char *out)
{
	size_t i = 0, o = 0, size;
	const char *nl;
	int h;

	for (;;) {
		for (size = 0; i < n; i++) {
			char c = in[i];

			if (c >= '0' && c <= '9')
				h = c - '0';
			else if (c >= 'a' && c <= 'f')
				h = c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				h = c - 'A' + 10;
			else
				break;
			size = size * 16 + (size_t)h;
		}
		nl = memchr(in + i, '\n', n - i);
		FUZZ_CHECK(nl != NULL);
		i = (size_t)(nl - in) + 1;
		if (size == 0)
			return o;
		FUZZ_CHECK(size <= n - i);
		memcpy(out + o, in + i, size);
		o += size;
		i += size;
		if (i < n && in[i] == '\r')
			i++;
		FUZZ_CHECK(i < n && in[i] == '\n');
		i++;
	}
}

/* Checks that n bytes, in a buffer of their own, are a prefix of whole. */
static void
prefix_check(const uint8_t *data, size_t n, const struct result *whole)
{
	char *p = fuzz_dup(data, n);
	struct result r = scan(p, n);

	free(p);
	if (r.rc == HTTP_AGAIN)
		return;
	if (r.rc == whole->rc && r.raw == whole->raw && r.body == whole->body)
		return;
	fprintf(stderr,
	    "fuzz_chunked: a prefix gives %d, the whole body %d\n"
	    "(the first %zu bytes: raw %zu, body %zu; all: raw %zu, body %zu)"
	    "\n",
	    r.rc, whole->rc, n, r.raw, r.body, whole->raw, whole->body);
	FUZZ_CHECK(!"a prefix gives another answer than the whole body");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result whole, dec = { 0, 0, 0 };
	char *p, *ref;
	size_t i, n, nls, seen;

	p = fuzz_dup(data, size);

	/* Scan, then decode in place. */
	whole = scan(p, size);
	FUZZ_CHECK(memcmp(p, data, size) == 0);
	dec.rc = chunked_body(p, size, MAX_BODY, 1, &dec.raw, &dec.body);
	FUZZ_CHECK(dec.rc == whole.rc);
	if (whole.rc == 0) {
		FUZZ_CHECK(dec.raw == whole.raw && dec.body == whole.body);
		FUZZ_CHECK(whole.raw <= size && whole.body < whole.raw);
		FUZZ_CHECK(whole.body <= MAX_BODY);
		ref = malloc(whole.body + 1);
		if (ref == NULL)
			abort();
		FUZZ_CHECK(
		    walk((const char *)data, whole.raw, ref) == whole.body);
		FUZZ_CHECK(memcmp(ref, p, whole.body) == 0);
		free(ref);
	} else
		FUZZ_CHECK(whole.rc == HTTP_AGAIN ||
		    whole.rc == HTTP_STATUS_BAD_REQUEST ||
		    whole.rc == HTTP_STATUS_CONTENT_TOO_LARGE ||
		    whole.rc == HTTP_STATUS_HEADER_FIELDS_TOO_LARGE);
	free(p);

	/* Prefixes: where the first and the last byte say, ... */
	if (size > 0) {
		prefix_check(data, (size_t)data[0] * size / 256, &whole);
		prefix_check(data, (size_t)data[size - 1] * size / 256, &whole);
	}
	/* ... between each CR and LF (the first and the last few), ... */
	for (i = 0, nls = 0; i < size; i++)
		nls += data[i] == '\n';
	for (i = 0, seen = 0; i < size; i++) {
		if (data[i] != '\n')
			continue;
		if (seen < NL_CUTS || nls - seen <= NL_CUTS)
			prefix_check(data, i, &whole);
		seen++;
	}
	/* ... and, for short inputs, every one. */
	if (size <= TRICKLE_MAX) {
		p = fuzz_dup(data, size);
		for (n = 0; n < size; n++) {
			struct result r = scan(p, n);

			if (r.rc == HTTP_AGAIN)
				continue;
			if (r.rc != whole.rc || r.raw != whole.raw ||
			    r.body != whole.body)
				prefix_check(data, n, &whole); /* reports */
			break;
		}
		free(p);
	}
	return 0;
}
