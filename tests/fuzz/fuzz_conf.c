/*
 * fuzz_conf.c: gua.ini text, as conf_parse reads it. check_files is 0, so
 * nothing is opened; every path resolves below "/nonexistent". What it
 * accepts, conf_dump (guad -T) prints as a gua.ini that parses to a
 * configuration printed the same, or refuses to print.
 */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include "conf.h"
#include "fuzz.h"
#include "handler.h"
#include "router.h"
#include "store.h"
#include "uri.h"

static const char name[] = "fuzz.ini";

static int
log_path_ok(const char *p)
{
	return p == NULL || p[0] == '/' || strcmp(p, "stderr") == 0 ||
	    strcmp(p, "stdout") == 0 || strcmp(p, "off") == 0;
}

/* What the worker relies on in a configuration conf_parse accepted. */
static void
conf_check(const struct conf *c)
{
	const struct route *r, *m;
	char *norm;
	size_t i, n;

	FUZZ_CHECK(c->host != NULL && c->root != NULL && c->msg_db != NULL);
	/* relative paths resolve against the folder of gua.ini; only the
	 * logs take the names stderr, stdout and off (log.c) */
	FUZZ_CHECK(c->root[0] == '/');
	/* a file store's path is absolute; a URI (postgresql://) is not one */
	FUZZ_CHECK(!store_is_path(c->msg_db) || c->msg_db[0] == '/');
	FUZZ_CHECK(c->pid_file == NULL || c->pid_file[0] == '/');
	FUZZ_CHECK(log_path_ok(c->error_log) && log_path_ok(c->access_log));
	FUZZ_CHECK(c->port <= 65535);
	FUZZ_CHECK(c->limits.request_line > 0 && c->limits.header_size > 0 &&
	    c->limits.header_fields > 0);
	FUZZ_CHECK(c->root_fd == -1);
	for (i = 0; i < c->nmime; i++) {
		FUZZ_CHECK(c->mime[i].ext[0] != '\0');
		FUZZ_CHECK(strchr(c->mime[i].ext, '/') == NULL);
		FUZZ_CHECK(strchr(c->mime[i].type, '/') != NULL);
	}
	for (i = 0; i < c->nroutes; i++) {
		r = &c->routes[i];
		FUZZ_CHECK(r->path != NULL && r->arg != NULL);
		FUZZ_CHECK(r->len == strlen(r->path) && r->path[0] == '/');
		FUZZ_CHECK(r->handler != NULL && r->fd == -1);
		FUZZ_CHECK(handlers[r->kind] == r->handler);
		if (r->handler->prefix) {
			FUZZ_CHECK(r->path[r->len - 1] == '/');
			/* every dir route is in the prefix table */
			FUZZ_CHECK(
			    router_find_dir(&c->router, r->path, r->len) == r);
		}
		/* a route's path is one a request can normalise to */
		if ((norm = malloc(r->len + 1)) == NULL)
			abort();
		FUZZ_CHECK(uri_path_decode(r->path, r->len, norm, &n) == 0);
		FUZZ_CHECK(n == r->len && memcmp(norm, r->path, n) == 0);
		free(norm);
		/* and a request for it reaches a route of that path */
		m = router_match(&c->router, r->path, r->len);
		FUZZ_CHECK(m != NULL && m->len == r->len &&
		    memcmp(m->path, r->path, r->len) == 0);
	}
}

/* Prints c with conf_dump; returns the text (or NULL if refused). */
static char *
dump(const struct conf *c, size_t *len)
{
	char err[CONF_ERR_MAX], *out = NULL;
	FILE *f;
	int rc;

	if ((f = open_memstream(&out, len)) == NULL)
		abort();
	err[0] = '\0';
	rc = conf_dump(c, f, err);
	if (fclose(f) != 0)
		abort();
	/* refused only with a reason, naming the key */
	FUZZ_CHECK(rc == 0 || (rc == -1 && err[0] == '['));
	if (rc == -1) {
		free(out);
		return NULL;
	}
	return out;
}

/* guad -T's output reads back to a configuration printed the same. */
static void
round_trip(const struct conf *c)
{
	char err[CONF_ERR_MAX], *first, *again;
	size_t len, len2;
	struct conf *d;

	if ((first = dump(c, &len)) == NULL)
		return;
	d = conf_parse(first, len, name, "/elsewhere", 0, err);
	FUZZ_CHECK(d != NULL);
	again = dump(d, &len2);
	FUZZ_CHECK(
	    again != NULL && len2 == len && memcmp(first, again, len) == 0);
	FUZZ_CHECK(d->nroutes == c->nroutes && d->nmime == c->nmime);
	free(again);
	free(first);
	conf_free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_dup(data, size);
	char err[CONF_ERR_MAX];
	struct conf *c;

	memset(err, 'x', sizeof(err));
	c = conf_parse(text, size, name, "/nonexistent", 0, err);
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (c == NULL) {
		/* "fuzz.ini:LINE: what", naming a line */
		FUZZ_CHECK(strncmp(err, name, sizeof(name) - 1) == 0 &&
		    err[sizeof(name) - 1] == ':');
	} else {
		FUZZ_CHECK(err[0] == '\0');
		conf_check(c);
		round_trip(c);
	}
	conf_free(c);
	free(text);
	return 0;
}
