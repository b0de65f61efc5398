/* router.c: URL path to route: exact routes first, then the longest prefix. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "handler.h"
#include "hex.h"
#include "router.h"

/* The slot of tab (mask + 1 slots) that holds path, or the empty one. */
static struct route **
slot(struct route **tab, size_t mask, const char *path, size_t len)
{
	size_t i = (size_t)hex_hash(0, path, len) & mask;

	while (tab[i] != NULL &&
	    (tab[i]->len != len || memcmp(tab[i]->path, path, len) != 0))
		i = (i + 1) & mask;
	return &tab[i];
}

/* Room for n routes in a table at most half full; its mask. */
static size_t
table_mask(size_t n)
{
	size_t size = 4;

	while (size < 2 * n)
		size *= 2;
	return size - 1;
}

/*
 * Does rt route a tree below its path (a prefix ending in '/'), rather
 * than one exact path? Its kind says, or, for a kind that takes both
 * (redirect), the route.
 */
int
router_is_prefix(const struct route *rt)
{
	return rt->handler->prefix || rt->tree;
}

/*
 * Builds the exact and prefix tables. Returns 0, or -1 when two routes of
 * one kind share a path (*dup is then the one on the later line) or
 * memory is short (*dup is NULL).
 */
int
router_build(struct router *r, struct route *routes, size_t n,
    const struct route **dup)
{
	struct route **s;
	size_t i, ne = 0, np = 0;

	memset(r, 0, sizeof(*r));
	*dup = NULL;
	for (i = 0; i < n; i++) {
		if (router_is_prefix(&routes[i])) {
			np++;
			if (routes[i].len > r->plenmax)
				r->plenmax = routes[i].len;
		} else
			ne++;
	}
	r->emask = table_mask(ne);
	r->pmask = table_mask(np);
	r->exact = calloc(r->emask + 1, sizeof(struct route *));
	r->prefix = calloc(r->pmask + 1, sizeof(struct route *));
	r->plen = calloc(r->plenmax + 1, 1);
	if (r->exact == NULL || r->prefix == NULL || r->plen == NULL) {
		router_free(r);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (router_is_prefix(&routes[i])) {
			s = slot(r->prefix, r->pmask, routes[i].path,
			    routes[i].len);
			r->plen[routes[i].len] = 1;
		} else
			s = slot(r->exact, r->emask, routes[i].path,
			    routes[i].len);
		if (*s != NULL) {
			*dup = (*s)->line > routes[i].line ? *s : &routes[i];
			return -1;
		}
		*s = &routes[i];
	}
	return 0;
}

void
router_free(struct router *r)
{
	free(r->exact);
	free(r->prefix);
	free(r->plen);
	memset(r, 0, sizeof(*r));
}

/*
 * Returns the dir route with the longest prefix of path, or NULL. Each
 * '/' of the path ends a candidate, tried from the longest, and only
 * where some dir route has that length: the cost is the path's, whatever
 * the number of routes.
 */
const struct route *
router_match_dir(const struct router *r, const char *path, size_t len)
{
	const struct route *rt;
	size_t i;

	if (r->prefix == NULL)
		return NULL;
	for (i = len < r->plenmax ? len : r->plenmax; i > 0; i--) {
		if (path[i - 1] != '/' || !r->plen[i])
			continue;
		if ((rt = *slot(r->prefix, r->pmask, path, i)) != NULL)
			return rt;
	}
	return NULL;
}

/* Returns the dir route whose prefix is exactly path, or NULL. */
const struct route *
router_find_dir(const struct router *r, const char *path, size_t len)
{
	if (r->prefix == NULL || len > r->plenmax || !r->plen[len])
		return NULL;
	return *slot(r->prefix, r->pmask, path, len);
}

/* Returns the route for a decoded, normalised path, or NULL. */
const struct route *
router_match(const struct router *r, const char *path, size_t len)
{
	const struct route *rt;

	if (r->exact != NULL &&
	    (rt = *slot(r->exact, r->emask, path, len)) != NULL)
		return rt;
	return router_match_dir(r, path, len);
}
