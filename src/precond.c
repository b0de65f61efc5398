/* precond.c: conditional requests (RFC 9110 13): which status they lead to. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <string.h>

#include "date.h"
#include "precond.h"

/*
 * Does an entity tag list (If-Match, If-None-Match) name etag? A "*"
 * member counts as a match here; the caller decides what it means. With
 * strong, a weak tag (W/"x") never matches (RFC 9110 8.8.3.2); without,
 * W/"x" matches "x". A tag may hold a comma: "a,*" is one tag, not a
 * wildcard.
 */
int
precond_etag_match(const struct http_slice *list, const char *etag, int strong)
{
	const char *p = list->p, *end = list->p + list->len, *q, *e;
	size_t elen = etag != NULL ? strlen(etag) : 0;
	int quoted, weak;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		if (p == end)
			break;
		if (*p == '*')
			return 1;
		weak = end - p >= 2 && p[0] == 'W' && p[1] == '/';
		if (weak)
			p += 2;
		for (e = p, quoted = 0; e < end && (quoted || *e != ','); e++)
			if (*e == '"')
				quoted = !quoted;
		for (q = e; q > p && (q[-1] == ' ' || q[-1] == '\t'); q--)
			;
		if (etag != NULL && !(strong && weak) &&
		    (size_t)(q - p) == elen && memcmp(p, etag, elen) == 0)
			return 1;
		p = e;
	}
	return 0;
}

/* Is the list just "*" (with optional white space)? */
static int
is_star(const struct http_slice *list)
{
	const char *p = list->p, *end = list->p + list->len;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end - p == 1 && *p == '*';
}

/*
 * Evaluates the preconditions of req against a resource in the order of
 * RFC 9110 13.2.2: If-Match (strong comparison; "*" passes if the
 * resource exists), else If-Unmodified-Since; then If-None-Match (weak
 * comparison; "*" fails if it exists), else, on GET and HEAD,
 * If-Modified-Since. Returns 0 (carry on: If-Range, then the method),
 * 304 (Not Modified, for GET and HEAD) or 412 (Precondition Failed).
 * A date that does not parse, or a date on a resource without one, is
 * ignored.
 */
int
precond_evaluate(const struct http_request *req, const struct precond_state *s)
{
	int safe =
	    req->method == HTTP_METHOD_GET || req->method == HTTP_METHOD_HEAD;
	time_t t;

	if (req->if_match.p != NULL) {
		if (is_star(&req->if_match) ? !s->exists
					    : !s->exists || s->etag == NULL ||
			    !precond_etag_match(&req->if_match, s->etag, 1))
			return HTTP_STATUS_PRECONDITION_FAILED;
	} else if (req->if_unmodified_since.p != NULL && s->exists &&
	    s->last_modified != 0 &&
	    date_parse_http(req->if_unmodified_since.p,
		req->if_unmodified_since.len, &t) == 0 &&
	    s->last_modified > t)
		return HTTP_STATUS_PRECONDITION_FAILED;

	if (req->if_none_match.p != NULL) {
		if (s->exists &&
		    (is_star(&req->if_none_match) ||
			(s->etag != NULL &&
			    precond_etag_match(&req->if_none_match, s->etag,
				0))))
			return safe ? HTTP_STATUS_NOT_MODIFIED
				    : HTTP_STATUS_PRECONDITION_FAILED;
	} else if (safe && req->if_modified_since.p != NULL && s->exists &&
	    s->last_modified != 0 &&
	    date_parse_http(req->if_modified_since.p,
		req->if_modified_since.len, &t) == 0 &&
	    s->last_modified <= t)
		return HTTP_STATUS_NOT_MODIFIED;
	return 0;
}
