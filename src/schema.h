/* schema.h: every gua.ini key: its type, bounds, default and home. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_SCHEMA_H
#define GUAD_SCHEMA_H

#include <stddef.h>

struct conf;

enum schema_type {
	SCHEMA_BOOL,	/* "on" or "off", into an int */
	SCHEMA_UINT,	/* a number within bounds, into an unsigned */
	SCHEMA_AUTO,	/* "auto" (stored as 0) or a number, unsigned */
	SCHEMA_SECONDS, /* a number of seconds, unsigned */
	SCHEMA_MSEC,	/* a number of milliseconds, unsigned */
	SCHEMA_SIZE,	/* a count or a number of bytes, into a size_t */
	SCHEMA_STR,	/* a word or phrase, into a char * */
	SCHEMA_PATH,	/* a path, relative to the file's folder */
	SCHEMA_LOG,	/* stderr, stdout, off or a path */
	SCHEMA_DB,	/* a store: a path (as SCHEMA_PATH) or a URI */
	SCHEMA_LIST,	/* words, into a struct schema_list */
	SCHEMA_TYPE_COUNT
};

/* A SCHEMA_LIST value: the words, split at spaces, tabs and commas. */
struct schema_list {
	char **v;
	size_t n;
};

/* One key of one [section]: parsing, bounds, default and printing. */
struct schema_key {
	const char *section;
	const char *name;
	enum schema_type type;
	size_t off;		/* in struct conf */
	unsigned long min, max; /* numbers only */
	const char *dflt;	/* as written in gua.ini; NULL: not set */
	/* Optional further check of a value; 0, or -1 and why. */
	int (*check)(const char *value, char *why, size_t len);
};

extern const char *const schema_type_names[SCHEMA_TYPE_COUNT];

const struct schema_key *schema_keys(size_t *n);
const struct schema_key *schema_find(const char *section, const char *name);
int schema_section(const char *section);
int schema_set(struct conf *, const struct schema_key *, const char *value,
    char *err, size_t errlen);
int schema_defaults(struct conf *, char *err, size_t errlen);
int schema_resolve(struct conf *, const char *dir);
int schema_format(const struct conf *, const struct schema_key *, char *buf,
    size_t len);
void schema_free(struct conf *);

#endif
