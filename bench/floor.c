/*
 * floor: the least an HTTP/1.1 server on epoll can do per request, as a
 * yardstick for bench/run.sh. It answers every request head it reads with
 * the same bytes (a response saved from guad), parses nothing, opens
 * nothing, and does per request what guad does at best: one read and one
 * write on a non-blocking socket, edge-triggered, the epoll wait shared by
 * the connections that are ready together; with Connection: close,
 * accept4, read, write and close, the socket joining the epoll set only
 * if the request was not there yet. What it costs per request is what the
 * kernel and the loopback TCP path cost: the floor under any server here.
 *
 *   floor PORT KEEPALIVE-RESPONSE CLOSE-RESPONSE
 *
 * A request is everything up to a blank line (wrk sends no bodies); the
 * close response goes to a request that contains "Connection: close".
 * Listens on 127.0.0.1:PORT, runs until killed.
 */
/* SPDX-License-Identifier: ISC */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXCONN 65536

struct conn {
	const char *out; /* the response being written, or NULL */
	size_t out_len, out_off;
	int tail;  /* "\r\n\r\n" bytes matched at the end of the last read */
	int close; /* this request asked for Connection: close */
	int closing;
};

static struct conn conns[MAXCONN];
static char *resp_ka, *resp_close;
static size_t resp_ka_len, resp_close_len;

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (p = malloc((size_t)n)) == NULL ||
	    fread(p, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* Writes what is pending; -1 if the connection is done with. */
static int
flush(int fd, struct conn *c)
{
	ssize_t n;

	while (c->out != NULL) {
		n = send(fd, c->out + c->out_off, c->out_len - c->out_off,
		    MSG_NOSIGNAL);
		if (n == -1)
			return errno == EAGAIN ? 0 : -1;
		c->out_off += (size_t)n;
		if (c->out_off == c->out_len) {
			c->out = NULL;
			if (c->closing)
				return -1;
		}
	}
	return 0;
}

/* Finds request ends in buf; queues one response per request. */
static void
scan(struct conn *c, const char *buf, size_t n)
{
	static const char end[] = "\r\n\r\n";
	size_t i;

	if (memmem(buf, n, "Connection: close", 17) != NULL)
		c->close = 1;
	for (i = 0; i < n; i++) {
		if (buf[i] == end[c->tail])
			c->tail++;
		else
			c->tail = buf[i] == '\r';
		if (c->tail < 4)
			continue;
		c->tail = 0;
		/* one request at a time: wrk does not pipeline */
		c->out = c->close ? resp_close : resp_ka;
		c->out_len = c->close ? resp_close_len : resp_ka_len;
		c->out_off = 0;
		c->closing = c->close;
	}
}

/* Reads and answers what there is; -1 once the connection is closed. */
static int
on_conn(int fd, unsigned events)
{
	struct conn *c = &conns[fd];
	char buf[4096];
	ssize_t n;

	if (events & EPOLLIN) {
		for (;;) {
			n = read(fd, buf, sizeof(buf));
			if (n == 0 || (n == -1 && errno != EAGAIN)) {
				close(fd);
				return -1;
			}
			if (n == -1)
				break;
			scan(c, buf, (size_t)n);
			if ((size_t)n < sizeof(buf))
				break; /* drained */
		}
	}
	if (flush(fd, c) == -1) {
		close(fd); /* also leaves the epoll set */
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	struct epoll_event ev, evs[512];
	int ls, ep, fd, one = 1, i, n;

	if (argc != 4) {
		fprintf(stderr,
		    "usage: floor PORT KEEPALIVE-RESPONSE "
		    "CLOSE-RESPONSE\n");
		return 2;
	}
	resp_ka = slurp(argv[2], &resp_ka_len);
	resp_close = slurp(argv[3], &resp_close_len);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    /* as guad: accepted sockets inherit it, no call per connection */
	    setsockopt(ls, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1 ||
	    bind(ls, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(ls, SOMAXCONN) == -1 || (ep = epoll_create1(0)) == -1) {
		perror("floor: listen");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.fd = ls;
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, 512, -1);
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd != ls) {
				on_conn(evs[i].data.fd, evs[i].events);
				continue;
			}
			while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) !=
			    -1) {
				if (fd >= MAXCONN) {
					close(fd);
					continue;
				}
				memset(&conns[fd], 0, sizeof(conns[fd]));
				/* as guad: the request is usually there already,
				 * and the socket joins the epoll set only if it
				 * stays open */
				if (on_conn(fd, EPOLLIN) == -1)
					continue;
				ev.events =
				    EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
				ev.data.fd = fd;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			}
		}
	}
}
