/* store_pg.c: the message store on PostgreSQL, shared by many hosts. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <arpa/inet.h>

#include <poll.h>

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "date.h"
#include "ev.h"
#include "handler.h"
#include "log.h"
#include "pgsetup.h"
#include "store_pg.h"

/*
 * A worker's connection is a small state machine driven from add, list
 * and changed, never blocking: connecting (PQconnectPoll), then LISTEN,
 * then one statement at a time. Inserts queue (a copy of their text,
 * under a ticket) and are sent in turn, a list wanted going first;
 * whoever calls next drives the connection (reads the socket), and a
 * finished insert's outcome waits in a ring until its owner comes back
 * for it. A trigger notifies every listener when a
 * message is committed, so a worker knows when its rendered page is stale
 * without asking the database.
 */

enum pg_state {
	PG_DOWN,       /* no connection; retry_ms says when to try again */
	PG_CONNECTING, /* PQconnectPoll in progress */
	PG_READY
};

enum pg_op {
	PG_OP_NONE,
	PG_OP_LISTEN,
	PG_OP_ADD,
	PG_OP_LIST
};

/* Inserts waiting for the connection, sent one after the other. */
#define PG_QUEUE 64
/* Finished inserts whose owners have not come back yet. */
#define PG_DONE 128

struct pg_pending {
	uint64_t ticket;
	int64_t created;
	char *text; /* a copy */
	size_t len;
};

struct pg {
	char *db;
	char label[160]; /* the URI without its password, for the log */
	PGconn *conn;
	enum pg_state state;
	PostgresPollingStatusType polling;
	int64_t retry_ms;    /* PG_DOWN: connect again no sooner */
	int64_t backoff_ms;  /* the next wait after a failure */
	int64_t deadline_ms; /* connecting or the statement in flight */
	int down_logged;     /* this outage is in the log already */
	enum pg_op op;	     /* the statement in flight */
	uint64_t op_ticket;
	uint64_t next_ticket;
	int flushing; /* the statement is not all sent yet */
	struct {
		uint64_t ticket;
		int rc;
	} done[PG_DONE];
	unsigned done_next;
	struct pg_pending queue[PG_QUEUE];
	unsigned qhead, qlen;
	int list_wanted;   /* a list goes before the next insert */
	size_t list_limit; /* its LIMIT */
	PGresult *res;	   /* the statement's result, until it is all in */
	PGresult *rows;	   /* a finished list, for the next list call */
	int list_failed;   /* the last list's statement failed */
	int changed;	   /* since the last list began */
	uint64_t checked;  /* the turn the socket was last read */
	int sock;	   /* the socket waiters were told of; -1: none */
};

/*
 * The socket waiters may watch (wait_on told them of it) is about to be
 * closed, may be replaced (PQconnectPoll), or was just closed by libpq,
 * which drops a broken connection itself: the loop stops watching it
 * before its number can come back as another file.
 */
static void
sock_gone(struct pg *p)
{
	if (p->sock != -1)
		handler_fd_closing(p->sock);
	p->sock = -1;
}

static void
clear_rows(struct pg *p)
{
	PQclear(p->rows);
	p->rows = NULL;
}

static void
finish(struct pg *p, int rc)
{
	if (p->op == PG_OP_ADD) {
		p->done[p->done_next].ticket = p->op_ticket;
		p->done[p->done_next].rc = rc;
		p->done_next = (p->done_next + 1) % PG_DONE;
	}
	p->op = PG_OP_NONE;
	p->op_ticket = 0;
	p->flushing = 0;
}

/*
 * The connection failed: drop it, tell the statement's owner, log the
 * first failure of an outage, and connect again after a backoff.
 */
static void
down(struct pg *p, const char *why)
{
	char line[200];

	if (!p->down_logged)
		log_warnx("message store: %s: %s; the message board answers "
			  "503 until it is back",
		    p->label,
		    pgsetup_oneline(why != NULL
			    ? why
			    : (p->conn != NULL ? PQerrorMessage(p->conn)
					       : "cannot connect"),
			line, sizeof(line)));
	p->down_logged = 1;
	if (p->op != PG_OP_NONE)
		finish(p, -1);
	/* what was not sent is not stored: its owners are told */
	while (p->qlen > 0) {
		p->op = PG_OP_ADD;
		p->op_ticket = p->queue[p->qhead].ticket;
		finish(p, -1);
		free(p->queue[p->qhead].text);
		p->qhead = (p->qhead + 1) % PG_QUEUE;
		p->qlen--;
	}
	p->list_wanted = 0;
	clear_rows(p);
	PQclear(p->res);
	p->res = NULL;
	sock_gone(p);
	PQfinish(p->conn);
	p->conn = NULL;
	p->state = PG_DOWN;
	/* a connection found broken is tried again at once (the server
	 * may be back already), then after a growing pause */
	p->retry_ms = date_mono_ms() + p->backoff_ms;
	p->backoff_ms = p->backoff_ms == 0
	    ? STORE_PG_BACKOFF_MIN_MS
	    : (p->backoff_ms * 2 > STORE_PG_BACKOFF_MAX_MS
		      ? STORE_PG_BACKOFF_MAX_MS
		      : p->backoff_ms * 2);
	p->changed = 1;
}

static int
send_query(struct pg *p, enum pg_op op, uint64_t ticket, const char *sql, int n,
    const Oid *types, const char *const *vals, const int *lens,
    const int *formats)
{
	int rc;

	if (!PQsendQueryParams(p->conn, sql, n, types, vals, lens, formats,
		0)) {
		down(p, NULL);
		return -1;
	}
	p->op = op;
	p->op_ticket = ticket;
	p->deadline_ms = date_mono_ms() + STORE_PG_QUERY_MS;
	if ((rc = PQflush(p->conn)) == -1) {
		down(p, NULL);
		return -1;
	}
	p->flushing = rc == 1;
	return 0;
}

/* The server's notices go to the log, not to stderr. */
static void
notice(void *arg, const char *msg)
{
	const struct pg *p = arg;
	char line[200];

	log_info("message store: %s: %s", p->label,
	    pgsetup_oneline(msg, line, sizeof(line)));
}

static void
start_connect(struct pg *p)
{
	const char *const keys[] = { "dbname", "fallback_application_name",
		NULL };
	const char *const vals[] = { p->db, "guad", NULL };

	p->conn = PQconnectStartParams(keys, vals, 1);
	if (p->conn == NULL || PQstatus(p->conn) == CONNECTION_BAD ||
	    PQsetnonblocking(p->conn, 1) == -1) {
		down(p, NULL);
		return;
	}
	PQsetNoticeProcessor(p->conn, notice, p);
	p->state = PG_CONNECTING;
	p->polling = PGRES_POLLING_WRITING;
	p->deadline_ms = date_mono_ms() + STORE_PG_CONNECT_MS;
}

/* A statement's results are in: what they mean for its owner. */
static void
complete(struct pg *p, PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	char line[200];
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok) {
		if (PQstatus(p->conn) == CONNECTION_BAD) {
			down(p, PQresultErrorMessage(res));
			PQclear(res);
			return;
		}
		log_warnx("message store: %s: %s: %s", p->label,
		    p->op == PG_OP_ADD	      ? "insert"
			: p->op == PG_OP_LIST ? "list"
					      : "LISTEN",
		    pgsetup_oneline(PQresultErrorMessage(res), line,
			sizeof(line)));
	}
	switch (p->op) {
	case PG_OP_ADD:
		if (ok)
			p->changed = 1;
		finish(p, ok ? 0 : -1);
		break;
	case PG_OP_LIST:
		clear_rows(p);
		if (ok && st == PGRES_TUPLES_OK && PQnfields(res) == 3) {
			p->rows = res;
			res = NULL;
		} else {
			p->list_failed = 1;
			p->changed = 1;
		}
		finish(p, 0);
		break;
	default:
		/* without LISTEN, changes from elsewhere go unseen */
		if (!ok) {
			down(p, "LISTEN failed");
			PQclear(res);
			return;
		}
		finish(p, 0);
		break;
	}
	PQclear(res);
}

/* Sends what waits, if anything: a list first, then the oldest insert. */
static void
start_next(struct pg *p)
{
	static const Oid types[2] = { 20, 25 }; /* int8, text */
	static const int formats[2] = { 0, 1 };
	struct pg_pending *e;
	char num[24];
	const char *vals[2];
	int lens[2];

	if (p->list_wanted) {
		p->list_wanted = 0;
		p->changed = 0;
		snprintf(num, sizeof(num), "%zu", p->list_limit);
		vals[0] = num;
		(void)send_query(p, PG_OP_LIST, 0,
		    "SELECT id, created, text FROM message "
		    "ORDER BY id DESC LIMIT $1",
		    1, NULL, vals, NULL, NULL);
		return;
	}
	if (p->qlen == 0)
		return;
	e = &p->queue[p->qhead];
	p->qhead = (p->qhead + 1) % PG_QUEUE;
	p->qlen--;
	snprintf(num, sizeof(num), "%lld", (long long)e->created);
	vals[0] = num;
	vals[1] = e->text;
	lens[0] = 0;
	lens[1] = (int)e->len;
	/* text is not NUL-terminated: text's binary format has a length */
	if (send_query(p, PG_OP_ADD, e->ticket,
		"INSERT INTO message (created, text) VALUES ($1, $2)", 2, types,
		vals, lens, formats) == -1 &&
	    p->op == PG_OP_NONE) {
		/* down() told the queue, not this one: tell its owner */
		p->op = PG_OP_ADD;
		p->op_ticket = e->ticket;
		finish(p, -1);
	}
	free(e->text);
}

/* True if fd is ready for what PQconnectPoll waits for, now. */
static int
ready(int fd, PostgresPollingStatusType polling)
{
	struct pollfd pfd;

	if (fd < 0)
		return 1;
	pfd.fd = fd;
	pfd.events = polling == PGRES_POLLING_READING ? POLLIN : POLLOUT;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) != 0;
}

/*
 * Moves the connection on as far as it goes without waiting: connects,
 * sends, reads what came, notes notifications and finished statements.
 */
static void
advance(struct pg *p)
{
	PGresult *res;
	PGnotify *n;
	int64_t now = date_mono_ms();
	int rc;

	if (p->state == PG_DOWN) {
		if (now < p->retry_ms)
			return;
		start_connect(p);
		if (p->state != PG_CONNECTING)
			return;
	}
	if (p->state == PG_CONNECTING) {
		if (now > p->deadline_ms) {
			down(p, "timed out connecting");
			return;
		}
		/* PQconnectPoll only once the socket is as it asked */
		if (!ready(PQsocket(p->conn), p->polling))
			return;
		sock_gone(p); /* it may close it and open another */
		p->polling = PQconnectPoll(p->conn);
		if (p->polling == PGRES_POLLING_FAILED) {
			down(p, NULL);
			return;
		}
		if (p->polling != PGRES_POLLING_OK)
			return;
		p->state = PG_READY;
		p->changed = 1; /* notifications before LISTEN were missed */
		if (p->down_logged)
			log_info("message store: %s: connected again",
			    p->label);
		p->down_logged = 0;
		p->backoff_ms = 0;
		if (send_query(p, PG_OP_LISTEN, 0, "LISTEN guad_message", 0,
			NULL, NULL, NULL, NULL) == -1)
			return;
	}
	if (p->flushing) {
		if ((rc = PQflush(p->conn)) == -1) {
			down(p, NULL);
			return;
		}
		p->flushing = rc == 1;
	}
	if (!PQconsumeInput(p->conn)) {
		down(p, NULL);
		return;
	}
	while ((n = PQnotifies(p->conn)) != NULL) {
		p->changed = 1;
		PQfreemem(n);
	}
	if (p->op != PG_OP_NONE && now > p->deadline_ms) {
		down(p, "no answer in time");
		return;
	}
	/* one statement: its result, then NULL once it is all in */
	while (p->op != PG_OP_NONE && !p->flushing && !PQisBusy(p->conn)) {
		if ((res = PQgetResult(p->conn)) == NULL) {
			res = p->res;
			p->res = NULL;
			if (res == NULL) {
				down(p, "no result");
				return;
			}
			complete(p, res);
			break;
		}
		PQclear(p->res);
		p->res = res;
	}
	if (p->state == PG_READY && p->op == PG_OP_NONE)
		start_next(p);
}

/* advance, then: did libpq close the socket waiters were told of? */
static void
pump(struct pg *p)
{
	advance(p);
	if (p->sock != -1 && (p->conn == NULL || PQsocket(p->conn) != p->sock))
		sock_gone(p);
}

/* What the caller waits for before calling again. */
static int
wait_on(struct store *s, struct pg *p)
{
	int64_t now = date_mono_ms();

	s->wait.fd = -1;
	s->wait.events = 0;
	s->wait.until_ms = now + STORE_PG_POLL_MS;
	if (p->state == PG_DOWN) {
		s->wait.until_ms = p->retry_ms;
		return STORE_WAIT;
	}
	if (p->conn == NULL || PQsocket(p->conn) < 0)
		return STORE_WAIT;
	if (p->state == PG_CONNECTING)
		s->wait.events =
		    p->polling == PGRES_POLLING_WRITING ? EV_WRITE : EV_READ;
	else
		s->wait.events = p->flushing ? EV_WRITE | EV_READ : EV_READ;
	s->wait.fd = p->sock = PQsocket(p->conn);
	/* another caller may read the socket first: look again soon */
	s->wait.until_ms = now + STORE_PG_OWNER_MS;
	return STORE_WAIT;
}

static int
pg_open(struct store *s, const char *db)
{
	struct pg *p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->db = strdup(db)) == NULL) {
		log_warn("message store");
		free(p);
		return -1;
	}
	pgsetup_label(db, p->label, sizeof(p->label));
	p->sock = -1;
	p->state = PG_DOWN;
	p->changed = 1;
	s->be = p;
	pump(p);
	return 0;
}

static void
pg_close(struct store *s)
{
	struct pg *p = s->be;

	if (p == NULL)
		return;
	clear_rows(p);
	PQclear(p->res);
	sock_gone(p);
	PQfinish(p->conn);
	while (p->qlen > 0) {
		free(p->queue[p->qhead].text);
		p->qhead = (p->qhead + 1) % PG_QUEUE;
		p->qlen--;
	}
	free(p->db);
	free(p);
	s->be = NULL;
}

/* True while connecting, or retrying soon after a failure. */
static int
down_for_now(const struct pg *p)
{
	return p->state == PG_DOWN && date_mono_ms() < p->retry_ms;
}

/* True if the insert with ticket t is queued or being sent. */
static int
pending(const struct pg *p, uint64_t t)
{
	unsigned i;

	if (p->op == PG_OP_ADD && p->op_ticket == t)
		return 1;
	for (i = 0; i < p->qlen; i++)
		if (p->queue[(p->qhead + i) % PG_QUEUE].ticket == t)
			return 1;
	return 0;
}

static int
pg_add(struct store *s, uint64_t *ticket, const char *text, size_t len,
    int64_t now)
{
	struct pg *p = s->be;
	struct pg_pending *e;
	size_t i;

	pump(p);
	if (*ticket != 0) {
		for (i = 0; i < PG_DONE; i++)
			if (p->done[i].ticket == *ticket) {
				p->done[i].ticket = 0;
				*ticket = 0;
				return p->done[i].rc;
			}
		if (pending(p, *ticket))
			return wait_on(s, p);
		/* its outcome was pushed out of the ring: unknown */
		*ticket = 0;
		log_warnx("message store: %s: an insert's outcome was lost",
		    p->label);
		return -1;
	}
	if (down_for_now(p) || len > INT32_MAX)
		return -1;
	if (p->qlen == PG_QUEUE)
		return STORE_BUSY;
	e = &p->queue[(p->qhead + p->qlen) % PG_QUEUE];
	if ((e->text = malloc(len > 0 ? len : 1)) == NULL) {
		log_warn("message store: an insert");
		return -1;
	}
	memcpy(e->text, text, len);
	e->len = len;
	e->created = now;
	e->ticket = *ticket = ++p->next_ticket;
	p->qlen++;
	pump(p);
	return pg_add(s, ticket, text, len, now);
}

static int
pg_changed(struct store *s, uint64_t turn)
{
	struct pg *p = s->be;

	if (p->state == PG_READY && turn != p->checked) {
		p->checked = turn;
		pump(p);
	}
	return p->changed || p->state != PG_READY;
}

static int
pg_list(struct store *s, size_t limit, store_row_cb *cb, void *arg)
{
	struct pg *p = s->be;
	int i, n;

	pump(p);
	if (p->list_failed) {
		p->list_failed = 0;
		return -1;
	}
	if (p->rows != NULL) {
		n = PQntuples(p->rows);
		for (i = 0; i < n; i++)
			if (cb(arg,
				strtoll(PQgetvalue(p->rows, i, 0), NULL, 10),
				strtoll(PQgetvalue(p->rows, i, 1), NULL, 10),
				PQgetvalue(p->rows, i, 2),
				(size_t)PQgetlength(p->rows, i, 2)) == -1)
				break;
		clear_rows(p);
		return 0;
	}
	if (down_for_now(p))
		return -1;
	if (p->op != PG_OP_LIST && !p->list_wanted) {
		p->list_wanted = 1;
		p->list_limit = limit;
		pump(p);
		if (p->rows != NULL || p->list_failed)
			return pg_list(s, limit, cb, arg);
	}
	return wait_on(s, p);
}

const struct store_ops store_pg = {
	.name = "postgresql",
	.claims = pgsetup_claims,
	.check = pgsetup_check,
	.prepare = pgsetup_prepare,
	.probe = pgsetup_probe,
	.needs = pgsetup_needs,
	.open = pg_open,
	.close = pg_close,
	.add = pg_add,
	.changed = pg_changed,
	.list = pg_list,
};
