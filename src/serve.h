/* serve.h: from a parsed request to a response: decode, route, dispatch. */
#ifndef GUAD_SERVE_H
#define GUAD_SERVE_H

#include <stddef.h>

#include "http.h"
#include "resp.h"

struct worker;

int serve_request(struct worker *, const struct http_request *,
    const char *body, size_t blen, struct response *);

#endif
