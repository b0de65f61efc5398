/* check_fcache.c: the small-file cache: keys, fills, identity, eviction. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcache.h"
#include "check_main.h"

static char dir[] = "/tmp/check_fcache.XXXXXX";

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(dir, "/tmp/check_fcache.XXXXXX");
}

/* Writes text to dir/name; returns an fd open for reading, and its stat. */
static int
file(const char *name, const char *text, struct stat *st)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	fd = open(path, O_RDONLY);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(fstat(fd, st), 0);
	return fd;
}

static const int route_a, route_b; /* owners: their addresses */

START_TEST(test_slots_round_up_to_a_power_of_two)
{
	static const size_t in[] = { 0, 1, 2, 3, 1000, 1024, 1025 };
	static const size_t out[] = { 0, 1, 2, 4, 1024, 1024, 2048 };
	struct fcache fc;

	ck_assert_int_eq(fcache_init(&fc, in[_i]), 0);
	ck_assert_uint_eq(fc.nslots, out[_i]);
	ck_assert_ptr_null(fcache_find(&fc, &route_a, "x", 1));
	fcache_free(&fc);
}
END_TEST

START_TEST(test_fill_then_find_by_owner_and_name)
{
	struct fcache fc;
	struct fcache_entry *e;
	struct stat st;
	int fd;

	ck_assert_int_eq(fcache_init(&fc, 64), 0);
	fd = file("a.html", "<p>hello</p>\n", &st);
	ck_assert_ptr_null(fcache_find(&fc, &route_a, "a.html", 6));
	e = fcache_fill(&fc, &route_a, "a.html", 6, fd, &st, 100);
	ck_assert_ptr_nonnull(e);
	close(fd);
	ck_assert_uint_eq(fc.fills, 1);
	ck_assert_int_eq(e->size, 13);
	ck_assert_mem_eq(e->data, "<p>hello</p>\n", 13);
	ck_assert_int_eq(e->checked, 100);
	ck_assert_ptr_eq(fcache_find(&fc, &route_a, "a.html", 6), e);
	/* another route, a prefix of the name, a longer name: misses */
	ck_assert_ptr_null(fcache_find(&fc, &route_b, "a.html", 6));
	ck_assert_ptr_null(fcache_find(&fc, &route_a, "a.htm", 5));
	ck_assert_ptr_null(fcache_find(&fc, &route_a, "a.html5", 7));
	fcache_drop(&fc, &route_a, "a.html", 6);
	ck_assert_ptr_null(fcache_find(&fc, &route_a, "a.html", 6));
	fcache_free(&fc);
}
END_TEST

START_TEST(test_same_compares_inode_size_and_time)
{
	struct fcache fc;
	struct fcache_entry *e;
	struct stat st, st2;
	int fd;

	ck_assert_int_eq(fcache_init(&fc, 8), 0);
	fd = file("b", "0123456789", &st);
	e = fcache_fill(&fc, &route_a, "b", 1, fd, &st, 1);
	close(fd);
	ck_assert_ptr_nonnull(e);
	ck_assert(fcache_same(e, &st));
	st2 = st;
	st2.st_size++;
	ck_assert(!fcache_same(e, &st2));
	st2 = st;
	st2.st_mtim.tv_nsec ^= 1;
	ck_assert(!fcache_same(e, &st2));
	st2 = st;
	st2.st_mtim.tv_sec++;
	ck_assert(!fcache_same(e, &st2));
	st2 = st;
	st2.st_ino++;
	ck_assert(!fcache_same(e, &st2));
	st2 = st;
	st2.st_dev++;
	ck_assert(!fcache_same(e, &st2));
	fcache_free(&fc);
}
END_TEST

/* With one slot every new file takes it over. */
START_TEST(test_a_new_file_takes_the_slot)
{
	struct fcache fc;
	struct stat st1, st2;
	int fd1, fd2;

	ck_assert_int_eq(fcache_init(&fc, 1), 0);
	fd1 = file("one", "1", &st1);
	fd2 = file("two", "22", &st2);
	ck_assert_ptr_nonnull(
	    fcache_fill(&fc, &route_a, "one", 3, fd1, &st1, 1));
	ck_assert_ptr_nonnull(
	    fcache_fill(&fc, &route_a, "two", 3, fd2, &st2, 1));
	ck_assert_ptr_null(fcache_find(&fc, &route_a, "one", 3));
	ck_assert_ptr_nonnull(fcache_find(&fc, &route_a, "two", 3));
	close(fd1);
	close(fd2);
	fcache_free(&fc);
}
END_TEST

/* A file that is not what its stat said (it grew, it shrank) is not kept. */
START_TEST(test_a_file_that_changed_is_not_kept)
{
	struct fcache fc;
	struct stat st, grown, shrunk;
	int fd;

	ck_assert_int_eq(fcache_init(&fc, 8), 0);
	fd = file("c", "abcdef", &st);
	grown = st;
	grown.st_size = 4; /* the file has 6 bytes, not 4 */
	ck_assert_ptr_null(fcache_fill(&fc, &route_a, "c", 1, fd, &grown, 1));
	shrunk = st;
	shrunk.st_size = 8;
	ck_assert_ptr_null(fcache_fill(&fc, &route_a, "c", 1, fd, &shrunk, 1));
	ck_assert_ptr_null(fcache_find(&fc, &route_a, "c", 1));
	ck_assert_uint_eq(fc.fills, 0);
	ck_assert_ptr_nonnull(fcache_fill(&fc, &route_a, "c", 1, fd, &st, 1));
	close(fd);
	fcache_free(&fc);
}
END_TEST

START_TEST(test_large_files_and_a_disabled_cache_keep_nothing)
{
	struct fcache fc;
	struct stat st;
	char *big;
	int fd;

	big = malloc(FCACHE_FILE_MAX + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', FCACHE_FILE_MAX + 1);
	big[FCACHE_FILE_MAX + 1] = '\0';
	fd = file("big", big, &st);
	free(big);
	ck_assert_int_eq(fcache_init(&fc, 8), 0);
	ck_assert_ptr_null(fcache_fill(&fc, &route_a, "big", 3, fd, &st, 1));
	fcache_free(&fc);
	ck_assert_int_eq(fcache_init(&fc, 0), 0);
	close(fd);
	fd = file("small", "s", &st);
	ck_assert_ptr_null(fcache_fill(&fc, &route_a, "small", 5, fd, &st, 1));
	close(fd);
	fcache_free(&fc);
}
END_TEST

static Suite *
fcache_suite(void)
{
	Suite *s = suite_create("fcache");
	TCase *tc = tcase_create("fcache");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_slots_round_up_to_a_power_of_two, 0, 7);
	tcase_add_test(tc, test_fill_then_find_by_owner_and_name);
	tcase_add_test(tc, test_same_compares_inode_size_and_time);
	tcase_add_test(tc, test_a_new_file_takes_the_slot);
	tcase_add_test(tc, test_a_file_that_changed_is_not_kept);
	tcase_add_test(tc, test_large_files_and_a_disabled_cache_keep_nothing);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(fcache_suite)
