/* check_buf.c: bounded buffers and the block pool. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check_main.h"

START_TEST(test_grows_within_max)
{
	struct buf b;
	char chunk[100];
	size_t i;

	ck_assert_int_eq(buf_init(&b, 0, 1000), 0);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(b.failed, 0);
	for (i = 0; i < 10; i++) {
		memset(chunk, 'a' + (int)i, sizeof(chunk));
		buf_add(&b, chunk, sizeof(chunk));
		ck_assert_uint_eq(b.len, (i + 1) * sizeof(chunk));
		ck_assert_uint_le(b.cap, b.max);
		ck_assert_uint_ge(b.cap, b.len);
	}
	/* filled exactly to max: not a failure */
	ck_assert_int_eq(b.failed, 0);
	ck_assert_uint_eq(b.len, 1000);
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(b.data[i], 'a' + (int)(i / 100));
	buf_free(&b);
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(test_initial_capacity_used_first)
{
	struct buf b;
	char *first;

	ck_assert_int_eq(buf_init(&b, 64, 4096), 0);
	ck_assert_ptr_nonnull(b.data);
	ck_assert_uint_eq(b.cap, 64);
	first = b.data;
	buf_add(&b, "0123456789", 10);
	ck_assert_ptr_eq(b.data, first);
	ck_assert_uint_eq(b.cap, 64);
	ck_assert_int_eq(buf_reserve(&b, 54), 0);
	ck_assert_uint_eq(b.cap, 64);
	ck_assert_int_eq(buf_reserve(&b, 55), 0);
	ck_assert_uint_ge(b.cap, 65);
	ck_assert_int_eq(memcmp(b.data, "0123456789", 10), 0);
	buf_free(&b);
}
END_TEST

/*
 * Nothing added to a buffer that has no memory yet: no allocation, no
 * failure, and no memcpy to NULL (which UBSan, in the ASan build, would
 * report: an empty string added to an empty buffer once did that).
 */
START_TEST(test_add_nothing_to_an_empty_buffer)
{
	struct buf b;

	ck_assert_int_eq(buf_init(&b, 0, 16), 0);
	ck_assert_ptr_null(b.data);
	buf_add(&b, "", 0);
	buf_adds(&b, "");
	BUF_ADDLIT(&b, "");
	buf_add_grow(&b, "", 0);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(b.failed, 0);
	buf_add(&b, "ab", 2);
	buf_add_grow(&b, "", 0);
	ck_assert_uint_eq(b.len, 2);
	ck_assert_int_eq(memcmp(b.data, "ab", 2), 0);
	buf_free(&b);
}
END_TEST

/* A bound under the first allocation size still bounds the buffer. */
START_TEST(test_cap_never_exceeds_small_max)
{
	struct buf b;

	ck_assert_int_eq(buf_init(&b, 0, 10), 0);
	buf_addc(&b, 'a');
	ck_assert_int_eq(b.failed, 0);
	ck_assert_uint_le(b.cap, 10);
	buf_add(&b, "123456789", 9);
	ck_assert_int_eq(b.failed, 0);
	ck_assert_uint_eq(b.len, 10);
	ck_assert_uint_le(b.cap, 10);
	buf_free(&b);
}
END_TEST

START_TEST(test_past_max_fails_and_keeps_content)
{
	struct buf b;

	ck_assert_int_eq(buf_init(&b, 0, 10), 0);
	buf_adds(&b, "hello");
	ck_assert_int_eq(b.failed, 0);
	buf_adds(&b, "worldwide");
	ck_assert_int_eq(b.failed, 1);
	ck_assert_uint_eq(b.len, 5);
	ck_assert_int_eq(memcmp(b.data, "hello", 5), 0);
	ck_assert_uint_le(b.cap, 10);
	/* once failed, nothing more goes in, even what would fit */
	buf_addc(&b, '!');
	buf_adds(&b, "x");
	buf_addu(&b, 7);
	buf_addf(&b, "%d", 1);
	ck_assert_uint_eq(b.len, 5);
	ck_assert_int_eq(buf_reserve(&b, 1), -1);
	ck_assert_int_eq(memcmp(b.data, "hello", 5), 0);
	buf_free(&b);
}
END_TEST

START_TEST(test_one_byte_past_max_fails)
{
	struct buf b;
	char big[300];

	memset(big, 'z', sizeof(big));
	ck_assert_int_eq(buf_init(&b, 0, 300), 0);
	buf_add(&b, big, 299);
	buf_addc(&b, 'y');
	ck_assert_int_eq(b.failed, 0);
	ck_assert_uint_eq(b.len, 300);
	buf_addc(&b, 'x');
	ck_assert_int_eq(b.failed, 1);
	ck_assert_uint_eq(b.len, 300);
	ck_assert_int_eq(b.data[299], 'y');
	buf_free(&b);
}
END_TEST

START_TEST(test_huge_reserve_fails_without_overflow)
{
	struct buf b;

	ck_assert_int_eq(buf_init(&b, 0, 1024), 0);
	buf_adds(&b, "abc");
	ck_assert_int_eq(buf_reserve(&b, SIZE_MAX), -1);
	ck_assert_int_eq(b.failed, 1);
	ck_assert_uint_eq(b.len, 3);
	buf_free(&b);

	ck_assert_int_eq(buf_init(&b, 0, SIZE_MAX), 0);
	buf_adds(&b, "abc");
	ck_assert_int_eq(buf_reserve(&b, SIZE_MAX - 1), -1);
	ck_assert_int_eq(b.failed, 1);
	ck_assert_uint_eq(b.len, 3);
	buf_free(&b);
}
END_TEST

struct addu_case {
	uint64_t v;
	const char *s;
};

static const struct addu_case addus[] = {
	{ 0, "0" },
	{ 1, "1" },
	{ 9, "9" },
	{ 10, "10" },
	{ 1234567890, "1234567890" },
	{ UINT32_MAX, "4294967295" },
	{ (uint64_t)INT64_MAX, "9223372036854775807" },
	{ UINT64_MAX, "18446744073709551615" },
};

#define NADDUS (int)(sizeof(addus) / sizeof(addus[0]))

START_TEST(test_addu)
{
	const struct addu_case *c = &addus[_i];
	struct buf b;

	ck_assert_int_eq(buf_init(&b, 0, 64), 0);
	buf_addc(&b, '[');
	buf_addu(&b, c->v);
	buf_addc(&b, ']');
	ck_assert_int_eq(b.failed, 0);
	ck_assert_msg(b.len == strlen(c->s) + 2 &&
		memcmp(b.data + 1, c->s, strlen(c->s)) == 0 &&
		b.data[0] == '[' && b.data[b.len - 1] == ']',
	    "%s: got \"%.*s\"", c->s, (int)b.len, b.data);
	buf_free(&b);
}
END_TEST

START_TEST(test_addu_past_max_adds_nothing)
{
	struct buf b;

	ck_assert_int_eq(buf_init(&b, 0, 5), 0);
	buf_adds(&b, "ab");
	buf_addu(&b, 12345);
	ck_assert_int_eq(b.failed, 1);
	ck_assert_uint_eq(b.len, 2);
	buf_free(&b);
}
END_TEST

START_TEST(test_addf)
{
	struct buf b;

	ck_assert_int_eq(buf_init(&b, 0, 64), 0);
	buf_addf(&b, "%d-%s-%c", 42, "x", 'y');
	ck_assert_uint_eq(b.len, 6);
	ck_assert_int_eq(memcmp(b.data, "42-x-y", 6), 0);
	buf_addf(&b, "%s", "");
	ck_assert_uint_eq(b.len, 6);
	ck_assert_int_eq(b.failed, 0);
	buf_free(&b);

	/* past max: failed, the content before it kept whole */
	ck_assert_int_eq(buf_init(&b, 0, 8), 0);
	buf_adds(&b, "abc");
	buf_addf(&b, "%s", "0123456789");
	ck_assert_int_eq(b.failed, 1);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_int_eq(memcmp(b.data, "abc", 3), 0);
	buf_free(&b);
}
END_TEST

/* buf_addf may use the byte for its NUL, but what fits exactly fits. */
START_TEST(test_addf_exactly_to_max)
{
	struct buf b;

	ck_assert_int_eq(buf_init(&b, 0, 8), 0);
	buf_addf(&b, "%s", "0123456");
	ck_assert_int_eq(b.failed, 0);
	ck_assert_uint_eq(b.len, 7);
	buf_addc(&b, '7');
	ck_assert_int_eq(b.failed, 0);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_int_eq(memcmp(b.data, "01234567", 8), 0);
	buf_free(&b);
}
END_TEST

START_TEST(test_pool_get_put_keep_bound)
{
	struct buf_pool p;
	char *a, *b, *c, *d;

	ck_assert_int_eq(buf_pool_init(&p, 64, 2), 0);
	ck_assert_uint_eq(p.nfree, 0);
	a = buf_pool_get(&p);
	b = buf_pool_get(&p);
	c = buf_pool_get(&p);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_ne(a, b);
	ck_assert_ptr_ne(b, c);
	ck_assert_ptr_ne(a, c);
	/* each block has size bytes */
	memset(a, 1, 64);
	memset(b, 2, 64);
	memset(c, 3, 64);

	buf_pool_put(&p, a);
	ck_assert_uint_eq(p.nfree, 1);
	buf_pool_put(&p, b);
	ck_assert_uint_eq(p.nfree, 2);
	buf_pool_put(&p, c); /* over keep: freed */
	ck_assert_uint_eq(p.nfree, 2);
	buf_pool_put(&p, NULL);
	ck_assert_uint_eq(p.nfree, 2);

	/* kept blocks are handed out again before new ones */
	d = buf_pool_get(&p);
	ck_assert_msg(d == a || d == b, "a fresh block, not a kept one");
	ck_assert_uint_eq(p.nfree, 1);
	buf_pool_put(&p, d);
	buf_pool_free(&p);
	ck_assert_uint_eq(p.nfree, 0);
}
END_TEST

START_TEST(test_pool_keep_zero_keeps_nothing)
{
	struct buf_pool p;
	char *a;

	ck_assert_int_eq(buf_pool_init(&p, 32, 0), 0);
	a = buf_pool_get(&p);
	ck_assert_ptr_nonnull(a);
	buf_pool_put(&p, a);
	ck_assert_uint_eq(p.nfree, 0);
	buf_pool_free(&p);
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc;

	tc = tcase_create("buf");
	tcase_add_test(tc, test_grows_within_max);
	tcase_add_test(tc, test_initial_capacity_used_first);
	tcase_add_test(tc, test_add_nothing_to_an_empty_buffer);
	tcase_add_test(tc, test_cap_never_exceeds_small_max);
	tcase_add_test(tc, test_past_max_fails_and_keeps_content);
	tcase_add_test(tc, test_one_byte_past_max_fails);
	tcase_add_test(tc, test_huge_reserve_fails_without_overflow);
	tcase_add_loop_test(tc, test_addu, 0, NADDUS);
	tcase_add_test(tc, test_addu_past_max_adds_nothing);
	tcase_add_test(tc, test_addf);
	tcase_add_test(tc, test_addf_exactly_to_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("pool");
	tcase_add_test(tc, test_pool_get_put_keep_bound);
	tcase_add_test(tc, test_pool_keep_zero_keeps_nothing);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(buf_suite)
