/* serve.h: from a parsed request to a response: decode, route, dispatch. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_SERVE_H
#define GUAD_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "handler.h"
#include "http.h"
#include "resp.h"

struct conf;

/* What a worker lends serve_request for every request it answers. */
struct serve_env {
	const struct conf *conf;
	char *path; /* the decoded path: request_line + 2 bytes */
	struct handler_scratch scratch;
	void *states[HANDLER_MAX]; /* each handler kind's, for this worker */
	unsigned https_port;	   /* where [tls] redirect sends clients */
};

int serve_env_init(struct serve_env *, const struct conf *);
void serve_env_free(struct serve_env *);
enum handler_step
serve_request(struct serve_env *, struct hreq *, struct response *);
enum handler_step serve_resume(struct hreq *, struct response *);
int64_t serve_body_max(struct serve_env *, const struct http_request *);

#endif
