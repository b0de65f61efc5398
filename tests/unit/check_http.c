/* check_http.c: the request head parser, chunked bodies, statuses. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chunked.h"
#include "http.h"
#include "check_main.h"

/* Small limits so that every bound is easy to cross. */
static const struct http_limits lim = {
	.request_line = 100,
	.header_size = 400,
	.header_fields = 10,
	.body_size = 1000,
};

/* Room for repeated list fields, as the worker gives the parser. */
static char join[400 + 1];

#define A10  "aaaaaaaaaa"
#define A80  A10 A10 A10 A10 A10 A10 A10 A10
#define A400 A80 A80 A80 A80 A80
/* "GET /" A86 " HTTP/1.1" is exactly lim.request_line bytes. */
#define A86 A80 "aaaaaa"
#define A87 A80 "aaaaaaa"

#define H "Host: a\r\n"

struct head_case {
	const char *name;
	const char *in;
	int rc;
	/* The rest is checked only when rc is 0. */
	enum http_method method;
	int minor;
	int keep_alive;
	const char *path;
	const char *query; /* NULL: no query */
	const char *host;  /* NULL: no host */
	int64_t content_length;
	int chunked;
	int asterisk;
	int expect_continue;
	size_t line_len; /* 0: not checked */
};

#define OK(n, i, m, mi, ka, p, q, h, cl, ch, as, ex, ll) \
	{ \
		.name = (n), .in = (i), .rc = 0, .method = (m), .minor = (mi), \
		.keep_alive = (ka), .path = (p), .query = (q), .host = (h), \
		.content_length = (cl), .chunked = (ch), .asterisk = (as), \
		.expect_continue = (ex), .line_len = (ll) \
	}
#define ERR(n, i, r) \
	{ \
		.name = (n), .in = (i), .rc = (r) \
	}

#define GET	HTTP_METHOD_GET
#define HEAD	HTTP_METHOD_HEAD
#define POST	HTTP_METHOD_POST
#define OPTIONS HTTP_METHOD_OPTIONS

static const struct head_case valid[] = {
	OK("GET HTTP/1.1", "GET / HTTP/1.1\r\n" H "\r\n", GET, 1, 1, "/", NULL,
	    "a", -1, 0, 0, 0, 14),
	OK("HEAD with a query", "HEAD /x/y?a=1&b HTTP/1.1\r\n" H "\r\n", HEAD,
	    1, 1, "/x/y", "a=1&b", "a", -1, 0, 0, 0, 0),
	OK("empty query", "GET /x? HTTP/1.1\r\n" H "\r\n", GET, 1, 1, "/x", "",
	    "a", -1, 0, 0, 0, 0),
	OK("POST with a Content-Length",
	    "POST /msg HTTP/1.1\r\n" H "Content-Length: 5\r\n\r\n", POST, 1, 1,
	    "/msg", NULL, "a", 5, 0, 0, 0, 0),
	OK("POST chunked",
	    "POST /msg HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n",
	    POST, 1, 1, "/msg", NULL, "a", -1, 1, 0, 0, 0),
	OK("Content-Length 0",
	    "POST / HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n", POST, 1, 1,
	    "/", NULL, "a", 0, 0, 0, 0, 0),
	OK("Content-Length equal to body_size",
	    "POST / HTTP/1.1\r\n" H "Content-Length: 1000\r\n\r\n", POST, 1, 1,
	    "/", NULL, "a", 1000, 0, 0, 0, 0),
	OK("same Content-Length twice",
	    "POST / HTTP/1.1\r\n" H "Content-Length: 5\r\n"
	    "Content-Length: 5\r\n\r\n",
	    POST, 1, 1, "/", NULL, "a", 5, 0, 0, 0, 0),
	OK("HTTP/1.0 without Host closes", "GET / HTTP/1.0\r\n\r\n", GET, 0, 0,
	    "/", NULL, NULL, -1, 0, 0, 0, 0),
	OK("HTTP/1.0 keep-alive",
	    "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", GET, 0, 1, "/",
	    NULL, NULL, -1, 0, 0, 0, 0),
	OK("HTTP/1.0 Keep-Alive, any case",
	    "GET / HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n", GET, 0, 1, "/",
	    NULL, NULL, -1, 0, 0, 0, 0),
	OK("HTTP/1.0 keep-alive and close",
	    "GET / HTTP/1.0\r\n"
	    "Connection: keep-alive, close\r\n\r\n",
	    GET, 0, 0, "/", NULL, NULL, -1, 0, 0, 0, 0),
	OK("HTTP/1.1 Connection: close",
	    "GET / HTTP/1.1\r\n" H "Connection: close\r\n\r\n", GET, 1, 0, "/",
	    NULL, "a", -1, 0, 0, 0, 0),
	OK("HTTP/1.1 Connection: CLOSE in a list",
	    "GET / HTTP/1.1\r\n" H "Connection: Upgrade,  CLOSE\r\n\r\n", GET,
	    1, 0, "/", NULL, "a", -1, 0, 0, 0, 0),
	OK("HTTP/1.1 Connection: keep-alive",
	    "GET / HTTP/1.1\r\n" H "Connection: keep-alive\r\n\r\n", GET, 1, 1,
	    "/", NULL, "a", -1, 0, 0, 0, 0),
	OK("absolute-form: the host comes from the target",
	    "GET http://example.com/p?q HTTP/1.1\r\nHost: other\r\n\r\n", GET,
	    1, 1, "/p", "q", "example.com", -1, 0, 0, 0, 0),
	OK("absolute-form without a path",
	    "GET http://example.com:8080 HTTP/1.1\r\n" H "\r\n", GET, 1, 1, "/",
	    NULL, "example.com:8080", -1, 0, 0, 0, 0),
	OK("absolute-form on HTTP/1.0 without Host",
	    "GET http://example.com/x HTTP/1.0\r\n\r\n", GET, 0, 0, "/x", NULL,
	    "example.com", -1, 0, 0, 0, 0),
	OK("absolute-form https, upper-case scheme",
	    "GET HTTPS://example.com/a HTTP/1.1\r\n" H "\r\n", GET, 1, 1, "/a",
	    NULL, "example.com", -1, 0, 0, 0, 0),
	OK("OPTIONS *", "OPTIONS * HTTP/1.1\r\n" H "\r\n", OPTIONS, 1, 1, "*",
	    NULL, "a", -1, 0, 1, 0, 0),
	OK("leading CRLFs skipped", "\r\n\r\nGET / HTTP/1.1\r\n" H "\r\n", GET,
	    1, 1, "/", NULL, "a", -1, 0, 0, 0, 14),
	OK("leading LFs skipped", "\n\nGET / HTTP/1.1\r\n" H "\r\n", GET, 1, 1,
	    "/", NULL, "a", -1, 0, 0, 0, 14),
	OK("bare LF line endings", "GET /lf HTTP/1.1\nHost: a\n\n", GET, 1, 1,
	    "/lf", NULL, "a", -1, 0, 0, 0, 16),
	OK("mixed line endings", "GET / HTTP/1.1\nHost: a\r\n\n", GET, 1, 1,
	    "/", NULL, "a", -1, 0, 0, 0, 0),
	OK("field name case and value whitespace",
	    "GET / HTTP/1.1\r\nhOsT:  \t a \t \r\n\r\n", GET, 1, 1, "/", NULL,
	    "a", -1, 0, 0, 0, 0),
	OK("empty field value", "GET / HTTP/1.1\r\n" H "X-Empty:\r\n\r\n", GET,
	    1, 1, "/", NULL, "a", -1, 0, 0, 0, 0),
	OK("obs-text in a field value",
	    "GET / HTTP/1.1\r\n" H "User-Agent: caf\xc3\xa9\r\n\r\n", GET, 1, 1,
	    "/", NULL, "a", -1, 0, 0, 0, 0),
	OK("Expect: 100-continue",
	    "POST / HTTP/1.1\r\n" H
	    "Content-Length: 3\r\nExpect: 100-continue\r\n\r\n",
	    POST, 1, 1, "/", NULL, "a", 3, 0, 0, 1, 0),
	OK("Expect: 100-Continue, any case",
	    "POST / HTTP/1.1\r\n" H
	    "Content-Length: 3\r\nExpect: 100-Continue\r\n\r\n",
	    POST, 1, 1, "/", NULL, "a", 3, 0, 0, 1, 0),
	OK("request line exactly at the limit",
	    "GET /" A86 " HTTP/1.1\r\n" H "\r\n", GET, 1, 1, "/" A86, NULL, "a",
	    -1, 0, 0, 0, 100),
	OK("Content-Length with leading zeros, twice",
	    "POST / HTTP/1.1\r\n" H "Content-Length: 005\r\n"
	    "Content-Length: 5\r\n\r\n",
	    POST, 1, 1, "/", NULL, "a", 5, 0, 0, 0, 0),
	OK("If-None-Match on two lines",
	    "GET / HTTP/1.1\r\n" H
	    "If-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n\r\n",
	    GET, 1, 1, "/", NULL, "a", -1, 0, 0, 0, 0),
	OK("Accept-Encoding on three lines",
	    "GET / HTTP/1.1\r\n" H
	    "Accept-Encoding: gzip\r\nX: 1\r\naccept-encoding: br\r\n"
	    "Accept-Encoding:\r\n\r\n",
	    GET, 1, 1, "/", NULL, "a", -1, 0, 0, 0, 0),
	OK("as many fields as allowed",
	    "GET / HTTP/1.1\r\n" H
	    "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\n"
	    "I: 8\r\nJ: 9\r\n\r\n",
	    GET, 1, 1, "/", NULL, "a", -1, 0, 0, 0, 0),
};

static const struct head_case invalid[] = {
	ERR("unknown method", "FOO / HTTP/1.1\r\n" H "\r\n", 501),
	ERR("methods are case-sensitive", "get / HTTP/1.1\r\n" H "\r\n", 501),
	ERR("CONNECT: no tunnels",
	    "CONNECT example.com:443 HTTP/1.1\r\n"
	    "Host: example.com:443\r\n\r\n",
	    501),
	ERR("CONNECT to an IPv6 literal",
	    "CONNECT [::1]:443 HTTP/1.1\r\n"
	    "Host: [::1]:443\r\n\r\n",
	    501),
	ERR("CONNECT with origin-form", "CONNECT / HTTP/1.1\r\n" H "\r\n", 400),
	ERR("CONNECT without a port",
	    "CONNECT example.com HTTP/1.1\r\n" H "\r\n", 400),
	ERR("CONNECT with userinfo",
	    "CONNECT u@example.com:443 HTTP/1.1\r\n" H "\r\n", 400),
	ERR("HTTP/2.0", "GET / HTTP/2.0\r\n" H "\r\n", 505),
	ERR("HTTP/1.2", "GET / HTTP/1.2\r\n" H "\r\n", 505),
	ERR("HTTP/1.1x", "GET / HTTP/1.1x\r\n" H "\r\n", 400),
	ERR("lower-case http/1.1", "GET / http/1.1\r\n" H "\r\n", 400),
	ERR("HTTP/1", "GET / HTTP/1\r\n" H "\r\n", 400),
	ERR("no version", "GET /\r\n" H "\r\n", 400),
	ERR("double space after the method", "GET  / HTTP/1.1\r\n" H "\r\n",
	    400),
	ERR("double space before the version", "GET /  HTTP/1.1\r\n" H "\r\n",
	    400),
	ERR("tab as separator", "GET\t/ HTTP/1.1\r\n" H "\r\n", 400),
	ERR("leading space", " GET / HTTP/1.1\r\n" H "\r\n", 400),
	ERR("control character in the target",
	    "GET /a\x01 HTTP/1.1\r\n" H "\r\n", 400),
	ERR("DEL in the target", "GET /a\x7f HTTP/1.1\r\n" H "\r\n", 400),
	ERR("space in the target", "GET /a b HTTP/1.1\r\n" H "\r\n", 400),
	ERR("'#' in the target", "GET /a#b HTTP/1.1\r\n" H "\r\n", 400),
	ERR("byte 0x80 in the target", "GET /a\x80 HTTP/1.1\r\n" H "\r\n", 400),
	ERR("byte 0xff in the target", "GET /\xff HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET *", "GET * HTTP/1.1\r\n" H "\r\n", 400),
	ERR("target without '/' or scheme", "GET a/b HTTP/1.1\r\n" H "\r\n",
	    400),
	ERR("absolute-form with userinfo",
	    "GET http://u@example.com/ HTTP/1.1\r\n" H "\r\n", 400),
	ERR("absolute-form without a host",
	    "GET http:///a HTTP/1.1\r\n" H "\r\n", 400),
	ERR("space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
	    400),
	ERR("tab before the colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400),
	ERR("obs-fold with a space",
	    "GET / HTTP/1.1\r\n" H "X-A: 1\r\n 2\r\n\r\n", 400),
	ERR("obs-fold with a tab",
	    "GET / HTTP/1.1\r\n" H "X-A: 1\r\n\t2\r\n\r\n", 400),
	ERR("'(' in a field name", "GET / HTTP/1.1\r\n" H "X(A): 1\r\n\r\n",
	    400),
	ERR("'@' in a field name", "GET / HTTP/1.1\r\n" H "X@A: 1\r\n\r\n",
	    400),
	ERR("empty field name", "GET / HTTP/1.1\r\n" H ": 1\r\n\r\n", 400),
	ERR("field line without a colon", "GET / HTTP/1.1\r\n" H "XA\r\n\r\n",
	    400),
	ERR("control character in a field value",
	    "GET / HTTP/1.1\r\n" H "X-A: 1\x01"
	    "2\r\n\r\n",
	    400),
	ERR("missing Host on HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400),
	ERR("two Host fields", "GET / HTTP/1.1\r\n" H "Host: b\r\n\r\n", 400),
	ERR("two Host fields with the same value",
	    "GET / HTTP/1.1\r\n" H H "\r\n", 400),
	ERR("invalid Host", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
	ERR("absolute-form without Host on HTTP/1.1",
	    "GET http://example.com:8080 HTTP/1.1\r\n\r\n", 400),
	ERR("absolute-form with two Host fields",
	    "GET http://example.com/ HTTP/1.1\r\n" H "Host: b\r\n\r\n", 400),
	ERR("absolute-form with an invalid Host",
	    "GET http://example.com/ HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
	ERR("absolute-form with an invalid authority",
	    "GET http://ex\"ample/ HTTP/1.1\r\n" H "\r\n", 400),
	ERR("two Range fields",
	    "GET / HTTP/1.1\r\n" H "Range: bytes=0-1\r\n"
	    "Range: bytes=2-3\r\n\r\n",
	    400),
	ERR("two If-Range fields",
	    "GET / HTTP/1.1\r\n" H "If-Range: \"a\"\r\n"
	    "If-Range: \"a\"\r\n\r\n",
	    400),
	ERR("two If-Modified-Since fields",
	    "GET / HTTP/1.1\r\n" H
	    "If-Modified-Since: x\r\nIf-Modified-Since: x\r\n\r\n",
	    400),
	ERR("two Content-Type fields",
	    "POST / HTTP/1.1\r\n" H
	    "Content-Type: a/b\r\nContent-Type: a/b\r\n\r\n",
	    400),
	ERR("Content-Length and Transfer-Encoding",
	    "POST / HTTP/1.1\r\n" H
	    "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
	    400),
	ERR("Transfer-Encoding and Content-Length",
	    "POST / HTTP/1.1\r\n" H
	    "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
	    400),
	ERR("differing Content-Lengths",
	    "POST / HTTP/1.1\r\n" H
	    "Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
	    400),
	ERR("Content-Length +5",
	    "POST / HTTP/1.1\r\n" H "Content-Length: +5\r\n\r\n", 400),
	ERR("Content-Length ' 5x'",
	    "POST / HTTP/1.1\r\n" H "Content-Length:  5x\r\n\r\n", 400),
	ERR("Content-Length -1",
	    "POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n", 400),
	ERR("Content-Length empty",
	    "POST / HTTP/1.1\r\n" H "Content-Length:\r\n\r\n", 400),
	ERR("Content-Length 5 5",
	    "POST / HTTP/1.1\r\n" H "Content-Length: 5 5\r\n\r\n", 400),
	ERR("Content-Length overflowing is too large",
	    "POST / HTTP/1.1\r\n" H
	    "Content-Length: 99999999999999999999999\r\n\r\n",
	    413),
	ERR("Content-Length of 19 digits is too large",
	    "POST / HTTP/1.1\r\n" H
	    "Content-Length: 9223372036854775807\r\n\r\n",
	    413),
	ERR("Content-Length of 18 digits is too large",
	    "POST / HTTP/1.1\r\n" H
	    "Content-Length: 999999999999999999\r\n\r\n",
	    413),
	ERR("Content-Length overflowing, twice the same",
	    "POST / HTTP/1.1\r\n" H
	    "Content-Length: 99999999999999999999999\r\n"
	    "Content-Length: 099999999999999999999999\r\n\r\n",
	    413),
	ERR("Content-Lengths differing past int64",
	    "POST / HTTP/1.1\r\n" H
	    "Content-Length: 99999999999999999999999\r\n"
	    "Content-Length: 99999999999999999999998\r\n\r\n",
	    400),
	ERR("Content-Length overflowing, not digits",
	    "POST / HTTP/1.1\r\n" H
	    "Content-Length: 99999999999999999999999x\r\n\r\n",
	    400),
	ERR("Transfer-Encoding gzip",
	    "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\n\r\n", 501),
	ERR("Transfer-Encoding gzip, chunked",
	    "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip, chunked\r\n\r\n",
	    501),
	ERR("Transfer-Encoding on HTTP/1.0",
	    "POST / HTTP/1.0\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    400),
	ERR("Content-Length over body_size",
	    "POST / HTTP/1.1\r\n" H "Content-Length: 1001\r\n\r\n", 413),
	ERR("request line over the limit, head complete",
	    "GET /" A87 " HTTP/1.1\r\n" H "\r\n", 414),
	ERR("request line over the limit, its CRLF arrived",
	    "GET /" A87 " HTTP/1.1\r\n", 414),
	ERR("request line over the limit, no CRLF yet", "GET /" A87 " HTTP/1.1",
	    414),
	ERR("request line over the limit, no version yet", "GET /" A80 A80,
	    414),
	ERR("head over header_size, complete",
	    "GET / HTTP/1.1\r\n" H "X-A: " A400 "\r\n\r\n", 431),
	ERR("head over header_size, incomplete",
	    "GET / HTTP/1.1\r\n" H "X-A: " A400, 431),
	ERR("too many fields",
	    "GET / HTTP/1.1\r\n" H
	    "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\n"
	    "I: 8\r\nJ: 9\r\nK: 10\r\n\r\n",
	    431),
	ERR("Expect other than 100-continue",
	    "POST / HTTP/1.1\r\n" H
	    "Content-Length: 3\r\nExpect: 200-ok\r\n\r\n",
	    417),
	ERR("bare CR inside a field line",
	    "GET / HTTP/1.1\r\n" H "X-A: 1\r2\r\n\r\n", 400),
	ERR("bare CR ending a field line",
	    "GET / HTTP/1.1\r\n" H "X-A: 1\r\r\n\r\n", 400),
	ERR("bare CR ending the request line", "GET / HTTP/1.1\r\r\n" H "\r\n",
	    400),
};

#define NVALID	 (int)(sizeof(valid) / sizeof(valid[0]))
#define NINVALID (int)(sizeof(invalid) / sizeof(invalid[0]))

/* An exact-size copy, so that a read past the end is caught by tools. */
static char *
dup_exact(const char *s, size_t len)
{
	char *p;

	p = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(p);
	memcpy(p, s, len);
	return p;
}

static void
slice_is(const char *what, const char *name, struct http_slice s,
    const char *want)
{
	if (want == NULL) {
		ck_assert_msg(s.p == NULL,
		    "%s: %s: expected none, got \"%.*s\"", what, name,
		    (int)s.len, s.p);
		return;
	}
	ck_assert_msg(s.p != NULL, "%s: %s: expected \"%s\", got none", what,
	    name, want);
	ck_assert_msg(s.len == strlen(want) && memcmp(s.p, want, s.len) == 0,
	    "%s: %s: expected \"%s\", got \"%.*s\"", what, name, want,
	    (int)s.len, s.p);
}

static void
check_case(const struct head_case *c, const struct http_request *r)
{
	slice_is(c->name, "path", r->path, c->path);
	slice_is(c->name, "query", r->query, c->query);
	slice_is(c->name, "host", r->host, c->host);
	ck_assert_msg(r->method == c->method, "%s: method %d, expected %d",
	    c->name, r->method, c->method);
	ck_assert_msg(r->minor == c->minor, "%s: minor %d", c->name, r->minor);
	ck_assert_msg((int)r->keep_alive == c->keep_alive, "%s: keep_alive %d",
	    c->name, r->keep_alive);
	ck_assert_msg(r->content_length == c->content_length,
	    "%s: content_length %lld", c->name, (long long)r->content_length);
	ck_assert_msg((int)r->chunked == c->chunked, "%s: chunked %d", c->name,
	    r->chunked);
	ck_assert_msg((int)r->asterisk == c->asterisk, "%s: asterisk %d",
	    c->name, r->asterisk);
	ck_assert_msg((int)r->expect_continue == c->expect_continue,
	    "%s: expect_continue %d", c->name, r->expect_continue);
	ck_assert_msg(r->head_len == strlen(c->in), "%s: head_len %zu, not %zu",
	    c->name, r->head_len, strlen(c->in));
	if (c->line_len != 0)
		ck_assert_msg(r->line.len == c->line_len,
		    "%s: line.len %zu, not %zu", c->name, r->line.len,
		    c->line_len);
}

static int
slice_eq(struct http_slice a, struct http_slice b)
{
	return a.p == b.p && a.len == b.len;
}

/* Both parsed the same buffer: every slice must point at the same bytes. */
static void
req_same(const char *name, size_t k, const struct http_request *a,
    const struct http_request *b)
{
	ck_assert_msg(a->method == b->method && a->minor == b->minor &&
		slice_eq(a->line, b->line) && slice_eq(a->path, b->path) &&
		slice_eq(a->query, b->query) && slice_eq(a->host, b->host) &&
		slice_eq(a->content_type, b->content_type) &&
		slice_eq(a->if_none_match, b->if_none_match) &&
		slice_eq(a->if_modified_since, b->if_modified_since) &&
		slice_eq(a->range, b->range) &&
		slice_eq(a->if_range, b->if_range) &&
		slice_eq(a->accept_encoding, b->accept_encoding) &&
		slice_eq(a->referer, b->referer) &&
		slice_eq(a->user_agent, b->user_agent) &&
		a->content_length == b->content_length &&
		a->chunked == b->chunked && a->keep_alive == b->keep_alive &&
		a->asterisk == b->asterisk &&
		a->expect_continue == b->expect_continue &&
		a->head_len == b->head_len,
	    "%s: split at %zu parses differently", name, k);
}

START_TEST(test_parse_head_valid)
{
	const struct head_case *c = &valid[_i];
	struct http_request req;
	size_t len = strlen(c->in), scanned = 0;
	char *buf = dup_exact(c->in, len);
	int rc;

	rc =
	    http_parse_head(&req, buf, len, &scanned, &lim, join, sizeof(join));
	ck_assert_msg(rc == 0, "%s: got %d, expected 0", c->name, rc);
	check_case(c, &req);
	free(buf);
}
END_TEST

START_TEST(test_parse_head_invalid)
{
	const struct head_case *c = &invalid[_i];
	struct http_request req;
	size_t len = strlen(c->in), scanned = 0;
	char *buf = dup_exact(c->in, len);
	int rc;

	rc =
	    http_parse_head(&req, buf, len, &scanned, &lim, join, sizeof(join));
	ck_assert_msg(rc == c->rc, "%s: got %d, expected %d", c->name, rc,
	    c->rc);
	free(buf);
}
END_TEST

/*
 * Every valid head, fed as a prefix and then whole (scanned carried over
 * as the connection does), parses as it does in one piece; so does one
 * fed a byte at a time.
 */
START_TEST(test_parse_head_split_everywhere)
{
	const struct head_case *c = &valid[_i];
	struct http_request whole, req;
	size_t len = strlen(c->in), k, scanned;
	char *buf = dup_exact(c->in, len), *pre;
	int rc;

	scanned = 0;
	ck_assert_int_eq(http_parse_head(&whole, buf, len, &scanned, &lim, join,
			     sizeof(join)),
	    0);
	for (k = 0; k < len; k++) {
		pre = dup_exact(c->in, k);
		scanned = 0;
		rc = http_parse_head(&req, pre, k, &scanned, &lim, join,
		    sizeof(join));
		free(pre);
		ck_assert_msg(rc == HTTP_AGAIN,
		    "%s: first %zu bytes: got %d, expected HTTP_AGAIN", c->name,
		    k, rc);
		ck_assert_msg(scanned <= k, "%s: scanned %zu past %zu", c->name,
		    scanned, k);
		rc = http_parse_head(&req, buf, len, &scanned, &lim, join,
		    sizeof(join));
		ck_assert_msg(rc == 0, "%s: whole after %zu bytes: got %d",
		    c->name, k, rc);
		req_same(c->name, k, &whole, &req);
	}

	/* a byte at a time, one scanned for the whole way */
	scanned = 0;
	for (k = 1; k < len; k++) {
		pre = dup_exact(c->in, k);
		rc = http_parse_head(&req, pre, k, &scanned, &lim, join,
		    sizeof(join));
		free(pre);
		ck_assert_msg(rc == HTTP_AGAIN,
		    "%s: byte by byte, %zu bytes: got %d", c->name, k, rc);
	}
	ck_assert_int_eq(http_parse_head(&req, buf, len, &scanned, &lim, join,
			     sizeof(join)),
	    0);
	req_same(c->name, len, &whole, &req);
	free(buf);
}
END_TEST

/*
 * Every invalid head, cut anywhere, is HTTP_AGAIN or already its status;
 * whole, after the prefix (scanned carried over), it gets its status. So
 * it does fed a byte at a time: the first answer that is not HTTP_AGAIN
 * is its status.
 */
START_TEST(test_parse_head_invalid_split_everywhere)
{
	const struct head_case *c = &invalid[_i];
	struct http_request req;
	size_t len = strlen(c->in), k, scanned;
	char *buf = dup_exact(c->in, len), *pre;
	int rc;

	for (k = 0; k < len; k++) {
		pre = dup_exact(c->in, k);
		scanned = 0;
		rc = http_parse_head(&req, pre, k, &scanned, &lim, join,
		    sizeof(join));
		free(pre);
		ck_assert_msg(rc == HTTP_AGAIN || rc == c->rc,
		    "%s: first %zu bytes: got %d, expected HTTP_AGAIN or %d",
		    c->name, k, rc, c->rc);
		if (rc != HTTP_AGAIN)
			continue;
		ck_assert_msg(scanned <= k, "%s: scanned %zu past %zu", c->name,
		    scanned, k);
		rc = http_parse_head(&req, buf, len, &scanned, &lim, join,
		    sizeof(join));
		ck_assert_msg(rc == c->rc,
		    "%s: whole after %zu bytes: got %d, "
		    "expected %d",
		    c->name, k, rc, c->rc);
	}

	scanned = 0;
	rc = HTTP_AGAIN;
	for (k = 1; k <= len && rc == HTTP_AGAIN; k++) {
		pre = dup_exact(c->in, k);
		rc = http_parse_head(&req, pre, k, &scanned, &lim, join,
		    sizeof(join));
		free(pre);
	}
	ck_assert_msg(rc == c->rc,
	    "%s: byte by byte: got %d after %zu bytes, "
	    "expected %d",
	    c->name, rc, k - 1, c->rc);
	free(buf);
}
END_TEST

/* Repeated list fields come combined, in order; single ones as sent. */
START_TEST(test_parse_head_list_fields_combined)
{
	static const char in[] =
	    "GET / HTTP/1.1\r\n"
	    "Accept-Encoding: gzip\r\nIf-None-Match: \"a\"\r\nHost: a\r\n"
	    "accept-encoding:  br;q=0.5 \r\nIf-None-Match: W/\"b\", \"c\"\r\n"
	    "ACCEPT-ENCODING:\r\nIf-None-Match: \"d\"\r\n\r\n";
	static const char one[] = "GET / HTTP/1.1\r\nHost: a\r\n"
				  "If-None-Match: \"a\"\r\n\r\n";
	struct http_request req;
	size_t scanned = 0;
	char small[16];

	ck_assert_int_eq(http_parse_head(&req, in, sizeof(in) - 1, &scanned,
			     &lim, join, sizeof(join)),
	    0);
	slice_is("lists", "if_none_match", req.if_none_match,
	    "\"a\", W/\"b\", \"c\", \"d\"");
	slice_is("lists", "accept_encoding", req.accept_encoding,
	    "gzip, br;q=0.5, ");
	slice_is("lists", "host", req.host, "a");

	/* If-Match is a list too; If-Unmodified-Since a singleton */
	{
		static const char pre[] =
		    "PUT / HTTP/1.1\r\nHost: a\r\nIf-Match: \"x\"\r\n"
		    "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
		    "if-match: W/\"y\" , \"z\"\r\n\r\n";
		static const char twice[] =
		    "GET / HTTP/1.1\r\nHost: a\r\n"
		    "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
		    "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
		    "\r\n";

		scanned = 0;
		ck_assert_int_eq(http_parse_head(&req, pre, sizeof(pre) - 1,
				     &scanned, &lim, join, sizeof(join)),
		    0);
		slice_is("lists", "if_match", req.if_match,
		    "\"x\", W/\"y\" , \"z\"");
		slice_is("lists", "if_unmodified_since",
		    req.if_unmodified_since, "Sun, 06 Nov 1994 08:49:37 GMT");
		scanned = 0;
		ck_assert_int_eq(http_parse_head(&req, twice, sizeof(twice) - 1,
				     &scanned, &lim, join, sizeof(join)),
		    400);
	}

	/* a single line is not copied */
	scanned = 0;
	ck_assert_int_eq(http_parse_head(&req, one, sizeof(one) - 1, &scanned,
			     &lim, NULL, 0),
	    0);
	ck_assert_ptr_eq(req.if_none_match.p, strstr(one, "\"a\""));

	/* without room to combine them: 431, never a write past the room */
	scanned = 0;
	ck_assert_int_eq(http_parse_head(&req, in, sizeof(in) - 1, &scanned,
			     &lim, NULL, 0),
	    HTTP_STATUS_HEADER_FIELDS_TOO_LARGE);
	scanned = 0;
	ck_assert_int_eq(http_parse_head(&req, in, sizeof(in) - 1, &scanned,
			     &lim, small, sizeof(small)),
	    HTTP_STATUS_HEADER_FIELDS_TOO_LARGE);
}
END_TEST

START_TEST(test_parse_head_pipelined_head_len_exact)
{
	static const char first[] = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n";
	static const char two[] = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
				  "GET /b HTTP/1.1\r\nHost: b\r\n\r\n";
	struct http_request req;
	size_t scanned = 0;

	ck_assert_int_eq(http_parse_head(&req, two, sizeof(two) - 1, &scanned,
			     &lim, join, sizeof(join)),
	    0);
	ck_assert_uint_eq(req.head_len, sizeof(first) - 1);
	slice_is("first", "path", req.path, "/a");
	slice_is("first", "host", req.host, "a");

	scanned = 0;
	ck_assert_int_eq(http_parse_head(&req, two + req.head_len,
			     sizeof(two) - 1 - req.head_len, &scanned, &lim,
			     join, sizeof(join)),
	    0);
	ck_assert_uint_eq(req.head_len, sizeof(two) - sizeof(first));
	slice_is("second", "path", req.path, "/b");
	slice_is("second", "host", req.host, "b");
}
END_TEST

START_TEST(test_parse_head_len_excludes_body)
{
	static const char in[] = "POST /m HTTP/1.1\r\nHost: a\r\n"
				 "Content-Length: 4\r\n\r\nab\r\n"
				 "GET / HTTP/1.1\r\n";
	struct http_request req;
	size_t scanned = 0;

	ck_assert_int_eq(http_parse_head(&req, in, sizeof(in) - 1, &scanned,
			     &lim, join, sizeof(join)),
	    0);
	ck_assert_uint_eq(req.head_len, (size_t)(strstr(in, "ab\r\n") - in));
	ck_assert_int_eq(req.content_length, 4);
}
END_TEST

START_TEST(test_parse_head_fields_sliced)
{
	static const char in[] =
	    "GET /p HTTP/1.1\r\nHost: a\r\n"
	    "Content-Type: text/plain\r\n"
	    "If-None-Match: \"e1\"\r\n"
	    "If-Modified-Since: Tue, 24 Nov 2026 02:39:19 GMT\r\n"
	    "Range: bytes=0-1\r\nIf-Range: \"e1\"\r\n"
	    "Accept-Encoding: gzip\r\nReferer: http://r/\r\n"
	    "User-Agent: t/1.0\r\n\r\n";
	struct http_request req;
	size_t scanned = 0;

	ck_assert_int_eq(http_parse_head(&req, in, sizeof(in) - 1, &scanned,
			     &lim, join, sizeof(join)),
	    0);
	slice_is("fields", "line", req.line, "GET /p HTTP/1.1");
	slice_is("fields", "content_type", req.content_type, "text/plain");
	slice_is("fields", "if_none_match", req.if_none_match, "\"e1\"");
	slice_is("fields", "if_modified_since", req.if_modified_since,
	    "Tue, 24 Nov 2026 02:39:19 GMT");
	slice_is("fields", "range", req.range, "bytes=0-1");
	slice_is("fields", "if_range", req.if_range, "\"e1\"");
	slice_is("fields", "accept_encoding", req.accept_encoding, "gzip");
	slice_is("fields", "referer", req.referer, "http://r/");
	slice_is("fields", "user_agent", req.user_agent, "t/1.0");
}
END_TEST

START_TEST(test_parse_head_incomplete_is_again)
{
	static const char *const partial[] = {
		"",
		"G",
		"GET / HTTP/1.1",
		"GET / HTTP/1.1\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n\r",
		"\r\n",
		"\r\n\r\n",
		"\n",
	};
	struct http_request req;
	size_t i, scanned;

	for (i = 0; i < sizeof(partial) / sizeof(partial[0]); i++) {
		scanned = 0;
		ck_assert_msg(http_parse_head(&req, partial[i],
				  strlen(partial[i]), &scanned, &lim, join,
				  sizeof(join)) == HTTP_AGAIN,
		    "\"%s\" is not HTTP_AGAIN", partial[i]);
	}
}
END_TEST

/* Head of exactly header_size bytes is accepted, one more is not. */
START_TEST(test_parse_head_header_size_boundary)
{
	static const char pre[] = "GET / HTTP/1.1\r\nHost: a\r\nX-A: ";
	char buf[512];
	struct http_request req;
	size_t n, scanned;

	for (n = lim.header_size - 1; n <= lim.header_size + 1; n++) {
		memset(buf, 'a', sizeof(buf));
		memcpy(buf, pre, sizeof(pre) - 1);
		memcpy(buf + n - 4, "\r\n\r\n", 4);
		scanned = 0;
		ck_assert_int_eq(http_parse_head(&req, buf, n, &scanned, &lim,
				     join, sizeof(join)),
		    n <= lim.header_size ? 0
					 : HTTP_STATUS_HEADER_FIELDS_TOO_LARGE);
	}
}
END_TEST

/* Chunked bodies. */
struct chunk_case {
	const char *name;
	const char *in;
	size_t max_body;
	int rc;
	const char *body; /* rc 0: the decoded body */
	size_t raw_len;	  /* rc 0: 0 means all of in */
};

#define C_OK(n, i, b) \
	{ \
		(n), (i), 1000, 0, (b), 0 \
	}
#define C_ERR(n, i, m, r) \
	{ \
		(n), (i), (m), (r), NULL, 0 \
	}

#define META1K A400 A400 A80 A80 A10 A10 A10 A10
/* more than the 4096 bytes of metadata a body may carry */
#define META5K META1K META1K META1K META1K META1K

static const struct chunk_case chunks[] = {
	C_OK("one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello"),
	C_OK("several chunks", "3\r\nabc\r\n4\r\ndefg\r\n1\r\nh\r\n0\r\n\r\n",
	    "abcdefgh"),
	C_OK("empty body", "0\r\n\r\n", ""),
	C_OK("hex sizes, both cases",
	    "a\r\n0123456789\r\nB\r\nabcdefghijk\r\n"
	    "0\r\n\r\n",
	    "0123456789abcdefghijk"),
	C_OK("leading zeros", "0005\r\nhello\r\n000\r\n\r\n", "hello"),
	C_OK("chunk extensions",
	    "5;name=value\r\nhello\r\n"
	    "3;a;b=\"c d\"\r\nxyz\r\n0;last\r\n\r\n",
	    "helloxyz"),
	C_OK("trailers", "5\r\nhello\r\n0\r\nX-Trailer: 1\r\nY: two\r\n\r\n",
	    "hello"),
	C_OK("data holding CRLF", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n"),
	C_OK("bare LF line endings", "5\nhello\n0\n\n", "hello"),
	{ "stops at the end of the body", "5\r\nhello\r\n0\r\n\r\nGET / ", 1000,
	    0, "hello", 15 },
	{ "exactly max_body", "a\r\n0123456789\r\n0\r\n\r\n", 10, 0,
	    "0123456789", 0 },
	C_ERR("hex overflow", "10000000000000000\r\n", 1000, 400),
	C_ERR("hex overflow, many digits", "fffffffffffffffffffff\r\n", 1000,
	    400),
	C_ERR("one chunk over max_body", "b\r\n0123456789a\r\n0\r\n\r\n", 10,
	    413),
	C_ERR("chunks adding up over max_body",
	    "6\r\nabcdef\r\n"
	    "6\r\nabcdef\r\n0\r\n\r\n",
	    10, 413),
	C_ERR("huge size over max_body", "ffffffffffffffff\r\n", 1000, 413),
	C_ERR("data longer than its size", "5\r\nhelloX\r\n0\r\n\r\n", 1000,
	    400),
	C_ERR("data shorter than its size", "5\r\nhell\r\n\r\n0\r\n\r\n", 1000,
	    400),
	C_ERR("non-hex size", "g\r\nhello\r\n0\r\n\r\n", 1000, 400),
	C_ERR("empty size", "\r\nhello\r\n0\r\n\r\n", 1000, 400),
	C_ERR("space before the size", " 5\r\nhello\r\n0\r\n\r\n", 1000, 400),
	C_ERR("negative size", "-5\r\nhello\r\n0\r\n\r\n", 1000, 400),
	C_ERR("0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", 1000, 400),
	C_ERR("junk after the size", "5x\r\nhello\r\n0\r\n\r\n", 1000, 400),
	C_ERR("control character in an extension",
	    "5;a\x01\r\nhello\r\n"
	    "0\r\n\r\n",
	    1000, 400),
	C_ERR("trailer without a colon", "0\r\nX-Trailer\r\n\r\n", 1000, 400),
	C_ERR("folded trailer", "0\r\nX: 1\r\n 2\r\n\r\n", 1000, 400),
	C_ERR("too many trailer bytes", "0\r\nX: " META5K "\r\n\r\n", 1000,
	    431),
	C_ERR("too many trailer bytes, unfinished", "0\r\nX: " META5K, 1000,
	    431),
	C_ERR("too many extension bytes", "1;" META5K "\r\na\r\n0\r\n\r\n",
	    1000, 431),
};

#define NCHUNKS (int)(sizeof(chunks) / sizeof(chunks[0]))

START_TEST(test_chunked)
{
	const struct chunk_case *c = &chunks[_i];
	size_t len = strlen(c->in), raw = 0, body = 0, want;
	char *buf = dup_exact(c->in, len);
	int rc;

	rc = chunked_body(buf, len, c->max_body, 0, &raw, &body);
	ck_assert_msg(rc == c->rc, "%s: got %d, expected %d", c->name, rc,
	    c->rc);
	if (c->rc == 0) {
		want = c->raw_len ? c->raw_len : len;
		ck_assert_msg(raw == want, "%s: raw_len %zu, expected %zu",
		    c->name, raw, want);
		ck_assert_msg(body == strlen(c->body), "%s: body_len %zu",
		    c->name, body);
		ck_assert_msg(memcmp(buf, c->in, len) == 0,
		    "%s: decode=0 changed the buffer", c->name);
		raw = body = 0;
		rc = chunked_body(buf, len, c->max_body, 1, &raw, &body);
		ck_assert_msg(rc == 0, "%s: decode: got %d", c->name, rc);
		ck_assert_msg(raw == want && body == strlen(c->body),
		    "%s: decode: raw_len %zu body_len %zu", c->name, raw, body);
		ck_assert_msg(memcmp(buf, c->body, body) == 0,
		    "%s: decoded \"%.*s\", expected \"%s\"", c->name, (int)body,
		    buf, c->body);
	}
	free(buf);
}
END_TEST

/* Cut anywhere before its end, a valid body is HTTP_AGAIN, then whole. */
START_TEST(test_chunked_split_everywhere)
{
	const struct chunk_case *c = &chunks[_i];
	size_t len = strlen(c->in), k, raw, body, end;
	char *buf;
	int rc;

	if (c->rc != 0)
		return;
	end = c->raw_len ? c->raw_len : len;
	for (k = 0; k <= len; k++) {
		buf = dup_exact(c->in, k);
		raw = body = 0;
		rc = chunked_body(buf, k, c->max_body, 0, &raw, &body);
		if (k < end)
			ck_assert_msg(rc == HTTP_AGAIN,
			    "%s: first %zu bytes: got %d, expected HTTP_AGAIN",
			    c->name, k, rc);
		else
			ck_assert_msg(rc == 0 && raw == end &&
				body == strlen(c->body),
			    "%s: first %zu bytes: got %d (raw %zu body %zu)",
			    c->name, k, rc, raw, body);
		free(buf);
	}
}
END_TEST

/* Every status guad knows has a reason phrase. */
static const int statuses[] = {
	HTTP_STATUS_CONTINUE,
	HTTP_STATUS_OK,
	HTTP_STATUS_NO_CONTENT,
	HTTP_STATUS_PARTIAL_CONTENT,
	HTTP_STATUS_MOVED_PERMANENTLY,
	HTTP_STATUS_SEE_OTHER,
	HTTP_STATUS_NOT_MODIFIED,
	HTTP_STATUS_BAD_REQUEST,
	HTTP_STATUS_FORBIDDEN,
	HTTP_STATUS_NOT_FOUND,
	HTTP_STATUS_METHOD_NOT_ALLOWED,
	HTTP_STATUS_REQUEST_TIMEOUT,
	HTTP_STATUS_LENGTH_REQUIRED,
	HTTP_STATUS_PRECONDITION_FAILED,
	HTTP_STATUS_CONTENT_TOO_LARGE,
	HTTP_STATUS_URI_TOO_LONG,
	HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE,
	HTTP_STATUS_RANGE_NOT_SATISFIABLE,
	HTTP_STATUS_EXPECTATION_FAILED,
	HTTP_STATUS_MISDIRECTED_REQUEST,
	HTTP_STATUS_HEADER_FIELDS_TOO_LARGE,
	HTTP_STATUS_INTERNAL_SERVER_ERROR,
	HTTP_STATUS_NOT_IMPLEMENTED,
	HTTP_STATUS_SERVICE_UNAVAILABLE,
	HTTP_STATUS_VERSION_NOT_SUPPORTED,
};

START_TEST(test_status_reason_every_status)
{
	const char *r;
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		r = http_status_reason(statuses[i]);
		ck_assert_msg(r != NULL && r[0] != '\0',
		    "status %d has no reason", statuses[i]);
	}
	ck_assert_str_eq(http_status_reason(404), "Not Found");
	ck_assert_str_eq(http_status_reason(200), "OK");
}
END_TEST

START_TEST(test_status_reason_unknown_is_null)
{
	ck_assert_ptr_null(http_status_reason(-1));
	ck_assert_ptr_null(http_status_reason(0));
	ck_assert_ptr_null(http_status_reason(299));
	ck_assert_ptr_null(http_status_reason(HTTP_STATUS_COUNT));
	ck_assert_ptr_null(http_status_reason(1000000));
}
END_TEST

START_TEST(test_method_names_all_set)
{
	int i;

	for (i = 0; i < HTTP_METHOD_COUNT; i++)
		ck_assert_msg(http_method_names[i] != NULL &&
			http_method_names[i][0] != '\0',
		    "method %d has no name", i);
	ck_assert_str_eq(http_method_names[HTTP_METHOD_GET], "GET");
	ck_assert_str_eq(http_method_names[HTTP_METHOD_HEAD], "HEAD");
	ck_assert_str_eq(http_method_names[HTTP_METHOD_POST], "POST");
}
END_TEST

START_TEST(test_token_eq_ignores_case_only)
{
	ck_assert(http_token_eq("Close", 5, "close"));
	ck_assert(http_token_eq("CLOSE", 5, "close"));
	ck_assert(!http_token_eq("close", 4, "close"));
	ck_assert(!http_token_eq("closed", 6, "close"));
	ck_assert(!http_token_eq("clos3", 5, "close"));
}
END_TEST

static Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc;

	tc = tcase_create("parse_head");
	tcase_add_loop_test(tc, test_parse_head_valid, 0, NVALID);
	tcase_add_loop_test(tc, test_parse_head_invalid, 0, NINVALID);
	tcase_add_loop_test(tc, test_parse_head_split_everywhere, 0, NVALID);
	tcase_add_loop_test(tc, test_parse_head_invalid_split_everywhere, 0,
	    NINVALID);
	tcase_add_test(tc, test_parse_head_list_fields_combined);
	tcase_add_test(tc, test_parse_head_pipelined_head_len_exact);
	tcase_add_test(tc, test_parse_head_len_excludes_body);
	tcase_add_test(tc, test_parse_head_fields_sliced);
	tcase_add_test(tc, test_parse_head_incomplete_is_again);
	tcase_add_test(tc, test_parse_head_header_size_boundary);
	suite_add_tcase(s, tc);

	tc = tcase_create("chunked");
	tcase_add_loop_test(tc, test_chunked, 0, NCHUNKS);
	tcase_add_loop_test(tc, test_chunked_split_everywhere, 0, NCHUNKS);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, test_status_reason_every_status);
	tcase_add_test(tc, test_status_reason_unknown_is_null);
	tcase_add_test(tc, test_method_names_all_set);
	tcase_add_test(tc, test_token_eq_ignores_case_only);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(http_suite)
