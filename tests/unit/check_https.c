/* check_https.c: the redirect of the plain port to HTTPS, and HSTS. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "handler.h"
#include "http.h"
#include "https.h"
#include "resp.h"
#include "check_main.h"

struct redirect_case {
	const char *host;	 /* the Host field; NULL: none */
	const char *path;	 /* decoded and normalised */
	const char *query;	 /* NULL: none */
	const char *server_name; /* NULL: none */
	const char *location;	 /* NULL: no Location */
	unsigned port;
	int status;
};

static const struct redirect_case redirects[] = {
	{ "localhost:8080", "/", NULL, NULL, "https://localhost:8443/", 8443,
	    308 },
	{ "localhost", "/msg", "a=1&b=2", NULL,
	    "https://localhost:8443/msg?a=1&b=2", 8443, 308 },
	/* 443 is what https:// means: left out */
	{ "example.com:80", "/a/b.html", "x", NULL,
	    "https://example.com/a/b.html?x", 443, 308 },
	{ "Example.COM", "/", "", NULL, "https://Example.COM/?", 443, 308 },
	{ "[::1]:3000", "/x", NULL, NULL, "https://[::1]:8443/x", 8443, 308 },
	{ "127.0.0.1:3000", "/x", NULL, NULL, "https://127.0.0.1/x", 443, 308 },
	/* the path percent-encoded again where it could be misread */
	{ "h", "/a b/%?#\xc3\xa9", NULL, NULL,
	    "https://h:8443/a%20b/%25%3F%23%C3%A9", 8443, 308 },
	/* no Host (HTTP/1.0): the first server_name, else nowhere to go */
	{ NULL, "/", NULL, "example.org", "https://example.org/", 443, 308 },
	{ "", "/", NULL, "example.org", "https://example.org/", 443, 308 },
	{ NULL, "/", NULL, NULL, NULL, 443, 400 },
};

#define NREDIRECTS (int)(sizeof(redirects) / sizeof(redirects[0]))

START_TEST(test_redirect)
{
	const struct redirect_case *t = &redirects[_i];
	struct http_request req;
	struct handler_scratch s;
	struct response r;
	struct conf c;
	struct hreq q;
	char loc[128], name[32], *names[1];

	memset(&req, 0, sizeof(req));
	memset(&c, 0, sizeof(c));
	memset(&q, 0, sizeof(q));
	memset(&s, 0, sizeof(s));
	if (t->host != NULL) {
		req.host.p = t->host;
		req.host.len = strlen(t->host);
	}
	if (t->query != NULL) {
		req.query.p = t->query;
		req.query.len = strlen(t->query);
	}
	if (t->server_name != NULL) {
		strcpy(name, t->server_name);
		names[0] = name;
		c.server_name.v = names;
		c.server_name.n = 1;
	}
	s.location = loc;
	s.location_cap = sizeof(loc);
	q.conf = &c;
	q.req = &req;
	q.path = t->path;
	q.len = strlen(t->path);
	q.scratch = &s;
	resp_init(&r);
	ck_assert_int_eq(https_redirect(&q, &r, t->port), t->status);
	if (t->location != NULL)
		ck_assert_str_eq(r.location, t->location);
	else
		ck_assert_ptr_nonnull(r.detail); /* says why */
}
END_TEST

START_TEST(test_redirect_too_long)
{
	struct http_request req;
	struct handler_scratch s;
	struct response r;
	struct conf c;
	struct hreq q;
	char loc[24];

	memset(&req, 0, sizeof(req));
	memset(&c, 0, sizeof(c));
	memset(&q, 0, sizeof(q));
	req.host.p = "localhost";
	req.host.len = 9;
	s.location = loc;
	s.location_cap = sizeof(loc);
	q.conf = &c;
	q.req = &req;
	q.path = "/0123456789";
	q.len = 11;
	q.scratch = &s;
	resp_init(&r);
	ck_assert_int_eq(https_redirect(&q, &r, 8443),
	    HTTP_STATUS_URI_TOO_LONG);
}
END_TEST

struct hsts_case {
	const char *value;
	int ok;
};

static const struct hsts_case hsts[] = {
	{ "off", 1 },
	{ "max-age=63072000", 1 },
	{ "max-age=0", 1 },
	{ "max-age=31536000; includeSubDomains", 1 },
	{ "max-age=31536000; includeSubDomains; preload", 1 },
	{ "max-age=31536000;preload", 1 },
	{ "preload; max-age=1", 1 },
	{ "Max-Age=300 ; INCLUDESUBDOMAINS", 1 },
	{ "on", 0 },
	{ "", 0 },
	{ "includeSubDomains", 0 },
	{ "max-age=", 0 },
	{ "max-age=-1", 0 },
	{ "max-age=1x", 0 },
	{ "max-age=12345678901", 0 },
	{ "max-age=1; max-age=2", 0 },
	{ "max-age=1; includeSubdomain", 0 },
	{ "max-age=1; preload; preload", 0 },
	{ "max-age=1;; preload", 0 },
	{ "max-age=\"1\"", 0 },
};

#define NHSTS (int)(sizeof(hsts) / sizeof(hsts[0]))

START_TEST(test_hsts_check)
{
	char why[256] = "";

	ck_assert_msg((https_hsts_check(hsts[_i].value, why, sizeof(why)) ==
			  0) == hsts[_i].ok,
	    "\"%s\": %s", hsts[_i].value, why);
	if (!hsts[_i].ok)
		ck_assert_ptr_nonnull(strstr(why, "max-age=SECONDS"));
}
END_TEST

static Suite *
https_suite(void)
{
	Suite *s = suite_create("https");
	TCase *tc;

	tc = tcase_create("redirect");
	tcase_add_loop_test(tc, test_redirect, 0, NREDIRECTS);
	tcase_add_test(tc, test_redirect_too_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("hsts");
	tcase_add_loop_test(tc, test_hsts_check, 0, NHSTS);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(https_suite)
