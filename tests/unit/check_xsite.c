/* check_xsite.c: which writes a browser made for another site are refused. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "xsite.h"
#include "check_main.h"

struct origin_case {
	const char *origin, *host;
	int same;
};

static const struct origin_case origins[] = {
	{ "http://127.0.0.1:3000", "127.0.0.1:3000", 1 },
	{ "http://example.com", "example.com", 1 },
	{ "http://EXAMPLE.com", "example.COM", 1 },
	{ "http://example.com:80", "example.com", 1 },
	{ "http://example.com", "example.com:80", 1 },
	{ "HTTP://example.com", "example.com", 1 },
	{ "http://[::1]:8080", "[::1]:8080", 1 },
	{ "http://example.com.", "example.com", 1 },
	{ "https://example.com", "example.com", 0 },
	{ "http://example.com:8080", "example.com", 0 },
	{ "http://example.com", "example.com:8080", 0 },
	{ "http://evil.example", "example.com", 0 },
	{ "http://example.com.evil.example", "example.com", 0 },
	{ "http://127.0.0.2:3000", "127.0.0.1:3000", 0 },
	{ "null", "example.com", 0 },
	{ "", "example.com", 0 },
	{ "http://", "example.com", 0 },
	{ "http://example.com/", "example.com", 0 },
	{ "http://user@example.com", "example.com", 0 },
	{ "example.com", "example.com", 0 },
	{ "http://example.com", "", 0 },
	{ "http://example.com", NULL, 0 },
	{ NULL, "example.com", 0 },
};

#define NORIGINS (int)(sizeof(origins) / sizeof(origins[0]))

static void
set(struct http_slice *s, const char *v)
{
	s->p = v;
	s->len = v != NULL ? strlen(v) : 0;
}

START_TEST(test_same_origin)
{
	const struct origin_case *c = &origins[_i];
	struct http_slice o, h;

	set(&o, c->origin);
	set(&h, c->host);
	ck_assert_msg(xsite_same_origin(&o, &h, "http") == c->same,
	    "Origin %s, Host %s: expected %d", c->origin, c->host, c->same);
}
END_TEST

START_TEST(test_https_scheme)
{
	struct http_slice o, h;

	set(&o, "https://example.com");
	set(&h, "example.com:443");
	ck_assert(xsite_same_origin(&o, &h, "https"));
	set(&o, "http://example.com");
	ck_assert(!xsite_same_origin(&o, &h, "https"));
}
END_TEST

struct refusal_case {
	const char *name;
	const char *origin, *sfs, *sec_purpose, *purpose;
	int refused;
};

#define OURS  "http://board.example:3000"
#define OTHER "http://evil.example"

static const struct refusal_case refusals[] = {
	{ "curl: nothing said", NULL, NULL, NULL, NULL, 0 },
	{ "same-origin form", OURS, "same-origin", NULL, NULL, 0 },
	{ "same-origin without Origin", NULL, "same-origin", NULL, NULL, 0 },
	{ "typed in the address bar", NULL, "none", NULL, NULL, 0 },
	{ "our Origin, no Fetch Metadata", OURS, NULL, NULL, NULL, 0 },
	{ "cross-site form", OTHER, "cross-site", NULL, NULL, 1 },
	{ "cross-site image, no Origin", NULL, "cross-site", NULL, NULL, 1 },
	{ "cross-site, case aside", NULL, "Cross-Site", NULL, NULL, 1 },
	{ "cross-site even with our Origin", OURS, "cross-site", NULL, NULL,
	    1 },
	{ "same-site, another origin", "http://www.board.example:3000",
	    "same-site", NULL, NULL, 1 },
	{ "same-site without Origin", NULL, "same-site", NULL, NULL, 1 },
	{ "same-site with our Origin", OURS, "same-site", NULL, NULL, 0 },
	{ "another Origin, no Fetch Metadata", OTHER, NULL, NULL, NULL, 1 },
	{ "Origin null", "null", NULL, NULL, NULL, 1 },
	{ "another Origin claiming same-origin", OTHER, "same-origin", NULL,
	    NULL, 1 },
	{ "prefetch", NULL, "same-origin", "prefetch", NULL, 1 },
	{ "prerender prefetch", NULL, NULL, "prefetch;prerender", NULL, 1 },
	{ "prefetch among others", NULL, NULL, "x, prefetch", NULL, 1 },
	{ "old prefetch", NULL, NULL, NULL, "prefetch", 1 },
	{ "old prefetch, case aside", NULL, NULL, NULL, "Prefetch", 1 },
	{ "another purpose", NULL, NULL, "prefetched", "preview", 0 },
};

#define NREFUSALS (int)(sizeof(refusals) / sizeof(refusals[0]))

START_TEST(test_refusal)
{
	const struct refusal_case *c = &refusals[_i];
	struct http_request req;
	const char *why;

	memset(&req, 0, sizeof(req));
	req.method = HTTP_METHOD_POST;
	set(&req.host, "board.example:3000");
	set(&req.origin, c->origin);
	set(&req.sec_fetch_site, c->sfs);
	set(&req.sec_purpose, c->sec_purpose);
	set(&req.purpose, c->purpose);
	why = xsite_refusal(&req, "http");
	ck_assert_msg((why != NULL) == c->refused, "%s: %s", c->name,
	    why != NULL ? why : "served");
	if (why != NULL)
		ck_assert(strlen(why) > 10 && strchr(why, '<') == NULL);
}
END_TEST

static Suite *
xsite_suite(void)
{
	Suite *s = suite_create("xsite");
	TCase *tc = tcase_create("origin");

	tcase_add_loop_test(tc, test_same_origin, 0, NORIGINS);
	tcase_add_test(tc, test_https_scheme);
	tcase_add_loop_test(tc, test_refusal, 0, NREFUSALS);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(xsite_suite)
