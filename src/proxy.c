/* proxy.c: a connection's peer: the socket's, or a PROXY header's client. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proxy.h"
#include "tls.h"

/*
 * The PROXY protocol (HAProxy's proxy-protocol.txt, versions 1 and 2):
 * a load balancer that passes TCP through says, before the first byte
 * of the client's, who the client is. On a listener with proxy_protocol
 * on, every connection must start with one; a connection that does not
 * is closed without an answer, since it may be a client that reached
 * the port directly and whose address would otherwise be believed.
 */

/* The v2 signature: no text protocol starts this way. */
static const uint8_t v2_sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a,
	0x51, 0x55, 0x49, 0x54, 0x0a };

#define V2_FIXED     16 /* signature, version and command, family, length */
#define V2_LOCAL     0x0
#define V2_PROXY     0x1
#define V2_AF_UNSPEC 0x0
#define V2_AF_INET   0x1
#define V2_AF_INET6  0x2
#define V2_AF_UNIX   0x3
#define V2_STREAM    0x1
#define V2_DGRAM     0x2

/* Bytes of v2's address block, source and destination, by family. */
static const uint16_t v2_addr_len[] = {
	[V2_AF_UNSPEC] = 0,
	[V2_AF_INET] = 4 + 4 + 2 + 2,
	[V2_AF_INET6] = 16 + 16 + 2 + 2,
	[V2_AF_UNIX] = 108 + 108,
};

/*
 * An address of v1 (p[0..len), af's text form) into addr; 0, or -1.
 * inet_pton is strict: dotted quads only for AF_INET.
 */
static int
v1_addr(int af, const uint8_t *p, size_t len, uint8_t addr[16])
{
	char s[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(s))
		return -1;
	memcpy(s, p, len);
	s[len] = '\0';
	return inet_pton(af, s, addr) == 1 ? 0 : -1;
}

/* A v1 port: 1 to 5 digits, 0 to 65535; 0, or -1. */
static int
v1_port(const uint8_t *p, size_t len, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/*
 * v1: "PROXY" SP ("TCP4" | "TCP6") SP src SP dst SP sport SP dport CRLF,
 * or "PROXY" SP "UNKNOWN" and anything printable up to CRLF; one space
 * between words, at most PROXY_DECIDE_MAX bytes in all.
 */
static enum proxy_result
parse_v1(const uint8_t *p, size_t n, struct proxy_header *h)
{
	static const char lead[] = "PROXY ";
	const uint8_t *w[4], *end;
	size_t i, lim, wl[4];
	uint8_t dst[16];
	uint16_t dport;
	int af, k;

	if (memcmp(p, lead, n < 6 ? n : 6) != 0)
		return PROXY_BAD;
	lim = n < PROXY_DECIDE_MAX ? n : PROXY_DECIDE_MAX;
	for (i = 0; i < lim && p[i] != '\n'; i++)
		if ((p[i] < 0x20 || p[i] > 0x7e) &&
		    !(p[i] == '\r' && (i + 1 == n || p[i + 1] == '\n')))
			return PROXY_BAD;
	if (i == lim)
		return n >= PROXY_DECIDE_MAX ? PROXY_BAD : PROXY_MORE;
	if (i < 7 || p[i - 1] != '\r')
		return PROXY_BAD;
	h->version = 1;
	h->len = i + 1;
	end = p + i - 1; /* the CR */
	p += 6;
	if (end - p >= 7 && memcmp(p, "UNKNOWN", 7) == 0 &&
	    (end - p == 7 || p[7] == ' '))
		return PROXY_DONE; /* the rest is not looked at */
	if (end - p < 5 || memcmp(p, "TCP", 3) != 0 || p[4] != ' ')
		return PROXY_BAD;
	if (p[3] == '4')
		af = AF_INET;
	else if (p[3] == '6')
		af = AF_INET6;
	else
		return PROXY_BAD;
	p += 5;
	/* four words, one space apart */
	for (k = 0; k < 4; k++) {
		w[k] = p;
		while (p < end && *p != ' ')
			p++;
		wl[k] = (size_t)(p - w[k]);
		if (k < 3) {
			if (p == end)
				return PROXY_BAD;
			p++;
		}
	}
	if (p != end || v1_addr(af, w[0], wl[0], h->addr) == -1 ||
	    v1_addr(af, w[1], wl[1], dst) == -1 ||
	    v1_port(w[2], wl[2], &h->port) == -1 ||
	    v1_port(w[3], wl[3], &dport) == -1)
		return PROXY_BAD;
	h->family = (uint8_t)af;
	return PROXY_DONE;
}

/*
 * v2: the signature, version 2 and a command (LOCAL or PROXY), the
 * family and transport, the length of what follows (addresses, then
 * TLVs, which are read past unread), in network order.
 */
static enum proxy_result
parse_v2(const uint8_t *p, size_t n, struct proxy_header *h)
{
	unsigned cmd, fam, proto;
	size_t len;

	if (memcmp(p, v2_sig, n < sizeof(v2_sig) ? n : sizeof(v2_sig)) != 0)
		return PROXY_BAD;
	if (n < V2_FIXED)
		return PROXY_MORE;
	cmd = p[12] & 0x0f;
	fam = p[13] >> 4;
	proto = p[13] & 0x0f;
	len = (size_t)p[14] << 8 | p[15];
	if (p[12] >> 4 != 2 || cmd > V2_PROXY)
		return PROXY_BAD;
	h->version = 2;
	h->len = V2_FIXED + len;
	if (cmd == V2_LOCAL) {
		/* the proxy's own (a health check): its block is not read */
		h->local = 1;
		return PROXY_DONE;
	}
	if (fam > V2_AF_UNIX || proto > V2_DGRAM || len < v2_addr_len[fam])
		return PROXY_BAD;
	if ((fam != V2_AF_INET && fam != V2_AF_INET6) || proto != V2_STREAM)
		return PROXY_DONE; /* the socket's peer stands */
	if (n < V2_FIXED + (size_t)v2_addr_len[fam])
		return PROXY_MORE;
	p += V2_FIXED;
	if (fam == V2_AF_INET) {
		h->family = AF_INET;
		memcpy(h->addr, p, 4);
		p += 8;
	} else {
		h->family = AF_INET6;
		memcpy(h->addr, p, 16);
		p += 32;
	}
	h->port = (uint16_t)(p[0] << 8 | p[1]);
	return PROXY_DONE;
}

/*
 * Reads the PROXY header at the start of p[0..n), n bytes received so
 * far: PROXY_DONE with h filled, PROXY_MORE, or PROXY_BAD as soon as a
 * byte shows that it is not one. Never PROXY_MORE for PROXY_DECIDE_MAX
 * bytes or more.
 */
enum proxy_result
proxy_parse(const uint8_t *p, size_t n, struct proxy_header *h)
{
	memset(h, 0, sizeof(*h));
	if (n == 0)
		return PROXY_MORE;
	if (p[0] == 'P')
		return parse_v1(p, n, h);
	if (p[0] == v2_sig[0])
		return parse_v2(p, n, h);
	return PROXY_BAD;
}

/* The socket's peer (sa) as the connection keeps it: family and bytes. */
void
proxy_peer_set(uint8_t *family, uint8_t addr[16], const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		*family = AF_INET;
		memcpy(addr,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    4);
	} else if (sa->sa_family == AF_INET6) {
		*family = AF_INET6;
		memcpy(addr,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    16);
	}
}

/*
 * The transport of a connection whose PROXY header is not read yet.
 * Bytes are looked at with MSG_PEEK and then only the header's are
 * read, never a byte past it: what follows belongs to the transport
 * after it (a TLS ClientHello is read by OpenSSL from the socket). Once
 * looked at, they are read at once, so that EOF is seen at the next look.
 */
struct proxy_wait {
	void *tls_ctx;	 /* then TLS over the socket; NULL: plain */
	uint8_t *family; /* the connection's peer, which the header sets */
	uint8_t *addr;
	size_t skip; /* header bytes still to read past, once parsed */
	size_t have; /* bytes in head */
	int parsed;
	uint8_t head[PROXY_DECIDE_MAX];
};

/*
 * Starts a connection whose first bytes must be a PROXY header; its
 * client's address goes to family and addr. 0, or -1 (out of memory).
 */
int
proxy_open(struct transport *t, void *tls_ctx, uint8_t *family,
    uint8_t addr[16])
{
	struct proxy_wait *pw;

	if ((pw = calloc(1, sizeof(*pw))) == NULL)
		return -1;
	pw->tls_ctx = tls_ctx;
	pw->family = family;
	pw->addr = addr;
	t->ops = &transport_proxy;
	t->engine = pw;
	t->handshaking = 1;
	return 0;
}

/* The header is read: the connection goes on plain or in TLS. */
static ssize_t
proxy_done(struct transport *t, void *p, size_t len)
{
	struct proxy_wait *pw = t->engine;
	void *tls_ctx = pw->tls_ctx;

	free(pw);
	transport_open(t, &transport_plain, t->fd);
	if (tls_ctx != NULL && tls_open(t, tls_ctx) == -1) {
		log_warnx("cannot start a TLS session (out of memory)");
		errno = ENOMEM;
		return -1;
	}
	return t->ops->read(t, p, len);
}

/* recv(2) that retries on EINTR and notes what EAGAIN waits for. */
static ssize_t
proxy_recv(struct transport *t, void *p, size_t len, int flags)
{
	ssize_t n;

	do
		n = recv(t->fd, p, len, flags);
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN)
		t->want = TRANSPORT_WANT_READ;
	return n;
}

/*
 * Reads the header (EAGAIN until it is whole; the header timer bounds
 * the wait), then hands over and reads as the next transport does. A
 * header that is not one fails with EPROTO: the connection is closed.
 */
static ssize_t
proxy_read(struct transport *t, void *p, size_t len)
{
	struct proxy_wait *pw = t->engine;
	uint8_t sink[512];
	struct proxy_header h;
	enum proxy_result r;
	size_t take;
	ssize_t n;

	while (!pw->parsed) {
		/* room is left: proxy_parse decides on a full head */
		n = proxy_recv(t, pw->head + pw->have,
		    sizeof(pw->head) - pw->have, MSG_PEEK);
		if (n <= 0)
			return n;
		r = proxy_parse(pw->head, pw->have + (size_t)n, &h);
		if (r == PROXY_BAD) {
			if (log_debug_on)
				log_debug("no valid PROXY header: closed");
			errno = EPROTO;
			return -1;
		}
		/* until the header is whole, every byte is the header's */
		take = (size_t)n;
		if (r == PROXY_DONE && h.len - pw->have < take)
			take = h.len - pw->have;
		if (proxy_recv(t, pw->head + pw->have, take, 0) !=
		    (ssize_t)take) {
			errno = EPROTO; /* what was seen went away */
			return -1;
		}
		pw->have += take;
		if (r == PROXY_DONE) {
			if (h.family != 0) {
				*pw->family = h.family;
				memcpy(pw->addr, h.addr, 16);
			}
			pw->skip = h.len - pw->have;
			pw->parsed = 1;
		}
	}
	while (pw->skip > 0) {
		n = proxy_recv(t, sink,
		    pw->skip < sizeof(sink) ? pw->skip : sizeof(sink), 0);
		if (n <= 0)
			return n;
		pw->skip -= (size_t)n;
	}
	return proxy_done(t, p, len);
}

/* Nothing is sent before the header is read: no request has come. */
static ssize_t
proxy_writev(struct transport *t, struct iovec *iov, int n, int more)
{
	errno = EPIPE;
	return -1;
}

static int
proxy_shutdown(struct transport *t)
{
	return shutdown(t->fd, SHUT_WR);
}

/* No answer to a connection that has not said who it is for. */
static void
proxy_last_words(struct transport *t, const void *p, size_t len)
{
}

static void
proxy_close(struct transport *t)
{
	free(t->engine);
	t->engine = NULL;
	close(t->fd); /* also leaves the epoll set */
	t->fd = -1;
}

const struct transport_ops transport_proxy = {
	.name = "proxy",
	.read = proxy_read,
	.writev = proxy_writev,
	.sendfile = NULL,
	.shutdown = proxy_shutdown,
	.last_words = proxy_last_words,
	.close = proxy_close,
	.short_read_drains = 0,
};
