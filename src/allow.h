/* allow.h: client addresses and CIDR blocks a route answers to. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_ALLOW_H
#define GUAD_ALLOW_H

#include <stddef.h>
#include <stdint.h>

/* One address or block: IPv4 as such, IPv6 as 16 bytes. */
struct allow_net {
	int family; /* AF_INET, AF_INET6 */
	uint8_t addr[16];
	unsigned bits; /* prefix length */
};

int allow_parse(const char *word, struct allow_net *);
int allow_check(const char *value, char *why, size_t len);
int allow_match(const struct allow_net *, size_t n, int family,
    const uint8_t *addr);

#endif
