/* http.c: the HTTP/1.1 request parser (RFC 9112): a request's head. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "authority.h"
#include "hex.h"
#include "http.h"

/* tchar (RFC 9110 5.6.2): the characters of a token. */
static const unsigned char tchar[256] = {
	['!'] = 1,
	['#'] = 1,
	['$'] = 1,
	['%'] = 1,
	['&'] = 1,
	['\''] = 1,
	['*'] = 1,
	['+'] = 1,
	['-'] = 1,
	['.'] = 1,
	['^'] = 1,
	['_'] = 1,
	['`'] = 1,
	['|'] = 1,
	['~'] = 1,
	['0'] = 1,
	['1'] = 1,
	['2'] = 1,
	['3'] = 1,
	['4'] = 1,
	['5'] = 1,
	['6'] = 1,
	['7'] = 1,
	['8'] = 1,
	['9'] = 1,
	['A'] = 1,
	['B'] = 1,
	['C'] = 1,
	['D'] = 1,
	['E'] = 1,
	['F'] = 1,
	['G'] = 1,
	['H'] = 1,
	['I'] = 1,
	['J'] = 1,
	['K'] = 1,
	['L'] = 1,
	['M'] = 1,
	['N'] = 1,
	['O'] = 1,
	['P'] = 1,
	['Q'] = 1,
	['R'] = 1,
	['S'] = 1,
	['T'] = 1,
	['U'] = 1,
	['V'] = 1,
	['W'] = 1,
	['X'] = 1,
	['Y'] = 1,
	['Z'] = 1,
	['a'] = 1,
	['b'] = 1,
	['c'] = 1,
	['d'] = 1,
	['e'] = 1,
	['f'] = 1,
	['g'] = 1,
	['h'] = 1,
	['i'] = 1,
	['j'] = 1,
	['k'] = 1,
	['l'] = 1,
	['m'] = 1,
	['n'] = 1,
	['o'] = 1,
	['p'] = 1,
	['q'] = 1,
	['r'] = 1,
	['s'] = 1,
	['t'] = 1,
	['u'] = 1,
	['v'] = 1,
	['w'] = 1,
	['x'] = 1,
	['y'] = 1,
	['z'] = 1,
};

/* True if s[0..len) equals the lower-case word, ignoring ASCII case. */
int
http_token_eq(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/* Finds the end of the head: the byte after the empty line, or 0. */
static size_t
head_end(const char *buf, size_t start, size_t from, size_t len)
{
	const char *nl;
	size_t i;

	if (from < start)
		from = start;
	while (
	    from < len && (nl = memchr(buf + from, '\n', len - from)) != NULL) {
		i = (size_t)(nl - buf);
		if (i > start && buf[i - 1] == '\n')
			return i + 1;
		if (i > start + 1 && buf[i - 1] == '\r' && buf[i - 2] == '\n')
			return i + 1;
		from = i + 1;
	}
	return 0;
}

/* Parses "HTTP/d.d"; returns 0, 400 (malformed) or 505 (not 1.0 or 1.1). */
static int
parse_version(struct http_request *req, const char *p, size_t len)
{
	if (len != 8 || memcmp(p, "HTTP/", 5) != 0 || p[5] < '0' ||
	    p[5] > '9' || p[6] != '.' || p[7] < '0' || p[7] > '9')
		return HTTP_STATUS_BAD_REQUEST;
	if (p[5] != '1' || p[7] > '1')
		return HTTP_STATUS_VERSION_NOT_SUPPORTED;
	req->minor = p[7] - '0';
	return 0;
}

/*
 * Splits the request-target (RFC 9112 3.2) into path and query; the
 * authority of an absolute-form target goes to *authority.
 */
static int
parse_target(struct http_request *req, const char *p, size_t len,
    struct http_slice *authority)
{
	const char *q, *end = p + len;
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] <= 0x20 ||
		    (unsigned char)p[i] >= 0x7f || p[i] == '#')
			return HTTP_STATUS_BAD_REQUEST;
	if (len == 1 && p[0] == '*') {
		if (req->method != HTTP_METHOD_OPTIONS)
			return HTTP_STATUS_BAD_REQUEST;
		req->asterisk = 1;
		req->path.p = p;
		req->path.len = 1;
		return 0;
	}
	if (p[0] != '/') {
		/* absolute-form: the host comes from the target */
		if (len > 7 && strncasecmp(p, "http://", 7) == 0)
			p += 7;
		else if (len > 8 && strncasecmp(p, "https://", 8) == 0)
			p += 8;
		else
			return HTTP_STATUS_BAD_REQUEST;
		for (q = p; q < end && *q != '/' && *q != '?'; q++)
			;
		if (q == p || memchr(p, '@', (size_t)(q - p)) != NULL)
			return HTTP_STATUS_BAD_REQUEST;
		authority->p = p;
		authority->len = (size_t)(q - p);
		p = q;
		if (p == end || *p == '?') {
			req->path.p = "/";
			req->path.len = 1;
			goto query;
		}
	}
	for (q = p; q < end && *q != '?'; q++)
		;
	req->path.p = p;
	req->path.len = (size_t)(q - p);
	p = q;
query:
	if (p < end && *p == '?') {
		req->query.p = p + 1;
		req->query.len = (size_t)(end - p - 1);
	}
	return 0;
}

/* Host (RFC 9110 7.2): uri-host [ ":" port ], by RFC 3986's grammar. */
static int
host_ok(const struct http_slice *h)
{
	return authority_valid(h->p, h->len);
}

/*
 * Content-Length: digits only. A value too big for int64_t saturates, so
 * that it is refused as too large (413), not as malformed.
 */
static int
parse_length(const char *p, size_t len, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (v >= (INT64_MAX - 9) / 10)
			v = INT64_MAX;
		else
			v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

/* Do two runs of digits name the same number? Leading zeros aside. */
static int
same_number(const char *a, size_t alen, const char *b, size_t blen)
{
	while (alen > 1 && *a == '0') {
		a++;
		alen--;
	}
	while (blen > 1 && *b == '0') {
		b++;
		blen--;
	}
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* Connection: a comma-separated list of tokens. */
static void
parse_connection(const char *p, size_t len, int *close, int *keep)
{
	size_t i = 0, j;

	while (i < len) {
		while (i < len && (p[i] == ',' || p[i] == ' ' || p[i] == '\t'))
			i++;
		for (j = i;
		     j < len && p[j] != ',' && p[j] != ' ' && p[j] != '\t'; j++)
			;
		if (http_token_eq(p + i, j - i, "close"))
			*close = 1;
		else if (http_token_eq(p + i, j - i, "keep-alive"))
			*keep = 1;
		i = j;
	}
}

static int
set_once(struct http_slice *s, const char *p, size_t len)
{
	if (s->p != NULL)
		return HTTP_STATUS_BAD_REQUEST;
	s->p = p;
	s->len = len;
	return 0;
}

/*
 * List-valued fields (RFC 9110 5.3) may come on several lines; their
 * values are then combined, in order, with ", " between them. The other
 * fields guad reads are singletons: a second one is refused.
 */
static const struct {
	const char *name;
	size_t off; /* of its slice in the request */
} list_fields[] = {
	{ "if-none-match", offsetof(struct http_request, if_none_match) },
	{ "accept-encoding", offsetof(struct http_request, accept_encoding) },
	{ "if-match", offsetof(struct http_request, if_match) },
	{ "accept", offsetof(struct http_request, accept) },
};

#define NLIST_FIELDS (sizeof(list_fields) / sizeof(list_fields[0]))

/* What the fields tell beyond the slices of the request. */
struct fields {
	struct http_slice cl; /* the first Content-Length */
	int close;
	int keep;
	int te;		   /* 1: chunked, 2: other */
	unsigned repeated; /* bit i: list_fields[i] */
};

static struct http_slice *
list_slice(struct http_request *req, size_t i)
{
	return (struct http_slice *)(void *)((char *)req + list_fields[i].off);
}

static void
set_list(struct http_request *req, struct fields *f, size_t i, const char *p,
    size_t len)
{
	struct http_slice *s = list_slice(req, i);

	if (s->p != NULL) {
		f->repeated |= 1U << i;
		return;
	}
	s->p = p;
	s->len = len;
}

/*
 * Combines every line of list field i in the head p[0..end) into join,
 * after the *used bytes already taken. The head was checked already.
 * Returns 0, or 431 if join is too small (it cannot be, given room for
 * the whole head: each extra line brings at least its own separator).
 */
static int
join_list(struct http_request *req, size_t i, const char *p, const char *end,
    char *join, size_t cap, size_t *used)
{
	const char *eol, *colon, *v, *ve;
	char *out;
	size_t n = 0, vlen;

	if (join == NULL || *used > cap)
		return HTTP_STATUS_HEADER_FIELDS_TOO_LARGE;
	out = join + *used;
	for (; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		ve = eol;
		if (ve > p && ve[-1] == '\r')
			ve--;
		if (ve == p)
			break;
		colon = memchr(p, ':', (size_t)(ve - p));
		if (!http_token_eq(p, (size_t)(colon - p), list_fields[i].name))
			continue;
		for (v = colon + 1; v < ve && (*v == ' ' || *v == '\t'); v++)
			;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		vlen = (size_t)(ve - v);
		if (cap - *used - n < vlen + (n > 0 ? 2 : 0))
			return HTTP_STATUS_HEADER_FIELDS_TOO_LARGE;
		if (n > 0) {
			out[n++] = ',';
			out[n++] = ' ';
		}
		memcpy(out + n, v, vlen);
		n += vlen;
	}
	list_slice(req, i)->p = out;
	list_slice(req, i)->len = n;
	*used += n;
	return 0;
}

/* Acts on one field; returns 0 or a status. */
static int
parse_field(struct http_request *req, const char *name, size_t nlen,
    const char *v, size_t vlen, struct fields *f)
{
	int64_t cl;

#define IS(word) http_token_eq(name, nlen, word)
	switch (nlen) {
	case 4:
		if (IS("host"))
			return set_once(&req->host, v, vlen);
		break;
	case 5:
		if (IS("range"))
			return set_once(&req->range, v, vlen);
		break;
	case 6:
		if (IS("origin"))
			return set_once(&req->origin, v, vlen);
		if (IS("accept"))
			set_list(req, f, 3, v, vlen);
		else if (IS("expect")) {
			if (!http_token_eq(v, vlen, "100-continue"))
				return HTTP_STATUS_EXPECTATION_FAILED;
			req->expect_continue = 1;
		}
		break;
	case 7:
		if (IS("referer"))
			return set_once(&req->referer, v, vlen);
		if (IS("purpose"))
			return set_once(&req->purpose, v, vlen);
		break;
	case 8:
		if (IS("if-range"))
			return set_once(&req->if_range, v, vlen);
		if (IS("if-match"))
			set_list(req, f, 2, v, vlen);
		break;
	case 10:
		if (IS("connection"))
			parse_connection(v, vlen, &f->close, &f->keep);
		else if (IS("user-agent"))
			return set_once(&req->user_agent, v, vlen);
		break;
	case 11:
		if (IS("sec-purpose"))
			return set_once(&req->sec_purpose, v, vlen);
		break;
	case 12:
		if (IS("content-type"))
			return set_once(&req->content_type, v, vlen);
		break;
	case 13:
		if (IS("if-none-match"))
			set_list(req, f, 0, v, vlen);
		break;
	case 14:
		if (IS("sec-fetch-site"))
			return set_once(&req->sec_fetch_site, v, vlen);
		if (IS("content-length")) {
			if (parse_length(v, vlen, &cl) == -1)
				return HTTP_STATUS_BAD_REQUEST;
			if (f->cl.p != NULL &&
			    !same_number(f->cl.p, f->cl.len, v, vlen))
				return HTTP_STATUS_BAD_REQUEST;
			f->cl.p = v;
			f->cl.len = vlen;
			req->content_length = cl;
		}
		break;
	case 15:
		if (IS("accept-encoding"))
			set_list(req, f, 1, v, vlen);
		break;
	case 17:
		if (IS("if-modified-since"))
			return set_once(&req->if_modified_since, v, vlen);
		if (IS("transfer-encoding")) {
			/* Only a single "chunked" is understood. */
			if (f->te || !http_token_eq(v, vlen, "chunked"))
				f->te = 2;
			else
				f->te = 1;
		}
		break;
	case 19:
		if (IS("if-unmodified-since"))
			return set_once(&req->if_unmodified_since, v, vlen);
		break;
	}
#undef IS
	return 0;
}

/*
 * The method named by the n token bytes at p (no NUL among them), or
 * HTTP_METHOD_COUNT. The names are few and GET comes first.
 */
static enum http_method
method_of(const char *p, size_t n)
{
	int m;

	/* most requests: three bytes compared inline, no library call */
	if (n == 3 && memcmp(p, "GET", 3) == 0)
		return HTTP_METHOD_GET;
	for (m = 0; m < HTTP_METHOD_COUNT; m++)
		if (strncmp(http_method_names[m], p, n) == 0 &&
		    http_method_names[m][n] == '\0')
			return (enum http_method)m;
	return HTTP_METHOD_COUNT;
}

/*
 * The head is not complete yet (it starts at start): is what has come
 * already past a limit? The request line, complete or not, may be too
 * long already; without its LF yet, a last CR may still be its end.
 * Returns HTTP_AGAIN, 414 or 431.
 */
static int
head_incomplete(const char *buf, size_t start, size_t len,
    const struct http_limits *lim)
{
	const char *nl;
	size_t line;

	line = len - start;
	if (line > lim->request_line + 2)
		line = lim->request_line + 2;
	if ((nl = memchr(buf + start, '\n', line)) != NULL)
		line = (size_t)(nl - (buf + start));
	if (line > 0 && buf[start + line - 1] == '\r')
		line--;
	if (line > lim->request_line)
		return HTTP_STATUS_URI_TOO_LONG;
	if (len > lim->header_size)
		return HTTP_STATUS_HEADER_FIELDS_TOO_LARGE;
	return HTTP_AGAIN;
}

/*
 * The request line at p (req->line): method SP request-target SP
 * HTTP-version. An absolute-form target's authority goes to *authority.
 * Returns 0 or an error status.
 */
static int
parse_request_line(struct http_request *req, const char *p,
    struct http_slice *authority)
{
	struct authority auth;
	const char *ve, *sp, *v;
	int rc;

	ve = p + req->line.len;
	for (sp = p; sp < ve && tchar[(unsigned char)*sp]; sp++)
		;
	if (sp == p || sp == ve || *sp != ' ')
		return HTTP_STATUS_BAD_REQUEST;
	req->method = method_of(p, (size_t)(sp - p));
	p = sp + 1;
	if ((sp = memchr(p, ' ', (size_t)(ve - p))) == NULL || sp == p)
		return HTTP_STATUS_BAD_REQUEST;
	v = p;
	p = sp + 1;
	if ((rc = parse_version(req, p, (size_t)(ve - p))) != 0)
		return rc;
	if (req->method == HTTP_METHOD_COUNT)
		return HTTP_STATUS_NOT_IMPLEMENTED;
	/*
	 * CONNECT asks for a tunnel to its authority-form target (RFC 9110
	 * 9.3.6). guad is no proxy: a method it knows but implements for no
	 * resource is 501 (9.1), once the target has that form.
	 */
	if (req->method == HTTP_METHOD_CONNECT) {
		if (authority_parse(v, (size_t)(sp - v), &auth) == -1 ||
		    auth.host.len == 0 || auth.port.len == 0)
			return HTTP_STATUS_BAD_REQUEST;
		return HTTP_STATUS_NOT_IMPLEMENTED;
	}
	return parse_target(req, v, (size_t)(sp - v), authority);
}

/*
 * The header fields from p up to the empty line (before end): each
 * checked, then given to parse_field. Returns 0 or an error status.
 */
static int
parse_fields(struct http_request *req, const char *p, const char *end,
    const struct http_limits *lim, struct fields *f)
{
	const char *eol, *ve, *colon, *v;
	size_t nfields = 0;
	int rc;

	for (; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		ve = eol;
		if (ve > p && ve[-1] == '\r')
			ve--;
		if (ve == p)
			break; /* the empty line */
		if (memchr(p, '\r', (size_t)(ve - p)) != NULL)
			return HTTP_STATUS_BAD_REQUEST; /* bare CR */
		if (*p == ' ' || *p == '\t')
			return HTTP_STATUS_BAD_REQUEST; /* obs-fold */
		if (++nfields > lim->header_fields)
			return HTTP_STATUS_HEADER_FIELDS_TOO_LARGE;
		for (colon = p; colon < ve && tchar[(unsigned char)*colon];
		     colon++)
			;
		if (colon == p || colon == ve || *colon != ':')
			return HTTP_STATUS_BAD_REQUEST;
		for (v = colon + 1; v < ve && (*v == ' ' || *v == '\t'); v++)
			;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (!http_field_value_ok((const unsigned char *)v,
			(size_t)(ve - v)))
			return HTTP_STATUS_BAD_REQUEST;
		rc = parse_field(req, p, (size_t)(colon - p), v,
		    (size_t)(ve - v), f);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * What the fields say together: Host is checked the same in every form
 * of target (RFC 9112 3.2: missing on HTTP/1.1, repeated or invalid is
 * 400), then the authority of an absolute-form target takes its place
 * (3.2.2); the body's framing; keep-alive. Returns 0 or an error status.
 */
static int
settle(struct http_request *req, const struct fields *f,
    const struct http_slice *authority, const struct http_limits *lim)
{
	if (req->minor == 1 && req->host.p == NULL)
		return HTTP_STATUS_BAD_REQUEST;
	if (req->host.p != NULL && !host_ok(&req->host))
		return HTTP_STATUS_BAD_REQUEST;
	if (authority->p != NULL) {
		if (!host_ok(authority))
			return HTTP_STATUS_BAD_REQUEST;
		req->host = *authority;
	}
	if (f->te != 0) {
		if (req->content_length != -1 || req->minor == 0)
			return HTTP_STATUS_BAD_REQUEST;
		if (f->te == 2)
			return HTTP_STATUS_NOT_IMPLEMENTED;
		req->chunked = 1;
	}
	if (req->content_length > 0 &&
	    (uint64_t)req->content_length > lim->body_size)
		return HTTP_STATUS_CONTENT_TOO_LARGE;
	req->keep_alive = req->minor == 1 ? !f->close : (f->keep && !f->close);
	return 0;
}

/*
 * Parses the head at the start of buf[0..len). *scanned (0 at first)
 * says how far an earlier call looked for its end, so that heads
 * that trickle in are not scanned again. Returns HTTP_AGAIN until the head
 * is complete, then 0 with req filled, or an error status. The slices
 * point into buf, except those of list fields sent on several lines:
 * their combined values are written to join (joincap bytes; as many as
 * header_size is always enough).
 */
int
http_parse_head(struct http_request *req, const char *buf, size_t len,
    size_t *scanned, const struct http_limits *lim, char *join, size_t joincap)
{
	const char *p, *end, *eol;
	struct http_slice authority = { NULL, 0 };
	struct fields f;
	size_t start = 0, hend, used, i;
	int rc;

	/* RFC 9112 2.2: ignore empty lines before the request line. */
	while (start < len &&
	    (buf[start] == '\n' ||
		(buf[start] == '\r' && start + 1 < len &&
		    buf[start + 1] == '\n')))
		start += buf[start] == '\r' ? 2 : 1;

	memset(req, 0, sizeof(*req));
	memset(&f, 0, sizeof(f));
	req->content_length = -1;

	hend = head_end(buf, start, *scanned, len);
	if (hend == 0) {
		*scanned = len;
		return head_incomplete(buf, start, len, lim);
	}
	req->head_len = hend;

	/* The request line's length is judged before the head's, as while
	 * the head arrives. */
	p = buf + start;
	end = buf + hend;
	eol = memchr(p, '\n', (size_t)(end - p));
	req->line.p = p;
	req->line.len = (size_t)(eol - p);
	if (req->line.len > 0 && p[req->line.len - 1] == '\r')
		req->line.len--;
	if (req->line.len > lim->request_line)
		return HTTP_STATUS_URI_TOO_LONG;
	if (hend > lim->header_size)
		return HTTP_STATUS_HEADER_FIELDS_TOO_LARGE;
	if ((rc = parse_request_line(req, p, &authority)) != 0 ||
	    (rc = parse_fields(req, eol + 1, end, lim, &f)) != 0 ||
	    (rc = settle(req, &f, &authority, lim)) != 0)
		return rc;
	for (i = 0, used = 0; i < NLIST_FIELDS; i++)
		if ((f.repeated & (1U << i)) &&
		    (rc = join_list(req, i, eol + 1, end, join, joincap,
			 &used)) != 0)
			return rc;
	return 0;
}
