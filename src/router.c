/* router.c: URL path to route: exact routes first, then the longest prefix. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "router.h"

const char *const route_handler_names[ROUTE_HANDLER_COUNT] = {
	[ROUTE_FILE] = "file",
	[ROUTE_DIR] = "dir",
	[ROUTE_MSG] = "msg",
};

static int
cmp_path(const char *a, size_t alen, const char *b, size_t blen)
{
	int	 c;

	c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int
cmp_route(const void *a, const void *b)
{
	const struct route	*ra = *(struct route *const *)a;
	const struct route	*rb = *(struct route *const *)b;
	int			 c;

	c = cmp_path(ra->path, ra->len, rb->path, rb->len);
	return c != 0 ? c : (ra->line > rb->line) - (ra->line < rb->line);
}

/*
 * Sorts the routes into the exact and prefix tables. Returns 0, or -1 when
 * two routes of one kind share a path: *dup is then the later one.
 */
int
router_build(struct router *r, struct route *routes, size_t n,
    const struct route **dup)
{
	size_t	 i;

	memset(r, 0, sizeof(*r));
	r->exact = calloc(n + 1, sizeof(struct route *));
	r->prefix = calloc(n + 1, sizeof(struct route *));
	if (r->exact == NULL || r->prefix == NULL) {
		router_free(r);
		*dup = NULL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (routes[i].handler == ROUTE_DIR)
			r->prefix[r->nprefix++] = &routes[i];
		else
			r->exact[r->nexact++] = &routes[i];
	}
	qsort(r->exact, r->nexact, sizeof(struct route *), cmp_route);
	qsort(r->prefix, r->nprefix, sizeof(struct route *), cmp_route);
	for (i = 1; i < r->nexact; i++)
		if (cmp_path(r->exact[i]->path, r->exact[i]->len,
		    r->exact[i - 1]->path, r->exact[i - 1]->len) == 0) {
			*dup = r->exact[i];
			return -1;
		}
	for (i = 1; i < r->nprefix; i++)
		if (cmp_path(r->prefix[i]->path, r->prefix[i]->len,
		    r->prefix[i - 1]->path, r->prefix[i - 1]->len) == 0) {
			*dup = r->prefix[i];
			return -1;
		}
	return 0;
}

void
router_free(struct router *r)
{
	free(r->exact);
	free(r->prefix);
	memset(r, 0, sizeof(*r));
}

static const struct route *
find(struct route *const *tab, size_t n, const char *path, size_t len)
{
	size_t	 lo = 0, hi = n, mid;
	int	 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = cmp_path(path, len, tab[mid]->path, tab[mid]->len);
		if (c == 0)
			return tab[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Returns the dir route with the longest prefix of path, or NULL. Each
 * '/' of the path is a candidate, tried from the longest: the cost is
 * the path's depth times log(routes), whatever the number of routes.
 */
const struct route *
router_match_dir(const struct router *r, const char *path, size_t len)
{
	const struct route	*rt;
	size_t			 i;

	for (i = len; i > 0; i--) {
		if (path[i - 1] != '/')
			continue;
		if ((rt = find(r->prefix, r->nprefix, path, i)) != NULL)
			return rt;
	}
	return NULL;
}

/* Returns the dir route whose prefix is exactly path, or NULL. */
const struct route *
router_find_dir(const struct router *r, const char *path, size_t len)
{
	return find(r->prefix, r->nprefix, path, len);
}

/* Returns the route for a decoded, normalised path, or NULL. */
const struct route *
router_match(const struct router *r, const char *path, size_t len)
{
	const struct route	*rt;

	if ((rt = find(r->exact, r->nexact, path, len)) != NULL)
		return rt;
	return router_match_dir(r, path, len);
}
