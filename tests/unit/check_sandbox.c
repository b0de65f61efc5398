/* check_sandbox.c: the worker's confinement holds (Landlock). */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "html.h"
#include "sandbox.h"
#include "store.h"
#include "check_main.h"

#define TEMPLATE "/tmp/check_sandbox.XXXXXX"

static char tmp[sizeof(TEMPLATE)];
static char path[4096];

static const char *
at(const char *rel)
{
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	return path;
}

static void
put(const char *rel, const char *text)
{
	FILE *f = fopen(at(rel), "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static int
rm(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static struct conf *
load(void)
{
	struct conf *c;
	char text[8192], err[CONF_ERR_MAX];
	int n;

	memcpy(tmp, TEMPLATE, sizeof(TEMPLATE));
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_int_eq(mkdir(at("www"), 0755), 0);
	ck_assert_int_eq(mkdir(at("www/static"), 0755), 0);
	ck_assert_int_eq(mkdir(at("store"), 0755), 0);
	put("www/index.html", "hello\n");
	put("www/static/a.css", "a {}\n");
	put("www/msg.html", "<ul>" HTML_PLACEHOLDER "</ul>\n");
	put("outside.txt", "secret\n");
	n = snprintf(text, sizeof(text),
	    "[server]\nroot = %s/www\n"
	    "[msg]\ndb = %s/store/msg.db\n[routes]\n/ = file index.html\n"
	    "/static/ = dir static\n/msg = msg msg.html\n",
	    tmp, tmp);
	ck_assert(n > 0 && (size_t)n < sizeof(text));
	c = conf_parse(text, (size_t)n, "gua.ini", tmp, 1, err);
	ck_assert_msg(c != NULL, "%s", err);
	return c;
}

/* In the child: 0 if every check passed, else the number of the first. */
static int
confined_checks(void)
{
	struct store s;
	uint64_t ticket = 0;
	int fd;

	/* reading outside the allowed folders */
	if (open(at("outside.txt"), O_RDONLY) != -1 || errno != EACCES)
		return 10;
	if (open("/etc/passwd", O_RDONLY) != -1 || errno != EACCES)
		return 11;
	/* reading the document root */
	if ((fd = open(at("www/static/a.css"), O_RDONLY)) == -1)
		return 12;
	close(fd);
	/* writing or creating in the document root */
	if (open(at("www/index.html"), O_WRONLY) != -1 || errno != EACCES)
		return 13;
	if (open(at("www/new.txt"), O_WRONLY | O_CREAT, 0644) != -1 ||
	    errno != EACCES)
		return 14;
	if (unlink(at("www/index.html")) != -1 || errno != EACCES)
		return 15;
	/* writing outside */
	if (open(at("new.txt"), O_WRONLY | O_CREAT, 0644) != -1 ||
	    errno != EACCES)
		return 16;
	/* the store's folder: create, write, remove */
	if ((fd = open(at("store/x"), O_RDWR | O_CREAT, 0644)) == -1)
		return 17;
	if (write(fd, "x", 1) != 1 || ftruncate(fd, 0) == -1)
		return 18;
	close(fd);
	if (unlink(at("store/x")) == -1)
		return 19;
	/* and SQLite in WAL mode, -wal and -shm included */
	if (store_open(&s, at("store/msg.db")) == -1)
		return 20;
	if (store_add(&s, &ticket, "confined", 8, 1) == -1)
		return 21;
	store_close(&s);
	return 0;
}

START_TEST(test_confinement_holds)
{
	struct conf *c = load();
	pid_t pid;
	int status, rc;

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		rc = sandbox_apply(c);
		_exit(rc == 0 ? confined_checks() : 100 + rc);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_msg(WEXITSTATUS(status) == 0,
	    "confinement check %d failed "
	    "(see confined_checks)",
	    WEXITSTATUS(status));
	/* the parent is not confined */
	rc = open(at("outside.txt"), O_RDONLY);
	ck_assert_int_ne(rc, -1);
	close(rc);
	conf_free(c);
	nftw(tmp, rm, 8, FTW_DEPTH | FTW_PHYS);
}
END_TEST

START_TEST(test_store_folder_missing_still_confines)
{
	struct conf *c = load();
	pid_t pid;
	int status;

	ck_assert_int_eq(rmdir(at("store")), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		if (sandbox_apply(c) != 0)
			_exit(1);
		if (mkdir(at("store"), 0755) != -1 || errno != EACCES)
			_exit(2);
		if (open(at("www/index.html"), O_RDONLY) == -1)
			_exit(3);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	conf_free(c);
	nftw(tmp, rm, 8, FTW_DEPTH | FTW_PHYS);
}
END_TEST

/* A socket listening on 127.0.0.1, its port in *port. */
static int
listener(uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ne(fd, -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* 0 if a new TCP socket connects to port, else the errno. */
static int
try_connect(uint16_t port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

	if (fd == -1)
		return errno;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 ? 0 : errno;
	close(fd);
	return rc;
}

START_TEST(test_pg_store_reaches_its_port_only)
{
	struct conf *c;
	char text[8192], err[CONF_ERR_MAX], why[64];
	uint16_t db_port, other_port;
	int db, other, n, status;
	pid_t pid;

	if (sandbox_abi(why, sizeof(why)) < 4)
		return; /* no network rules in this kernel's Landlock */
	c = load();	/* makes tmp and its files */
	conf_free(c);
	db = listener(&db_port);
	other = listener(&other_port);
	n = snprintf(text, sizeof(text),
	    "[server]\nroot = %s/www\n"
	    "[msg]\ndb = postgresql://u@127.0.0.1:%u/d\n[routes]\n"
	    "/msg = msg msg.html\n",
	    tmp, db_port);
	ck_assert(n > 0 && (size_t)n < sizeof(text));
	c = conf_parse(text, (size_t)n, "gua.ini", tmp, 1, err);
	ck_assert_msg(c != NULL, "%s", err);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		if (sandbox_apply(c) != 0)
			_exit(1);
		if (try_connect(db_port) != 0)
			_exit(2);
		if (try_connect(other_port) != EACCES)
			_exit(3);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	/* the parent is not confined */
	ck_assert_int_eq(try_connect(other_port), 0);
	close(db);
	close(other);
	conf_free(c);
	nftw(tmp, rm, 8, FTW_DEPTH | FTW_PHYS);
}
END_TEST

int
main(void)
{
	Suite *s;
	TCase *tc;
	char why[128];
	int abi;

	if ((abi = sandbox_abi(why, sizeof(why))) == 0) {
		printf("SKIP: Landlock is unavailable (%s): the confinement "
		       "cannot be checked here\n",
		    why);
		return 77;
	}
	printf("Landlock ABI %d\n", abi);
	s = suite_create("sandbox");
	tc = tcase_create("landlock");
	tcase_add_test(tc, test_confinement_holds);
	tcase_add_test(tc, test_store_folder_missing_still_confines);
	tcase_add_test(tc, test_pg_store_reaches_its_port_only);
	suite_add_tcase(s, tc);
	return check_run(s);
}
