/* store.h: the message board's SQLite database, one connection per worker. */
#ifndef GUAD_STORE_H
#define GUAD_STORE_H

#include <stddef.h>
#include <stdint.h>

/* PRAGMA user_version of the layout this guad writes (gua.ini(5)). */
#define STORE_SCHEMA_VERSION 1
/* An insert waits this long in place for another writer's commit. */
#define STORE_NAP_MS 1
/* The master's open waits this long for other connections' locks. */
#define STORE_PREPARE_MS 5000
/* store_open, store_add, store_list: another connection holds a lock. */
#define STORE_BUSY 1

struct store {
	void *db;  /* sqlite3 */
	void *ins; /* prepared statements */
	void *list;
	void *ver;
	int64_t data_version;
	uint64_t checked; /* the turn data_version was last read */
	int dirty;	  /* this connection wrote */
};

typedef int store_row_cb(void *arg, int64_t id, int64_t created,
    const char *text, size_t len);

int store_prepare(const char *path);
int store_open(struct store *, const char *path);
void store_close(struct store *);
int store_add(struct store *, const char *text, size_t len, int64_t now);
int store_changed(struct store *, uint64_t turn);
int store_list(struct store *, size_t limit, store_row_cb *, void *arg);

#endif
