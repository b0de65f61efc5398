/* store_sqlite.h: the message store in a SQLite file, for one host. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_STORE_SQLITE_H
#define GUAD_STORE_SQLITE_H

#include "store.h"

/* PRAGMA user_version of the layout this guad writes (gua.ini(5)). */
#define STORE_SQLITE_VERSION 1
/* An insert waits this long in place for another writer's commit. */
#define STORE_SQLITE_NAP_MS 1
/* The master's open waits this long for other connections' locks. */
#define STORE_SQLITE_PREPARE_MS 5000

extern const struct store_ops store_sqlite;

#endif
