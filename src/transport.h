/*
 * transport.h: how a connection's bytes reach the socket: plain or TLS.
 *
 * conn.c moves every byte through c->tr.ops and nothing else; a new
 * transport is one file that fills in one struct transport_ops.
 */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_TRANSPORT_H
#define GUAD_TRANSPORT_H

#include <sys/types.h>
#include <sys/uio.h>

#include <stdint.h>

/* What an engine waits for after it answered EAGAIN. */
enum transport_want {
	TRANSPORT_WANT_NONE,
	TRANSPORT_WANT_READ,  /* the socket must become readable */
	TRANSPORT_WANT_WRITE, /* the socket must become writable */
	TRANSPORT_WANT_COUNT
};

struct transport;

/*
 * One row per kind of transport. Each call works like the syscall it is
 * named for: bytes moved, 0 at the peer's EOF (read), or -1 with errno;
 * EAGAIN means wait, for the direction left in t->want (a TLS engine may
 * have to write to read on, or read to write on).
 */
struct transport_ops {
	const char *name; /* "plain", "tls": the access log's word */
	ssize_t (*read)(struct transport *, void *, size_t);
	/* more: the caller has more to send right after (MSG_MORE) */
	ssize_t (*writev)(struct transport *, struct iovec *, int n, int more);
	/* NULL: files go through a buffer and writev (no zero copy) */
	ssize_t (*sendfile)(struct transport *, int fd, off_t *off, size_t len);
	/* the last response is out: end our direction, keep reading */
	int (*shutdown)(struct transport *);
	/*
	 * From a signal handler, the worker about to exit: one best-effort
	 * write of a whole small response. Never blocks.
	 */
	void (*last_words)(struct transport *, const void *, size_t);
	/* frees the engine's state and closes the socket */
	void (*close)(struct transport *);
	/*
	 * Does a read shorter than asked mean the socket is empty? Yes for
	 * a socket; a TLS engine returns one record at a time.
	 */
	int short_read_drains;
};

/* Embedded in each connection. */
struct transport {
	const struct transport_ops *ops;
	void *engine; /* per-connection state of the engine; plain: NULL */
	int fd;
	uint8_t want;	     /* enum transport_want, after EAGAIN */
	uint8_t handshaking; /* no request can arrive yet */
	uint8_t broken;	     /* the engine failed: no goodbye */
};

extern const struct transport_ops transport_plain;

void transport_open(struct transport *, const struct transport_ops *, int fd);

#endif
