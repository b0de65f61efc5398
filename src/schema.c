/*
 * schema.c: every gua.ini key: its type, bounds, default and home.
 *
 * One row per key drives everything a key needs: parsing and range
 * checks (schema_set), defaults (schema_defaults, through the same
 * parser, so that a default out of bounds is caught like a bad line),
 * relative paths (schema_resolve), printing for guad -T (schema_format),
 * freeing, and the documentation checks in the unit tests. A new key is
 * one row here and a field in struct conf.
 */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "authority.h"
#include "allow.h"
#include "conf.h"
#include "https.h"
#include "schema.h"
#include "store.h"
#include "tls.h"

#define K(s, n, t, f, lo, hi, d) KC(s, n, t, f, lo, hi, d, NULL)
#define KC(s, n, t, f, lo, hi, d, chk) \
	{ \
		s, n, t, offsetof(struct conf, f), lo, hi, d, chk \
	}
static const struct schema_key keys[] = {
	K("server", "host", SCHEMA_STR, host, 0, 0, "0.0.0.0"),
	K("server", "port", SCHEMA_UINT, port, 0, 65535, "3000"),
	K("server", "ipv6only", SCHEMA_BOOL, ipv6only, 0, 1, "off"),
	K("server", "workers", SCHEMA_AUTO, workers, 1, 1024, "auto"),
	K("server", "root", SCHEMA_PATH, root, 0, 0, GUAD_WWWDIR),
	K("server", "error_log", SCHEMA_LOG, error_log, 0, 0, "stderr"),
	K("server", "access_log", SCHEMA_LOG, access_log, 0, 0, "stdout"),
	KC("server", "access_log_format", SCHEMA_STR, access_log_format, 0, 0,
	    "combined", access_format_check),
	K("server", "pid_file", SCHEMA_PATH, pid_file, 0, 0, NULL),
	K("server", "dotfiles", SCHEMA_BOOL, dotfiles, 0, 1, "off"),
	K("server", "sendfile", SCHEMA_BOOL, sendfile, 0, 1, "on"),
	K("server", "file_cache", SCHEMA_SIZE, file_cache, 0, 1048576, "1024"),
	K("server", "user", SCHEMA_STR, user, 0, 0, NULL),
	K("server", "group", SCHEMA_STR, group, 0, 0, NULL),
	K("server", "allow_root", SCHEMA_BOOL, allow_root, 0, 1, "off"),
	K("server", "sandbox", SCHEMA_BOOL, sandbox, 0, 1, "on"),
	KC("server", "server_name", SCHEMA_LIST, server_name, 0, 0, NULL,
	    authority_names_check),
	K("server", "proxy_protocol", SCHEMA_BOOL, proxy_protocol, 0, 1, "off"),
	KC("server", "trusted_proxies", SCHEMA_LIST, trusted_proxies, 0, 0,
	    NULL, allow_check),
	K("limits", "connections", SCHEMA_SIZE, connections, 1, 1000000,
	    "1024"),
	K("limits", "request_line", SCHEMA_SIZE, limits.request_line, 64,
	    1048576, "8192"),
	K("limits", "header_size", SCHEMA_SIZE, limits.header_size, 256,
	    1048576, "16384"),
	K("limits", "header_fields", SCHEMA_SIZE, limits.header_fields, 1,
	    10000, "100"),
	K("limits", "body_size", SCHEMA_SIZE, limits.body_size, 0, 1073741824,
	    "1048576"),
	K("limits", "max_requests", SCHEMA_SIZE, max_requests, 0, 1000000000,
	    "0"),
	K("timeouts", "header", SCHEMA_SECONDS, header_timeout, 1, 86400, "10"),
	K("timeouts", "body", SCHEMA_SECONDS, body_timeout, 1, 86400, "30"),
	K("timeouts", "keepalive", SCHEMA_SECONDS, keepalive_timeout, 1, 86400,
	    "60"),
	K("timeouts", "send", SCHEMA_SECONDS, send_timeout, 1, 86400, "30"),
	K("timeouts", "shutdown", SCHEMA_SECONDS, shutdown_timeout, 1, 86400,
	    "30"),
	K("timeouts", "worker", SCHEMA_SECONDS, worker_timeout, 0, 86400, "60"),
	KC("msg", "db", SCHEMA_DB, msg_db, 0, 0, GUAD_DBPATH, store_check),
	K("msg", "max_length", SCHEMA_SIZE, msg_max_length, 1, 65536, "1000"),
	K("msg", "page_size", SCHEMA_SIZE, msg_page_size, 1, 10000, "100"),
	K("msg", "busy_timeout", SCHEMA_MSEC, msg_busy_timeout, 0, 3600000,
	    "5000"),
	K("tls", "port", SCHEMA_UINT, tls_port, 0, 65535, "0"),
	K("tls", "certificate", SCHEMA_PATH, tls_certificate, 0, 0, NULL),
	K("tls", "key", SCHEMA_PATH, tls_key, 0, 0, NULL),
	KC("tls", "protocols", SCHEMA_STR, tls_protocols, 0, 0,
	    "TLSv1.2 TLSv1.3", tls_protocols_check),
	K("tls", "sni", SCHEMA_LIST, tls_sni, 0, 0, NULL),
	K("tls", "redirect", SCHEMA_BOOL, tls_redirect, 0, 1, "off"),
	KC("tls", "hsts", SCHEMA_STR, tls_hsts, 0, 0, "off", https_hsts_check),
	K("tls", "ktls", SCHEMA_BOOL, tls_ktls, 0, 1, "off"),
	K("tls", "proxy_protocol", SCHEMA_BOOL, tls_proxy_protocol, 0, 1,
	    "off"),
	KC("status", "allow", SCHEMA_LIST, status_allow, 0, 0, "127.0.0.1 ::1",
	    allow_check),
};
#undef K
#undef KC
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

const char *const schema_type_names[SCHEMA_TYPE_COUNT] = {
	[SCHEMA_BOOL] = "bool",
	[SCHEMA_UINT] = "number",
	[SCHEMA_AUTO] = "number or auto",
	[SCHEMA_SECONDS] = "seconds",
	[SCHEMA_MSEC] = "milliseconds",
	[SCHEMA_SIZE] = "size",
	[SCHEMA_STR] = "string",
	[SCHEMA_PATH] = "path",
	[SCHEMA_LOG] = "log",
	[SCHEMA_DB] = "database",
	[SCHEMA_LIST] = "list",
};

/* Returns the table of every key, in the order guad -T prints them. */
const struct schema_key *
schema_keys(size_t *n)
{
	*n = NKEYS;
	return keys;
}

/* Returns the row of [section] name, or NULL if there is none. */
const struct schema_key *
schema_find(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* Does some key live in [section]? */
int
schema_section(const char *section)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0)
			return 1;
	return 0;
}

static void *
field(struct conf *c, const struct schema_key *k)
{
	return (char *)c + k->off;
}

static const void *
cfield(const struct conf *c, const struct schema_key *k)
{
	return (const char *)c + k->off;
}

static int
parse_number(const char *v, unsigned long min, unsigned long max,
    unsigned long *out)
{
	unsigned long n = 0;

	if (*v == '\0')
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		if (n > (ULONG_MAX - 9) / 10)
			return -1;
		n = n * 10 + (unsigned long)(*v - '0');
	}
	if (n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

static void
list_free(struct schema_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Splits value into words; returns 0, or -1 (out of memory). */
static int
list_set(struct schema_list *l, const char *value)
{
	struct schema_list nl = { NULL, 0 };
	const char *p = value;
	char **v;
	size_t len;

	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		len = strcspn(p, " \t,");
		if ((v = realloc(nl.v, (nl.n + 1) * sizeof(*v))) == NULL)
			goto oom;
		nl.v = v;
		if ((nl.v[nl.n] = strndup(p, len)) == NULL)
			goto oom;
		nl.n++;
		p += len;
	}
	list_free(l);
	*l = nl;
	return 0;
oom:
	list_free(&nl);
	return -1;
}

/*
 * Sets the key's field of c from value, as written in gua.ini. Returns 0,
 * or -1 with a message in err ("[section] key: ...", without the file and
 * line).
 */
int
schema_set(struct conf *c, const struct schema_key *k, const char *value,
    char *err, size_t errlen)
{
	void *f = field(c, k);
	char **sp = f, why[256];
	unsigned long n;

	if (k->check != NULL && k->check(value, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "[%s] %s: %s", k->section, k->name, why);
		return -1;
	}
	switch (k->type) {
	case SCHEMA_BOOL:
		if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
			snprintf(err, errlen,
			    "[%s] %s: must be \"on\" or \"off\", not \"%s\"",
			    k->section, k->name, value);
			return -1;
		}
		*(int *)f = strcmp(value, "on") == 0;
		return 0;
	case SCHEMA_AUTO:
		if (strcmp(value, "auto") == 0) {
			*(unsigned *)f = 0;
			return 0;
		}
		/* FALLTHROUGH */
	case SCHEMA_UINT:
	case SCHEMA_SECONDS:
	case SCHEMA_MSEC:
	case SCHEMA_SIZE:
		if (parse_number(value, k->min, k->max, &n) == -1) {
			snprintf(err, errlen,
			    "[%s] %s: must be %sa number from %lu to %lu, not \"%s\"",
			    k->section, k->name,
			    k->type == SCHEMA_AUTO ? "\"auto\" or " : "",
			    k->min, k->max, value);
			return -1;
		}
		if (k->type == SCHEMA_SIZE)
			*(size_t *)f = n;
		else
			*(unsigned *)f = (unsigned)n;
		return 0;
	case SCHEMA_STR:
	case SCHEMA_PATH:
	case SCHEMA_LOG:
	case SCHEMA_DB:
	case SCHEMA_LIST:
		if (*value == '\0' ||
		    (k->type == SCHEMA_LIST &&
			value[strspn(value, " \t,")] == '\0')) {
			snprintf(err, errlen, "[%s] %s: empty value",
			    k->section, k->name);
			return -1;
		}
		if (k->type == SCHEMA_LIST) {
			if (list_set(f, value) == -1)
				break;
			return 0;
		}
		free(*sp);
		if ((*sp = strdup(value)) == NULL)
			break;
		return 0;
	case SCHEMA_TYPE_COUNT:
		snprintf(err, errlen, "[%s] %s: no such type", k->section,
		    k->name);
		return -1;
	}
	snprintf(err, errlen, "out of memory");
	return -1;
}

/*
 * Sets every key that has a default to it, through schema_set: a default
 * is a value like any other. Returns 0, or -1 with err set.
 */
int
schema_defaults(struct conf *c, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].dflt != NULL &&
		    schema_set(c, &keys[i], keys[i].dflt, err, errlen) == -1)
			return -1;
	return 0;
}

/*
 * Turns the relative paths of c into absolute ones, against dir (the
 * configuration's folder). For a log, stderr, stdout and off are not
 * paths. Returns 0, or -1 (out of memory).
 */
int
schema_resolve(struct conf *c, const char *dir)
{
	char **sp, *s;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (keys[i].type != SCHEMA_PATH && keys[i].type != SCHEMA_LOG &&
		    keys[i].type != SCHEMA_DB)
			continue;
		sp = field(c, &keys[i]);
		if (*sp == NULL || **sp == '/')
			continue;
		if (keys[i].type == SCHEMA_DB && !store_is_path(*sp))
			continue;
		if (keys[i].type == SCHEMA_LOG &&
		    (strcmp(*sp, "stderr") == 0 || strcmp(*sp, "stdout") == 0 ||
			strcmp(*sp, "off") == 0))
			continue;
		if (asprintf(&s, "%s/%s", dir, *sp) == -1)
			return -1;
		free(*sp);
		*sp = s;
	}
	return 0;
}

/*
 * Writes the key's value as gua.ini would say it. Returns 0, 1 if the key
 * is not set (no value, no default), or -1 if buf is too small.
 */
int
schema_format(const struct conf *c, const struct schema_key *k, char *buf,
    size_t len)
{
	const void *f = cfield(c, k);
	const struct schema_list *l = f;
	const char *s;
	size_t i, used = 0;
	int n = 0;

	switch (k->type) {
	case SCHEMA_BOOL:
		n = snprintf(buf, len, "%s", *(const int *)f ? "on" : "off");
		break;
	case SCHEMA_AUTO:
		if (*(const unsigned *)f == 0) {
			n = snprintf(buf, len, "auto");
			break;
		}
		/* FALLTHROUGH */
	case SCHEMA_UINT:
	case SCHEMA_SECONDS:
	case SCHEMA_MSEC:
		n = snprintf(buf, len, "%u", *(const unsigned *)f);
		break;
	case SCHEMA_SIZE:
		n = snprintf(buf, len, "%zu", *(const size_t *)f);
		break;
	case SCHEMA_STR:
	case SCHEMA_PATH:
	case SCHEMA_LOG:
	case SCHEMA_DB:
		if ((s = *(char *const *)f) == NULL)
			return 1;
		n = snprintf(buf, len, "%s", s);
		break;
	case SCHEMA_LIST:
		if (l->n == 0)
			return 1;
		for (i = 0; i < l->n; i++) {
			n = snprintf(buf + used, len - used, "%s%s",
			    i > 0 ? " " : "", l->v[i]);
			if (n < 0 || (size_t)n >= len - used)
				return -1;
			used += (size_t)n;
		}
		return 0;
	case SCHEMA_TYPE_COUNT:
		return -1;
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Frees every string and list field of c. */
void
schema_free(struct conf *c)
{
	char **sp;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		sp = field(c, &keys[i]);
		if (keys[i].type == SCHEMA_LIST)
			list_free(field(c, &keys[i]));
		else if (keys[i].type == SCHEMA_STR ||
		    keys[i].type == SCHEMA_PATH || keys[i].type == SCHEMA_LOG ||
		    keys[i].type == SCHEMA_DB) {
			free(*sp);
			*sp = NULL;
		}
	}
}
