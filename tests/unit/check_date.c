/* check_date.c: HTTP and log dates, formatted by hand and parsed. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "check_main.h"

static const struct {
	time_t t;
	const char *http;
} formats[] = {
	{ 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
	{ 784111777, "Sun, 06 Nov 1994 08:49:37 GMT" }, /* RFC 9110's */
	{ 951782400, "Tue, 29 Feb 2000 00:00:00 GMT" },
	{ 1795821659, "Fri, 27 Nov 2026 23:20:59 GMT" },
	{ 253402300799LL, "Fri, 31 Dec 9999 23:59:59 GMT" },
	/* Beyond four digits, a file's mtime is shown at the edge. */
	{ 253402300800LL, "Fri, 31 Dec 9999 23:59:59 GMT" },
	{ -1, "Wed, 31 Dec 1969 23:59:59 GMT" },
	{ -62135596800LL, "Mon, 01 Jan 0001 00:00:00 GMT" },
	{ -62135596801LL, "Mon, 01 Jan 0001 00:00:00 GMT" },
};

START_TEST(test_format_http)
{
	char buf[DATE_HTTP_LEN + 1];

	memset(buf, 'x', sizeof(buf));
	date_format_http(buf, formats[_i].t);
	ck_assert_str_eq(buf, formats[_i].http);
}
END_TEST

/* The cached strings of this second agree with strftime's. */
START_TEST(test_update_matches_strftime)
{
	char http[64], clf[64];
	struct tm tm;
	time_t now;
	int tries;

	for (tries = 0; tries < 3; tries++) {
		date_update();
		now = date_now();
		gmtime_r(&now, &tm);
		strftime(http, sizeof(http), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		strftime(clf, sizeof(clf), "%d/%b/%Y:%H:%M:%S +0000", &tm);
		if (now == date_now())
			break;
	}
	ck_assert_str_eq(date_http(), http);
	ck_assert_str_eq(date_clf(), clf);
	ck_assert_uint_eq(strlen(date_http()), DATE_HTTP_LEN);
	ck_assert_uint_eq(strlen(date_clf()), DATE_CLF_LEN);
}
END_TEST

static const struct {
	const char *s;
	int rc;
	time_t t;
} parses[] = {
	{ "Sun, 06 Nov 1994 08:49:37 GMT", 0, 784111777 },
	{ "Sunday, 06-Nov-94 08:49:37 GMT", 0, 784111777 },
	{ "Sun Nov  6 08:49:37 1994", 0, 784111777 },
	{ "Thu, 01 Jan 1970 00:00:00 GMT", 0, 0 },
	{ "Fri, 27 Nov 2026 23:20:59 GMT", 0, 1795821659 },
	{ "Sun, 06 Nov 1994 08:49:37 UTC", -1, 0 },
	{ "Sun, 06 Nov 1994 08:49:37 GMT trailing", -1, 0 },
	{ "Sun, 06 Nov 1994 08:49", -1, 0 },
	{ "06 Nov 1994 08:49:37 GMT, Sun", -1, 0 },
	{ "Sun, 06 Foo 1994 08:49:37 GMT", -1, 0 },
	{ "Sun, 32 Nov 1994 08:49:37 GMT", -1, 0 },
	{ "Sun, 06 Nov 1994 25:49:37 GMT", -1, 0 },
	{ "", -1, 0 },
	{ "yesterday", -1, 0 },
};

START_TEST(test_parse_http)
{
	time_t t = 12345;
	int rc;

	rc = date_parse_http(parses[_i].s, strlen(parses[_i].s), &t);
	ck_assert_msg(rc == parses[_i].rc, "\"%s\": %d, want %d", parses[_i].s,
	    rc, parses[_i].rc);
	if (rc == 0)
		ck_assert_msg(t == parses[_i].t, "\"%s\": %lld, want %lld",
		    parses[_i].s, (long long)t, (long long)parses[_i].t);
}
END_TEST

/* What is formatted parses back to the same second. */
START_TEST(test_round_trip)
{
	char buf[DATE_HTTP_LEN + 1];
	time_t t, back;

	for (t = (time_t)-86400 * 400; t < (time_t)86400 * 365 * 200;
	     t += (time_t)86400 * 37 + 3727) {
		date_format_http(buf, t);
		ck_assert_int_eq(date_parse_http(buf, DATE_HTTP_LEN, &back), 0);
		ck_assert_msg(back == t, "%s: %lld, want %lld", buf,
		    (long long)back, (long long)t);
	}
}
END_TEST

/* A NUL inside the field is no date, whatever follows it. */
START_TEST(test_parse_rejects_nul)
{
	const char s[] = "Sun, 06 Nov 1994 08:49:37 GMT\0junk";
	time_t t;

	ck_assert_int_eq(date_parse_http(s, sizeof(s) - 1, &t), -1);
}
END_TEST

/* Each date_update is one turn of the event loop. */
START_TEST(test_turn_counts_updates)
{
	uint64_t t0;

	date_update();
	t0 = date_turn();
	date_update();
	date_update();
	ck_assert_uint_eq(date_turn(), t0 + 2);
}
END_TEST

static Suite *
date_suite(void)
{
	Suite *s = suite_create("date");
	TCase *tc = tcase_create("date");

	tcase_add_loop_test(tc, test_format_http, 0,
	    sizeof(formats) / sizeof(formats[0]));
	tcase_add_test(tc, test_update_matches_strftime);
	tcase_add_loop_test(tc, test_parse_http, 0,
	    sizeof(parses) / sizeof(parses[0]));
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_parse_rejects_nul);
	tcase_add_test(tc, test_turn_counts_updates);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(date_suite)
