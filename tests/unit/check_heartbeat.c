/* check_heartbeat.c: the master's verdict on a worker's slot. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "heartbeat.h"
#include "check_main.h"

#define NOW 1000001

static const struct {
	const char *name;
	int64_t busy; /* busy_since; 0: between requests */
	int64_t beat; /* 0: not yet */
	int64_t for_ms;
	unsigned timeout; /* s */
	enum heartbeat_verdict want;
} cases[] = {
	{ "beating", 0, NOW - 100, 0, 2, HEARTBEAT_OK },
	{ "silent at the limit", 0, NOW - 2000, 0, 2, HEARTBEAT_OK },
	{ "silent past the limit", 0, NOW - 2001, 2001, 2, HEARTBEAT_SILENT },
	{ "not started yet", 0, 0, 0, 2, HEARTBEAT_OK },
	{ "no watchdog", NOW - 99999, NOW - 99999, 0, 0, HEARTBEAT_OK },
	{ "in a request", NOW - 1500, NOW - 1500, 1500, 2, HEARTBEAT_OK },
	/* a request past the limit gets its 503, though the loop is silent */
	{ "stuck in a request", NOW - 2500, NOW - 9000, 2500, 2,
	    HEARTBEAT_STUCK },
};

START_TEST(test_verdict)
{
	struct scoreboard_slot s;
	int64_t late;

	memset(&s, 0, sizeof(s));
	s.busy_since = cases[_i].busy;
	s.beat = cases[_i].beat;
	ck_assert_msg(heartbeat_check(&s, cases[_i].timeout, NOW, &late) ==
		cases[_i].want,
	    "%s", cases[_i].name);
	ck_assert_int_eq(late, cases[_i].for_ms);
}
END_TEST

START_TEST(test_beat_is_never_zero)
{
	struct scoreboard_slot s;

	memset(&s, 0, sizeof(s));
	heartbeat_beat(&s, 0);
	ck_assert_int_ne(s.beat, 0);
	heartbeat_beat(NULL, 5);
}
END_TEST

START_TEST(test_interval_within_the_timeout)
{
	unsigned t;

	for (t = 1; t <= 120; t++)
		ck_assert_int_le((int64_t)heartbeat_interval_ms(t) * 2,
		    (int64_t)t * 1000);
	ck_assert_int_eq(heartbeat_interval_ms(60), 1000);
	ck_assert_int_gt(heartbeat_interval_ms(0), 0);
}
END_TEST

/* waitpid's status for an exit with code n, and for a death by signal n */
#define EXITED(n)   ((n) << 8)
#define SIGNALED(n) (n)

static const struct {
	const char *name;
	int64_t beat;  /* 0: never reached its loop */
	int64_t lived; /* ms */
	int status;
	int want;
} deaths[] = {
	{ "exit at start-up", 0, 5, EXITED(1), 1 },
	{ "SIGKILL at start-up", 0, 5, SIGNALED(SIGKILL), 1 },
	{ "SIGKILL while serving", NOW, 5, SIGNALED(SIGKILL), 0 },
	{ "SIGKILL at the window's edge", NOW, 999, SIGNALED(SIGKILL), 0 },
	{ "SIGSEGV while serving", NOW, 200, SIGNALED(SIGSEGV), 1 },
	{ "SIGSEGV with a core", NOW, 200, SIGNALED(SIGSEGV) | 0x80, 1 },
	{ "SIGABRT while serving", NOW, 999, SIGNALED(SIGABRT), 1 },
	{ "exit while serving", NOW, 200, EXITED(1), 1 },
	{ "exit 0 while serving", NOW, 200, EXITED(0), 1 },
	{ "SIGSEGV after the window", NOW, 1000, SIGNALED(SIGSEGV), 0 },
	{ "exit at start-up after the window", 0, 1000, EXITED(1), 0 },
};

START_TEST(test_crashed)
{
	struct scoreboard_slot s;

	memset(&s, 0, sizeof(s));
	s.beat = deaths[_i].beat;
	ck_assert_msg(heartbeat_crashed(&s, deaths[_i].status,
			  deaths[_i].lived) == deaths[_i].want,
	    "%s", deaths[_i].name);
	/* without a scoreboard, every young death counts */
	ck_assert_int_eq(heartbeat_crashed(NULL, deaths[_i].status,
			     deaths[_i].lived),
	    deaths[_i].lived < HEARTBEAT_CRASH_WINDOW_MS);
}
END_TEST

static Suite *
heartbeat_suite(void)
{
	Suite *s = suite_create("heartbeat");
	TCase *tc = tcase_create("verdict");

	tcase_add_loop_test(tc, test_verdict, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_beat_is_never_zero);
	tcase_add_test(tc, test_interval_within_the_timeout);
	suite_add_tcase(s, tc);
	tc = tcase_create("crashed");
	tcase_add_loop_test(tc, test_crashed, 0,
	    sizeof(deaths) / sizeof(deaths[0]));
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(heartbeat_suite)
