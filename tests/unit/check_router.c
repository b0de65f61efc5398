/* check_router.c: exact routes, then the longest dir prefix. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handler.h"
#include "msg.h"
#include "router.h"
#include "static.h"
#include "check_main.h"

/* Fills a route; path is used in place. */
static void
route_set(struct route *r, const char *path, const struct handler *h, int line)
{
	memset(r, 0, sizeof(*r));
	r->path = (char *)(uintptr_t)path;
	r->len = strlen(path);
	r->handler = h;
	r->arg = (char *)(uintptr_t) "x";
	r->line = line;
	r->fd = -1;
}

static const struct route *
match(const struct router *rt, const char *path)
{
	return router_match(rt, path, strlen(path));
}

static void
build(struct router *rt, struct route *routes, size_t n)
{
	const struct route *dup = NULL;

	ck_assert_int_eq(router_build(rt, routes, n, &dup), 0);
}

START_TEST(test_exact_beats_prefix)
{
	struct route r[3];
	struct router rt;

	route_set(&r[0], "/", &handler_dir, 1);
	route_set(&r[1], "/msg", &handler_msg, 2);
	route_set(&r[2], "/index.html", &handler_file, 3);
	build(&rt, r, 3);
	ck_assert_ptr_eq(match(&rt, "/msg"), &r[1]);
	ck_assert_ptr_eq(match(&rt, "/index.html"), &r[2]);
	ck_assert_ptr_eq(match(&rt, "/msg/"), &r[0]);
	ck_assert_ptr_eq(match(&rt, "/msgx"), &r[0]);
	ck_assert_ptr_eq(match(&rt, "/ms"), &r[0]);
	ck_assert_ptr_eq(match(&rt, "/index.html/x"), &r[0]);
	router_free(&rt);
}
END_TEST

START_TEST(test_exact_only_matches_exactly)
{
	struct route r[2];
	struct router rt;

	route_set(&r[0], "/a", &handler_file, 1);
	route_set(&r[1], "/", &handler_file, 2);
	build(&rt, r, 2);
	ck_assert_ptr_eq(match(&rt, "/a"), &r[0]);
	ck_assert_ptr_eq(match(&rt, "/"), &r[1]);
	ck_assert_ptr_null(match(&rt, "/a/"));
	ck_assert_ptr_null(match(&rt, "/ab"));
	ck_assert_ptr_null(match(&rt, "/b"));
	ck_assert_ptr_null(match(&rt, "/A"));
	/* a file route is not a prefix */
	ck_assert_ptr_null(router_match_dir(&rt, "/a/b", 4));
	router_free(&rt);
}
END_TEST

START_TEST(test_longest_prefix_wins)
{
	struct route r[4];
	struct router rt;

	/* given longest first, so that order of definition cannot help */
	route_set(&r[0], "/static/img/", &handler_dir, 1);
	route_set(&r[1], "/static/", &handler_dir, 2);
	route_set(&r[2], "/", &handler_dir, 3);
	route_set(&r[3], "/static/img/big/", &handler_dir, 4);
	build(&rt, r, 4);
	ck_assert_ptr_eq(match(&rt, "/static/img/a.png"), &r[0]);
	ck_assert_ptr_eq(match(&rt, "/static/img/"), &r[0]);
	ck_assert_ptr_eq(match(&rt, "/static/img/big/x/y.png"), &r[3]);
	ck_assert_ptr_eq(match(&rt, "/static/img/bigger.png"), &r[0]);
	ck_assert_ptr_eq(match(&rt, "/static/x.css"), &r[1]);
	ck_assert_ptr_eq(match(&rt, "/static/im/g"), &r[1]);
	ck_assert_ptr_eq(match(&rt, "/staticx"), &r[2]);
	ck_assert_ptr_eq(match(&rt, "/static"), &r[2]);
	ck_assert_ptr_eq(match(&rt, "/"), &r[2]);
	router_free(&rt);
}
END_TEST

START_TEST(test_root_dir_catches_all)
{
	static const char *const paths[] = {
		"/",
		"/a",
		"/a/",
		"/a/b/c/d.txt",
		"/msg",
		"/.hidden",
		"/%",
	};
	struct route r[1];
	struct router rt;
	size_t i;

	route_set(&r[0], "/", &handler_dir, 1);
	build(&rt, r, 1);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		ck_assert_msg(match(&rt, paths[i]) == &r[0], "%s", paths[i]);
	router_free(&rt);
}
END_TEST

START_TEST(test_root_dir_and_file_and_msg)
{
	struct route r[3];
	struct router rt;

	/* "/ = file index.html", "/ = dir .", "/msg = msg msg.html" */
	route_set(&r[0], "/", &handler_file, 1);
	route_set(&r[1], "/", &handler_dir, 2);
	route_set(&r[2], "/msg", &handler_msg, 3);
	build(&rt, r, 3);
	ck_assert_ptr_eq(match(&rt, "/"), &r[0]);
	ck_assert_ptr_eq(match(&rt, "/msg"), &r[2]);
	ck_assert_ptr_eq(match(&rt, "/doge.gif"), &r[1]);
	ck_assert_ptr_eq(router_match_dir(&rt, "/", 1), &r[1]);
	router_free(&rt);
}
END_TEST

START_TEST(test_dir_needs_trailing_slash)
{
	struct route r[1];
	struct router rt;

	route_set(&r[0], "/static/", &handler_dir, 1);
	build(&rt, r, 1);
	ck_assert_ptr_null(match(&rt, "/static"));
	ck_assert_ptr_null(router_match_dir(&rt, "/static", 7));
	ck_assert_ptr_eq(router_match_dir(&rt, "/static/", 8), &r[0]);
	ck_assert_ptr_eq(router_match_dir(&rt, "/static/a", 9), &r[0]);
	ck_assert_ptr_eq(match(&rt, "/static/"), &r[0]);
	ck_assert_ptr_null(match(&rt, "/staticfile"));
	ck_assert_ptr_null(match(&rt, "/"));
	/* only len bytes of the path count */
	ck_assert_ptr_null(router_match_dir(&rt, "/static/", 7));
	router_free(&rt);
}
END_TEST

/* router_find_dir: the dir route with exactly this prefix, no shorter one. */
START_TEST(test_find_dir_is_exact)
{
	struct route r[3];
	struct router rt;

	route_set(&r[0], "/", &handler_dir, 1);
	route_set(&r[1], "/static/", &handler_dir, 2);
	route_set(&r[2], "/static/", &handler_file, 3);
	build(&rt, r, 3);
	ck_assert_ptr_eq(router_find_dir(&rt, "/static/", 8), &r[1]);
	ck_assert_ptr_eq(router_find_dir(&rt, "/", 1), &r[0]);
	ck_assert_ptr_null(router_find_dir(&rt, "/static/a/", 10));
	ck_assert_ptr_null(router_find_dir(&rt, "/stat/", 6));
	ck_assert_ptr_null(router_find_dir(&rt, "/static", 7));
	router_free(&rt);
}
END_TEST

START_TEST(test_no_routes)
{
	struct router rt;

	build(&rt, NULL, 0);
	ck_assert_ptr_null(match(&rt, "/"));
	ck_assert_ptr_null(match(&rt, "/a/b"));
	router_free(&rt);
}
END_TEST

START_TEST(test_duplicate_is_the_later_line)
{
	struct route r[4];
	struct router rt;
	const struct route *dup = NULL;

	route_set(&r[0], "/b", &handler_file, 9);
	route_set(&r[1], "/a", &handler_file, 7);
	route_set(&r[2], "/a", &handler_msg, 3);
	route_set(&r[3], "/c", &handler_file, 1);
	ck_assert_int_eq(router_build(&rt, r, 4, &dup), -1);
	ck_assert_ptr_eq(dup, &r[1]);
	router_free(&rt);

	route_set(&r[0], "/s/", &handler_dir, 2);
	route_set(&r[1], "/s/", &handler_dir, 5);
	route_set(&r[2], "/s/", &handler_file, 1);
	dup = NULL;
	ck_assert_int_eq(router_build(&rt, r, 3, &dup), -1);
	ck_assert_ptr_eq(dup, &r[1]);
	router_free(&rt);
}
END_TEST

#define MANY 1000

/* A thousand routes, half exact, half prefixes, given out of order. */
START_TEST(test_thousand_routes_all_found)
{
	struct route *r;
	struct router rt;
	char(*paths)[32], look[48];
	size_t i, k;

	r = calloc(MANY, sizeof(*r));
	paths = calloc(MANY, sizeof(*paths));
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(paths);
	for (i = 0; i < MANY; i++) {
		k = (i * 7919) % MANY; /* a permutation */
		if (k % 2 == 0)
			snprintf(paths[i], sizeof(paths[i]), "/f%zu", k);
		else
			snprintf(paths[i], sizeof(paths[i]), "/d%zu/", k);
		route_set(&r[i], paths[i],
		    k % 2 == 0 ? &handler_file : &handler_dir, (int)i + 1);
	}
	build(&rt, r, MANY);
	for (i = 0; i < MANY; i++) {
		ck_assert_msg(match(&rt, paths[i]) == &r[i], "%s", paths[i]);
		if (r[i].handler == &handler_dir) {
			snprintf(look, sizeof(look), "%sx/y.html", paths[i]);
			ck_assert_msg(match(&rt, look) == &r[i], "%s", look);
		} else {
			snprintf(look, sizeof(look), "%s/", paths[i]);
			ck_assert_msg(match(&rt, look) == NULL, "%s", look);
		}
	}
	ck_assert_ptr_null(match(&rt, "/f1"));
	ck_assert_ptr_null(match(&rt, "/d0/"));
	ck_assert_ptr_null(match(&rt, "/f1000"));
	router_free(&rt);
	free(paths);
	free(r);
}
END_TEST

static Suite *
router_suite(void)
{
	Suite *s = suite_create("router");
	TCase *tc;

	tc = tcase_create("match");
	tcase_add_test(tc, test_exact_beats_prefix);
	tcase_add_test(tc, test_exact_only_matches_exactly);
	tcase_add_test(tc, test_longest_prefix_wins);
	tcase_add_test(tc, test_root_dir_catches_all);
	tcase_add_test(tc, test_root_dir_and_file_and_msg);
	tcase_add_test(tc, test_dir_needs_trailing_slash);
	tcase_add_test(tc, test_find_dir_is_exact);
	tcase_add_test(tc, test_no_routes);
	tcase_add_test(tc, test_duplicate_is_the_later_line);
	tcase_add_test(tc, test_thousand_routes_all_found);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(router_suite)
