/* fdlimit.c: the descriptors a worker needs, and the limit that grants them. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/resource.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "fdlimit.h"
#include "listen.h"
#include "log.h"

/*
 * What a worker holds besides its connections, at most: standard input,
 * output and error (3), epoll, the lifeline and the master's control
 * socket (3), the two logs (2), the root (1), the message store (4: an
 * SQLite file, its -wal and -shm, a journal; or one PostgreSQL socket),
 * what the one request being answered opens for a moment (3: a file, its
 * directory, a listing) and what start-up and error pages open (3:
 * libmagic, the scoreboard, a custom error page), with 5 to spare.
 */
#define FDLIMIT_FIXED 24

/*
 * The descriptors a worker needs besides FDLIMIT_PER_CONN per connection:
 * FDLIMIT_FIXED, every listener it may inherit (LISTEN_MAX addresses a
 * port), and one per directory the dir routes keep open (routes naming
 * the same directory share it: see route_share_dir).
 */
size_t
fdlimit_overhead(const struct conf *c)
{
	size_t n = FDLIMIT_FIXED + LISTEN_MAX * (c->tls_port != 0 ? 2 : 1);
	size_t i;

	for (i = 0; i < c->nroutes; i++)
		if (c->routes[i].fd != -1 && !c->routes[i].fd_borrowed)
			n++;
	return n;
}

/* What a worker needs: its overhead, and every connection's. */
static rlim_t
need(const struct conf *c)
{
	size_t n = fdlimit_overhead(c) + FDLIMIT_PER_CONN * c->connections;

	return (rlim_t)n;
}

/*
 * Raises this process's RLIMIT_NOFILE (the workers inherit it) to what
 * a worker with [limits] connections needs: the soft limit up to the
 * hard one, and the hard one too if the process may (root, or
 * CAP_SYS_RESOURCE). Returns 0 if it is enough now (msg says what was
 * done, or is empty), 1 if not (msg says how many there are and what
 * that caps), -1 if the limit cannot be read.
 */
int
fdlimit_raise(const struct conf *c, char *msg, size_t len)
{
	struct rlimit rl, want;
	rlim_t n = need(c);
	rlim_t was;

	msg[0] = '\0';
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		snprintf(msg, len, "getrlimit: %s", strerror(errno));
		return -1;
	}
	was = rl.rlim_cur;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < n) {
		want.rlim_cur = n;
		want.rlim_max = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < n
		    ? n
		    : rl.rlim_max;
		/* past the hard limit only with the right to; else up to it */
		if (setrlimit(RLIMIT_NOFILE, &want) == -1) {
			want.rlim_cur = rl.rlim_max;
			want.rlim_max = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &want);
		}
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
			snprintf(msg, len, "getrlimit: %s", strerror(errno));
			return -1;
		}
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < n) {
		snprintf(msg, len,
		    "ulimit -n %llu caps [limits] connections at %zu per "
		    "worker (of %zu: each takes %d descriptors, and a worker "
		    "%zu more; %llu needed)",
		    (unsigned long long)rl.rlim_cur, fdlimit_connections(c),
		    c->connections, FDLIMIT_PER_CONN, fdlimit_overhead(c),
		    (unsigned long long)n);
		return 1;
	}
	if (rl.rlim_cur != was)
		snprintf(msg, len,
		    "ulimit -n raised from %llu to %llu for [limits] "
		    "connections = %zu",
		    (unsigned long long)was, (unsigned long long)rl.rlim_cur,
		    c->connections);
	return 0;
}

/*
 * The connections a worker can hold under its RLIMIT_NOFILE: [limits]
 * connections, or fewer if the limit is lower than they need (at least
 * one). A worker full of them closes idle ones for new clients (evict.c)
 * before it could run out of descriptors.
 */
size_t
fdlimit_connections(const struct conf *c)
{
	struct rlimit rl;
	size_t over = fdlimit_overhead(c), n;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need(c))
		return c->connections;
	n = rl.rlim_cur > over ? (size_t)(rl.rlim_cur - over) / FDLIMIT_PER_CONN
			       : 0;
	return n > 0 ? n : 1;
}

/* In the master, at start and on reload: raises the limit, and logs. */
void
fdlimit_apply(const struct conf *c)
{
	char msg[256];
	int rc = fdlimit_raise(c, msg, sizeof(msg));

	if (rc != 0)
		log_warnx("%s", msg);
	else if (msg[0] != '\0')
		log_info("%s", msg);
}
