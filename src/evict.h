/* evict.h: a full worker closes its oldest idle connections for new ones. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_EVICT_H
#define GUAD_EVICT_H

#include <stdint.h>

struct conn_pool;

/* Why a worker closes idle connections. */
enum evict_cause {
	EVICT_FULL,   /* every connection slot is taken */
	EVICT_NOFILE, /* accept: out of descriptors (EMFILE, ENFILE) */
	EVICT_CAUSE_COUNT
};

/* One episode: from its first closed connection to EVICT_QUIET_MS after
 * its last. */
struct evict {
	int64_t since_ms; /* 0: no episode */
	int64_t last_ms;
	uint64_t keepalive; /* closed between requests */
	uint64_t fresh;	    /* closed before their first byte */
	uint64_t partial;   /* closed with their request head unfinished */
	uint64_t body;	    /* closed with their request body unfinished */
	uint64_t served;    /* found with a request waiting: served */
	unsigned causes;    /* 1 << enum evict_cause */
};

/* An episode ends once no connection had to be closed for this long. */
#define EVICT_QUIET_MS 5000

int
evict_one(struct conn_pool *, struct evict *, enum evict_cause, size_t used);
int64_t evict_deadline(const struct evict *);
void evict_tick(struct evict *, int64_t now);

#endif
