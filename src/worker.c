/* worker.c: a worker process: its event loop, connections and handlers. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "allow.h"
#include "conf.h"
#include "conn.h"
#include "listen.h"
#include "date.h"
#include "fdlimit.h"
#include "heartbeat.h"
#include "log.h"
#include "priv.h"
#include "request.h"
#include "sandbox.h"
#include "scoreboard.h"
#include "tls.h"
#include "worker.h"

/* Under AddressSanitizer, a worker's clean exit runs LeakSanitizer. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WORKER_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(WORKER_LSAN)
#define WORKER_LSAN 1
#endif
#ifdef WORKER_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* How long accepting pauses when the process runs out of descriptors. */
#define ACCEPT_PAUSE_MS	  100
#define ACCEPT_UNTIL_SLOT INT64_MAX

static volatile sig_atomic_t got_term, got_quit;
static struct scoreboard_slot *my_slot;

/*
 * SIGUSR2: the master found this worker stuck in one request. Answer 503
 * if nothing was sent yet, and go; the master has started a replacement.
 */
static void
on_stuck(int sig)
{
	scoreboard_stuck_reply(my_slot);
	_exit(3);
}

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		got_term = 1;
		break;
	case SIGQUIT:
		got_quit = 1;
		break;
	}
}

static void
listeners_watch(struct worker *w, int on)
{
	size_t i;

	for (i = 0; i < w->nlisteners; i++) {
		if (w->listeners[i].watched == on)
			continue;
		/* EPOLLEXCLUSIVE cannot be modified, only removed and added */
		if (on ? ev_add(w->pool.loop, &w->listeners[i].ev,
			     EV_READ | EV_EXCLUSIVE)
		       : ev_del(w->pool.loop, &w->listeners[i].ev)) {
			log_warn("listener %s", on ? "add" : "remove");
			continue;
		}
		w->listeners[i].watched = on;
	}
}

/*
 * Stops accepting until the given time (ACCEPT_UNTIL_SLOT: until a
 * connection closes) instead of spinning on a listener that cannot be
 * served.
 */
static void
accept_pause(struct worker *w, int64_t until)
{
	if (w->pool.draining)
		return;
	listeners_watch(w, 0);
	w->accept_resume = until;
}

static void
conn_closed(struct conn_pool *pool)
{
	struct worker *w = (struct worker *)pool;

	w->nconns--;
	if (w->accept_resume == ACCEPT_UNTIL_SLOT && !w->pool.draining) {
		w->accept_resume = 0;
		listeners_watch(w, 1);
	}
}

/* Does a connection wait to be accepted on the listener fd? */
static int
listener_pending(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/*
 * Accepts until the queue is empty. A worker whose slots or descriptors
 * are all taken closes its oldest idle connection for each client that
 * waits (evict.c), and stops watching the listener only if every
 * connection is busy with a request.
 */
static void
on_accept(struct ev_loop *loop, struct ev_handle *h, unsigned events)
{
	struct listener *l = (struct listener *)h;
	struct worker *w = l->w;
	struct sockaddr_storage ss;
	socklen_t len;
	struct conn *c;
	int fd, first;

	for (first = events != 0; !w->pool.draining; first = 0) {
		if (w->pool.free_conns == NULL) {
			/* a connection is closed only for a client that waits:
			 * the listener's event says so the first time round */
			if (!first && !listener_pending(h->fd))
				return;
			if (evict_one(&w->pool, &w->evict, EVICT_FULL,
				w->nconns) == -1) {
				accept_pause(w, ACCEPT_UNTIL_SLOT);
				return;
			}
		}
		len = sizeof(ss);
		fd = accept4(h->fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
				continue;
			case EAGAIN:
				return;
			case EMFILE:
			case ENFILE:
				if (evict_one(&w->pool, &w->evict, EVICT_NOFILE,
					w->nconns) == 0)
					continue;
				/* FALLTHROUGH */
			case ENOBUFS:
			case ENOMEM:
				log_warn("accept (pausing %d ms)",
				    ACCEPT_PAUSE_MS);
				accept_pause(w,
				    date_mono_ms() + ACCEPT_PAUSE_MS);
				return;
			default:
				log_warn("accept");
				return;
			}
		}
		c = w->pool.free_conns;
		w->pool.free_conns = c->tl.next;
		w->nconns++;
		conn_open(&w->pool, c, fd, (struct sockaddr *)&ss,
		    l->tls ? w->conf->tls_ctx : NULL, l->proxy);
	}
}

/* The master is gone: finish what is in hand and exit. */
static void
on_lifeline(struct ev_loop *loop, struct ev_handle *h, unsigned events)
{
	char b;

	if (read(h->fd, &b, 1) <= 0) {
		ev_del(loop, h);
		close(h->fd);
		h->fd = -1;
		got_quit = 1;
	}
}

/* USR1: the master reopened the logs and hands them over. */
static void
on_ctl(struct ev_loop *loop, struct ev_handle *h, unsigned events)
{
	int rc;

	while ((rc = log_receive(h->fd)) == 1)
		continue;
	if (rc == -1) {
		ev_del(loop, h);
		close(h->fd);
		h->fd = -1;
	}
}

/* Idle connections: read what may wait unseen (draining_idle closes). */
static void
drain_idle(struct worker *w)
{
	size_t i;

	for (i = 0; i < w->nslots; i++) {
		if (w->conns[i].ev.fd == -1 || w->conns[i].state != CONN_IDLE)
			continue;
		w->conns[i].readable = 1;
		conn_drain(&w->conns[i]);
	}
}

/*
 * Stop accepting (taking what waits in the queue first: once the last
 * listener is closed, the kernel would reset it), and let every
 * connection finish: an idle one is kept until its next request, which
 * is answered with Connection: close, or until [timeouts] shutdown.
 */
static void
drain(struct worker *w)
{
	size_t i;

	for (i = 0; i < w->nlisteners; i++)
		on_accept(w->pool.loop, &w->listeners[i].ev, 0);
	w->pool.draining = 1;
	w->drain_until =
	    date_mono_ms() + (int64_t)w->conf->shutdown_timeout * 1000;
	scoreboard_state(w->pool.slot, SCOREBOARD_DRAINING);
	listeners_watch(w, 0);
	for (i = 0; i < w->nlisteners; i++) {
		close(w->listeners[i].ev.fd);
		w->listeners[i].ev.fd = -1;
	}
	drain_idle(w);
}

static int64_t
next_deadline(struct worker *w)
{
	int64_t d = INT64_MAX;
	int t;

	for (t = 0; t < CONN_TIMER_COUNT; t++)
		if (w->pool.timers[t].head != NULL &&
		    w->pool.timers[t].head->deadline < d)
			d = w->pool.timers[t].head->deadline;
	if (w->accept_resume != 0 && w->accept_resume < d)
		d = w->accept_resume;
	if (w->pool.draining == 1 && w->drain_until < d)
		d = w->drain_until;
	/* the two tests keep a turn without either at two loads */
	if (w->evict.since_ms != 0 && evict_deadline(&w->evict) < d)
		d = evict_deadline(&w->evict);
	if (log_repeats_pending != 0 && log_repeat_deadline() < d)
		d = log_repeat_deadline();
	return d;
}

static void
expire(struct worker *w)
{
	int64_t now = date_mono_ms();
	struct conn *c;
	int t;

	for (t = 0; t < CONN_TIMER_COUNT; t++) {
		while ((c = w->pool.timers[t].head) != NULL &&
		    c->deadline <= now) {
			conn_timeout(c);
			/* never loop; a retry goes to the back of its queue */
			if (w->pool.timers[t].head == c && c->deadline <= now)
				conn_close(c);
		}
	}
	if (w->accept_resume != 0 && w->accept_resume != ACCEPT_UNTIL_SLOT &&
	    w->accept_resume <= now) {
		w->accept_resume = 0;
		listeners_watch(w, 1);
	}
	if (w->evict.since_ms != 0)
		evict_tick(&w->evict, now);
	if (log_repeats_pending != 0)
		log_repeat_tick(now, 0);
	/* the drain's time is up: idle connections are closed unanswered */
	if (w->pool.draining == 1 && w->drain_until <= now) {
		w->pool.draining = 2;
		drain_idle(w);
	}
}

static int
init(struct worker *w, const struct conf *c, const int *fds, size_t nfds,
    size_t ntls, int id, int lifeline, int ctl)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	w->conf = c;
	w->id = id;
	w->pool.conf = c;
	w->pool.closed = conn_closed;
	if ((w->pool.loop = ev_create(512)) == NULL)
		return -1;
	park_fds_init(&w->pool.parks, w->pool.loop, conn_parked_wake,
	    request_parked_due);
	/* one spare byte so that a full buffer still shows a limit broken */
	if (buf_pool_init(&w->pool.inpool, c->limits.header_size + 1, 64) ==
		-1 ||
	    buf_pool_init(&w->pool.outpool, 16384, 64) == -1 ||
	    buf_pool_init(&w->pool.logpool, ACCESS_LINE_MAX, 64) == -1)
		return -1;
	w->pool.log_format = (int)access_format_of(c->access_log_format);
	w->nslots = fdlimit_connections(c);
	w->conns = calloc(w->nslots, sizeof(*w->conns));
	w->pool.join = malloc(c->limits.header_size + 1);
	w->listeners = calloc(nfds, sizeof(*w->listeners));
	if (w->conns == NULL || w->pool.join == NULL || w->listeners == NULL)
		return -1;
	if (serve_env_init(&w->pool.env, c) == -1)
		return -1;
	/* where [tls] redirect sends clients: the port HTTPS really has */
	if (ntls > 0 && listen_port(fds[nfds - ntls]) != 0)
		w->pool.env.https_port = listen_port(fds[nfds - ntls]);
	if (c->trusted_proxies.n > 0) {
		w->pool.trusted =
		    calloc(c->trusted_proxies.n, sizeof(*w->pool.trusted));
		if (w->pool.trusted == NULL)
			return -1;
		for (i = 0; i < c->trusted_proxies.n; i++)
			if (allow_parse(c->trusted_proxies.v[i],
				&w->pool.trusted[w->pool.ntrusted]) == 0)
				w->pool.ntrusted++;
	}
	for (i = w->nslots; i > 0; i--) {
		w->conns[i - 1].ev.fd = -1;
		w->conns[i - 1].tl.next = w->pool.free_conns;
		w->pool.free_conns = &w->conns[i - 1];
	}
	w->pool.timers[CONN_TIMER_HEADER].timeout_ms =
	    c->header_timeout * 1000LL;
	w->pool.timers[CONN_TIMER_BODY].timeout_ms = c->body_timeout * 1000LL;
	w->pool.timers[CONN_TIMER_KEEPALIVE].timeout_ms =
	    c->keepalive_timeout * 1000LL;
	w->pool.timers[CONN_TIMER_SEND].timeout_ms = c->send_timeout * 1000LL;
	w->pool.timers[CONN_TIMER_LINGER].timeout_ms = 2000;

	w->nlisteners = nfds;
	for (i = 0; i < nfds; i++) {
		w->listeners[i].ev.fd = fds[i];
		w->listeners[i].ev.cb = on_accept;
		w->listeners[i].w = w;
		w->listeners[i].tls = i >= nfds - ntls;
		w->listeners[i].proxy = w->listeners[i].tls
		    ? c->tls_proxy_protocol
		    : c->proxy_protocol;
	}
	listeners_watch(w, 1);
	w->lifeline.fd = lifeline;
	w->lifeline.cb = on_lifeline;
	if (ev_add(w->pool.loop, &w->lifeline, EV_READ) == -1)
		return -1;
	w->ctl.fd = ctl;
	w->ctl.cb = on_ctl;
	if (ctl != -1 && ev_add(w->pool.loop, &w->ctl, EV_READ) == -1)
		return -1;
	return 0;
}

/* Closes the connections and frees all that init() made. */
static void
worker_free(struct worker *w)
{
	size_t i;

	w->pool.draining = 1; /* closing a connection resumes no accepting */
	for (i = 0; w->conns != NULL && i < w->nslots; i++)
		if (w->conns[i].ev.fd != -1)
			conn_close(&w->conns[i]);
	for (i = 0; w->listeners != NULL && i < w->nlisteners; i++)
		if (w->listeners[i].ev.fd != -1)
			close(w->listeners[i].ev.fd);
	if (w->lifeline.fd != -1)
		close(w->lifeline.fd);
	if (w->ctl.fd != -1)
		close(w->ctl.fd);
	serve_env_free(&w->pool.env);
	buf_pool_free(&w->pool.inpool);
	buf_pool_free(&w->pool.outpool);
	buf_pool_free(&w->pool.logpool);
	free(w->conns);
	free(w->pool.join);
	free(w->pool.trusted);
	free(w->listeners);
	if (w->pool.loop != NULL)
		ev_free(w->pool.loop);
	memset(w, 0, sizeof(*w));
}

/*
 * A clean exit: everything is freed, so that under AddressSanitizer
 * LeakSanitizer (which _exit skips) can report what a request leaked.
 */
static void __attribute__((noreturn)) worker_exit(struct worker *w)
{
	worker_free(w);
	log_repeat_tick(date_mono_ms(), 1);
#ifdef WORKER_LSAN
	(void)__lsan_do_recoverable_leak_check();
#endif
	_exit(0);
}

/*
 * Runs a worker until it is told to stop: TERM/INT exit at once, QUIT
 * (or the master's death) drains. Never returns.
 */
int
worker_run(const struct conf *c, const int *fds, size_t nfds, size_t ntls,
    int id, int lifeline, int ctl, struct scoreboard_slot *slot)
{
	struct worker w;
	struct sigaction sa;
	sigset_t waitmask;
	int64_t d;
	int timeout, n, beat_ms = heartbeat_interval_ms(c->worker_timeout);

	log_set_role("worker", id);
	scoreboard_state(slot, SCOREBOARD_STARTING);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	/* USR1: the master reopens the logs and hands them over */
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTTIN, &sa, NULL);
	sigaction(SIGTTOU, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	/*
	 * Signals stay blocked (from the master) except inside the wait, but
	 * SIGUSR2 must reach a worker stuck outside it.
	 */
	my_slot = slot;
	sa.sa_handler = on_stuck;
	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&waitmask);
	sigaddset(&waitmask, SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &waitmask, NULL);
	sigemptyset(&waitmask);

	/* the master's crash-loop backoff deals with a worker that exits */
	if (priv_drop(c) == -1)
		_exit(1);
	date_update();
	if (init(&w, c, fds, nfds, ntls, id, lifeline, ctl) == -1)
		fatal("worker start-up");
	/* after init: libmagic's database and the store are open by now */
	if (c->sandbox && sandbox_apply(c) == -1)
		_exit(1);
	sandbox_debug_connect();
	if (c->tls_ctx != NULL)
		tls_keys_check(c);
	w.pool.slot = slot;
	scoreboard_state(slot, SCOREBOARD_SERVING);
	heartbeat_beat(slot, date_mono_ms());

	for (;;) {
		if (got_term)
			worker_exit(&w);
		if (got_quit && !w.pool.draining)
			drain(&w);
		if (w.pool.draining && w.nconns == 0)
			worker_exit(&w);
		d = next_deadline(&w);
		/* asleep no longer than a beat: the master must hear one */
		if (w.pool.ready.head != NULL || d <= date_mono_ms())
			timeout = 0; /* work waits: only look for events */
		else
			timeout = d - date_mono_ms() > beat_ms
			    ? beat_ms
			    : (int)(d - date_mono_ms());
		n = ev_wait(w.pool.loop, timeout, &waitmask);
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		date_update();
		heartbeat_beat(slot, date_mono_ms());
		if (n > 0)
			ev_dispatch(w.pool.loop, n);
		expire(&w);
		conn_run_ready(&w.pool);
	}
}
