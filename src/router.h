/* router.h: URL path to route: exact routes first, then the longest prefix. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_ROUTER_H
#define GUAD_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "html.h"

struct handler;

struct route {
	char *path;
	size_t len;
	const struct handler *handler; /* its kind: handler.h */
	unsigned kind;		       /* the kind's row in the table */
	char *arg;		       /* relative to the root */
	int line;		       /* in gua.ini */
	int fd;			       /* dir: O_PATH fd; else -1 */
	unsigned fd_borrowed : 1;      /* an earlier route's: not closed */
	char *real;		       /* dir: its path, as the kernel
						   resolves fd; else NULL */
	size_t reallen;
	struct html_template tmpl;  /* msg */
	char *cache_control;	    /* option cache=...; or NULL */
	unsigned listing : 1;	    /* option listing (dir) */
	unsigned precompressed : 1; /* option precompressed */
	/* a tree below its path, though its kind is not prefix-only */
	unsigned tree : 1;
	char *target; /* redirect: where to, with $path and $query */
};

/*
 * Two hash tables (open addressing, a power of two in size, at most half
 * full): exact routes and dir prefixes. A lookup costs the same with one
 * route or thousands.
 */
struct router {
	struct route **exact;
	size_t emask;
	struct route **prefix;
	size_t pmask;
	uint8_t *plen; /* plen[n]: a dir prefix has n bytes */
	size_t plenmax;
};

int
router_build(struct router *, struct route *, size_t, const struct route **dup);
void router_free(struct router *);
int router_is_prefix(const struct route *);
const struct route *router_match(const struct router *, const char *, size_t);
const struct route *
router_match_dir(const struct router *, const char *, size_t);
const struct route *
router_find_dir(const struct router *, const char *, size_t);

#endif
