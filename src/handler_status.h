/* handler_status.h: the status route, and what the metrics route shares. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_HANDLER_STATUS_H
#define GUAD_HANDLER_STATUS_H

struct conf;
struct handler;
struct hreq;
struct http_request;
struct scoreboard_view;

extern const struct handler handler_status;

int handler_status_init(const struct conf *, void **state);
void handler_status_free(void *state);
int handler_status_read(struct hreq *, const struct scoreboard_view **);
int handler_status_accepts_json(const char *, size_t);
int handler_status_wants_json(const struct http_request *);

#endif
