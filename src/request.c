/* request.c: one request on a connection: parsed, served, answer queued. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "chunked.h"
#include "conf.h"
#include "conn.h"
#include "date.h"
#include "forwarded.h"
#include "handler.h"
#include "http.h"
#include "log.h"
#include "page.h"
#include "park.h"
#include "request.h"
#include "resp.h"
#include "scoreboard.h"
#include "serve.h"
#include "tls.h"

/* A file body up to this size is copied behind the head: one write. */
#define SMALL_FILE 8192
/* Bytes of a chunked body on the wire allowed per byte of body_size. */
#define CHUNKED_OVERHEAD(n) ((n)*2 + 4096)

/*
 * The response in flight is over: sent, or its connection is closing, or
 * the next one is queued behind the rest of it (queued: those bytes).
 * Counts it in the scoreboard and writes its access log line with the
 * bytes of its body sent.
 */
void
request_done(struct conn *c, size_t queued)
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
		request_done(c, before);
	page_error_finish(pool->conf, r);
	if (c->tr.engine != NULL)
		r->hsts = pool->conf->hsts;
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
		    (enum access_format)pool->log_format,
		    req->client_family != 0 ? req->client_family : c->family,
		    req->client_family != 0 ? req->client_addr : c->addr, req,
		    r->status, &split);
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

int
request_error(struct conn *c, const struct http_request *req, int status)
{
	struct response r;

	resp_init(&r);
	resp_error(&r, status);
	r.close = 1;
	c->state = CONN_IDLE; /* nothing more is read as a request */
	return respond(c, req, &r);
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
static enum conn_step
wait_body(struct conn *c, const struct http_request *req, size_t want)
{
	if (c->state != CONN_BODY) {
		c->state = CONN_BODY;
		conn_timer_set(c, CONN_TIMER_BODY);
	}
	if (conn_in_reserve(c, want) == -1)
		return request_error(c, req, HTTP_STATUS_SERVICE_UNAVAILABLE) ==
			-1
		    ? (conn_close(c), CONN_STEP_CLOSED)
		    : CONN_STEP_DONE;
	send_continue(c, req);
	return CONN_STEP_WAIT;
}

/*
 * A body the answer does not need (serve_body_max says -1) is never
 * kept: one that came whole with the head is passed over (its bytes
 * added to *consumed); otherwise the request is answered at once
 * without it, with Connection: close, and the lingering close discards
 * the rest. No more of it is held than the head's buffer already has.
 */
static void
skip_body(const struct conf *cf, struct http_request *req, char *head,
    size_t avail, size_t *consumed)
{
	size_t rest = avail - req->head_len, raw, blen;
	int whole;

	if (req->chunked)
		whole = chunked_body(head + req->head_len, rest,
			    cf->limits.body_size, 0, &raw, &blen) == 0;
	else
		whole = (raw = (size_t)req->content_length) <= rest;
	if (whole)
		*consumed += raw;
	else
		req->keep_alive = 0;
}

/*
 * Sends the answer to a request whose bytes (consumed of them) start the
 * input buffer: the handler's response, or the error page for its
 * status. CONN_STEP_DONE, or CONN_STEP_CLOSED.
 */
static enum conn_step
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
		return CONN_STEP_CLOSED;
	}
	return CONN_STEP_DONE;
}

/*
 * The handler waits: watch its fd and its time; nothing more is read
 * from the client until it has answered. CONN_STEP_WAIT, or CONN_STEP_CLOSED.
 */
static enum conn_step
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
	return CONN_STEP_WAIT;
fail:
	c->parked = NULL;
	c->state = CONN_HEAD;
	park_abandon(p);
	conn_close(c); /* the request cannot be answered */
	return CONN_STEP_CLOSED;
}

/* park.c: what p waits on is closing; its wait ends on the next turn. */
void
request_parked_due(struct parked *p)
{
	conn_timer_at(p->owner, CONN_TIMER_WAIT, date_mono_ms());
}

/* Calls the waiting handler again; as process_one. */
enum conn_step
request_resume(struct conn *c)
{
	struct conn_pool *pool = c->pool;
	struct parked *p = c->parked;
	struct response r;
	enum conn_step s;
	int follow;

	c->woken = 0;
	park_unwatch(p);
	resp_init(&r);
	follow = pool->followed == NULL || pool->followed == c;
	if (follow)
		pool->followed = c;
	scoreboard_begin(pool->slot, &c->tr, conn_output_pending(c),
	    p->req.method, p->req.path.p, p->req.path.len,
	    c->req_start_us / 1000, date_mono_ms(), follow);
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

/* Parses and answers the next request in the input buffer, if complete. */
enum conn_step
request_next(struct conn *c)
{
	struct conn_pool *pool = c->pool;
	const struct conf *cf = pool->conf;
	struct http_request req;
	struct response r;
	char *head = c->in + c->in_off;
	size_t avail = c->in_len - c->in_off, scanned;
	size_t raw, blen = 0, consumed, want, limit;
	int64_t max = -1;
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
			conn_in_reserve(c, c->in_cap);
		return CONN_STEP_WAIT;
	}
	if (rc > 0)
		goto error;

	consumed = req.head_len;
	if (req.chunked || req.content_length > 0) {
		max = serve_body_max(&pool->env, &req);
		if (max < 0)
			skip_body(cf, &req, head, avail, &consumed);
	}
	if (max >= 0 && req.chunked) {
		rc = chunked_body(head + req.head_len, avail - req.head_len,
		    (size_t)max, 0, &raw, &blen);
		if (rc == HTTP_AGAIN) {
			limit = req.head_len + CHUNKED_OVERHEAD((size_t)max);
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
		    (size_t)max, 1, &raw, &blen);
		body = head + req.head_len;
		consumed += raw;
	} else if (max >= 0 && req.content_length > 0) {
		if ((uint64_t)req.content_length > (uint64_t)max) {
			rc = HTTP_STATUS_CONTENT_TOO_LARGE;
			goto error;
		}
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
	/* behind a trusted proxy, the client is the one it names */
	if (pool->ntrusted != 0 &&
	    forwarded_client(pool->trusted, pool->ntrusted, c->family, c->addr,
		head, req.head_len, &req.client_family, req.client_addr)) {
		q.addr = req.client_addr;
		q.family = req.client_family;
	}
	q.kind_state = NULL;
	q.state = NULL;
	q.woken_by_time = 0;
	q.status = 0;
	follow = pool->followed == NULL;
	if (follow)
		pool->followed = c;
	scoreboard_begin(pool->slot, &c->tr, conn_output_pending(c), req.method,
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
	if (request_error(c, &req, rc) == -1) {
		conn_close(c);
		return CONN_STEP_CLOSED;
	}
	return CONN_STEP_DONE;
}
