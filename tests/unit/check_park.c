/* check_park.c: requests waiting on an fd are woken, each once, and let go. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "park.h"
#include "check_main.h"

static int woken[4], dued[4];

static void
wake(struct parked *p)
{
	woken[(intptr_t)p->owner]++;
}

static void
due(struct parked *p)
{
	dued[(intptr_t)p->owner]++;
}

static struct parked *
parked_on(int fd, intptr_t who)
{
	struct http_request req;
	struct hreq q;
	char join[16] = "a, b";
	struct parked *p;

	memset(&req, 0, sizeof(req));
	memset(&q, 0, sizeof(q));
	req.if_none_match.p = join;
	req.if_none_match.len = 4;
	q.path = "/x";
	q.len = 2;
	q.wait.fd = fd;
	q.wait.events = EV_READ;
	p = park_new(&req, &q, join, sizeof(join), (void *)who, 10);
	ck_assert_ptr_nonnull(p);
	/* what pointed into the shared buffers is its own now */
	memset(join, 'z', sizeof(join));
	ck_assert_mem_eq(p->req.if_none_match.p, "a, b", 4);
	ck_assert_str_eq(p->q.path, "/x");
	ck_assert_ptr_eq(p->q.req, &p->req);
	return p;
}

static int
turn(struct ev_loop *loop)
{
	sigset_t none;
	int n;

	sigemptyset(&none);
	n = ev_wait(loop, 0, &none);
	if (n > 0)
		ev_dispatch(loop, n);
	return n;
}

/* A pipe, and requests 1 and 2 both waiting to read it. */
static void
two_on_a_pipe(struct park_fds *set, struct ev_loop *loop, int fds[2],
    struct parked **a, struct parked **b)
{
	memset(woken, 0, sizeof(woken));
	memset(dued, 0, sizeof(dued));
	ck_assert_int_eq(pipe(fds), 0);
	park_fds_init(set, loop, wake, due);
	*a = parked_on(fds[0], 1);
	*b = parked_on(fds[0], 2);
	ck_assert_int_eq(park_watch(set, *a), 0);
	ck_assert_int_eq(park_watch(set, *b), 0);
}

START_TEST(test_two_on_one_fd_each_woken_once)
{
	struct ev_loop *loop = ev_create(8);
	struct park_fds set;
	struct parked *a, *b;
	int fds[2];

	two_on_a_pipe(&set, loop, fds, &a, &b);
	ck_assert_int_eq(turn(loop), 0); /* nothing to read yet */
	ck_assert_int_eq(woken[1] + woken[2], 0);
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	ck_assert_int_eq(turn(loop), 1);
	ck_assert_int_eq(woken[1], 1);
	ck_assert_int_eq(woken[2], 1);
	/* nobody waits: the fd is no longer watched, though still readable */
	ck_assert_int_eq(turn(loop), 0);
	ck_assert_ptr_null(a->on);
	park_free(a);
	park_free(b);
	close(fds[0]);
	close(fds[1]);
	ev_free(loop);
}
END_TEST

START_TEST(test_unwatched_one_is_not_woken)
{
	struct ev_loop *loop = ev_create(8);
	struct park_fds set;
	struct parked *a, *b;
	int fds[2];

	two_on_a_pipe(&set, loop, fds, &a, &b);
	park_unwatch(a); /* its time ran out first */
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	ck_assert_int_eq(turn(loop), 1);
	ck_assert_int_eq(woken[1], 0);
	ck_assert_int_eq(woken[2], 1);
	park_free(a);
	park_free(b);
	close(fds[0]);
	close(fds[1]);
	ev_free(loop);
}
END_TEST

START_TEST(test_last_one_unwatched_stops_the_watch)
{
	struct ev_loop *loop = ev_create(8);
	struct park_fds set;
	struct parked *a;
	int fds[2];

	memset(woken, 0, sizeof(woken));
	ck_assert_int_eq(pipe(fds), 0);
	park_fds_init(&set, loop, wake, due);
	a = parked_on(fds[0], 1);
	ck_assert_int_eq(park_watch(&set, a), 0);
	ck_assert_int_eq(set.fd[0].ev.fd, fds[0]);
	park_free(a);
	ck_assert_int_eq(set.fd[0].ev.fd, -1);
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	ck_assert_int_eq(turn(loop), 0);
	ck_assert_int_eq(woken[1], 0);
	close(fds[0]);
	close(fds[1]);
	ev_free(loop);
}
END_TEST

static int other_ready;

static void
on_other(struct ev_loop *loop, struct ev_handle *h, unsigned events)
{
	(void)loop;
	(void)h;
	(void)events;
	other_ready++;
}

/*
 * An fd waited on is closed by its owner, who says so first
 * (handler_fd_closing): it is unwatched while still open and its waiters
 * are due, not called. Its number then comes back as another file that
 * the loop watches for someone else: the old waiter's end (its time ran
 * out) must not unwatch that one.
 */
START_TEST(test_closing_fd_is_unwatched_its_number_left_alone)
{
	struct ev_loop *loop = ev_create(8);
	struct park_fds set;
	struct ev_handle other = { on_other, -1 };
	struct parked *a, *b;
	int fds[2], again[2];

	other_ready = 0;
	two_on_a_pipe(&set, loop, fds, &a, &b);
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	handler_fd_closing(fds[0]);
	ck_assert_int_eq(set.fd[0].ev.fd, -1);
	ck_assert_int_eq(dued[1], 1);
	ck_assert_int_eq(dued[2], 1);
	ck_assert_int_eq(turn(loop), 0); /* no longer watched */
	ck_assert_int_eq(woken[1] + woken[2], 0);
	close(fds[0]);
	close(fds[1]);

	/* the lowest numbers come back: the same number, another pipe */
	ck_assert_int_eq(pipe(again), 0);
	ck_assert_int_eq(again[0], fds[0]);
	other.fd = again[0];
	ck_assert_int_eq(ev_add(loop, &other, EV_READ), 0);
	park_unwatch(a);
	park_free(b);
	ck_assert_int_eq(write(again[1], "y", 1), 1);
	ck_assert_int_eq(turn(loop), 1);
	ck_assert_int_eq(other_ready, 1);
	ck_assert_int_eq(woken[1] + woken[2], 0);
	park_free(a);
	close(again[0]);
	close(again[1]);
	ev_free(loop);
}
END_TEST

/* No fd (a wait for time only) is nothing for park to watch. */
START_TEST(test_time_only_wait_watches_nothing)
{
	struct ev_loop *loop = ev_create(8);
	struct park_fds set;
	struct parked *a;
	size_t i;

	park_fds_init(&set, loop, wake, due);
	a = parked_on(-1, 1);
	ck_assert_int_eq(park_watch(&set, a), 0);
	for (i = 0; i < PARK_FDS; i++)
		ck_assert_int_eq(set.fd[i].ev.fd, -1);
	park_free(a);
	ev_free(loop);
}
END_TEST

static Suite *
park_suite(void)
{
	Suite *s = suite_create("park");
	TCase *tc = tcase_create("watch");

	tcase_add_test(tc, test_two_on_one_fd_each_woken_once);
	tcase_add_test(tc, test_unwatched_one_is_not_woken);
	tcase_add_test(tc, test_last_one_unwatched_stops_the_watch);
	tcase_add_test(tc, test_time_only_wait_watches_nothing);
	tcase_add_test(tc, test_closing_fd_is_unwatched_its_number_left_alone);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(park_suite)
