/* precond.h: conditional requests (RFC 9110 13): which status they lead to. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_PRECOND_H
#define GUAD_PRECOND_H

#include <time.h>

#include "http.h"

/* What a resource has to compare preconditions with. */
struct precond_state {
	const char *etag;     /* its strong entity tag, quoted; NULL: none */
	time_t last_modified; /* 0: none */
	int exists;	      /* a current representation exists */
};

int precond_evaluate(const struct http_request *, const struct precond_state *);
int
precond_etag_match(const struct http_slice *list, const char *etag, int strong);

#endif
