/* route.c: one [routes] line of gua.ini, parsed and opened. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsopen.h"
#include "handler.h"
#include "html.h"
#include "route.h"
#include "uri.h"

#define OOM "out of memory"

/* Writes "file, dir or msg": the kinds of the handler table. */
static void
kind_list(char *out, size_t size)
{
	size_t i, n, used = 0;
	int k;

	for (n = 0; handlers[n] != NULL; n++)
		continue;
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		k = snprintf(out + used, size - used, "%s%s",
		    i == 0	     ? ""
			: i + 1 == n ? " or "
				     : ", ",
		    handlers[i]->name);
		if (k < 0 || (size_t)k >= size - used)
			return;
		used += (size_t)k;
	}
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
	const struct handler *h;
	char *words, *w, *save, *handler, *arg, why[256];
	size_t len = strlen(path);
	int ok, rc = -1;

	if ((words = strdup(value)) == NULL) {
		snprintf(err, errlen, OOM);
		return -1;
	}
	handler = strtok_r(words, " \t", &save);
	h = handler ? handler_find(handler) : NULL;
	/* a kind that takes no argument: what follows are options */
	if (h != NULL && h->no_arg)
		arg = "";
	else
		arg = handler ? strtok_r(NULL, " \t", &save) : NULL;
	if (arg == NULL) {
		snprintf(err, errlen,
		    "[routes] %s: expected HANDLER ARGUMENT (file FILE, dir DIR, msg TEMPLATE or redirect STATUS TARGET)",
		    path);
		goto out;
	}
	if (h == NULL) {
		kind_list(why, sizeof(why));
		snprintf(err, errlen,
		    "[routes] %s: unknown handler \"%s\" (%s)", path, handler,
		    why);
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
	if (h->prefix && path[len - 1] != '/') {
		snprintf(err, errlen,
		    "[routes] %s: a %s route's path must end with '/' (%s/)",
		    path, h->name, path);
		goto out;
	}
	r->handler = h;
	r->kind = (unsigned)handler_index(h);
	r->len = len;
	if ((r->path = strdup(path)) == NULL ||
	    (r->arg = strdup(arg)) == NULL) {
		snprintf(err, errlen, OOM);
		goto out;
	}
	while ((w = strtok_r(NULL, " \t", &save)) != NULL) {
		if (h->option == NULL) {
			snprintf(err, errlen,
			    "[routes] %s: unknown option \"%s\" for a %s route",
			    path, w, h->name);
			goto out;
		}
		if (h->option(r, w, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "[routes] %s: %s", path, why);
			goto out;
		}
	}
	rc = 0;
out:
	free(words);
	return rc;
}

/*
 * Writes the value of a route's line as route_parse reads it back:
 * "handler argument [option ...]", the kind writing what follows its
 * name. Returns 0, or -1 if buf is too small.
 */
int
route_format(const struct route *r, char *buf, size_t len)
{
	size_t used;
	int n;

	n = snprintf(buf, len, r->handler->no_arg ? "%s" : "%s ",
	    r->handler->name);
	if (n < 0 || (size_t)n >= len)
		return -1;
	used = (size_t)n;
	if (r->handler->format != NULL)
		return r->handler->format(r, buf + used, len - used);
	n = snprintf(buf + used, len - used, "%s", r->arg);
	return n < 0 || (size_t)n >= len - used ? -1 : 0;
}

/*
 * For a kind's open: the route's argument opened below the root with
 * flags, and its fstat in st. Returns the descriptor, or -1 with why in
 * err ("outside the root" when it would leave it).
 */
int
route_open_arg(const struct route *r, int root_fd, int flags, struct stat *st,
    char *err, size_t errlen)
{
	int fd;

	fd = fsopen_beneath(root_fd, r->arg, flags);
	if (fd == -1 || fstat(fd, st) == -1) {
		snprintf(err, errlen, "%s",
		    errno == EXDEV ? "outside the root" : strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Opens what a route names below the root (root_fd, the folder root):
 * its kind does (a file checked, a directory kept open, a template
 * parsed). Returns 0, or -1 with a message in err.
 */
int
route_open(struct route *r, int root_fd, const char *root, char *err,
    size_t errlen)
{
	char why[512];

	if (r->handler->open == NULL)
		return 0;
	if (r->handler->open(r, root_fd, root, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "[routes] %s: %s %s: %s", r->path,
		    r->handler->name, r->arg, why);
		return -1;
	}
	return 0;
}

/*
 * A dir route whose directory an earlier one (of the n at earlier)
 * already holds open takes that descriptor and closes its own: thousands
 * of routes over a few folders hold a few descriptors in every process,
 * not one each. Only the holders are compared: O(distinct directories).
 * The same resolved path is the same directory, seen through the same
 * mount, so what is opened below it and the path it is checked against
 * (r->real) stay the same.
 */
void
route_share_dir(struct route *r, struct route *earlier, size_t n)
{
	size_t i;

	if (r->fd == -1 || r->real == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (earlier[i].fd == -1 || earlier[i].fd_borrowed ||
		    earlier[i].real == NULL ||
		    strcmp(earlier[i].real, r->real) != 0)
			continue;
		close(r->fd);
		r->fd = earlier[i].fd;
		r->fd_borrowed = 1;
		return;
	}
}

/* Frees what a route owns (not r itself) and closes its own fd. */
void
route_free(struct route *r)
{
	free(r->path);
	free(r->arg);
	free(r->cache_control);
	free(r->real);
	free(r->target);
	if (r->fd != -1 && !r->fd_borrowed)
		close(r->fd);
	html_template_free(&r->tmpl);
}
