/* hex.c: hexadecimal digits, both ways, and FNV-1a hashing. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include "hex.h"

const char hex_upper[17] = "0123456789ABCDEF";
const char hex_lower[17] = "0123456789abcdef";

/* The value of a hexadecimal digit (either case), or -1. */
int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Goes on with the 64-bit FNV-1a hash h (HEX_FNV_BASIS to begin) over
 * the n bytes at p: one xor and one multiply a byte, well spread for the
 * short keys of guad's tables.
 */
uint64_t
hex_fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}
