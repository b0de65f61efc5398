/* static.c: the file and dir handlers. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "date.h"
#include "fsopen.h"
#include "log.h"
#include "mime.h"
#include "router.h"
#include "static.h"
#include "worker.h"

/* A strong validator from size and modification time, not the inode. */
void
static_etag(char out[40], const struct stat *st)
{
	unsigned long long	 ns;

	ns = (unsigned long long)st->st_mtim.tv_sec * 1000000000ULL +
	    (unsigned long long)st->st_mtim.tv_nsec;
	snprintf(out, 40, "\"%llx-%llx\"", ns,
	    (unsigned long long)st->st_size);
}

/* 301 to the same path with a '/' added (the query is kept). */
int
static_redirect(struct worker *w, const struct http_request *req,
    struct response *r)
{
	struct buf	 b = { w->location, 0, w->location_cap, w->location_cap,
			    0 };

	buf_add(&b, req->path.p, req->path.len);
	buf_addc(&b, '/');
	if (req->query.p != NULL) {
		buf_addc(&b, '?');
		buf_add(&b, req->query.p, req->query.len);
	}
	buf_addc(&b, '\0');
	if (b.failed)
		return HTTP_STATUS_URI_TOO_LONG;
	r->location = w->location;
	return HTTP_STATUS_MOVED_PERMANENTLY;
}

static int
errno_status(const char *name)
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
	const char	*p;

	for (p = path; (p = strchr(p, '/')) != NULL; p++)
		if (p[1] == '.')
			return 1;
	return path[0] == '.';
}

/* Does an entity tag list (If-None-Match) match etag? Weak comparison. */
static int
etag_match(const struct http_slice *list, const char *etag)
{
	const char	*p = list->p, *end = list->p + list->len, *q;
	size_t		 elen = strlen(etag);

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		if (p < end && *p == '*')
			return 1;
		if (end - p >= 2 && p[0] == 'W' && p[1] == '/')
			p += 2;
		for (q = p; q < end && *q != ','; q++)
			;
		while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		if ((size_t)(q - p) == elen && memcmp(p, etag, elen) == 0)
			return 1;
		while (p < end && *p != ',')
			p++;
	}
	return 0;
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
	const char	*p, *end;
	off_t		 a = -1, b = -1, v;

	if (h->p == NULL || h->len < 7 || strncasecmp(h->p, "bytes=", 6) != 0)
		return 0;
	p = h->p + 6;
	end = h->p + h->len;
	if (memchr(p, ',', (size_t)(end - p)) != NULL)
		return 0;
	for (v = 0; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (*p - '0');
		a = v;
	}
	if (p == end || *p != '-')
		return 0;
	for (p++, v = 0; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (*p - '0');
		b = v;
	}
	if (p != end || (a == -1 && b == -1))
		return 0;
	if (a == -1) {			/* suffix: the last b bytes */
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

/* If-Range: the range applies only to the representation it names. */
static int
if_range_ok(const struct http_slice *h, const char *etag, time_t mtime)
{
	time_t	 t;

	if (h->p == NULL)
		return 1;
	if (h->len > 0 && h->p[0] == '"')
		return h->len == strlen(etag) && memcmp(h->p, etag, h->len) == 0;
	return date_parse_http(h->p, h->len, &t) == 0 && t == mtime;
}

/* Fills r for an open regular file: validators, conditionals, ranges. */
static int
serve_fd(struct worker *w, const struct http_request *req, int fd,
    const struct stat *st, const char *name, struct response *r)
{
	time_t	 ims;
	off_t	 start, len;
	int	 rc;

	r->content_type = mime_type(&w->mime, w->conf, fd, st, name);
	r->last_modified = st->st_mtim.tv_sec;
	static_etag(r->etag, st);
	r->fd = fd;
	r->file_off = 0;
	r->file_len = st->st_size;

	if (req->if_none_match.p != NULL) {
		if (etag_match(&req->if_none_match, r->etag))
			goto not_modified;
	} else if (req->if_modified_since.p != NULL &&
	    date_parse_http(req->if_modified_since.p,
	    req->if_modified_since.len, &ims) == 0 &&
	    st->st_mtim.tv_sec <= ims)
		goto not_modified;

	if (req->method == HTTP_METHOD_GET && req->range.p != NULL &&
	    if_range_ok(&req->if_range, r->etag, st->st_mtim.tv_sec)) {
		rc = static_range(&req->range, st->st_size, &start, &len);
		if (rc == 1) {
			r->status = HTTP_STATUS_PARTIAL_CONTENT;
			r->file_off = start;
			r->file_len = len;
			r->range_total = st->st_size;
		} else if (rc == -1) {
			close(fd);
			r->fd = -1;
			r->range_total = st->st_size;
			return HTTP_STATUS_RANGE_NOT_SATISFIABLE;
		}
	}
	return 0;
not_modified:
	r->status = HTTP_STATUS_NOT_MODIFIED;
	r->no_body = 1;
	r->content_type = NULL;
	close(fd);
	r->fd = -1;
	return 0;
}

/*
 * The file handler serves its one file; the dir handler maps the rest of
 * the path below its prefix into its directory, with index.html for a
 * directory. Paths are opened below the route's directory so the kernel
 * refuses any escape; dotfiles and anything but regular files are refused.
 */
int
static_serve(struct worker *w, const struct route *rt,
    const struct http_request *req, const char *path, size_t len,
    struct response *r)
{
	const struct conf	*c = w->conf;
	const char		*sub, *name;
	struct stat		 st;
	int			 fd, ifd;

	if (rt->handler == ROUTE_FILE) {
		name = rt->arg;
		fd = fsopen_beneath(c->root_fd, rt->arg, O_RDONLY | O_NONBLOCK);
	} else {
		sub = path + rt->len;
		if (len < rt->len)
			sub = "";
		if (has_dotfile(sub))
			return HTTP_STATUS_NOT_FOUND;
		name = sub;
		fd = fsopen_beneath(rt->fd, sub, O_RDONLY | O_NONBLOCK);
	}
	if (fd == -1)
		return errno_status(path);
	if (fstat(fd, &st) == -1) {
		close(fd);
		return HTTP_STATUS_INTERNAL_SERVER_ERROR;
	}
	if (S_ISDIR(st.st_mode)) {
		if (path[len - 1] != '/') {
			close(fd);
			return static_redirect(w, req, r);
		}
		ifd = fsopen_beneath(fd, "index.html", O_RDONLY | O_NONBLOCK);
		close(fd);
		if (ifd == -1)
			return errno == ENOENT ? HTTP_STATUS_FORBIDDEN :
			    errno_status(path);
		fd = ifd;
		name = "index.html";
		if (fstat(fd, &st) == -1) {
			close(fd);
			return HTTP_STATUS_INTERNAL_SERVER_ERROR;
		}
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return HTTP_STATUS_FORBIDDEN;
	}
	return serve_fd(w, req, fd, &st, name, r);
}
