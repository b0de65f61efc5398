/* conn.h: one client connection: read, parse, respond, keep alive or close. */
#ifndef GUAD_CONN_H
#define GUAD_CONN_H

#include <sys/types.h>

#include <stdint.h>

#include "ev.h"
#include "transport.h"
#include "worker.h"

/* A parked request is tried again this often. */
#define CONN_RETRY_MS 5

enum conn_state {
	CONN_IDLE,   /* between requests, no buffers held */
	CONN_HEAD,   /* reading a request head */
	CONN_BODY,   /* reading a request body */
	CONN_LINGER, /* output closed, discarding input */
	CONN_PARKED, /* a handler put the request off: retried */
	CONN_STATE_COUNT
};

/*
 * Kept small: an idle keep-alive connection holds this and nothing else;
 * its buffers go back to the worker's pools between requests.
 */
struct conn {
	struct ev_handle ev;
	struct worker *w;
	struct transport tr; /* every byte goes through it */
	char *in;
	char *out;
	struct conn *tprev; /* timer queue, or free list */
	struct conn *tnext;
	struct conn *rprev; /* the worker's ready queue */
	struct conn *rnext;
	int64_t deadline;      /* ms, monotonic */
	int64_t parked_at;     /* ms, first try; CONN_PARKED */
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
	uint32_t parked_len;  /* the parked request's bytes */
	uint32_t parked_body; /* its body, read and decoded */
	uint32_t nreq;	      /* responses queued on this connection */
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
	uint8_t family; /* AF_INET, AF_INET6, 0 */
	uint8_t addr[16];
};

void conn_open(struct worker *, struct conn *, int fd, const struct sockaddr *,
    void *tls_ctx);
void conn_close(struct conn *);
void conn_timeout(struct conn *);
void conn_on_event(struct ev_loop *, struct ev_handle *, unsigned);
void conn_drain(struct conn *);
void conn_run_ready(struct worker *);
void conn_timer_set(struct conn *, enum conn_timer);

#endif
