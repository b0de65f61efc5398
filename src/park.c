/* park.c: requests whose handler waits, kept aside until an fd or a time. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "park.h"
#include "router.h"

/*
 * fd is about to be closed by its owner, or was just closed behind it
 * (handler_fd_closing): it is unwatched (once closed, the kernel has
 * done that: EBADF or ENOENT are expected), and those waiting on it are
 * due at once. They are not called from here, inside their owner's
 * close.
 */
static void
fd_closing(void *arg, int fd)
{
	struct park_fds *s = arg;
	struct park_fd *f;
	struct parked *p, *next;
	size_t i;

	for (i = 0; i < PARK_FDS && s->fd[i].ev.fd != fd; i++)
		continue;
	if (i == PARK_FDS)
		return; /* nobody waits on it */
	f = &s->fd[i];
	if (ev_del(s->loop, &f->ev) == -1 && errno != EBADF && errno != ENOENT)
		log_warn("epoll del (a handler's fd)");
	f->ev.fd = -1; /* an event of it already in hand is dropped */
	for (p = f->head, f->head = NULL; p != NULL; p = next) {
		next = p->next;
		p->next = NULL;
		p->on = NULL;
		s->due(p);
	}
}

/*
 * Sets up a worker's set: wake calls a parked request again now, due on
 * the loop's next turn. The last set made hears of fds closing.
 */
void
park_fds_init(struct park_fds *s, struct ev_loop *loop, park_wake_fn *wake,
    park_wake_fn *due)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->wake = wake;
	s->due = due;
	for (i = 0; i < PARK_FDS; i++)
		s->fd[i].ev.fd = -1;
	handler_on_fd_closing(fd_closing, s);
}

/*
 * Copies a request whose handler asked to wait (q->wait), so that it can
 * be resumed without parsing it again. Returns it, or NULL without
 * memory. The caller then watches it (park_watch).
 */
struct parked *
park_new(const struct http_request *req, const struct hreq *q, const char *join,
    size_t joincap, void *owner, size_t consumed)
{
	struct parked *p;
	size_t used;

	if ((p = malloc(sizeof(*p) + q->len + 1)) == NULL)
		return NULL;
	p->req = *req;
	p->q = *q;
	p->owner = owner;
	p->consumed = consumed;
	p->next = NULL;
	p->on = NULL;
	p->join = NULL;
	memcpy(p->path, q->path, q->len);
	p->path[q->len] = '\0';
	p->q.path = p->path;
	p->q.req = &p->req;
	if (q->addr == req->client_addr) /* a proxy's client: in the copy */
		p->q.addr = p->req.client_addr;
	used = http_request_uses(req, join, joincap);
	if (used > 0) {
		if ((p->join = malloc(used)) == NULL) {
			free(p);
			return NULL;
		}
		memcpy(p->join, join, used);
		http_request_move(&p->req, join, joincap, p->join);
	}
	return p;
}

static void
on_ready(struct ev_loop *loop, struct ev_handle *h, unsigned events)
{
	struct park_fd *f = (struct park_fd *)h;
	struct park_fds *s = f->set;
	struct parked *p, *next;

	/* every waiter is woken; one that waits again watches anew */
	p = f->head;
	f->head = NULL;
	if (ev_del(loop, &f->ev) == -1)
		log_warn("epoll del (a handler's fd)");
	f->ev.fd = -1;
	for (; p != NULL; p = next) {
		next = p->next;
		p->next = NULL;
		p->on = NULL;
		p->q.woken_by_time = 0;
		s->wake(p);
	}
}

/*
 * Watches what p's handler waits for: its fd, joined to the others that
 * wait on the same one (the loop watches each fd once, level-triggered,
 * while anyone waits on it). Its time limit is the caller's to keep.
 * Returns 0, or -1 if the fd cannot be watched.
 */
int
park_watch(struct park_fds *s, struct parked *p)
{
	struct park_fd *f = NULL;
	unsigned want = p->q.wait.events & (EV_READ | EV_WRITE);
	size_t i;

	if (p->q.wait.fd == -1)
		return 0;
	for (i = 0; i < PARK_FDS; i++) {
		if (s->fd[i].ev.fd == p->q.wait.fd) {
			f = &s->fd[i];
			break;
		}
		if (s->fd[i].ev.fd == -1 && f == NULL)
			f = &s->fd[i];
	}
	if (f == NULL) {
		log_warnx("more than %d fds waited on at once", PARK_FDS);
		return -1;
	}
	if (f->ev.fd == -1) {
		f->ev.fd = p->q.wait.fd;
		f->ev.cb = on_ready;
		f->set = s;
		f->events = want;
		if (ev_add(s->loop, &f->ev, want) == -1) {
			log_warn("epoll add (a handler's fd)");
			f->ev.fd = -1;
			return -1;
		}
	} else if ((f->events | want) != f->events) {
		if (ev_mod(s->loop, &f->ev, f->events | want) == -1) {
			log_warn("epoll mod (a handler's fd)");
			return -1;
		}
		f->events |= want;
	}
	p->on = f;
	p->next = f->head;
	f->head = p;
	return 0;
}

/* Stops watching p's fd for it (its time ran out, or it is given up). */
void
park_unwatch(struct parked *p)
{
	struct park_fd *f = p->on;
	struct parked **pp;

	if (f == NULL)
		return;
	for (pp = &f->head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	p->next = NULL;
	p->on = NULL;
	if (f->head == NULL) {
		if (ev_del(f->set->loop, &f->ev) == -1)
			log_warn("epoll del (a handler's fd)");
		f->ev.fd = -1;
	}
}

/* Frees p, once its handler has answered. */
void
park_free(struct parked *p)
{
	park_unwatch(p);
	free(p->join);
	free(p);
}

/* Frees p unanswered: its handler lets go of what it holds for it. */
void
park_abandon(struct parked *p)
{
	if (p->q.route->handler->abandon != NULL)
		p->q.route->handler->abandon(&p->q);
	park_free(p);
}
