/* authority.c: host [":" port] as Host and absolute-form targets carry it. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authority.h"

static int
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* A bit per character below 128: one word for 0-63, one for 64-127. */
#define BIT(c) (1ULL << ((unsigned)(c)&63))

/* unreserved / sub-delims (RFC 3986 2.2, 2.3): 0-9 and -._~!$&'()*+,;= */
static const uint64_t plain_low = 0x3ffULL << '0' | BIT('-') | BIT('.') |
    BIT('!') | BIT('$') | BIT('&') | BIT('\'') | BIT('(') | BIT(')') |
    BIT('*') | BIT('+') | BIT(',') | BIT(';') | BIT('=');
/* and A-Z a-z _ ~ */
static const uint64_t plain_high = 0x3ffffffULL << ('A' - 64) |
    0x3ffffffULL << ('a' - 64) | BIT('_') | BIT('~');

/* a shift and a test, where a character list would be a search */
static int
is_plain(char c)
{
	unsigned u = (unsigned char)c;

	if (u < 64)
		return (int)(plain_low >> u & 1);
	return u < 128 && (plain_high >> (u - 64) & 1);
}

/*
 * dec-octet "." dec-octet "." dec-octet "." dec-octet, nothing after, in
 * one pass. A dec-octet has no leading zero, so three digits are at
 * least 100 and a fourth makes more than 255.
 */
static int
ipv4(const char *p, size_t len)
{
	unsigned v = 0, digits = 0, dots = 0, d;
	size_t i;

	for (i = 0; i < len; i++) {
		d = (unsigned)(unsigned char)p[i] - '0';
		if (d < 10) {
			if ((digits == 1 && v == 0) || (v = v * 10 + d) > 255)
				return 0;
			digits++;
		} else if (p[i] == '.' && digits > 0 && dots < 3) {
			dots++;
			digits = v = 0;
		} else
			return 0;
	}
	return dots == 3 && digits > 0;
}

/*
 * IPv6address (RFC 3986 3.2.2): eight groups of one to four hex digits,
 * the last two of which may be an IPv4 address, and at most one "::"
 * standing for one group or more.
 */
static int
ipv6(const char *p, size_t len)
{
	size_t i = 0, j, digits;
	int groups = 0, gap = 0;

	if (len >= 2 && p[0] == ':' && p[1] == ':') {
		gap = 1;
		i = 2;
		if (i == len)
			return 1;
	} else if (len == 0 || p[0] == ':')
		return 0;
	for (;;) {
		/* a group, or an IPv4 address to the end */
		for (j = i; j < len && p[j] != ':' && p[j] != '.'; j++)
			;
		if (j < len && p[j] == '.') {
			for (j = i; j < len && p[j] != ':'; j++)
				;
			if (j != len || !ipv4(p + i, len - i))
				return 0;
			groups += 2;
			break;
		}
		for (digits = 0; i < len && is_hex(p[i]) && digits < 5;
		     i++, digits++)
			;
		if (digits == 0 || digits > 4)
			return 0;
		groups++;
		if (i == len)
			break;
		if (p[i] != ':')
			return 0;
		if (i + 1 < len && p[i + 1] == ':') {
			if (gap)
				return 0;
			gap = 1;
			i += 2;
			if (i == len)
				break;
		} else if (++i == len)
			return 0; /* a lone ':' at the end */
		if (groups > 8)
			return 0;
	}
	return gap ? groups <= 7 : groups == 8;
}

/* IPvFuture: "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ) */
static int
ipv_future(const char *p, size_t len)
{
	size_t i = 1;

	if (len < 4 || (p[0] != 'v' && p[0] != 'V'))
		return 0;
	while (i < len && is_hex(p[i]))
		i++;
	if (i == 1 || i == len || p[i] != '.' || ++i == len)
		return 0;
	for (; i < len; i++)
		if (!is_plain(p[i]) && p[i] != ':')
			return 0;
	return 1;
}

/* reg-name: *( unreserved / pct-encoded / sub-delims ) */
static int
reg_name(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (is_plain(p[i]))
			continue;
		if (p[i] != '%' || len - i < 3 || !is_hex(p[i + 1]) ||
		    !is_hex(p[i + 2]))
			return 0;
		i += 2;
	}
	return 1;
}

/*
 * Parses uri-host [ ":" port ] (RFC 9110 7.2, RFC 3986 3.2.2 and 3.2.3):
 * a reg-name, an IPv4 address or an IP literal in brackets (IPv6 or
 * IPvFuture), then an optional port of digits up to 65535. An empty
 * text is an empty reg-name (Host may be empty); an empty host before a
 * port is not. Returns 0 with a filled, or -1 if the syntax is wrong.
 * Without classify, an IPv4 address is left a reg-name's kind.
 */
static int
parse(const char *p, size_t len, struct authority *a, int classify)
{
	const char *colon, *end = p + len;
	size_t hlen, i;
	unsigned long port = 0;

	memset(a, 0, sizeof(*a));
	if (len > 0 && p[0] == '[') {
		colon = memchr(p, ']', len);
		if (colon == NULL)
			return -1;
		colon++;
		if (colon < end && *colon != ':')
			return -1;
		hlen = (size_t)(colon - p);
		if (hlen > 2 && (p[1] == 'v' || p[1] == 'V')) {
			if (!ipv_future(p + 1, hlen - 2))
				return -1;
			a->kind = AUTHORITY_IPV_FUTURE;
		} else if (ipv6(p + 1, hlen - 2))
			a->kind = AUTHORITY_IPV6;
		else
			return -1;
	} else {
		colon = memchr(p, ':', len);
		if (colon == NULL)
			colon = end;
		hlen = (size_t)(colon - p);
		/* every IPv4address is a reg-name too: the syntax is that */
		if (!reg_name(p, hlen))
			return -1;
		a->kind = classify && ipv4(p, hlen) ? AUTHORITY_IPV4
						    : AUTHORITY_REG_NAME;
		if (hlen == 0 && colon < end)
			return -1;
	}
	a->host.p = p;
	a->host.len = hlen;
	if (colon == end)
		return 0;
	a->port.p = colon + 1;
	a->port.len = (size_t)(end - colon - 1);
	for (i = 0; i < a->port.len; i++) {
		if (a->port.p[i] < '0' || a->port.p[i] > '9')
			return -1;
		port = port * 10 + (unsigned long)(a->port.p[i] - '0');
		if (port > 65535)
			return -1;
	}
	a->port_number = (unsigned)port;
	return 0;
}

int
authority_parse(const char *p, size_t len, struct authority *a)
{
	return parse(p, len, a, 1);
}

/*
 * Is p[0..len) a host [":" port]? authority_parse's answer without its
 * kind, so that a request's Host is not read twice over.
 */
int
authority_valid(const char *p, size_t len)
{
	struct authority a;

	return parse(p, len, &a, 0) == 0;
}

/* Is p[0..len) a host alone, without a port, and not empty? */
int
authority_host_ok(const char *p, size_t len)
{
	struct authority a;

	return len > 0 && authority_parse(p, len, &a) == 0 && a.port.p == NULL;
}

/*
 * Does a parsed host name the same host as name (a host from gua.ini)?
 * ASCII case is ignored, and so is one trailing dot of a DNS name
 * ("example.com." is "example.com").
 */
int
authority_host_eq(const struct http_slice *host, const char *name)
{
	size_t hlen = host->len, nlen = strlen(name);

	if (hlen > 1 && host->p[hlen - 1] == '.')
		hlen--;
	if (nlen > 1 && name[nlen - 1] == '.')
		nlen--;
	return hlen == nlen && strncasecmp(host->p, name, hlen) == 0;
}

/*
 * The check of [server] server_name: host names (authority_host_ok),
 * separated by spaces, tabs or commas. Returns 0, or -1 and why.
 */
int
authority_names_check(const char *value, char *why, size_t len)
{
	const char *p = value;
	size_t n;

	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return 0;
		n = strcspn(p, " \t,");
		if (!authority_host_ok(p, n)) {
			snprintf(why, len,
			    "\"%.*s\" is not a host name (a DNS name, an IPv4 address or an [IPv6] one, without a port)",
			    (int)(n > 200 ? 200 : n), p);
			return -1;
		}
		p += n;
	}
}
