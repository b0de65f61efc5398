/* check_fsopen.c: opening below a directory, with openat2 and without. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsopen.h"
#include "check_main.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static char top[64];
static int rootfd = -1;

static void
put(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
link_to(const char *target, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	ck_assert_int_eq(symlink(target, path), 0);
}

/*
 * top/root/{file.txt,sub/in.txt,.env}, top/outside/canary, and symlinks
 * in the root: out -> ../outside, abs -> /etc, up -> sub/../file.txt,
 * and absin, absdir, absout -> top/root/file.txt, top/root/sub and
 * top/outside/canary.
 */
static void
tree_setup(void)
{
	char path[PATH_MAX];

	snprintf(top, sizeof(top), "/tmp/check_fsopen.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(path, sizeof(path), "%s/root", top);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/root/sub", top);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/outside", top);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put("root/file.txt", "inside\n");
	put("root/sub/in.txt", "inside too\n");
	put("root/.env", "secret\n");
	put("outside/canary", "canary\n");
	link_to("../outside", "root/out");
	link_to("/etc", "root/abs");
	link_to("sub/../file.txt", "root/up");
	/* absolute links: two inside the root, one out of it */
	snprintf(path, sizeof(path), "%s/root/file.txt", top);
	link_to(path, "root/absin");
	snprintf(path, sizeof(path), "%s/root/sub", top);
	link_to(path, "root/absdir");
	snprintf(path, sizeof(path), "%s/outside/canary", top);
	link_to(path, "root/absout");
	snprintf(path, sizeof(path), "%s/root", top);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ne(rootfd, -1);
}

static void
tree_teardown(void)
{
	char cmd[PATH_MAX + 16];

	if (rootfd != -1)
		close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", top);
}

/* Makes openat2 fail with err in this (forked) test process only. */
static void
refuse_openat2(int err)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K,
		    SECCOMP_RET_ERRNO | ((unsigned)err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	ck_assert_int_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	ck_assert_int_eq(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog), 0);
}

struct open_case {
	const char *path;
	int ok; /* 1: opens; 0: refused */
};

static const struct open_case opens[] = {
	{ "file.txt", 1 },
	{ "/file.txt", 1 },
	{ "sub/in.txt", 1 },
	{ "sub/../file.txt", 1 },
	{ "up", 1 },
	{ "", 1 },
	{ "../outside/canary", 0 },
	{ "sub/../../outside/canary", 0 },
	{ "out/canary", 0 },
	{ "abs/passwd", 0 },
	{ "absin", 1 },
	{ "absdir/in.txt", 1 },
	{ "sub/../absdir/in.txt", 1 },
	{ "absout", 0 },
	{ "/proc/self/root/etc/passwd", 0 },
};

#define NOPENS (int)(sizeof(opens) / sizeof(opens[0]))

static void
check_open(const struct open_case *c)
{
	int fd;

	errno = 0;
	fd = fsopen_beneath(rootfd, c->path, O_RDONLY);
	if (c->ok) {
		ck_assert_msg(fd != -1, "\"%s\" refused: %s", c->path,
		    strerror(errno));
		close(fd);
	} else
		ck_assert_msg(fd == -1, "\"%s\" opened: it is outside",
		    c->path);
}

START_TEST(test_open_below_root)
{
	check_open(&opens[_i]);
}
END_TEST

static int
can_fork_tests(void)
{
	const char *f = getenv("CK_FORK");

	return f == NULL || strcmp(f, "no") != 0;
}

START_TEST(test_open_below_root_when_openat2_is_refused)
{
	if (!can_fork_tests())
		return; /* the filter would outlive the test */
	refuse_openat2(EPERM);
	check_open(&opens[_i]);
	ck_assert_int_eq(fsopen_probe(), 0);
}
END_TEST

START_TEST(test_open_below_root_when_openat2_is_missing)
{
	if (!can_fork_tests())
		return;
	refuse_openat2(ENOSYS);
	check_open(&opens[_i]);
	ck_assert_int_eq(fsopen_probe(), 0);
}
END_TEST

START_TEST(test_probe_says_why_it_falls_back)
{
	if (!can_fork_tests())
		return;
	refuse_openat2(EPERM);
	ck_assert_int_eq(fsopen_probe(), 0);
	ck_assert_ptr_nonnull(strstr(fsopen_mode(), strerror(EPERM)));
}
END_TEST

START_TEST(test_probe_is_stable)
{
	int first = fsopen_probe();

	ck_assert_int_eq(fsopen_probe(), first);
	ck_assert_ptr_nonnull(fsopen_mode());
}
END_TEST

static Suite *
fsopen_suite(void)
{
	Suite *s = suite_create("fsopen");
	TCase *tc;

	tc = tcase_create("beneath");
	tcase_add_unchecked_fixture(tc, tree_setup, tree_teardown);
	tcase_add_loop_test(tc, test_open_below_root, 0, NOPENS);
	tcase_add_loop_test(tc, test_open_below_root_when_openat2_is_refused, 0,
	    NOPENS);
	tcase_add_loop_test(tc, test_open_below_root_when_openat2_is_missing, 0,
	    NOPENS);
	suite_add_tcase(s, tc);

	tc = tcase_create("probe");
	tcase_add_test(tc, test_probe_says_why_it_falls_back);
	tcase_add_test(tc, test_probe_is_stable);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(fsopen_suite)
