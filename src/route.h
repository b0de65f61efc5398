/* route.h: one [routes] line of gua.ini, parsed and opened. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_ROUTE_H
#define GUAD_ROUTE_H

#include <stddef.h>

#include "router.h"

int route_parse(struct route *, const char *path, const char *value, char *err,
    size_t errlen);
struct stat;
int route_open_arg(const struct route *, int root_fd, int flags, struct stat *,
    char *err, size_t errlen);
int route_open(struct route *, int root_fd, const char *root, char *err,
    size_t errlen);
void route_share_dir(struct route *, struct route *earlier, size_t n);
int route_format(const struct route *, char *buf, size_t len);
void route_free(struct route *);

#endif
