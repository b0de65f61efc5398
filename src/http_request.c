/* http_request.c: a parsed request's slices, moved to another buffer. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "http_request.h"

/* Every slice of a request, for moving what points into one buffer. */
static const size_t slices[] = {
	offsetof(struct http_request, line),
	offsetof(struct http_request, path),
	offsetof(struct http_request, query),
	offsetof(struct http_request, host),
	offsetof(struct http_request, content_type),
	offsetof(struct http_request, if_none_match),
	offsetof(struct http_request, if_modified_since),
	offsetof(struct http_request, range),
	offsetof(struct http_request, if_range),
	offsetof(struct http_request, accept_encoding),
	offsetof(struct http_request, referer),
	offsetof(struct http_request, user_agent),
};

#define NSLICES (sizeof(slices) / sizeof(slices[0]))

static struct http_slice *
slice_at(struct http_request *req, size_t i)
{
	return (struct http_slice *)(void *)((char *)req + slices[i]);
}

static const struct http_slice *
slice_of(const struct http_request *req, size_t i)
{
	return (const struct http_slice *)(const void *)((const char *)req +
	    slices[i]);
}

/* Does slice s point into buf[0..cap)? */
static int
slice_in(const struct http_slice *s, const char *buf, size_t cap)
{
	return s->p != NULL && buf != NULL &&
	    (uintptr_t)s->p >= (uintptr_t)buf &&
	    (uintptr_t)s->p < (uintptr_t)buf + cap;
}

/*
 * Returns how many bytes of buf[0..cap) (the join buffer given to
 * http_parse_head) the slices of req use: 0 if none points into it.
 */
size_t
http_request_uses(const struct http_request *req, const char *buf, size_t cap)
{
	const struct http_slice *s;
	size_t i, end, used = 0;

	for (i = 0; i < NSLICES; i++) {
		s = slice_of(req, i);
		if (!slice_in(s, buf, cap))
			continue;
		end = (size_t)(s->p - buf) + s->len;
		if (end > used)
			used = end;
	}
	return used;
}

/* Points the slices of req that point into from[0..cap) at to instead. */
void
http_request_move(struct http_request *req, const char *from, size_t cap,
    const char *to)
{
	struct http_slice *s;
	size_t i;

	for (i = 0; i < NSLICES; i++) {
		s = slice_at(req, i);
		if (slice_in(s, from, cap))
			s->p = to + (s->p - from);
	}
}
