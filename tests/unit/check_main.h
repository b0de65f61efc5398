/*
 * check_main.h: the main() every unit test binary shares.
 *
 * CHECK_MAIN(name_suite) defines main() to run the Suite that
 * name_suite() builds and to exit 0 only if every test in it passed;
 * check_run() is that body, for a main() that must decide first whether
 * its tests can run at all (exit 77: skipped).
 */
/* SPDX-License-Identifier: ISC */
#ifndef CHECK_MAIN_H
#define CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int
check_run(Suite *suite)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#define CHECK_MAIN(suite_fn) \
	int main(void) \
	{ \
		return check_run(suite_fn()); \
	}

#endif
