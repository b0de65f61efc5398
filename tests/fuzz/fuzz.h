/* fuzz.h: what the libFuzzer harnesses share; see tests/fuzz/README.md. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_FUZZ_H
#define GUAD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The entry point libFuzzer (or tests/fuzz/replay.c) calls. */
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Reports a broken invariant the way a sanitizer would: loudly, then abort. */
#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) \
			fuzz_fail(__FILE__, __LINE__, #cond); \
	} while (0)

static inline void __attribute__((noreturn))
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	fflush(stderr);
	abort();
}

/*
 * A malloc'd copy of exactly size bytes, with no terminator and no slack,
 * so that AddressSanitizer sees the first byte read past the end.
 */
static inline char *
fuzz_dup(const void *data, size_t size)
{
	char *p = malloc(size > 0 ? size : 1); /* malloc(0) may be NULL */

	if (p == NULL)
		abort();
	memcpy(p, size > 0 ? data : "", size);
	return p;
}

/* True if [p, p + len) lies within [base, base + size). */
static inline int
fuzz_within(const char *p, size_t len, const char *base, size_t size)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;

	return a >= b && a - b <= size && len <= size - (a - b);
}

/*
 * Well-formed UTF-8 (RFC 3629), written independently of uri_utf8_valid
 * so that the two can be checked against each other.
 */
static inline int
fuzz_utf8_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	unsigned char lo, hi;
	int n;

	while (i < len) {
		unsigned char c = p[i++];

		lo = 0x80;
		hi = 0xbf;
		if (c < 0x80)
			continue;
		else if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0; /* no overlong 3-byte form */
			else if (c == 0xed)
				hi = 0x9f; /* no surrogate */
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90; /* no overlong 4-byte form */
			else if (c == 0xf4)
				hi = 0x8f; /* nothing past U+10FFFF */
		} else
			return 0;
		if (len - i < (size_t)n || p[i] < lo || p[i] > hi)
			return 0;
		for (i++, n--; n > 0; n--, i++)
			if (p[i] < 0x80 || p[i] > 0xbf)
				return 0;
	}
	return 1;
}

#endif
