/* store.h: the message store interface; one backend per kind of [msg] db. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_STORE_H
#define GUAD_STORE_H

#include <stddef.h>
#include <stdint.h>

struct conf;

/* store_open, store_add, store_list: another connection holds a lock. */
#define STORE_BUSY 1
/* store_add, store_list: not done yet; see struct store_wait. */
#define STORE_WAIT 2
/*
 * store_prepare, store_probe: the database was written by a newer guad,
 * whose layout this one must not guess at: the configuration is not
 * served.
 */
#define STORE_NEWER 3

/*
 * After STORE_WAIT: call the same operation again, with the same
 * arguments, once fd is ready for events (EV_READ, EV_WRITE) or at
 * until_ms (monotonic), whichever comes first; it then goes on from
 * where it stopped. fd -1: only the time.
 */
struct store_wait {
	int fd;
	unsigned events;
	int64_t until_ms;
};

/* What a confined worker needs to reach its store. */
struct store_needs {
	char *dir;     /* a folder (malloc'd; NULL: none) */
	char *file;    /* a file read (malloc'd; NULL: none) */
	int dir_write; /* files in dir are created, written, removed */
	uint16_t port; /* a TCP port connected to (0: none) */
};

/* One worker's connection to its store. */
struct store {
	const struct store_ops *ops;
	void *be; /* the backend's */
	struct store_wait wait;
};

typedef int store_row_cb(void *arg, int64_t id, int64_t created,
    const char *text, size_t len);

/*
 * A backend. Every function but claims may be NULL where the backend has
 * nothing to do. A new backend is one file defining one of these and a
 * row in store.c's table.
 */
struct store_ops {
	const char *name;
	/* db names a file, relative to gua.ini's folder. */
	unsigned path : 1;
	/* True if this backend takes the [msg] db value. */
	int (*claims)(const char *db);
	/* The value's syntax: 0, or -1 with the reason in err. */
	int (*check)(const char *db, char *err, size_t len);
	/*
	 * In the master, at start and on reload, before fork: create or
	 * upgrade the schema. 0; -1 (logged: the board answers 503 until
	 * the store can be used); or STORE_NEWER, with why in err (not
	 * logged).
	 */
	int (*prepare)(const struct conf *, char *err, size_t len);
	/*
	 * For guad -t: whether the store answers, said in msg. 0, -1 or
	 * STORE_NEWER.
	 */
	int (*probe)(const struct conf *, char *msg, size_t len);
	/* What the sandbox must allow: 0, or -1 (logged). */
	int (*needs)(const char *db, struct store_needs *);
	/*
	 * In a worker: 0, STORE_BUSY or -1 (logged); never waits. A
	 * backend that must connect starts to here and goes on in add
	 * and list.
	 */
	int (*open)(struct store *, const char *db);
	void (*close)(struct store *);
	/*
	 * Stores a message: 0 once committed, STORE_BUSY, STORE_WAIT or
	 * -1 (logged). *ticket is the caller's, 0 on the first call, and
	 * says which insert a later call goes on with.
	 */
	int (*add)(struct store *, uint64_t *ticket, const char *text,
	    size_t len, int64_t now);
	/* True if the messages may have changed since the last call. */
	int (*changed)(struct store *, uint64_t turn);
	/* The newest limit messages, newest first, to cb. As add. */
	int (*list)(struct store *, size_t limit, store_row_cb *, void *arg);
};

const struct store_ops *store_backend(const char *db);
int store_is_path(const char *db);
int store_check(const char *db, char *err, size_t len);
int store_prepare(const struct conf *, char *err, size_t len);
int store_probe(const struct conf *, char *msg, size_t len);
int store_needs(const char *db, struct store_needs *);
int store_open(struct store *, const char *db);
void store_close(struct store *);
int store_add(struct store *, uint64_t *ticket, const char *text, size_t len,
    int64_t now);
int store_changed(struct store *, uint64_t turn);
int store_list(struct store *, size_t limit, store_row_cb *, void *arg);

#endif
