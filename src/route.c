/* route.c: one [routes] line of gua.ini, parsed and opened. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsopen.h"
#include "html.h"
#include "route.h"
#include "uri.h"

#define OOM "out of memory"

/* Route options after the argument: listing, precompressed, cache=VALUE. */
static int
route_option(struct route *r, const char *opt, char *err, size_t errlen)
{
	if (strcmp(opt, "listing") == 0 && r->handler == ROUTE_DIR)
		r->listing = 1;
	else if (strcmp(opt, "precompressed") == 0 && r->handler != ROUTE_MSG)
		r->precompressed = 1;
	else if (strncmp(opt, "cache=", 6) == 0 && opt[6] != '\0' &&
	    r->handler != ROUTE_MSG) {
		free(r->cache_control);
		if ((r->cache_control = strdup(opt + 6)) == NULL) {
			snprintf(err, errlen, OOM);
			return -1;
		}
	} else {
		snprintf(err, errlen,
		    "[routes] %s: unknown option \"%s\" for a %s route",
		    r->path, opt, route_handler_names[r->handler]);
		return -1;
	}
	return 0;
}

/* The path must be what a request decodes and normalises to. */
static int
path_ok(const char *path, size_t len)
{
	char *norm;
	size_t nlen;
	int ok;

	if ((norm = malloc(len + 1)) == NULL)
		return -1;
	ok = *path == '/' && strchr(path, '%') == NULL &&
	    strchr(path, '?') == NULL &&
	    uri_path_decode(path, len, norm, &nlen) == 0 && nlen == len &&
	    memcmp(norm, path, len) == 0;
	free(norm);
	return ok;
}

/*
 * Parses one [routes] line, "path = handler argument [option ...]", into
 * r, which the caller zeroed (fd -1) and frees with route_free whatever
 * this returns. Returns 0, or -1 with a message in err ("[routes] ...",
 * without the file and line).
 */
int
route_parse(struct route *r, const char *path, const char *value, char *err,
    size_t errlen)
{
	char *words, *w, *save, *handler, *arg;
	size_t len = strlen(path);
	int h, ok, rc = -1;

	if ((words = strdup(value)) == NULL) {
		snprintf(err, errlen, OOM);
		return -1;
	}
	handler = strtok_r(words, " \t", &save);
	arg = handler ? strtok_r(NULL, " \t", &save) : NULL;
	if (arg == NULL) {
		snprintf(err, errlen,
		    "[routes] %s: expected HANDLER ARGUMENT (file FILE, dir DIR or msg TEMPLATE)",
		    path);
		goto out;
	}
	for (h = 0; h < ROUTE_HANDLER_COUNT; h++)
		if (strcmp(handler, route_handler_names[h]) == 0)
			break;
	if (h == ROUTE_HANDLER_COUNT) {
		snprintf(err, errlen,
		    "[routes] %s: unknown handler \"%s\" (file, dir or msg)",
		    path, handler);
		goto out;
	}
	if ((ok = path_ok(path, len)) == -1) {
		snprintf(err, errlen, OOM);
		goto out;
	}
	if (!ok) {
		snprintf(err, errlen,
		    "[routes] %s: the URL path must start with '/' and be normalised (no \"//\", \".\", \"..\", '%%' or '?')",
		    path);
		goto out;
	}
	if (h == ROUTE_DIR && path[len - 1] != '/') {
		snprintf(err, errlen,
		    "[routes] %s: a dir route's path must end with '/' (%s/)",
		    path, path);
		goto out;
	}
	r->handler = (enum route_handler)h;
	r->len = len;
	if ((r->path = strdup(path)) == NULL ||
	    (r->arg = strdup(arg)) == NULL) {
		snprintf(err, errlen, OOM);
		goto out;
	}
	while ((w = strtok_r(NULL, " \t", &save)) != NULL)
		if (route_option(r, w, err, errlen) == -1)
			goto out;
	rc = 0;
out:
	free(words);
	return rc;
}

/*
 * Writes the value of a route's line as route_parse reads it back:
 * "handler argument [option ...]". Returns 0, or -1 if buf is too small.
 */
int
route_format(const struct route *r, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, "%s %s%s%s%s%s", route_handler_names[r->handler],
	    r->arg, r->listing ? " listing" : "",
	    r->precompressed ? " precompressed" : "",
	    r->cache_control != NULL ? " cache=" : "",
	    r->cache_control != NULL ? r->cache_control : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * Reads the path of a dir route's directory as the kernel resolves its
 * fd: the static handler compares what it opened against it to refuse a
 * dotfile reached through a symlink. Returns 0, or -1 (err set).
 */
static int
real_path(struct route *r, char *err, size_t errlen)
{
	char proc[64], buf[PATH_MAX];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", r->fd);
	if ((n = readlink(proc, buf, sizeof(buf) - 1)) <= 0 || buf[0] != '/') {
		snprintf(err, errlen,
		    "[routes] %s: dir %s: cannot read its path through /proc: %s",
		    r->path, r->arg, n == -1 ? strerror(errno) : "not a path");
		return -1;
	}
	buf[n] = '\0';
	if ((r->real = strdup(buf)) == NULL) {
		snprintf(err, errlen, OOM);
		return -1;
	}
	r->reallen = (size_t)n;
	return 0;
}

/*
 * Opens what a route names below the root (root_fd, the folder root):
 * keeps a dir route's directory open, checks a file, parses a msg
 * template. Returns 0, or -1 with a message in err.
 */
int
route_open(struct route *r, int root_fd, const char *root, char *err,
    size_t errlen)
{
	struct stat st;
	char *text, path[PATH_MAX];
	size_t len;
	int fd, n;

	fd = fsopen_beneath(root_fd, r->arg,
	    r->handler == ROUTE_DIR ? O_PATH | O_DIRECTORY
				    : O_RDONLY | O_NONBLOCK);
	if (fd == -1 || fstat(fd, &st) == -1) {
		snprintf(err, errlen, "[routes] %s: %s %s: %s", r->path,
		    route_handler_names[r->handler], r->arg,
		    errno == EXDEV ? "outside the root" : strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (r->handler == ROUTE_DIR) {
		r->fd = fd;
		return real_path(r, err, errlen);
	}
	close(fd);
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "[routes] %s: %s %s: not a regular file",
		    r->path, route_handler_names[r->handler], r->arg);
		return -1;
	}
	if (r->handler != ROUTE_MSG)
		return 0;
	n = snprintf(path, sizeof(path), "%s/%s", root, r->arg);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    fsopen_read_all(path, &text, &len) == -1) {
		snprintf(err, errlen, "[routes] %s: msg %s: %s", r->path,
		    r->arg, strerror(errno));
		return -1;
	}
	n = html_template_parse(&r->tmpl, text, len);
	free(text);
	if (n == -1) {
		snprintf(err, errlen,
		    "[routes] %s: msg %s: the template needs the placeholder %s exactly once",
		    r->path, r->arg, HTML_PLACEHOLDER);
		return -1;
	}
	return 0;
}

/* Frees what a route owns (not r itself) and closes its fd. */
void
route_free(struct route *r)
{
	free(r->path);
	free(r->arg);
	free(r->cache_control);
	free(r->real);
	if (r->fd != -1)
		close(r->fd);
	html_template_free(&r->tmpl);
}
