/* static.c: the file and dir handlers. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "date.h"
#include "fcache.h"
#include "fsopen.h"
#include "handler.h"
#include "listing.h"
#include "log.h"
#include "mime.h"
#include "precond.h"
#include "router.h"
#include "sandbox.h"
#include "static.h"
#include "uri.h"

/*
 * A strong validator from size and modification time, not the inode.
 * coding ("gz", "br" or NULL) names the content coding of a precompressed
 * variant, whose tag must never equal its original's, even where both
 * files share size and time.
 */
void
static_etag(char out[40], const struct stat *st, const char *coding)
{
	unsigned long long ns;

	ns = (unsigned long long)st->st_mtim.tv_sec * 1000000000ULL +
	    (unsigned long long)st->st_mtim.tv_nsec;
	snprintf(out, 40, "\"%llx-%llx%s%.2s\"", ns,
	    (unsigned long long)st->st_size, coding != NULL ? "-" : "",
	    coding != NULL ? coding : "");
}

/*
 * Writes the target of a trailing-slash redirect to out (size bytes): the
 * decoded, normalised path with a '/' added, percent-encoded wherever a
 * client could read a byte as anything but part of a path ('\', '%',
 * '?', '#', spaces, non-ASCII), then the query, if any, as it came.
 * Built from the raw request path, "//host/../x" would have sent the
 * client to another host. Returns 0, 414 if it does not fit, or 404 if it
 * would not be a path on this host.
 */
int
static_location(char *out, size_t size, const char *path, size_t len,
    const struct http_slice *query)
{
	struct buf b = { out, 0, size, size, 0 };

	if (len == 0 || path[0] != '/' || (len > 1 && path[1] == '/'))
		return HTTP_STATUS_NOT_FOUND;
	uri_path_encode(&b, path, len);
	buf_addc(&b, '/');
	if (query != NULL && query->p != NULL) {
		buf_addc(&b, '?');
		buf_add(&b, query->p, query->len);
	}
	buf_addc(&b, '\0');
	if (b.failed)
		return HTTP_STATUS_URI_TOO_LONG;
	/* never "//": a client takes that for another host */
	if (out[1] == '/')
		return HTTP_STATUS_NOT_FOUND;
	return 0;
}

/*
 * 301 from path (decoded and normalised, without its trailing '/') to
 * the same with a '/' added, the query kept, and the Cache-Control of
 * the route the redirect leads into.
 */
int
static_redirect(struct hreq *q, struct response *r)
{
	struct handler_scratch *s = q->scratch;
	int status;

	status = static_location(s->location, s->location_cap, q->path, q->len,
	    &q->req->query);
	if (status != 0)
		return status;
	r->location = s->location;
	r->cache_control = q->route->cache_control;
	return HTTP_STATUS_MOVED_PERMANENTLY;
}

/* The status for a failed open of name (errno says why). */
int
static_errno_status(const char *name)
{
	switch (errno) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
		return HTTP_STATUS_NOT_FOUND;
	case EXDEV:
	case ELOOP:
		/* an escape from the root: refused, and worth a line */
		log_warnx("refused %s: it resolves outside its root", name);
		return HTTP_STATUS_NOT_FOUND;
	case EACCES:
	case EPERM:
		return HTTP_STATUS_FORBIDDEN;
	case EMFILE:
	case ENFILE:
	case ENOMEM:
		return HTTP_STATUS_SERVICE_UNAVAILABLE;
	default:
		log_warn("open %s", name);
		return HTTP_STATUS_INTERNAL_SERVER_ERROR;
	}
}

/* True if a segment of the path starts with a dot (".git", ".env"). */
static int
has_dotfile(const char *path)
{
	const char *p;

	for (p = path; (p = strchr(p, '/')) != NULL; p++)
		if (p[1] == '.')
			return 1;
	return path[0] == '.';
}

/* Is file (flen bytes) dir itself or below it? Both are absolute. */
static int
path_below(const char *dir, size_t dlen, const char *file, size_t flen)
{
	if (dlen == 1) /* the root directory itself */
		return 1;
	return flen >= dlen && memcmp(dir, file, dlen) == 0 &&
	    (flen == dlen || file[dlen] == '/');
}

/*
 * For a dir route with dotfiles off: does fd, opened below the route's
 * directory, resolve to a name starting with a dot below it? The request
 * path was checked already, but "innocent -> .env" or "docs -> .git"
 * passes that check. One readlink per open; failing it refuses.
 */
int
static_dot_resolved(const struct route *rt, int fd)
{
	char file[PATH_MAX], dir[PATH_MAX];
	const char *d = rt->real;
	ssize_t fl, dl;
	size_t dlen = rt->reallen;

	if (d == NULL)
		return 1;
	if ((fl = fsopen_fd_path(fd, file, sizeof(file))) == -1)
		return 1;
	if (!path_below(d, dlen, file, (size_t)fl)) {
		/* the directory may have moved since gua.ini was read */
		if ((dl = fsopen_fd_path(rt->fd, dir, sizeof(dir))) == -1)
			return 1;
		d = dir;
		dlen = (size_t)dl;
		if (!path_below(d, dlen, file, (size_t)fl))
			return 1;
	}
	return has_dotfile(dlen == 1 ? file : file + dlen);
}

/*
 * Does an entity tag list (If-None-Match) match etag? Weak comparison.
 * Exported for the fuzz harness (tests/fuzz/fuzz_fields.c) only.
 */
int
static_etag_match(const struct http_slice *list, const char *etag)
{
	return precond_etag_match(list, etag, 0);
}

/*
 * Reads the digits at *pp up to end; a number too big for off_t
 * saturates at OFF_MAX (RFC 9110 14.1.2: a last-pos past the end is
 * clamped, a first-pos past it unsatisfiable, however many digits).
 * Returns -1 if there are no digits.
 */
static off_t
range_number(const char **pp, const char *end)
{
	const char *p = *pp;
	off_t v = 0;

	if (p == end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - (*p - '0')) / 10)
			v = INT64_MAX;
		else
			v = v * 10 + (*p - '0');
	}
	*pp = p;
	return v;
}

/*
 * Parses a Range header for one byte range of a representation of size
 * bytes. Returns 1 (satisfiable: *start, *len), 0 (ignore it: absent,
 * malformed or several ranges: the whole file is sent), or -1
 * (unsatisfiable: 416).
 */
int
static_range(const struct http_slice *h, off_t size, off_t *start, off_t *len)
{
	const char *p, *end;
	off_t a, b;

	if (h->p == NULL || h->len < 7 || strncasecmp(h->p, "bytes=", 6) != 0)
		return 0;
	p = h->p + 6;
	end = h->p + h->len;
	if (memchr(p, ',', (size_t)(end - p)) != NULL)
		return 0;
	a = range_number(&p, end);
	if (p == end || *p != '-')
		return 0;
	p++;
	b = range_number(&p, end);
	if (p != end || (a == -1 && b == -1))
		return 0;
	if (a == -1) { /* suffix: the last b bytes */
		if (b == 0 || size == 0)
			return -1;
		*start = b >= size ? 0 : size - b;
		*len = size - *start;
		return 1;
	}
	if (b != -1 && b < a)
		return 0;
	if (a >= size)
		return -1;
	*start = a;
	*len = (b == -1 || b >= size ? size - 1 : b) - a + 1;
	return 1;
}

/*
 * If-Range (RFC 9110 13.1.5): does the range apply to the representation
 * with this etag and mtime, sent at now? An entity tag must match
 * strongly. A date must equal Last-Modified, and only counts if that is
 * a strong validator: at least a second older than the Date sent with it
 * (8.8.2.2), else the file may have changed within that second. Absent,
 * it always applies.
 */
int
static_if_range(const struct http_slice *h, const char *etag, time_t mtime,
    time_t now)
{
	time_t t;

	if (h->p == NULL)
		return 1;
	if (h->len > 0 && h->p[0] == '"')
		return h->len == strlen(etag) &&
		    memcmp(h->p, etag, h->len) == 0;
	return date_parse_http(h->p, h->len, &t) == 0 && t == mtime &&
	    mtime <= now - 1;
}

/* A weight of zero: "0", "0.", "0.0", "0.00", "0.000". */
static int
qzero(const char *v, size_t len)
{
	size_t i;

	if (len == 0 || v[0] != '0')
		return 0;
	if (len > 1 && v[1] != '.')
		return 0;
	for (i = 2; i < len; i++)
		if (v[i] != '0')
			return 0;
	return 1;
}

/*
 * Does Accept-Encoding (RFC 9110 12.5.3) accept coding? Elements are
 * "token *( OWS ; OWS param )"; a weight q=0 refuses. Exported for the
 * fuzz harness (tests/fuzz/fuzz_fields.c) only.
 */
int
static_accepts(const struct http_slice *ae, const char *coding)
{
	const char *p = ae->p, *end = ae->p + ae->len, *e, *t, *te;
	const char *q;
	size_t clen = strlen(coding);

	while (p < end) {
		if ((e = memchr(p, ',', (size_t)(end - p))) == NULL)
			e = end;
		for (t = p; t < e && (*t == ' ' || *t == '\t'); t++)
			;
		for (te = t; te < e && *te != ';' && *te != ' ' && *te != '\t';
		     te++)
			;
		if ((size_t)(te - t) == clen &&
		    strncasecmp(t, coding, clen) == 0) {
			for (q = te; q + 2 <= e; q++)
				if ((*q == 'q' || *q == 'Q') && q[1] == '=') {
					for (te = q + 2; te < e && *te != ' ' &&
					     *te != '\t' && *te != ';';
					     te++)
						;
					return !qzero(q + 2,
					    (size_t)(te - q - 2));
				}
			return 1;
		}
		p = e + 1;
	}
	return 0;
}

/*
 * name.br or name.gz beside name, if it exists and is not older (and,
 * with dotcheck, does not resolve to a dotfile).
 */
static int
variant(const struct route *rt, int dotcheck, int base, const char *rel,
    const char *ext, const struct stat *orig, struct stat *st)
{
	char path[PATH_MAX];
	int fd, n;

	n = snprintf(path, sizeof(path), "%s%s", rel, ext);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	if ((fd = fsopen_beneath(base, path, O_RDONLY | O_NONBLOCK)) == -1)
		return -1;
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode) ||
	    (dotcheck && static_dot_resolved(rt, fd)) ||
	    st->st_mtim.tv_sec < orig->st_mtim.tv_sec ||
	    (st->st_mtim.tv_sec == orig->st_mtim.tv_sec &&
		st->st_mtim.tv_nsec < orig->st_mtim.tv_nsec)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The conditional and range part of a file response whose validators
 * (etag, last_modified) are in r and whose whole length is size. Sets
 * r's status and the part to send (file_off, file_len). Returns 0, with
 * no_body set for a 304, or 416.
 */
static int
conditionals(const struct http_request *req, off_t size, struct response *r)
{
	struct precond_state st = { r->etag, r->last_modified, 1 };
	off_t start, len;
	int rc;

	r->file_off = 0;
	r->file_len = size;
	switch (precond_evaluate(req, &st)) {
	case HTTP_STATUS_NOT_MODIFIED:
		r->status = HTTP_STATUS_NOT_MODIFIED;
		r->no_body = 1;
		r->content_type = NULL;
		return 0;
	case HTTP_STATUS_PRECONDITION_FAILED:
		/* no body, no validators: only the status is news */
		r->status = HTTP_STATUS_PRECONDITION_FAILED;
		r->no_body = 1;
		r->file_len = 0;
		r->content_type = NULL;
		r->cache_control = NULL;
		r->etag[0] = '\0';
		r->last_modified = 0;
		r->lastmod = NULL;
		r->vary = 0;
		r->content_encoding = NULL;
		return 0;
	default:
		break;
	}

	if (req->method == HTTP_METHOD_GET && req->range.p != NULL &&
	    static_if_range(&req->if_range, r->etag, r->last_modified,
		date_now())) {
		rc = static_range(&req->range, size, &start, &len);
		if (rc == 1) {
			r->status = HTTP_STATUS_PARTIAL_CONTENT;
			r->file_off = start;
			r->file_len = len;
			r->range_total = size;
		} else if (rc == -1) {
			r->range_total = size;
			return HTTP_STATUS_RANGE_NOT_SATISFIABLE;
		}
	}
	return 0;
}

/*
 * Fills r for an open regular file (rel, below base): the type of the
 * original, a precompressed variant if the route allows and the client
 * accepts it, validators, conditionals, ranges. Owns fd.
 */
static int
serve_fd(struct hreq *q, int base, const char *rel, int fd,
    const struct stat *orig, struct response *r)
{
	const struct route *rt = q->route;
	const struct http_request *req = q->req;
	struct static_state *ss = q->kind_state;
	static const struct {
		const char *coding;
		const char *ext;
		const char *tag;
	} codings[] = { { "br", ".br", "br" }, { "gzip", ".gz", "gz" } };
	const char *tag = NULL;
	struct stat vst;
	const struct stat *st = orig;
	size_t i;
	int rc, vfd;

	r->content_type = mime_type(&ss->mime, q->conf, fd, orig, rel);
	r->cache_control = rt->cache_control;
	if (rt->precompressed) {
		r->vary = 1;
		for (i = 0; req->accept_encoding.p != NULL &&
		     i < sizeof(codings) / sizeof(codings[0]);
		     i++) {
			if (!static_accepts(&req->accept_encoding,
				codings[i].coding))
				continue;
			vfd = variant(rt,
			    rt->handler->prefix && !q->conf->dotfiles, base,
			    rel, codings[i].ext, orig, &vst);
			if (vfd == -1)
				continue;
			close(fd);
			fd = vfd;
			st = &vst;
			r->content_encoding = codings[i].coding;
			tag = codings[i].tag;
			break;
		}
	}
	r->last_modified = st->st_mtim.tv_sec;
	static_etag(r->etag, st, tag);
	rc = conditionals(req, st->st_size, r);
	if (rc != 0 || r->no_body)
		close(fd);
	else
		r->fd = fd;
	return rc;
}

/* Fills r from a cached small file: as serve_fd, with the bytes in memory. */
static int
serve_cached(const struct route *rt, const struct http_request *req,
    const struct fcache_entry *e, struct response *r)
{
	int rc;

	r->content_type = e->type;
	r->cache_control = rt->cache_control;
	r->last_modified = e->mtim.tv_sec;
	r->lastmod = e->lastmod;
	memcpy(r->etag, e->etag, sizeof(r->etag));
	rc = conditionals(req, e->size, r);
	if (rc == 0 && !r->no_body)
		resp_body(r, e->data + r->file_off, (size_t)r->file_len);
	return rc;
}

/*
 * A small regular file just opened and checked (fd, st) for the request
 * key of route rt: the cached copy if it is still that file, else the
 * file read in. Borrows fd. Returns the entry, or NULL if the file could
 * not be kept (it changed while read, memory is short).
 */
static struct fcache_entry *
cache_small(struct hreq *q, const char *key, size_t keylen, int fd,
    const struct stat *st, const char *rel)
{
	const struct route *rt = q->route;
	struct static_state *ss = q->kind_state;
	struct fcache_entry *e;

	e = fcache_find(&ss->fcache, rt, key, keylen);
	if (e != NULL && fcache_same(e, st)) {
		e->checked = date_now();
		return e;
	}
	if ((e = fcache_fill(&ss->fcache, rt, key, keylen, fd, st,
		 date_now())) == NULL)
		return NULL;
	static_etag(e->etag, st, NULL);
	date_format_http(e->lastmod, st->st_mtim.tv_sec);
	snprintf(e->type, sizeof(e->type), "%s",
	    mime_type(&ss->mime, q->conf, fd, st, rel));
	return e;
}

/*
 * The file handler serves its one file; the dir handler maps the rest of
 * the path below its prefix into its directory, with index.html (or, if
 * the route says so, a listing) for a directory. Paths are opened below
 * the route's directory so the kernel refuses any escape; dotfiles (unless
 * gua.ini allows them), by name or through a symlink, and anything but
 * regular files are refused.
 */
int
static_serve_path(struct hreq *q, struct response *r)
{
	const struct conf *c = q->conf;
	const struct route *rt = q->route;
	const struct http_request *req = q->req;
	struct static_state *ss = q->kind_state;
	const char *path = q->path;
	size_t len = q->len;
	const char *rel, *rel_dir, *key;
	struct fcache_entry *e = NULL;
	struct stat st;
	size_t keylen;
	int base, fd, dfd = -1, rc, dotcheck, cacheable;

	dotcheck = rt->handler->prefix && !c->dotfiles;
	if (!rt->handler->prefix) {
		base = c->root_fd;
		rel = rt->arg;
	} else {
		base = rt->fd;
		rel = len > rt->len ? path + rt->len : ".";
		if (!c->dotfiles && len > rt->len && has_dotfile(rel))
			return HTTP_STATUS_NOT_FOUND;
	}
	/*
	 * A small file checked against the file system this second is
	 * answered from memory: no open, stat or read. Precompressed routes
	 * choose among files per request, so they always look.
	 */
	key = rel;
	keylen = strlen(rel);
	cacheable = ss->fcache.nslots > 0 && !rt->precompressed;
	if (cacheable &&
	    (e = fcache_find(&ss->fcache, rt, key, keylen)) != NULL &&
	    e->checked == date_now())
		return serve_cached(rt, req, e, r);
	if ((fd = fsopen_beneath(base, rel, O_RDONLY | O_NONBLOCK)) == -1)
		return static_errno_status(path);
	if (dotcheck && static_dot_resolved(rt, fd)) {
		close(fd);
		return HTTP_STATUS_NOT_FOUND;
	}
	if (fstat(fd, &st) == -1)
		goto error;
	if (S_ISDIR(st.st_mode)) {
		if (path[len - 1] != '/') {
			close(fd);
			return static_redirect(q, r);
		}
		dfd = fd;
		base = dfd;
		rel_dir = rel;
		rel = "index.html";
		fd = fsopen_beneath(dfd, rel, O_RDONLY | O_NONBLOCK);
		if (fd == -1 && errno == ENOENT) {
			r->cache_control = rt->cache_control;
			rc = rt->listing ? listing_serve(&q->scratch->page, c,
					       rt, dfd, rel_dir, path, req, r)
					 : HTTP_STATUS_FORBIDDEN;
			close(dfd);
			return rc;
		}
		if (fd == -1) {
			rc = static_errno_status(path);
			close(dfd);
			return rc;
		}
		if (dotcheck && static_dot_resolved(rt, fd)) {
			close(fd);
			close(dfd);
			return HTTP_STATUS_NOT_FOUND;
		}
		if (fstat(fd, &st) == -1)
			goto error;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		if (dfd != -1)
			close(dfd);
		return HTTP_STATUS_FORBIDDEN;
	}
	if (cacheable && st.st_size <= FCACHE_FILE_MAX &&
	    (e = cache_small(q, key, keylen, fd, &st, rel)) != NULL) {
		close(fd);
		rc = serve_cached(rt, req, e, r);
	} else
		rc = serve_fd(q, base, rel, fd, &st, r);
	if (dfd != -1)
		close(dfd);
	return rc;
error:
	close(fd);
	if (dfd != -1)
		close(dfd);
	return HTTP_STATUS_INTERNAL_SERVER_ERROR;
}
