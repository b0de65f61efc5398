/* conn.h: one client connection: read, parse, respond, keep alive or close. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_CONN_H
#define GUAD_CONN_H

#include <sys/types.h>

#include <stdint.h>

#include "buf.h"
#include "ev.h"
#include "park.h"
#include "serve.h"
#include "transport.h"

struct allow_net;
struct scoreboard_slot;
struct conf;
struct parked;
struct sockaddr;

enum conn_timer {
	CONN_TIMER_HEADER,    /* the whole head must arrive in time */
	CONN_TIMER_BODY,      /* the whole body must arrive in time */
	CONN_TIMER_KEEPALIVE, /* idle between requests */
	CONN_TIMER_SEND,      /* the client must keep reading */
	CONN_TIMER_LINGER,    /* draining input after the last response */
	CONN_TIMER_WAIT,      /* a handler's wait runs out: sorted */
	CONN_TIMER_COUNT,
	CONN_TIMER_NONE = CONN_TIMER_COUNT
};

/* A connection's place in one of its worker's queues. */
struct conn_link {
	struct conn *prev;
	struct conn *next;
};

/* Connections ordered by deadline: one timeout per queue keeps it sorted. */
struct conn_queue {
	struct conn *head;
	struct conn *tail;
	int64_t timeout_ms;
};

enum conn_state {
	CONN_IDLE,   /* between requests, no buffers held */
	CONN_HEAD,   /* reading a request head */
	CONN_BODY,   /* reading a request body */
	CONN_LINGER, /* output closed, discarding input */
	CONN_WAIT,   /* its handler waits for an fd or a time: parked */
	CONN_STATE_COUNT
};

/*
 * Kept small: an idle keep-alive connection holds this and nothing else;
 * its buffers go back to the worker's pools between requests.
 */
struct conn {
	struct ev_handle ev;
	struct conn_pool *pool;
	struct transport tr; /* every byte goes through it */
	char *in;
	char *out;
	struct conn_link tl;   /* its timer's queue, or the free list */
	struct conn_link rl;   /* the worker's ready queue */
	int64_t deadline;      /* ms, monotonic */
	struct parked *parked; /* CONN_WAIT: the request put aside */
	int64_t req_start_us;  /* the next request began; 0: not yet */
	int64_t resp_start_us; /* the request of the response in flight */
	int64_t resp_sent;     /* its bytes sent (< 0: earlier ones first) */
	char *log;	       /* its access log line, waiting; or NULL */
	off_t file_off;
	off_t file_end;
	int file_fd;
	uint32_t in_len;
	uint32_t in_off; /* start of the current request */
	uint32_t in_cap;
	uint32_t scanned; /* head bytes searched so far */
	uint32_t out_len;
	uint32_t out_off;
	uint32_t out_cap;
	uint32_t nreq; /* responses queued on this connection */
	uint16_t resp_status;
	uint16_t log_split; /* where its byte count goes in log */
	uint16_t log_len;
	uint8_t resp_method;
	uint8_t sb; /* enum scoreboard_conn: the slot's gauge it is in */
	uint8_t state;
	uint8_t timer;	       /* enum conn_timer */
	uint8_t closing : 1;   /* after this output */
	uint8_t readable : 1;  /* input waits behind output */
	uint8_t continued : 1; /* sent 100 Continue */
	uint8_t ready : 1;     /* more to do: in w->ready */
	uint8_t inflight : 1;  /* a response not yet counted */
	uint8_t resp_reused : 1;
	uint8_t woken : 1; /* CONN_WAIT: its handler may go on */
	uint8_t family;	   /* AF_INET, AF_INET6, 0 */
	uint8_t addr[16];
};

/* Pipelined responses are gathered up to this before one write. */
#define CONN_OUT_BATCH 8192

/* What moving a connection on did. */
enum conn_step {
	CONN_STEP_DONE,	  /* did something; go on */
	CONN_STEP_WAIT,	  /* needs an event */
	CONN_STEP_CLOSED, /* the connection is gone */
	CONN_STEP_YIELD	  /* can go on, after the other connections' turn */
};

/*
 * What a worker lends its connections, and all they see of it: one per
 * worker, made by it, read and written by the connections.
 */
struct conn_pool {
	const struct conf *conf;
	struct ev_loop *loop;
	struct conn *free_conns; /* slots to take */
	struct conn_queue timers[CONN_TIMER_COUNT];
	struct conn_queue ready;      /* work left by conn_drain */
	struct buf_pool inpool;	      /* request heads */
	struct buf_pool outpool;      /* response heads, small bodies */
	char *join;		      /* list fields sent twice */
	struct serve_env env;	      /* what handlers are lent */
	struct park_fds parks;	      /* fds waiting handlers watch */
	struct scoreboard_slot *slot; /* shared with the master */
	struct conn *followed;	 /* its request is the slot's in progress */
	struct buf_pool logpool; /* access log lines waiting to be done */
	int log_format;		 /* enum access_format */
	/* [server] trusted_proxies; none: no request names its client */
	struct allow_net *trusted;
	size_t ntrusted;
	int draining; /* answer with close; 2: idle ones are closed too */
	uint64_t requests;
	/* a connection was closed and its slot is free again */
	void (*closed)(struct conn_pool *);
};

void conn_open(struct conn_pool *, struct conn *, int fd,
    const struct sockaddr *, void *tls_ctx, int proxy);
void conn_close(struct conn *);
void conn_timeout(struct conn *);
void conn_on_event(struct ev_loop *, struct ev_handle *, unsigned);
void conn_drain(struct conn *);
void conn_run_ready(struct conn_pool *);
void conn_timer_set(struct conn *, enum conn_timer);
void conn_timer_at(struct conn *, enum conn_timer, int64_t deadline);
void conn_wake(struct conn *);
int conn_in_reserve(struct conn *, size_t want);

/* Is output (a buffer or a file body) still to be sent? */
static inline int
conn_output_pending(const struct conn *c)
{
	return c->out_off < c->out_len || c->file_fd != -1;
}
void conn_parked_wake(struct parked *);

#endif
