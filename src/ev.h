/* ev.h: the event loop seam; the only module that knows epoll. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_EV_H
#define GUAD_EV_H

#include <signal.h>

#define EV_READ	     0x01
#define EV_WRITE     0x02
#define EV_EDGE	     0x04 /* report changes, not levels */
#define EV_EXCLUSIVE 0x08 /* wake one waiter (a shared listener) */
#define EV_HUP	     0x10 /* on report: hang-up or error */

struct ev_loop;
struct ev_handle;

typedef void ev_cb(struct ev_loop *, struct ev_handle *, unsigned events);

/* Embedded in whatever owns an fd; the callback gets it back. */
struct ev_handle {
	ev_cb *cb;
	int fd;
};

struct ev_loop *ev_create(int maxevents);
void ev_free(struct ev_loop *);
int ev_add(struct ev_loop *, struct ev_handle *, unsigned);
int ev_mod(struct ev_loop *, struct ev_handle *, unsigned);
int ev_del(struct ev_loop *, struct ev_handle *);
int ev_wait(struct ev_loop *, int timeout_ms, const sigset_t *);
void ev_dispatch(struct ev_loop *, int);

#endif
