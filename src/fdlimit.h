/* fdlimit.h: the descriptors a worker needs, and the limit that grants them. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_FDLIMIT_H
#define GUAD_FDLIMIT_H

#include <stddef.h>

struct conf;

/* A connection's socket, and the file it may be sending. */
#define FDLIMIT_PER_CONN 2

size_t fdlimit_overhead(const struct conf *);
int fdlimit_raise(const struct conf *, char *msg, size_t len);
size_t fdlimit_connections(const struct conf *);
void fdlimit_apply(const struct conf *);

#endif
