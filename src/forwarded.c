/* forwarded.c: the client a trusted proxy names: X-Forwarded-For, Forwarded. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <string.h>

#include "allow.h"
#include "forwarded.h"
#include "http.h"

/*
 * Each proxy appends the address it took the request from, so the list
 * reads client, proxy 1, proxy 2 ... and only its right end is vouched
 * for: by the peer, which [server] trusted_proxies trusts. Walking from
 * the right, every trusted address is one more proxy of ours; the first
 * one that is not trusted is the client (nginx's real_ip_recursive),
 * and what lies left of it is whatever that client chose to send. If
 * all are trusted, the left-most is the client.
 *
 * An element on that walk that is not an address (a typo, "unknown", an
 * obfuscated node, a Forwarded element without for=) ends it: the
 * request keeps the peer's address. Refusing it with a 400 would make a
 * site unreachable through a proxy that sends such elements, and
 * believing any address left of it would let the client choose its own.
 */

/* Is c optional whitespace (RFC 9110 OWS)? */
static int
ows(char c)
{
	return c == ' ' || c == '\t';
}

/* A port: 1 to 5 digits, at most 65535. */
static int
port_ok(const char *p, size_t len)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return 0;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	return v <= 65535;
}

/* inet_pton over p[0..len); 0, or -1. */
static int
pton(int af, const char *p, size_t len, uint8_t addr[16])
{
	char s[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(s) || memchr(p, '\0', len) != NULL)
		return -1;
	memcpy(s, p, len);
	s[len] = '\0';
	return inet_pton(af, s, addr) == 1 ? 0 : -1;
}

/*
 * A node: IPv4 [":" port] or "[" IPv6 "]" [":" port]; a bare IPv6 too
 * if bare_v6 (X-Forwarded-For carries them so). The family, or 0.
 */
static int
node_parse(const char *p, size_t len, int bare_v6, uint8_t addr[16])
{
	const char *close, *colon;

	memset(addr, 0, 16); /* an IPv4 one fills 4 */
	if (len > 0 && p[0] == '[') {
		close = memchr(p, ']', len);
		if (close == NULL ||
		    pton(AF_INET6, p + 1, (size_t)(close - p - 1), addr) == -1)
			return 0;
		len -= (size_t)(close + 1 - p);
		if (len == 0)
			return AF_INET6;
		if (close[1] != ':' || !port_ok(close + 2, len - 1))
			return 0;
		return AF_INET6;
	}
	if (pton(AF_INET, p, len, addr) == 0)
		return AF_INET;
	if (bare_v6 && pton(AF_INET6, p, len, addr) == 0)
		return AF_INET6;
	colon = memchr(p, ':', len);
	if (colon != NULL && pton(AF_INET, p, (size_t)(colon - p), addr) == 0 &&
	    port_ok(colon + 1, len - (size_t)(colon - p) - 1))
		return AF_INET;
	return 0;
}

/* One element of the walk: an address (family != 0) or none. */
static void
step(struct forwarded_walk *fw, int family, const uint8_t addr[16])
{
	if (family == 0) {
		fw->bad = 1;
		return;
	}
	if (fw->first_family == 0 && !fw->bad && fw->family == 0) {
		fw->first_family = (uint8_t)family;
		memcpy(fw->first_addr, addr, 16);
	}
	if (allow_match(fw->trusted, fw->ntrusted, family, addr))
		return;
	fw->family = (uint8_t)family;
	memcpy(fw->addr, addr, 16);
	fw->bad = 0;
}

/* X-Forwarded-For: addresses separated by commas; empty ones skipped. */
static void
walk_xff(struct forwarded_walk *fw, const char *p, const char *end)
{
	const char *comma, *e;
	uint8_t addr[16];

	for (;;) {
		comma = memchr(p, ',', (size_t)(end - p));
		e = comma != NULL ? comma : end;
		while (p < e && ows(*p))
			p++;
		while (e > p && ows(e[-1]))
			e--;
		if (p < e)
			step(fw, node_parse(p, (size_t)(e - p), 1, addr), addr);
		if (comma == NULL)
			return;
		p = comma + 1;
	}
}

/* RFC 9110 tchar. */
static int
tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
}

/*
 * A value at *pp: a token or a quoted-string, decoded into out (cap
 * bytes; longer ones are cut, which no address is). Its length, or -1.
 */
static int
value_parse(const char **pp, const char *end, char *out, size_t cap)
{
	const char *p = *pp;
	size_t n = 0;

	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && ++p == end)
				return -1;
			if ((unsigned char)*p < 0x20 && *p != '\t')
				return -1;
			if (n < cap)
				out[n++] = *p;
		}
		if (p == end)
			return -1;
		p++;
	} else {
		for (; p < end && tchar((unsigned char)*p); p++)
			if (n < cap)
				out[n++] = *p;
		if (n == 0)
			return -1;
	}
	*pp = p;
	return (int)n;
}

/*
 * Forwarded: elements separated by commas, each pairs "name=value"
 * separated by semicolons. The element's for= is its address; a syntax
 * error anywhere spoils the whole field.
 */
static void
walk_rfc7239(struct forwarded_walk *fw, const char *p, const char *end)
{
	char v[64];
	const char *name;
	uint8_t addr[16];
	size_t nlen;
	int vlen, family, nfor, npairs;

	for (;;) {
		family = nfor = npairs = 0;
		for (;;) { /* the pairs of one element */
			while (p < end && ows(*p))
				p++;
			if (p < end && *p != ',' && *p != ';') {
				for (name = p;
				     p < end && tchar((unsigned char)*p);)
					p++;
				nlen = (size_t)(p - name);
				if (nlen == 0 || p == end || *p++ != '=')
					goto bad;
				vlen = value_parse(&p, end, v, sizeof(v));
				if (vlen < 0)
					goto bad;
				/* twice in one element: no address */
				if (http_token_eq(name, nlen, "for"))
					family = nfor++ == 0 &&
						(size_t)vlen < sizeof(v)
					    ? node_parse(v, (size_t)vlen, 0,
						  addr)
					    : 0;
				npairs++;
				while (p < end && ows(*p))
					p++;
			}
			if (p == end || *p != ';')
				break;
			p++;
		}
		if (p < end && *p != ',')
			goto bad;
		if (npairs > 0) /* an element without for= is no address */
			step(fw, family, addr);
		if (p == end)
			return;
		p++;
	}
bad:
	fw->bad = 1;
	fw->seen = 2; /* the field is spoilt */
}

/* Starts a walk; trusted stays borrowed. */
void
forwarded_walk_init(struct forwarded_walk *fw, const struct allow_net *trusted,
    size_t ntrusted)
{
	memset(fw, 0, sizeof(*fw));
	fw->trusted = trusted;
	fw->ntrusted = ntrusted;
}

/* Goes on with one line of field f, its value p[0..len) without OWS. */
void
forwarded_walk_line(struct forwarded_walk *fw, enum forwarded_field f,
    const char *p, size_t len)
{
	if (fw->seen == 2)
		return;
	fw->seen = 1;
	if (f == FORWARDED_XFF)
		walk_xff(fw, p, p + len);
	else
		walk_rfc7239(fw, p, p + len);
}

/*
 * The client the walk found: 1 with family and addr, or 0 (no element,
 * or one that is no address on the walk: the peer stands).
 */
int
forwarded_walk_end(const struct forwarded_walk *fw, uint8_t *family,
    uint8_t addr[16])
{
	if (fw->seen != 1 || fw->bad)
		return 0;
	if (fw->family != 0) {
		*family = fw->family;
		memcpy(addr, fw->addr, 16);
		return 1;
	}
	if (fw->first_family != 0) {
		*family = fw->first_family;
		memcpy(addr, fw->first_addr, 16);
		return 1;
	}
	return 0;
}

/*
 * The client of a request whose head (head[0..len), checked by
 * http_parse_head) came from the peer: if the peer is trusted, the one
 * X-Forwarded-For names, or if the head has none, Forwarded. 1 with
 * family and addr, or 0: the peer is the client.
 */
int
forwarded_client(const struct allow_net *trusted, size_t ntrusted,
    int peer_family, const uint8_t *peer_addr, const char *head, size_t len,
    uint8_t *family, uint8_t addr[16])
{
	struct forwarded_walk xff, fwd;
	const char *p = head, *end = head + len, *eol, *colon, *v, *ve;
	int first = 1;

	if (peer_family == 0 ||
	    !allow_match(trusted, ntrusted, peer_family, peer_addr))
		return 0;
	forwarded_walk_init(&xff, trusted, ntrusted);
	forwarded_walk_init(&fwd, trusted, ntrusted);
	for (; p < end; p = eol + 1, first = 0) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		ve = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		if (ve == p && !first)
			break; /* the end of the head */
		if (first || (colon = memchr(p, ':', (size_t)(ve - p))) == NULL)
			continue;
		for (v = colon + 1; v < ve && ows(*v); v++)
			;
		while (ve > v && ows(ve[-1]))
			ve--;
		if (http_token_eq(p, (size_t)(colon - p), "x-forwarded-for"))
			forwarded_walk_line(&xff, FORWARDED_XFF, v,
			    (size_t)(ve - v));
		else if (http_token_eq(p, (size_t)(colon - p), "forwarded"))
			forwarded_walk_line(&fwd, FORWARDED_RFC7239, v,
			    (size_t)(ve - v));
	}
	if (xff.seen)
		return forwarded_walk_end(&xff, family, addr);
	return forwarded_walk_end(&fwd, family, addr);
}
