/*
 * forwarded.h: the client a trusted proxy names in X-Forwarded-For or
 * Forwarded (RFC 7239).
 */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_FORWARDED_H
#define GUAD_FORWARDED_H

#include <stddef.h>
#include <stdint.h>

struct allow_net;

/* Which of the two fields. */
enum forwarded_field {
	FORWARDED_XFF,	   /* X-Forwarded-For: addr, addr, ... */
	FORWARDED_RFC7239, /* Forwarded: for=addr;by=..., for="[v6]" */
	FORWARDED_FIELD_COUNT
};

/*
 * The walk over one field's elements, left to right, over all its lines
 * in order: the right-most address that is not trusted is the client.
 */
struct forwarded_walk {
	const struct allow_net *trusted;
	size_t ntrusted;
	uint8_t family; /* the right-most untrusted so far; 0: none */
	uint8_t addr[16];
	uint8_t first_family; /* the left-most, if all are trusted */
	uint8_t first_addr[16];
	uint8_t seen; /* some line of the field */
	uint8_t bad;  /* an element to the right of family's is no address */
};

void forwarded_walk_init(struct forwarded_walk *, const struct allow_net *,
    size_t ntrusted);
void forwarded_walk_line(struct forwarded_walk *, enum forwarded_field,
    const char *value, size_t len);
int forwarded_walk_end(const struct forwarded_walk *, uint8_t *family,
    uint8_t addr[16]);
int forwarded_client(const struct allow_net *trusted, size_t ntrusted,
    int peer_family, const uint8_t *peer_addr, const char *head, size_t len,
    uint8_t *family, uint8_t addr[16]);

#endif
