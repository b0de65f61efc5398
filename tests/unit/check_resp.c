/* check_resp.c: response heads on the wire and error pages. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "date.h"
#include "http.h"
#include "resp.h"
#include "check_main.h"

static struct buf b;
static char head[2048];

/* Renders r into head (NUL-terminated) and checks its framing. */
static void
render(const struct response *r, int keep_alive, int http10)
{
	char *end;

	date_update();
	ck_assert_int_eq(buf_init(&b, 0, 4096), 0);
	resp_head(&b, r, keep_alive, http10);
	ck_assert_int_eq(b.failed, 0);
	ck_assert_uint_lt(b.len, sizeof(head));
	memcpy(head, b.data, b.len);
	head[b.len] = '\0';
	buf_free(&b);
	ck_assert_msg(memchr(head, '\0', strlen(head)) == NULL, "NUL in head");
	end = strstr(head, "\r\n\r\n");
	ck_assert_msg(end != NULL && end[4] == '\0',
	    "the head does not end at its only empty line:\n%s", head);
}

/* The value of the field name, or NULL; fails if it is there twice. */
static const char *
field(const char *name)
{
	static char val[512];
	char key[64];
	const char *p, *e;
	size_t n;

	snprintf(key, sizeof(key), "\r\n%s: ", name);
	if ((p = strstr(head, key)) == NULL)
		return NULL;
	ck_assert_msg(strstr(p + 1, key) == NULL, "%s twice:\n%s", name, head);
	p += strlen(key);
	e = strstr(p, "\r\n");
	ck_assert_ptr_nonnull(e);
	n = (size_t)(e - p);
	ck_assert_uint_lt(n, sizeof(val));
	memcpy(val, p, n);
	val[n] = '\0';
	return val;
}

static void
field_is(const char *name, const char *want)
{
	const char *v = field(name);

	ck_assert_msg(v != NULL, "no %s:\n%s", name, head);
	ck_assert_msg(strcmp(v, want) == 0, "%s: \"%s\", expected \"%s\"", name,
	    v, want);
}

static void
no_field(const char *name)
{
	ck_assert_msg(field(name) == NULL, "unexpected %s:\n%s", name, head);
}

/* Every line is "Name: value" with a CRLF, no bare CR or LF. */
static void
lines_well_formed(void)
{
	const char *p = head, *e, *colon;

	e = strstr(p, "\r\n");
	p = e + 2; /* the status line */
	while ((e = strstr(p, "\r\n")) != NULL && e != p) {
		colon = memchr(p, ':', (size_t)(e - p));
		ck_assert_msg(colon != NULL && colon > p && colon[1] == ' ',
		    "bad field line in:\n%s", head);
		ck_assert_msg(memchr(p, '\n', (size_t)(e - p)) == NULL &&
			memchr(p, '\r', (size_t)(e - p)) == NULL,
		    "bare CR or LF in:\n%s", head);
		p = e + 2;
	}
}

START_TEST(test_head_200_with_body)
{
	struct response r;

	resp_init(&r);
	r.content_type = "text/plain; charset=utf-8";
	resp_body(&r, "hello", 5);
	resp_body(&r, ", world", 7);
	ck_assert_int_eq(resp_content_length(&r), 12);
	render(&r, 1, 0);
	ck_assert_msg(strncmp(head, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s",
	    head);
	lines_well_formed();
	field_is("Server", "guad/" PACKAGE_VERSION);
	/* the clock's string of this second, "Tue, 24 Nov 2026 02:39:19 GMT" */
	field_is("Date", date_http());
	ck_assert_uint_eq(strlen(field("Date")), DATE_HTTP_LEN);
	ck_assert_msg(strcmp(field("Date") + 25, " GMT") == 0 &&
		field("Date")[3] == ',',
	    "Date: %s", field("Date"));
	field_is("Content-Type", "text/plain; charset=utf-8");
	field_is("Content-Length", "12");
	field_is("X-Content-Type-Options", "nosniff");
	no_field("Connection");
	no_field("Content-Range");
	no_field("ETag");
}
END_TEST

START_TEST(test_head_empty_body_has_length_zero)
{
	struct response r;

	resp_init(&r);
	r.content_type = "text/plain";
	render(&r, 1, 0);
	field_is("Content-Length", "0");
}
END_TEST

START_TEST(test_head_file_body_length)
{
	struct response r;

	resp_init(&r);
	r.content_type = "image/gif";
	r.fd = 0; /* never read by resp_head */
	r.file_len = 123456789012LL;
	render(&r, 1, 0);
	field_is("Content-Length", "123456789012");
}
END_TEST

START_TEST(test_head_keep_alive_zero_says_close)
{
	struct response r;

	resp_init(&r);
	r.content_type = "text/plain";
	render(&r, 0, 0);
	field_is("Connection", "close");
	render(&r, 0, 1);
	field_is("Connection", "close");
}
END_TEST

START_TEST(test_head_http10_keep_alive_says_so)
{
	struct response r;

	resp_init(&r);
	r.content_type = "text/plain";
	render(&r, 1, 1);
	field_is("Connection", "keep-alive");
	ck_assert_msg(strncmp(head, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s",
	    head);
}
END_TEST

START_TEST(test_head_304_has_no_length)
{
	struct response r;

	resp_init(&r);
	r.status = HTTP_STATUS_NOT_MODIFIED;
	r.no_body = 1;
	strcpy(r.etag, "\"abc-1\"");
	r.last_modified = 1795487959;
	render(&r, 1, 0);
	ck_assert_msg(strncmp(head, "HTTP/1.1 304 Not Modified\r\n", 27) == 0,
	    "%s", head);
	no_field("Content-Length");
	field_is("ETag", "\"abc-1\"");
	field_is("Last-Modified", "Tue, 24 Nov 2026 02:39:19 GMT");
	field_is("X-Content-Type-Options", "nosniff");
}
END_TEST

START_TEST(test_head_204_has_no_length)
{
	struct response r;

	resp_init(&r);
	r.status = HTTP_STATUS_NO_CONTENT;
	render(&r, 1, 0);
	ck_assert_msg(strncmp(head, "HTTP/1.1 204 No Content\r\n", 25) == 0,
	    "%s", head);
	no_field("Content-Length");
}
END_TEST

START_TEST(test_head_206_content_range)
{
	struct response r;

	resp_init(&r);
	r.status = HTTP_STATUS_PARTIAL_CONTENT;
	r.content_type = "application/octet-stream";
	r.fd = 0;
	r.file_off = 10;
	r.file_len = 20;
	r.range_total = 100;
	strcpy(r.etag, "\"e\"");
	render(&r, 1, 0);
	ck_assert_msg(strncmp(head, "HTTP/1.1 206 Partial Content\r\n", 30) ==
		0,
	    "%s", head);
	field_is("Content-Range", "bytes 10-29/100");
	field_is("Content-Length", "20");
	field_is("Accept-Ranges", "bytes");
}
END_TEST

START_TEST(test_head_206_last_byte)
{
	struct response r;

	resp_init(&r);
	r.status = HTTP_STATUS_PARTIAL_CONTENT;
	r.fd = 0;
	r.file_off = 99;
	r.file_len = 1;
	r.range_total = 100;
	render(&r, 1, 0);
	field_is("Content-Range", "bytes 99-99/100");
	field_is("Content-Length", "1");
}
END_TEST

START_TEST(test_head_416_content_range)
{
	struct response r;

	resp_init(&r);
	resp_error(&r, HTTP_STATUS_RANGE_NOT_SATISFIABLE);
	r.range_total = 50;
	render(&r, 1, 0);
	ck_assert_msg(strncmp(head, "HTTP/1.1 416 Range Not Satisfiable\r\n",
			  36) == 0,
	    "%s", head);
	field_is("Content-Range", "bytes */50");
	ck_assert_ptr_nonnull(field("Content-Length"));
	ck_assert_int_eq(atoi(field("Content-Length")),
	    (int)resp_content_length(&r));
}
END_TEST

START_TEST(test_head_location_and_allow)
{
	struct response r;

	resp_init(&r);
	r.status = HTTP_STATUS_SEE_OTHER;
	r.location = "/msg";
	render(&r, 1, 0);
	ck_assert_msg(strncmp(head, "HTTP/1.1 303 See Other\r\n", 24) == 0,
	    "%s", head);
	field_is("Location", "/msg");
	field_is("Content-Length", "0");

	resp_init(&r);
	resp_error(&r, HTTP_STATUS_METHOD_NOT_ALLOWED);
	r.allow = "GET, HEAD";
	render(&r, 1, 0);
	field_is("Allow", "GET, HEAD");
}
END_TEST

START_TEST(test_head_cache_control)
{
	struct response r;

	resp_init(&r);
	r.content_type = "text/html; charset=utf-8";
	r.cache_control = "no-cache";
	render(&r, 1, 0);
	field_is("Cache-Control", "no-cache");
}
END_TEST

/* A redirect keeps its Cache-Control; an error drops it. */
START_TEST(test_error_keeps_cache_control_only_on_redirect)
{
	struct response r;

	resp_init(&r);
	r.cache_control = "public,max-age=60";
	r.location = "/dir/";
	resp_error(&r, HTTP_STATUS_MOVED_PERMANENTLY);
	render(&r, 1, 0);
	field_is("Cache-Control", "public,max-age=60");
	field_is("Location", "/dir/");

	resp_init(&r);
	r.cache_control = "public,max-age=60";
	resp_error(&r, HTTP_STATUS_NOT_FOUND);
	ck_assert_ptr_null(r.cache_control);
	render(&r, 1, 0);
	ck_assert_ptr_null(strstr(head, "Cache-Control"));
}
END_TEST

/* Errors: a small HTML page that says the status and its reason. */
static const int errors[] = {
	400,
	403,
	404,
	405,
	408,
	411,
	412,
	413,
	414,
	415,
	416,
	417,
	431,
	500,
	501,
	503,
	505,
};

#define NERRORS (int)(sizeof(errors) / sizeof(errors[0]))

static char *
body_of(const struct response *r)
{
	static char page[4096];
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

START_TEST(test_error_page)
{
	struct response r;
	const char *reason = http_status_reason(errors[_i]);
	char want[128], *page;

	ck_assert_ptr_nonnull(reason);
	resp_init(&r);
	r.etag[0] = 'x';
	r.last_modified = 1;
	resp_error(&r, errors[_i]);
	ck_assert_int_eq(r.status, errors[_i]);
	ck_assert_str_eq(r.content_type, "text/html; charset=utf-8");
	ck_assert_str_eq(r.etag, "");
	ck_assert_int_eq(r.last_modified, 0);
	page = body_of(&r);
	ck_assert_msg(strncmp(page, "<!DOCTYPE html>", 15) == 0, "%s", page);
	snprintf(want, sizeof(want), "<h1>%d %s</h1>", errors[_i], reason);
	ck_assert_msg(strstr(page, want) != NULL, "no %s in %s", want, page);
	snprintf(want, sizeof(want), "<title>%d %s</title>", errors[_i],
	    reason);
	ck_assert_msg(strstr(page, want) != NULL, "no %s in %s", want, page);
	ck_assert_int_eq(resp_content_length(&r), (off_t)strlen(page));

	render(&r, 1, 0);
	snprintf(want, sizeof(want), "HTTP/1.1 %d %s\r\n", errors[_i], reason);
	ck_assert_msg(strncmp(head, want, strlen(want)) == 0, "%s", head);
	snprintf(want, sizeof(want), "%zu", strlen(page));
	field_is("Content-Length", want);
	field_is("Content-Type", "text/html; charset=utf-8");
}
END_TEST

START_TEST(test_error_detail)
{
	struct response r;
	char *page;

	resp_init(&r);
	resp_error_detail(&r, HTTP_STATUS_CONTENT_TOO_LARGE,
	    "The message is too long.");
	page = body_of(&r);
	ck_assert_ptr_nonnull(strstr(page, "<h1>413 Content Too Large</h1>"));
	ck_assert_ptr_nonnull(strstr(page, "<p>The message is too long.</p>"));
	ck_assert_int_eq(resp_content_length(&r), (off_t)strlen(page));
}
END_TEST

/* An error replaces whatever body the handler had set. */
START_TEST(test_error_replaces_body)
{
	struct response r;
	char *page;

	resp_init(&r);
	resp_body(&r, "partial", 7);
	resp_error(&r, HTTP_STATUS_NOT_FOUND);
	page = body_of(&r);
	ck_assert_ptr_null(strstr(page, "partial"));
	ck_assert_ptr_nonnull(strstr(page, "404 Not Found"));
}
END_TEST

START_TEST(test_body_segments_bounded)
{
	struct response r;
	int i;

	resp_init(&r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.fd, -1);
	resp_body(&r, "", 0);
	ck_assert_int_eq(r.nbody, 0);
	for (i = 0; i < RESP_BODY_MAX + 2; i++)
		resp_body(&r, "ab", 2);
	ck_assert_int_eq(r.nbody, RESP_BODY_MAX);
	ck_assert_int_eq(resp_content_length(&r), (off_t)2 * RESP_BODY_MAX);
}
END_TEST

static Suite *
resp_suite(void)
{
	Suite *s = suite_create("resp");
	TCase *tc;

	tc = tcase_create("head");
	tcase_add_test(tc, test_head_200_with_body);
	tcase_add_test(tc, test_head_empty_body_has_length_zero);
	tcase_add_test(tc, test_head_file_body_length);
	tcase_add_test(tc, test_head_keep_alive_zero_says_close);
	tcase_add_test(tc, test_head_http10_keep_alive_says_so);
	tcase_add_test(tc, test_head_304_has_no_length);
	tcase_add_test(tc, test_head_204_has_no_length);
	tcase_add_test(tc, test_head_206_content_range);
	tcase_add_test(tc, test_head_206_last_byte);
	tcase_add_test(tc, test_head_416_content_range);
	tcase_add_test(tc, test_head_location_and_allow);
	tcase_add_test(tc, test_head_cache_control);
	tcase_add_test(tc, test_error_keeps_cache_control_only_on_redirect);
	suite_add_tcase(s, tc);

	tc = tcase_create("error");
	tcase_add_loop_test(tc, test_error_page, 0, NERRORS);
	tcase_add_test(tc, test_error_detail);
	tcase_add_test(tc, test_error_replaces_body);
	tcase_add_test(tc, test_body_segments_bounded);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(resp_suite)
