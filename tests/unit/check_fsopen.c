/* check_fsopen.c: opening below a directory, with openat2 and without. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

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

/*
 * Makes openat2 fail with err in this process (the child of
 * run_refused): 0, or -1.
 */
static int
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

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1)
		return -1;
	return 0;
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

/* NULL if opening c below rootfd does what c says, else why not. */
static const char *
open_fails(const struct open_case *c)
{
	static char why[PATH_MAX + 64];
	int fd;

	errno = 0;
	fd = fsopen_beneath(rootfd, c->path, O_RDONLY);
	if (fd != -1)
		close(fd);
	if (c->ok && fd == -1)
		snprintf(why, sizeof(why), "\"%s\" refused: %s", c->path,
		    strerror(errno));
	else if (!c->ok && fd != -1)
		snprintf(why, sizeof(why), "\"%s\" opened: it is outside",
		    c->path);
	else
		return NULL;
	return why;
}

START_TEST(test_open_below_root)
{
	const char *why = open_fails(&opens[_i]);

	ck_assert_msg(why == NULL, "%s", why);
}
END_TEST

/*
 * The tests with openat2 refused run in a fresh copy of this program
 * (refused_main), whether Check forks its tests or not (CK_FORK=no): the
 * seccomp filter must not outlive the test, and fsopen keeps its probe's
 * answer for the life of the process, so a forked child of a process that
 * already probed would not probe again.
 */
#define ENV_REFUSE "CHECK_FSOPEN_REFUSE" /* errno openat2 fails with */
#define ENV_CASE   "CHECK_FSOPEN_CASE"	 /* index in opens[], or -1 */
#define ENV_ROOT   "CHECK_FSOPEN_ROOT"

/* In the copy: the case named by the environment. Exit 0, or 1 and why. */
static int
refused_main(const char *refuse)
{
	const char *root = getenv(ENV_ROOT), *cases = getenv(ENV_CASE);
	const char *why = NULL;
	int err = atoi(refuse), i = cases != NULL ? atoi(cases) : NOPENS;

	if (root == NULL ||
	    (rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		why = "no root folder";
	else if (refuse_openat2(err) == -1)
		why = "the seccomp filter could not be set";
	else if (fsopen_probe() != 0)
		why = "fsopen_probe() says openat2 works";
	else if (i >= 0 && i < NOPENS)
		why = open_fails(&opens[i]);
	else if (strstr(fsopen_mode(), strerror(err)) == NULL)
		why = "fsopen_mode() does not say why it falls back";
	if (why != NULL)
		fprintf(stderr, "%s\n", why);
	return why == NULL ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Runs case i (-1: the probe's words) in a copy with openat2 refused. */
static void
run_refused(int err, int i)
{
	char root[PATH_MAX], errs[16], cases[16], why[512];
	ssize_t n;
	size_t got = 0;
	pid_t pid;
	int p[2], status;

	snprintf(root, sizeof(root), "%s/root", top);
	snprintf(errs, sizeof(errs), "%d", err);
	snprintf(cases, sizeof(cases), "%d", i);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		char *argv[] = { "check_fsopen", NULL };

		dup2(p[1], STDERR_FILENO);
		if (setenv(ENV_ROOT, root, 1) == 0 &&
		    setenv(ENV_REFUSE, errs, 1) == 0 &&
		    setenv(ENV_CASE, cases, 1) == 0)
			execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(p[1]);
	while (got < sizeof(why) - 1 &&
	    (n = read(p[0], why + got, sizeof(why) - 1 - got)) > 0)
		got += (size_t)n;
	why[got] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "openat2 refused with %s, case %d: status %#x: %s", strerror(err),
	    i, status, why);
}

START_TEST(test_open_below_root_when_openat2_is_refused)
{
	run_refused(EPERM, _i);
}
END_TEST

START_TEST(test_open_below_root_when_openat2_is_missing)
{
	run_refused(ENOSYS, _i);
}
END_TEST

START_TEST(test_probe_says_why_it_falls_back)
{
	run_refused(EPERM, -1);
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

	tcase_add_test(tc, test_probe_says_why_it_falls_back);
	suite_add_tcase(s, tc);

	tc = tcase_create("probe");
	tcase_add_test(tc, test_probe_is_stable);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	const char *refuse = getenv(ENV_REFUSE);

	if (refuse != NULL)
		return refused_main(refuse);
	return check_run(fsopen_suite());
}
