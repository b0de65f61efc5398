/* http.c: the HTTP/1.1 request parser (RFC 9112), statuses and methods. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "authority.h"
#include "hex.h"
#include "http.h"

const char *const http_method_names[HTTP_METHOD_COUNT] = {
	[HTTP_METHOD_GET] = "GET",
	[HTTP_METHOD_HEAD] = "HEAD",
	[HTTP_METHOD_POST] = "POST",
	[HTTP_METHOD_PUT] = "PUT",
	[HTTP_METHOD_DELETE] = "DELETE",
	[HTTP_METHOD_CONNECT] = "CONNECT",
	[HTTP_METHOD_OPTIONS] = "OPTIONS",
	[HTTP_METHOD_TRACE] = "TRACE",
	[HTTP_METHOD_PATCH] = "PATCH",
};

static const char *const reasons[HTTP_STATUS_COUNT] = {
	[HTTP_STATUS_CONTINUE] = "Continue",
	[HTTP_STATUS_OK] = "OK",
	[HTTP_STATUS_NO_CONTENT] = "No Content",
	[HTTP_STATUS_PARTIAL_CONTENT] = "Partial Content",
	[HTTP_STATUS_MOVED_PERMANENTLY] = "Moved Permanently",
	[HTTP_STATUS_FOUND] = "Found",
	[HTTP_STATUS_SEE_OTHER] = "See Other",
	[HTTP_STATUS_NOT_MODIFIED] = "Not Modified",
	[HTTP_STATUS_TEMPORARY_REDIRECT] = "Temporary Redirect",
	[HTTP_STATUS_PERMANENT_REDIRECT] = "Permanent Redirect",
	[HTTP_STATUS_BAD_REQUEST] = "Bad Request",
	[HTTP_STATUS_FORBIDDEN] = "Forbidden",
	[HTTP_STATUS_NOT_FOUND] = "Not Found",
	[HTTP_STATUS_METHOD_NOT_ALLOWED] = "Method Not Allowed",
	[HTTP_STATUS_REQUEST_TIMEOUT] = "Request Timeout",
	[HTTP_STATUS_LENGTH_REQUIRED] = "Length Required",
	[HTTP_STATUS_PRECONDITION_FAILED] = "Precondition Failed",
	[HTTP_STATUS_CONTENT_TOO_LARGE] = "Content Too Large",
	[HTTP_STATUS_URI_TOO_LONG] = "URI Too Long",
	[HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE] = "Unsupported Media Type",
	[HTTP_STATUS_RANGE_NOT_SATISFIABLE] = "Range Not Satisfiable",
	[HTTP_STATUS_EXPECTATION_FAILED] = "Expectation Failed",
	[HTTP_STATUS_MISDIRECTED_REQUEST] = "Misdirected Request",
	[HTTP_STATUS_HEADER_FIELDS_TOO_LARGE] =
	    "Request Header Fields Too Large",
	[HTTP_STATUS_INTERNAL_SERVER_ERROR] = "Internal Server Error",
	[HTTP_STATUS_NOT_IMPLEMENTED] = "Not Implemented",
	[HTTP_STATUS_SERVICE_UNAVAILABLE] = "Service Unavailable",
	[HTTP_STATUS_VERSION_NOT_SUPPORTED] = "HTTP Version Not Supported",
};

/* Returns the reason phrase of a status guad sends, or NULL. */
const char *
http_status_reason(int status)
{
	if (status < 0 || status >= HTTP_STATUS_COUNT)
		return NULL;
	return reasons[status];
}

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

/* Field values: HTAB, SP, VCHAR and obs-text; no other control. */
static int
field_value_ok(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return 0;
	return 1;
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
	struct authority a;

	return authority_parse(h->p, h->len, &a) == 0;
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

	for (m = 0; m < HTTP_METHOD_COUNT; m++)
		if (strncmp(http_method_names[m], p, n) == 0 &&
		    http_method_names[m][n] == '\0')
			return (enum http_method)m;
	return HTTP_METHOD_COUNT;
}

/*
 * Parses a request head from buf[0..len). *scanned carries how far an
 * earlier call looked for the end of the head (start it at 0), so bytes
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
	const char *p, *end, *eol, *sp, *colon, *v, *ve, *nl;
	const char *fields_start;
	struct http_slice authority = { NULL, 0 };
	struct authority auth;
	struct fields f;
	size_t start = 0, hend, nfields = 0, line, used, i;
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
		/* The request line, complete or not, may be too long already;
		 * without its LF yet, a last CR may still be its end. */
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
	req->head_len = hend;

	/* The request line: method SP request-target SP HTTP-version. Its
	 * length is judged before the head's, as while the head arrives. */
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
		authority.p = v;
		authority.len = (size_t)(sp - v);
		if (authority_parse(v, authority.len, &auth) == -1 ||
		    auth.host.len == 0 || auth.port.len == 0)
			return HTTP_STATUS_BAD_REQUEST;
		return HTTP_STATUS_NOT_IMPLEMENTED;
	}
	if ((rc = parse_target(req, v, (size_t)(sp - v), &authority)) != 0)
		return rc;

	/* Header fields, up to the empty line. */
	fields_start = eol + 1;
	for (p = fields_start; p < end; p = eol + 1) {
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
		if (!field_value_ok((const unsigned char *)v, (size_t)(ve - v)))
			return HTTP_STATUS_BAD_REQUEST;
		rc = parse_field(req, p, (size_t)(colon - p), v,
		    (size_t)(ve - v), &f);
		if (rc != 0)
			return rc;
	}

	/*
	 * Host is checked the same in every form of target (RFC 9112 3.2:
	 * missing on HTTP/1.1, repeated or invalid is 400); then the
	 * authority of an absolute-form target takes its place (3.2.2).
	 */
	if (req->minor == 1 && req->host.p == NULL)
		return HTTP_STATUS_BAD_REQUEST;
	if (req->host.p != NULL && !host_ok(&req->host))
		return HTTP_STATUS_BAD_REQUEST;
	if (authority.p != NULL) {
		if (!host_ok(&authority))
			return HTTP_STATUS_BAD_REQUEST;
		req->host = authority;
	}
	if (f.te != 0) {
		if (req->content_length != -1 || req->minor == 0)
			return HTTP_STATUS_BAD_REQUEST;
		if (f.te == 2)
			return HTTP_STATUS_NOT_IMPLEMENTED;
		req->chunked = 1;
	}
	if (req->content_length > 0 &&
	    (uint64_t)req->content_length > lim->body_size)
		return HTTP_STATUS_CONTENT_TOO_LARGE;
	for (i = 0, used = 0; i < NLIST_FIELDS; i++)
		if ((f.repeated & (1U << i)) &&
		    (rc = join_list(req, i, fields_start, end, join, joincap,
			 &used)) != 0)
			return rc;
	req->keep_alive = req->minor == 1 ? !f.close : (f.keep && !f.close);
	return 0;
}

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
http_chunked(char *p, size_t len, size_t max_body, int decode, size_t *raw_len,
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
		    !field_value_ok((const unsigned char *)p + i, ext))
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
		if (!field_value_ok((const unsigned char *)p + i, size) ||
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

/* Every slice of a request, for moving what points into one buffer. */
static const size_t slices[] = {
	offsetof(struct http_request, line),
	offsetof(struct http_request, path),
	offsetof(struct http_request, query),
	offsetof(struct http_request, host),
	offsetof(struct http_request, content_type),
	offsetof(struct http_request, if_none_match),
	offsetof(struct http_request, if_modified_since),
	offsetof(struct http_request, range),
	offsetof(struct http_request, if_range),
	offsetof(struct http_request, accept_encoding),
	offsetof(struct http_request, referer),
	offsetof(struct http_request, user_agent),
};

#define NSLICES (sizeof(slices) / sizeof(slices[0]))

static struct http_slice *
slice_at(struct http_request *req, size_t i)
{
	return (struct http_slice *)(void *)((char *)req + slices[i]);
}

static const struct http_slice *
slice_of(const struct http_request *req, size_t i)
{
	return (const struct http_slice *)(const void *)((const char *)req +
	    slices[i]);
}

/* Does slice s point into buf[0..cap)? */
static int
slice_in(const struct http_slice *s, const char *buf, size_t cap)
{
	return s->p != NULL && buf != NULL &&
	    (uintptr_t)s->p >= (uintptr_t)buf &&
	    (uintptr_t)s->p < (uintptr_t)buf + cap;
}

/*
 * Returns how many bytes of buf[0..cap) (the join buffer given to
 * http_parse_head) the slices of req use: 0 if none points into it.
 */
size_t
http_request_uses(const struct http_request *req, const char *buf, size_t cap)
{
	const struct http_slice *s;
	size_t i, end, used = 0;

	for (i = 0; i < NSLICES; i++) {
		s = slice_of(req, i);
		if (!slice_in(s, buf, cap))
			continue;
		end = (size_t)(s->p - buf) + s->len;
		if (end > used)
			used = end;
	}
	return used;
}

/* Points the slices of req that point into from[0..cap) at to instead. */
void
http_request_move(struct http_request *req, const char *from, size_t cap,
    const char *to)
{
	struct http_slice *s;
	size_t i;

	for (i = 0; i < NSLICES; i++) {
		s = slice_at(req, i);
		if (slice_in(s, from, cap))
			s->p = to + (s->p - from);
	}
}
