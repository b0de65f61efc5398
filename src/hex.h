/* hex.h: hexadecimal digits, both ways, and FNV-1a hashing. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_HEX_H
#define GUAD_HEX_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a's offset basis: where a hash starts. */
#define HEX_FNV_BASIS 14695981039346656037ULL

extern const char hex_upper[17]; /* "0123456789ABCDEF" */
extern const char hex_lower[17]; /* "0123456789abcdef" */

int hex_value(int c);
uint64_t hex_fnv1a(uint64_t h, const void *p, size_t n);

#endif
