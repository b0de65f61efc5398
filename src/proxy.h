/*
 * proxy.h: a connection's peer: the socket's address, or the client's
 * as a PROXY protocol header (v1 or v2) from a load balancer gives it.
 */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_PROXY_H
#define GUAD_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

struct sockaddr;

/*
 * The longest v1 header, CRLF included. proxy_parse never answers
 * PROXY_MORE to this many bytes: they are enough to decide, for v1 and
 * for what of v2 is read (its 16 bytes and an IPv6 address block).
 */
#define PROXY_DECIDE_MAX 107

enum proxy_result {
	PROXY_MORE, /* a valid beginning: more bytes needed */
	PROXY_BAD,  /* not a PROXY header: close the connection */
	PROXY_DONE, /* a whole header: see struct proxy_header */
	PROXY_RESULT_COUNT
};

/* What a header says. */
struct proxy_header {
	size_t len;	 /* its bytes, v2's TLVs included: to read past */
	uint8_t version; /* 1 or 2 */
	uint8_t local;	 /* v2 LOCAL: the proxy's own connection */
	/*
	 * AF_INET, AF_INET6: the client, in addr and port. 0: the socket's
	 * peer stands (v1 UNKNOWN; v2 LOCAL, AF_UNSPEC, AF_UNIX, not TCP).
	 */
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];
};

enum proxy_result proxy_parse(const uint8_t *, size_t, struct proxy_header *);
void proxy_peer_set(uint8_t *family, uint8_t addr[16], const struct sockaddr *);
int proxy_open(struct transport *, void *tls_ctx, uint8_t *family,
    uint8_t addr[16]);

extern const struct transport_ops transport_proxy;

#endif
