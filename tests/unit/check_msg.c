/* check_msg.c: decoding a posted message and rendering one list item. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "http.h"
#include "msg.h"
#include "check_main.h"

struct decode_case {
	const char *name;
	const char *raw;
	size_t max;
	int rc;
	const char *out; /* rc 0 */
};

static const struct decode_case decodes[] = {
	{ "plain", "hello", 100, 0, "hello" },
	{ "'+' is a space", "hello+world", 100, 0, "hello world" },
	{ "%XX", "%48%69%21", 100, 0, "Hi!" },
	{ "encoded '+'", "1%2B1", 100, 0, "1+1" },
	{ "encoded '&' and '='", "a%26b%3Dc", 100, 0, "a&b=c" },
	{ "markup stays as is", "%3Cb%3E", 100, 0, "<b>" },
	{ "UTF-8", "caf%C3%A9", 100, 0, "caf\xc3\xa9" },
	{ "raw UTF-8", "\xe4\xbd\xa0\xe5\xa5\xbd", 100, 0,
	    "\xe4\xbd\xa0\xe5\xa5\xbd" },
	{ "exactly max", "abcde", 5, 0, "abcde" },
	{ "exactly max after decoding", "%41%41%41%41%41", 5, 0, "AAAAA" },
	{ "one byte", "x", 1, 0, "x" },
	{ "empty", "", 100, 400, NULL },
	{ "invalid escape", "%zz", 100, 400, NULL },
	{ "truncated escape", "ab%4", 100, 400, NULL },
	{ "lone '%'", "100%", 100, 400, NULL },
	{ "NUL", "a%00b", 100, 400, NULL },
	{ "invalid UTF-8", "%ff", 100, 400, NULL },
	{ "overlong UTF-8", "%c0%bc", 100, 400, NULL },
	{ "truncated UTF-8", "caf%C3", 100, 400, NULL },
	{ "surrogate", "%ed%a0%80", 100, 400, NULL },
	{ "longer than max", "abcdef", 5, 413, NULL },
	{ "longer than max after decoding", "%C3%A9%C3%A9%C3%A9", 5, 413,
	    NULL },
	{ "spaces longer than max", "++++++", 5, 413, NULL },
};

#define NDECODES (int)(sizeof(decodes) / sizeof(decodes[0]))

START_TEST(test_decode)
{
	const struct decode_case *c = &decodes[_i];
	size_t len = strlen(c->raw), olen = 12345;
	const char *why = NULL;
	char *out;
	int rc;

	out = malloc(len + 1);
	ck_assert_ptr_nonnull(out);
	rc = msg_decode(c->raw, len, c->max, out, &olen, &why);
	ck_assert_msg(rc == c->rc, "%s: got %d, expected %d", c->name, rc,
	    c->rc);
	if (rc == 0)
		ck_assert_msg(olen == strlen(c->out) &&
			memcmp(out, c->out, olen) == 0,
		    "%s: got \"%.*s\", expected \"%s\"", c->name, (int)olen,
		    out, c->out);
	else
		ck_assert_msg(why != NULL && why[0] != '\0',
		    "%s: no reason given", c->name);
	free(out);
}
END_TEST

/* The seed's example, exactly as the page shows it. */
START_TEST(test_render_item_format)
{
	static const char want[] =
	    "<li><time datetime=\"2026-11-24T02:39:19Z\">"
	    "2026-11-24 02:39:19 UTC</time> "
	    "<span class=\"text\">hello</span></li>";
	struct buf b;
	size_t i;

	ck_assert_int_eq(buf_init(&b, 0, 4096), 0);
	msg_render_item(&b, 1795487959, "hello", 5);
	ck_assert_int_eq(b.failed, 0);
	ck_assert_msg(b.len >= sizeof(want) - 1 &&
		memcmp(b.data, want, sizeof(want) - 1) == 0,
	    "got \"%.*s\"", (int)b.len, b.data);
	for (i = sizeof(want) - 1; i < b.len; i++)
		ck_assert_msg(b.data[i] == '\n' || b.data[i] == ' ',
		    "junk after the item: \"%.*s\"", (int)b.len, b.data);
	buf_free(&b);
}
END_TEST

START_TEST(test_render_item_escapes_text)
{
	static const char text[] = "<script>alert(\"x&y\")</script>'";
	static const char want[] = "<span class=\"text\">&lt;script&gt;"
				   "alert(&quot;x&amp;y&quot;)&lt;/script&gt;"
				   "&#39;</span>";
	struct buf b;

	ck_assert_int_eq(buf_init(&b, 0, 4096), 0);
	msg_render_item(&b, 0, text, sizeof(text) - 1);
	ck_assert_int_eq(b.failed, 0);
	buf_addc(&b, '\0');
	ck_assert_msg(strstr(b.data, want) != NULL, "got \"%s\"", b.data);
	ck_assert_ptr_null(strstr(b.data, "<script>"));
	ck_assert_ptr_nonnull(strstr(b.data,
	    "datetime=\"1970-01-01T00:00:00Z"
	    "\">1970-01-01 00:00:00 UTC</time>"));
	buf_free(&b);
}
END_TEST

/* Items append: a list is items one after another. */
START_TEST(test_render_items_append)
{
	struct buf b;
	char *second;

	ck_assert_int_eq(buf_init(&b, 0, 4096), 0);
	msg_render_item(&b, 86400, "one", 3);
	msg_render_item(&b, (int64_t)86400 * 366, "two", 3);
	buf_addc(&b, '\0');
	ck_assert_ptr_nonnull(strstr(b.data,
	    "1970-01-02T00:00:00Z\">1970-01-02 00:00:00 UTC</time> "
	    "<span class=\"text\">one</span></li>"));
	second = strstr(b.data, "</li>");
	ck_assert_ptr_nonnull(second);
	ck_assert_ptr_nonnull(strstr(second,
	    "<li><time datetime=\"1971-01-02"
	    "T00:00:00Z\">1971-01-02 00:00:00 UTC</time> "
	    "<span class=\"text\">two</span></li>"));
	buf_free(&b);
}
END_TEST

/* Only len bytes of the text are shown. */
START_TEST(test_render_item_uses_len)
{
	struct buf b;

	ck_assert_int_eq(buf_init(&b, 0, 4096), 0);
	msg_render_item(&b, 0, "abcdef", 3);
	buf_addc(&b, '\0');
	ck_assert_ptr_nonnull(strstr(b.data, ">abc</span>"));
	buf_free(&b);
}
END_TEST

/*
 * Times at the edges of what gmtime_r and strftime hold (glibc, 64-bit
 * time_t): past them an item says "(unknown time)", never a wrapped year
 * or whatever an unfilled struct tm held.
 */
static const struct {
	int64_t created;
	const char *datetime; /* "" for "(unknown time)" */
} edges[] = {
	{ INT64_MAX, "" },
	{ INT64_MIN, "" },
	{ 67768036191676800LL, "" }, /* gmtime_r fails from here */
	{ 67767976233532800LL, "" }, /* year 2^31: wraps in strftime */
	{ 67767976233532799LL, "2147483647-12-31T23:59:59Z" },
	{ -67768040609740800LL, "-2147481748-01-01T00:00:00Z" },
	{ -67768040609740801LL, "" }, /* gmtime_r fails below */
	{ 253402300799LL, "9999-12-31T23:59:59Z" },
	{ -1, "1969-12-31T23:59:59Z" },
};

#define NEDGES (int)(sizeof(edges) / sizeof(edges[0]))

START_TEST(test_render_item_time_out_of_range_is_unknown)
{
	struct buf b;
	char want[200], human[64];
	size_t n;

	if (edges[_i].datetime[0] == '\0')
		snprintf(want, sizeof(want),
		    "<li><time datetime=\"\">"
		    "(unknown time)</time> <span class=\"text\">x</span></li>");
	else {
		/* "Y-MM-DDTHH:MM:SSZ" -> "Y-MM-DD HH:MM:SS UTC" */
		n = strlen(edges[_i].datetime);
		snprintf(human, sizeof(human), "%.*s %.8s UTC", (int)n - 10,
		    edges[_i].datetime, edges[_i].datetime + n - 9);
		snprintf(want, sizeof(want),
		    "<li><time datetime=\"%s\">%s"
		    "</time> <span class=\"text\">x</span></li>",
		    edges[_i].datetime, human);
	}
	ck_assert_int_eq(buf_init(&b, 0, 4096), 0);
	msg_render_item(&b, edges[_i].created, "x", 1);
	ck_assert_int_eq(b.failed, 0);
	ck_assert_msg(b.len >= strlen(want) &&
		memcmp(b.data, want, strlen(want)) == 0,
	    "%lld: got \"%.*s\", want \"%s\"", (long long)edges[_i].created,
	    (int)b.len, b.data, want);
	buf_free(&b);
}
END_TEST

/* The worst item of each length fits in what msg_list_max allows it. */
struct worst_case {
	const char *name;
	int64_t created;
	size_t len;
	char fill;
};

static const struct worst_case worsts[] = {
	{ "quotes at the longest", 0, 65536, '"' },
	{ "quotes, a time out of any calendar", INT64_MAX, 65536, '"' },
	{ "apostrophes", 253402300799LL, 1000, '\'' },
	{ "one quote", -1, 1, '"' },
	{ "plain text", 1795487959, 280, 'a' },
};

#define NWORSTS (int)(sizeof(worsts) / sizeof(worsts[0]))

START_TEST(test_list_max_holds_the_worst_items)
{
	const struct worst_case *c = &worsts[_i];
	struct buf b;
	char *text;
	size_t max, n = 3;

	text = malloc(c->len);
	ck_assert_ptr_nonnull(text);
	memset(text, c->fill, c->len);
	max = msg_list_max(n, c->len);
	ck_assert_uint_ge(max, n * c->len * HTML_ESCAPE_MAX);
	ck_assert_int_eq(buf_init(&b, 0, max), 0);
	while (n-- > 0)
		msg_render_item(&b, c->created, text, c->len);
	ck_assert_msg(!b.failed, "%s: three items overflow %zu bytes", c->name,
	    max);
	free(text);
	buf_free(&b);
}
END_TEST

/* The largest page gua.ini allows; a size_t too small saturates. */
START_TEST(test_list_max_of_the_largest_config)
{
	ck_assert_uint_ge(msg_list_max(10000, 65536),
	    (size_t)10000 * 65536 * HTML_ESCAPE_MAX);
	ck_assert_uint_eq(msg_list_max(SIZE_MAX / 2, 65536), SIZE_MAX);
	ck_assert_uint_eq(msg_list_max(2, SIZE_MAX / 4), SIZE_MAX);
}
END_TEST

static Suite *
msg_suite(void)
{
	Suite *s = suite_create("msg");
	TCase *tc;

	tc = tcase_create("decode");
	tcase_add_loop_test(tc, test_decode, 0, NDECODES);
	suite_add_tcase(s, tc);

	tc = tcase_create("render");
	tcase_add_test(tc, test_render_item_format);
	tcase_add_test(tc, test_render_item_escapes_text);
	tcase_add_test(tc, test_render_items_append);
	tcase_add_test(tc, test_render_item_uses_len);
	tcase_add_loop_test(tc, test_render_item_time_out_of_range_is_unknown,
	    0, NEDGES);
	tcase_add_loop_test(tc, test_list_max_holds_the_worst_items, 0,
	    NWORSTS);
	tcase_add_test(tc, test_list_max_of_the_largest_config);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(msg_suite)
