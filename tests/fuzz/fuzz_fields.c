/*
 * fuzz_fields.c: the request header values static.c and date.c parse.
 *
 * The input is one field value, given to each parser in turn: Range
 * (static_range, for several representation sizes), If-Range
 * (static_if_range), If-None-Match (static_etag_match), Accept-Encoding
 * (static_accepts) and HTTP-dates (date_parse_http). Where the value is
 * well formed by RFC 9110's grammar, each answer is held against a plain
 * model written from the RFC; on any value, against invariants: a
 * satisfiable range lies within the representation, a list with the tag
 * itself matches it, a parsed date formats to a valid IMF-fixdate that
 * parses back to the same time.
 */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdint.h>
#include <strings.h>

#include "date.h"
#include "fuzz.h"
#include "http.h"
#include "precond.h"
#include "static.h"
#include "xsite.h"

#define OWS(c) ((c) == ' ' || (c) == '\t')

static int
tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') ||
	    ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static struct http_slice
slice(const char *p, size_t len)
{
	struct http_slice s = { p, len };

	return s;
}

/* A malloc'd a + b + c, of exactly its length (*len). */
static char *
cat3(const char *a, size_t alen, const char *b, size_t blen, const char *c,
    size_t *len)
{
	size_t clen = strlen(c);
	char *p;

	*len = alen + blen + clen;
	if ((p = malloc(*len > 0 ? *len : 1)) == NULL)
		abort();
	memcpy(p, a, alen);
	memcpy(p + alen, b, blen);
	memcpy(p + alen + blen, c, clen);
	return p;
}

/* A NUL-terminated copy, or NULL if s holds a NUL. */
static char *
cstr(const char *s, size_t len)
{
	char *p;

	if (memchr(s, '\0', len) != NULL)
		return NULL;
	if ((p = malloc(len + 1)) == NULL)
		abort();
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* ---------------------------------------------------------------- Range */

/*
 * Decimal digits at *i; a number past the largest file size (INT64_MAX)
 * counts as that, as static.c documents. No digits: -1.
 */
static int
digits(const char *s, size_t len, size_t *i, uint64_t *v)
{
	size_t start = *i;

	for (*v = 0; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++) {
		/* saturate at INT64_MAX, however many digits follow */
		if (*v > INT64_MAX / 10 ||
		    (*v = *v * 10 + (uint64_t)(s[*i] - '0')) > INT64_MAX)
			*v = INT64_MAX;
	}
	return *i > start ? 0 : -1;
}

/* RFC 9110 14.1.2 for one range: 1, 0 (ignored) or -1 (unsatisfiable). */
static int
range_model(const char *s, size_t len, uint64_t size, uint64_t *start,
    uint64_t *n)
{
	uint64_t a, b;
	size_t i = 6;
	int ha, hb;

	if (len < 6 || strncasecmp(s, "bytes=", 6) != 0 ||
	    memchr(s, ',', len) != NULL)
		return 0;
	ha = digits(s, len, &i, &a) == 0;
	if (i == len || s[i++] != '-')
		return 0;
	hb = digits(s, len, &i, &b) == 0;
	if (i != len || (!ha && !hb))
		return 0;
	if (!ha) {
		if (b == 0 || size == 0)
			return -1;
		*start = b >= size ? 0 : size - b;
	} else {
		if (hb && b < a)
			return 0;
		if (a >= size)
			return -1;
		*start = a;
		if (hb && b < size)
			size = b + 1;
	}
	*n = size - *start;
	return 1;
}

static void
range_check(const char *in, size_t len)
{
	static const off_t sizes[] = { 0, 1, 2, 10, 4096, (off_t)1 << 40,
		INT64_MAX - 1, INT64_MAX };
	struct http_slice h = slice(in, len), none = slice(NULL, 0);
	off_t start, n;
	uint64_t mstart = 0, mn = 0;
	size_t k;
	int rc, mrc;

	FUZZ_CHECK(static_range(&none, 10, &start, &n) == 0);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		start = n = -7;
		rc = static_range(&h, sizes[k], &start, &n);
		mrc = range_model(in, len, (uint64_t)sizes[k], &mstart, &mn);
		FUZZ_CHECK(rc == mrc);
		if (rc != 1)
			continue;
		FUZZ_CHECK(start >= 0 && n >= 1 && start < sizes[k] &&
		    n <= sizes[k] - start);
		FUZZ_CHECK((uint64_t)start == mstart && (uint64_t)n == mn);
	}
}

/* ------------------------------------------------------------ HTTP-date */

static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
	"Sat" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static int
num(const char *s, size_t n, int lo, int hi)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v >= lo && v <= hi;
}

static int
name_in(const char *s, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(s, names[i], 3) == 0)
			return 1;
	return 0;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" and nothing else. */
static int
fixdate_ok(const char *s)
{
	return strlen(s) == DATE_HTTP_LEN && name_in(s, days, 7) &&
	    memcmp(s + 3, ", ", 2) == 0 && num(s + 5, 2, 1, 31) &&
	    s[7] == ' ' && name_in(s + 8, months, 12) && s[11] == ' ' &&
	    num(s + 12, 4, 1, 9999) && s[16] == ' ' && num(s + 17, 2, 0, 23) &&
	    s[19] == ':' && num(s + 20, 2, 0, 59) && s[22] == ':' &&
	    num(s + 23, 2, 0, 60) && strcmp(s + 25, " GMT") == 0;
}

/* Returns 0 and the time if in is an HTTP-date, else -1. */
static int
date_check(const char *in, size_t len, time_t *t)
{
	const time_t lo = -62135596800LL; /* 0001-01-01T00:00:00Z */
	const time_t hi = 253402300799LL; /* 9999-12-31T23:59:59Z */
	char buf[DATE_HTTP_LEN + 1];
	time_t back = 0;
	int rc;

	rc = date_parse_http(in, len, t);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc != 0)
		return -1;
	FUZZ_CHECK(len >= 24 && memchr(in, '\0', len) == NULL);
	memset(buf, 'x', sizeof(buf));
	date_format_http(buf, *t);
	FUZZ_CHECK(fixdate_ok(buf));
	FUZZ_CHECK(date_parse_http(buf, DATE_HTTP_LEN, &back) == 0);
	FUZZ_CHECK(*t < lo || *t > hi || back == *t);
	return 0;
}

/* ------------------------------------------------------------- If-Range */

static void
if_range_check(const char *in, size_t len, int dated, time_t t)
{
	static const char tag[] = "\"5f3a1c0-1c\"";
	struct http_slice h = slice(in, len), none = slice(NULL, 0);
	char *s;

	FUZZ_CHECK(static_if_range(&none, tag, 0, 0) == 1);
	if (len > 0 && in[0] == '"') {
		FUZZ_CHECK(static_if_range(&h, tag, 0, 1000) ==
		    (len == sizeof(tag) - 1 && memcmp(in, tag, len) == 0));
		if ((s = cstr(in, len)) != NULL) {
			FUZZ_CHECK(static_if_range(&h, s, 0, 1000) == 1);
			free(s);
		}
		return;
	}
	if (!dated) {
		FUZZ_CHECK(static_if_range(&h, tag, t, t + 1) == 0);
		return;
	}
	/* equal to Last-Modified, and that a second older than now */
	FUZZ_CHECK(static_if_range(&h, tag, t, t + 1) == 1);
	FUZZ_CHECK(static_if_range(&h, tag, t, t + 1000) == 1);
	FUZZ_CHECK(static_if_range(&h, tag, t, t) == 0);
	FUZZ_CHECK(static_if_range(&h, tag, t - 1, t + 1000) == 0);
	FUZZ_CHECK(static_if_range(&h, tag, t + 1, t + 1000) == 0);
}

/* -------------------------------------------------------- If-None-Match */

/*
 * If in is "*" or a list of entity tags (RFC 9110 8.8.3, 5.6.1: empty
 * elements and OWS around commas allowed) of at most max tags, returns 1
 * and fills tags with the opaque tags, quotes included; else 0.
 */
static int
etag_list(const char *in, size_t len, struct http_slice *tags, size_t max,
    size_t *ntags, int *star)
{
	size_t i = 0, j;

	*ntags = 0;
	*star = 0;
	while (i < len && OWS(in[i]))
		i++;
	if (i < len && in[i] == '*') {
		for (j = i + 1; j < len && OWS(in[j]); j++)
			;
		*star = 1;
		return j == len;
	}
	for (;;) {
		while (i < len && (OWS(in[i]) || in[i] == ','))
			i++;
		if (i == len)
			return 1;
		if (len - i >= 2 && in[i] == 'W' && in[i + 1] == '/')
			i += 2;
		if (i == len || in[i] != '"')
			return 0;
		for (j = i + 1; j < len && in[j] != '"'; j++) {
			unsigned char c = (unsigned char)in[j];

			if (c < 0x21 || c == 0x7f)
				return 0;
		}
		if (j == len)
			return 0;
		if (*ntags == max)
			return 0; /* longer than the model keeps: no verdict */
		tags[(*ntags)++] = slice(in + i, j + 1 - i);
		for (i = j + 1; i < len && OWS(in[i]); i++)
			;
		if (i < len && in[i] != ',')
			return 0;
	}
}

/* No comma outside quotes, and the quotes closed. */
static int
one_element(const char *in, size_t len)
{
	size_t i;
	int quoted = 0;

	for (i = 0; i < len; i++)
		if (in[i] == '"')
			quoted = !quoted;
		else if (in[i] == ',' && !quoted)
			return 0;
	return !quoted;
}

static int
etag_model(const struct http_slice *tags, size_t n, int star, const char *e)
{
	size_t i;

	if (star)
		return 1;
	for (i = 0; i < n; i++)
		if (tags[i].len == strlen(e) &&
		    memcmp(tags[i].p, e, tags[i].len) == 0)
			return 1;
	return 0;
}

static void
etag_check(const char *in, size_t len)
{
	static const char *const ours[] = { "\"5f3a1c0-1c\"",
		"\"5f3a1c0-1c-gz\"", "\"\"", "\"*\"" };
	struct http_slice h = slice(in, len), tags[8];
	size_t n, k, blen, alen;
	char *e, *b, *a;
	int star, ok;

	ok = etag_list(in, len, tags, 8, &n, &star);
	for (k = 0; k < sizeof(ours) / sizeof(ours[0]); k++) {
		int r = static_etag_match(&h, ours[k]);

		FUZZ_CHECK(r == 0 || r == 1);
		if (ok)
			FUZZ_CHECK(r == etag_model(tags, n, star, ours[k]));
	}
	/* every tag of a well-formed list matches */
	for (k = 0; ok && k < n; k++) {
		e = cstr(tags[k].p, tags[k].len);
		FUZZ_CHECK(e != NULL && static_etag_match(&h, e) == 1);
		free(e);
	}
	/* any value that is one element, as a tag, matches itself, also
	 * weak and in a list */
	if (len == 0 || !one_element(in, len) || OWS(in[0]) ||
	    OWS(in[len - 1]) || in[0] == '*' ||
	    (len >= 2 && in[0] == 'W' && in[1] == '/') ||
	    (e = cstr(in, len)) == NULL)
		return;
	FUZZ_CHECK(static_etag_match(&h, e) == 1);
	b = cat3("W/", 2, in, len, "", &blen);
	h = slice(b, blen);
	FUZZ_CHECK(static_etag_match(&h, e) == 1);
	a = cat3("\"x\",W/", 6, in, len, " ,\t\"y\"", &alen);
	h = slice(a, alen);
	FUZZ_CHECK(static_etag_match(&h, e) == 1);
	free(a);
	free(b);
	free(e);
}

/* ------------------------------------------------------ Accept-Encoding */

/* qvalue (RFC 9110 12.4.2); sets *zero. */
static int
qvalue(const char *s, size_t len, int *zero)
{
	size_t i;

	if (len == 0 || (s[0] != '0' && s[0] != '1'))
		return 0;
	*zero = s[0] == '0';
	if (len == 1)
		return 1;
	if (s[1] != '.' || len > 5)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < '0' || s[i] > (s[0] == '1' ? '0' : '9'))
			return 0;
		else if (s[i] != '0')
			*zero = 0;
	return 1;
}

/*
 * Accept-Encoding by RFC 9110 12.5.3: 1 or 0 for coding, or -1 if in is
 * not #( codings [ weight ] ). No wildcard: "*" is a coding no file has.
 */
static int
accepts_model(const char *in, size_t len, const char *coding)
{
	size_t i = 0, t, te, q;
	int zero, found = -1;

	for (;;) {
		while (i < len && (OWS(in[i]) || in[i] == ','))
			i++;
		if (i == len)
			return found == -1 ? 0 : found;
		for (t = i; i < len && tchar((unsigned char)in[i]); i++)
			;
		if (i == t)
			return -1;
		te = i;
		while (i < len && OWS(in[i]))
			i++;
		zero = 0;
		if (i < len && in[i] == ';') {
			for (i++; i < len && OWS(in[i]); i++)
				;
			if (len - i < 2 || (in[i] | 0x20) != 'q' ||
			    in[i + 1] != '=')
				return -1;
			for (q = i += 2; i < len && !OWS(in[i]) && in[i] != ',';
			     i++)
				;
			if (!qvalue(in + q, i - q, &zero))
				return -1;
			while (i < len && OWS(in[i]))
				i++;
		}
		if (i < len && in[i] != ',')
			return -1;
		if (found == -1 && te - t == strlen(coding) &&
		    strncasecmp(in + t, coding, te - t) == 0)
			found = !zero;
	}
}

/* static_accepts of coding, then sep, then in. */
static int
first(const char *coding, const char *sep, const char *in, size_t len)
{
	struct http_slice h;
	size_t n, clen = strlen(coding);
	char *p, *q;
	int r;

	p = cat3(coding, clen, sep, strlen(sep), "", &n);
	if ((q = realloc(p, n + len > 0 ? n + len : 1)) == NULL)
		abort();
	p = q;
	memcpy(p + n, in, len);
	h = slice(p, n + len);
	r = static_accepts(&h, coding);
	free(p);
	return r;
}

static void
accepts_check(const char *in, size_t len)
{
	static const char *const codings[] = { "gzip", "br", "GZip" };
	struct http_slice h = slice(in, len);
	size_t k, n;
	char *p;
	int r, m;

	for (k = 0; k < sizeof(codings) / sizeof(codings[0]); k++) {
		const char *c = codings[k], *other = k == 1 ? "gzip" : "br";

		r = static_accepts(&h, c);
		FUZZ_CHECK(r == 0 || r == 1);
		if ((m = accepts_model(in, len, c)) != -1)
			FUZZ_CHECK(r == m);
		/* the first element naming the coding decides */
		FUZZ_CHECK(first(c, " ; Q=0.000 ,", in, len) == 0);
		FUZZ_CHECK(first(c, ";q=1,", in, len) == 1);
		FUZZ_CHECK(first(c, ",", in, len) == 1);
		/* an element for another coding changes nothing */
		p = cat3(in, len, ", ", 2, other, &n);
		h = slice(p, n);
		FUZZ_CHECK(static_accepts(&h, c) == r);
		free(p);
		h = slice(in, len);
	}
}

/*
 * The value as each precondition field (If-Match, If-None-Match, the
 * two dates) and as the fields xsite.c reads (Origin, Sec-Fetch-Site,
 * Sec-Purpose, Purpose): the answers are among those documented, a
 * strong match is also a weak one, and the same origin is never a
 * refusal reason on its own.
 */
static void
precond_xsite_check(const char *in, size_t size)
{
	static const char etag[] = "\"5f-1a\"";
	struct precond_state st = { etag, 1000000000, 1 };
	struct http_slice v = { in, size };
	struct http_request req;
	int rc, m;

	FUZZ_CHECK(!precond_etag_match(&v, etag, 1) ||
	    precond_etag_match(&v, etag, 0));
	for (m = HTTP_METHOD_GET; m <= HTTP_METHOD_POST; m++) {
		memset(&req, 0, sizeof(req));
		req.method = (enum http_method)m;
		req.if_match = v;
		req.if_none_match = v;
		req.if_unmodified_since = v;
		req.if_modified_since = v;
		rc = precond_evaluate(&req, &st);
		FUZZ_CHECK(rc == 0 || rc == HTTP_STATUS_NOT_MODIFIED ||
		    rc == HTTP_STATUS_PRECONDITION_FAILED);
		FUZZ_CHECK(
		    rc != HTTP_STATUS_NOT_MODIFIED || m != HTTP_METHOD_POST);
	}
	memset(&req, 0, sizeof(req));
	req.method = HTTP_METHOD_POST;
	req.host.p = "board.example:3000";
	req.host.len = 18;
	req.origin = v;
	(void)xsite_refusal(&req, "http");
	if (xsite_same_origin(&v, &req.host, "http"))
		FUZZ_CHECK(xsite_refusal(&req, "http") == NULL);
	req.origin.p = NULL;
	req.sec_fetch_site = v;
	req.sec_purpose = v;
	req.purpose = v;
	(void)xsite_refusal(&req, "https");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_dup(data, size);
	time_t t = 0;
	int dated;

	range_check(in, size);
	dated = date_check(in, size, &t) == 0;
	if_range_check(in, size, dated, t);
	etag_check(in, size);
	accepts_check(in, size);
	precond_xsite_check(in, size);
	free(in);
	return 0;
}
