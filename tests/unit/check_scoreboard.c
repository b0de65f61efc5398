/* check_scoreboard.c: worker counters, their fold into retired totals. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/mman.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "scoreboard.h"
#include "check_main.h"

static struct scoreboard *sb;
static struct scoreboard_view *v;

static void
setup(void)
{
	sb = scoreboard_create();
	ck_assert_ptr_nonnull(sb);
	v = malloc(sizeof(*v));
	ck_assert_ptr_nonnull(v);
}

static void
teardown(void)
{
	munmap(sb, sizeof(*sb));
	free(v);
}

/* Sums a view's status counts of class cls (1..5). */
static uint64_t
class_sum(const struct scoreboard_counters *c, int cls)
{
	uint64_t n = 0;
	size_t i, m;

	for (i = 0; i < SCOREBOARD_CODES; i++)
		for (m = 0; m < HTTP_METHOD_COUNT; m++)
			if (scoreboard_code_class(i) == cls)
				n += c->code[i][m];
	return n;
}

static const struct {
	int status;
	int cls;
} statuses[] = {
	{ 200, 2 },
	{ 204, 2 },
	{ 299, 2 }, /* not counted alone: as "2xx" */
	{ 304, 3 },
	{ 404, 4 },
	{ 431, 4 },
	{ 503, 5 },
	{ 599, 5 },
	{ 101, 1 },
};

START_TEST(test_each_status_counts_in_its_class)
{
	struct scoreboard_slot *s = scoreboard_slot_start(sb, 0, 1, 1);
	int cls;

	scoreboard_count(s, (unsigned)statuses[_i].status, HTTP_METHOD_GET, 10,
	    700);
	ck_assert_int_eq(scoreboard_read(sb, v), 0);
	for (cls = 1; cls <= 5; cls++)
		ck_assert_uint_eq(class_sum(&v->total, cls),
		    cls == statuses[_i].cls ? 1 : 0);
	ck_assert_uint_eq(v->total.requests, 1);
	ck_assert_uint_eq(v->total.bytes, 10);
	/* 700 us: above 500, at most 1000 */
	ck_assert_uint_eq(v->total.duration[1], 1);
}
END_TEST

START_TEST(test_codes_table_has_no_gap)
{
	size_t i, j;

	for (i = 1; i < SCOREBOARD_CODES; i++) {
		ck_assert_int_ne(scoreboard_code(i), 0);
		for (j = 1; j < i; j++)
			ck_assert_int_ne(scoreboard_code(i),
			    scoreboard_code(j));
	}
	for (i = 0; i < SCOREBOARD_STATE_COUNT; i++)
		ck_assert_ptr_nonnull(scoreboard_state_names[i]);
	for (i = 0; i < SCOREBOARD_CONN_COUNT; i++)
		ck_assert_ptr_nonnull(scoreboard_conn_names[i]);
	for (i = 0; i < SCOREBOARD_RESTART_COUNT; i++)
		ck_assert_ptr_nonnull(scoreboard_restart_names[i]);
	for (i = 0; i < SCOREBOARD_STORE_OP_COUNT; i++)
		ck_assert_ptr_nonnull(scoreboard_store_op_names[i]);
	for (i = 0; i < SCOREBOARD_STORE_RESULT_COUNT; i++)
		ck_assert_ptr_nonnull(scoreboard_store_result_names[i]);
	for (i = 1; i < SCOREBOARD_BUCKETS; i++)
		ck_assert_uint_gt(scoreboard_bucket_us[i],
		    scoreboard_bucket_us[i - 1]);
}
END_TEST

/* A worker gone: its counts stay in the totals, its slot is free. */
START_TEST(test_totals_survive_a_worker)
{
	struct scoreboard_slot *a = scoreboard_slot_start(sb, 0, 1, 1);
	struct scoreboard_slot *b = scoreboard_slot_start(sb, 1, 1, 2);
	int i;

	for (i = 0; i < 5; i++)
		scoreboard_count(a, 200, HTTP_METHOD_GET, 100, 50);
	for (i = 0; i < 3; i++)
		scoreboard_count(b, 404, HTTP_METHOD_HEAD, 0, 20000000);
	ck_assert_int_eq(scoreboard_read(sb, v), 0);
	ck_assert_uint_eq(v->total.requests, 8);
	scoreboard_slot_gone(sb, 0);
	ck_assert_int_eq(sb->slots[0].state, SCOREBOARD_FREE);
	ck_assert_int_eq(scoreboard_read(sb, v), 0);
	ck_assert_uint_eq(v->total.requests, 8);
	ck_assert_uint_eq(v->total.bytes, 500);
	ck_assert_uint_eq(class_sum(&v->total, 2), 5);
	ck_assert_uint_eq(class_sum(&v->total, 4), 3);
	/* past the last bound: +Inf */
	ck_assert_uint_eq(v->total.duration[SCOREBOARD_BUCKETS], 3);
	ck_assert_uint_eq(v->total.duration[0], 5);
	/* a new worker in the freed slot starts from zero */
	a = scoreboard_slot_start(sb, 0, 2, 1);
	ck_assert_uint_eq(a->c.requests, 0);
	scoreboard_count(a, 500, HTTP_METHOD_POST, 1, 1);
	ck_assert_int_eq(scoreboard_read(sb, v), 0);
	ck_assert_uint_eq(v->total.requests, 9);
	ck_assert_uint_eq(v->nslots, 2);
}
END_TEST

START_TEST(test_master_figures)
{
	scoreboard_reload(sb, 1, NULL);
	scoreboard_reload(sb, 0, "gua.ini:3: [server] port: bad");
	scoreboard_restart(sb, SCOREBOARD_RESTART_STUCK);
	scoreboard_generation(sb, 4);
	ck_assert_int_eq(scoreboard_read(sb, v), 0);
	ck_assert_uint_eq(v->master.reloads_ok, 1);
	ck_assert_uint_eq(v->master.reloads_failed, 1);
	ck_assert_str_eq(v->master.reload_error,
	    "gua.ini:3: [server] port: bad");
	ck_assert_uint_eq(v->master.restarts[SCOREBOARD_RESTART_STUCK], 1);
	ck_assert_uint_eq(v->master.gen, 4);
	ck_assert_uint_eq(v->master.seq % 2, 0);
}
END_TEST

static Suite *
scoreboard_suite(void)
{
	Suite *s = suite_create("scoreboard");
	TCase *tc = tcase_create("counters");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_each_status_counts_in_its_class, 0,
	    sizeof(statuses) / sizeof(statuses[0]));
	tcase_add_test(tc, test_codes_table_has_no_gap);
	tcase_add_test(tc, test_totals_survive_a_worker);
	tcase_add_test(tc, test_master_figures);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(scoreboard_suite)
