/* conf.c: gua.ini, parsed once in the master and read-only after fork. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <libgen.h>
#include <netdb.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "fsopen.h"
#include "inifmt.h"
#include "mime.h"
#include "page.h"
#include "route.h"
#include "schema.h"
#include "tls.h"
#include "user.h"

struct parse {
	struct conf *conf;
	const char *name; /* the file name for messages */
	const char *text; /* input, for the line reader */
	size_t len, off;
	int lineno; /* lines started so far */
	int at_bol;
	int err_line; /* first error, 0: none, -1: no line */
	char *err;
	int *seen; /* per schema key: the line that set it */
};

static void seterr(struct parse *ps, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(struct parse *ps, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->err_line != 0)
		return;
	/* A default that no line set (the root, say) has no line to name. */
	ps->err_line = line > 0 ? line : -1;
	if (line > 0)
		n = snprintf(ps->err, CONF_ERR_MAX, "%s:%d: ", ps->name, line);
	else
		n = snprintf(ps->err, CONF_ERR_MAX, "%s: ", ps->name);
	if (n < 0 || n >= CONF_ERR_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, CONF_ERR_MAX - (size_t)n, fmt, ap);
	va_end(ap);
}

static int
add_route(struct parse *ps, const char *path, const char *value)
{
	struct conf *c = ps->conf;
	struct route *r;
	char msg[CONF_ERR_MAX];

	r = realloc(c->routes, (c->nroutes + 1) * sizeof(*r));
	if (r == NULL) {
		seterr(ps, ps->lineno, "out of memory");
		return 0;
	}
	c->routes = r;
	r = &c->routes[c->nroutes++]; /* from here conf_free owns it */
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->line = ps->lineno;
	if (route_parse(r, path, value, msg, sizeof(msg)) == -1) {
		seterr(ps, ps->lineno, "%s", msg);
		return 0;
	}
	return 1;
}

static int
add_mime(struct parse *ps, const char *ext, const char *type)
{
	char msg[CONF_ERR_MAX];

	if (mime_conf_add(ps->conf, ext, type, msg, sizeof(msg)) == -1) {
		seterr(ps, ps->lineno, "%s", msg);
		return 0;
	}
	return 1;
}

static int
add_errpage(struct parse *ps, const char *status, const char *file)
{
	char msg[CONF_ERR_MAX];

	if (page_conf_add(ps->conf, status, file, ps->lineno, msg,
		sizeof(msg)) == -1) {
		seterr(ps, ps->lineno, "%s", msg);
		return 0;
	}
	return 1;
}

static void
dump_mime(const struct conf *c, struct inifmt *d)
{
	char ext[CONF_ERR_MAX];
	size_t i;

	/* the reader drops one leading '.': an extension with its own keeps
	 * it through a second one */
	for (i = 0; i < c->nmime; i++) {
		snprintf(ext, sizeof(ext), "%s%s",
		    c->mime[i].ext[0] == '.' ? "." : "", c->mime[i].ext);
		inifmt_line(d, "mime", ext, c->mime[i].type);
	}
}

static void
dump_routes(const struct conf *c, struct inifmt *d)
{
	char value[CONF_ERR_MAX];
	size_t i;

	for (i = 0; i < c->nroutes; i++) {
		if (route_format(&c->routes[i], value, sizeof(value)) == -1)
			value[0] = '\0'; /* refused by inifmt_line */
		inifmt_line(d, "routes", c->routes[i].path, value);
	}
}

static void
dump_errpages(const struct conf *c, struct inifmt *d)
{
	char status[16];
	size_t i;

	for (i = 0; i < c->nerrpages; i++) {
		snprintf(status, sizeof(status), "%d", c->errpages[i].status);
		inifmt_line(d, "errors", status, c->errpages[i].file);
	}
}

/* Sections whose lines are entries of a list, not keys of the schema. */
static const struct {
	const char *name;
	int (*add)(struct parse *, const char *, const char *);
	void (*dump)(const struct conf *, struct inifmt *);
} lists[] = {
	{ "mime", add_mime, dump_mime },
	{ "routes", add_route, dump_routes },
	{ "errors", add_errpage, dump_errpages },
};
#define NLISTS (sizeof(lists) / sizeof(lists[0]))

static int
is_section(const char *name, size_t len)
{
	char s[64];
	size_t i;

	if (len >= sizeof(s))
		return 0;
	memcpy(s, name, len);
	s[len] = '\0';
	for (i = 0; i < NLISTS; i++)
		if (strcmp(lists[i].name, s) == 0)
			return 1;
	return schema_section(s);
}

/*
 * inih tells the handler nothing about a section without keys, so section
 * headers are checked here, as the lines go by.
 */
static int
section_ok(struct parse *ps, const char *line)
{
	const char *p = line, *end;
	size_t len;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '[' || (end = strchr(p, ']')) == NULL)
		return 1;
	p++;
	len = (size_t)(end - p);
	if (is_section(p, len))
		return 1;
	seterr(ps, ps->lineno, "[%.*s]: unknown section", (int)len, p);
	return 0;
}

/*
 * inih's line reader: counts lines so that errors can name them (Debian's
 * libinih passes no line number to the handler) and refuses a line longer
 * than inih's buffer instead of letting it be split in two.
 */
static char *
read_line(char *str, int num, void *arg)
{
	struct parse *ps = arg;
	size_t n = 0;

	if (ps->off >= ps->len || ps->err_line != 0)
		return NULL;
	while (ps->off < ps->len && n + 1 < (size_t)num) {
		str[n] = ps->text[ps->off++];
		if (str[n++] == '\n')
			break;
	}
	str[n] = '\0';
	ps->lineno++;
	if (!section_ok(ps, str))
		return NULL;
	if (str[n - 1] != '\n' && ps->off < ps->len) {
		seterr(ps, ps->lineno, "line longer than %d bytes", num - 2);
		return NULL;
	}
	if (memchr(str, '\0', n) != NULL) {
		seterr(ps, ps->lineno, "NUL byte in line");
		return NULL;
	}
	return str;
}

static int
handler(void *arg, const char *section, const char *name, const char *value)
{
	struct parse *ps = arg;
	const struct schema_key *k, *keys;
	char msg[CONF_ERR_MAX];
	size_t i, n;

	for (i = 0; i < NLISTS; i++)
		if (strcmp(section, lists[i].name) == 0)
			return lists[i].add(ps, name, value);
	if ((k = schema_find(section, name)) == NULL) {
		if (schema_section(section))
			seterr(ps, ps->lineno, "[%s] %s: unknown key", section,
			    name);
		else if (*section == '\0')
			seterr(ps, ps->lineno, "%s: key outside any [section]",
			    name);
		else
			seterr(ps, ps->lineno, "[%s]: unknown section",
			    section);
		return 0;
	}
	keys = schema_keys(&n);
	i = (size_t)(k - keys);
	if (ps->seen[i] != 0) {
		seterr(ps, ps->lineno, "[%s] %s: set twice (first on line %d)",
		    section, name, ps->seen[i]);
		return 0;
	}
	ps->seen[i] = ps->lineno;
	if (schema_set(ps->conf, k, value, msg, sizeof(msg)) == -1) {
		seterr(ps, ps->lineno, "%s", msg);
		return 0;
	}
	return 1;
}

/* The line that set [section] name, or 0 if none did. */
static int
line_of(const struct parse *ps, const char *section, const char *name)
{
	const struct schema_key *k, *keys;
	size_t n;

	if ((k = schema_find(section, name)) == NULL)
		return 0;
	keys = schema_keys(&n);
	return ps->seen[k - keys];
}

/* Opens what each route names, below the root; reports the first failure. */
static int
check_routes(struct parse *ps)
{
	struct conf *c = ps->conf;
	struct route *r;
	char msg[CONF_ERR_MAX];
	size_t i;

	c->root_fd = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->root_fd == -1) {
		seterr(ps, line_of(ps, "server", "root"),
		    "[server] root: %s: %s", c->root, strerror(errno));
		return -1;
	}
	for (i = 0; i < c->nroutes; i++) {
		r = &c->routes[i];
		if (route_open(r, c->root_fd, c->root, msg, sizeof(msg)) ==
		    -1) {
			seterr(ps, r->line, "%s", msg);
			return -1;
		}
		route_share_dir(r, c->routes, i);
	}
	return 0;
}

/*
 * [tls], with check_files: the one SSL context, which reads the
 * certificate and the key now and checks that they belong together and
 * that the certificate is valid today.
 */
static int
check_tls(struct parse *ps)
{
	static const char *const names[TLS_KEY_COUNT] = {
		[TLS_KEY_PORT] = "port",
		[TLS_KEY_CERTIFICATE] = "certificate",
		[TLS_KEY_KEY] = "key",
		[TLS_KEY_PROTOCOLS] = "protocols",
		[TLS_KEY_SNI] = "sni",
	};
	struct conf *c = ps->conf;
	char msg[CONF_ERR_MAX];
	enum tls_key bad;

	if (c->tls_port == 0 && c->tls_redirect) {
		seterr(ps, line_of(ps, "tls", "redirect"),
		    "[tls] redirect: needs [tls] port (HTTPS to redirect to)");
		return -1;
	}
	if (c->tls_port == 0)
		return 0;
	if (c->tls_port == c->port) {
		seterr(ps, line_of(ps, "tls", "port"),
		    "[tls] port: must differ from [server] port");
		return -1;
	}
	if ((c->tls_ctx = tls_ctx_build(c, msg, sizeof(msg), &bad)) == NULL) {
		seterr(ps, line_of(ps, "tls", names[bad]), "%s", msg);
		return -1;
	}
	return 0;
}

/*
 * [server] host, with check_files: resolved now, as listen.c will
 * resolve it to bind, so that guad -t, a start and a reload name the
 * line of a host that cannot be resolved (the resolver may block here,
 * in the master, never in a worker).
 */
static int
check_host(struct parse *ps)
{
	const struct conf *c = ps->conf;
	struct addrinfo hints, *res;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(c->host, NULL, &hints, &res)) != 0) {
		seterr(ps, line_of(ps, "server", "host"),
		    "[server] host: %s: %s", c->host,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	freeaddrinfo(res);
	return 0;
}

/* [server] user and group: names to ids, now, while /etc can be read. */
static int
resolve_user(struct parse *ps)
{
	struct conf *c = ps->conf;
	char msg[CONF_ERR_MAX];
	const char *bad = NULL;

	if (user_resolve(c->user, c->group, &c->uid, &c->gid, &bad, msg,
		sizeof(msg)) == -1) {
		seterr(ps, line_of(ps, "server", bad), "%s", msg);
		return -1;
	}
	return 0;
}

/*
 * Parses gua.ini text. name is used in messages, dir resolves relative
 * paths. With check_files, the root and every route's file are opened.
 * Returns the configuration, or NULL with err set to "name:line: ...".
 */
struct conf *
conf_parse(const char *text, size_t len, const char *name, const char *dir,
    int check_files, char err[CONF_ERR_MAX])
{
	struct parse ps;
	struct conf *c;
	const struct route *dup;
	char msg[CONF_ERR_MAX];
	size_t nkeys;
	int rc;

	memset(&ps, 0, sizeof(ps));
	ps.name = name;
	ps.text = text;
	ps.len = len;
	ps.err = err;
	err[0] = '\0';
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, CONF_ERR_MAX, "%s: out of memory", name);
		return NULL;
	}
	ps.conf = c;
	c->root_fd = -1;
	c->uid = (uid_t)-1;
	c->gid = (gid_t)-1;
	(void)schema_keys(&nkeys);
	if ((ps.seen = calloc(nkeys, sizeof(*ps.seen))) == NULL ||
	    (c->path = strdup(name)) == NULL || (c->dir = strdup(dir)) == NULL)
		goto oom;
	if (schema_defaults(c, msg, sizeof(msg)) == -1) {
		seterr(&ps, -1, "default: %s", msg);
		goto fail;
	}

	rc = ini_parse_stream(read_line, &ps, handler, &ps);
	/* A syntax error inih found itself comes before any of ours. */
	if (rc > 0 && (ps.err_line == 0 || rc < ps.err_line)) {
		ps.err_line = 0;
		seterr(&ps, rc, "expected [section] or key = value");
	}
	if (ps.err_line != 0)
		goto fail;

	if (schema_resolve(c, dir) == -1)
		goto oom;
	c->hsts = strcmp(c->tls_hsts, "off") != 0 ? c->tls_hsts : NULL;
	if (resolve_user(&ps) == -1)
		goto fail;
	/* waiting for the store stays within what one request may take */
	if (c->worker_timeout > 0 &&
	    c->msg_busy_timeout >= c->worker_timeout * 1000ULL) {
		if (line_of(&ps, "msg", "busy_timeout") != 0)
			seterr(&ps, line_of(&ps, "msg", "busy_timeout"),
			    "[msg] busy_timeout: must be below [timeouts] worker (%u ms)",
			    c->worker_timeout * 1000);
		else
			seterr(&ps, line_of(&ps, "timeouts", "worker"),
			    "[timeouts] worker: must be above [msg] busy_timeout (%u ms)",
			    c->msg_busy_timeout);
		goto fail;
	}
	if (router_build(&c->router, c->routes, c->nroutes, &dup) == -1) {
		if (dup == NULL)
			goto oom;
		seterr(&ps, dup->line, "[routes] %s: duplicate route",
		    dup->path);
		goto fail;
	}
	/* e.g. an emptied gua.ini: refused, above all on a reload */
	if (check_files && c->nroutes == 0) {
		snprintf(err, CONF_ERR_MAX,
		    "%s: no [routes]: every request would be answered 404",
		    name);
		goto fail;
	}
	if (check_files && check_routes(&ps) == -1)
		goto fail;
	if (check_files && check_host(&ps) == -1)
		goto fail;
	if (check_files && check_tls(&ps) == -1)
		goto fail;
	if (check_files && (rc = page_conf_check(c, msg, sizeof(msg))) != 0) {
		seterr(&ps, rc, "%s", msg);
		goto fail;
	}
	if (check_files)
		c->style = page_find_style(c);
	free(ps.seen);
	return c;
oom:
	seterr(&ps, ps.lineno, "out of memory");
fail:
	free(ps.seen);
	conf_free(c);
	return NULL;
}

/* Loads gua.ini from path and opens what it names; see conf_parse. */
struct conf *
conf_load(const char *path, char err[CONF_ERR_MAX])
{
	return conf_read(path, 1, err);
}

/* Loads gua.ini from path; see conf_parse. */
struct conf *
conf_read(const char *path, int check_files, char err[CONF_ERR_MAX])
{
	struct conf *c;
	char *text, *copy, *dir, real[PATH_MAX];
	size_t len;

	if (fsopen_read_all(path, &text, &len) == -1) {
		snprintf(err, CONF_ERR_MAX, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((copy = strdup(path)) == NULL) {
		free(text);
		snprintf(err, CONF_ERR_MAX, "%s: out of memory", path);
		return NULL;
	}
	dir = dirname(copy);
	if (realpath(dir, real) != NULL)
		dir = real;
	c = conf_parse(text, len, path, dir, check_files, err);
	free(copy);
	free(text);
	return c;
}

/*
 * The number of workers to run: the configured one, or one per CPU this
 * process may run on (its affinity mask, which taskset and cpusets narrow),
 * not every CPU the machine has online.
 */
unsigned
conf_workers(const struct conf *c)
{
	cpu_set_t set;
	long n;

	if (c->workers > 0)
		return c->workers;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 &&
	    (n = CPU_COUNT(&set)) > 0)
		return (unsigned)n;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/*
 * Writes the effective configuration to f in gua.ini syntax, for guad -T:
 * every key of the schema with its value (defaults included; a key with
 * no value as a comment), then each list section ([mime], [routes]).
 * guad reads the output back to the same configuration. Returns 0, or
 * -1 with err set (a value gua.ini cannot hold, or a write error).
 */
int
conf_dump(const struct conf *c, FILE *f, char err[CONF_ERR_MAX])
{
	struct inifmt d = { f, err, CONF_ERR_MAX, 0, 0 };
	const struct schema_key *k;
	const char *section = "";
	char value[4096];
	size_t n, i;
	int rc;

	fprintf(f, "; the effective configuration (guad -T)\n");
	k = schema_keys(&n);
	for (i = 0; i < n && !d.failed; i++) {
		if (strcmp(k[i].section, section) != 0)
			inifmt_section(&d, section = k[i].section);
		if ((rc = schema_format(c, &k[i], value, sizeof(value))) == 1)
			fprintf(f, "; %s: not set\n", k[i].name);
		else
			inifmt_line(&d, k[i].section, k[i].name,
			    rc == 0 ? value : "");
	}
	for (i = 0; i < NLISTS && !d.failed; i++) {
		inifmt_section(&d, lists[i].name);
		lists[i].dump(c, &d);
	}
	if (!d.failed && (fflush(f) == EOF || ferror(f))) {
		snprintf(err, CONF_ERR_MAX, "writing: %s", strerror(errno));
		return -1;
	}
	return d.failed ? -1 : 0;
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nroutes; i++)
		route_free(&c->routes[i]);
	mime_conf_free(c);
	page_conf_free(c);
	if (c->root_fd != -1)
		close(c->root_fd);
	router_free(&c->router);
	free(c->routes);
	tls_ctx_free(c->tls_ctx);
	schema_free(c);
	free(c->path);
	free(c->dir);
	free(c);
}
