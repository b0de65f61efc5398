/* serve.c: from a parsed request to a response: decode, route, dispatch. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "authority.h"
#include "conf.h"
#include "date.h"
#include "handler.h"
#include "https.h"
#include "log.h"
#include "router.h"
#include "serve.h"
#include "static.h"
#include "uri.h"

/* Every method some handler kind takes, for OPTIONS *. */
#define SERVE_ALLOW_ANY "GET, HEAD, POST, OPTIONS"

/*
 * With [server] server_name, is the request's host one of the names?
 * A request without a Host (HTTP/1.0) names none and is served. Ports
 * are not compared: a server may listen on several.
 */
static int
host_served(const struct conf *c, const struct http_request *req)
{
	struct authority a;
	size_t i;

	if (c->server_name.n == 0 || req->host.p == NULL || req->host.len == 0)
		return 1;
	if (authority_parse(req->host.p, req->host.len, &a) == -1)
		return 0;
	for (i = 0; i < c->server_name.n; i++)
		if (authority_host_eq(&a.host, c->server_name.v[i]))
			return 1;
	return 0;
}

/*
 * Makes what a worker lends its handlers: buffers sized by the limits,
 * and the state of each handler kind its routes use. 0, or -1.
 */
int
serve_env_init(struct serve_env *e, const struct conf *c)
{
	memset(e, 0, sizeof(*e));
	e->conf = c;
	e->https_port = c->tls_port;
	e->path = malloc(c->limits.request_line + 2);
	/* the path percent-encoded again: up to three bytes for one */
	e->scratch.location_cap = 3 * c->limits.request_line + 2;
	e->scratch.location = malloc(e->scratch.location_cap);
	if (e->path == NULL || e->scratch.location == NULL ||
	    buf_init(&e->scratch.page, 0, (size_t)16 * 1024 * 1024) == -1)
		return -1;
	return handler_workers_init(c, e->states);
}

/* Frees what serve_env_init made. */
void
serve_env_free(struct serve_env *e)
{
	if (e->conf != NULL)
		handler_workers_free(e->conf, e->states);
	buf_free(&e->scratch.page);
	free(e->scratch.location);
	free(e->path);
	memset(e, 0, sizeof(*e));
}

/*
 * Answers the request in q (conf, req, body and client set by the
 * caller) into r: decodes its path into e->path, routes it and calls
 * its handler kind. Returns HANDLER_ANSWER, with q->status 0 or an
 * error status for the caller to turn into an error page (r keeps Allow
 * and Location), or HANDLER_WAIT (the caller keeps q, with its own copy
 * of the path, and calls serve_resume later).
 */
enum handler_step
serve_request(struct serve_env *e, struct hreq *q, struct response *r)
{
	const struct conf *c = e->conf;
	const struct http_request *req = q->req;
	const struct route *rt, *dir;
	size_t len;
	int status;

	q->scratch = &e->scratch;
	q->wait.fd = -1;
	q->first_ms = date_mono_ms();
	/* another host's name (DNS rebinding): 421, RFC 9110 15.5.20 */
	if (!host_served(c, req))
		return handler_answer(q, HTTP_STATUS_MISDIRECTED_REQUEST);
	if (req->asterisk) {
		r->status = HTTP_STATUS_NO_CONTENT;
		r->allow = SERVE_ALLOW_ANY;
		return handler_answer(q, 0);
	}
	status = uri_path_decode(req->path.p, req->path.len, e->path, &len);
	if (status != 0)
		return handler_answer(q, status);
	q->path = e->path;
	q->len = len;
	if (c->tls_redirect && !req->https)
		return handler_answer(q, https_redirect(q, r, e->https_port));
	rt = router_match(&c->router, e->path, len);
	if ((rt == NULL || router_is_prefix(rt)) && e->path[len - 1] != '/') {
		/*
		 * "/static" for the dir route "/static/": redirect, even when
		 * a shorter dir route ("/") would take the path as a file.
		 */
		e->path[len] = '/';
		dir = router_find_dir(&c->router, e->path, len + 1);
		e->path[len] = '\0';
		if (dir != NULL) {
			q->route = dir;
			return handler_answer(q, static_redirect(q, r));
		}
	}
	if (rt == NULL)
		return handler_answer(q, HTTP_STATUS_NOT_FOUND);
	if (!handler_allows(rt->handler, req->method)) {
		r->allow = rt->handler->allow;
		return handler_answer(q, HTTP_STATUS_METHOD_NOT_ALLOWED);
	}
	if (req->method == HTTP_METHOD_OPTIONS) {
		r->status = HTTP_STATUS_NO_CONTENT;
		r->allow = rt->handler->allow;
		return handler_answer(q, 0);
	}
	q->route = rt;
	q->kind_state = e->states[rt->kind];
	return rt->handler->serve(q, r);
}

/*
 * How many bytes of req's body the handler that will answer it can use
 * (its kind's body_max), known from the head alone; or -1 if the answer
 * does not depend on the body: no handler will see it (another host, no
 * route, a method the route refuses, OPTIONS, a folder's redirect) or
 * the route's kind uses none. Decodes the path into e->path, which
 * serve_request does again.
 */
int64_t
serve_body_max(struct serve_env *e, const struct http_request *req)
{
	const struct conf *c = e->conf;
	const struct route *rt;
	size_t len;

	if (!host_served(c, req) || req->asterisk ||
	    req->method == HTTP_METHOD_OPTIONS ||
	    uri_path_decode(req->path.p, req->path.len, e->path, &len) != 0)
		return -1;
	rt = router_match(&c->router, e->path, len);
	/* a folder's redirect comes of a prefix route, whose kinds use none */
	if (rt == NULL || rt->handler->body_max == NULL ||
	    !handler_allows(rt->handler, req->method))
		return -1;
	return (int64_t)rt->handler->body_max(c, rt);
}

/* Calls a waiting request's handler again (see serve_request). */
enum handler_step
serve_resume(struct hreq *q, struct response *r)
{
	q->wait.fd = -1;
	q->wait.events = 0;
	q->wait.until_ms = 0;
	return q->route->handler->serve(q, r);
}
