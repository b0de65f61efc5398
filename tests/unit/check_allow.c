/* check_allow.c: [status] allow: addresses and blocks, parsed and matched. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"
#include "check_main.h"

static const struct {
	const char *word;
	int ok;
} words[] = {
	{ "127.0.0.1", 1 },
	{ "::1", 1 },
	{ "10.0.0.0/8", 1 },
	{ "0.0.0.0/0", 1 },
	{ "::/0", 1 },
	{ "fd00::/8", 1 },
	{ "192.168.1.128/25", 1 },
	{ "10.0.0.1/8", 0 }, /* host bits set */
	{ "10.0.0.0/33", 0 },
	{ "::1/129", 0 },
	{ "10.0.0.0/", 0 },
	{ "10.0.0.0/+8", 0 },
	{ "10.0.0.0/8x", 0 },
	{ "/8", 0 },
	{ "localhost", 0 },
	{ "1.2.3", 0 },
	{ "", 0 },
};

START_TEST(test_words_parse_or_not)
{
	struct allow_net n;

	ck_assert_int_eq(allow_parse(words[_i].word, &n) == 0, words[_i].ok);
}
END_TEST

static const struct {
	const char *nets;
	const char *client;
	int in;
} matches[] = {
	{ "127.0.0.1 ::1", "127.0.0.1", 1 },
	{ "127.0.0.1 ::1", "127.0.0.2", 0 },
	{ "127.0.0.1 ::1", "::1", 1 },
	{ "127.0.0.1 ::1", "::2", 0 },
	/* an IPv4 client on an IPv6 socket */
	{ "127.0.0.1", "::ffff:127.0.0.1", 1 },
	{ "127.0.0.1", "::ffff:127.0.0.2", 0 },
	{ "10.0.0.0/8", "10.255.1.2", 1 },
	{ "10.0.0.0/8", "11.0.0.1", 0 },
	{ "192.168.1.128/25", "192.168.1.200", 1 },
	{ "192.168.1.128/25", "192.168.1.127", 0 },
	{ "0.0.0.0/0", "8.8.8.8", 1 },
	{ "0.0.0.0/0", "::1", 0 },
	{ "fd00::/8", "fd12::1", 1 },
	{ "fd00::/8", "fe80::1", 0 },
	{ "2001:db8::/33", "2001:db8:7fff::1", 1 },
	{ "2001:db8::/33", "2001:db8:8000::1", 0 },
};

START_TEST(test_clients_match_their_blocks)
{
	struct allow_net nets[4];
	uint8_t addr[16];
	char *words_copy, *w, *save;
	size_t n = 0;
	int family;

	words_copy = strdup(matches[_i].nets);
	ck_assert_ptr_nonnull(words_copy);
	for (w = strtok_r(words_copy, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save))
		ck_assert_int_eq(allow_parse(w, &nets[n++]), 0);
	free(words_copy);
	family = strchr(matches[_i].client, ':') ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(family, matches[_i].client, addr), 1);
	ck_assert_int_eq(allow_match(nets, n, family, addr), matches[_i].in);
}
END_TEST

START_TEST(test_check_names_the_bad_word)
{
	char why[256];

	ck_assert_int_eq(allow_check("127.0.0.1, ::1 10.0.0.0/8", why,
			     sizeof(why)),
	    0);
	ck_assert_int_eq(allow_check("127.0.0.1 10.0.0.1/8", why, sizeof(why)),
	    -1);
	ck_assert_ptr_nonnull(strstr(why, "\"10.0.0.1/8\""));
	ck_assert_int_eq(allow_match(NULL, 0, AF_INET, NULL), 0);
}
END_TEST

static Suite *
allow_suite(void)
{
	Suite *s = suite_create("allow");
	TCase *tc = tcase_create("allow");

	tcase_add_loop_test(tc, test_words_parse_or_not, 0,
	    sizeof(words) / sizeof(words[0]));
	tcase_add_loop_test(tc, test_clients_match_their_blocks, 0,
	    sizeof(matches) / sizeof(matches[0]));
	tcase_add_test(tc, test_check_names_the_bad_word);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(allow_suite)
