/* mime.c: Content-Type by extension first, then libmagic, never active. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "log.h"
#include "mime.h"

/*
 * The last word on extensions, for a system without /etc/mime.types:
 * content sniffing sees CSS, JavaScript, JSON, SVG, source maps and web
 * manifests as plain text, and browsers under nosniff refuse a
 * stylesheet or script sent as text/plain. Sorted by extension for
 * bsearch. A text type names no charset: libmagic gives it.
 */
struct ext_type {
	const char *ext;
	const char *type;
};

static const struct ext_type ext_types[] = {
	{ "css", "text/css" },
	{ "htm", "text/html" },
	{ "html", "text/html" },
	{ "js", "text/javascript" },
	{ "json", "application/json" },
	{ "map", "application/json" },
	{ "mjs", "text/javascript" },
	{ "svg", "image/svg+xml" },
	{ "txt", "text/plain" },
	{ "wasm", "application/wasm" },
	{ "webmanifest", "application/manifest+json" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
};

static int
cmp_ext(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct ext_type *)elem)->ext);
}

static int
cmp_sys(const void *a, const void *b)
{
	return strcmp(((const struct mime_ext *)a)->ext,
	    ((const struct mime_ext *)b)->ext);
}

static void
free_types(struct mime *m)
{
	size_t i;

	for (i = 0; i < m->nsys; i++) {
		free(m->sys[i].ext);
		free(m->sys[i].type);
	}
	free(m->sys);
	m->sys = NULL;
	m->nsys = 0;
}

/*
 * Reads a mime.types file ("type ext ext ...", '#' comments) into m's
 * system table, sorted by extension (lower case); the first line that
 * names an extension wins. Returns the number of extensions, or -1 with
 * errno (the table stays as it was).
 */
int
mime_load_types(struct mime *m, const char *path)
{
	char line[1024], *type, *ext, *save, *p;
	struct mime_ext *t, *grown;
	size_t n = 0, cap = 0, i, j;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		return -1;
	t = NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		if ((type = strtok_r(line, " \t\r\n", &save)) == NULL ||
		    strchr(type, '/') == NULL ||
		    strlen(type) >= MIME_TYPE_MAX / 2)
			continue;
		while ((ext = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				grown = reallocarray(t, cap, sizeof(*t));
				if (grown == NULL)
					goto fail;
				t = grown;
			}
			for (p = ext; *p != '\0'; p++)
				*p = (char)tolower((unsigned char)*p);
			t[n].ext = strdup(ext);
			t[n].type = strdup(type);
			if (t[n].ext == NULL || t[n].type == NULL) {
				free(t[n].ext);
				free(t[n].type);
				goto fail;
			}
			n++;
		}
	}
	fclose(f);
	/* a stable choice for duplicates: the first line wins */
	for (i = 0; i < n; i++)
		t[i].line = i;
	if (n > 0)
		qsort(t, n, sizeof(*t), cmp_sys);
	for (i = j = 0; i < n; i++) {
		if (j > 0 && strcmp(t[j - 1].ext, t[i].ext) == 0) {
			if (t[i].line < t[j - 1].line) {
				free(t[j - 1].ext);
				free(t[j - 1].type);
				t[j - 1] = t[i];
			} else {
				free(t[i].ext);
				free(t[i].type);
			}
			continue;
		}
		t[j++] = t[i];
	}
	free_types(m);
	m->sys = t;
	m->nsys = j;
	return (int)j;
fail:
	for (i = 0; i < n; i++) {
		free(t[i].ext);
		free(t[i].type);
	}
	free(t);
	fclose(f);
	errno = ENOMEM;
	return -1;
}

/*
 * Loads the system's extension table (MIME_TYPES_PATH; without it, the
 * built-in table stands alone) and the magic database. Returns 0, or -1
 * (logged) if libmagic cannot be used: the extension tables still work.
 */
int
mime_init(struct mime *m)
{
	static const size_t sniff_max = 65536;

	memset(m, 0, sizeof(*m));
	m->cache = calloc(MIME_CACHE_SLOTS, sizeof(*m->cache));
	if (m->cache == NULL) {
		log_warn("mime cache");
		return -1;
	}
	if (mime_load_types(m, MIME_TYPES_PATH) == -1)
		log_warn("%s: only the built-in extension table is used",
		    MIME_TYPES_PATH);
	m->magic =
	    magic_open(MAGIC_MIME_TYPE | MAGIC_MIME_ENCODING | MAGIC_ERROR);
	/* Sniff the head of a file, not megabytes of it. */
	if (m->magic != NULL)
		(void)magic_setparam(m->magic, MAGIC_PARAM_BYTES_MAX,
		    &sniff_max);
	if (m->magic == NULL || magic_load(m->magic, NULL) == -1) {
		log_warnx("libmagic: %s",
		    m->magic ? magic_error(m->magic) : strerror(errno));
		if (m->magic != NULL)
			magic_close(m->magic);
		m->magic = NULL;
		return -1;
	}
	return 0;
}

void
mime_free(struct mime *m)
{
	if (m->magic != NULL)
		magic_close(m->magic);
	free_types(m);
	free(m->cache);
	memset(m, 0, sizeof(*m));
}

/*
 * The type a file name's extension gives: gua.ini's [mime] first, then
 * the system table of m (if m is not NULL), then the built-in table; or
 * NULL. A type from gua.ini is sent as it is; the others name no charset.
 */
const char *
mime_by_ext(const struct mime *m, const struct conf *c, const char *name)
{
	const char *dot, *slash;
	const void *hit;
	size_t i, lo, hi, mid;
	int cmp;

	dot = strrchr(name, '.');
	slash = strrchr(name, '/');
	if (dot == NULL || (slash != NULL && dot < slash) || dot[1] == '\0')
		return NULL;
	dot++;
	for (i = 0; c != NULL && i < c->nmime; i++)
		if (strcasecmp(c->mime[i].ext, dot) == 0)
			return c->mime[i].type;
	for (lo = 0, hi = m != NULL ? m->nsys : 0; lo < hi;) {
		mid = lo + (hi - lo) / 2;
		cmp = strcasecmp(dot, m->sys[mid].ext);
		if (cmp == 0)
			return m->sys[mid].type;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	hit = bsearch(dot, ext_types, sizeof(ext_types) / sizeof(ext_types[0]),
	    sizeof(ext_types[0]), cmp_ext);
	return hit == NULL ? NULL : ((const struct ext_type *)hit)->type;
}

/*
 * Is a type one a browser runs or renders with the server's origin:
 * HTML, XHTML, SVG, any XML (an XHTML namespace runs scripts inside
 * it), any script? Such a type is never taken from libmagic.
 */
int
mime_active(const char *type)
{
	static const char *const words[] = { "html", "xml", "script" };
	char t[MIME_TYPE_MAX];
	size_t i, n;

	n = strcspn(type, ";");
	if (n >= sizeof(t))
		return 1;
	for (i = 0; i < n; i++)
		t[i] = (char)tolower((unsigned char)type[i]);
	t[n] = '\0';
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(t, words[i]) != NULL)
			return 1;
	return 0;
}

/*
 * Turns libmagic's "type; charset=x" into a Content-Type: text is
 * declared UTF-8 when it is ASCII, binary charsets are dropped, and an
 * empty file is application/octet-stream. An active type (mime_active)
 * becomes text/plain, with its charset, or application/octet-stream
 * if it is not text.
 */
void
mime_refine(const char *magic, char out[MIME_TYPE_MAX])
{
	const char *cs;
	size_t tlen;
	int n, binary;

	cs = strstr(magic, "; charset=");
	tlen = cs ? (size_t)(cs - magic) : strlen(magic);
	binary = cs == NULL || strcmp(cs + 10, "binary") == 0 ||
	    strcmp(cs + 10, "unknown-8bit") == 0;
	if (tlen == 0 || tlen >= MIME_TYPE_MAX / 2 ||
	    (tlen == 19 && memcmp(magic, "application/x-empty", 19) == 0) ||
	    (tlen == 13 && memcmp(magic, "inode/x-empty", 13) == 0) ||
	    (binary && mime_active(magic))) {
		snprintf(out, MIME_TYPE_MAX, "application/octet-stream");
		return;
	}
	if (mime_active(magic)) {
		magic = "text/plain";
		tlen = 10;
	}
	if (binary || strncmp(magic, "text/", 5) != 0) {
		snprintf(out, MIME_TYPE_MAX, "%.*s", (int)tlen, magic);
		return;
	}
	cs += 10;
	if (strcmp(cs, "us-ascii") == 0)
		cs = "utf-8";
	n = snprintf(out, MIME_TYPE_MAX, "%.*s; charset=%s", (int)tlen, magic,
	    cs);
	if (n < 0 || n >= MIME_TYPE_MAX)
		snprintf(out, MIME_TYPE_MAX, "%.*s", (int)tlen, magic);
}

/*
 * The Content-Type for type, a text type from an extension table, with
 * the charset of libmagic's verdict magic: UTF-8 for ASCII, none for
 * binary content.
 */
static void
with_charset(const char *type, const char *magic, char out[MIME_TYPE_MAX])
{
	const char *cs;
	int n;

	cs = magic != NULL ? strstr(magic, "; charset=") : NULL;
	if (cs == NULL || strcmp(cs + 10, "binary") == 0 ||
	    strcmp(cs + 10, "unknown-8bit") == 0) {
		snprintf(out, MIME_TYPE_MAX, "%s", type);
		return;
	}
	cs += 10;
	if (strcmp(cs, "us-ascii") == 0)
		cs = "utf-8";
	n = snprintf(out, MIME_TYPE_MAX, "%s; charset=%s", type, cs);
	if (n < 0 || n >= MIME_TYPE_MAX)
		snprintf(out, MIME_TYPE_MAX, "%s", type);
}

/* The cache slot of a file: its identity and version pick it. */
size_t
mime_cache_slot(const struct stat *st)
{
	uint64_t h;

	h = (uint64_t)st->st_ino * 0x9e3779b97f4a7c15ULL;
	h ^= (uint64_t)st->st_dev + ((uint64_t)st->st_size << 7) +
	    (uint64_t)st->st_mtim.tv_sec + (uint64_t)st->st_mtim.tv_nsec;
	h *= 0xff51afd7ed558ccdULL;
	return (size_t)(h >> 32) % MIME_CACHE_SLOTS;
}

/*
 * Returns the Content-Type of an open file. The extension decides
 * (mime_by_ext); libmagic only names the charset of a text type that
 * came without one, or, when the extension says nothing, the type
 * itself, never an active one (see mime_refine). libmagic runs once per
 * file version and type from the name: the result is cached by (device,
 * inode, size, modification time, that type). The string lives until
 * the next call.
 */
const char *
mime_type(struct mime *m, const struct conf *c, int fd, const struct stat *st,
    const char *name)
{
	static char fixed[MIME_TYPE_MAX];
	struct mime_entry *e;
	const char *t, *magic;

	t = mime_by_ext(m, c, name);
	if (t != NULL &&
	    (strncasecmp(t, "text/", 5) != 0 || strchr(t, ';') != NULL))
		return t;
	if (m->magic == NULL || m->cache == NULL) {
		if (t == NULL)
			return "application/octet-stream";
		/* no way to know: ASCII is the likeliest text */
		snprintf(fixed, sizeof(fixed), "%s; charset=utf-8", t);
		return fixed;
	}
	e = &m->cache[mime_cache_slot(st)];
	if (e->type[0] != '\0' && e->dev == st->st_dev &&
	    e->ino == st->st_ino && e->size == st->st_size &&
	    e->mtime.tv_sec == st->st_mtim.tv_sec &&
	    e->mtime.tv_nsec == st->st_mtim.tv_nsec && e->by_ext == t)
		return e->type;
	m->sniffs++;
	magic = magic_descriptor(m->magic, fd);
	if (magic == NULL)
		log_warnx("libmagic: %s: %s", name, magic_error(m->magic));
	if (t != NULL)
		with_charset(t, magic, e->type);
	else if (magic != NULL)
		mime_refine(magic, e->type);
	else
		return "application/octet-stream";
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
	e->by_ext = t;
	return e->type;
}

/* A MIME type: type "/" subtype, tokens, optional parameters. */
static int
mime_type_ok(const char *t)
{
	const char *slash = strchr(t, '/');
	size_t i;

	if (slash == NULL || slash == t || slash[1] == '\0')
		return 0;
	for (i = 0; t[i] != '\0'; i++)
		if ((unsigned char)t[i] < 0x20 || (unsigned char)t[i] >= 0x7f)
			return 0;
	return 1;
}

/* Does a media type carry a charset parameter? */
static int
has_charset(const char *t)
{
	const char *p;

	for (p = strchr(t, ';'); p != NULL; p = strchr(p, ';')) {
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		if (strncasecmp(p, "charset", 7) != 0)
			continue;
		for (p += 7; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '=')
			return 1;
	}
	return 0;
}

/*
 * The type an [mime] entry sends: a text type without a charset is
 * declared UTF-8, like the built-in ones, or a browser guesses. Returns
 * an allocated string, or NULL.
 */
static char *
mime_with_charset(const char *type)
{
	static const char utf8[] = "; charset=utf-8";
	size_t len = strlen(type);
	char *t;

	if (strncasecmp(type, "text/", 5) != 0 || has_charset(type))
		return strdup(type);
	if ((t = malloc(len + sizeof(utf8))) == NULL)
		return NULL;
	memcpy(t, type, len);
	memcpy(t + len, utf8, sizeof(utf8));
	return t;
}

/*
 * Adds one [mime] line, "extension = type", to the configuration.
 * Returns 0, or -1 with a message in err ("[mime] ...", without the file
 * and line).
 */
int
mime_conf_add(struct conf *c, const char *ext, const char *type, char *err,
    size_t errlen)
{
	struct conf_mime *m;
	size_t i;

	if (*ext == '.')
		ext++;
	if (*ext == '\0' || strchr(ext, '/') != NULL || !mime_type_ok(type)) {
		snprintf(err, errlen,
		    "[mime] %s: expected EXTENSION = TYPE/SUBTYPE", ext);
		return -1;
	}
	for (i = 0; i < c->nmime; i++)
		if (strcasecmp(c->mime[i].ext, ext) == 0) {
			snprintf(err, errlen, "[mime] %s: set twice", ext);
			return -1;
		}
	m = realloc(c->mime, (c->nmime + 1) * sizeof(*m));
	if (m == NULL)
		goto oom;
	c->mime = m;
	m = &c->mime[c->nmime];
	m->ext = strdup(ext);
	m->type = mime_with_charset(type);
	if (m->ext == NULL || m->type == NULL) {
		free(m->ext);
		free(m->type);
		goto oom;
	}
	for (i = 0; m->ext[i] != '\0'; i++)
		m->ext[i] = (char)tolower((unsigned char)m->ext[i]);
	c->nmime++;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Frees the [mime] entries of a configuration. */
void
mime_conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nmime; i++) {
		free(c->mime[i].ext);
		free(c->mime[i].type);
	}
	free(c->mime);
	c->mime = NULL;
	c->nmime = 0;
}
