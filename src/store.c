/* store.c: the message store interface; one backend per kind of [msg] db. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "date.h"
#include "scoreboard.h"
#include "store.h"
#include "store_pg.h"
#include "store_sqlite.h"

/* Asked in order; the last one takes any value. */
static const struct store_ops *const backends[] = {
	&store_pg,
	&store_sqlite,
};

/*
 * Counts an operation that began at since_us in the worker's scoreboard
 * slot, unless it is to be called again (STORE_WAIT): its last call
 * counts.
 */
static void
count(enum scoreboard_store_op op, int rc, int64_t since_us)
{
	enum scoreboard_store_result r = rc == 0 ? SCOREBOARD_STORE_OK
	    : rc == STORE_BUSY			 ? SCOREBOARD_STORE_BUSY
						 : SCOREBOARD_STORE_ERROR;

	if (rc == STORE_WAIT)
		return;
	scoreboard_store(scoreboard_mine(), op, r,
	    (uint64_t)(date_clock_us() - since_us));
}

/* The backend for a [msg] db value; never NULL. */
const struct store_ops *
store_backend(const char *db)
{
	size_t i, n = sizeof(backends) / sizeof(backends[0]);

	for (i = 0; i + 1 < n; i++)
		if (backends[i]->claims(db))
			return backends[i];
	return backends[n - 1];
}

/* True if db names a file (resolved relative to gua.ini's folder). */
int
store_is_path(const char *db)
{
	return store_backend(db)->path;
}

/* 0 if db is well formed for its backend, or -1 with the reason in err. */
int
store_check(const char *db, char *err, size_t len)
{
	const struct store_ops *b = store_backend(db);

	return b->check != NULL ? b->check(db, err, len) : 0;
}

/*
 * In the master before fork: the schema, created or upgraded. 0, -1
 * (logged: the board answers 503 for now) or STORE_NEWER (a newer guad's
 * database, said in err: not to be served).
 */
int
store_prepare(const struct conf *c, char *err, size_t len)
{
	const struct store_ops *b = store_backend(c->msg_db);

	err[0] = '\0';
	return b->prepare != NULL ? b->prepare(c, err, len) : 0;
}

/* For guad -t: whether the store answers, in msg. 0, -1 or STORE_NEWER. */
int
store_probe(const struct conf *c, char *msg, size_t len)
{
	const struct store_ops *b = store_backend(c->msg_db);

	msg[0] = '\0';
	return b->probe != NULL ? b->probe(c, msg, len) : 0;
}

/*
 * What a confined worker must reach; n->dir and n->file are the
 * caller's to free.
 */
int
store_needs(const char *db, struct store_needs *n)
{
	const struct store_ops *b = store_backend(db);

	memset(n, 0, sizeof(*n));
	return b->needs != NULL ? b->needs(db, n) : 0;
}

/*
 * Opens a worker's connection without waiting: 0, STORE_BUSY (try again
 * soon) or -1 (logged).
 */
int
store_open(struct store *s, const char *db)
{
	memset(s, 0, sizeof(*s));
	s->ops = store_backend(db);
	s->wait.fd = -1;
	return s->ops->open(s, db);
}

/* Closes what store_open opened, or began to; s may be closed already. */
void
store_close(struct store *s)
{
	if (s->ops != NULL && s->ops->close != NULL)
		s->ops->close(s);
	memset(s, 0, sizeof(*s));
	s->wait.fd = -1;
}

/*
 * Stores a message: 0 once committed; STORE_BUSY (nothing written: try
 * again later); STORE_WAIT (call again with the same message and ticket
 * once s->wait says); or -1 (logged). *ticket is 0 on a first call; the
 * backend sets it to tell its insert from others in flight, and clears
 * it once it answers.
 */
int
store_add(struct store *s, uint64_t *ticket, const char *text, size_t len,
    int64_t now)
{
	int64_t t = date_clock_us();
	int rc = s->ops->add(s, ticket, text, len, now);

	count(SCOREBOARD_STORE_ADD, rc, t);
	return rc;
}

/*
 * True if the messages may have changed since the last call; called at
 * most once per event loop turn for an answer (turn, from date_turn).
 */
int
store_changed(struct store *s, uint64_t turn)
{
	return s->ops->changed(s, turn);
}

/*
 * Calls cb for the newest limit messages, newest first: 0, STORE_BUSY,
 * STORE_WAIT (call again with the same arguments once s->wait says: no
 * row was given to cb yet), or -1 (logged).
 */
int
store_list(struct store *s, size_t limit, store_row_cb *cb, void *arg)
{
	int64_t t = date_clock_us();
	int rc = s->ops->list(s, limit, cb, arg);

	count(SCOREBOARD_STORE_LIST, rc, t);
	return rc;
}
