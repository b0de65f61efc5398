/* store_pg.h: the message store on PostgreSQL, shared by many hosts. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_STORE_PG_H
#define GUAD_STORE_PG_H

#include "store.h"

/* guad_version's version for the layout this guad writes (gua.ini(5)). */
#define STORE_PG_VERSION 1
/* A worker's connecting, and each statement, may take this long. */
#define STORE_PG_CONNECT_MS 5000
#define STORE_PG_QUERY_MS   10000
/*
 * After a failure, connect again after 50 ms, doubling up to 250 ms: a
 * refused connect costs a few microseconds, and the cap bounds how long
 * the board stays 503 once the database is back (the issue asks for
 * well under 2 s).
 */
#define STORE_PG_BACKOFF_MIN_MS 50
#define STORE_PG_BACKOFF_MAX_MS 250
/*
 * A caller waiting on the socket looks again after STORE_PG_OWNER_MS
 * even if nothing came (another caller may have read its answer); with
 * no socket yet, after STORE_PG_POLL_MS.
 */
#define STORE_PG_OWNER_MS 5
#define STORE_PG_POLL_MS  1

extern const struct store_ops store_pg;

#endif
