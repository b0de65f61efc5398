/* redirect.c: the redirect handler: "/old = redirect 301 /new". */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "handler.h"
#include "http.h"
#include "router.h"
#include "uri.h"

/*
 * Checks a route's status (its argument) and target, and whether the
 * route is a tree: a URL path ending in '/' redirects every path below
 * it. Returns 0, or -1 with a message in err.
 */
static int
check(const struct route *rt, const char *target, char *err, size_t errlen)
{
	const char *p, *host;

	if (strcmp(rt->arg, "301") != 0 && strcmp(rt->arg, "302") != 0 &&
	    strcmp(rt->arg, "307") != 0 && strcmp(rt->arg, "308") != 0) {
		snprintf(err, errlen,
		    "redirect %s: the status must be 301, 302, 307 or 308",
		    rt->arg);
		return -1;
	}
	if (strncmp(target, "http://", 7) == 0)
		host = target + 7;
	else if (strncmp(target, "https://", 8) == 0)
		host = target + 8;
	else
		host = NULL;
	if (host != NULL ? *host == '\0' || *host == '/' || *host == '$'
			 : target[0] != '/' || target[1] == '/') {
		snprintf(err, errlen,
		    "redirect %s %s: the target must be a path (/new) or an http:// or https:// URL",
		    rt->arg, target);
		return -1;
	}
	for (p = target; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '"' || *p == '<' || *p == '>' || *p == '\\') {
			snprintf(err, errlen,
			    "redirect %s %s: the target must be ASCII without spaces, quotes, '<', '>' or '\\' (percent-encode them)",
			    rt->arg, target);
			return -1;
		}
		if (*p == '$' && strncmp(p, "$path", 5) != 0 &&
		    strncmp(p, "$query", 6) != 0) {
			snprintf(err, errlen,
			    "redirect %s %s: unknown placeholder at \"%s\" ($path or $query)",
			    rt->arg, target, p);
			return -1;
		}
	}
	return 0;
}

/* The one option: the target. */
static int
redirect_option(struct route *rt, const char *opt, char *err, size_t errlen)
{
	if (rt->target != NULL) {
		snprintf(err, errlen,
		    "redirect %s %s: one target only, not also \"%s\"", rt->arg,
		    rt->target, opt);
		return -1;
	}
	if (check(rt, opt, err, errlen) == -1)
		return -1;
	if ((rt->target = strdup(opt)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rt->tree = rt->path[rt->len - 1] == '/';
	return 0;
}

static int
redirect_format(const struct route *rt, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, "%s %s", rt->arg,
	    rt->target != NULL ? rt->target : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A route line without a target is refused when files are checked. */
static int
redirect_open(struct route *rt, int root_fd, const char *root, char *err,
    size_t errlen)
{
	(void)root_fd;
	(void)root;
	if (rt->target == NULL) {
		snprintf(err, errlen,
		    "expected a target after the status (redirect 301 /new)");
		return -1;
	}
	return 0;
}

/*
 * The route's status, with Location its target: $path becomes the
 * request path below the route's (from its '/' on; the whole path on an
 * exact route), percent-encoded again; $query becomes '?' and the query
 * as it came, or nothing if there is none.
 */
static enum handler_step
redirect_serve(struct hreq *q, struct response *r)
{
	const struct route *rt = q->route;
	const struct http_request *req = q->req;
	struct handler_scratch *s = q->scratch;
	struct buf b = { s->location, 0, s->location_cap, s->location_cap, 0 };
	const char *t, *rest = q->path;
	size_t restlen = q->len;

	if (rt->target == NULL)
		return handler_answer(q, HTTP_STATUS_INTERNAL_SERVER_ERROR);
	if (rt->tree) {
		rest = q->path + rt->len - 1;
		restlen = q->len - (rt->len - 1);
	}
	for (t = rt->target; *t != '\0'; t++) {
		if (strncmp(t, "$path", 5) == 0) {
			uri_path_encode(&b, rest, restlen);
			t += 4;
		} else if (strncmp(t, "$query", 6) == 0) {
			if (req->query.p != NULL) {
				buf_addc(&b, '?');
				buf_add(&b, req->query.p, req->query.len);
			}
			t += 5;
		} else
			buf_addc(&b, *t);
	}
	buf_addc(&b, '\0');
	if (b.failed)
		return handler_answer(q, HTTP_STATUS_URI_TOO_LONG);
	r->location = s->location;
	return handler_answer(q, (int)strtol(rt->arg, NULL, 10));
}

/* Sends a client from one URL path, or a tree below it, to another URL. */
const struct handler handler_redirect = {
	.name = "redirect",
	.methods = HANDLER_METHOD(HTTP_METHOD_GET) |
	    HANDLER_METHOD(HTTP_METHOD_HEAD) | HANDLER_METHOD(HTTP_METHOD_POST),
	.allow = "GET, HEAD, POST, OPTIONS",
	.option = redirect_option,
	.format = redirect_format,
	.open = redirect_open,
	.serve = redirect_serve,
};
