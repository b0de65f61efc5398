/* mime.c: Content-Type from gua.ini, a built-in extension table and libmagic. */
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
 * Content sniffing sees CSS, JavaScript, JSON, SVG, source maps and web
 * manifests as plain text, and browsers under nosniff refuse a stylesheet
 * or script sent as text/plain: for these the extension decides. Sorted
 * by extension for bsearch.
 */
struct ext_type {
	const char *ext;
	const char *type;
};

static const struct ext_type ext_types[] = {
	{ "css", "text/css; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "html", "text/html; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "map", "application/json" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "svg", "image/svg+xml" },
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

/* Loads the magic database; returns 0, or -1 (logged). */
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
	m->magic =
	    magic_open(MAGIC_MIME_TYPE | MAGIC_MIME_ENCODING | MAGIC_ERROR);
	/* Sniff the head of a file, not megabytes of it. */
	if (m->magic != NULL)
		(void)magic_setparam(m->magic, MAGIC_PARAM_BYTES_MAX,
		    &sniff_max);
	if (m->magic == NULL || magic_load(m->magic, NULL) == -1) {
		log_warnx("libmagic: %s",
		    m->magic ? magic_error(m->magic) : strerror(errno));
		mime_free(m);
		return -1;
	}
	return 0;
}

void
mime_free(struct mime *m)
{
	if (m->magic != NULL)
		magic_close(m->magic);
	free(m->cache);
	memset(m, 0, sizeof(*m));
}

/* The type gua.ini's [mime] or the built-in table gives name, or NULL. */
const char *
mime_by_ext(const struct conf *c, const char *name)
{
	const char *dot, *slash;
	const void *hit;
	size_t i;

	dot = strrchr(name, '.');
	slash = strrchr(name, '/');
	if (dot == NULL || (slash != NULL && dot < slash) || dot[1] == '\0')
		return NULL;
	dot++;
	for (i = 0; c != NULL && i < c->nmime; i++)
		if (strcasecmp(c->mime[i].ext, dot) == 0)
			return c->mime[i].type;
	hit = bsearch(dot, ext_types, sizeof(ext_types) / sizeof(ext_types[0]),
	    sizeof(ext_types[0]), cmp_ext);
	return hit == NULL ? NULL : ((const struct ext_type *)hit)->type;
}

/*
 * Turns libmagic's "type; charset=x" into a Content-Type: text is
 * declared UTF-8 when it is ASCII, binary charsets are dropped, and an
 * empty file is application/octet-stream.
 */
void
mime_refine(const char *magic, char out[MIME_TYPE_MAX])
{
	const char *cs;
	size_t tlen;
	int n;

	cs = strstr(magic, "; charset=");
	tlen = cs ? (size_t)(cs - magic) : strlen(magic);
	if (tlen == 0 || tlen >= MIME_TYPE_MAX / 2 ||
	    (tlen == 19 && memcmp(magic, "application/x-empty", 19) == 0) ||
	    (tlen == 13 && memcmp(magic, "inode/x-empty", 13) == 0)) {
		snprintf(out, MIME_TYPE_MAX, "application/octet-stream");
		return;
	}
	if (cs == NULL || strncmp(magic, "text/", 5) != 0 ||
	    strcmp(cs + 10, "binary") == 0 ||
	    strcmp(cs + 10, "unknown-8bit") == 0) {
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
 * Returns the Content-Type of an open file. The extension decides where
 * sniffing cannot; otherwise libmagic does, once per file version: the
 * result is cached by (device, inode, size, modification time). The
 * string lives until the next call.
 */
const char *
mime_type(struct mime *m, const struct conf *c, int fd, const struct stat *st,
    const char *name)
{
	struct mime_entry *e;
	const char *t;

	if ((t = mime_by_ext(c, name)) != NULL)
		return t;
	if (m->magic == NULL)
		return "application/octet-stream";
	e = &m->cache[mime_cache_slot(st)];
	if (e->type[0] != '\0' && e->dev == st->st_dev &&
	    e->ino == st->st_ino && e->size == st->st_size &&
	    e->mtime.tv_sec == st->st_mtim.tv_sec &&
	    e->mtime.tv_nsec == st->st_mtim.tv_nsec)
		return e->type;
	m->sniffs++;
	t = magic_descriptor(m->magic, fd);
	if (t == NULL) {
		log_warnx("libmagic: %s: %s", name, magic_error(m->magic));
		return "application/octet-stream";
	}
	mime_refine(t, e->type);
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
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
