/* transport.c: how a connection's bytes reach the socket: plain TCP. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/sendfile.h>
#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "transport.h"

/* Starts t over fd; the engine's own open (a TLS session) comes after. */
void
transport_open(struct transport *t, const struct transport_ops *ops, int fd)
{
	t->ops = ops;
	t->engine = NULL;
	t->fd = fd;
	t->want = TRANSPORT_WANT_NONE;
	t->handshaking = 0;
	t->broken = 0;
}

static ssize_t
plain_read(struct transport *t, void *p, size_t len)
{
	ssize_t n;

	do
		n = read(t->fd, p, len);
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN)
		t->want = TRANSPORT_WANT_READ;
	return n;
}

/* One buffer is one send(2): the common case, without a msghdr. */
static ssize_t
plain_writev(struct transport *t, struct iovec *iov, int n, int more)
{
	struct msghdr m;
	int flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0);
	ssize_t r;

	if (n == 1)
		r = send(t->fd, iov->iov_base, iov->iov_len, flags);
	else {
		memset(&m, 0, sizeof(m));
		m.msg_iov = iov;
		m.msg_iovlen = (size_t)n;
		r = sendmsg(t->fd, &m, flags);
	}
	if (r == -1 && errno == EAGAIN)
		t->want = TRANSPORT_WANT_WRITE;
	return r;
}

static ssize_t
plain_sendfile(struct transport *t, int fd, off_t *off, size_t len)
{
	ssize_t r;

	r = sendfile(t->fd, fd, off, len);
	if (r == -1 && errno == EAGAIN)
		t->want = TRANSPORT_WANT_WRITE;
	return r;
}

static int
plain_shutdown(struct transport *t)
{
	return shutdown(t->fd, SHUT_WR);
}

/* Async-signal-safe: one write(2). */
static void
plain_last_words(struct transport *t, const void *p, size_t len)
{
	(void)!write(t->fd, p, len);
}

static void
plain_close(struct transport *t)
{
	close(t->fd); /* also leaves the epoll set */
	t->fd = -1;
}

const struct transport_ops transport_plain = {
	.name = "plain",
	.read = plain_read,
	.writev = plain_writev,
	.sendfile = plain_sendfile,
	.shutdown = plain_shutdown,
	.last_words = plain_last_words,
	.close = plain_close,
	.short_read_drains = 1,
};
