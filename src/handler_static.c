/* handler_static.c: the file and dir handler kinds, as table rows. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "fcache.h"
#include "fsopen.h"
#include "handler.h"
#include "log.h"
#include "mime.h"
#include "route.h"
#include "router.h"
#include "sandbox.h"
#include "static.h"

static enum handler_step
static_serve(struct hreq *q, struct response *r)
{
	return handler_answer(q, static_serve_path(q, r));
}

/* Route options: listing (dir only), precompressed, cache=VALUE. */
static int
static_option(struct route *rt, const char *opt, char *err, size_t errlen)
{
	if (strcmp(opt, "listing") == 0 && rt->handler->prefix)
		rt->listing = 1;
	else if (strcmp(opt, "precompressed") == 0)
		rt->precompressed = 1;
	else if (strncmp(opt, "cache=", 6) == 0 && opt[6] != '\0') {
		free(rt->cache_control);
		if ((rt->cache_control = strdup(opt + 6)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	} else {
		snprintf(err, errlen, "unknown option \"%s\" for a %s route",
		    opt, rt->handler->name);
		return -1;
	}
	return 0;
}

/* The argument and options, as static_option reads them back. */
static int
static_format(const struct route *rt, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, "%s%s%s%s%s", rt->arg,
	    rt->listing ? " listing" : "",
	    rt->precompressed ? " precompressed" : "",
	    rt->cache_control != NULL ? " cache=" : "",
	    rt->cache_control != NULL ? rt->cache_control : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * Reads the path of a dir route's directory as the kernel resolves its
 * fd: static_serve_path compares what it opened against it to refuse a dotfile
 * reached through a symlink. Returns 0, or -1 (err set).
 */
static int
real_path(struct route *rt, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	ssize_t n;

	if ((n = fsopen_fd_path(rt->fd, buf, sizeof(buf))) == -1) {
		snprintf(err, errlen, "cannot read its path through /proc: %s",
		    strerror(errno));
		return -1;
	}
	if ((rt->real = strdup(buf)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rt->reallen = (size_t)n;
	return 0;
}

/*
 * In the master: a file route's file must be a regular file below the
 * root; a dir route's directory is kept open (O_PATH) for the workers.
 */
static int
static_open(struct route *rt, int root_fd, const char *root, char *err,
    size_t errlen)
{
	struct stat st;
	int fd;

	fd = route_open_arg(rt, root_fd,
	    rt->handler->prefix ? O_PATH | O_DIRECTORY : O_RDONLY | O_NONBLOCK,
	    &st, err, errlen);
	if (fd == -1)
		return -1;
	if (rt->handler->prefix) {
		rt->fd = fd;
		return real_path(rt, err, errlen);
	}
	close(fd);
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		return -1;
	}
	(void)root;
	return 0;
}

/* A confined worker still reads a dir route's tree (below any root). */
static int
static_sandbox(const struct conf *c, const struct route *rt,
    struct sandbox_rules *sr)
{
	(void)c;
	/* a shared directory is allowed once, by the route that holds it */
	if (rt->fd == -1 || rt->fd_borrowed)
		return 0;
	return sandbox_allow_fd(sr, rt->fd, 0, rt->path);
}

/* A worker's MIME cookie and small-file cache, shared by file and dir. */
static int
static_init(const struct conf *c, void **state)
{
	struct static_state *ss;

	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		return -1;
	if (mime_init(&ss->mime) == -1)
		log_warnx("content types come from file extensions only");
	if (fcache_init(&ss->fcache, c->file_cache) == -1)
		log_warnx(
		    "file_cache: out of memory; small files are read for each request");
	*state = ss;
	return 0;
}

static void
static_free(void *state)
{
	struct static_state *ss = state;

	mime_free(&ss->mime);
	fcache_free(&ss->fcache);
	free(ss);
}

#define STATIC_METHODS \
	(HANDLER_METHOD(HTTP_METHOD_GET) | HANDLER_METHOD(HTTP_METHOD_HEAD))

/* One file, at an exact path. */
const struct handler handler_file = {
	.name = "file",
	.methods = STATIC_METHODS,
	.allow = "GET, HEAD, OPTIONS",
	.option = static_option,
	.format = static_format,
	.open = static_open,
	.sandbox = static_sandbox,
	.init = static_init,
	.free = static_free,
	.serve = static_serve,
};

/* A tree below a path ending in '/'. */
const struct handler handler_dir = {
	.name = "dir",
	.methods = STATIC_METHODS,
	.allow = "GET, HEAD, OPTIONS",
	.prefix = 1,
	.shares = &handler_file,
	.option = static_option,
	.format = static_format,
	.open = static_open,
	.sandbox = static_sandbox,
	.serve = static_serve,
};
