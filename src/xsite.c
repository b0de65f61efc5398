/* xsite.c: is a request that would write sent by another site, or early? */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "authority.h"
#include "xsite.h"

/* The port of an authority, or the default one of its scheme. */
static unsigned
port_of(const struct authority *a, const char *scheme)
{
	if (a->port.len > 0)
		return a->port_number;
	return strcmp(scheme, "https") == 0 ? 443 : 80;
}

/*
 * Is origin (an Origin field, RFC 6454 7: scheme "://" host [":" port])
 * the origin of this server, reached as host (the request's Host) over
 * scheme ("http" or "https")? Hosts are compared ignoring ASCII case, a
 * missing port is the scheme's default, and "null" is no origin.
 */
int
xsite_same_origin(const struct http_slice *origin,
    const struct http_slice *host, const char *scheme)
{
	struct authority oa, ha;
	size_t slen = strlen(scheme);
	char name[256];

	if (origin->p == NULL || host->p == NULL || host->len == 0 ||
	    origin->len < slen + 3 ||
	    strncasecmp(origin->p, scheme, slen) != 0 ||
	    memcmp(origin->p + slen, "://", 3) != 0)
		return 0;
	if (authority_parse(origin->p + slen + 3, origin->len - slen - 3,
		&oa) == -1 ||
	    oa.host.len == 0 || oa.host.len >= sizeof(name) ||
	    authority_parse(host->p, host->len, &ha) == -1)
		return 0;
	memcpy(name, oa.host.p, oa.host.len);
	name[oa.host.len] = '\0';
	return authority_host_eq(&ha.host, name) &&
	    port_of(&oa, scheme) == port_of(&ha, scheme);
}

/* Does a list of tokens and parameters ("prefetch;anonymous-client-ip")
 * name token as one of its members? */
static int
has_token(const struct http_slice *s, const char *token)
{
	const char *p = s->p, *end = s->p + s->len, *e;
	size_t n = strlen(token);

	while (p != NULL && p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		for (e = p; e < end && *e != ',' && *e != ';' && *e != ' ' &&
		     *e != '\t';
		     e++)
			;
		if ((size_t)(e - p) == n && strncasecmp(p, token, n) == 0)
			return 1;
		p = memchr(e, ',', (size_t)(end - e));
	}
	return 0;
}

/*
 * Should a request that would write (a message posted by POST or by a
 * GET with a message) be refused? The browser says where it comes from:
 * a prefetch (Sec-Purpose or Purpose: prefetch) never writes;
 * Sec-Fetch-Site: cross-site is another site; same-site is another
 * origin of this site unless Origin shows this one; and an Origin, when
 * sent, must be this server's (xsite_same_origin). A client that sends
 * none of these (curl, other programs) is no browser led by another
 * site, and is served. Returns a sentence saying why, or NULL.
 */
const char *
xsite_refusal(const struct http_request *req, const char *scheme)
{
	const struct http_slice *sfs = &req->sec_fetch_site;

	if ((req->sec_purpose.p != NULL &&
		has_token(&req->sec_purpose, "prefetch")) ||
	    (req->purpose.p != NULL && has_token(&req->purpose, "prefetch")))
		return "A prefetch does not post messages; open the page itself to post.";
	if (sfs->p != NULL && http_token_eq(sfs->p, sfs->len, "cross-site"))
		return "Messages are only taken from this site's own page, not from another site.";
	if (sfs->p != NULL && http_token_eq(sfs->p, sfs->len, "same-site") &&
	    !xsite_same_origin(&req->origin, &req->host, scheme))
		return "Messages are only taken from this server's own page, not from another origin.";
	if (req->origin.p != NULL &&
	    !xsite_same_origin(&req->origin, &req->host, scheme))
		return "Messages are only taken from this server's own page; the request came from another origin.";
	return NULL;
}
