/* handler.h: the handler kinds a route can name, one table row each. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_HANDLER_H
#define GUAD_HANDLER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "http.h"
#include "resp.h"

struct conf;
struct route;
struct sandbox_rules;

/* Handler kinds a worker can hold state for; the table has fewer rows. */
#define HANDLER_MAX 16

/* What serve() did with the request. */
enum handler_step {
	HANDLER_ANSWER, /* q->status and the response say what to send */
	HANDLER_WAIT	/* not yet: call serve() again once q->wait says */
};

/* What a handler waits for before serve() is called again. */
struct handler_wait {
	int fd;		  /* -1: none */
	unsigned events;  /* EV_READ, EV_WRITE */
	int64_t until_ms; /* monotonic; 0: no time limit (needs an fd) */
};

/*
 * Scratch space a worker lends its handlers, one request at a time; what
 * a handler puts in it lives until the response is queued.
 */
struct handler_scratch {
	char *location; /* a redirect's target */
	size_t location_cap;
	struct buf page; /* a generated page (a listing) */
};

/*
 * One request as a handler sees it: never the worker or the connection.
 * Everything but state, status and wait is the worker's, read-only.
 */
struct hreq {
	const struct conf *conf;
	const struct route *route;
	const struct http_request *req;
	const char *path; /* decoded and normalised, NUL-terminated */
	size_t len;
	const char *body; /* the body, de-chunked; NULL: none */
	size_t blen;
	const uint8_t *addr; /* the client: 4 or 16 bytes, or NULL */
	int family;	     /* AF_INET, AF_INET6, 0 */
	struct handler_scratch *scratch;
	void *kind_state;  /* what the kind's init made for this worker */
	void *state;	   /* the handler's own, kept across waits */
	int64_t first_ms;  /* when serve() was first called for it */
	int woken_by_time; /* the last wait ended by its time limit */
	int status;	   /* HANDLER_ANSWER: 0, or an error status */
	struct handler_wait wait;
};

/*
 * A handler kind. Only name and serve are required. A new kind is one
 * file defining one of these and one row in handler.c's table.
 */
struct handler {
	const char *name;    /* as written in gua.ini */
	unsigned methods;    /* HANDLER_METHOD() bits, OPTIONS implied */
	const char *allow;   /* the Allow header: the same methods */
	unsigned prefix : 1; /* routes a tree below a path ending in '/' */
	unsigned posts : 1;  /* may store what a request carries */
	unsigned no_arg : 1; /* the route line names no argument */
	/* its per-worker state is that of another kind (dir: file's) */
	const struct handler *shares;

	/*
	 * The argument and options of a route line (route->arg is set):
	 * 0, or -1 with a message in err ("unknown option ..."), which the
	 * caller prefixes with gua.ini:LINE: [routes] PATH:.
	 */
	int (*option)(struct route *, const char *opt, char *err, size_t);
	/*
	 * Writes what follows the kind's name on the route's line, as
	 * option reads it back (guad -T). 0, or -1 if buf is too small.
	 * NULL: the argument alone.
	 */
	int (*format)(const struct route *, char *buf, size_t len);
	/*
	 * In the master, when files are checked: open what the route
	 * names below the root (root_fd is the folder root): its file,
	 * directory, template. 0, or -1 with a message in err, which the
	 * caller prefixes with [routes] PATH: KIND ARG:.
	 */
	int (*open)(struct route *, int root_fd, const char *root, char *err,
	    size_t);
	/*
	 * In the master before fork, on start and on reload, once for a
	 * kind that some route names: 0 (ready, or logged and answering
	 * 503 until it is), or -1: the configuration must not be served,
	 * why in err.
	 */
	int (*prepare)(const struct conf *, char *err, size_t len);
	/*
	 * What a confined worker must still reach for this route, given to
	 * the sandbox (sandbox_allow_*): 0, or -1 (logged).
	 */
	int (*sandbox)(const struct conf *, const struct route *,
	    struct sandbox_rules *);
	/* In each worker, before it is confined; NULL state is fine. */
	int (*init)(const struct conf *, void **state);
	void (*free)(void *state);
	/*
	 * Answers q into r, or asks to wait (handler_wait_fd,
	 * handler_wait_ms). Must not block.
	 */
	enum handler_step (*serve)(struct hreq *q, struct response *r);
	/* A request given up while waiting: free q->state. */
	void (*abandon)(struct hreq *q);
	/*
	 * The most body, in bytes, that serve() can use for a request to
	 * the route: a request announcing more is answered 413 before its
	 * body is read, and a chunked one is cut off there, so that a
	 * connection holds no more of a body than its handler needs. At
	 * most [limits] body_size. NULL: the kind uses no body; serve()
	 * is called without it (see serve_body_max).
	 */
	size_t (*body_max)(const struct conf *, const struct route *);
};

#define HANDLER_METHOD(m) (1u << (m))

extern const struct handler *const handlers[];

const struct handler *handler_find(const char *name);
size_t handler_index(const struct handler *);
int handler_allows(const struct handler *, enum http_method);

enum handler_step handler_answer(struct hreq *, int status);
enum handler_step
handler_wait_fd(struct hreq *, int fd, unsigned events, int64_t until_ms);
enum handler_step handler_wait_ms(struct hreq *, int64_t until_ms);
void handler_fd_closing(int fd);
void handler_on_fd_closing(void (*)(void *arg, int fd), void *arg);

int handler_workers_init(const struct conf *, void *states[HANDLER_MAX]);
void handler_workers_free(const struct conf *, void *states[HANDLER_MAX]);
int handler_prepare_all(const struct conf *, char *err, size_t len);
int handler_sandbox_all(const struct conf *, struct sandbox_rules *);

#endif
