/* check_master.c: the master's crash-loop backoff. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "master.h"
#include "check_main.h"

static const struct {
	unsigned crashes;
	long ms;
} delays[] = {
	{ 1, 100 },
	{ 2, 200 },
	{ 3, 400 },
	{ 4, 800 },
	{ 5, 1600 },
	{ 6, 3200 },
	{ 7, 6400 },
	/* the cap: 12,800 would be next */
	{ 8, 10000 },
	{ 9, 10000 },
	{ 100, 10000 },
	{ 4000000000U, 10000 },
};

START_TEST(test_backoff_doubles_then_is_capped)
{
	ck_assert_int_eq(master_backoff_ms(delays[_i].crashes), delays[_i].ms);
}
END_TEST

static Suite *
master_suite(void)
{
	Suite *s = suite_create("master");
	TCase *tc = tcase_create("backoff");

	tcase_add_loop_test(tc, test_backoff_doubles_then_is_capped, 0,
	    sizeof(delays) / sizeof(delays[0]));
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(master_suite)
