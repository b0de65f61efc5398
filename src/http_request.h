/* http_request.h: a parsed request's slices, moved to another buffer. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_HTTP_REQUEST_H
#define GUAD_HTTP_REQUEST_H

#include <stddef.h>

#include "http.h"

size_t
http_request_uses(const struct http_request *, const char *buf, size_t cap);
void http_request_move(struct http_request *, const char *from, size_t cap,
    const char *to);

#endif
