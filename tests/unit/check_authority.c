/* check_authority.c: the syntax of host [":" port], and host names. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "authority.h"
#include "check_main.h"

struct auth_case {
	const char *in;
	int ok;
	enum authority_kind kind;
	const char *host;
	const char *port; /* NULL: no ':' */
	unsigned number;
};

#define GOOD(i, k, h, p, n) \
	{ \
		i, 1, AUTHORITY_##k, h, p, n \
	}
#define BAD(i) \
	{ \
		i, 0, AUTHORITY_REG_NAME, NULL, NULL, 0 \
	}

static const struct auth_case cases[] = {
	GOOD("example.com", REG_NAME, "example.com", NULL, 0),
	GOOD("example.com:8080", REG_NAME, "example.com", "8080", 8080),
	GOOD("EXAMPLE.com.", REG_NAME, "EXAMPLE.com.", NULL, 0),
	GOOD("localhost:", REG_NAME, "localhost", "", 0),
	GOOD("a-b_c~d", REG_NAME, "a-b_c~d", NULL, 0),
	GOOD("%41b.example", REG_NAME, "%41b.example", NULL, 0),
	GOOD("!$&'()*+,;=", REG_NAME, "!$&'()*+,;=", NULL, 0),
	GOOD("", REG_NAME, "", NULL, 0),
	GOOD("127.0.0.1", IPV4, "127.0.0.1", NULL, 0),
	GOOD("255.255.255.255:65535", IPV4, "255.255.255.255", "65535", 65535),
	GOOD("0.0.0.0:0", IPV4, "0.0.0.0", "0", 0),
	/* not an IPv4 address, but a valid reg-name */
	GOOD("1.2.3.256", REG_NAME, "1.2.3.256", NULL, 0),
	GOOD("01.2.3.4", REG_NAME, "01.2.3.4", NULL, 0),
	GOOD("1.2.3", REG_NAME, "1.2.3", NULL, 0),
	GOOD("[::1]", IPV6, "[::1]", NULL, 0),
	GOOD("[::1]:3000", IPV6, "[::1]", "3000", 3000),
	GOOD("[::]", IPV6, "[::]", NULL, 0),
	GOOD("[1::]", IPV6, "[1::]", NULL, 0),
	GOOD("[1:2:3:4:5:6:7:8]", IPV6, "[1:2:3:4:5:6:7:8]", NULL, 0),
	GOOD("[1:2:3:4:5:6:7::]", IPV6, "[1:2:3:4:5:6:7::]", NULL, 0),
	GOOD("[::2:3:4:5:6:7:8]", IPV6, "[::2:3:4:5:6:7:8]", NULL, 0),
	GOOD("[fe80::abcd:EF01]", IPV6, "[fe80::abcd:EF01]", NULL, 0),
	GOOD("[::ffff:192.0.2.1]:80", IPV6, "[::ffff:192.0.2.1]", "80", 80),
	GOOD("[1:2:3:4:5:6:1.2.3.4]", IPV6, "[1:2:3:4:5:6:1.2.3.4]", NULL, 0),
	GOOD("[v1.fe80::a+en1]", IPV_FUTURE, "[v1.fe80::a+en1]", NULL, 0),
	GOOD("[VF.x]:1", IPV_FUTURE, "[VF.x]", "1", 1),
	/* what RFC 9112 3.2 and RFC 3986 refuse */
	BAD("example.com.:1.2"),
	BAD("1.2.3.4:9000:80"),
	BAD("[::1"),
	BAD("a]b"),
	BAD("a[b"),
	BAD("exa mple.com"),
	BAD("example.com:http"),
	BAD("example.com:65536"),
	BAD("example.com:99999999999999999999"),
	BAD("user@example.com"),
	BAD("exa/mple"),
	BAD("a\"b"),
	BAD("<script>"),
	BAD("%zz.example"),
	BAD("%4"),
	BAD(":80"),
	BAD("[]"),
	BAD("[::1]x"),
	BAD("[::1]:80:80"),
	BAD("[::1]:"
	    "8o"),
	BAD("[1:2:3:4:5:6:7:8:9]"),
	BAD("[1:2:3:4:5:6:7]"),
	BAD("[1::2::3]"),
	BAD("[:::]"),
	BAD("[:1]"),
	BAD("[1:]"),
	BAD("[12345::1]"),
	BAD("[g::1]"),
	BAD("[::1.2.3.4.5]"),
	BAD("[::1.2.3.4:5]"),
	BAD("[1:2:3:4:5:6:7:1.2.3.4]"),
	BAD("[v1.]"),
	BAD("[v.x]"),
	BAD("[vz.x]"),
	BAD("[v1x]"),
	BAD("[127.0.0.1]"),
	BAD("host\\name"),
	BAD("a\tb"),
};

#define NCASES (int)(sizeof(cases) / sizeof(cases[0]))

START_TEST(test_parse)
{
	const struct auth_case *c = &cases[_i];
	struct authority a;
	int rc;

	rc = authority_parse(c->in, strlen(c->in), &a);
	ck_assert_msg((rc == 0) == c->ok, "\"%s\": got %d", c->in, rc);
	if (!c->ok)
		return;
	ck_assert_msg(a.kind == c->kind, "\"%s\": kind %d", c->in, a.kind);
	ck_assert_msg(a.host.len == strlen(c->host) &&
		memcmp(a.host.p, c->host, a.host.len) == 0,
	    "\"%s\": host \"%.*s\"", c->in, (int)a.host.len, a.host.p);
	if (c->port == NULL)
		ck_assert_ptr_null(a.port.p);
	else
		ck_assert_msg(a.port.p != NULL &&
			a.port.len == strlen(c->port) &&
			memcmp(a.port.p, c->port, a.port.len) == 0,
		    "\"%s\": port", c->in);
	ck_assert_uint_eq(a.port_number, c->number);
}
END_TEST

/* A NUL inside is no host character, nor is any byte past the length. */
START_TEST(test_nul_and_length)
{
	struct authority a;

	ck_assert_int_eq(authority_parse("a\0b", 3, &a), -1);
	ck_assert_int_eq(authority_parse("ab]", 2, &a), 0);
	ck_assert_uint_eq(a.host.len, 2);
	ck_assert_int_eq(authority_parse("[::1]", 4, &a), -1);
}
END_TEST

START_TEST(test_host_ok)
{
	ck_assert(authority_host_ok("example.com", 11));
	ck_assert(authority_host_ok("[::1]", 5));
	ck_assert(authority_host_ok("10.0.0.1", 8));
	ck_assert(!authority_host_ok("", 0));
	ck_assert(!authority_host_ok("example.com:80", 14));
	ck_assert(!authority_host_ok("a b", 3));
}
END_TEST

START_TEST(test_host_eq)
{
	struct http_slice h;

	h.p = "Example.COM";
	h.len = 11;
	ck_assert(authority_host_eq(&h, "example.com"));
	ck_assert(authority_host_eq(&h, "example.com."));
	ck_assert(!authority_host_eq(&h, "example.co"));
	ck_assert(!authority_host_eq(&h, "www.example.com"));
	h.p = "example.com.";
	h.len = 12;
	ck_assert(authority_host_eq(&h, "example.com"));
	h.p = "example.com..";
	h.len = 13;
	ck_assert(!authority_host_eq(&h, "example.com"));
	h.p = "[::1]";
	h.len = 5;
	ck_assert(authority_host_eq(&h, "[::1]"));
	ck_assert(!authority_host_eq(&h, "::1"));
}
END_TEST

static Suite *
authority_suite(void)
{
	Suite *s = suite_create("authority");
	TCase *tc = tcase_create("syntax");

	tcase_add_loop_test(tc, test_parse, 0, NCASES);
	tcase_add_test(tc, test_nul_and_length);
	tcase_add_test(tc, test_host_ok);
	tcase_add_test(tc, test_host_eq);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(authority_suite)
