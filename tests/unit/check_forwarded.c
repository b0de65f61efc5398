/* check_forwarded.c: the client behind trusted proxies, by XFF or Forwarded. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"
#include "check_main.h"
#include "forwarded.h"

/* The proxies of every case: a loopback block, a LAN and one IPv6 one. */
static const char *const trusted_words[] = { "127.0.0.0/8", "10.0.0.0/8",
	"2001:db8:ffff::1" };

static const struct {
	const char *peer;
	const char *fields; /* header lines, CRLF after each */
	const char *client; /* NULL: the peer stands */
} cases[] = {
	/* X-Forwarded-For */
	{ "127.0.0.1", "X-Forwarded-For: 203.0.113.7\r\n", "203.0.113.7" },
	{ "127.0.0.1", "x-forwarded-for:203.0.113.7 \r\n", "203.0.113.7" },
	{ "127.0.0.1", "X-Forwarded-For: 1.1.1.1, 203.0.113.7\r\n",
	    "203.0.113.7" },
	/* the right-most one that is not a proxy of ours */
	{ "127.0.0.1", "X-Forwarded-For: 1.1.1.1, 203.0.113.7, 10.1.2.3\r\n",
	    "203.0.113.7" },
	{ "127.0.0.1",
	    "X-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 203.0.113.7, "
	    "10.1.2.3\r\n",
	    "203.0.113.7" },
	/* all trusted: the left-most */
	{ "127.0.0.1", "X-Forwarded-For: 10.9.9.9, 10.1.2.3\r\n", "10.9.9.9" },
	{ "127.0.0.1", "X-Forwarded-For: 2001:db8::7\r\n", "2001:db8::7" },
	{ "127.0.0.1", "X-Forwarded-For: [2001:db8::7]:4711\r\n",
	    "2001:db8::7" },
	{ "127.0.0.1", "X-Forwarded-For: 203.0.113.7:4711\r\n", "203.0.113.7" },
	{ "127.0.0.1", "X-Forwarded-For: , 203.0.113.7,,\r\n", "203.0.113.7" },
	/* a v4-mapped proxy is the IPv4 one */
	{ "127.0.0.1", "X-Forwarded-For: 203.0.113.7, ::ffff:10.0.0.1\r\n",
	    "203.0.113.7" },
	{ "::ffff:127.0.0.1", "X-Forwarded-For: 203.0.113.7\r\n",
	    "203.0.113.7" },
	{ "2001:db8:ffff::1", "X-Forwarded-For: 203.0.113.7\r\n",
	    "203.0.113.7" },
	/* malformed on the walk: the peer stands */
	{ "127.0.0.1", "X-Forwarded-For: 203.0.113.7, unknown\r\n", NULL },
	{ "127.0.0.1", "X-Forwarded-For: 203.0.113.256\r\n", NULL },
	{ "127.0.0.1", "X-Forwarded-For: 203.0.113.7 10.0.0.1\r\n", NULL },
	{ "127.0.0.1", "X-Forwarded-For: [2001:db8::7\r\n", NULL },
	{ "127.0.0.1", "X-Forwarded-For: 203.0.113.7:65536\r\n", NULL },
	{ "127.0.0.1", "X-Forwarded-For: 203.0.113.7:\r\n", NULL },
	{ "127.0.0.1", "X-Forwarded-For: \r\n", NULL },
	/* malformed left of the client: never looked at */
	{ "127.0.0.1", "X-Forwarded-For: garbage, 203.0.113.7\r\n",
	    "203.0.113.7" },
	/* untrusted peers are not believed */
	{ "192.0.2.1", "X-Forwarded-For: 203.0.113.7\r\n", NULL },
	{ "2001:db8:ffff::2", "X-Forwarded-For: 203.0.113.7\r\n", NULL },
	{ "127.0.0.1", "X-Forwarded-Fort: 203.0.113.7\r\n", NULL },
	{ "127.0.0.1", "Accept: */*\r\n", NULL },
	/* Forwarded */
	{ "127.0.0.1", "Forwarded: for=203.0.113.7\r\n", "203.0.113.7" },
	{ "127.0.0.1", "Forwarded: For=\"203.0.113.7:80\";proto=https\r\n",
	    "203.0.113.7" },
	{ "127.0.0.1", "Forwarded: for=\"[2001:db8::1]:4711\"\r\n",
	    "2001:db8::1" },
	{ "127.0.0.1", "Forwarded: for=\"[2001:db8::1]\"\r\n", "2001:db8::1" },
	{ "127.0.0.1",
	    "Forwarded: for=1.1.1.1, for=203.0.113.7;by=10.0.0.1, "
	    "proto=http;for=10.0.0.2\r\n",
	    "203.0.113.7" },
	{ "127.0.0.1",
	    "Forwarded: for=1.1.1.1\r\nForwarded: for=203.0.113.7 ; "
	    "host=\"a;b,c\"\r\n",
	    "203.0.113.7" },
	{ "127.0.0.1", "Forwarded: for=\"\\203.0.113.7\"\r\n", "203.0.113.7" },
	{ "127.0.0.1", "Forwarded: ,for=203.0.113.7,\r\n", "203.0.113.7" },
	{ "127.0.0.1", "Forwarded: for=unknown\r\n", NULL },
	{ "127.0.0.1", "Forwarded: for=_hidden\r\n", NULL },
	{ "127.0.0.1", "Forwarded: for=203.0.113.7, proto=https\r\n", NULL },
	{ "127.0.0.1", "Forwarded: for=2001:db8::1\r\n", NULL },
	{ "127.0.0.1", "Forwarded: for=\"2001:db8::1\"\r\n", NULL },
	{ "127.0.0.1", "Forwarded: for=1.2.3.4;for=5.6.7.8\r\n", NULL },
	{ "127.0.0.1", "Forwarded: for=\"203.0.113.7\r\n", NULL },
	{ "127.0.0.1", "Forwarded: for=203.0.113.7 x\r\n", NULL },
	{ "127.0.0.1", "Forwarded: for\r\n", NULL },
	{ "127.0.0.1", "Forwarded: =1.2.3.4\r\n", NULL },
	/* a syntax error anywhere spoils the field, even left of it */
	{ "127.0.0.1", "Forwarded: for=\"x, for=203.0.113.7\r\n", NULL },
	{ "127.0.0.1", "Forwarded: for=1.1.1.1\r\nForwarded: x y\r\n", NULL },
	/* X-Forwarded-For, where both are */
	{ "127.0.0.1",
	    "Forwarded: for=198.51.100.1\r\nX-Forwarded-For: 203.0.113.7\r\n",
	    "203.0.113.7" },
	{ "127.0.0.1",
	    "X-Forwarded-For: garbage\r\nForwarded: for=198.51.100.1\r\n",
	    NULL },
};

static int
family_of(const char *s, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1)
		return AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET6, s, addr), 1);
	return AF_INET6;
}

START_TEST(test_the_client_is_the_rightmost_untrusted)
{
	struct allow_net nets[3];
	char head[512];
	uint8_t peer[16], want[16], addr[16], family = 0;
	int pf, n, i, found;

	for (i = 0; i < 3; i++)
		ck_assert_int_eq(allow_parse(trusted_words[i], &nets[i]), 0);
	pf = family_of(cases[_i].peer, peer);
	n = snprintf(head, sizeof(head), "GET / HTTP/1.1\r\nHost: a\r\n%s\r\n",
	    cases[_i].fields);
	ck_assert(n > 0 && (size_t)n < sizeof(head));
	found =
	    forwarded_client(nets, 3, pf, peer, head, (size_t)n, &family, addr);
	if (cases[_i].client == NULL) {
		ck_assert_msg(!found, "%s", cases[_i].fields);
		return;
	}
	ck_assert_msg(found, "%s", cases[_i].fields);
	ck_assert_int_eq(family, family_of(cases[_i].client, want));
	ck_assert_mem_eq(addr, want, family == AF_INET ? 4 : 16);
}
END_TEST

/* Without trusted proxies, nothing is taken from the head. */
START_TEST(test_no_trusted_proxies_no_client)
{
	static const char head[] =
	    "GET / HTTP/1.1\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n";
	uint8_t peer[16] = { 127, 0, 0, 1 }, addr[16], family = 0;

	ck_assert_int_eq(forwarded_client(NULL, 0, AF_INET, peer, head,
			     sizeof(head) - 1, &family, addr),
	    0);
	ck_assert_int_eq(forwarded_client(NULL, 0, 0, NULL, head,
			     sizeof(head) - 1, &family, addr),
	    0);
}
END_TEST

/* Fields after the blank line (a body) are not the head's. */
START_TEST(test_body_is_not_read)
{
	static const char head[] = "POST / HTTP/1.1\r\n\r\n"
				   "X-Forwarded-For: 203.0.113.7\r\n";
	struct allow_net net;
	uint8_t peer[16] = { 127, 0, 0, 1 }, addr[16], family = 0;

	ck_assert_int_eq(allow_parse("127.0.0.1", &net), 0);
	ck_assert_int_eq(forwarded_client(&net, 1, AF_INET, peer, head,
			     sizeof(head) - 1, &family, addr),
	    0);
}
END_TEST

static Suite *
forwarded_suite(void)
{
	Suite *s = suite_create("forwarded");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_the_client_is_the_rightmost_untrusted, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_no_trusted_proxies_no_client);
	tcase_add_test(tc, test_body_is_not_read);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(forwarded_suite)
