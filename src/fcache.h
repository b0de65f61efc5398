/* fcache.h: a worker's small files in memory, checked at most once a second. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_FCACHE_H
#define GUAD_FCACHE_H

#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "date.h"
#include "mime.h"

/* Files up to this size are kept; larger ones go out with sendfile. */
#define FCACHE_FILE_MAX 8192

/*
 * One small file as a request path of a route named it: its bytes, its
 * validators and type, and the identity of the file they came from.
 */
struct fcache_entry {
	const void *owner; /* key: the route */
	char *name;	   /* key: the path below it */
	size_t namelen;
	uint64_t hash;
	time_t checked; /* the second it was last compared */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim;
	char etag[40];
	char lastmod[DATE_HTTP_LEN + 1]; /* of mtim */
	char type[MIME_TYPE_MAX];
	char *data; /* size bytes */
};

/* Direct-mapped: a new file takes its slot from whatever held it. */
struct fcache {
	struct fcache_entry *slots;
	size_t nslots;	/* a power of two, or 0: off */
	uint64_t fills; /* files read in, for tests */
};

int fcache_init(struct fcache *, size_t entries);
void fcache_free(struct fcache *);
struct fcache_entry *
fcache_find(struct fcache *, const void *owner, const char *name, size_t len);
int fcache_same(const struct fcache_entry *, const struct stat *);
struct fcache_entry *fcache_fill(struct fcache *, const void *owner,
    const char *name, size_t len, int fd, const struct stat *, time_t now);
void
fcache_drop(struct fcache *, const void *owner, const char *name, size_t len);

#endif
