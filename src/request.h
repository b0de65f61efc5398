/* request.h: one request on a connection: parsed, served, answer queued. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_REQUEST_H
#define GUAD_REQUEST_H

#include <stddef.h>

#include "conn.h"
#include "http.h"

enum conn_step request_next(struct conn *);
enum conn_step request_resume(struct conn *);
void request_parked_due(struct parked *);
int request_error(struct conn *, const struct http_request *, int status);
void request_done(struct conn *, size_t queued);

#endif
