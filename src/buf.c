/* buf.c: byte buffers that grow within a bound, and a free list of them. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Allocates cap bytes (cap may be 0); returns 0, or -1 when out of memory. */
int
buf_init(struct buf *b, size_t cap, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
	if (cap > max)
		cap = max;
	if (cap > 0 && (b->data = malloc(cap)) == NULL)
		return -1;
	b->cap = cap;
	return 0;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/*
 * Makes room for more bytes, doubling up to the bound. Returns 0, or -1
 * (and marks the buffer failed) when the bound or memory runs out.
 */
int
buf_reserve(struct buf *b, size_t more)
{
	size_t need, ncap;
	char *p;

	if (b->failed)
		return -1;
	if (more <= b->cap - b->len)
		return 0;
	if (more > b->max || b->len > b->max - more) {
		b->failed = 1;
		return -1;
	}
	need = b->len + more;
	ncap = b->cap ? b->cap : 256;
	if (ncap > b->max)
		ncap = b->max;
	while (ncap < need)
		ncap = ncap > b->max / 2 ? b->max : ncap * 2;
	if ((p = realloc(b->data, ncap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = ncap;
	return 0;
}

/* buf_add when the bytes do not fit yet: grows, or marks the buffer failed. */
void
buf_add_grow(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (buf_reserve(b, n) == 0) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
	}
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addu(struct buf *b, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	buf_add(b, tmp + i, sizeof(tmp) - i);
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if (buf_reserve(b, (size_t)n + 1) == -1)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

int
buf_pool_init(struct buf_pool *p, size_t size, size_t keep)
{
	p->size = size;
	p->keep = keep;
	p->nfree = 0;
	p->free = calloc(keep, sizeof(*p->free));
	return p->free == NULL ? -1 : 0;
}

/* Returns a block of p->size bytes, or NULL when out of memory. */
char *
buf_pool_get(struct buf_pool *p)
{
	if (p->nfree > 0)
		return p->free[--p->nfree];
	return malloc(p->size);
}

void
buf_pool_put(struct buf_pool *p, char *block)
{
	if (block == NULL)
		return;
	if (p->nfree < p->keep)
		p->free[p->nfree++] = block;
	else
		free(block);
}

void
buf_pool_free(struct buf_pool *p)
{
	while (p->nfree > 0)
		free(p->free[--p->nfree]);
	free(p->free);
	p->free = NULL;
}
