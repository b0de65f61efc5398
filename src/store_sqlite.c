/* store_sqlite.c: the message store in a SQLite file, for one host. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "priv.h"
#include "store_sqlite.h"

/* One connection, a worker's or the master's. */
struct lite {
	sqlite3 *db;
	sqlite3_stmt *ins; /* prepared statements */
	sqlite3_stmt *list;
	sqlite3_stmt *ver;
	int64_t data_version;
	uint64_t checked; /* the turn data_version was last read */
	int dirty;	  /* this connection wrote */
};

static void lite_close(struct lite *);

/*
 * The worker's event loop must not wait for another process's write lock:
 * a busy insert gives up after one short nap (long enough for another
 * worker's usual commit) and the request is parked and tried again later
 * (see conn.c), so that other connections keep being served meanwhile.
 */
static int
busy_nap(void *arg, int count)
{
	struct timespec ts = { 0, STORE_SQLITE_NAP_MS * 1000000L };

	if (count > 0)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

static const char schema[] = "CREATE TABLE IF NOT EXISTS message ("
			     " id INTEGER PRIMARY KEY,"
			     " created INTEGER NOT NULL,"
			     " text TEXT NOT NULL);";

static int
is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/*
 * Closes s after a failure: STORE_BUSY (not logged) if another connection
 * held a lock, else -1 with the reason logged.
 */
static int
fail(struct lite *s, const char *path, const char *what)
{
	int busy = s->db != NULL && is_busy(sqlite3_errcode(s->db));

	if (!busy)
		log_warnx("message store: %s: %s%s%s", path, what ? what : "",
		    what ? ": " : "",
		    s->db ? sqlite3_errmsg(s->db) : "cannot allocate");
	lite_close(s);
	return busy ? STORE_BUSY : -1;
}

/* Says in err that path's version is a newer guad's. */
static void
newer(const char *path, int version, char *err, size_t len)
{
	snprintf(err, len,
	    "%s: schema version %d is newer than this guad's %d (written by a newer guad)",
	    path, version, STORE_SQLITE_VERSION);
}

static int
exec(struct lite *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/*
 * Opens (creating it and its schema if needed) the database in WAL mode
 * with synchronous=FULL, so a message is on disk when it is acknowledged.
 * A patient open waits up to STORE_SQLITE_PREPARE_MS for locks; the other kind
 * naps at most STORE_SQLITE_NAP_MS, here and in every later statement.
 * Returns 0, STORE_BUSY, -1 (logged) or STORE_NEWER (a newer guad's
 * database, untouched: said in err).
 */
static int
open_db(struct lite *s, const char *path, int patient, char *err, size_t len)
{
	sqlite3_stmt *st;
	int version;

	memset(s, 0, sizeof(*s));
	if (sqlite3_open_v2(path, &s->db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK)
		return fail(s, path, NULL);
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		/* SQLite falls back to reading what it cannot write */
		log_warnx(
		    "message store: %s: opened read-only (the file or its folder is not writable by this process, or the disk is mounted read-only)",
		    path);
		lite_close(s);
		return -1;
	}
	if (patient)
		sqlite3_busy_timeout(s->db, STORE_SQLITE_PREPARE_MS);
	else
		sqlite3_busy_handler(s->db, busy_nap, NULL);
	if (exec(s, "PRAGMA journal_mode=WAL") == -1)
		return fail(s, path, "PRAGMA journal_mode=WAL");
	if (exec(s, "PRAGMA synchronous=FULL") == -1)
		return fail(s, path, "PRAGMA synchronous=FULL");
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) !=
		SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return fail(s, path, "PRAGMA user_version");
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > STORE_SQLITE_VERSION) {
		/* written by a newer guad: never guess at its layout */
		newer(path, version, err, len);
		lite_close(s);
		return STORE_NEWER;
	}
	if (version < STORE_SQLITE_VERSION &&
	    (exec(s, "BEGIN IMMEDIATE") == -1 || exec(s, schema) == -1 ||
		exec(s, "PRAGMA user_version=1") == -1 ||
		exec(s, "COMMIT") == -1))
		return fail(s, path, "creating the schema");
	if (sqlite3_prepare_v3(s->db,
		"INSERT INTO message (created, text) "
		"VALUES (?, ?)",
		-1, SQLITE_PREPARE_PERSISTENT, &s->ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db,
		"SELECT id, created, text FROM message "
		"ORDER BY id DESC LIMIT ?",
		-1, SQLITE_PREPARE_PERSISTENT, &s->list, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, "PRAGMA data_version", -1,
		SQLITE_PREPARE_PERSISTENT, &s->ver, NULL) != SQLITE_OK)
		return fail(s, path, "preparing statements");
	s->dirty = 1;
	s->checked = UINT64_MAX; /* no turn yet */
	return 0;
}

/*
 * Creates the database and its schema, or upgrades it, once in the
 * master before the workers start, so they never race to do it (switching
 * to WAL mode takes an exclusive lock). The master may wait for locks.
 * Returns 0, -1 (logged), or STORE_NEWER (said in err).
 */
static int
lite_prepare(const struct conf *c, char *err, size_t len)
{
	static const char *const files[] = { "", "-wal", "-shm", "-journal",
		NULL };
	struct lite s;
	int rc;

	priv_own_files(c, c->msg_db, files);
	priv_fs_as_user(c, 1);
	rc = open_db(&s, c->msg_db, 1, err, len);
	priv_fs_as_user(c, 0);
	if (rc == STORE_NEWER)
		return rc;
	if (rc != 0) {
		log_warnx(
		    "the message board answers 503 until %s can be opened%s%s",
		    c->msg_db, c->user ? " by " : "", c->user ? c->user : "");
		return -1;
	}
	lite_close(&s);
	return 0;
}

/*
 * A confined worker writes in the database's folder: SQLite adds -wal,
 * -shm and -journal files beside it.
 */
static int
lite_needs(const char *db, struct store_needs *n)
{
	char *copy;

	if ((copy = strdup(db)) == NULL ||
	    (n->dir = strdup(dirname(copy))) == NULL) {
		log_warn("strdup");
		free(copy);
		return -1;
	}
	free(copy);
	n->dir_write = 1;
	return 0;
}

/*
 * Opens the store for a worker, never waiting long for a lock: 0,
 * STORE_BUSY if another connection held one (try again soon), or -1
 * (logged) if the database cannot be used.
 */
static int
lite_open(struct store *st, const char *path)
{
	struct lite *s;
	char err[512];
	int rc;

	if ((s = malloc(sizeof(*s))) == NULL) {
		log_warn("message store: %s", path);
		return -1;
	}
	if ((rc = open_db(s, path, 0, err, sizeof(err))) != 0) {
		free(s);
		if (rc == STORE_NEWER)
			log_warnx("message store: %s", err);
		return rc == STORE_NEWER ? -1 : rc;
	}
	st->be = s;
	return 0;
}

static void
lite_close(struct lite *s)
{
	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->list);
	sqlite3_finalize(s->ver);
	if (s->db != NULL)
		sqlite3_close(s->db);
	memset(s, 0, sizeof(*s));
}

/*
 * Stores a message and returns once it is committed: 0; STORE_BUSY if
 * another connection holds the write lock (nothing was written: try
 * again later); or -1 (logged) if the database is full or unwritable.
 */
static int
lite_add(struct store *ss, uint64_t *ticket, const char *text, size_t len,
    int64_t now)
{
	struct lite *s = ss->be;
	sqlite3_stmt *st = s->ins;
	int rc;

	*ticket = 0; /* done or not begun, once it returns */
	sqlite3_reset(st);
	if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, text, (int)len, SQLITE_STATIC) !=
		SQLITE_OK)
		goto err;
	rc = sqlite3_step(st);
	sqlite3_clear_bindings(st);
	sqlite3_reset(st);
	if (is_busy(rc))
		return STORE_BUSY;
	if (rc != SQLITE_DONE)
		goto err;
	s->dirty = 1;
	return 0;
err:
	log_warnx("message store: insert: %s", sqlite3_errmsg(s->db));
	return -1;
}

/*
 * True if the messages may have changed since the last call: this
 * connection wrote, or PRAGMA data_version says another one committed.
 * The pragma opens a read transaction (some 20,000 instructions and
 * three system calls), so it is read once per event loop turn (turn, from
 * date_turn): a request handled in a turn arrived before the turn began,
 * after every commit its client had seen acknowledged.
 */
static int
lite_changed(struct store *ss, uint64_t turn)
{
	struct lite *s = ss->be;
	sqlite3_stmt *st = s->ver;
	int64_t v;
	int changed = s->dirty;

	if (turn == s->checked && !changed)
		return 0;
	s->checked = turn;

	if (sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
		if (v != s->data_version)
			changed = 1;
		s->data_version = v;
	} else
		changed = 1;
	sqlite3_reset(st);
	s->dirty = 0;
	return changed;
}

/*
 * Calls cb for the newest limit messages, newest first. Returns 0,
 * STORE_BUSY if another connection held a lock, or -1 (logged).
 */
static int
lite_list(struct store *ss, size_t limit, store_row_cb *cb, void *arg)
{
	struct lite *s = ss->be;
	sqlite3_stmt *st = s->list;
	int rc;

	sqlite3_reset(st);
	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)limit) != SQLITE_OK)
		goto err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cb(arg, sqlite3_column_int64(st, 0),
			sqlite3_column_int64(st, 1),
			(const char *)sqlite3_column_text(st, 2),
			(size_t)sqlite3_column_bytes(st, 2)) == -1)
			break;
	}
	sqlite3_reset(st);
	if (is_busy(rc))
		return STORE_BUSY;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto err;
	return 0;
err:
	log_warnx("message store: list: %s", sqlite3_errmsg(s->db));
	sqlite3_reset(st);
	return -1;
}

static void
lite_free(struct store *st)
{
	if (st->be != NULL) {
		lite_close(st->be);
		free(st->be);
	}
}

/*
 * For guad -t: a database that is there already, read without changing
 * it, is not a newer guad's. 0 (also when it cannot be read: the master
 * says why at start), or STORE_NEWER with why in msg.
 */
static int
lite_probe(const struct conf *c, char *msg, size_t len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int version = 0;

	if (access(c->msg_db, F_OK) == -1)
		return 0;
	if (sqlite3_open_v2(c->msg_db, &db, SQLITE_OPEN_READONLY, NULL) ==
		SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) ==
		SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (version <= STORE_SQLITE_VERSION)
		return 0;
	newer(c->msg_db, version, msg, len);
	return STORE_NEWER;
}

/* Any [msg] db that no other backend claims: a file name. */
static int
lite_claims(const char *db)
{
	(void)db;
	return 1;
}

const struct store_ops store_sqlite = {
	.name = "sqlite",
	.path = 1,
	.claims = lite_claims,
	.prepare = lite_prepare,
	.probe = lite_probe,
	.needs = lite_needs,
	.open = lite_open,
	.close = lite_free,
	.add = lite_add,
	.changed = lite_changed,
	.list = lite_list,
};
