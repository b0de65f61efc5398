/* buf.h: byte buffers that grow within a bound, and a free list of them. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_BUF_H
#define GUAD_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* never grows past this */
	int failed; /* an append did not fit: the content is cut */
};

int buf_init(struct buf *, size_t cap, size_t max);
void buf_free(struct buf *);
int buf_reserve(struct buf *, size_t more);
void buf_add_grow(struct buf *, const void *, size_t);
void buf_adds(struct buf *, const char *);
void buf_addu(struct buf *, uint64_t);
/* Appends a string literal without measuring it at run time. */
#define BUF_ADDLIT(b, lit) buf_add((b), (lit), sizeof(lit) - 1)

/*
 * Appends n bytes; a response head is some twenty of these, so the
 * common case (room left) is inline and the rest goes to buf_add_grow.
 */
static inline void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n > 0 && n <= b->cap - b->len && !b->failed) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
	} else
		buf_add_grow(b, p, n);
}

static inline void
buf_addc(struct buf *b, char c)
{
	if (b->len < b->cap && !b->failed)
		b->data[b->len++] = c;
	else
		buf_add_grow(b, &c, 1);
}

void buf_addf(struct buf *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * A free list of equal-sized blocks so that the request path allocates
 * nothing in steady state. Blocks are returned while connections idle.
 */
struct buf_pool {
	char **free;
	size_t nfree;
	size_t keep; /* at most this many kept */
	size_t size;
};

int buf_pool_init(struct buf_pool *, size_t size, size_t keep);
char *buf_pool_get(struct buf_pool *);
void buf_pool_put(struct buf_pool *, char *);
void buf_pool_free(struct buf_pool *);

#endif
