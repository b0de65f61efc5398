/* check_page.c: error pages for every status, listing sizes and order. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "listing.h"
#include "page.h"
#include "resp.h"
#include "check_main.h"

static char page[8192];

static const char *
body_of(const struct response *r)
{
	size_t n = 0;
	int i;

	for (i = 0; i < r->nbody; i++) {
		ck_assert_uint_lt(n + r->body[i].len, sizeof(page));
		memcpy(page + n, r->body[i].p, r->body[i].len);
		n += r->body[i].len;
	}
	page[n] = '\0';
	return page;
}

/*
 * Every error status guad can send has its own advice (405 says what it
 * takes in the middle), so a new status is not left with a bare page.
 */
START_TEST(test_every_error_status_has_advice)
{
	const char *generic = page_advice(599);
	int s;

	for (s = 400; s < HTTP_STATUS_COUNT; s++) {
		if (http_status_reason(s) == NULL ||
		    s == HTTP_STATUS_METHOD_NOT_ALLOWED)
			continue;
		ck_assert_msg(strcmp(page_advice(s), generic) != 0,
		    "status %d has no advice", s);
		ck_assert_ptr_nonnull(strstr(page_advice(s), "</html>"));
	}
}
END_TEST

/* The built-in page: styled inline, or linking the site's stylesheet. */
START_TEST(test_builtin_style_or_link)
{
	struct response r;
	const char *p;

	resp_init(&r);
	resp_error(&r, HTTP_STATUS_NOT_FOUND);
	p = body_of(&r);
	ck_assert_ptr_nonnull(strstr(p, "<style>"));
	ck_assert_ptr_null(strstr(p, "<link"));
	ck_assert_ptr_nonnull(strstr(p, "name=\"viewport\""));
	ck_assert_int_eq(resp_content_length(&r), (off_t)strlen(p));

	page_error_builtin(&r, "/s/\"x\".css");
	p = body_of(&r);
	ck_assert_ptr_null(strstr(p, "<style>"));
	ck_assert_ptr_nonnull(strstr(p,
	    "<link rel=\"stylesheet\" href=\"/s/&quot;x&quot;.css\">"));
	ck_assert_ptr_nonnull(strstr(p, "<h1>404 Not Found</h1>"));
	ck_assert_ptr_nonnull(strstr(p, "<a href=\"/\">"));
}
END_TEST

/* A redirect's page links its target, escaped; one too long is left out. */
START_TEST(test_redirect_links_target)
{
	static char longloc[2048];
	struct response r;
	const char *p;

	resp_init(&r);
	r.location = "/a?b=<c>&d";
	resp_error(&r, HTTP_STATUS_MOVED_PERMANENTLY);
	p = body_of(&r);
	ck_assert_ptr_nonnull(strstr(p,
	    "<a href=\"/a?b=&lt;c&gt;&amp;d\">/a?b=&lt;c&gt;&amp;d</a>"));

	memset(longloc, 'x', sizeof(longloc) - 1);
	longloc[0] = '/';
	resp_init(&r);
	r.location = longloc;
	resp_error(&r, HTTP_STATUS_PERMANENT_REDIRECT);
	p = body_of(&r);
	ck_assert_ptr_nonnull(strstr(p, "<h1>308 Permanent Redirect</h1>"));
	ck_assert_ptr_null(strstr(p, "xxxxxxxxxx"));
	ck_assert_ptr_nonnull(strstr(p, "</html>"));
}
END_TEST

static const struct {
	off_t size;
	const char *shown;
} sizes[] = {
	{ 0, "0 B" },
	{ 1023, "1023 B" },
	{ 1024, "1.0 KiB" },
	{ 5000, "4.9 KiB" },
	{ 10239, "10 KiB" },
	{ 1048575, "1024 KiB" },
	{ 1048576, "1.0 MiB" },
	{ (off_t)3 << 30, "3.0 GiB" },
	{ (off_t)1 << 60, "1.0 EiB" },
	{ INT64_MAX, "8.0 EiB" },
};

START_TEST(test_listing_size)
{
	char out[16];

	listing_size(out, sizes[_i].size);
	ck_assert_str_eq(out, sizes[_i].shown);
}
END_TEST

static const struct {
	const char *query;
	enum listing_sort sort;
	int desc;
} orders[] = {
	{ NULL, LISTING_SORT_NAME, 0 },
	{ "sort=size", LISTING_SORT_SIZE, 0 },
	{ "sort=time&order=desc", LISTING_SORT_TIME, 1 },
	{ "order=desc&sort=name", LISTING_SORT_NAME, 1 },
	{ "sort=sizes&order=descending", LISTING_SORT_NAME, 0 },
	{ "sort=&order=", LISTING_SORT_NAME, 0 },
	{ "sort", LISTING_SORT_NAME, 0 },
};

START_TEST(test_listing_order)
{
	struct http_slice q = { orders[_i].query,
		orders[_i].query ? strlen(orders[_i].query) : 0 };
	enum listing_sort sort;
	int desc;

	listing_order(&q, &sort, &desc);
	ck_assert_int_eq(sort, orders[_i].sort);
	ck_assert_int_eq(desc, orders[_i].desc);
}
END_TEST

static Suite *
page_suite(void)
{
	Suite *s = suite_create("page");
	TCase *tc;

	tc = tcase_create("errors");
	tcase_add_test(tc, test_every_error_status_has_advice);
	tcase_add_test(tc, test_builtin_style_or_link);
	tcase_add_test(tc, test_redirect_links_target);
	suite_add_tcase(s, tc);
	tc = tcase_create("listing");
	tcase_add_loop_test(tc, test_listing_size, 0,
	    (int)(sizeof(sizes) / sizeof(sizes[0])));
	tcase_add_loop_test(tc, test_listing_order, 0,
	    (int)(sizeof(orders) / sizeof(orders[0])));
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(page_suite)
