/* allow.c: client addresses and CIDR blocks a route answers to. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"

/*
 * Parses "ADDRESS" or "ADDRESS/BITS" (IPv4 or IPv6) into n; the bits
 * below the prefix must be zero ("10.0.0.1/8" is a typo, not 10/8).
 * Returns 0, or -1 if word is not one.
 */
int
allow_parse(const char *word, struct allow_net *n)
{
	char a[INET6_ADDRSTRLEN + 1], *end;
	const char *slash = strchr(word, '/');
	size_t len = slash ? (size_t)(slash - word) : strlen(word);
	unsigned long bits;
	unsigned i, max;

	if (len == 0 || len >= sizeof(a))
		return -1;
	memcpy(a, word, len);
	a[len] = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, a, n->addr) == 1) {
		n->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, a, n->addr) == 1) {
		n->family = AF_INET6;
		max = 128;
	} else
		return -1;
	n->bits = max;
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		bits = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || bits > max)
			return -1;
		n->bits = (unsigned)bits;
	}
	for (i = n->bits; i < max; i++)
		if (n->addr[i / 8] & (0x80 >> (i % 8)))
			return -1;
	return 0;
}

/* [status] allow: every word an address or block; 0, or -1 and why. */
int
allow_check(const char *value, char *why, size_t len)
{
	struct allow_net n;
	char *words, *w, *save;
	int rc = 0;

	if ((words = strdup(value)) == NULL) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	for (w = strtok_r(words, " \t,", &save); w != NULL && rc == 0;
	     w = strtok_r(NULL, " \t,", &save))
		if (allow_parse(w, &n) == -1) {
			snprintf(why, len,
			    "\"%s\" is not an address or ADDRESS/BITS block "
			    "(with the bits past BITS zero)",
			    w);
			rc = -1;
		}
	free(words);
	return rc;
}

/*
 * Is the client (family, 4 or 16 bytes of addr) in one of the n blocks?
 * An IPv4 client reaching an IPv6 socket (::ffff:a.b.c.d) is matched
 * as the IPv4 address it is.
 */
int
allow_match(const struct allow_net *nets, size_t n, int family,
    const uint8_t *addr)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
		0xff };
	size_t i;
	unsigned whole, rest;

	if (addr == NULL)
		return 0;
	if (family == AF_INET6 && memcmp(addr, mapped, 12) == 0) {
		family = AF_INET;
		addr += 12;
	}
	for (i = 0; i < n; i++) {
		if (nets[i].family != family)
			continue;
		whole = nets[i].bits / 8;
		rest = nets[i].bits % 8;
		if (memcmp(nets[i].addr, addr, whole) != 0)
			continue;
		if (rest != 0 &&
		    ((nets[i].addr[whole] ^ addr[whole]) & (0xff00 >> rest)))
			continue;
		return 1;
	}
	return 0;
}
