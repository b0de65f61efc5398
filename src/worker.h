/* worker.h: a worker process: its event loop, connections and handlers. */
#ifndef GUAD_WORKER_H
#define GUAD_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ev.h"
#include "fcache.h"
#include "mime.h"
#include "msg.h"

struct conf;
struct conn;
struct scoreboard_slot;

enum conn_timer {
	CONN_TIMER_HEADER,    /* the whole head must arrive in time */
	CONN_TIMER_BODY,      /* the whole body must arrive in time */
	CONN_TIMER_KEEPALIVE, /* idle between requests */
	CONN_TIMER_SEND,      /* the client must keep reading */
	CONN_TIMER_LINGER,    /* draining input after the last response */
	CONN_TIMER_RETRY,     /* a parked request is tried again */
	CONN_TIMER_COUNT,
	CONN_TIMER_NONE = CONN_TIMER_COUNT
};

/* Connections ordered by deadline: one timeout per queue keeps it sorted. */
struct conn_queue {
	struct conn *head;
	struct conn *tail;
	int64_t timeout_ms;
};

struct listener {
	struct ev_handle ev; /* first: the callback gets it */
	struct worker *w;
	int watched;
	int tls; /* connections begin with a TLS handshake */
};

struct worker {
	const struct conf *conf;
	int id; /* 1..N */
	struct ev_loop *loop;
	struct listener *listeners;
	size_t nlisteners;
	struct ev_handle lifeline; /* EOF when the master dies */

	struct conn *conns; /* conf->connections slots */
	struct conn *free_conns;
	size_t nconns; /* open */
	struct conn_queue timers[CONN_TIMER_COUNT];
	struct conn_queue ready; /* work left by conn_drain */
	int64_t accept_resume;	 /* ms; 0: accepting */

	struct buf_pool inpool;	 /* request heads */
	struct buf_pool outpool; /* response heads, small bodies */
	char *path;		 /* decoded request path */
	char *join;		 /* list fields sent twice */
	char *location;		 /* a redirect's target */
	struct buf page;	 /* a directory listing */
	size_t location_cap;

	struct mime mime;
	struct fcache fcache; /* small files */
	struct msg msg;
	struct scoreboard_slot *slot; /* shared with the master */
	struct conn *followed;	 /* its request is the slot's in progress */
	struct buf_pool logpool; /* access log lines waiting to be done */
	int log_format;		 /* enum access_format */
	int draining;		 /* finish, then exit */
	uint64_t requests;
};

int worker_run(const struct conf *, const int *fds, size_t nfds, size_t ntls,
    int id, int lifeline, struct scoreboard_slot *);
void worker_accept_pause(struct worker *, int64_t until);
void worker_conn_closed(struct worker *);

#endif
