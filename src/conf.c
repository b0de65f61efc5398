/* conf.c: gua.ini, parsed once in the master and read-only after fork. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <libgen.h>
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
#include "mime.h"
#include "route.h"
#include "store.h"
#include "user.h"

/* How a [section] key's value is read and where it goes. */
enum conf_type {
	CONF_STR,
	CONF_UINT,    /* unsigned, into an unsigned */
	CONF_SIZE,    /* unsigned, into a size_t */
	CONF_WORKERS, /* a number or "auto" */
	CONF_BOOL,    /* "on" or "off", into an int */
	CONF_TYPE_COUNT
};

struct key_spec {
	const char *section;
	const char *name;
	enum conf_type type;
	size_t off;
	unsigned long min;
	unsigned long max;
};

#define K(s, n, t, f, lo, hi) \
	{ \
		s, n, t, offsetof(struct conf, f), lo, hi \
	}
static const struct key_spec keys[] = {
	K("server", "host", CONF_STR, host, 0, 0),
	K("server", "port", CONF_UINT, port, 0, 65535),
	K("server", "workers", CONF_WORKERS, workers, 1, 1024),
	K("server", "root", CONF_STR, root, 0, 0),
	K("server", "error_log", CONF_STR, error_log, 0, 0),
	K("server", "access_log", CONF_STR, access_log, 0, 0),
	K("server", "pid_file", CONF_STR, pid_file, 0, 0),
	K("server", "dotfiles", CONF_BOOL, dotfiles, 0, 1),
	K("server", "sendfile", CONF_BOOL, sendfile, 0, 1),
	K("server", "file_cache", CONF_SIZE, file_cache, 0, 1048576),
	K("server", "user", CONF_STR, user, 0, 0),
	K("server", "group", CONF_STR, group, 0, 0),
	K("server", "allow_root", CONF_BOOL, allow_root, 0, 1),
	K("server", "sandbox", CONF_BOOL, sandbox, 0, 1),
	K("limits", "connections", CONF_SIZE, connections, 1, 1000000),
	K("limits", "request_line", CONF_SIZE, limits.request_line, 64,
	    1048576),
	K("limits", "header_size", CONF_SIZE, limits.header_size, 256, 1048576),
	K("limits", "header_fields", CONF_SIZE, limits.header_fields, 1, 10000),
	K("limits", "body_size", CONF_SIZE, limits.body_size, 0, 1073741824),
	K("limits", "max_requests", CONF_SIZE, max_requests, 0, 1000000000),
	K("timeouts", "header", CONF_UINT, header_timeout, 1, 86400),
	K("timeouts", "body", CONF_UINT, body_timeout, 1, 86400),
	K("timeouts", "keepalive", CONF_UINT, keepalive_timeout, 1, 86400),
	K("timeouts", "send", CONF_UINT, send_timeout, 1, 86400),
	K("timeouts", "shutdown", CONF_UINT, shutdown_timeout, 1, 86400),
	K("timeouts", "worker", CONF_UINT, worker_timeout, 0, 86400),
	K("msg", "db", CONF_STR, msg_db, 0, 0),
	K("msg", "max_length", CONF_SIZE, msg_max_length, 1, 65536),
	K("msg", "page_size", CONF_SIZE, msg_page_size, 1, 10000),
	K("msg", "busy_timeout", CONF_UINT, msg_busy_timeout, 0, 3600000),
};
#undef K
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static struct conf_key key_list[NKEYS];

/* Lists every [section] key guad accepts (for the documentation test). */
const struct conf_key *
conf_keys(size_t *n)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		key_list[i].section = keys[i].section;
		key_list[i].name = keys[i].name;
	}
	*n = NKEYS;
	return key_list;
}

struct parse {
	struct conf *conf;
	const char *name; /* the file name for messages */
	const char *text; /* input, for the line reader */
	size_t len, off;
	int lineno; /* lines started so far */
	int at_bol;
	int err_line; /* first error, 0: none, -1: no line */
	char *err;
	int seen[NKEYS]; /* line each key was set on */
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

static const char *const sections[] = { "server", "limits", "timeouts", "msg",
	"mime", "routes" };

/*
 * inih tells the handler nothing about a section without keys, so section
 * headers are checked here, as the lines go by.
 */
static int
section_ok(struct parse *ps, const char *line)
{
	const char *p = line, *end;
	size_t i, len;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '[' || (end = strchr(p, ']')) == NULL)
		return 1;
	p++;
	len = (size_t)(end - p);
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strlen(sections[i]) == len &&
		    memcmp(sections[i], p, len) == 0)
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

static int
set_key(struct parse *ps, const struct key_spec *k, const char *value)
{
	char *base = (char *)ps->conf + k->off;
	char **sp;
	unsigned long n;

	switch (k->type) {
	case CONF_STR:
		sp = (char **)(void *)base;
		if (*value == '\0') {
			seterr(ps, ps->lineno, "[%s] %s: empty value",
			    k->section, k->name);
			return 0;
		}
		free(*sp);
		if ((*sp = strdup(value)) == NULL) {
			seterr(ps, ps->lineno, "out of memory");
			return 0;
		}
		return 1;
	case CONF_BOOL:
		if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
			seterr(ps, ps->lineno,
			    "[%s] %s: must be \"on\" or "
			    "\"off\", not \"%s\"",
			    k->section, k->name, value);
			return 0;
		}
		*(int *)(void *)base = strcmp(value, "on") == 0;
		return 1;
	case CONF_WORKERS:
		if (strcmp(value, "auto") == 0) {
			*(unsigned *)(void *)base = 0;
			return 1;
		}
		/* FALLTHROUGH */
	case CONF_UINT:
	case CONF_SIZE:
		if (parse_number(value, k->min, k->max, &n) == -1) {
			seterr(ps, ps->lineno,
			    "[%s] %s: must be %sa number "
			    "from %lu to %lu, not \"%s\"",
			    k->section, k->name,
			    k->type == CONF_WORKERS ? "\"auto\" or " : "",
			    k->min, k->max, value);
			return 0;
		}
		if (k->type == CONF_SIZE)
			*(size_t *)(void *)base = n;
		else
			*(unsigned *)(void *)base = (unsigned)n;
		return 1;
	case CONF_TYPE_COUNT:
		break;
	}
	return 0;
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
handler(void *arg, const char *section, const char *name, const char *value)
{
	struct parse *ps = arg;
	size_t i;
	int known = 0;

	if (strcmp(section, "routes") == 0)
		return add_route(ps, name, value);
	if (strcmp(section, "mime") == 0)
		return add_mime(ps, name, value);
	for (i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, section) != 0)
			continue;
		known = 1;
		if (strcmp(keys[i].name, name) != 0)
			continue;
		if (ps->seen[i] != 0) {
			seterr(ps, ps->lineno,
			    "[%s] %s: set twice (first on "
			    "line %d)",
			    section, name, ps->seen[i]);
			return 0;
		}
		ps->seen[i] = ps->lineno;
		return set_key(ps, &keys[i], value);
	}
	if (known)
		seterr(ps, ps->lineno, "[%s] %s: unknown key", section, name);
	else if (*section == '\0')
		seterr(ps, ps->lineno, "%s: key outside any [section]", name);
	else
		seterr(ps, ps->lineno, "[%s]: unknown section", section);
	return 0;
}

static void
set_defaults(struct conf *c)
{
	c->port = 3000;
	c->workers = 0;
	c->connections = 1024;
	c->limits.request_line = 8192;
	c->limits.header_size = 16384;
	c->limits.header_fields = 100;
	c->limits.body_size = 1048576;
	c->header_timeout = 10;
	c->body_timeout = 30;
	c->keepalive_timeout = 60;
	c->send_timeout = 30;
	c->shutdown_timeout = 30;
	c->worker_timeout = 60;
	c->msg_max_length = 1000;
	c->msg_page_size = 100;
	c->msg_busy_timeout = 5000;
	c->sendfile = 1;
	c->file_cache = 1024;
	c->sandbox = 1;
	c->root_fd = -1;
	c->uid = (uid_t)-1;
	c->gid = (gid_t)-1;
}

/*
 * Turns a path relative to the config folder into an absolute one. For a
 * log, the names stderr, stdout and off are not paths.
 */
static int
resolve(struct conf *c, char **p, const char *dflt, int log)
{
	char *s;

	if (*p == NULL && (*p = strdup(dflt)) == NULL)
		return -1;
	if (**p == '/' ||
	    (log &&
		(strcmp(*p, "stderr") == 0 || strcmp(*p, "stdout") == 0 ||
		    strcmp(*p, "off") == 0)))
		return 0;
	if (asprintf(&s, "%s/%s", c->dir, *p) == -1)
		return -1;
	free(*p);
	*p = s;
	return 0;
}

static int
line_of(const struct parse *ps, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return ps->seen[i];
	return 0;
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
		seterr(ps, line_of(ps, "root"), "[server] root: %s: %s",
		    c->root, strerror(errno));
		return -1;
	}
	for (i = 0; i < c->nroutes; i++) {
		r = &c->routes[i];
		if (route_open(r, c->root_fd, c->root, msg, sizeof(msg)) ==
		    -1) {
			seterr(ps, r->line, "%s", msg);
			return -1;
		}
	}
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
		seterr(ps, line_of(ps, bad), "%s", msg);
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
	set_defaults(c);
	if ((c->path = strdup(name)) == NULL || (c->dir = strdup(dir)) == NULL)
		goto oom;

	rc = ini_parse_stream(read_line, &ps, handler, &ps);
	/* A syntax error inih found itself comes before any of ours. */
	if (rc > 0 && (ps.err_line == 0 || rc < ps.err_line)) {
		ps.err_line = 0;
		seterr(&ps, rc, "expected [section] or key = value");
	}
	if (ps.err_line != 0)
		goto fail;

	if ((c->host == NULL && (c->host = strdup("0.0.0.0")) == NULL) ||
	    resolve(c, &c->root, GUAD_WWWDIR, 0) == -1 ||
	    (c->msg_db == NULL && (c->msg_db = strdup(GUAD_DBPATH)) == NULL) ||
	    (store_is_path(c->msg_db) &&
		resolve(c, &c->msg_db, GUAD_DBPATH, 0) == -1) ||
	    (c->error_log != NULL && resolve(c, &c->error_log, "", 1) == -1) ||
	    (c->access_log != NULL &&
		resolve(c, &c->access_log, "", 1) == -1) ||
	    (c->pid_file != NULL && resolve(c, &c->pid_file, "", 0) == -1))
		goto oom;
	if (resolve_user(&ps) == -1)
		goto fail;
	/* waiting for the store stays within what one request may take */
	if (c->worker_timeout > 0 &&
	    c->msg_busy_timeout >= c->worker_timeout * 1000ULL) {
		if (line_of(&ps, "busy_timeout") != 0)
			seterr(&ps, line_of(&ps, "busy_timeout"),
			    "[msg] "
			    "busy_timeout: must be below [timeouts] worker "
			    "(%u ms)",
			    c->worker_timeout * 1000);
		else
			seterr(&ps, line_of(&ps, "worker"),
			    "[timeouts] worker: "
			    "must be above [msg] busy_timeout (%u ms)",
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
		    "%s: no [routes]: every request "
		    "would be answered 404",
		    name);
		goto fail;
	}
	if (check_files && check_routes(&ps) == -1)
		goto fail;
	return c;
oom:
	seterr(&ps, ps.lineno, "out of memory");
fail:
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

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nroutes; i++)
		route_free(&c->routes[i]);
	mime_conf_free(c);
	if (c->root_fd != -1)
		close(c->root_fd);
	router_free(&c->router);
	free(c->routes);
	free(c->path);
	free(c->dir);
	free(c->host);
	free(c->root);
	free(c->error_log);
	free(c->access_log);
	free(c->pid_file);
	free(c->user);
	free(c->group);
	free(c->msg_db);
	free(c);
}
