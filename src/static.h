/* static.h: the file and dir handlers. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_STATIC_H
#define GUAD_STATIC_H

#include <sys/stat.h>

#include <stddef.h>

#include "fcache.h"
#include "http.h"
#include "mime.h"
#include "resp.h"

struct hreq;
struct route;

/* What the file and dir handlers keep in each worker. */
struct static_state {
	struct mime mime;
	struct fcache fcache; /* small files */
};

extern const struct handler handler_file, handler_dir;

int static_redirect(struct hreq *, struct response *);
int static_serve_path(struct hreq *, struct response *);
int static_location(char *out, size_t size, const char *path, size_t len,
    const struct http_slice *query);
void static_etag(char out[40], const struct stat *, const char *coding);
int
static_range(const struct http_slice *, off_t size, off_t *start, off_t *len);
int static_if_range(const struct http_slice *, const char *etag, time_t mtime,
    time_t now);
/* The header matchers static_serve uses, exported for the fuzz harness. */
int static_etag_match(const struct http_slice *, const char *etag);
int static_accepts(const struct http_slice *, const char *coding);
/* For the listing: what an open failure answers, and dotfile symlinks. */
int static_errno_status(const char *name);
int static_dot_resolved(const struct route *, int fd);

#endif
