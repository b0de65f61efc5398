/* evict.c: a full worker closes its oldest idle connections for new ones. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>

#include "conn.h"
#include "date.h"
#include "evict.h"
#include "log.h"

/*
 * Connections looked at for one free slot: one whose request turns out
 * to be waiting is served instead, and one with output still going out
 * is passed over, so that a worker full of busy ones gives up soon.
 */
#define EVICT_TRIES 16

static const char *const cause_names[EVICT_CAUSE_COUNT] = {
	[EVICT_FULL] = "connections full",
	[EVICT_NOFILE] = "out of file descriptors",
};

/* When c began to wait: its deadline less its queue's timeout. */
static int64_t
began(const struct conn *c)
{
	return c->deadline - c->pool->timers[c->timer].timeout_ms;
}

/* The first of queue q whose responses are not still going out, if one
 * of its first EVICT_TRIES is. */
static struct conn *
first_quiet(struct conn_pool *pool, enum conn_timer q)
{
	struct conn *c = pool->timers[q].head;
	int n;

	for (n = 0; c != NULL && n < EVICT_TRIES; n++, c = c->tl.next)
		if (!conn_output_pending(c))
			return c;
	return NULL;
}

/*
 * The connection to close: the oldest with no request in progress, idle
 * between requests (the keep-alive queue, oldest first) or still without
 * a whole request head (the header queue, oldest first: not a byte yet,
 * a TLS handshake, or a head trickling in); if there is none, the oldest
 * whose request body has not arrived whole (a body trickling in: the
 * board's bodies are small, and nothing of it has been acted on yet).
 * Passed over: one whose responses are still going out.
 */
static struct conn *
oldest(struct conn_pool *pool)
{
	struct conn *k = first_quiet(pool, CONN_TIMER_KEEPALIVE);
	struct conn *h = first_quiet(pool, CONN_TIMER_HEADER);

	if (k == NULL && h == NULL)
		return first_quiet(pool, CONN_TIMER_BODY);
	if (k == NULL || (h != NULL && began(h) < began(k)))
		return h;
	return k;
}

/* Has the client sent something this worker has not read yet? */
static int
input_waits(const struct conn *c)
{
	char b;

	return recv(c->tr.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 1;
}

static void
episode_begin(struct evict *e, enum evict_cause cause, size_t used)
{
	if (e->since_ms == 0) {
		e->since_ms = date_mono_ms();
		log_warnx("%s (%zu open): closing the oldest idle connections "
			  "to accept new ones",
		    cause_names[cause], used);
	}
	e->causes |= 1U << cause;
	e->last_ms = date_mono_ms();
}

/*
 * Frees a connection slot and its descriptor for a client waiting to be
 * accepted, by closing the oldest connection that has no request in
 * progress. One with no byte read yet (keep-alive, or new) whose request
 * has arrived unseen is served instead (closing it would lose that
 * request); one that then waits for more is closed next time round. used:
 * the connections open, for the log. Returns 0 once one is closed, -1 if
 * none can be (every connection is busy with a request).
 */
int
evict_one(struct conn_pool *pool, struct evict *e, enum evict_cause cause,
    size_t used)
{
	struct conn *c;
	int n;

	for (n = 0; n < EVICT_TRIES; n++) {
		if ((c = oldest(pool)) == NULL)
			return -1;
		episode_begin(e, cause, used);
		/* between requests or new: no byte of a request read yet */
		if (c->state == CONN_IDLE && input_waits(c)) {
			e->served++;
			c->readable = 1;
			conn_drain(c);
			if (c->ev.fd == -1)
				return 0; /* it ended: its slot is free */
			continue;
		}
		if (c->timer == CONN_TIMER_KEEPALIVE)
			e->keepalive++;
		else if (c->state == CONN_IDLE)
			e->fresh++;
		else if (c->timer == CONN_TIMER_BODY)
			e->body++;
		else
			e->partial++;
		conn_close(c);
		return 0;
	}
	return -1;
}

/* When the episode under way ends if nothing more is closed; or INT64_MAX. */
int64_t
evict_deadline(const struct evict *e)
{
	return e->since_ms == 0 ? INT64_MAX : e->last_ms + EVICT_QUIET_MS;
}

/* Ends the episode once it has been quiet long enough: one summary line. */
void
evict_tick(struct evict *e, int64_t now)
{
	if (e->since_ms == 0 || now < e->last_ms + EVICT_QUIET_MS)
		return;
	log_warnx("%s%s%s for %lld ms: closed %llu idle connections to accept "
		  "new ones (%llu keep-alive, %llu before their first byte, "
		  "%llu with an unfinished request head, %llu with an "
		  "unfinished request body); served %llu found with a "
		  "request waiting",
	    e->causes & (1U << EVICT_FULL) ? cause_names[EVICT_FULL] : "",
	    e->causes == ((1U << EVICT_FULL) | (1U << EVICT_NOFILE)) ? ", "
								     : "",
	    e->causes & (1U << EVICT_NOFILE) ? cause_names[EVICT_NOFILE] : "",
	    (long long)(e->last_ms - e->since_ms),
	    (unsigned long long)(e->keepalive + e->fresh + e->partial +
		e->body),
	    (unsigned long long)e->keepalive, (unsigned long long)e->fresh,
	    (unsigned long long)e->partial, (unsigned long long)e->body,
	    (unsigned long long)e->served);
	*e = (struct evict){ 0 };
}
