/* mime.h: Content-Type by extension first, then libmagic, never active. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_MIME_H
#define GUAD_MIME_H

#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>

struct conf;

#define MIME_TYPE_MAX	 96
#define MIME_CACHE_SLOTS 512
#define MIME_TYPES_PATH	 "/etc/mime.types" /* Debian's media-types */

struct mime_entry {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	const char *by_ext; /* the type the name gave, or NULL */
	char type[MIME_TYPE_MAX];
};

/* One extension of the system's mime.types. */
struct mime_ext {
	char *ext; /* lower case */
	char *type;
	size_t line; /* while loading: the first line wins */
};

/* One per process: libmagic's cookie and what it said about each file. */
struct mime {
	void *magic;		  /* magic_t */
	struct mime_entry *cache; /* MIME_CACHE_SLOTS */
	uint64_t sniffs;	  /* libmagic calls, for tests */
	struct mime_ext *sys;	  /* MIME_TYPES_PATH, sorted by ext */
	size_t nsys;
};

int mime_init(struct mime *);
void mime_free(struct mime *);
int mime_load_types(struct mime *, const char *path);
const char *
mime_by_ext(const struct mime *, const struct conf *, const char *name);
int mime_active(const char *type);
const char *mime_type(struct mime *, const struct conf *, int fd,
    const struct stat *, const char *name);
size_t mime_cache_slot(const struct stat *);
void mime_refine(const char *magic, char out[MIME_TYPE_MAX]);
int mime_conf_add(struct conf *, const char *ext, const char *type, char *err,
    size_t errlen);
void mime_conf_free(struct conf *);

#endif
