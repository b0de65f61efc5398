/* worker.h: a worker process: its event loop, connections and handlers. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_WORKER_H
#define GUAD_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "ev.h"
#include "evict.h"

struct scoreboard_slot;
struct conf;

struct listener {
	struct ev_handle ev; /* first: the callback gets it */
	struct worker *w;
	int watched;
	int tls;   /* connections begin with a TLS handshake */
	int proxy; /* and before it, or the request, a PROXY header */
};

struct worker {
	struct conn_pool pool; /* first: its closed callback finds us */
	const struct conf *conf;
	int id; /* 1..N */
	struct listener *listeners;
	size_t nlisteners;
	struct ev_handle lifeline; /* EOF when the master dies */
	struct ev_handle ctl;	   /* the master hands reopened logs over */

	struct conn *conns;    /* nslots of them */
	size_t nslots;	       /* [limits] connections, or what fds allow */
	size_t nconns;	       /* open */
	struct evict evict;    /* closing idle ones for new ones */
	int64_t accept_resume; /* ms; 0: accepting */
	int64_t drain_until;   /* ms: then idle connections are closed */
};

int worker_run(const struct conf *, const int *fds, size_t nfds, size_t ntls,
    int id, int lifeline, int ctl, struct scoreboard_slot *);

#endif
