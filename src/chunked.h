/* chunked.h: the chunked transfer coding of a request body (RFC 9112 7.1). */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_CHUNKED_H
#define GUAD_CHUNKED_H

#include <stddef.h>

int chunked_body(char *, size_t, size_t max_body, int decode, size_t *raw_len,
    size_t *body_len);

#endif
