/* hex.h: hexadecimal digits, both ways, and the hash of guad's tables. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_HEX_H
#define GUAD_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* 2^64 over the golden ratio, made odd: a multiplier whose bits are dense. */
#define HEX_HASH_K 0x9e3779b97f4a7c15ULL

extern const char hex_upper[17]; /* "0123456789ABCDEF" */
extern const char hex_lower[17]; /* "0123456789abcdef" */

int hex_value(int c);

/*
 * Loads the n bytes at p (1 to 7) as one word, from two overlapping
 * loads, and none outside [p, p + n).
 */
static inline uint64_t
hex_hash_tail(const uint8_t *p, size_t n)
{
	uint32_t a, b;

	if (n >= 4) {
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		return (uint64_t)a | (uint64_t)b << 32;
	}
	return (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 |
	    (uint64_t)p[n - 1] << 16;
}

/* One step of the hash: mixes the word w into h. */
static inline uint64_t
hex_hash_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * HEX_HASH_K;
	return h ^ h >> 29;
}

/*
 * Goes on with the hash h (0 to begin) over the n bytes at p, eight
 * bytes a step (memcpy of a word is one load): one xor, one multiply and
 * one shift per word, where a byte-at-a-time hash (FNV-1a) spends a
 * multiply per byte. The length goes in first, so that keys differing
 * only in trailing zero bytes differ, and a last multiply spreads every
 * byte into the low bits the tables index by. Inline: the request path
 * hashes a path three times. Not a cryptographic hash, and not stable
 * across byte orders: only for tables inside one process.
 */
static inline uint64_t
hex_hash(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t w;

	h ^= (uint64_t)n * HEX_HASH_K;
	for (; n >= 8; b += 8, n -= 8) {
		memcpy(&w, b, 8);
		h = hex_hash_mix(h, w);
	}
	if (n > 0)
		h = hex_hash_mix(h, hex_hash_tail(b, n));
	h *= HEX_HASH_K;
	return h ^ h >> 32;
}

#endif
