/* fcache.c: a worker's small files in memory, checked at most once a second. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcache.h"
#include "hex.h"

/* The hash of the name, begun from the owner's address. */
static uint64_t
hash(const void *owner, const char *name, size_t len)
{
	uintptr_t o = (uintptr_t)owner;

	return hex_hash((uint64_t)o, name, len);
}

static void
clear(struct fcache_entry *e)
{
	free(e->name);
	free(e->data);
	memset(e, 0, sizeof(*e));
}

/*
 * Sets up a cache of at least entries slots (rounded up to a power of
 * two; 0 turns it off). Returns 0, or -1 if memory is short.
 */
int
fcache_init(struct fcache *fc, size_t entries)
{
	size_t n = 1;

	memset(fc, 0, sizeof(*fc));
	if (entries == 0)
		return 0;
	while (n < entries)
		n <<= 1;
	if ((fc->slots = calloc(n, sizeof(*fc->slots))) == NULL)
		return -1;
	fc->nslots = n;
	return 0;
}

void
fcache_free(struct fcache *fc)
{
	size_t i;

	for (i = 0; i < fc->nslots; i++)
		clear(&fc->slots[i]);
	free(fc->slots);
	memset(fc, 0, sizeof(*fc));
}

/* The entry for (owner, name), or NULL. The cache keeps it. */
struct fcache_entry *
fcache_find(struct fcache *fc, const void *owner, const char *name, size_t len)
{
	struct fcache_entry *e;
	uint64_t h;

	if (fc->nslots == 0)
		return NULL;
	h = hash(owner, name, len);
	e = &fc->slots[h & (fc->nslots - 1)];
	if (e->name == NULL || e->hash != h || e->owner != owner ||
	    e->namelen != len || memcmp(e->name, name, len) != 0)
		return NULL;
	return e;
}

/* Is st still the file e was read from (same inode, size and time)? */
int
fcache_same(const struct fcache_entry *e, const struct stat *st)
{
	return e->dev == st->st_dev && e->ino == st->st_ino &&
	    e->size == st->st_size && e->mtim.tv_sec == st->st_mtim.tv_sec &&
	    e->mtim.tv_nsec == st->st_mtim.tv_nsec;
}

/*
 * Reads the regular file open on fd (st: its fstat, at most
 * FCACHE_FILE_MAX bytes) into the slot for (owner, name), checked at now.
 * Borrows fd. The caller sets etag and type. Returns the entry, or NULL
 * (the file changed while read, a read failed, memory is short) with the
 * slot emptied.
 */
struct fcache_entry *
fcache_fill(struct fcache *fc, const void *owner, const char *name, size_t len,
    int fd, const struct stat *st, time_t now)
{
	struct fcache_entry *e;
	uint64_t h;
	ssize_t n;
	size_t size;

	if (fc->nslots == 0 || st->st_size < 0 || st->st_size > FCACHE_FILE_MAX)
		return NULL;
	size = (size_t)st->st_size;
	h = hash(owner, name, len);
	e = &fc->slots[h & (fc->nslots - 1)];
	clear(e);
	/* one byte more than the size: a file that grew is not cached */
	if ((e->data = malloc(size + 1)) == NULL ||
	    (e->name = malloc(len + 1)) == NULL)
		goto fail;
	do
		n = pread(fd, e->data, size + 1, 0);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)size)
		goto fail;
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	e->namelen = len;
	e->owner = owner;
	e->hash = h;
	e->checked = now;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtim = st->st_mtim;
	fc->fills++;
	return e;
fail:
	clear(e);
	return NULL;
}

/* Forgets (owner, name), if it is cached. */
void
fcache_drop(struct fcache *fc, const void *owner, const char *name, size_t len)
{
	struct fcache_entry *e;

	if ((e = fcache_find(fc, owner, name, len)) != NULL)
		clear(e);
}
