/* check_hex.c: hexadecimal digits both ways, and FNV-1a. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdio.h>
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

/*
 * The table hash: the same bytes give the same hash, and every key below
 * differs from the others, including keys that differ only in length,
 * in a trailing zero byte, in one byte of a word or of a short tail, or
 * in the seed.
 */
START_TEST(test_hash_tells_keys_apart)
{
	static const char text[] = "/static/images/logo.png?v=1234567";
	char zeros[9] = { 0 };
	uint64_t seen[160];
	size_t n = 0, i, j, len;

	for (len = 0; len < sizeof(text); len++) {
		seen[n++] = hex_hash(0, text, len);
		ck_assert_uint_eq(seen[n - 1], hex_hash(0, text, len));
	}
	for (len = 1; len <= sizeof(zeros); len++)
		seen[n++] = hex_hash(0, zeros, len);
	for (i = 0; i < 17; i++) {
		char k[17];

		memcpy(k, text, sizeof(k));
		k[i] ^= 1;
		seen[n++] = hex_hash(0, k, sizeof(k));
	}
	for (i = 1; i < 4; i++)
		seen[n++] = hex_hash(i, text, 16);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (seen[i] == seen[j])
				ck_abort_msg("keys %zu and %zu hash alike", i,
				    j);
}
END_TEST

/* Short keys spread over the low bits the tables index by. */
START_TEST(test_hash_spreads_over_low_bits)
{
	unsigned hits[64] = { 0 };
	char key[8];
	unsigned i, used = 0;

	for (i = 0; i < 640; i++) {
		int len = snprintf(key, sizeof(key), "/%u", i);

		hits[hex_hash(0, key, (size_t)len) & 63]++;
	}
	for (i = 0; i < 64; i++) {
		used += hits[i] > 0;
		ck_assert_uint_le(hits[i], 30);
	}
	ck_assert_uint_eq(used, 64);
}
END_TEST

static Suite *
hex_suite(void)
{
	Suite *s = suite_create("hex");
	TCase *tc = tcase_create("hex");

	tcase_add_test(tc, test_every_byte_has_its_value);
	tcase_add_test(tc, test_hash_tells_keys_apart);
	tcase_add_test(tc, test_hash_spreads_over_low_bits);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(hex_suite)
