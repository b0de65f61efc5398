/* park.h: requests whose handler waits, kept aside until an fd or a time. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_PARK_H
#define GUAD_PARK_H

#include <stddef.h>

#include "ev.h"
#include "handler.h"
#include "http.h"
#include "http_request.h"

/* Distinct fds one worker's waiting handlers may watch at once. */
#define PARK_FDS 8

struct parked;

/* Called when what a parked request waits for may have come. */
typedef void park_wake_fn(struct parked *);

/* One fd that parked requests wait on, watched while any does. */
struct park_fd {
	struct ev_handle ev; /* first: the callback gets it */
	struct park_fds *set;
	struct parked *head; /* the requests waiting on it */
	unsigned events;     /* what the loop watches it for */
};

/* A worker's fds watched for parked requests. */
struct park_fds {
	struct ev_loop *loop;
	park_wake_fn *wake;
	park_wake_fn *due; /* called again on the loop's next turn */
	struct park_fd fd[PARK_FDS];
};

/*
 * A request whose handler waits: its parsed head and its hreq, with its
 * own copies of what pointed into the worker's shared buffers (the
 * decoded path, list fields joined from repeated lines). Its other
 * slices and its body stay in the connection's input buffer, which is
 * not touched while the request waits.
 */
struct parked {
	struct http_request req;
	struct hreq q;
	void *owner;	     /* the connection */
	size_t consumed;     /* the request's bytes in the input buffer */
	struct parked *next; /* the next one waiting on the same fd */
	struct park_fd *on;  /* the fd it waits on, or NULL */
	char *join;	     /* its joined list fields, or NULL */
	char path[];	     /* its decoded path */
};

void park_fds_init(struct park_fds *, struct ev_loop *, park_wake_fn *wake,
    park_wake_fn *due);
struct parked *park_new(const struct http_request *, const struct hreq *,
    const char *join, size_t joincap, void *owner, size_t consumed);
int park_watch(struct park_fds *, struct parked *);
void park_unwatch(struct parked *);
void park_free(struct parked *);
void park_abandon(struct parked *);

#endif
