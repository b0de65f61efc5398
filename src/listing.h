/* listing.h: a directory's entries as an HTML table or as JSON. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_LISTING_H
#define GUAD_LISTING_H

#include <sys/types.h>

#include "buf.h"
#include "http.h"
#include "resp.h"

struct conf;
struct route;

enum listing_sort {
	LISTING_SORT_NAME,
	LISTING_SORT_SIZE,
	LISTING_SORT_TIME,
	LISTING_SORT_COUNT
};

int listing_serve(struct buf *page, const struct conf *, const struct route *,
    int dfd, const char *rel, const char *path, const struct http_request *,
    struct response *);
void
listing_order(const struct http_slice *query, enum listing_sort *, int *desc);
void listing_size(char out[16], off_t size);

#endif
