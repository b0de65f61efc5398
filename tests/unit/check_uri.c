/* check_uri.c: path decoding and normalisation, form fields, UTF-8. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "uri.h"
#include "check_main.h"

struct decode_case {
	const char *in;
	int rc;
	const char *out; /* rc 0 */
};

static const struct decode_case paths[] = {
	{ "/", 0, "/" },
	{ "/a/b", 0, "/a/b" },
	{ "/a//b", 0, "/a/b" },
	{ "//", 0, "/" },
	{ "///a///", 0, "/a/" },
	{ "/a/./b", 0, "/a/b" },
	{ "/./", 0, "/" },
	{ "/.", 0, "/" },
	{ "/a/.", 0, "/a/" },
	{ "/a/b/..", 0, "/a/" },
	{ "/a/..", 0, "/" },
	{ "/a/../b", 0, "/b" },
	{ "/a/b/../c/./d/", 0, "/a/c/d/" },
	{ "/%41", 0, "/A" },
	{ "/%4a%4A", 0, "/JJ" },
	{ "/a%2fb", 0, "/a/b" },
	{ "/a%2Fb", 0, "/a/b" },
	{ "/a/", 0, "/a/" },
	{ "/a/b/", 0, "/a/b/" },
	{ "/...", 0, "/..." },
	{ "/..a", 0, "/..a" },
	{ "/.a", 0, "/.a" },
	{ "/a..", 0, "/a.." },
	{ "/%252e", 0, "/%2e" },
	{ "/%252e%252e", 0, "/%2e%2e" },
	{ "/%252e%252e/x", 0, "/%2e%2e/x" },
	{ "/%25", 0, "/%" },
	{ "/%E4%BD%A0", 0, "/\xe4\xbd\xa0" },
	{ "/\xe4\xbd\xa0", 0, "/\xe4\xbd\xa0" },
	{ "/a\\b", 0, "/a\\b" },
	{ "/a\\..\\b", 0, "/a\\..\\b" },
	{ "/%5c..%5c", 0, "/\\..\\" },
	{ "/a+b", 0, "/a+b" },
	{ "/..", 400, NULL },
	{ "/../", 400, NULL },
	{ "/../a", 400, NULL },
	{ "/a/../..", 400, NULL },
	{ "/a/../../b", 400, NULL },
	{ "/a/b/../../..", 400, NULL },
	{ "/%2e%2e", 400, NULL },
	{ "/%2E%2E", 400, NULL },
	{ "/.%2e", 400, NULL },
	{ "/%2e%2e/x", 400, NULL },
	{ "/..%2f", 400, NULL },
	{ "/..%2fx", 400, NULL },
	{ "/a%2f..%2f..", 400, NULL },
	{ "/%00", 400, NULL },
	{ "/a%00b", 400, NULL },
	{ "/%zz", 400, NULL },
	{ "/%4", 400, NULL },
	{ "/%", 400, NULL },
	{ "/%4g", 400, NULL },
	{ "/%g4", 400, NULL },
	{ "/a\x01", 400, NULL },
	{ "/a\x1f", 400, NULL },
	{ "/a\x7f", 400, NULL },
	{ "/a\tb", 400, NULL },
	{ "/%0a", 400, NULL },
	{ "/%0d", 400, NULL },
	{ "/%7f", 400, NULL },
	{ "/%c0%ae", 400, NULL },
	{ "/%c0%ae%c0%ae", 400, NULL },
	{ "/%e0%80%ae", 400, NULL },
	{ "/%ff", 400, NULL },
	{ "/%E4%BD", 400, NULL },
	{ "/%ed%a0%80", 400, NULL },
	{ "/\xc3", 400, NULL },
	{ "", 400, NULL },
	{ "a", 400, NULL },
	{ "a/b", 400, NULL },
	{ "%2f", 400, NULL },
};

#define NPATHS (int)(sizeof(paths) / sizeof(paths[0]))

START_TEST(test_path_decode)
{
	const struct decode_case *c = &paths[_i];
	size_t len = strlen(c->in), olen = 12345;
	char *out;
	int rc;

	/* out gets exactly the len + 1 bytes the API asks for */
	out = malloc(len + 1);
	ck_assert_ptr_nonnull(out);
	rc = uri_path_decode(c->in, len, out, &olen);
	ck_assert_msg(rc == c->rc, "\"%s\": got %d, expected %d", c->in, rc,
	    c->rc);
	if (rc == 0) {
		ck_assert_msg(olen == strlen(c->out) &&
			strcmp(out, c->out) == 0,
		    "\"%s\": got \"%s\" (%zu), expected \"%s\"", c->in, out,
		    olen, c->out);
	}
	free(out);
}
END_TEST

/* Decoding is done once: decoding the result again would differ. */
START_TEST(test_path_decode_once_not_twice)
{
	char out[32];
	size_t olen;

	ck_assert_int_eq(uri_path_decode("/%2541", 6, out, &olen), 0);
	ck_assert_str_eq(out, "/%41");
	ck_assert_uint_eq(olen, 4);
}
END_TEST

/* Only len bytes are read: what follows is not part of the path. */
START_TEST(test_path_decode_reads_only_len)
{
	char out[32];
	size_t olen;

	ck_assert_int_eq(uri_path_decode("/ab/..?x", 2, out, &olen), 0);
	ck_assert_str_eq(out, "/a");
	ck_assert_int_eq(uri_path_decode("/a%41", 4, out, &olen), 400);
}
END_TEST

static const struct decode_case forms[] = {
	{ "", 0, "" },
	{ "hello", 0, "hello" },
	{ "a+b", 0, "a b" },
	{ "+++", 0, "   " },
	{ "%41%42", 0, "AB" },
	{ "%2B", 0, "+" },
	{ "%2b%20", 0, "+ " },
	{ "a%26b%3Dc", 0, "a&b=c" },
	{ "%25", 0, "%" },
	{ "%2541", 0, "%41" },
	{ "%c3%a9", 0, "\xc3\xa9" },
	{ "\xc3\xa9", 0, "\xc3\xa9" },
	{ "%F0%9F%98%80", 0, "\xf0\x9f\x98\x80" },
	{ "a%0Ab", 0, "a\nb" },
	{ "%", 400, NULL },
	{ "%4", 400, NULL },
	{ "a%4", 400, NULL },
	{ "%zz", 400, NULL },
	{ "%4g", 400, NULL },
	{ "%+1", 400, NULL },
	{ "%00", 400, NULL },
	{ "a%00b", 400, NULL },
	{ "%ff", 400, NULL },
	{ "%c3", 400, NULL },
	{ "%c3%28", 400, NULL },
	{ "%c0%af", 400, NULL },
	{ "%ed%a0%80", 400, NULL },
	{ "%f4%90%80%80", 400, NULL },
	{ "\xff", 400, NULL },
};

#define NFORMS (int)(sizeof(forms) / sizeof(forms[0]))

START_TEST(test_form_decode)
{
	const struct decode_case *c = &forms[_i];
	size_t len = strlen(c->in), olen = 12345;
	char *out;
	int rc;

	out = malloc(len + 1);
	ck_assert_ptr_nonnull(out);
	rc = uri_form_decode(c->in, len, out, &olen);
	ck_assert_msg(rc == c->rc, "\"%s\": got %d, expected %d", c->in, rc,
	    c->rc);
	if (rc == 0)
		ck_assert_msg(olen == strlen(c->out) &&
			memcmp(out, c->out, olen) == 0 && out[olen] == '\0',
		    "\"%s\": got \"%.*s\" (%zu), expected \"%s\"", c->in,
		    (int)olen, out, olen, c->out);
	free(out);
}
END_TEST

struct get_case {
	const char *s; /* NULL: no string at all */
	const char *key;
	int found;
	const char *val; /* found: the raw value */
};

static const struct get_case gets[] = {
	{ "a=1&b=2&a=3", "a", 1, "1" },
	{ "a=1&b=2&a=3", "b", 1, "2" },
	{ "a=1&b=2", "c", 0, NULL },
	{ "ab=1&a=2", "a", 1, "2" },
	{ "a=1&ba=2", "b", 0, NULL },
	{ "A=1", "a", 0, NULL },
	{ "a=&b=2", "a", 1, "" },
	{ "a&b=2", "a", 1, "" },
	{ "b=2&a", "a", 1, "" },
	{ "a=1=2", "a", 1, "1=2" },
	{ "a=%41+b", "a", 1, "%41+b" },
	{ "&&a=5&", "a", 1, "5" },
	{ "message=hello", "message", 1, "hello" },
	{ "messages=x&message=y", "message", 1, "y" },
	{ "", "a", 0, NULL },
	{ NULL, "a", 0, NULL },
	/* names are decoded as values are before they are compared */
	{ "%6dessage=hi", "message", 1, "hi" },
	{ "%6D%65ssage=hi", "message", 1, "hi" },
	{ "a+b=1", "a b", 1, "1" },
	{ "a%20b=1", "a b", 1, "1" },
	{ "a%2Bb=1", "a+b", 1, "1" },
	{ "a+b=1", "a+b", 0, NULL },
	{ "%2541=1", "%41", 1, "1" },
	{ "%2541=1", "A", 0, NULL },
	{ "%41=1", "%41", 0, NULL },
	{ "%4=1&a=2", "a", 1, "2" },
	{ "%zz=1&%zz=2", "%zz", 0, NULL },
	{ "a%=1", "a", 0, NULL },
	{ "m%65ssage=first&message=second", "message", 1, "first" },
	{ "message=first&m%65ssage=second", "message", 1, "first" },
	{ "%61=&a=2", "a", 1, "" },
	{ "%61&a=2", "a", 1, "" },
	{ "=1&a=2", "", 1, "1" },
	{ "ab=1", "a", 0, NULL },
	{ "a=1", "ab", 0, NULL },
};

#define NGETS (int)(sizeof(gets) / sizeof(gets[0]))

START_TEST(test_form_get)
{
	const struct get_case *c = &gets[_i];
	const char *val = NULL;
	size_t vlen = 12345;
	int found;

	found =
	    uri_form_get(c->s, c->s ? strlen(c->s) : 0, c->key, &val, &vlen);
	ck_assert_msg(found == c->found, "\"%s\" key %s: found %d", c->s,
	    c->key, found);
	if (found)
		ck_assert_msg(val != NULL && vlen == strlen(c->val) &&
			memcmp(val, c->val, vlen) == 0,
		    "\"%s\" key %s: got \"%.*s\", expected \"%s\"", c->s,
		    c->key, (int)vlen, val ? val : "", c->val);
}
END_TEST

/* The value points into the string, not into a copy. */
START_TEST(test_form_get_points_into_input)
{
	static const char s[] = "x=1&message=hi";
	const char *val;
	size_t vlen;

	ck_assert_int_eq(uri_form_get(s, sizeof(s) - 1, "message", &val, &vlen),
	    1);
	ck_assert_ptr_eq(val, s + 12);
	ck_assert_uint_eq(vlen, 2);
	/* only len bytes count */
	ck_assert_int_eq(uri_form_get(s, 3, "message", &val, &vlen), 0);
}
END_TEST

struct utf8_case {
	const char *name;
	const char *s;
	int valid;
};

static const struct utf8_case utf8[] = {
	{ "empty", "", 1 },
	{ "ASCII", "hello, world", 1 },
	{ "2 bytes", "\xc3\xa9", 1 },
	{ "3 bytes", "\xe4\xbd\xa0", 1 },
	{ "4 bytes", "\xf0\x9f\x98\x80", 1 },
	{ "U+0080", "\xc2\x80", 1 },
	{ "U+07FF", "\xdf\xbf", 1 },
	{ "U+0800", "\xe0\xa0\x80", 1 },
	{ "U+D7FF", "\xed\x9f\xbf", 1 },
	{ "U+E000", "\xee\x80\x80", 1 },
	{ "U+FFFF", "\xef\xbf\xbf", 1 },
	{ "U+10000", "\xf0\x90\x80\x80", 1 },
	{ "U+10FFFF", "\xf4\x8f\xbf\xbf", 1 },
	{ "mixed", "a\xc3\xa9z\xe4\xbd\xa0!", 1 },
	{ "overlong '/' in 2", "\xc0\xaf", 0 },
	{ "overlong NUL in 2", "\xc0\x80", 0 },
	{ "overlong U+007F in 2", "\xc1\xbf", 0 },
	{ "overlong in 3", "\xe0\x80\xaf", 0 },
	{ "overlong U+07FF in 3", "\xe0\x9f\xbf", 0 },
	{ "overlong in 4", "\xf0\x80\x80\xaf", 0 },
	{ "overlong U+FFFF in 4", "\xf0\x8f\xbf\xbf", 0 },
	{ "surrogate U+D800", "\xed\xa0\x80", 0 },
	{ "surrogate U+DBFF", "\xed\xaf\xbf", 0 },
	{ "surrogate U+DC00", "\xed\xb0\x80", 0 },
	{ "surrogate U+DFFF", "\xed\xbf\xbf", 0 },
	{ "U+110000", "\xf4\x90\x80\x80", 0 },
	{ "lead 0xf5", "\xf5\x80\x80\x80", 0 },
	{ "lead 0xf7", "\xf7\xbf\xbf\xbf", 0 },
	{ "5 bytes", "\xf8\x88\x80\x80\x80", 0 },
	{ "6 bytes", "\xfc\x84\x80\x80\x80\x80", 0 },
	{ "0xfe", "\xfe", 0 },
	{ "0xff", "\xff", 0 },
	{ "lone continuation", "\x80", 0 },
	{ "continuation after ASCII", "a\xbf", 0 },
	{ "truncated 2", "\xc3", 0 },
	{ "truncated 3", "\xe4\xbd", 0 },
	{ "truncated 4", "\xf0\x9f\x98", 0 },
	{ "truncated then ASCII",
	    "\xe4\xbd"
	    "a",
	    0 },
	{ "truncated at the end", "abc\xf0\x9f", 0 },
	{ "bad continuation", "\xc3\x28", 0 },
	{ "too many continuations", "\xc3\xa9\xa9", 0 },
};

#define NUTF8 (int)(sizeof(utf8) / sizeof(utf8[0]))

START_TEST(test_utf8_valid)
{
	const struct utf8_case *c = &utf8[_i];
	size_t len = strlen(c->s);
	char *s = malloc(len + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, c->s, len);
	ck_assert_msg(uri_utf8_valid(s, len) == c->valid, "%s: expected %d",
	    c->name, c->valid);
	free(s);
}
END_TEST

/* A sequence cut by len is truncated even if more bytes follow. */
START_TEST(test_utf8_valid_respects_len)
{
	ck_assert_int_eq(uri_utf8_valid("\xe4\xbd\xa0", 3), 1);
	ck_assert_int_eq(uri_utf8_valid("\xe4\xbd\xa0", 2), 0);
	ck_assert_int_eq(uri_utf8_valid("\xe4\xbd\xa0", 0), 1);
}
END_TEST

static Suite *
uri_suite(void)
{
	Suite *s = suite_create("uri");
	TCase *tc;

	tc = tcase_create("path_decode");
	tcase_add_loop_test(tc, test_path_decode, 0, NPATHS);
	tcase_add_test(tc, test_path_decode_once_not_twice);
	tcase_add_test(tc, test_path_decode_reads_only_len);
	suite_add_tcase(s, tc);

	tc = tcase_create("form");
	tcase_add_loop_test(tc, test_form_decode, 0, NFORMS);
	tcase_add_loop_test(tc, test_form_get, 0, NGETS);
	tcase_add_test(tc, test_form_get_points_into_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8");
	tcase_add_loop_test(tc, test_utf8_valid, 0, NUTF8);
	tcase_add_test(tc, test_utf8_valid_respects_len);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(uri_suite)
