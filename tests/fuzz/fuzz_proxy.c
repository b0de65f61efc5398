/*
 * fuzz_proxy.c: the first bytes of a connection on a proxy_protocol
 * listener, to proxy_parse.
 *
 * A header it takes is held against the bytes: v1 ends in CRLF within
 * 107 bytes, v2's length is the one its bytes 15 and 16 give, and the
 * address is the one the header carries (v2: its bytes; v1: what
 * inet_pton reads of the source word). Every prefix of the input is
 * "more" or gets the answer of the whole, and a prefix once refused
 * stays refused, as a header that arrives a byte at a time must.
 */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include "fuzz.h"
#include "proxy.h"

/* The source word of a v1 TCP line, as inet_pton reads it. */
static int
v1_source(const uint8_t *p, size_t len, int af, uint8_t addr[16])
{
	char s[64];
	const uint8_t *w = p + 11, *sp;

	if (len < 12)
		return 0;
	sp = memchr(w, ' ', len - 11);
	if (sp == NULL || (size_t)(sp - w) >= sizeof(s))
		return 0;
	memcpy(s, w, (size_t)(sp - w));
	s[sp - w] = '\0';
	return inet_pton(af, s, addr) == 1;
}

static void
check_done(const uint8_t *in, size_t size, const struct proxy_header *h)
{
	uint8_t want[16];

	FUZZ_CHECK(h->version == 1 || h->version == 2);
	FUZZ_CHECK(
	    h->family == 0 || h->family == AF_INET || h->family == AF_INET6);
	if (h->version == 1) {
		FUZZ_CHECK(h->len >= 8 && h->len <= PROXY_DECIDE_MAX);
		FUZZ_CHECK(h->len <= size);
		FUZZ_CHECK(memcmp(in, "PROXY ", 6) == 0);
		FUZZ_CHECK(in[h->len - 2] == '\r' && in[h->len - 1] == '\n');
		FUZZ_CHECK(memchr(in, '\n', h->len - 1) == NULL);
		FUZZ_CHECK(!h->local);
		if (h->family != 0) {
			FUZZ_CHECK(memcmp(in + 6,
				       h->family == AF_INET ? "TCP4 " : "TCP6 ",
				       5) == 0);
			memset(want, 0, sizeof(want));
			FUZZ_CHECK(v1_source(in, h->len, h->family, want));
			FUZZ_CHECK(memcmp(want, h->addr,
				       h->family == AF_INET ? 4 : 16) == 0);
		} else
			FUZZ_CHECK(memcmp(in + 6, "UNKNOWN", 7) == 0);
		return;
	}
	FUZZ_CHECK(size >= 16);
	FUZZ_CHECK(h->len == 16 + ((size_t)in[14] << 8 | in[15]));
	FUZZ_CHECK(in[12] >> 4 == 2);
	FUZZ_CHECK(h->local == ((in[12] & 0x0f) == 0));
	FUZZ_CHECK((in[12] & 0x0f) <= 1);
	if (h->local)
		FUZZ_CHECK(h->family == 0);
	if (h->family == AF_INET) {
		FUZZ_CHECK(in[13] == 0x11 && size >= 28 && h->len >= 28);
		FUZZ_CHECK(memcmp(h->addr, in + 16, 4) == 0);
		FUZZ_CHECK(h->port == (in[24] << 8 | in[25]));
	} else if (h->family == AF_INET6) {
		FUZZ_CHECK(in[13] == 0x21 && size >= 52 && h->len >= 52);
		FUZZ_CHECK(memcmp(h->addr, in + 16, 16) == 0);
		FUZZ_CHECK(h->port == (in[48] << 8 | in[49]));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_header h, ph;
	enum proxy_result r, pr;
	size_t k, lim;
	uint8_t *in;
	int refused = 0;

	/* nothing yet: nothing is read */
	FUZZ_CHECK(proxy_parse(NULL, 0, &h) == PROXY_MORE);
	if (size == 0)
		return 0;
	in = (uint8_t *)fuzz_dup(data, size);
	r = proxy_parse(in, size, &h);
	FUZZ_CHECK(r == PROXY_MORE || r == PROXY_BAD || r == PROXY_DONE);
	if (size >= PROXY_DECIDE_MAX)
		FUZZ_CHECK(r != PROXY_MORE);
	if (r == PROXY_DONE)
		check_done(in, size, &h);
	/* every prefix (of what is ever looked at), as if cut by reads */
	lim = size < PROXY_DECIDE_MAX ? size : PROXY_DECIDE_MAX;
	free(in);
	for (k = 1; k < lim; k++) {
		in = (uint8_t *)fuzz_dup(data, k);
		pr = proxy_parse(in, k, &ph);
		free(in);
		if (refused)
			FUZZ_CHECK(pr == PROXY_BAD);
		refused = pr == PROXY_BAD;
		if (pr == PROXY_DONE) {
			FUZZ_CHECK(r == PROXY_DONE);
			FUZZ_CHECK(ph.len == h.len && ph.version == h.version &&
			    ph.local == h.local && ph.family == h.family &&
			    ph.port == h.port &&
			    memcmp(ph.addr, h.addr, 16) == 0);
		} else if (pr == PROXY_BAD)
			FUZZ_CHECK(r == PROXY_BAD);
	}
	return 0;
}
