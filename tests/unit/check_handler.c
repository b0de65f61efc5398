/* check_handler.c: the handler table, and what a kind may ask of a worker. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "handler.h"
#include "http.h"
#include "msg.h"
#include "static.h"
#include "check_main.h"

static size_t
rows(void)
{
	size_t n;

	for (n = 0; handlers[n] != NULL; n++)
		continue;
	return n;
}

START_TEST(test_every_row_is_whole)
{
	size_t i, j, n = rows();

	ck_assert_uint_gt(n, 0);
	ck_assert_uint_lt(n, HANDLER_MAX);
	for (i = 0; i < n; i++) {
		ck_assert_msg(handlers[i]->name != NULL &&
			handlers[i]->name[0] != '\0',
		    "row %zu has no name", i);
		ck_assert_msg(handlers[i]->serve != NULL, "%s: no serve",
		    handlers[i]->name);
		ck_assert_msg(handlers[i]->allow != NULL, "%s: no Allow",
		    handlers[i]->name);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(handlers[i]->name, handlers[j]->name);
		/* a kind that shares state makes none of its own */
		if (handlers[i]->shares != NULL)
			ck_assert_ptr_null(handlers[i]->init);
	}
}
END_TEST

/* Allow names exactly the methods the kind takes, OPTIONS last. */
START_TEST(test_allow_matches_methods)
{
	char want[128];
	size_t i;
	int m;

	for (i = 0; handlers[i] != NULL; i++) {
		want[0] = '\0';
		for (m = 0; m < HTTP_METHOD_COUNT; m++) {
			if (m == HTTP_METHOD_OPTIONS ||
			    !(handlers[i]->methods & HANDLER_METHOD(m)))
				continue;
			strcat(want, http_method_names[m]);
			strcat(want, ", ");
		}
		strcat(want, "OPTIONS");
		ck_assert_str_eq(handlers[i]->allow, want);
		ck_assert(handler_allows(handlers[i], HTTP_METHOD_OPTIONS));
		ck_assert(!handler_allows(handlers[i], HTTP_METHOD_TRACE));
	}
}
END_TEST

START_TEST(test_find_by_name)
{
	ck_assert_ptr_eq(handler_find("file"), &handler_file);
	ck_assert_ptr_eq(handler_find("dir"), &handler_dir);
	ck_assert_ptr_eq(handler_find("msg"), &handler_msg);
	ck_assert_ptr_null(handler_find("File"));
	ck_assert_ptr_null(handler_find(""));
	ck_assert_uint_eq(handler_index(&handler_msg),
	    handler_index(handler_find("msg")));
	ck_assert_ptr_eq(handlers[handler_index(&handler_dir)], &handler_dir);
}
END_TEST

START_TEST(test_only_msg_posts)
{
	ck_assert(handler_allows(&handler_msg, HTTP_METHOD_POST));
	ck_assert(!handler_allows(&handler_file, HTTP_METHOD_POST));
	ck_assert(!handler_allows(&handler_dir, HTTP_METHOD_POST));
	ck_assert(handler_allows(&handler_dir, HTTP_METHOD_HEAD));
	ck_assert(handler_dir.prefix && !handler_file.prefix);
	ck_assert_ptr_eq(handler_dir.shares, &handler_file);
}
END_TEST

START_TEST(test_wait_records_what_and_until)
{
	struct hreq q;

	memset(&q, 0, sizeof(q));
	ck_assert_int_eq(handler_wait_fd(&q, 7, 0x1, 1234), HANDLER_WAIT);
	ck_assert_int_eq(q.wait.fd, 7);
	ck_assert_uint_eq(q.wait.events, 0x1);
	ck_assert_int_eq(q.wait.until_ms, 1234);
	ck_assert_int_eq(handler_wait_ms(&q, 99), HANDLER_WAIT);
	ck_assert_int_eq(q.wait.fd, -1);
	ck_assert_int_eq(q.wait.until_ms, 99);
	ck_assert_int_eq(handler_answer(&q, 404), HANDLER_ANSWER);
	ck_assert_int_eq(q.status, 404);
}
END_TEST

static Suite *
handler_suite(void)
{
	Suite *s = suite_create("handler");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_every_row_is_whole);
	tcase_add_test(tc, test_allow_matches_methods);
	tcase_add_test(tc, test_find_by_name);
	tcase_add_test(tc, test_only_msg_posts);
	tcase_add_test(tc, test_wait_records_what_and_until);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(handler_suite)
