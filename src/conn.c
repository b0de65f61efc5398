/* conn.c: one client connection: read, parse, respond, keep alive or close. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "chunked.h"
#include "conf.h"
#include "conn.h"
#include "date.h"
#include "handler.h"
#include "http.h"
#include "log.h"
#include "page.h"
#include "park.h"
#include "resp.h"
#include "scoreboard.h"
#include "serve.h"
#include "tls.h"

/* Pipelined responses are gathered up to this before one write. */
#define OUT_BATCH 8192
/* A file body up to this size is copied behind the head: one write. */
#define SMALL_FILE 8192
/*
 * Steps (a request answered, a read, a flush) one call of conn_drain may
 * take before the connection goes to the back of the worker's ready
 * queue, so that a client that keeps its pipeline full cannot hold the
 * worker from its other connections, its listener and its timers.
 */
#define DRAIN_STEPS 32
/*
 * Bytes of a file one sendfile call may queue before the connection goes
 * to the back of the ready queue. Without it, a reader as fast as the
 * loopback keeps the worker in one connection until its socket buffer
 * (megabytes, once autotuned) is full. lighttpd writes 256 KiB per pass
 * too; nginx's sendfile_max_chunk is there for the same reason.
 */
#define SENDFILE_CHUNK ((size_t)256 * 1024)
/* Bytes of a chunked body on the wire allowed per byte of body_size. */
#define CHUNKED_OVERHEAD(n) ((n)*2 + 4096)

enum step {
	STEP_DONE,   /* did something; go on */
	STEP_WAIT,   /* needs an event */
	STEP_CLOSED, /* the connection is gone */
	STEP_YIELD   /* can go on, after the other connections' turn */
};

static void
timer_unlink(struct conn *c)
{
	struct conn_queue *q;

	if (c->timer == CONN_TIMER_NONE)
		return;
	q = &c->pool->timers[c->timer];
	if (c->tprev != NULL)
		c->tprev->tnext = c->tnext;
	else
		q->head = c->tnext;
	if (c->tnext != NULL)
		c->tnext->tprev = c->tprev;
	else
		q->tail = c->tprev;
	c->tprev = c->tnext = NULL;
	c->timer = CONN_TIMER_NONE;
}

/*
 * Starts timer t for c from now (CONN_TIMER_NONE stops it). Each queue
 * has one timeout, so appending keeps it sorted by deadline: O(1).
 */
void
conn_timer_set(struct conn *c, enum conn_timer t)
{
	struct conn_queue *q;

	timer_unlink(c);
	if (t == CONN_TIMER_NONE)
		return;
	q = &c->pool->timers[t];
	c->timer = (uint8_t)t;
	c->deadline = date_mono_ms() + q->timeout_ms;
	c->tprev = q->tail;
	c->tnext = NULL;
	if (q->tail != NULL)
		q->tail->tnext = c;
	else
		q->head = c;
	q->tail = c;
}

/*
 * Starts timer t for c to run out at deadline (monotonic ms), for a queue
 * whose deadlines are not all the same length (CONN_TIMER_WAIT): it is
 * kept sorted by walking from its end, where most new deadlines go.
 */
void
conn_timer_at(struct conn *c, enum conn_timer t, int64_t deadline)
{
	struct conn_queue *q;
	struct conn *after;

	timer_unlink(c);
	q = &c->pool->timers[t];
	c->timer = (uint8_t)t;
	c->deadline = deadline;
	for (after = q->tail; after != NULL && after->deadline > deadline;
	     after = after->tprev)
		continue;
	c->tprev = after;
	c->tnext = after != NULL ? after->tnext : q->head;
	if (c->tnext != NULL)
		c->tnext->tprev = c;
	else
		q->tail = c;
	if (after != NULL)
		after->tnext = c;
	else
		q->head = c;
}

/* Queues c to be drained again once the worker has looked at events. */
static void
ready_add(struct conn *c)
{
	struct conn_queue *q = &c->pool->ready;

	if (c->ready)
		return;
	c->ready = 1;
	c->rprev = q->tail;
	c->rnext = NULL;
	if (q->tail != NULL)
		q->tail->rnext = c;
	else
		q->head = c;
	q->tail = c;
}

static void
ready_unlink(struct conn *c)
{
	struct conn_queue *q = &c->pool->ready;

	if (!c->ready)
		return;
	if (c->rprev != NULL)
		c->rprev->rnext = c->rnext;
	else
		q->head = c->rnext;
	if (c->rnext != NULL)
		c->rnext->rprev = c->rprev;
	else
		q->tail = c->rprev;
	c->rprev = c->rnext = NULL;
	c->ready = 0;
}

/*
 * Drains, once each, the connections that were in the ready queue when
 * called; one that still has work goes back to its end for the next turn.
 */
void
conn_run_ready(struct conn_pool *pool)
{
	struct conn *c, *last = pool->ready.tail;
	int more = last != NULL;

	while (more && (c = pool->ready.head) != NULL) {
		more = c != last;
		ready_unlink(c);
		conn_drain(c);
	}
}

static int
output_pending(const struct conn *c)
{
	return c->out_off < c->out_len || c->file_fd != -1;
}

/*
 * The response in flight is over: sent, or its connection is closing, or
 * the next one is queued behind the rest of it (queued: those bytes).
 * Counts it in the scoreboard and writes its access log line with the
 * bytes of its body sent.
 */
static void
response_done(struct conn *c, size_t queued)
{
	struct conn_pool *pool = c->pool;
	int64_t sent = c->resp_sent + (int64_t)queued;
	uint64_t bytes = sent > 0 ? (uint64_t)sent : 0, us;

	c->inflight = 0;
	us = (uint64_t)(date_clock_us() - c->resp_start_us);
	scoreboard_count(pool->slot, c->resp_status, c->resp_method, bytes, us);
	if (c->log != NULL) {
		access_end((enum access_format)pool->log_format, c->log,
		    c->log_len, c->log_split, bytes, us, c->resp_reused,
		    c->tr.engine != NULL ? tls_version(&c->tr) : NULL);
		buf_pool_put(&pool->logpool, c->log);
		c->log = NULL;
	}
	if (pool->followed == c) {
		pool->followed = NULL;
		scoreboard_unfollow(pool->slot);
	}
}

/* What a connection in each state waits for, when it has no output. */
static const uint8_t gauge_of[CONN_STATE_COUNT] = {
	[CONN_IDLE] = SCOREBOARD_CONN_KEEPALIVE,
	[CONN_HEAD] = SCOREBOARD_CONN_READING,
	[CONN_BODY] = SCOREBOARD_CONN_READING,
	[CONN_LINGER] = SCOREBOARD_CONN_CLOSING,
	[CONN_WAIT] = SCOREBOARD_CONN_WAITING,
};

/*
 * Puts c in the slot's gauge of what it waits for, after each drain:
 * on a keep-alive connection it is the same each time, and costs a
 * lookup and a compare.
 */
static void
gauge(struct conn *c)
{
	unsigned st =
	    output_pending(c) ? SCOREBOARD_CONN_WRITING : gauge_of[c->state];

	/* before its first request, a connection is being read */
	if (st == SCOREBOARD_CONN_KEEPALIVE && c->nreq == 0)
		st = c->tr.handshaking ? SCOREBOARD_CONN_HANDSHAKE
				       : SCOREBOARD_CONN_READING;
	if (st != c->sb) {
		scoreboard_conn_move(c->pool->slot, c->sb, st);
		c->sb = (uint8_t)st;
	}
}

/* Gives the buffers back to the worker's pools (or frees grown ones). */
static void
release_buffers(struct conn *c)
{
	struct conn_pool *pool = c->pool;

	if (c->in != NULL) {
		if (c->in_cap == pool->inpool.size)
			buf_pool_put(&pool->inpool, c->in);
		else
			free(c->in);
	}
	if (c->out != NULL) {
		if (c->out_cap == pool->outpool.size)
			buf_pool_put(&pool->outpool, c->out);
		else
			free(c->out);
	}
	c->in = c->out = NULL;
	c->in_len = c->in_off = c->in_cap = c->scanned = 0;
	c->out_len = c->out_off = c->out_cap = 0;
}

/*
 * Takes over an accepted socket; the caller has made it non-blocking.
 * With tls_ctx (an SSL_CTX), the connection speaks TLS; its handshake
 * runs under the header timer.
 */
void
conn_open(struct conn_pool *pool, struct conn *c, int fd,
    const struct sockaddr *sa, void *tls_ctx)
{
	memset(c, 0, sizeof(*c));
	c->pool = pool;
	c->ev.fd = fd;
	c->ev.cb = conn_on_event;
	transport_open(&c->tr, &transport_plain, fd);
	c->file_fd = -1;
	c->timer = CONN_TIMER_NONE;
	c->state = CONN_IDLE;
	c->readable = 1; /* clients write right after connecting */
	if (sa->sa_family == AF_INET) {
		c->family = AF_INET;
		memcpy(c->addr,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    4);
	} else if (sa->sa_family == AF_INET6) {
		c->family = AF_INET6;
		memcpy(c->addr,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    16);
	}
	conn_timer_set(c, CONN_TIMER_HEADER);
	if (tls_ctx != NULL && tls_open(&c->tr, tls_ctx) == -1) {
		log_warnx("cannot start a TLS session (out of memory)");
		conn_close(c);
		return;
	}
	/*
	 * Served before it joins the epoll set: the request is usually
	 * there already, and a Connection: close exchange is then over
	 * without an epoll_ctl. EPOLL_CTL_ADD reports what is ready when it
	 * is made, so input that arrives in between is not missed.
	 */
	conn_drain(c);
	if (c->ev.fd == -1)
		return; /* answered and closed */
	if (ev_add(pool->loop, &c->ev, EV_READ | EV_WRITE | EV_EDGE) == -1) {
		log_warn("epoll add");
		conn_close(c);
	}
}

/* Closes the socket and returns the slot to the worker. */
void
conn_close(struct conn *c)
{
	struct conn_pool *pool = c->pool;

	if (c->inflight)
		response_done(c, 0);
	if (c->log != NULL) {
		buf_pool_put(&pool->logpool, c->log);
		c->log = NULL;
	}
	if (pool->followed == c) {
		pool->followed = NULL;
		scoreboard_unfollow(pool->slot);
	}
	scoreboard_conn_move(pool->slot, c->sb, SCOREBOARD_CONN_NONE);
	c->sb = SCOREBOARD_CONN_NONE;
	timer_unlink(c);
	ready_unlink(c);
	if (c->parked != NULL)
		park_abandon(c->parked);
	c->parked = NULL;
	if (c->file_fd != -1)
		close(c->file_fd);
	c->file_fd = -1;
	release_buffers(c);
	c->tr.ops->close(&c->tr); /* also leaves the epoll set */
	c->ev.fd = -1;
	c->tnext = pool->free_conns;
	pool->free_conns = c;
	pool->closed(pool);
}

/*
 * Queues the response: head and small bodies into the output buffer,
 * a large file body for sendfile. Owns resp->fd from here on.
 */
static int
respond(struct conn *c, const struct http_request *req, struct response *r)
{
	struct conn_pool *pool = c->pool;
	struct buf b;
	size_t before = c->out_len - c->out_off, split, head;
	ssize_t n;
	int i, keep;

	keep = req->keep_alive && !r->close && !pool->draining;
	/* gathered behind the one before: the rest of that one is queued */
	if (c->inflight)
		response_done(c, before);
	page_error_finish(pool->conf, r);
	if (c->out == NULL) {
		if ((c->out = buf_pool_get(&pool->outpool)) == NULL)
			goto fail;
		c->out_cap = (uint32_t)pool->outpool.size;
	}
	b.data = c->out;
	b.len = c->out_len;
	b.cap = c->out_cap;
	b.max = UINT32_MAX;
	b.failed = 0;
	resp_head(&b, r, keep, req->minor == 0);
	head = b.len - c->out_len;
	if (!r->no_body) {
		for (i = 0; i < r->nbody; i++)
			buf_add(&b, r->body[i].p, r->body[i].len);
		if (r->fd != -1 && r->file_len <= SMALL_FILE &&
		    buf_reserve(&b, (size_t)r->file_len) == 0) {
			n = pread(r->fd, b.data + b.len, (size_t)r->file_len,
			    r->file_off);
			if (n != (ssize_t)r->file_len) {
				/* the file changed under us: end cleanly */
				log_warn("short read of a file");
				b.failed = 1;
			} else
				b.len += (size_t)n;
			close(r->fd);
			r->fd = -1;
		}
	}
	c->out = b.data;
	c->out_cap = (uint32_t)b.cap;
	if (b.failed)
		goto fail;
	c->out_len = (uint32_t)b.len;
	if (r->fd != -1) {
		if (r->no_body)
			close(r->fd);
		else {
			c->file_fd = r->fd;
			c->file_off = r->file_off;
			c->file_end = r->file_off + r->file_len;
		}
		r->fd = -1;
	}
	c->inflight = 1;
	c->resp_reused = c->nreq > 0;
	c->nreq++;
	c->resp_status = (uint16_t)r->status;
	c->resp_method = (uint8_t)req->method;
	c->resp_start_us =
	    c->req_start_us != 0 ? c->req_start_us : date_mono_us();
	c->req_start_us = 0;
	/* the head is not counted: bytes are the body's, as in CLF */
	c->resp_sent = -(int64_t)(before + head);
	if (log_access_enabled() && (c->log = buf_pool_get(&pool->logpool))) {
		c->log_len = (uint16_t)access_begin(c->log,
		    (enum access_format)pool->log_format, c->family, c->addr,
		    req, r->status, &split);
		c->log_split = (uint16_t)split;
		if (c->log_len == 0) {
			buf_pool_put(&pool->logpool, c->log);
			c->log = NULL;
		}
	}
	if (!keep)
		c->closing = 1;
	pool->requests++;
	/* max_requests: ask the master for a replacement, keep serving */
	if (pool->conf->max_requests > 0 &&
	    pool->requests == pool->conf->max_requests && pool->slot != NULL)
		pool->slot->retire = 1;
	return 0;
fail:
	if (r->fd != -1)
		close(r->fd);
	r->fd = -1;
	log_warnx("cannot build a response (out of memory)");
	return -1;
}

static int
respond_error(struct conn *c, const struct http_request *req, int status)
{
	struct response r;

	resp_init(&r);
	resp_error(&r, status);
	r.close = 1;
	c->state = CONN_IDLE; /* nothing more is read as a request */
	return respond(c, req, &r);
}

/* Makes room for want bytes from in_off: compacts, then grows. */
static int
in_reserve(struct conn *c, size_t want)
{
	char *p;

	if (c->in_off > 0 && c->in_off + want > c->in_cap) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
	if (want <= c->in_cap)
		return 0;
	if (want > UINT32_MAX)
		return -1;
	if (c->in_cap == c->pool->inpool.size) {
		if ((p = malloc(want)) == NULL)
			return -1;
		memcpy(p, c->in, c->in_len);
		buf_pool_put(&c->pool->inpool, c->in);
	} else if ((p = realloc(c->in, want)) == NULL)
		return -1;
	c->in = p;
	c->in_cap = (uint32_t)want;
	return 0;
}

static void
send_continue(struct conn *c, const struct http_request *req)
{
	static char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	struct iovec iov = { cont, sizeof(cont) - 1 };

	if (!req->expect_continue || c->continued || req->minor == 0)
		return;
	c->continued = 1;
	/* The socket is empty of output here; a short write is left alone. */
	(void)!c->tr.ops->writev(&c->tr, &iov, 1, 0);
}

/* The request head is complete but its body is not: wait for it. */
static enum step
wait_body(struct conn *c, const struct http_request *req, size_t want)
{
	if (c->state != CONN_BODY) {
		c->state = CONN_BODY;
		conn_timer_set(c, CONN_TIMER_BODY);
	}
	if (in_reserve(c, want) == -1)
		return respond_error(c, req, HTTP_STATUS_SERVICE_UNAVAILABLE) ==
			-1
		    ? (conn_close(c), STEP_CLOSED)
		    : STEP_DONE;
	send_continue(c, req);
	return STEP_WAIT;
}

/*
 * Sends the answer to a request whose bytes (consumed of them) start the
 * input buffer: the handler's response, or the error page for its
 * status. STEP_DONE, or STEP_CLOSED.
 */
static enum step
answer(struct conn *c, const struct http_request *req, const struct hreq *q,
    struct response *r, size_t consumed)
{
	if (q->status != 0 && r->status != q->status)
		resp_error(r, q->status);
	if (req->method == HTTP_METHOD_HEAD)
		r->no_body = 1;
	c->state = CONN_IDLE;
	c->continued = 0;
	c->scanned = 0;
	c->in_off += (uint32_t)consumed;
	if (c->in_off == c->in_len)
		c->in_off = c->in_len = 0;
	conn_timer_set(c, CONN_TIMER_NONE);
	if (respond(c, req, r) == -1) {
		conn_close(c);
		return STEP_CLOSED;
	}
	return STEP_DONE;
}

/*
 * The handler waits: watch its fd and its time; nothing more is read
 * from the client until it has answered. STEP_WAIT, or STEP_CLOSED.
 */
static enum step
wait_handler(struct conn *c, struct parked *p)
{
	c->state = CONN_WAIT;
	c->parked = p;
	c->woken = 0;
	if (p->q.wait.fd == -1 && p->q.wait.until_ms == 0) {
		log_warnx("%s handler: a wait for nothing",
		    p->q.route->handler->name);
		goto fail;
	}
	if (park_watch(&c->pool->parks, p) == -1)
		goto fail;
	if (p->q.wait.until_ms != 0)
		conn_timer_at(c, CONN_TIMER_WAIT, p->q.wait.until_ms);
	else
		conn_timer_set(c, CONN_TIMER_NONE);
	return STEP_WAIT;
fail:
	c->parked = NULL;
	c->state = CONN_HEAD;
	park_abandon(p);
	conn_close(c); /* the request cannot be answered */
	return STEP_CLOSED;
}

/* Calls the waiting handler again; as process_one. */
static enum step
resume(struct conn *c)
{
	struct conn_pool *pool = c->pool;
	struct parked *p = c->parked;
	struct response r;
	enum step s;
	int follow;

	c->woken = 0;
	park_unwatch(p);
	resp_init(&r);
	follow = pool->followed == NULL || pool->followed == c;
	if (follow)
		pool->followed = c;
	scoreboard_begin(pool->slot, &c->tr, output_pending(c), p->req.method,
	    p->req.path.p, p->req.path.len, c->req_start_us / 1000,
	    date_mono_ms(), follow);
	if (serve_resume(&p->q, &r) == HANDLER_WAIT) {
		scoreboard_end(pool->slot);
		return wait_handler(c, p);
	}
	scoreboard_end(pool->slot);
	c->parked = NULL;
	s = answer(c, &p->req, &p->q, &r, p->consumed);
	park_free(p);
	return s;
}

/* What a parked request waits for may have come: go on when output allows. */
void
conn_wake(struct conn *c)
{
	c->woken = 1;
	conn_drain(c);
}

/* park.c's wake-up: the fd a parked request waits on is ready. */
void
conn_parked_wake(struct parked *p)
{
	struct conn *c = p->owner;

	if (c->timer == CONN_TIMER_WAIT)
		conn_timer_set(c, CONN_TIMER_NONE);
	conn_wake(c);
}

/* Parses and answers the next request in the input buffer, if complete. */
static enum step
process_one(struct conn *c)
{
	struct conn_pool *pool = c->pool;
	const struct conf *cf = pool->conf;
	struct http_request req;
	struct response r;
	char *head = c->in + c->in_off;
	size_t avail = c->in_len - c->in_off, scanned;
	size_t raw, blen = 0, consumed, want, limit;
	const char *body = NULL;
	struct hreq q;
	struct parked *p;
	enum handler_step step;
	int rc, follow;

	if (c->req_start_us == 0)
		c->req_start_us = date_mono_us();
	scanned = c->scanned;
	rc = http_parse_head(&req, head, avail, &scanned, &cf->limits,
	    pool->join, cf->limits.header_size + 1);
	c->scanned = (uint32_t)scanned;
	req.https = c->tr.engine != NULL;
	if (rc == HTTP_AGAIN) {
		if (c->state == CONN_IDLE) {
			c->state = CONN_HEAD;
			if (c->timer != CONN_TIMER_HEADER)
				conn_timer_set(c, CONN_TIMER_HEADER);
		}
		if (c->in_off > 0 && c->in_len == c->in_cap)
			in_reserve(c, c->in_cap);
		return STEP_WAIT;
	}
	if (rc > 0)
		goto error;

	consumed = req.head_len;
	if (req.chunked) {
		rc = chunked_body(head + req.head_len, avail - req.head_len,
		    cf->limits.body_size, 0, &raw, &blen);
		if (rc == HTTP_AGAIN) {
			limit = req.head_len +
			    CHUNKED_OVERHEAD(cf->limits.body_size);
			if (avail >= limit) {
				rc = HTTP_STATUS_CONTENT_TOO_LARGE;
				goto error;
			}
			want = c->in_cap - c->in_off;
			if (avail >= want)
				want = avail * 2;
			if (want > limit)
				want = limit;
			return wait_body(c, &req, want);
		}
		if (rc > 0)
			goto error;
		chunked_body(head + req.head_len, avail - req.head_len,
		    cf->limits.body_size, 1, &raw, &blen);
		body = head + req.head_len;
		consumed += raw;
	} else if (req.content_length > 0) {
		want = req.head_len + (size_t)req.content_length;
		if (avail < want)
			return wait_body(c, &req, want);
		body = head + req.head_len;
		blen = (size_t)req.content_length;
		consumed = want;
	}

	resp_init(&r);
	q.conf = cf;
	q.route = NULL;
	q.req = &req;
	q.body = body;
	q.blen = blen;
	q.addr = c->family != 0 ? c->addr : NULL;
	q.family = c->family;
	q.kind_state = NULL;
	q.state = NULL;
	q.woken_by_time = 0;
	q.status = 0;
	follow = pool->followed == NULL;
	if (follow)
		pool->followed = c;
	scoreboard_begin(pool->slot, &c->tr, output_pending(c), req.method,
	    req.path.p, req.path.len, c->req_start_us / 1000, date_mono_ms(),
	    follow);
	step = serve_request(&pool->env, &q, &r);
	scoreboard_end(pool->slot);
	if (step == HANDLER_WAIT) {
		p = park_new(&req, &q, pool->join, cf->limits.header_size + 1,
		    c, consumed);
		if (p != NULL)
			return wait_handler(c, p);
		log_warnx("cannot keep a waiting request (out of memory)");
		if (q.route->handler->abandon != NULL)
			q.route->handler->abandon(&q);
		resp_init(&r);
		q.status = HTTP_STATUS_SERVICE_UNAVAILABLE;
	}
	return answer(c, &req, &q, &r, consumed);
error:
	if (respond_error(c, &req, rc) == -1) {
		conn_close(c);
		return STEP_CLOSED;
	}
	return STEP_DONE;
}

/*
 * Is the deadline of a request that has begun (its head or its body) in
 * force? It runs from the request's first byte and is never replaced by
 * the send timer: output blocked behind a partial request must not leave
 * that request without a deadline once the output drains.
 */
static int
request_timer(const struct conn *c)
{
	return (c->state == CONN_HEAD && c->timer == CONN_TIMER_HEADER) ||
	    (c->state == CONN_BODY && c->timer == CONN_TIMER_BODY) ||
	    (c->state == CONN_WAIT && c->timer == CONN_TIMER_WAIT);
}

/*
 * Writes queued output; STEP_WAIT if the socket is full. The send timer
 * runs while it is full, unless a request's own deadline does.
 */
static enum step
flush(struct conn *c)
{
	const struct transport_ops *ops = c->tr.ops;
	struct iovec iov;
	ssize_t n;
	size_t chunk;

	while (output_pending(c)) {
		if (c->out_off < c->out_len) {
			iov.iov_base = c->out + c->out_off;
			iov.iov_len = c->out_len - c->out_off;
			n = ops->writev(&c->tr, &iov, 1, c->file_fd != -1);
		} else if (!c->pool->conf->sendfile || ops->sendfile == NULL) {
			/*
			 * sendfile = off, or a transport that must see the
			 * bytes: through the output buffer
			 */
			chunk = (size_t)(c->file_end - c->file_off);
			if (chunk > c->out_cap)
				chunk = c->out_cap;
			n = pread(c->file_fd, c->out, chunk, c->file_off);
			if (log_debug_on)
				log_debug("file body: %zd bytes by pread", n);
			if (n <= 0) {
				log_warnx(
				    "file shrank or failed while being sent");
				conn_close(c);
				return STEP_CLOSED;
			}
			c->file_off += n;
			c->out_off = 0;
			c->out_len = (uint32_t)n;
			if (c->file_off >= c->file_end) {
				close(c->file_fd);
				c->file_fd = -1;
			}
			continue;
		} else {
			chunk = (size_t)(c->file_end - c->file_off);
			if (chunk > SENDFILE_CHUNK)
				chunk = SENDFILE_CHUNK;
			n = ops->sendfile(&c->tr, c->file_fd, &c->file_off,
			    chunk);
			if (log_debug_on)
				log_debug("file body: %zd bytes by sendfile",
				    n);
			if (n > 0)
				c->resp_sent += n;
			if (n == 0) {
				log_warnx("file shrank while being sent");
				conn_close(c);
				return STEP_CLOSED;
			}
			if (n == (ssize_t)chunk && c->file_off < c->file_end) {
				if (c->timer == CONN_TIMER_SEND)
					conn_timer_set(c, CONN_TIMER_SEND);
				return STEP_YIELD;
			}
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				if (!request_timer(c) &&
				    c->timer != CONN_TIMER_SEND)
					conn_timer_set(c, CONN_TIMER_SEND);
				return STEP_WAIT;
			}
			conn_close(c);
			return STEP_CLOSED;
		}
		if (c->out_off < c->out_len) {
			c->out_off += (uint32_t)n;
			c->resp_sent += n;
		} else if (c->file_off >= c->file_end) {
			close(c->file_fd);
			c->file_fd = -1;
		}
		if (c->timer == CONN_TIMER_SEND)
			conn_timer_set(c, CONN_TIMER_SEND);
	}
	c->out_off = c->out_len = 0;
	if (c->timer == CONN_TIMER_SEND)
		conn_timer_set(c, CONN_TIMER_NONE);
	if (c->inflight)
		response_done(c, 0);
	return STEP_DONE;
}

/* Reads what the socket has; STEP_WAIT once it is empty. */
static enum step
read_some(struct conn *c)
{
	struct conn_pool *pool = c->pool;
	size_t space;
	ssize_t n;

	if (c->in == NULL) {
		if ((c->in = buf_pool_get(&pool->inpool)) == NULL) {
			conn_close(c);
			return STEP_CLOSED;
		}
		c->in_cap = (uint32_t)pool->inpool.size;
	}
	if (c->in_len == c->in_cap && in_reserve(c, c->in_cap) == -1) {
		conn_close(c);
		return STEP_CLOSED;
	}
	space = c->in_cap - c->in_len;
	if (space == 0) {
		conn_close(c); /* the parser bounds every request */
		return STEP_CLOSED;
	}
	n = c->tr.ops->read(&c->tr, c->in + c->in_len, space);
	if (n > 0) {
		c->in_len += (uint32_t)n;
		if ((size_t)n < space && c->tr.ops->short_read_drains)
			c->readable = 0; /* edge-triggered: drained */
		return STEP_DONE;
	}
	if (n == -1 && errno == EAGAIN) {
		/* an engine that must write first is read again once it can */
		c->readable = c->tr.want == TRANSPORT_WANT_WRITE;
		return STEP_WAIT;
	}
	conn_close(c); /* EOF or error */
	return STEP_CLOSED;
}

/* Discards input after the last response, until EOF or the timer. */
static void
linger(struct conn *c)
{
	char sink[4096];
	ssize_t n;

	while (c->readable) {
		n = c->tr.ops->read(&c->tr, sink, sizeof(sink));
		if (n > 0)
			continue;
		if (n == -1 && errno == EAGAIN) {
			c->readable = c->tr.want == TRANSPORT_WANT_WRITE;
			return;
		}
		conn_close(c);
		return;
	}
}

/*
 * After the last response: close, or, if the client may still be sending
 * (the request was refused before its body was read), shut down our side
 * and drain, so the kernel does not answer its bytes with a reset that
 * could destroy the response in flight.
 */
static void
finish(struct conn *c)
{
	/* a draining worker always lingers: its last answers must arrive */
	if (c->in_len == c->in_off && c->state == CONN_IDLE && !c->readable &&
	    !c->pool->draining) {
		conn_close(c);
		return;
	}
	c->tr.ops->shutdown(&c->tr);
	release_buffers(c);
	c->state = CONN_LINGER;
	conn_timer_set(c, CONN_TIMER_LINGER);
	linger(c);
}

/*
 * While the worker drains, a connection between requests stays open: its
 * next request is answered with Connection: close, so that the client
 * learns of the close before it sends on it again (closing it now would
 * race a request already on its way). Only once the drain's time is up
 * (draining > 1) is it closed with its socket known empty. A connection
 * still waiting for its first request keeps its header timer.
 */
static int
draining_idle(const struct conn *c)
{
	return c->pool->draining > 1 && c->state == CONN_IDLE &&
	    c->in_len == c->in_off && !output_pending(c) &&
	    c->timer != CONN_TIMER_HEADER;
}

/*
 * Moves the connection on as far as it can go without waiting: answers
 * complete requests (gathering pipelined ones), writes, reads. After
 * DRAIN_STEPS steps it stops and queues the connection, so edge-triggered
 * input left unread is not forgotten: the worker drains it again after
 * its next look at events.
 */
static void
drain_steps(struct conn *c)
{
	enum step s;
	int steps = 0;

	for (;; steps++) {
		if (steps == DRAIN_STEPS) {
			ready_add(c); /* the rest on the next turn */
			return;
		}
		if (c->state == CONN_LINGER) {
			linger(c);
			return;
		}
		/* a response whose log line waits for its bytes goes first */
		if (c->in_off < c->in_len && !c->closing && c->file_fd == -1 &&
		    c->out_len < OUT_BATCH && c->log == NULL &&
		    c->state != CONN_WAIT) {
			s = process_one(c);
			if (s == STEP_CLOSED)
				return;
			if (s == STEP_DONE)
				continue;
		}
		if (output_pending(c)) {
			s = flush(c);
			if (s == STEP_YIELD)
				ready_add(c);
			if (s != STEP_DONE)
				return;
			if (c->closing) {
				finish(c);
				return;
			}
			continue;
		}
		if (c->state == CONN_WAIT) {
			/* nothing is read past it; its answer goes out after
			 * the earlier ones, and never before a file body */
			if (!c->woken)
				return;
			s = resume(c);
			if (s == STEP_DONE)
				continue;
			return;
		}
		if (c->in_len == c->in_off && c->state == CONN_IDLE) {
			release_buffers(c);
			if (c->timer == CONN_TIMER_NONE)
				conn_timer_set(c, CONN_TIMER_KEEPALIVE);
		}
		s = c->readable ? read_some(c) : STEP_WAIT;
		if (s == STEP_CLOSED)
			return;
		if (s == STEP_WAIT) {
			if (draining_idle(c))
				conn_close(c);
			return;
		}
	}
}

/*
 * Runs drain_steps, then shows in the scoreboard what the connection
 * waits for. Called on every event and after accept.
 */
void
conn_drain(struct conn *c)
{
	drain_steps(c);
	if (c->ev.fd != -1)
		gauge(c);
}

void
conn_on_event(struct ev_loop *loop, struct ev_handle *h, unsigned events)
{
	struct conn *c = (struct conn *)h;

	if (events & EV_READ)
		c->readable = 1;
	conn_drain(c);
}

/* The connection's timer ran out. */
void
conn_timeout(struct conn *c)
{
	struct http_request req;

	switch (c->timer) {
	case CONN_TIMER_HEADER:
	case CONN_TIMER_BODY:
		/* not a byte of a request yet, or a file is on its way: the
		 * 408 could not be put after it */
		if (c->state == CONN_IDLE || c->file_fd != -1) {
			conn_close(c);
			return;
		}
		memset(&req, 0, sizeof(req));
		conn_timer_set(c, CONN_TIMER_NONE);
		c->in_off = c->in_len = 0;
		if (respond_error(c, &req, HTTP_STATUS_REQUEST_TIMEOUT) == -1) {
			conn_close(c);
			return;
		}
		c->readable = 1; /* make finish() linger */
		conn_drain(c);
		return;
	case CONN_TIMER_WAIT:
		conn_timer_set(c, CONN_TIMER_NONE);
		park_unwatch(c->parked);
		c->parked->q.woken_by_time = 1;
		conn_wake(c);
		return;
	default:
		conn_close(c);
		return;
	}
}
