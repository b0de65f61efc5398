/* check_proxy.c: PROXY protocol headers, v1 and v2, whole and cut. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "proxy.h"

#define SIG "\r\n\r\n\0\r\nQUIT\n"
#define REQ "GET / HTTP/1.1\r\n"

static const struct {
	const char *name;
	const char *in;
	unsigned len; /* 0: strlen(in) */
	enum proxy_result want;
	unsigned hlen;	    /* PROXY_DONE: the header's bytes */
	int family;	    /* PROXY_DONE: AF_INET, AF_INET6, 0 */
	const char *client; /* with family */
	unsigned port;
} cases[] = {
	{ "v1 tcp4", "PROXY TCP4 203.0.113.7 10.0.0.1 5555 80\r\n" REQ, 0,
	    PROXY_DONE, 41, AF_INET, "203.0.113.7", 5555 },
	{ "v1 tcp6", "PROXY TCP6 2001:db8::7 2001:db8::1 65535 443\r\n", 0,
	    PROXY_DONE, 46, AF_INET6, "2001:db8::7", 65535 },
	{ "v1 unknown", "PROXY UNKNOWN\r\n" REQ, 0, PROXY_DONE, 15, 0, NULL,
	    0 },
	{ "v1 unknown with addresses",
	    "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n", 0,
	    PROXY_DONE, 59, 0, NULL, 0 },
	{ "v1 port 0", "PROXY TCP4 1.2.3.4 5.6.7.8 0 0\r\n", 0, PROXY_DONE, 32,
	    AF_INET, "1.2.3.4", 0 },
	{ "v1 prefix", "PROXY TCP4 1.2.3.4 5.6", 0, PROXY_MORE, 0, 0, NULL, 0 },
	{ "v1 up to CR", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r", 0, PROXY_MORE, 0,
	    0, NULL, 0 },
	{ "v1 first byte", "P", 0, PROXY_MORE, 0, 0, NULL, 0 },
	{ "nothing yet", "", 0, PROXY_MORE, 0, 0, NULL, 0 },
	{ "a request", REQ, 0, PROXY_BAD, 0, 0, NULL, 0 },
	{ "a TLS ClientHello", "\x16\x03\x01\x02\x00\x01", 0, PROXY_BAD, 0, 0,
	    NULL, 0 },
	{ "lower case", "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", 0, PROXY_BAD, 0,
	    0, NULL, 0 },
	{ "PROXYX", "PROXYX", 0, PROXY_BAD, 0, 0, NULL, 0 },
	{ "v1 LF alone", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", 0, PROXY_BAD, 0, 0,
	    NULL, 0 },
	{ "v1 CR alone", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rx", 0, PROXY_BAD, 0,
	    0, NULL, 0 },
	{ "v1 two spaces", "PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n", 0, PROXY_BAD,
	    0, 0, NULL, 0 },
	{ "v1 tcp5", "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", 0, PROXY_BAD, 0, 0,
	    NULL, 0 },
	{ "v1 udp4", "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", 0, PROXY_BAD, 0, 0,
	    NULL, 0 },
	{ "v1 v6 in tcp4", "PROXY TCP4 ::1 ::1 1 2\r\n", 0, PROXY_BAD, 0, 0,
	    NULL, 0 },
	{ "v1 v4 in tcp6", "PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n", 0, PROXY_BAD,
	    0, 0, NULL, 0 },
	{ "v1 bad address", "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n", 0,
	    PROXY_BAD, 0, 0, NULL, 0 },
	{ "v1 port too big", "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", 0,
	    PROXY_BAD, 0, 0, NULL, 0 },
	{ "v1 port sign", "PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n", 0, PROXY_BAD,
	    0, 0, NULL, 0 },
	{ "v1 five words", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", 0, PROXY_BAD,
	    0, 0, NULL, 0 },
	{ "v1 three words", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", 0, PROXY_BAD, 0,
	    0, NULL, 0 },
	{ "v1 trailing space", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", 0,
	    PROXY_BAD, 0, 0, NULL, 0 },
	{ "v1 unknownx", "PROXY UNKNOWNX\r\n", 0, PROXY_BAD, 0, 0, NULL, 0 },
	{ "v1 control byte", "PROXY TCP4 1.2.3.4\x01", 0, PROXY_BAD, 0, 0, NULL,
	    0 },
	{ "v1 NUL", "PROXY TCP4 1.2\0", 15, PROXY_BAD, 0, 0, NULL, 0 },
	{ "v1 no end in 107 bytes",
	    "PROXY UNKNOWN "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	    0, PROXY_BAD, 0, 0, NULL, 0 },
	{ "v1 107 bytes",
	    "PROXY UNKNOWN "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxx\r\n",
	    0, PROXY_DONE, 107, 0, NULL, 0 },
	/* v2: signature, ver/cmd, fam/proto, length, block, then TLVs */
	{ "v2 proxy tcp4 with a TLV",
	    SIG "\x21\x11\x00\x14"
		"\xc6\x33\x64\x09\x0a\x00\x00\x01\x04\xd2\x00\x50"
		"\x04\x00\x05hello",
	    36, PROXY_DONE, 36, AF_INET, "198.51.100.9", 1234 },
	{ "v2 proxy tcp6",
	    SIG "\x21\x21\x00\x24"
		"\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
		"\x07"
		"\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
		"\x01"
		"\x01\xbb\x00\x50",
	    52, PROXY_DONE, 52, AF_INET6, "2001:db8::7", 443 },
	{ "v2 local", SIG "\x20\x00\x00\x00", 16, PROXY_DONE, 16, 0, NULL, 0 },
	{ "v2 local with a block", SIG "\x20\x11\x00\x03xyz", 19, PROXY_DONE,
	    19, 0, NULL, 0 },
	{ "v2 local, unknown family", SIG "\x20\xff\x00\x00", 16, PROXY_DONE,
	    16, 0, NULL, 0 },
	{ "v2 proxy unspec", SIG "\x21\x00\x00\x00", 16, PROXY_DONE, 16, 0,
	    NULL, 0 },
	{ "v2 proxy udp4: the socket's peer",
	    SIG "\x21\x12\x00\x0c"
		"\xc6\x33\x64\x09\x0a\x00\x00\x01\x04\xd2\x00\x50",
	    28, PROXY_DONE, 28, 0, NULL, 0 },
	{ "v2 TLVs past what is read",
	    SIG "\x21\x11\xff\xff"
		"\xc6\x33\x64\x09\x0a\x00\x00\x01\x04\xd2\x00\x50",
	    28, PROXY_DONE, 16 + 65535, AF_INET, "198.51.100.9", 1234 },
	{ "v2 signature cut", SIG, 11, PROXY_MORE, 0, 0, NULL, 0 },
	{ "v2 fixed part cut", SIG "\x21\x11\x00", 15, PROXY_MORE, 0, 0, NULL,
	    0 },
	{ "v2 address cut",
	    SIG "\x21\x11\x00\x0c"
		"\xc6\x33\x64\x09\x0a\x00\x00\x01\x04\xd2\x00",
	    27, PROXY_MORE, 0, 0, NULL, 0 },
	{ "v2 bad signature", "\r\n\r\n\0\r\nQUIT\r", 12, PROXY_BAD, 0, 0, NULL,
	    0 },
	{ "v2 version 1", SIG "\x11\x11\x00\x0c", 16, PROXY_BAD, 0, 0, NULL,
	    0 },
	{ "v2 command 2", SIG "\x22\x11\x00\x0c", 16, PROXY_BAD, 0, 0, NULL,
	    0 },
	{ "v2 family 4", SIG "\x21\x41\x00\x0c", 16, PROXY_BAD, 0, 0, NULL, 0 },
	{ "v2 transport 3", SIG "\x21\x13\x00\x0c", 16, PROXY_BAD, 0, 0, NULL,
	    0 },
	{ "v2 block too short for tcp4", SIG "\x21\x11\x00\x0b", 16, PROXY_BAD,
	    0, 0, NULL, 0 },
	{ "v2 block too short for tcp6", SIG "\x21\x21\x00\x23", 16, PROXY_BAD,
	    0, 0, NULL, 0 },
	{ "v2 block too short for unix", SIG "\x21\x31\x00\xd7", 16, PROXY_BAD,
	    0, 0, NULL, 0 },
	{ "v2 unix: the socket's peer", SIG "\x21\x31\x00\xd8", 16, PROXY_DONE,
	    16 + 216, 0, NULL, 0 },
};

static int
same(const struct proxy_header *a, const struct proxy_header *b)
{
	return a->len == b->len && a->version == b->version &&
	    a->local == b->local && a->family == b->family &&
	    a->port == b->port && memcmp(a->addr, b->addr, 16) == 0;
}

static size_t
case_len(int i)
{
	return cases[i].len != 0 ? cases[i].len : strlen(cases[i].in);
}

static void
check_header(int i, const struct proxy_header *h)
{
	uint8_t want[16];

	ck_assert_uint_eq(h->len, cases[i].hlen);
	ck_assert_int_eq(h->family, cases[i].family);
	if (cases[i].family != 0) {
		memset(want, 0, sizeof(want));
		ck_assert_int_eq(inet_pton(cases[i].family, cases[i].client,
				     want),
		    1);
		ck_assert_mem_eq(h->addr, want,
		    cases[i].family == AF_INET ? 4 : 16);
		ck_assert_uint_eq(h->port, cases[i].port);
	}
}

START_TEST(test_headers_read_as_the_spec_says)
{
	struct proxy_header h;
	size_t n = case_len(_i);
	uint8_t *p = malloc(n > 0 ? n : 1); /* exact: ASan sees overreads */

	ck_assert_ptr_nonnull(p);
	memcpy(p, cases[_i].in, n);
	ck_assert_msg(proxy_parse(p, n, &h) == cases[_i].want, "%s",
	    cases[_i].name);
	if (cases[_i].want == PROXY_DONE)
		check_header(_i, &h);
	free(p);
}
END_TEST

/*
 * Every prefix of a header that is whole is PROXY_MORE (or, past what is
 * read of v2, already PROXY_DONE with the same answer); a bad one turns
 * bad at some prefix and stays so.
 */
START_TEST(test_prefixes_wait_or_agree)
{
	struct proxy_header h, whole;
	size_t n = case_len(_i), k;
	enum proxy_result r, all;
	int bad = 0;

	all = proxy_parse((const uint8_t *)cases[_i].in, n, &whole);
	for (k = 0; k < n; k++) {
		r = proxy_parse((const uint8_t *)cases[_i].in, k, &h);
		if (all == PROXY_DONE) {
			ck_assert_msg(r == PROXY_MORE || r == PROXY_DONE,
			    "%s: %zu bytes", cases[_i].name, k);
			if (r == PROXY_DONE)
				ck_assert(same(&h, &whole));
		} else if (all == PROXY_BAD) {
			ck_assert_msg(!bad || r == PROXY_BAD, "%s: %zu bytes",
			    cases[_i].name, k);
			bad = r == PROXY_BAD;
		} else
			ck_assert_msg(r == PROXY_MORE, "%s", cases[_i].name);
	}
}
END_TEST

/* PROXY_DECIDE_MAX bytes of any kind get an answer, never "more". */
START_TEST(test_decide_max_bytes_always_decide)
{
	struct proxy_header h;
	uint8_t p[PROXY_DECIDE_MAX];

	memset(p, 'x', sizeof(p));
	memcpy(p, "PROXY ", 6);
	ck_assert_int_eq(proxy_parse(p, sizeof(p), &h), PROXY_BAD);
	memcpy(p, SIG "\x21\x11\x00\x0c", 16);
	ck_assert_int_eq(proxy_parse(p, sizeof(p), &h), PROXY_DONE);
}
END_TEST

START_TEST(test_socket_peer_copied)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	uint8_t family = 0, addr[16];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.2", &sin.sin_addr);
	proxy_peer_set(&family, addr, (struct sockaddr *)&sin);
	ck_assert_int_eq(family, AF_INET);
	ck_assert_mem_eq(addr, &sin.sin_addr, 4);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
	proxy_peer_set(&family, addr, (struct sockaddr *)&sin6);
	ck_assert_int_eq(family, AF_INET6);
	ck_assert_mem_eq(addr, &sin6.sin6_addr, 16);
}
END_TEST

static Suite *
proxy_suite(void)
{
	Suite *s = suite_create("proxy");
	TCase *tc = tcase_create("core");
	int n = (int)(sizeof(cases) / sizeof(cases[0]));

	tcase_add_loop_test(tc, test_headers_read_as_the_spec_says, 0, n);
	tcase_add_loop_test(tc, test_prefixes_wait_or_agree, 0, n);
	tcase_add_test(tc, test_decide_max_bytes_always_decide);
	tcase_add_test(tc, test_socket_peer_copied);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(proxy_suite)
