/* handler.c: the table of handler kinds, and what every kind shares. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "handler.h"
#include "log.h"
#include "router.h"

extern const struct handler handler_file, handler_dir, handler_msg,
    handler_status, handler_metrics, handler_redirect;

/* One row per handler kind; a route names one by its name. */
const struct handler *const handlers[] = { &handler_file, &handler_dir,
	&handler_msg, &handler_status, &handler_metrics, &handler_redirect,
	NULL };

/* Returns the kind called name in gua.ini, or NULL. */
const struct handler *
handler_find(const char *name)
{
	size_t i;

	for (i = 0; handlers[i] != NULL; i++)
		if (strcmp(handlers[i]->name, name) == 0)
			return handlers[i];
	return NULL;
}

/* Returns h's row in the table: the index of its per-worker state. */
size_t
handler_index(const struct handler *h)
{
	size_t i;

	for (i = 0; handlers[i] != NULL && handlers[i] != h; i++)
		continue;
	return i;
}

/* Does a route of kind h take method m? OPTIONS always. */
int
handler_allows(const struct handler *h, enum http_method m)
{
	return m == HTTP_METHOD_OPTIONS || (h->methods & HANDLER_METHOD(m));
}

/* Ends serve(): 0 (the response is built) or an error status to send. */
enum handler_step
handler_answer(struct hreq *q, int status)
{
	q->status = status;
	return HANDLER_ANSWER;
}

/*
 * Ends serve() for now: call it again once fd is ready for events
 * (EV_READ, EV_WRITE) or, if until_ms is not 0, once the monotonic clock
 * reaches it, whichever comes first. serve() must then look for itself
 * whether what it waits for has come: a wake-up may be early.
 */
enum handler_step
handler_wait_fd(struct hreq *q, int fd, unsigned events, int64_t until_ms)
{
	q->wait.fd = fd;
	q->wait.events = events;
	q->wait.until_ms = until_ms;
	return HANDLER_WAIT;
}

/* Ends serve() for now: call it again at until_ms (monotonic). */
enum handler_step
handler_wait_ms(struct hreq *q, int64_t until_ms)
{
	return handler_wait_fd(q, -1, 0, until_ms);
}

/* Who hears of an fd closing that requests may wait on: the worker's. */
static void (*fd_closing)(void *arg, int fd);
static void *fd_closing_arg;

void
handler_on_fd_closing(void (*fn)(void *arg, int fd), void *arg)
{
	fd_closing = fn;
	fd_closing_arg = arg;
}

/*
 * fd, which a handler (or what it uses: a store) may have asked to wait
 * on with handler_wait_fd, is about to be closed, or was just closed by
 * a library behind the handler's back: call this before anything else
 * can open a file, which might get its number (a late removal from the
 * loop would then unwatch that file). The loop stops watching fd, and
 * the requests waiting on it are called again on the loop's next turn.
 * Outside a worker, nothing.
 */
void
handler_fd_closing(int fd)
{
	if (fd >= 0 && fd_closing != NULL)
		fd_closing(fd_closing_arg, fd);
}

/* Is kind h named by a route, or does a named kind share its state? */
static int
in_use(const struct conf *c, const struct handler *h)
{
	size_t i;

	for (i = 0; i < c->nroutes; i++)
		if (c->routes[i].handler == h ||
		    c->routes[i].handler->shares == h)
			return 1;
	return 0;
}

/*
 * Makes, in a worker, the state of each kind the routes use (a kind that
 * shares another's gets that one). Returns 0, or -1 if one failed.
 */
int
handler_workers_init(const struct conf *c, void *states[HANDLER_MAX])
{
	size_t i;

	memset(states, 0, HANDLER_MAX * sizeof(states[0]));
	for (i = 0; handlers[i] != NULL; i++) {
		if (handlers[i]->init == NULL || !in_use(c, handlers[i]))
			continue;
		if (handlers[i]->init(c, &states[i]) == -1) {
			log_warnx("%s handler: cannot start",
			    handlers[i]->name);
			return -1;
		}
	}
	for (i = 0; handlers[i] != NULL; i++)
		if (handlers[i]->shares != NULL)
			states[i] = states[handler_index(handlers[i]->shares)];
	return 0;
}

/* Frees what handler_workers_init made. */
void
handler_workers_free(const struct conf *c, void *states[HANDLER_MAX])
{
	size_t i;

	for (i = 0; handlers[i] != NULL; i++) {
		if (handlers[i]->shares == NULL && handlers[i]->free != NULL &&
		    states[i] != NULL)
			handlers[i]->free(states[i]);
		states[i] = NULL;
	}
	(void)c;
}

/*
 * In the master before fork: each kind that a route names prepares what
 * its workers will need (the board's schema). Returns 0, or -1 if c must
 * not be served, with why in err (a kind that is only unavailable for
 * now logs it and answers 503 until it is back).
 */
int
handler_prepare_all(const struct conf *c, char *err, size_t len)
{
	size_t i;

	for (i = 0; handlers[i] != NULL; i++)
		if (handlers[i]->prepare != NULL && in_use(c, handlers[i]) &&
		    handlers[i]->prepare(c, err, len) == -1)
			return -1;
	return 0;
}

/*
 * In a worker about to confine itself: what each route's kind says it
 * must still reach. Returns 0, or -1 (logged).
 */
int
handler_sandbox_all(const struct conf *c, struct sandbox_rules *rules)
{
	size_t i;

	for (i = 0; i < c->nroutes; i++)
		if (c->routes[i].handler->sandbox != NULL &&
		    c->routes[i].handler->sandbox(c, &c->routes[i], rules) ==
			-1)
			return -1;
	return 0;
}
