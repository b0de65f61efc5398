/* https.c: what plain HTTP says about HTTPS: the redirect, and HSTS. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authority.h"
#include "buf.h"
#include "conf.h"
#include "handler.h"
#include "https.h"
#include "resp.h"
#include "uri.h"

/* The port a browser assumes for https://: left out of the URL. */
#define HTTPS_DEFAULT_PORT 443

/*
 * [tls] hsts, for the schema: "off", or a Strict-Transport-Security
 * value (RFC 6797 6.1): max-age=SECONDS, then includeSubDomains and
 * preload if wanted, separated by ';'. Directives a browser would
 * ignore (a misspelt one) are refused rather than sent. 0, or -1 and
 * why.
 */
int
https_hsts_check(const char *value, char *why, size_t len)
{
	const char *p = value, *end;
	size_t n, digits;
	int age = 0, sub = 0, pre = 0;

	if (strcmp(value, "off") == 0)
		return 0;
	while (*p != '\0') {
		p += strspn(p, " \t");
		end = p + strcspn(p, ";");
		n = (size_t)(end - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n > 8 && strncasecmp(p, "max-age=", 8) == 0 && !age) {
			digits = strspn(p + 8, "0123456789");
			if (digits == 0 || digits > 10 || 8 + digits != n)
				goto bad;
			age = 1;
		} else if (n == 17 &&
		    strncasecmp(p, "includeSubDomains", n) == 0 && !sub)
			sub = 1;
		else if (n == 7 && strncasecmp(p, "preload", n) == 0 && !pre)
			pre = 1;
		else
			goto bad;
		p = *end == ';' ? end + 1 : end;
	}
	if (age)
		return 0;
bad:
	snprintf(why, len,
	    "must be off, or max-age=SECONDS with includeSubDomains and preload if wanted, separated by ';', not \"%s\"",
	    value);
	return -1;
}

/*
 * [tls] redirect: the answer of the plain port to every request, 308
 * (which keeps the method and the body: a POST is posted again) with
 * Location the same path (decoded and normalised, in q) and query over
 * https, on the host the request named (its Host, which the parser has
 * checked; without one, the first [server] server_name) and port (left
 * out if 443). Returns the status, 400 if no host can be named.
 */
int
https_redirect(struct hreq *q, struct response *r, unsigned port)
{
	const struct http_request *req = q->req;
	struct handler_scratch *s = q->scratch;
	struct buf b = { s->location, 0, s->location_cap, s->location_cap, 0 };
	struct authority a;

	BUF_ADDLIT(&b, "https://");
	if (req->host.len > 0 &&
	    authority_parse(req->host.p, req->host.len, &a) == 0 &&
	    a.host.len > 0)
		buf_add(&b, a.host.p, a.host.len);
	else if (q->conf->server_name.n > 0)
		buf_adds(&b, q->conf->server_name.v[0]);
	else {
		resp_error_detail(r, HTTP_STATUS_BAD_REQUEST,
		    "This address answers over HTTPS only, and the request "
		    "named no host to send it on to.");
		return HTTP_STATUS_BAD_REQUEST;
	}
	if (port != HTTPS_DEFAULT_PORT) {
		buf_addc(&b, ':');
		buf_addu(&b, port);
	}
	uri_path_encode(&b, q->path, q->len);
	if (req->query.p != NULL) {
		buf_addc(&b, '?');
		buf_add(&b, req->query.p, req->query.len);
	}
	buf_addc(&b, '\0');
	if (b.failed)
		return HTTP_STATUS_URI_TOO_LONG;
	r->location = s->location;
	return HTTP_STATUS_PERMANENT_REDIRECT;
}
