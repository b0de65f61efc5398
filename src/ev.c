/* ev.c: the event loop seam; the only module that knows epoll. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/epoll.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "ev.h"

struct ev_loop {
	int epfd;
	int max;
	struct epoll_event *events;
};

struct ev_loop *
ev_create(int maxevents)
{
	struct ev_loop *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->max = maxevents;
	l->events = calloc((size_t)maxevents, sizeof(*l->events));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->events == NULL || l->epfd == -1) {
		ev_free(l);
		return NULL;
	}
	return l;
}

void
ev_free(struct ev_loop *l)
{
	if (l == NULL)
		return;
	if (l->epfd != -1)
		close(l->epfd);
	free(l->events);
	free(l);
}

static int
ctl(struct ev_loop *l, int op, struct ev_handle *h, unsigned events)
{
	struct epoll_event ev = { 0 };

	/* EPOLLEXCLUSIVE refuses EPOLLRDHUP; a listener has no use for it */
	if (events & EV_READ)
		ev.events |=
		    EPOLLIN | ((events & EV_EXCLUSIVE) ? 0 : EPOLLRDHUP);
	if (events & EV_WRITE)
		ev.events |= EPOLLOUT;
	if (events & EV_EDGE)
		ev.events |= EPOLLET;
	if (events & EV_EXCLUSIVE)
		ev.events |= EPOLLEXCLUSIVE;
	ev.data.ptr = h;
	return epoll_ctl(l->epfd, op, h->fd, &ev);
}

/* Watches h->fd; returns 0, or -1 with errno. */
int
ev_add(struct ev_loop *l, struct ev_handle *h, unsigned events)
{
	return ctl(l, EPOLL_CTL_ADD, h, events);
}

int
ev_mod(struct ev_loop *l, struct ev_handle *h, unsigned events)
{
	return ctl(l, EPOLL_CTL_MOD, h, events);
}

int
ev_del(struct ev_loop *l, struct ev_handle *h)
{
	struct epoll_event ev = { 0 };

	return epoll_ctl(l->epfd, EPOLL_CTL_DEL, h->fd, &ev);
}

/*
 * Waits up to timeout_ms (-1: no limit) with sigmask in force, so that a
 * signal can only arrive while waiting. Returns the number of ready
 * handles for ev_dispatch, or -1 (EINTR: a signal).
 */
int
ev_wait(struct ev_loop *l, int timeout_ms, const sigset_t *sigmask)
{
	return epoll_pwait(l->epfd, l->events, l->max, timeout_ms, sigmask);
}

/* Calls the callback of each of the n handles ev_wait found ready. */
void
ev_dispatch(struct ev_loop *l, int n)
{
	struct ev_handle *h;
	unsigned events;
	uint32_t e;
	int i;

	for (i = 0; i < n; i++) {
		h = l->events[i].data.ptr;
		e = l->events[i].events;
		events = 0;
		if (e & (EPOLLIN | EPOLLRDHUP))
			events |= EV_READ;
		if (e & EPOLLOUT)
			events |= EV_WRITE;
		if (e & (EPOLLHUP | EPOLLERR))
			events |= EV_HUP | EV_READ;
		/* a handle closed earlier in this batch has fd -1 */
		if (h->fd != -1)
			h->cb(l, h, events);
	}
}
