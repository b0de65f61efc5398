/* check_static.c: Range headers, redirect targets and entity tags. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "http.h"
#include "static.h"
#include "check_main.h"

struct range_case {
	const char *range; /* NULL: no header */
	off_t size;
	int rc;
	off_t start; /* rc 1 */
	off_t len;
};

static const struct range_case ranges[] = {
	{ "bytes=0-9", 100, 1, 0, 10 },
	{ "bytes=0-0", 100, 1, 0, 1 },
	{ "bytes=10-19", 100, 1, 10, 10 },
	{ "bytes=99-99", 100, 1, 99, 1 },
	{ "bytes=5-", 10, 1, 5, 5 },
	{ "bytes=0-", 10, 1, 0, 10 },
	{ "bytes=9-", 10, 1, 9, 1 },
	{ "bytes=-3", 10, 1, 7, 3 },
	{ "bytes=-10", 10, 1, 0, 10 },
	{ "bytes=-20", 10, 1, 0, 10 },
	{ "bytes=-1", 1, 1, 0, 1 },
	{ "bytes=0-100", 10, 1, 0, 10 },
	{ "bytes=5-10", 10, 1, 5, 5 },
	{ "BYTES=0-0", 10, 1, 0, 1 },
	{ "Bytes=2-3", 10, 1, 2, 2 },
	{ "bytes=-0", 10, -1, 0, 0 },
	{ "bytes=100-", 10, -1, 0, 0 },
	{ "bytes=10-", 10, -1, 0, 0 },
	{ "bytes=10-20", 10, -1, 0, 0 },
	{ "bytes=0-", 0, -1, 0, 0 },
	{ "bytes=-5", 0, -1, 0, 0 },
	{ "bytes=9-5", 10, 0, 0, 0 },
	{ "bytes=0-1,3-4", 10, 0, 0, 0 },
	{ "bytes=0-1, 3-4", 10, 0, 0, 0 },
	{ "items=0-1", 10, 0, 0, 0 },
	{ "bytes 0-1", 10, 0, 0, 0 },
	{ "bytes=", 10, 0, 0, 0 },
	{ "bytes=-", 10, 0, 0, 0 },
	{ "bytes=a-b", 10, 0, 0, 0 },
	{ "bytes=1", 10, 0, 0, 0 },
	{ "bytes=1-2x", 10, 0, 0, 0 },
	{ "bytes=+1-2", 10, 0, 0, 0 },
	{ "bytes=--1", 10, 0, 0, 0 },
	{ "bytes=1--2", 10, 0, 0, 0 },
	{ "", 10, 0, 0, 0 },
	{ NULL, 10, 0, 0, 0 },
	/* a last-pos past the end is clamped, however big (RFC 9110 14.1.2) */
	{ "bytes=0-99999999999999999999999", 10, 1, 0, 10 },
	{ "bytes=5-99999999999999999999999", 10, 1, 5, 5 },
	{ "bytes=0-9223372036854775807", 10, 1, 0, 10 },
	{ "bytes=0-9223372036854775808", 10, 1, 0, 10 },
	{ "bytes=9-10", 10, 1, 9, 1 },
	/* a first-pos at or past the end is unsatisfiable, however big */
	{ "bytes=99999999999999999999999-", 10, -1, 0, 0 },
	{ "bytes=9223372036854775807-", 10, -1, 0, 0 },
	{ "bytes=10-99999999999999999999999", 10, -1, 0, 0 },
	{ "bytes=99999999999999999999999-99999999999999999999999", 10, -1, 0,
	    0 },
	{ "bytes=-99999999999999999999999", 10, 1, 0, 10 },
	/* a last-pos before the first-pos: invalid, so ignored */
	{ "bytes=99999999999999999999999-5", 10, 0, 0, 0 },
};

#define NRANGES (int)(sizeof(ranges) / sizeof(ranges[0]))

START_TEST(test_range)
{
	const struct range_case *c = &ranges[_i];
	struct http_slice h = { NULL, 0 };
	off_t start = -7, len = -7;
	char *copy = NULL;
	int rc;

	if (c->range != NULL) {
		/* an exact-size copy: the header is not NUL-terminated */
		h.len = strlen(c->range);
		copy = malloc(h.len + 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, c->range, h.len);
		h.p = copy;
	}
	rc = static_range(&h, c->size, &start, &len);
	ck_assert_msg(rc == c->rc, "\"%s\" on %lld: got %d, expected %d",
	    c->range, (long long)c->size, rc, c->rc);
	if (rc == 1)
		ck_assert_msg(start == c->start && len == c->len,
		    "\"%s\" on %lld: got %lld+%lld, expected %lld+%lld",
		    c->range, (long long)c->size, (long long)start,
		    (long long)len, (long long)c->start, (long long)c->len);
	free(copy);
}
END_TEST

/* Only h->len bytes count: "bytes=0-1" cut at 8 is "bytes=0-". */
START_TEST(test_range_respects_len)
{
	struct http_slice h = { "bytes=0-1", 8 };
	off_t start, len;

	ck_assert_int_eq(static_range(&h, 10, &start, &len), 1);
	ck_assert_int_eq(start, 0);
	ck_assert_int_eq(len, 10);
}
END_TEST

/* Numbers too big for off_t never wrap around into a wrong range. */
START_TEST(test_range_huge_numbers)
{
	static const char *const huge[] = {
		"bytes=99999999999999999999999-",
		"bytes=0-99999999999999999999999",
		"bytes=-99999999999999999999999",
	};
	struct http_slice h;
	off_t start, len;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		h.p = huge[i];
		h.len = strlen(huge[i]);
		start = len = -7;
		rc = static_range(&h, 10, &start, &len);
		ck_assert_msg(rc != 1 ||
			(start >= 0 && len > 0 && start + len <= 10),
		    "%s: %d %lld+%lld", huge[i], rc, (long long)start,
		    (long long)len);
	}
}
END_TEST

/* If-Range against the etag "\"e1\"" and a file last changed at MTIME. */
#define MTIME ((time_t)1700000000)

struct if_range_case {
	const char *name;
	const char *value; /* NULL: no header; "@": MTIME's date */
	time_t now;
	int applies;
};

static const struct if_range_case if_ranges[] = {
	{ "absent", NULL, MTIME, 1 },
	{ "the same entity tag", "\"e1\"", MTIME, 1 },
	{ "another entity tag", "\"e2\"", MTIME + 10, 0 },
	{ "a weak entity tag", "W/\"e1\"", MTIME + 10, 0 },
	{ "Last-Modified a second before Date", "@", MTIME + 1, 1 },
	{ "Last-Modified long before Date", "@", MTIME + 3600, 1 },
	{ "Last-Modified in the second of Date: weak", "@", MTIME, 0 },
	{ "Last-Modified after Date: weak", "@", MTIME - 5, 0 },
	{ "another date", "Tue, 14 Nov 2023 22:13:19 GMT", MTIME + 3600, 0 },
	{ "not a date", "yesterday", MTIME + 3600, 0 },
	{ "empty", "", MTIME + 3600, 0 },
};

#define NIF_RANGES (int)(sizeof(if_ranges) / sizeof(if_ranges[0]))

START_TEST(test_if_range)
{
	const struct if_range_case *c = &if_ranges[_i];
	struct http_slice h = { NULL, 0 };
	char date[DATE_HTTP_LEN + 1];
	int got;

	if (c->value != NULL && strcmp(c->value, "@") == 0) {
		date_format_http(date, MTIME);
		h.p = date;
		h.len = strlen(date);
	} else if (c->value != NULL) {
		h.p = c->value;
		h.len = strlen(c->value);
	}
	got = static_if_range(&h, "\"e1\"", MTIME, c->now);
	ck_assert_msg(got == c->applies, "%s: got %d, expected %d", c->name,
	    got, c->applies);
}
END_TEST

static void
stat_set(struct stat *st, off_t size, time_t sec, long nsec)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 2049;
	st->st_ino = 4242;
	st->st_mode = S_IFREG | 0644;
	st->st_size = size;
	st->st_mtim.tv_sec = sec;
	st->st_mtim.tv_nsec = nsec;
}

START_TEST(test_etag_stable_for_same_stat)
{
	struct stat a, b;
	char ea[40], eb[40];

	stat_set(&a, 1234, 1795487959, 500);
	stat_set(&b, 1234, 1795487959, 500);
	memset(ea, 'x', sizeof(ea));
	memset(eb, 'y', sizeof(eb));
	static_etag(ea, &a, NULL);
	static_etag(eb, &b, NULL);
	ck_assert_ptr_nonnull(memchr(ea, '\0', sizeof(ea)));
	ck_assert_str_eq(ea, eb);
	/* a strong tag: quoted, no W/ */
	ck_assert_uint_ge(strlen(ea), 3);
	ck_assert_int_eq(ea[0], '"');
	ck_assert_int_eq(ea[strlen(ea) - 1], '"');
	ck_assert_ptr_eq(strchr(ea + 1, '"'), ea + strlen(ea) - 1);
	/* the inode is not part of it: a file replaced by rename keeps it */
	b.st_ino = 9999;
	b.st_dev = 1;
	static_etag(eb, &b, NULL);
	ck_assert_str_eq(ea, eb);
}
END_TEST

START_TEST(test_etag_changes_with_size_or_mtime)
{
	struct stat st;
	char base[40], e[40];

	stat_set(&st, 1234, 1795487959, 500);
	static_etag(base, &st, NULL);

	stat_set(&st, 1235, 1795487959, 500);
	static_etag(e, &st, NULL);
	ck_assert_str_ne(base, e);

	stat_set(&st, 1234, 1795487960, 500);
	static_etag(e, &st, NULL);
	ck_assert_str_ne(base, e);

	stat_set(&st, 1234, 1795487959, 501);
	static_etag(e, &st, NULL);
	ck_assert_str_ne(base, e);

	stat_set(&st, 0, 0, 0);
	static_etag(e, &st, NULL);
	ck_assert_str_ne(base, e);
}
END_TEST

/* The largest values still fit in 40 bytes, quoted and terminated. */
START_TEST(test_etag_fits)
{
	static const char *const codings[] = { NULL, "gz", "br" };
	struct stat st;
	char e[41];
	size_t i;

	for (i = 0; i < sizeof(codings) / sizeof(codings[0]); i++) {
		e[40] = '!';
		stat_set(&st, INT64_MAX, (time_t)INT32_MAX * 4, 999999999);
		static_etag(e, &st, codings[i]);
		ck_assert_int_eq(e[40], '!');
		ck_assert_uint_lt(strlen(e), 40);
		ck_assert_int_eq(e[0], '"');
		ck_assert_int_eq(e[strlen(e) - 1], '"');
		if (codings[i] != NULL)
			ck_assert_ptr_nonnull(strstr(e, codings[i]));
	}
}
END_TEST

/* A variant of the same size and time as its original: distinct tags. */
START_TEST(test_etag_names_the_coding)
{
	struct stat st;
	char plain[40], gz[40], br[40];

	stat_set(&st, 16, 1795487959, 0);
	static_etag(plain, &st, NULL);
	static_etag(gz, &st, "gz");
	static_etag(br, &st, "br");
	ck_assert_str_ne(plain, gz);
	ck_assert_str_ne(plain, br);
	ck_assert_str_ne(gz, br);
	ck_assert_int_eq(gz[strlen(gz) - 1], '"');
	ck_assert_ptr_eq(strchr(gz + 1, '"'), gz + strlen(gz) - 1);
}
END_TEST

struct location_case {
	const char *path;  /* decoded, normalised */
	const char *query; /* NULL: none */
	int status;
	const char *location; /* status 0 */
};

static const struct location_case locations[] = {
	{ "/sub", NULL, 0, "/sub/" },
	{ "/sub", "a=b&c=d", 0, "/sub/?a=b&c=d" },
	{ "/sub", "", 0, "/sub/?" },
	{ "/a/b-c_d.e~f", NULL, 0, "/a/b-c_d.e~f/" },
	{ "/it's(1)+@:;,=!$&*", NULL, 0, "/it's(1)+@:;,=!$&*/" },
	/* what "//evil.example/../sub" and friends normalise to */
	{ "/sub", "x", 0, "/sub/?x" },
	{ "/\\evil.example", NULL, 0, "/%5Cevil.example/" },
	{ "/a b", NULL, 0, "/a%20b/" },
	{ "/a%2fb", NULL, 0, "/a%252fb/" },
	{ "/a?b#c", NULL, 0, "/a%3Fb%23c/" },
	{ "/\"<x>", NULL, 0, "/%22%3Cx%3E/" },
	{ "/caf\xc3\xa9", NULL, 0, "/caf%C3%A9/" },
	/* never a network-path reference */
	{ "//evil.example", NULL, HTTP_STATUS_NOT_FOUND, NULL },
	{ "/", NULL, HTTP_STATUS_NOT_FOUND, NULL },
	{ "", NULL, HTTP_STATUS_NOT_FOUND, NULL },
	{ "sub", NULL, HTTP_STATUS_NOT_FOUND, NULL },
};

#define NLOCATIONS (int)(sizeof(locations) / sizeof(locations[0]))

START_TEST(test_location)
{
	const struct location_case *c = &locations[_i];
	struct http_slice q = { NULL, 0 };
	char out[128];
	int status;

	if (c->query != NULL) {
		q.p = c->query;
		q.len = strlen(c->query);
	}
	memset(out, 'x', sizeof(out));
	status =
	    static_location(out, sizeof(out), c->path, strlen(c->path), &q);
	ck_assert_msg(status == c->status, "\"%s\": got %d, expected %d",
	    c->path, status, c->status);
	if (status == 0) {
		ck_assert_str_eq(out, c->location);
		ck_assert_msg(strncmp(out, "//", 2) != 0, "%s", out);
	}
}
END_TEST

/* A NUL never goes out raw (strchr would call it allowed). */
START_TEST(test_location_encodes_nul)
{
	char out[32];

	ck_assert_int_eq(static_location(out, sizeof(out), "/a\0b", 4, NULL),
	    0);
	ck_assert_str_eq(out, "/a%00b/");
}
END_TEST

/* Too long for the buffer: 414, never a cut-off target. */
START_TEST(test_location_too_long)
{
	struct http_slice q = { "abc", 3 };
	char out[8];

	ck_assert_int_eq(static_location(out, sizeof(out), "/abcd", 5, NULL),
	    0);
	ck_assert_str_eq(out, "/abcd/");
	ck_assert_int_eq(static_location(out, sizeof(out), "/abcd", 5, &q),
	    HTTP_STATUS_URI_TOO_LONG);
	ck_assert_int_eq(static_location(out, sizeof(out), "/a  b", 5, NULL),
	    HTTP_STATUS_URI_TOO_LONG);
}
END_TEST

static Suite *
static_suite(void)
{
	Suite *s = suite_create("static");
	TCase *tc;

	tc = tcase_create("range");
	tcase_add_loop_test(tc, test_range, 0, NRANGES);
	tcase_add_test(tc, test_range_respects_len);
	tcase_add_test(tc, test_range_huge_numbers);
	tcase_add_loop_test(tc, test_if_range, 0, NIF_RANGES);
	suite_add_tcase(s, tc);

	tc = tcase_create("location");
	tcase_add_loop_test(tc, test_location, 0, NLOCATIONS);
	tcase_add_test(tc, test_location_too_long);
	tcase_add_test(tc, test_location_encodes_nul);
	suite_add_tcase(s, tc);

	tc = tcase_create("etag");
	tcase_add_test(tc, test_etag_stable_for_same_stat);
	tcase_add_test(tc, test_etag_changes_with_size_or_mtime);
	tcase_add_test(tc, test_etag_fits);
	tcase_add_test(tc, test_etag_names_the_coding);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(static_suite)
