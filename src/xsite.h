/* xsite.h: is a request that would write sent by another site, or early? */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_XSITE_H
#define GUAD_XSITE_H

#include "http.h"

int xsite_same_origin(const struct http_slice *origin,
    const struct http_slice *host, const char *scheme);
const char *xsite_refusal(const struct http_request *, const char *scheme);

#endif
