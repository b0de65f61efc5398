/* check_log.c: a worker's repeated warnings are written once, then counted. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "log.h"
#include "check_main.h"

/* log.c's LOG_REPEAT_QUIET_MS and LOG_REPEAT_SLOTS, as documented. */
#define QUIET_MS 500
#define SLOTS	 ((size_t)8)

static char path[64];

/* Each test runs in its own process (Check forks): a fresh logger. */
static void
setup(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_log.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	close(fd);
	ck_assert_int_eq(log_open(path, "off"), 0);
	log_set_role("worker", 1);
	date_update();
}

static void
teardown(void)
{
	unlink(path);
}

/* The error log so far, and its line count in *n. */
static char *
written(size_t *n)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t len;
	char *p;

	ck_assert_ptr_nonnull(f);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	*n = 0;
	for (p = buf; (p = strchr(p, '\n')) != NULL; p++)
		(*n)++;
	return buf;
}

START_TEST(test_a_flood_is_one_line_then_its_count)
{
	int64_t now = date_mono_ms();
	size_t n;
	int i;

	for (i = 0; i < 100; i++)
		log_warnx("message store: insert: disk full (%d)", i);
	written(&n);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(log_repeats_pending, 1);
	ck_assert_int_eq(log_repeat_deadline(), now + QUIET_MS);
	log_repeat_tick(now + QUIET_MS - 1, 0);
	written(&n);
	ck_assert_uint_eq(n, 1);
	log_repeat_tick(now + QUIET_MS, 0);
	ck_assert_ptr_nonnull(strstr(written(&n), "[warn] worker 1 "));
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_nonnull(strstr(written(&n),
	    "... repeated 99 times in 1 s: message store: insert: disk full "
	    "(99)\n"));
	ck_assert_uint_eq(log_repeats_pending, 0);
	ck_assert_int_eq(log_repeat_deadline(), INT64_MAX);
}
END_TEST

START_TEST(test_different_messages_are_each_written)
{
	size_t n;

	log_warnx("one");
	log_warnx("two");
	log_warnx("one 2"); /* a digit more: not the same text */
	log_warnx("two");
	written(&n);
	ck_assert_uint_eq(n, 3);
}
END_TEST

START_TEST(test_info_and_the_master_are_never_counted)
{
	size_t n;
	int i;

	for (i = 0; i < 5; i++)
		log_info("served %d", i);
	log_set_role("master", 0);
	for (i = 0; i < 5; i++)
		log_warnx("worker 1 (pid %d) exited", i);
	written(&n);
	ck_assert_uint_eq(n, 10);
	ck_assert_uint_eq(log_repeats_pending, 0);
}
END_TEST

/* More messages than slots: the one seen longest ago says its count. */
START_TEST(test_a_message_past_the_slots_makes_room)
{
	int64_t now = date_mono_ms();
	size_t n;
	size_t i;

	for (i = 0; i <= SLOTS; i++) {
		log_warnx("message %c", (char)('a' + i));
		log_warnx("message %c", (char)('a' + i));
	}
	/* SLOTS + 1 lines, and the first message's count, said early */
	ck_assert_ptr_nonnull(
	    strstr(written(&n), "... repeated 1 time in 1 s: message a\n"));
	ck_assert_uint_eq(n, SLOTS + 2);
	log_repeat_tick(now + QUIET_MS, 1);
	written(&n);
	ck_assert_uint_eq(n, 2 * (SLOTS + 1));
	ck_assert_uint_eq(log_repeats_pending, 0);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("repeat");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_a_flood_is_one_line_then_its_count);
	tcase_add_test(tc, test_different_messages_are_each_written);
	tcase_add_test(tc, test_info_and_the_master_are_never_counted);
	tcase_add_test(tc, test_a_message_past_the_slots_makes_room);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(log_suite)
