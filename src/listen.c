/* listen.c: the listening sockets: bound by the master, or from systemd. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "listen.h"
#include "log.h"

/* Writes "127.0.0.1:3000" or "[::1]:3000" for a bound socket. */
int
listen_name(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN];
	unsigned port;
	int n;

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		return -1;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		n = snprintf(out, len, "[%s]:%u", host, port);
	} else if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		n = snprintf(out, len, "%s:%u", host, port);
	} else
		n = snprintf(out, len, "(family %d)", ss.ss_family);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * v6only: an IPv6 socket takes IPv6 only; off, "::" takes IPv4 too, as
 * IPv4-mapped addresses (::ffff:127.0.0.1).
 */
static int
open_one(const struct addrinfo *ai, int v6only)
{
	int fd, on = 1;

	fd = socket(ai->ai_family,
	    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return -1;
	/* Accepted sockets inherit TCP_NODELAY from the listener. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1 ||
	    (ai->ai_family == AF_INET6 &&
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
		    sizeof(v6only)) == -1) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* The port (network order) a bound socket has, or 0. */
static in_port_t
bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ((struct sockaddr_in6 *)&ss)->sin6_port;
	if (ss.ss_family == AF_INET)
		return ((struct sockaddr_in *)&ss)->sin_port;
	return 0;
}

/* The port a listening socket is bound to (host order), or 0. */
unsigned
listen_port(int fd)
{
	return ntohs(bound_port(fd));
}

static void
set_port(struct sockaddr *sa, in_port_t port)
{
	if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = port;
	else if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = port;
}

/*
 * Binds every address host resolves to, on port (0: the kernel picks one,
 * the same for all of them). An IPv6 address takes IPv4 as well unless
 * v6only, or unless host also resolves to IPv4 addresses, which get
 * sockets of their own.
 * Returns 0 with the sockets in fds[0..*n), or -1 with err set.
 */
int
listen_open(const char *host, unsigned port, int v6only, int *fds, size_t *n,
    char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai, *prev;
	char serv[8];
	int rc, fd, dup;
	in_port_t bound = 0; /* network order */

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(serv, sizeof(serv), "%u", port);
	*n = 0;
	if ((rc = getaddrinfo(host, serv, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (ai->ai_family == AF_INET)
			v6only = 1;
	for (ai = res; ai != NULL && *n < LISTEN_MAX; ai = ai->ai_next) {
		dup = 0;
		for (prev = res; prev != ai; prev = prev->ai_next)
			if (prev->ai_addrlen == ai->ai_addrlen &&
			    memcmp(prev->ai_addr, ai->ai_addr,
				ai->ai_addrlen) == 0)
				dup = 1;
		if (dup)
			continue;
		/* Port 0: every address gets the port the first one got. */
		if (port == 0 && bound != 0)
			set_port(ai->ai_addr, bound);
		if ((fd = open_one(ai, v6only != 0)) == -1) {
			snprintf(err, errlen, "bind %s port %u: %s", host, port,
			    strerror(errno));
			freeaddrinfo(res);
			listen_close(fds, *n);
			*n = 0;
			return -1;
		}
		fds[(*n)++] = fd;
		if (port == 0 && bound == 0)
			bound = bound_port(fd);
	}
	freeaddrinfo(res);
	if (*n == 0) {
		snprintf(err, errlen, "%s: no address to bind", host);
		return -1;
	}
	return 0;
}

void
listen_close(int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

/*
 * The name systemd gave passed socket i (LISTEN_FDNAMES: the
 * FileDescriptorName= of each, in order, separated by ':'), into out;
 * "" if it has none.
 */
static void
fd_name(const char *names, int i, char *out, size_t len)
{
	size_t n;

	out[0] = '\0';
	for (; names != NULL && i > 0; i--)
		if ((names = strchr(names, ':')) != NULL)
			names++;
	if (names == NULL)
		return;
	n = strcspn(names, ":");
	if (n < len) {
		memcpy(out, names, n);
		out[n] = '\0';
	}
}

/*
 * Socket activation: takes the listening sockets systemd passed
 * (LISTEN_PID is us, LISTEN_FDS of them from fd 3). A socket named
 * "https" (FileDescriptorName=https) serves TLS, with c's [tls]
 * certificates; any other one plain HTTP. Returns how many, 0 if none
 * were passed, or -1 with err set; fds holds the plain sockets first,
 * then the *ntls TLS ones.
 */
int
listen_inherit(const struct conf *c, int *fds, size_t *n, size_t *ntls,
    char *err, size_t errlen)
{
	const char *pid = getenv("LISTEN_PID"), *count = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES");
	int tls[LISTEN_MAX];
	char *end, name[16];
	long v;
	int i, fd, flags, type;
	size_t k, nplain = 0;
	socklen_t sl = sizeof(type);

	*n = *ntls = 0;
	if (pid == NULL || count == NULL)
		return 0;
	v = strtol(pid, &end, 10);
	if (*end != '\0' || v != (long)getpid())
		return 0;
	v = strtol(count, &end, 10);
	if (*end != '\0' || v < 1 || v > LISTEN_MAX) {
		snprintf(err, errlen, "LISTEN_FDS=%s: expected 1..%d", count,
		    LISTEN_MAX);
		return -1;
	}
	for (i = 0; i < v; i++) {
		fd = 3 + i;
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) == -1 ||
		    type != SOCK_STREAM) {
			snprintf(err, errlen,
			    "passed fd %d is not a stream socket", fd);
			return -1;
		}
		flags = fcntl(fd, F_GETFL);
		if (flags == -1 ||
		    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
			snprintf(err, errlen, "fd %d: %s", fd, strerror(errno));
			return -1;
		}
		fd_name(names, i, name, sizeof(name));
		if (strcmp(name, "https") == 0)
			tls[(*ntls)++] = fd;
		else
			fds[nplain++] = fd;
	}
	for (k = 0; k < *ntls; k++)
		fds[nplain + k] = tls[k];
	*n = nplain + *ntls;
	if (*ntls > 0 && c->tls_ctx == NULL) {
		snprintf(err, errlen,
		    "systemd passed a socket named https (LISTEN_FDNAMES), "
		    "but %s has no [tls] port, certificate and key",
		    c->path);
		return -1;
	}
	if (*ntls == 0 && c->tls_port != 0)
		log_warnx("[tls] port: systemd passed no socket named https "
			  "(FileDescriptorName=https): no HTTPS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return (int)*n;
}

/* Says in the log what each socket listens on: plain first, then TLS. */
void
listen_announce(const int *fds, size_t n, size_t ntls)
{
	char name[64];
	size_t i;

	for (i = 0; i < n; i++)
		if (listen_name(fds[i], name, sizeof(name)) == 0)
			log_info("listening %s %s",
			    i < n - ntls ? "on" : "for https on", name);
}

/* Would a and b bind the same sockets? (A reload keeps them then.) */
int
listen_same(const struct conf *a, const struct conf *b)
{
	return strcmp(a->host, b->host) == 0 && a->port == b->port &&
	    a->ipv6only == b->ipv6only && a->tls_port == b->tls_port;
}

/*
 * A reload's sockets: none to change if systemd passed them (inherited;
 * ntls of them TLS, which the new configuration must still be able to
 * serve) or if nc binds what c did; else nc's own, bound now, in fds
 * (see listen_all). Returns 0, or -1 with err set.
 */
int
listen_again(const struct conf *c, const struct conf *nc, int inherited,
    size_t ntls, int *fds, size_t *n, size_t *nfds_tls, char *err,
    size_t errlen)
{
	*n = *nfds_tls = 0;
	if (inherited && ntls > 0 && nc->tls_ctx == NULL) {
		snprintf(err, errlen,
		    "the socket named https that systemd passed needs [tls] "
		    "port, certificate and key");
		return -1;
	}
	if (inherited || listen_same(c, nc))
		return 0;
	return listen_all(nc, fds, n, nfds_tls, err, errlen);
}

/*
 * Binds [server] port and, if set, [tls] port, both on [server] host:
 * fds holds the plain sockets first, then the *ntls TLS ones.
 */
int
listen_all(const struct conf *c, int *fds, size_t *n, size_t *ntls, char *err,
    size_t errlen)
{
	size_t k = 0;

	*ntls = 0;
	if (listen_open(c->host, c->port, c->ipv6only, fds, n, err, errlen) ==
	    -1)
		return -1;
	if (c->tls_port == 0)
		return 0;
	if (listen_open(c->host, c->tls_port, c->ipv6only, fds + *n, &k, err,
		errlen) == -1) {
		listen_close(fds, *n);
		*n = 0;
		return -1;
	}
	*n += k;
	*ntls = k;
	return 0;
}
