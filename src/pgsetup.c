/* pgsetup.c: PostgreSQL in the master: the URI checked, the schema made. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <arpa/inet.h>

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "pgsetup.h"
#include "store_pg.h"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS message ("
    " id bigserial PRIMARY KEY,"
    " created bigint NOT NULL,"
    " text text NOT NULL);"
    "CREATE OR REPLACE FUNCTION guad_message_notify() RETURNS trigger"
    " LANGUAGE plpgsql AS $$ BEGIN"
    " PERFORM pg_notify('guad_message', ''); RETURN NULL; END $$;"
    "DROP TRIGGER IF EXISTS guad_message_notify ON message;"
    "CREATE TRIGGER guad_message_notify AFTER INSERT OR UPDATE OR DELETE"
    " ON message FOR EACH STATEMENT"
    " EXECUTE FUNCTION guad_message_notify();";

/* Any number, so that two masters never migrate at once. */
#define PG_LOCK_KEY "7107010231"

int
pgsetup_claims(const char *db)
{
	return strncmp(db, "postgresql://", 13) == 0 ||
	    strncmp(db, "postgres://", 11) == 0;
}

/* A libpq message's first line, for one log line. */
const char *
pgsetup_oneline(const char *msg, char *buf, size_t len)
{
	size_t n = strcspn(msg, "\n");

	if (n >= len)
		n = len - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
	return buf;
}

static int
numeric_host(const char *h)
{
	unsigned char a[16];

	return inet_pton(AF_INET, h, a) == 1 || inet_pton(AF_INET6, h, a) == 1;
}

/* The value of keyword key in a parsed URI, or NULL if unset or empty. */
static const char *
uri_value(const PQconninfoOption *opts, const char *key)
{
	const PQconninfoOption *o;

	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, key) == 0)
			return o->val != NULL && o->val[0] != '\0' ? o->val
								   : NULL;
	return NULL;
}

/*
 * The URI's syntax, and what a worker can use without blocking: one
 * host, given as an address or a socket folder (a worker does not look
 * names up), unless hostaddr gives its address. 0, or -1 with err set.
 */
int
pgsetup_check(const char *db, char *err, size_t len)
{
	PQconninfoOption *opts;
	const char *host = NULL, *hostaddr = NULL, *port = NULL;
	char *msg = NULL, line[200], *end;
	long p = 5432;
	int rc = -1;

	if ((opts = PQconninfoParse(db, &msg)) == NULL) {
		snprintf(err, len, "%s",
		    msg ? pgsetup_oneline(msg, line, sizeof(line))
			: "out of memory");
		PQfreemem(msg);
		return -1;
	}
	host = uri_value(opts, "host");
	hostaddr = uri_value(opts, "hostaddr");
	port = uri_value(opts, "port");
	if (port != NULL) {
		errno = 0;
		p = strtol(port, &end, 10);
		if (errno != 0 || end == port || *end != '\0')
			p = 0;
	}
	if ((host != NULL && strchr(host, ',') != NULL) ||
	    (hostaddr != NULL && strchr(hostaddr, ',') != NULL))
		snprintf(err, len, "one host only");
	else if (p < 1 || p > 65535)
		snprintf(err, len, "port %s: must be 1..65535", port);
	else if (host != NULL && host[0] != '/' && hostaddr == NULL &&
	    !numeric_host(host))
		snprintf(err, len,
		    "host %s is a name, and workers do not wait for name "
		    "lookups: write its address, or add ?hostaddr=ADDRESS",
		    host);
	else
		rc = 0;
	PQconninfoFree(opts);
	return rc;
}

/* The URI without its password: user@host:port/dbname. */
void
pgsetup_label(const char *db, char *out, size_t len)
{
	PQconninfoOption *opts;
	const char *user = "", *host = "", *addr = "", *port = "";
	const char *dbname = "";

	snprintf(out, len, "postgresql");
	if ((opts = PQconninfoParse(db, NULL)) == NULL)
		return;
	user = uri_value(opts, "user");
	host = uri_value(opts, "host");
	addr = uri_value(opts, "hostaddr");
	port = uri_value(opts, "port");
	dbname = uri_value(opts, "dbname");
	if (host == NULL)
		host = addr != NULL ? addr : "";
	if (user == NULL)
		user = "";
	if (port == NULL)
		port = "";
	if (dbname == NULL)
		dbname = "";
	snprintf(out, len, "postgresql://%s%s%s%s%s/%s", user,
	    user[0] ? "@" : "", host, port[0] ? ":" : "", port, dbname);
	PQconninfoFree(opts);
}

/*
 * A blocking connection, for the master: the URI with a time limit on
 * connecting unless it has its own. NULL-safe to PQfinish.
 */
static PGconn *
connect_blocking(const char *db)
{
	const char *const keys[] = { "dbname", "connect_timeout",
		"fallback_application_name", NULL };
	const char *const vals[] = { db, "5", "guad", NULL };

	/* expand_dbname: the URI's own connect_timeout takes precedence */
	return PQconnectdbParams(keys, vals, 1);
}

static int
run(PGconn *conn, const char *sql, const char *what, const char *name)
{
	PGresult *res = PQexec(conn, sql);
	char line[200];
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		log_warnx("message store: %s: %s: %s", name, what,
		    pgsetup_oneline(PQerrorMessage(conn), line, sizeof(line)));
	PQclear(res);
	return ok ? 0 : -1;
}

/*
 * The layout's version in guad_version (0 if the table is missing or
 * empty), or -1 (logged).
 */
static long
version_of(PGconn *conn, const char *name)
{
	PGresult *res;
	char line[200];
	long version = 0;

	res = PQexec(conn, "SELECT to_regclass('guad_version') IS NULL");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		PQclear(res);
		return 0;
	}
	PQclear(res);
	res = PQexec(conn, "SELECT max(version) FROM guad_version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_warnx("message store: %s: reading guad_version: %s", name,
		    pgsetup_oneline(PQerrorMessage(conn), line, sizeof(line)));
		version = -1;
	} else if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		version = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return version;
}

/* Says in err that version is a newer guad's. Returns STORE_NEWER. */
static int
newer(const char *name, long version, char *err, size_t len)
{
	snprintf(err, len,
	    "%s: schema version %ld is newer than this guad's %d (written by a newer guad)",
	    name, version, STORE_PG_VERSION);
	return STORE_NEWER;
}

/*
 * In the master, blocking: creates the schema, or upgrades it, under an
 * advisory lock so that two masters starting together do not race; the
 * version is in guad_version. 0, -1 (logged), or STORE_NEWER for a
 * newer guad's database (untouched; said in err).
 */
int
pgsetup_prepare(const struct conf *c, char *err, size_t len)
{
	char name[160], line[200];
	PGconn *conn;
	long version = 0;
	int rc = -1;

	pgsetup_label(c->msg_db, name, sizeof(name));
	conn = connect_blocking(c->msg_db);
	if (PQstatus(conn) != CONNECTION_OK) {
		log_warnx("message store: %s: %s; the message board answers "
			  "503 until it is reachable",
		    name,
		    pgsetup_oneline(PQerrorMessage(conn), line, sizeof(line)));
		goto done;
	}
	if (run(conn, "SET client_min_messages = warning", "settings", name) ==
		-1 ||
	    run(conn, "BEGIN", "BEGIN", name) == -1 ||
	    run(conn, "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")",
		"locking", name) == -1 ||
	    run(conn,
		"CREATE TABLE IF NOT EXISTS guad_version "
		"(version integer NOT NULL)",
		"creating guad_version", name) == -1)
		goto done;
	if ((version = version_of(conn, name)) == -1)
		goto done;
	if (version > STORE_PG_VERSION) {
		/* written by a newer guad: never guess at its layout */
		rc = newer(name, version, err, len);
		goto done;
	}
	if (version < STORE_PG_VERSION &&
	    (run(conn, schema, "creating the schema", name) == -1 ||
		run(conn, "DELETE FROM guad_version", "guad_version", name) ==
		    -1 ||
		run(conn, "INSERT INTO guad_version VALUES (1)", "guad_version",
		    name) == -1))
		goto done;
	if (run(conn, "COMMIT", "COMMIT", name) == -1)
		goto done;
	if (version < STORE_PG_VERSION)
		log_info("message store: %s: schema version %d created", name,
		    STORE_PG_VERSION);
	rc = 0;
done:
	PQfinish(conn);
	return rc;
}

/*
 * For guad -t: did the server answer, and is its schema one this guad
 * can use? 0, -1, or STORE_NEWER.
 */
int
pgsetup_probe(const struct conf *c, char *msg, size_t len)
{
	char name[160], line[200];
	PGconn *conn;
	long version;
	int rc = 0;

	pgsetup_label(c->msg_db, name, sizeof(name));
	conn = connect_blocking(c->msg_db);
	if (PQstatus(conn) == CONNECTION_OK) {
		snprintf(msg, len, "%s: PostgreSQL %d.%d answered", name,
		    PQserverVersion(conn) / 10000, PQserverVersion(conn) % 100);
		if ((version = version_of(conn, name)) > STORE_PG_VERSION)
			rc = newer(name, version, msg, len);
	} else {
		snprintf(msg, len, "%s: %s", name,
		    pgsetup_oneline(PQerrorMessage(conn), line, sizeof(line)));
		rc = -1;
	}
	PQfinish(conn);
	return rc;
}

/* key's value in the URI, else in libpq's defaults (its environment). */
static const char *
effective(const PQconninfoOption *uri, const PQconninfoOption *defs,
    const char *key)
{
	const char *v = uri_value(uri, key);

	return v != NULL || defs == NULL ? v : uri_value(defs, key);
}

/*
 * What a confined worker needs to reach the server where libpq will
 * connect: the URI's values, else the environment's (PGHOSTADDR, PGHOST,
 * PGPORT), else libpq's own defaults. Over TCP (hostaddr, or a host that
 * is an address): that one port. Over a Unix socket (a host that is a
 * folder, or none): no rule, since Landlock has none for connecting to
 * a socket by its path (the socket's permissions decide). And the
 * password file, which libpq reads at each connection.
 */
int
pgsetup_needs(const char *db, struct store_needs *n)
{
	PQconninfoOption *opts, *defs;
	const char *host, *hostaddr, *port, *passfile, *home;
	char path[4096];
	long p;
	int rc = -1;

	if ((opts = PQconninfoParse(db, NULL)) == NULL) {
		log_warnx("message store: cannot parse [msg] db");
		return -1;
	}
	defs = PQconndefaults();
	host = effective(opts, defs, "host");
	hostaddr = effective(opts, defs, "hostaddr");
	port = effective(opts, defs, "port");
	passfile = effective(opts, defs, "passfile");
	if (passfile == NULL && (home = getenv("HOME")) != NULL &&
	    snprintf(path, sizeof(path), "%s/.pgpass", home) <
		(int)sizeof(path))
		passfile = path;
	if (passfile != NULL && access(passfile, F_OK) == 0 &&
	    (n->file = strdup(passfile)) == NULL) {
		log_warn("strdup");
		goto done;
	}
	p = port != NULL ? strtol(port, NULL, 10) : 5432;
	if (p < 1 || p > 65535)
		p = 5432;
	if (hostaddr != NULL ||
	    (host != NULL && host[0] != '/' && host[0] != '@'))
		n->port = (uint16_t)p;
	rc = 0;
done:
	PQconninfoFree(defs);
	PQconninfoFree(opts);
	return rc;
}
