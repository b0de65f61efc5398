/* check_precond.c: RFC 9110 13.2.2, each precondition and each pair. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "precond.h"
#include "check_main.h"

#define T	1000000000 /* Sun, 09 Sep 2001 01:46:40 GMT */
#define SAME	"Sun, 09 Sep 2001 01:46:40 GMT"
#define EARLIER "Sat, 08 Sep 2001 01:46:40 GMT"
#define LATER	"Mon, 10 Sep 2001 01:46:40 GMT"
#define ETAG	"\"abc\""

enum {
	GET = HTTP_METHOD_GET,
	HEAD = HTTP_METHOD_HEAD,
	POST = HTTP_METHOD_POST
};

struct pre_case {
	const char *name;
	const char *im, *ius, *inm, *ims; /* NULL: absent */
	int method;
	int want;
};

static const struct pre_case cases[] = {
	{ "no preconditions", NULL, NULL, NULL, NULL, GET, 0 },
	/* 1: If-Match, strong comparison */
	{ "If-Match same tag", ETAG, NULL, NULL, NULL, GET, 0 },
	{ "If-Match other tag", "\"other\"", NULL, NULL, NULL, GET, 412 },
	{ "If-Match other tag, HEAD", "\"other\"", NULL, NULL, NULL, HEAD,
	    412 },
	{ "If-Match other tag, POST", "\"other\"", NULL, NULL, NULL, POST,
	    412 },
	{ "If-Match *", "*", NULL, NULL, NULL, GET, 0 },
	{ "If-Match * with spaces", " * ", NULL, NULL, NULL, GET, 0 },
	{ "If-Match weak tag never matches", "W/" ETAG, NULL, NULL, NULL, GET,
	    412 },
	{ "If-Match list with the tag", "\"x\", W/\"y\", " ETAG, NULL, NULL,
	    NULL, GET, 0 },
	{ "If-Match unquoted", "abc", NULL, NULL, NULL, GET, 412 },
	{ "If-Match empty", "", NULL, NULL, NULL, GET, 412 },
	/* 2: If-Unmodified-Since, only without If-Match */
	{ "IUS earlier", NULL, EARLIER, NULL, NULL, GET, 412 },
	{ "IUS earlier, POST", NULL, EARLIER, NULL, NULL, POST, 412 },
	{ "IUS same", NULL, SAME, NULL, NULL, GET, 0 },
	{ "IUS later", NULL, LATER, NULL, NULL, GET, 0 },
	{ "IUS not a date", NULL, "yesterday", NULL, NULL, GET, 0 },
	{ "If-Match passes, IUS earlier ignored", ETAG, EARLIER, NULL, NULL,
	    GET, 0 },
	{ "If-Match fails, IUS later", "\"x\"", LATER, NULL, NULL, GET, 412 },
	/* 3: If-None-Match, weak comparison */
	{ "INM same tag", NULL, NULL, ETAG, NULL, GET, 304 },
	{ "INM same tag, HEAD", NULL, NULL, ETAG, NULL, HEAD, 304 },
	{ "INM same tag, POST", NULL, NULL, ETAG, NULL, POST, 412 },
	{ "INM weak tag matches", NULL, NULL, "W/" ETAG, NULL, GET, 304 },
	{ "INM *", NULL, NULL, "*", NULL, GET, 304 },
	{ "INM *, POST", NULL, NULL, "*", NULL, POST, 412 },
	{ "INM other tag", NULL, NULL, "\"other\"", NULL, GET, 0 },
	{ "INM other tag, POST", NULL, NULL, "\"other\"", NULL, POST, 0 },
	{ "INM list with the tag", NULL, NULL, "\"x\", " ETAG, NULL, GET, 304 },
	/* 4: If-Modified-Since, only without If-None-Match, GET and HEAD */
	{ "IMS later", NULL, NULL, NULL, LATER, GET, 304 },
	{ "IMS same", NULL, NULL, NULL, SAME, HEAD, 304 },
	{ "IMS earlier", NULL, NULL, NULL, EARLIER, GET, 0 },
	{ "IMS not a date", NULL, NULL, NULL, "soon", GET, 0 },
	{ "IMS later, POST", NULL, NULL, NULL, LATER, POST, 0 },
	{ "INM other tag, IMS later ignored", NULL, NULL, "\"x\"", LATER, GET,
	    0 },
	{ "INM same tag, IMS earlier ignored", NULL, NULL, ETAG, EARLIER, GET,
	    304 },
	/* the order between the steps */
	{ "If-Match fails before INM matches", "\"x\"", NULL, ETAG, NULL, GET,
	    412 },
	{ "If-Match passes, INM matches", ETAG, NULL, ETAG, NULL, GET, 304 },
	{ "If-Match passes, INM matches, POST", ETAG, NULL, ETAG, NULL, POST,
	    412 },
	{ "If-Match passes, INM other", ETAG, NULL, "\"x\"", NULL, GET, 0 },
	{ "If-Match fails before IMS", "\"x\"", NULL, NULL, LATER, GET, 412 },
	{ "If-Match passes, IMS later", ETAG, NULL, NULL, LATER, GET, 304 },
	{ "IUS fails before INM matches", NULL, EARLIER, ETAG, NULL, GET, 412 },
	{ "IUS fails before IMS", NULL, EARLIER, NULL, LATER, GET, 412 },
	{ "IUS passes, INM matches", NULL, LATER, ETAG, NULL, GET, 304 },
	{ "IUS passes, IMS later", NULL, LATER, NULL, LATER, GET, 304 },
	{ "IUS passes, IMS earlier", NULL, SAME, NULL, EARLIER, GET, 0 },
	{ "all four pass", ETAG, LATER, "\"x\"", EARLIER, GET, 0 },
};

#define NCASES (int)(sizeof(cases) / sizeof(cases[0]))

static void
set(struct http_slice *s, const char *v)
{
	s->p = v;
	s->len = v != NULL ? strlen(v) : 0;
}

static void
request(struct http_request *req, const struct pre_case *c)
{
	memset(req, 0, sizeof(*req));
	req->method = (enum http_method)c->method;
	set(&req->if_match, c->im);
	set(&req->if_unmodified_since, c->ius);
	set(&req->if_none_match, c->inm);
	set(&req->if_modified_since, c->ims);
}

START_TEST(test_table)
{
	const struct pre_case *c = &cases[_i];
	struct precond_state st = { ETAG, T, 1 };
	struct http_request req;
	int got;

	request(&req, c);
	got = precond_evaluate(&req, &st);
	ck_assert_msg(got == c->want, "%s: got %d, expected %d", c->name, got,
	    c->want);
}
END_TEST

/* A resource without a tag, without a date, or that does not exist. */
START_TEST(test_missing_validators)
{
	struct precond_state notag = { NULL, T, 1 }, nodate = { ETAG, 0, 1 };
	struct precond_state gone = { NULL, 0, 0 };
	struct pre_case c;
	struct http_request req;

	memset(&c, 0, sizeof(c));
	c.method = GET;
	c.im = ETAG;
	request(&req, &c);
	ck_assert_int_eq(precond_evaluate(&req, &notag), 412);
	c.im = "*";
	request(&req, &c);
	ck_assert_int_eq(precond_evaluate(&req, &notag), 0);
	ck_assert_int_eq(precond_evaluate(&req, &gone), 412);

	memset(&c, 0, sizeof(c));
	c.method = GET;
	c.ius = EARLIER;
	request(&req, &c);
	ck_assert_int_eq(precond_evaluate(&req, &nodate), 0);
	c.ius = NULL;
	c.ims = LATER;
	request(&req, &c);
	ck_assert_int_eq(precond_evaluate(&req, &nodate), 0);

	/* "*" asks whether a representation exists */
	memset(&c, 0, sizeof(c));
	c.method = POST;
	c.inm = "*";
	request(&req, &c);
	ck_assert_int_eq(precond_evaluate(&req, &gone), 0);
	c.inm = ETAG;
	request(&req, &c);
	ck_assert_int_eq(precond_evaluate(&req, &notag), 0);
}
END_TEST

START_TEST(test_etag_match)
{
	struct http_slice l;

	set(&l, "\"a,*\"");
	ck_assert(!precond_etag_match(&l, "\"b\"", 0));
	ck_assert(precond_etag_match(&l, "\"a,*\"", 1));
	set(&l, "W/\"a\"");
	ck_assert(precond_etag_match(&l, "\"a\"", 0));
	ck_assert(!precond_etag_match(&l, "\"a\"", 1));
	set(&l, " \"x\" ,\t\"a\"\t");
	ck_assert(precond_etag_match(&l, "\"a\"", 1));
	set(&l, "\"x\", *");
	ck_assert(precond_etag_match(&l, "\"a\"", 1));
	set(&l, "");
	ck_assert(!precond_etag_match(&l, "\"a\"", 0));
	ck_assert(!precond_etag_match(&l, NULL, 0));
}
END_TEST

static Suite *
precond_suite(void)
{
	Suite *s = suite_create("precond");
	TCase *tc = tcase_create("rfc9110");

	tcase_add_loop_test(tc, test_table, 0, NCASES);
	tcase_add_test(tc, test_missing_validators);
	tcase_add_test(tc, test_etag_match);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(precond_suite)
