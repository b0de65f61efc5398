/* check_html.c: HTML escaping and the msg page template. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "check_main.h"

struct escape_case {
	const char *in;
	const char *out;
};

static const struct escape_case escapes[] = {
	{ "", "" },
	{ "plain text", "plain text" },
	{ "<", "&lt;" },
	{ ">", "&gt;" },
	{ "&", "&amp;" },
	{ "\"", "&quot;" },
	{ "'", "&#39;" },
	{ "<>&\"'", "&lt;&gt;&amp;&quot;&#39;" },
	{ "<script>alert('x')</script>",
	    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" },
	{ "a<b", "a&lt;b" },
	{ "a & b && c", "a &amp; b &amp;&amp; c" },
	{ "&amp;", "&amp;amp;" },
	{ "caf\xc3\xa9 \xe4\xbd\xa0", "caf\xc3\xa9 \xe4\xbd\xa0" },
	{ "line\nbreak\ttab", "line\nbreak\ttab" },
	{ "<img src=x onerror=\"a()\">",
	    "&lt;img src=x onerror=&quot;a()&quot;&gt;" },
};

#define NESCAPES (int)(sizeof(escapes) / sizeof(escapes[0]))

START_TEST(test_escape)
{
	const struct escape_case *c = &escapes[_i];
	struct buf b;

	ck_assert_int_eq(buf_init(&b, 0, 4096), 0);
	buf_adds(&b, "[");
	html_escape(&b, c->in, strlen(c->in));
	buf_adds(&b, "]");
	ck_assert_int_eq(b.failed, 0);
	ck_assert_msg(b.len == strlen(c->out) + 2 &&
		memcmp(b.data + 1, c->out, b.len - 2) == 0 &&
		b.data[0] == '[' && b.data[b.len - 1] == ']',
	    "\"%s\": got \"%.*s\", expected \"[%s]\"", c->in, (int)b.len,
	    b.data, c->out);
	buf_free(&b);
}
END_TEST

/* Only len bytes are escaped, NULs included. */
START_TEST(test_escape_len_not_nul)
{
	struct buf b;

	ck_assert_int_eq(buf_init(&b, 0, 64), 0);
	html_escape(&b, "a\0<b>", 5);
	ck_assert_uint_eq(b.len, 11);
	ck_assert_int_eq(memcmp(b.data, "a\0&lt;b&gt;", 11), 0);
	b.len = 0;
	html_escape(&b, "<<<<", 2);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_int_eq(memcmp(b.data, "&lt;&lt;", 8), 0);
	buf_free(&b);
}
END_TEST

struct tmpl_case {
	const char *text;
	int rc;
	size_t head_len; /* rc 0 */
};

static const struct tmpl_case tmpls[] = {
	{ "<ul>{{messages}}</ul>", 0, 4 },
	{ "{{messages}}", 0, 0 },
	{ "{{messages}}</html>\n", 0, 0 },
	{ "<html>{{messages}}", 0, 6 },
	{ "{{message}} {{messages}} {messages}", 0, 12 },
	{ "{{{messages}}}", 0, 1 },
	{ "", -1, 0 },
	{ "<ul></ul>", -1, 0 },
	{ "{{message}}", -1, 0 },
	{ "{{Messages}}", -1, 0 },
	{ "{{ messages }}", -1, 0 },
	{ "{{messages}}{{messages}}", -1, 0 },
	{ "<p>{{messages}}</p><p>{{messages}}</p>", -1, 0 },
	{ "{{messages}}{{messages}}{{messages}}", -1, 0 },
};

#define NTMPLS (int)(sizeof(tmpls) / sizeof(tmpls[0]))

START_TEST(test_template_parse)
{
	const struct tmpl_case *c = &tmpls[_i];
	struct html_template t;
	size_t len = strlen(c->text);
	char *text;
	int rc;

	/* an exact-size copy with no NUL after it */
	text = malloc(len + 1);
	ck_assert_ptr_nonnull(text);
	memcpy(text, c->text, len);
	rc = html_template_parse(&t, text, len);
	ck_assert_msg(rc == c->rc, "\"%s\": got %d, expected %d", c->text, rc,
	    c->rc);
	if (rc == 0) {
		ck_assert_msg(t.head_len == c->head_len, "\"%s\": head_len %zu",
		    c->text, t.head_len);
		ck_assert_uint_eq(t.tail_off,
		    c->head_len + strlen(HTML_PLACEHOLDER));
		ck_assert_uint_eq(t.len, len);
		ck_assert_ptr_nonnull(t.text);
		ck_assert_ptr_ne(t.text, text);
		ck_assert_int_eq(memcmp(t.text, c->text, len), 0);
		ck_assert_int_eq(memcmp(t.text + t.head_len, HTML_PLACEHOLDER,
				     strlen(HTML_PLACEHOLDER)),
		    0);
		html_template_free(&t);
		ck_assert_ptr_null(t.text);
	}
	free(text);
}
END_TEST

/* The template keeps its own copy: the source may go away. */
START_TEST(test_template_owns_its_text)
{
	struct html_template t;
	char src[] = "<ol>{{messages}}</ol>";

	ck_assert_int_eq(html_template_parse(&t, src, strlen(src)), 0);
	memset(src, 'x', sizeof(src) - 1);
	ck_assert_int_eq(memcmp(t.text, "<ol>", t.head_len), 0);
	ck_assert_str_eq(t.text + t.tail_off, "</ol>");
	html_template_free(&t);
}
END_TEST

START_TEST(test_placeholder_is_messages)
{
	ck_assert_str_eq(HTML_PLACEHOLDER, "{{messages}}");
}
END_TEST

static Suite *
html_suite(void)
{
	Suite *s = suite_create("html");
	TCase *tc;

	tc = tcase_create("escape");
	tcase_add_loop_test(tc, test_escape, 0, NESCAPES);
	tcase_add_test(tc, test_escape_len_not_nul);
	suite_add_tcase(s, tc);

	tc = tcase_create("template");
	tcase_add_loop_test(tc, test_template_parse, 0, NTMPLS);
	tcase_add_test(tc, test_template_owns_its_text);
	tcase_add_test(tc, test_placeholder_is_messages);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(html_suite)
