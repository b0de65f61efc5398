/* check_store_pg.c: the PostgreSQL store, driven by its own poll loop. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <check.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "date.h"
#include "ev.h"
#include "handler.h"
#include "store.h"
#include "store_pg.h"

/*
 * Run by tests/integration/test_pg.py, which starts a cluster and sets
 * GUAD_TEST_PG to a URI of its database and GUAD_TEST_PG_DEAD to one
 * where nothing listens. Without them there is nothing to test against:
 * exit 77 (skipped).
 */
static const char *uri, *dead;
static uint64_t turn = 1;

/* Waits as s->wait says, the way a worker's loop would. */
static void
wait_once(const struct store *s)
{
	struct pollfd pfd;
	int64_t ms = s->wait.until_ms - date_mono_ms();

	if (ms < 0)
		ms = 0;
	pfd.fd = s->wait.fd;
	pfd.events = (short)(((s->wait.events & EV_READ) ? POLLIN : 0) |
	    ((s->wait.events & EV_WRITE) ? POLLOUT : 0));
	pfd.revents = 0;
	(void)poll(&pfd, s->wait.fd >= 0 ? 1 : 0, (int)ms);
	turn++;
}

/* Adds text, waiting as asked, at most waits times: what add said. */
static int
add(struct store *s, const char *text, int waits, int *waited)
{
	uint64_t ticket = 0;
	int rc, n = 0;

	while ((rc = store_add(s, &ticket, text, strlen(text), 1700000000)) ==
	    STORE_WAIT) {
		ck_assert_int_lt(n, waits);
		wait_once(s);
		n++;
	}
	if (waited != NULL)
		*waited = n;
	ck_assert_int_eq(ticket, 0);
	return rc;
}

struct rows {
	int n;
	char first[64];
};

static int
row(void *arg, int64_t id, int64_t created, const char *text, size_t len)
{
	struct rows *r = arg;

	(void)id;
	if (r->n++ == 0) {
		ck_assert_int_eq(created, 1700000000);
		snprintf(r->first, sizeof(r->first), "%.*s", (int)len, text);
	}
	return 0;
}

static int
list(struct store *s, struct rows *r, int waits)
{
	int rc, n = 0;

	memset(r, 0, sizeof(*r));
	while ((rc = store_list(s, 10, row, r)) == STORE_WAIT) {
		ck_assert_int_eq(r->n, 0);
		ck_assert_int_lt(n, waits);
		wait_once(s);
		n++;
	}
	return rc;
}

static struct conf *
conf_for(const char *db)
{
	struct conf *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	c->msg_db = strdup(db);
	return c;
}

static void
conf_gone(struct conf *c)
{
	free(c->msg_db);
	free(c);
}

START_TEST(test_uri_syntax_and_hosts)
{
	char err[256];

	ck_assert_ptr_eq(store_backend("postgresql://a@127.0.0.1/db"),
	    &store_pg);
	ck_assert_ptr_eq(store_backend("postgres://127.0.0.1/db"), &store_pg);
	ck_assert_int_eq(store_is_path("postgres://127.0.0.1/db"), 0);
	ck_assert_int_eq(store_check("postgresql://u@[::1]:5433/d", err,
			     sizeof(err)),
	    0);
	ck_assert_int_eq(store_check("postgresql://u@%2Frun%2Fpg/d", err,
			     sizeof(err)),
	    0);
	ck_assert_int_eq(store_check("postgresql://u@db.example/d?hostaddr="
				     "10.0.0.1",
			     err, sizeof(err)),
	    0);
	ck_assert_int_eq(store_check("postgresql://u@db.example/d", err,
			     sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "is a name"));
	ck_assert_int_eq(store_check("postgresql://u@127.0.0.1:notaport/d", err,
			     sizeof(err)),
	    -1);
	ck_assert_int_eq(store_check("postgresql://u@1.2.3.4,5.6.7.8/d", err,
			     sizeof(err)),
	    -1);
	ck_assert_int_eq(store_check("postgresql://u@127.0.0.1/d?nosuch=1", err,
			     sizeof(err)),
	    -1);
}
END_TEST

START_TEST(test_needs_port_or_nothing)
{
	struct store_needs n;

	ck_assert_int_eq(store_needs("postgresql://u@127.0.0.1:6543/d", &n), 0);
	ck_assert_int_eq(n.port, 6543);
	ck_assert_ptr_null(n.dir);
	free(n.file);
	/* hostaddr is where libpq connects, over TCP */
	ck_assert_int_eq(store_needs("postgresql://u@%2Ftmp%2Fpg:6544/d?"
				     "hostaddr=127.0.0.1",
			     &n),
	    0);
	ck_assert_int_eq(n.port, 6544);
	free(n.file);
	/* the port libpq takes from its environment */
	setenv("PGPORT", "6545", 1);
	ck_assert_int_eq(store_needs("postgresql://u@127.0.0.1/d", &n), 0);
	unsetenv("PGPORT");
	ck_assert_int_eq(n.port, 6545);
	free(n.file);
	/* a Unix socket: no TCP port, and no rule for its folder */
	ck_assert_int_eq(store_needs("postgresql://u@%2Ftmp%2Fpg/d", &n), 0);
	ck_assert_int_eq(n.port, 0);
	ck_assert_ptr_null(n.dir);
	free(n.file);
}
END_TEST

START_TEST(test_add_list_changed)
{
	struct conf *c = conf_for(uri);
	struct store a, b;
	struct rows r;
	char text[64], msg[256];
	int i, waited;

	ck_assert_int_eq(store_prepare(c, msg, sizeof(msg)), 0);
	/* again: nothing to do */
	ck_assert_int_eq(store_prepare(c, msg, sizeof(msg)), 0);
	ck_assert_int_eq(store_open(&a, uri), 0);
	ck_assert_int_eq(store_open(&b, uri), 0);
	snprintf(text, sizeof(text), "first %lld", (long long)date_mono_ms());
	/* an insert answers only once committed, after waiting */
	ck_assert_int_eq(add(&a, text, 1000, &waited), 0);
	ck_assert_int_gt(waited, 0);
	ck_assert_int_eq(list(&b, &r, 1000), 0);
	ck_assert_int_ge(r.n, 1);
	ck_assert_str_eq(r.first, text);
	/* b heard nothing new since its list began */
	for (i = 0; i < 5; i++) {
		wait_once(&b);
		ck_assert_int_eq(store_changed(&b, turn), 0);
	}
	/* a's insert reaches b as a notification, not by asking */
	snprintf(text, sizeof(text), "second %lld", (long long)date_mono_ms());
	ck_assert_int_eq(add(&a, text, 1000, NULL), 0);
	for (i = 0; i < 1000 && !store_changed(&b, turn); i++) {
		b.wait.fd = -1;
		b.wait.until_ms = date_mono_ms() + 1;
		wait_once(&b);
	}
	ck_assert_int_lt(i, 1000);
	ck_assert_int_eq(list(&b, &r, 1000), 0);
	ck_assert_str_eq(r.first, text);
	store_close(&a);
	store_close(&b);
	conf_gone(c);
}
END_TEST

START_TEST(test_two_inserts_in_flight)
{
	struct store s;
	uint64_t t1 = 0, t2 = 0;
	int r1, r2, n;

	ck_assert_int_eq(store_open(&s, uri), 0);
	r1 = store_add(&s, &t1, "one", 3, 1700000000);
	r2 = store_add(&s, &t2, "two", 3, 1700000000);
	/* each goes on with its own ticket; neither takes the other's */
	for (n = 0; n < 2000 && (r1 == STORE_WAIT || r2 == STORE_WAIT); n++) {
		wait_once(&s);
		if (r1 == STORE_WAIT)
			r1 = store_add(&s, &t1, "one", 3, 1700000000);
		if (r2 == STORE_WAIT)
			r2 = store_add(&s, &t2, "two", 3, 1700000000);
	}
	ck_assert_int_eq(r1, 0);
	ck_assert_int_eq(r2, 0);
	ck_assert_int_eq(t1, 0);
	ck_assert_int_eq(t2, 0);
	store_close(&s);
}
END_TEST

START_TEST(test_nothing_listening)
{
	struct conf *c = conf_for(dead);
	struct store s;
	struct rows r;
	char msg[256];
	int rc, n;

	ck_assert_int_eq(store_prepare(c, msg, sizeof(msg)), -1);
	ck_assert_int_eq(store_probe(c, msg, sizeof(msg)), -1);
	ck_assert_ptr_nonnull(strstr(msg, "127.0.0.1"));
	ck_assert_int_eq(store_open(&s, dead), 0);
	/* connecting fails, then answers -1 at once until the backoff ends */
	for (n = 0; n < 1000 && (rc = list(&s, &r, 1000)) == STORE_WAIT; n++)
		wait_once(&s);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(add(&s, "x", 0, NULL), -1);
	ck_assert_int_ne(store_changed(&s, turn), 0);
	store_close(&s);
	conf_gone(c);
}
END_TEST

static int closing_calls, closing_fd;

/* handler_fd_closing's hearer, as a worker's park.c would be. */
static void
spy_closing(void *arg, int fd)
{
	(void)arg;
	if (closing_calls++ == 0)
		closing_fd = fd;
}

/*
 * The server ends the store's session. libpq closes the socket itself
 * when it finds the connection broken; the store must say so at once
 * (requests may wait on that socket, and its number may come back as a
 * client's), then connect again and store.
 */
START_TEST(test_a_lost_session_says_its_socket_closed)
{
	struct store s;
	PGconn *admin;
	PGresult *res;
	uint64_t ticket = 0;
	int rc, n, sock = -1;

	handler_on_fd_closing(spy_closing, NULL);
	ck_assert_int_eq(store_open(&s, uri), 0);
	while ((rc = store_add(&s, &ticket, "before the end", 14,
		    1700000000)) == STORE_WAIT) {
		if (s.wait.fd >= 0)
			sock = s.wait.fd; /* what a worker would watch */
		wait_once(&s);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_ge(sock, 0);
	closing_calls = 0; /* connecting told of it, each PQconnectPoll */

	admin = PQconnectdb(uri);
	ck_assert_int_eq(PQstatus(admin), CONNECTION_OK);
	res = PQexec(admin,
	    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
	    "WHERE application_name = 'guad' AND pid <> pg_backend_pid()");
	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "1");
	PQclear(res);
	PQfinish(admin);

	/* the next use finds the session gone, and says so */
	for (n = 0; n < 1000 && closing_calls == 0; n++) {
		if (store_add(&s, &ticket, "x", 1, 1700000000) != STORE_WAIT)
			ticket = 0;
		else
			wait_once(&s);
	}
	ck_assert_int_ge(closing_calls, 1);
	ck_assert_int_eq(closing_fd, sock);
	while (ticket != 0 &&
	    store_add(&s, &ticket, "x", 1, 1700000000) == STORE_WAIT)
		wait_once(&s);
	ck_assert_int_eq(add(&s, "after the end", 1000, NULL), 0);
	store_close(&s);
	handler_on_fd_closing(NULL, NULL);
}
END_TEST

static Suite *
store_pg_suite(void)
{
	Suite *s = suite_create("store_pg");
	TCase *tc = tcase_create("store_pg");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_uri_syntax_and_hosts);
	tcase_add_test(tc, test_needs_port_or_nothing);
	tcase_add_test(tc, test_add_list_changed);
	tcase_add_test(tc, test_two_inserts_in_flight);
	tcase_add_test(tc, test_nothing_listening);
	tcase_add_test(tc, test_a_lost_session_says_its_socket_closed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	uri = getenv("GUAD_TEST_PG");
	dead = getenv("GUAD_TEST_PG_DEAD");
	if (uri == NULL || dead == NULL) {
		fprintf(stderr,
		    "GUAD_TEST_PG and GUAD_TEST_PG_DEAD unset: "
		    "run by tests/integration/test_pg.py\n");
		return 77;
	}
	sr = srunner_create(store_pg_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
