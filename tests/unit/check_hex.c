/* check_hex.c: hexadecimal digits both ways, and FNV-1a. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "check_main.h"

START_TEST(test_every_byte_has_its_value)
{
	int c, want;

	for (c = 0; c < 256; c++) {
		if (c >= '0' && c <= '9')
			want = c - '0';
		else if (c >= 'a' && c <= 'f')
			want = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			want = c - 'A' + 10;
		else
			want = -1;
		ck_assert_int_eq(hex_value(c), want);
	}
	for (c = 0; c < 16; c++) {
		ck_assert_int_eq(hex_value(hex_upper[c]), c);
		ck_assert_int_eq(hex_value(hex_lower[c]), c);
	}
	ck_assert_str_eq(hex_upper, "0123456789ABCDEF");
	ck_assert_str_eq(hex_lower, "0123456789abcdef");
}
END_TEST

/* The published FNV-1a 64-bit test vectors. */
START_TEST(test_fnv1a_known_values)
{
	ck_assert_uint_eq(hex_fnv1a(HEX_FNV_BASIS, "", 0),
	    0xcbf29ce484222325ULL);
	ck_assert_uint_eq(hex_fnv1a(HEX_FNV_BASIS, "a", 1),
	    0xaf63dc4c8601ec8cULL);
	ck_assert_uint_eq(hex_fnv1a(HEX_FNV_BASIS, "foobar", 6),
	    0x85944171f73967e8ULL);
	/* going on from a hash is hashing the two parts as one */
	ck_assert_uint_eq(hex_fnv1a(hex_fnv1a(HEX_FNV_BASIS, "foo", 3), "bar",
			      3),
	    0x85944171f73967e8ULL);
}
END_TEST

static Suite *
hex_suite(void)
{
	Suite *s = suite_create("hex");
	TCase *tc = tcase_create("hex");

	tcase_add_test(tc, test_every_byte_has_its_value);
	tcase_add_test(tc, test_fnv1a_known_values);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(hex_suite)
