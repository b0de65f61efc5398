/* conn.c: one client connection: its bytes, timers, keep-alive and close. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stddef.h>
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
#include "request.h"
#include "park.h"
#include "proxy.h"
#include "resp.h"
#include "scoreboard.h"
#include "serve.h"
#include "tls.h"

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

/* The link at offset off (TL, RL) of c. */
static struct conn_link *
link_of(struct conn *c, size_t off)
{
	return (struct conn_link *)(void *)((char *)c + off);
}

#define TL offsetof(struct conn, tl)
#define RL offsetof(struct conn, rl)

/* Puts c into q, by its link at off, after `after` (NULL: first). */
static void
queue_insert(struct conn_queue *q, struct conn *after, struct conn *c,
    size_t off)
{
	struct conn_link *l = link_of(c, off);

	l->prev = after;
	l->next = after != NULL ? link_of(after, off)->next : q->head;
	if (l->next != NULL)
		link_of(l->next, off)->prev = c;
	else
		q->tail = c;
	if (after != NULL)
		link_of(after, off)->next = c;
	else
		q->head = c;
}

/* Takes c out of q, by its link at off. */
static void
queue_unlink(struct conn_queue *q, struct conn *c, size_t off)
{
	struct conn_link *l = link_of(c, off);

	if (l->prev != NULL)
		link_of(l->prev, off)->next = l->next;
	else
		q->head = l->next;
	if (l->next != NULL)
		link_of(l->next, off)->prev = l->prev;
	else
		q->tail = l->prev;
	l->prev = l->next = NULL;
}

static void
timer_unlink(struct conn *c)
{
	if (c->timer == CONN_TIMER_NONE)
		return;
	queue_unlink(&c->pool->timers[c->timer], c, TL);
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
	queue_insert(q, q->tail, c, TL);
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
	     after = after->tl.prev)
		continue;
	queue_insert(q, after, c, TL);
}

/* Queues c to be drained again once the worker has looked at events. */
static void
ready_add(struct conn *c)
{
	if (c->ready)
		return;
	c->ready = 1;
	queue_insert(&c->pool->ready, c->pool->ready.tail, c, RL);
}

static void
ready_unlink(struct conn *c)
{
	if (!c->ready)
		return;
	queue_unlink(&c->pool->ready, c, RL);
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
	unsigned st = conn_output_pending(c) ? SCOREBOARD_CONN_WRITING
					     : gauge_of[c->state];

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
 * With tls_ctx (an SSL_CTX), the connection speaks TLS; with proxy, it
 * starts with a PROXY header. Both run under the header timer.
 */
void
conn_open(struct conn_pool *pool, struct conn *c, int fd,
    const struct sockaddr *sa, void *tls_ctx, int proxy)
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
	proxy_peer_set(&c->family, c->addr, sa);
	conn_timer_set(c, CONN_TIMER_HEADER);
	/* a PROXY header first: it says who the peer is, then TLS */
	if (proxy && proxy_open(&c->tr, tls_ctx, &c->family, c->addr) == -1) {
		log_warnx("cannot start a connection (out of memory)");
		conn_close(c);
		return;
	}
	if (!proxy && tls_ctx != NULL && tls_open(&c->tr, tls_ctx) == -1) {
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
		request_done(c, 0);
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
	c->tl.next = pool->free_conns;
	pool->free_conns = c;
	pool->closed(pool);
}

/* Makes room for want bytes from in_off: compacts, then grows. */
int
conn_in_reserve(struct conn *c, size_t want)
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
 * Writes queued output; CONN_STEP_WAIT if the socket is full. The send timer
 * runs while it is full, unless a request's own deadline does.
 */
static enum conn_step
flush(struct conn *c)
{
	const struct transport_ops *ops = c->tr.ops;
	struct iovec iov;
	ssize_t n;
	size_t chunk;

	while (conn_output_pending(c)) {
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
				return CONN_STEP_CLOSED;
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
				return CONN_STEP_CLOSED;
			}
			if (n == (ssize_t)chunk && c->file_off < c->file_end) {
				if (c->timer == CONN_TIMER_SEND)
					conn_timer_set(c, CONN_TIMER_SEND);
				return CONN_STEP_YIELD;
			}
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				if (!request_timer(c) &&
				    c->timer != CONN_TIMER_SEND)
					conn_timer_set(c, CONN_TIMER_SEND);
				return CONN_STEP_WAIT;
			}
			conn_close(c);
			return CONN_STEP_CLOSED;
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
		request_done(c, 0);
	return CONN_STEP_DONE;
}

/* Reads what the socket has; CONN_STEP_WAIT once it is empty. */
static enum conn_step
read_some(struct conn *c)
{
	struct conn_pool *pool = c->pool;
	size_t space;
	ssize_t n;

	if (c->in == NULL) {
		if ((c->in = buf_pool_get(&pool->inpool)) == NULL) {
			conn_close(c);
			return CONN_STEP_CLOSED;
		}
		c->in_cap = (uint32_t)pool->inpool.size;
	}
	if (c->in_len == c->in_cap && conn_in_reserve(c, c->in_cap) == -1) {
		conn_close(c);
		return CONN_STEP_CLOSED;
	}
	space = c->in_cap - c->in_len;
	if (space == 0) {
		conn_close(c); /* the parser bounds every request */
		return CONN_STEP_CLOSED;
	}
	n = c->tr.ops->read(&c->tr, c->in + c->in_len, space);
	if (n > 0) {
		c->in_len += (uint32_t)n;
		if ((size_t)n < space && c->tr.ops->short_read_drains)
			c->readable = 0; /* edge-triggered: drained */
		return CONN_STEP_DONE;
	}
	if (n == -1 && errno == EAGAIN) {
		/* an engine that must write first is read again once it can */
		c->readable = c->tr.want == TRANSPORT_WANT_WRITE;
		return CONN_STEP_WAIT;
	}
	conn_close(c); /* EOF or error */
	return CONN_STEP_CLOSED;
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
	    c->in_len == c->in_off && !conn_output_pending(c) &&
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
	enum conn_step s;
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
		    c->out_len < CONN_OUT_BATCH && c->log == NULL &&
		    c->state != CONN_WAIT) {
			s = request_next(c);
			if (s == CONN_STEP_CLOSED)
				return;
			if (s == CONN_STEP_DONE)
				continue;
		}
		if (conn_output_pending(c)) {
			s = flush(c);
			if (s == CONN_STEP_YIELD)
				ready_add(c);
			if (s != CONN_STEP_DONE)
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
			s = request_resume(c);
			if (s == CONN_STEP_DONE)
				continue;
			return;
		}
		if (c->in_len == c->in_off && c->state == CONN_IDLE) {
			release_buffers(c);
			if (c->timer == CONN_TIMER_NONE)
				conn_timer_set(c, CONN_TIMER_KEEPALIVE);
		}
		s = c->readable ? read_some(c) : CONN_STEP_WAIT;
		if (s == CONN_STEP_CLOSED)
			return;
		if (s == CONN_STEP_WAIT) {
			if (draining_idle(c))
				conn_close(c);
			else if (c->in_len == c->in_off &&
			    c->state == CONN_IDLE)
				release_buffers(c); /* TLS: read to find none */
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
		if (request_error(c, &req, HTTP_STATUS_REQUEST_TIMEOUT) == -1) {
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
