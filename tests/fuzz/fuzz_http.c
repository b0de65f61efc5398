/*
 * fuzz_http.c: the request-head parser and the chunked body after it.
 *
 * The input is what a client sends on a connection. It is parsed in one
 * shot, then fed the way the worker meets it (conn.c): a first read cut at
 * a point the first byte chooses, then all of it; and, for short inputs,
 * one byte at a time. Each way must end where the one-shot parse does.
 */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include "chunked.h"
#include "fuzz.h"
#include "http.h"
#include "uri.h"

/* Small limits, so that every 414, 431 and 413 path is in reach. */
static const struct http_limits limits = {
	.request_line = 256,
	.header_size = 1024,
	.header_fields = 16,
	.body_size = 4096,
};

/* Repeated list fields are combined here, as in the worker. */
static char join[1024 + 1];

/* Byte-at-a-time feeding costs a parse per byte: only for short inputs. */
#define TRICKLE_MAX 2048

/* A parsed request with slices as offsets, to compare across buffers. */
struct snap {
	int rc;
	int method, minor;
	long off[18], len[18]; /* -1: NULL, -2: the static "/" */
	int64_t content_length;
	unsigned chunked, keep_alive, asterisk, expect_continue;
	size_t head_len;
};

static void
slice_check(const struct http_slice *s, const char *buf, size_t head_len,
    int optional)
{
	if (s->p == NULL) {
		FUZZ_CHECK(optional && s->len == 0);
		return;
	}
	FUZZ_CHECK(fuzz_within(s->p, s->len, buf, head_len) ||
	    (optional && fuzz_within(s->p, s->len, join, sizeof(join))));
	FUZZ_CHECK(memchr(s->p, '\n', s->len) == NULL);
	FUZZ_CHECK(memchr(s->p, '\r', s->len) == NULL);
}

static void
slice_off(const struct http_slice *s, const char *buf, size_t size, long *off,
    long *len)
{
	if (s->p == NULL)
		*off = -1;
	else if (fuzz_within(s->p, s->len, buf, size))
		*off = (long)(s->p - buf);
	else if (fuzz_within(s->p, s->len, join, sizeof(join)))
		*off = -1000 - (long)(s->p - join); /* combined values */
	else
		*off = -2; /* absolute-form without a path: "/" */
	*len = (long)s->len;
}

static void
snap_take(struct snap *sn, int rc, const struct http_request *r,
    const char *buf, size_t size)
{
	const struct http_slice *s[18] = {
		&r->line,
		&r->path,
		&r->query,
		&r->host,
		&r->content_type,
		&r->if_none_match,
		&r->if_modified_since,
		&r->if_match,
		&r->if_unmodified_since,
		&r->range,
		&r->if_range,
		&r->accept_encoding,
		&r->referer,
		&r->user_agent,
		&r->origin,
		&r->sec_fetch_site,
		&r->sec_purpose,
		&r->purpose,
	};
	size_t i;

	memset(sn, 0, sizeof(*sn));
	sn->rc = rc;
	if (rc != 0)
		return;
	sn->method = (int)r->method;
	sn->minor = r->minor;
	for (i = 0; i < 18; i++)
		slice_off(s[i], buf, size, &sn->off[i], &sn->len[i]);
	sn->content_length = r->content_length;
	sn->chunked = r->chunked;
	sn->keep_alive = r->keep_alive;
	sn->asterisk = r->asterisk;
	sn->expect_continue = r->expect_continue;
	sn->head_len = r->head_len;
}

static void
snap_same(const struct snap *a, const struct snap *b, const char *how)
{
	/* both were zeroed whole by snap_take, padding included */
	// NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
	if (memcmp(a, b, sizeof(*a)) == 0)
		return;
	fprintf(stderr,
	    "fuzz_http: %s gives %d, one shot gives %d\n"
	    "(head_len %zu and %zu)\n",
	    how, a->rc, b->rc, a->head_len, b->head_len);
	FUZZ_CHECK(!"incremental parse differs from the one-shot parse");
}

/* What must hold of a head the parser accepted. */
static void
head_check(const struct http_request *r, const char *buf, size_t size)
{
	size_t hl = r->head_len;

	FUZZ_CHECK(hl > 0 && hl <= size && hl <= limits.header_size);
	FUZZ_CHECK(buf[hl - 1] == '\n');
	FUZZ_CHECK(r->method < HTTP_METHOD_COUNT);
	FUZZ_CHECK(r->minor == 0 || r->minor == 1);
	slice_check(&r->line, buf, hl, 0);
	FUZZ_CHECK(r->line.len <= limits.request_line);
	FUZZ_CHECK(r->path.p != NULL && r->path.len > 0);
	if (r->asterisk)
		FUZZ_CHECK(r->method == HTTP_METHOD_OPTIONS &&
		    r->path.len == 1 && r->path.p[0] == '*');
	else
		FUZZ_CHECK(r->path.p[0] == '/');
	if (!(r->path.len == 1 && !fuzz_within(r->path.p, 1, buf, size)))
		slice_check(&r->path, buf, hl, 0);
	slice_check(&r->query, buf, hl, 1);
	slice_check(&r->host, buf, hl, r->minor == 0);
	slice_check(&r->content_type, buf, hl, 1);
	slice_check(&r->if_none_match, buf, hl, 1);
	slice_check(&r->if_modified_since, buf, hl, 1);
	slice_check(&r->if_match, buf, hl, 1);
	slice_check(&r->if_unmodified_since, buf, hl, 1);
	slice_check(&r->range, buf, hl, 1);
	slice_check(&r->if_range, buf, hl, 1);
	slice_check(&r->accept_encoding, buf, hl, 1);
	slice_check(&r->referer, buf, hl, 1);
	slice_check(&r->user_agent, buf, hl, 1);
	slice_check(&r->origin, buf, hl, 1);
	slice_check(&r->sec_fetch_site, buf, hl, 1);
	slice_check(&r->sec_purpose, buf, hl, 1);
	slice_check(&r->purpose, buf, hl, 1);
	FUZZ_CHECK(r->content_length >= -1);
	FUZZ_CHECK(r->content_length <= (int64_t)limits.body_size);
	if (r->chunked)
		FUZZ_CHECK(r->content_length == -1 && r->minor == 1);
}

/* The chunked-body reader on what follows the head: scan, then decode. */
static void
body_check(const char *after, size_t n)
{
	char *p = fuzz_dup(after, n);
	size_t raw1 = 0, body1 = 0, raw2 = 0, body2 = 0;
	int rc1, rc2;

	rc1 = chunked_body(p, n, limits.body_size, 0, &raw1, &body1);
	FUZZ_CHECK(memcmp(p, after, n) == 0); /* a scan writes nothing */
	rc2 = chunked_body(p, n, limits.body_size, 1, &raw2, &body2);
	FUZZ_CHECK(rc1 == rc2);
	if (rc1 == 0) {
		FUZZ_CHECK(raw1 == raw2 && body1 == body2);
		FUZZ_CHECK(raw1 <= n && body1 < raw1);
		FUZZ_CHECK(body1 <= limits.body_size);
	} else
		FUZZ_CHECK(
		    rc1 == HTTP_AGAIN || http_status_reason(rc1) != NULL);
	free(p);
}

/* What the worker does next with an accepted head: its path and query. */
static void
target_check(const struct http_request *r)
{
	const char *v;
	char *out;
	size_t n, vlen;
	int rc;

	if (!r->asterisk) {
		out = malloc(r->path.len + 1);
		if (out == NULL)
			abort();
		rc = uri_path_decode(r->path.p, r->path.len, out, &n);
		FUZZ_CHECK(rc == 0 || rc == HTTP_STATUS_BAD_REQUEST);
		if (rc == 0)
			FUZZ_CHECK(n <= r->path.len && out[0] == '/' &&
			    out[n] == '\0');
		free(out);
	}
	if (r->query.p != NULL &&
	    uri_form_get(r->query.p, r->query.len, "message", &v, &vlen))
		FUZZ_CHECK(fuzz_within(v, vlen, r->query.p, r->query.len));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req, req2;
	struct snap one, other;
	char *buf, *pre;
	size_t scanned, cut, len;
	int rc, rc2;

	buf = fuzz_dup(data, size);

	/* One shot. */
	scanned = 0;
	rc = http_parse_head(&req, buf, size, &scanned, &limits, join,
	    sizeof(join));
	snap_take(&one, rc, &req, buf, size);
	if (rc == HTTP_AGAIN)
		FUZZ_CHECK(scanned <= size);
	else if (rc == 0) {
		head_check(&req, buf, size);
		target_check(&req);
		body_check(buf + req.head_len, size - req.head_len);
	} else
		FUZZ_CHECK(rc >= 400 && http_status_reason(rc) != NULL);

	/* Two reads, cut where the first byte says, each in its own buffer. */
	cut = size > 0 ? (size_t)data[0] * (size + 1) / 256 : 0;
	pre = fuzz_dup(data, cut);
	scanned = 0;
	rc2 = http_parse_head(&req2, pre, cut, &scanned, &limits, join,
	    sizeof(join));
	if (rc2 == HTTP_AGAIN) {
		FUZZ_CHECK(scanned <= cut);
		rc2 = http_parse_head(&req2, buf, size, &scanned, &limits, join,
		    sizeof(join));
		snap_take(&other, rc2, &req2, buf, size);
	} else
		snap_take(&other, rc2, &req2, pre, cut);
	free(pre);
	snap_same(&other, &one, "two reads");

	/* A byte at a time, stopping where the worker would. */
	if (size <= TRICKLE_MAX) {
		scanned = 0;
		for (len = 1; len <= size; len++) {
			rc2 = http_parse_head(&req2, buf, len, &scanned,
			    &limits, join, sizeof(join));
			if (rc2 != HTTP_AGAIN)
				break;
		}
		if (size == 0)
			rc2 = HTTP_AGAIN;
		snap_take(&other, rc2, &req2, buf, size);
		snap_same(&other, &one, "byte-at-a-time");
	}

	free(buf);
	return 0;
}
