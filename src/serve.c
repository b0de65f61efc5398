/* serve.c: from a parsed request to a response: decode, route, dispatch. */
#include "config.h"

#include <string.h>

#include "authority.h"
#include "conf.h"
#include "msg.h"
#include "serve.h"
#include "static.h"
#include "uri.h"
#include "worker.h"

static const char *const allow[ROUTE_HANDLER_COUNT] = {
	[ROUTE_FILE] = "GET, HEAD, OPTIONS",
	[ROUTE_DIR] = "GET, HEAD, OPTIONS",
	[ROUTE_MSG] = "GET, HEAD, POST, OPTIONS",
};

static int
method_allowed(enum route_handler h, enum http_method m)
{
	return m == HTTP_METHOD_GET || m == HTTP_METHOD_HEAD ||
	    m == HTTP_METHOD_OPTIONS ||
	    (h == ROUTE_MSG && m == HTTP_METHOD_POST);
}

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
 * Answers one request into r. Returns 0, or an error status for the
 * caller to turn into an error page (r keeps Allow and Location).
 */
int
serve_request(struct worker *w, const struct http_request *req,
    const char *body, size_t blen, struct response *r)
{
	const struct conf *c = w->conf;
	const struct route *rt, *dir;
	size_t len;
	int status;

	/* another host's name (DNS rebinding): 421, RFC 9110 15.5.20 */
	if (!host_served(c, req))
		return HTTP_STATUS_MISDIRECTED_REQUEST;
	if (req->asterisk) {
		r->status = HTTP_STATUS_NO_CONTENT;
		r->allow = "GET, HEAD, POST, OPTIONS";
		return 0;
	}
	status = uri_path_decode(req->path.p, req->path.len, w->path, &len);
	if (status != 0)
		return status;
	rt = router_match(&c->router, w->path, len);
	if ((rt == NULL || rt->handler == ROUTE_DIR) &&
	    w->path[len - 1] != '/') {
		/*
		 * "/static" for the dir route "/static/": redirect, even when
		 * a shorter dir route ("/") would take the path as a file.
		 */
		w->path[len] = '/';
		dir = router_find_dir(&c->router, w->path, len + 1);
		w->path[len] = '\0';
		if (dir != NULL)
			return static_redirect(w, dir, req, w->path, len, r);
	}
	if (rt == NULL)
		return HTTP_STATUS_NOT_FOUND;
	if (!method_allowed(rt->handler, req->method)) {
		r->allow = allow[rt->handler];
		return HTTP_STATUS_METHOD_NOT_ALLOWED;
	}
	if (req->method == HTTP_METHOD_OPTIONS) {
		r->status = HTTP_STATUS_NO_CONTENT;
		r->allow = allow[rt->handler];
		return 0;
	}
	if (rt->handler == ROUTE_MSG)
		return msg_serve(&w->msg, rt, req, body, blen, r);
	return static_serve(w, rt, req, w->path, len, r);
}
