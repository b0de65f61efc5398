/* check_conf.c: gua.ini parsing, its error messages and its documentation. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "conf.h"
#include "handler.h"
#include "msg.h"
#include "router.h"
#include "schema.h"
#include "static.h"
#include "check_main.h"

#define NAME "t.ini"

static struct conf *
parse(const char *text, char err[CONF_ERR_MAX])
{
	return conf_parse(text, strlen(text), NAME, "/tmp", 0, err);
}

static const char every_key[] = "; every key guad has\n"
				"[server]\n"
				"host = ::1\n"
				"ipv6only = on\n"
				"port = 8080\n"
				"workers = 4\n"
				"root = /srv/www\n"
				"error_log = /var/log/guad/error.log\n"
				"access_log = off\n"
				"access_log_format = json\n"
				"pid_file = /run/guad.pid\n"
				"dotfiles = on\n"
				"sendfile = off\n"
				"file_cache = 16\n"
				"user = nobody\n"
				"group = nogroup\n"
				"allow_root = on\n"
				"sandbox = off\n"
				"server_name = a.example [::1]  10.0.0.1\n"
				"proxy_protocol = on\n"
				"trusted_proxies = 10.0.0.0/8, fd00::/8\n"
				"[limits]\n"
				"connections = 10\n"
				"request_line = 100\n"
				"header_size = 1000\n"
				"header_fields = 20\n"
				"body_size = 2000\n"
				"max_requests = 500\n"
				"[timeouts]\n"
				"header = 1\n"
				"body = 2\n"
				"keepalive = 3\n"
				"send = 4\n"
				"shutdown = 5\n"
				"worker = 6\n"
				"[msg]\n"
				"db = /var/lib/guad/board.db\n"
				"max_length = 280\n"
				"page_size = 7\n"
				"busy_timeout = 2500\n"
				"[tls]\n"
				"port = 8443\n"
				"certificate = /etc/guad/cert.pem\n"
				"key = key.pem\n"
				"protocols = TLSv1.3\n"
				"sni = b.pem b.key\n"
				"redirect = on\n"
				"hsts = max-age=600; preload\n"
				"ktls = on\n"
				"proxy_protocol = on\n"
				"[status]\n"
				"allow = 10.0.0.0/8, ::1\n"
				"[mime]\n"
				"md = text/markdown\n"
				".TXT = text/plain; charset=utf-8\n"
				"[routes]\n"
				"/ = file index.html\n"
				"/static/ = dir static\n"
				"/msg = msg msg.html\n";

/* The number of the line of text that starts with start. */
static int
line_of(const char *text, const char *start)
{
	const char *p;
	int line = 1;

	for (p = text; *p != '\0'; p++) {
		if ((p == text || p[-1] == '\n') &&
		    strncmp(p, start, strlen(start)) == 0)
			return line;
		if (*p == '\n')
			line++;
	}
	return 0;
}

START_TEST(test_every_key_sets_its_field)
{
	char err[CONF_ERR_MAX];
	struct conf *c;

	c = parse(every_key, err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->path, NAME);
	ck_assert_str_eq(c->host, "::1");
	ck_assert_int_eq(c->ipv6only, 1);
	ck_assert_uint_eq(c->port, 8080);
	ck_assert_uint_eq(c->workers, 4);
	ck_assert_uint_eq(conf_workers(c), 4);
	ck_assert_str_eq(c->root, "/srv/www");
	ck_assert_str_eq(c->error_log, "/var/log/guad/error.log");
	ck_assert_str_eq(c->access_log, "off");
	ck_assert_str_eq(c->access_log_format, "json");
	ck_assert_str_eq(c->pid_file, "/run/guad.pid");
	ck_assert_int_eq(c->dotfiles, 1);
	ck_assert_int_eq(c->sendfile, 0);
	ck_assert_uint_eq(c->file_cache, 16);
	ck_assert_str_eq(c->user, "nobody");
	ck_assert_str_eq(c->group, "nogroup");
	ck_assert_uint_eq(c->uid, getpwnam("nobody")->pw_uid);
	ck_assert_uint_eq(c->gid, getgrnam("nogroup")->gr_gid);
	ck_assert_int_eq(c->allow_root, 1);
	ck_assert_int_eq(c->sandbox, 0);
	ck_assert_uint_eq(c->server_name.n, 3);
	ck_assert_str_eq(c->server_name.v[0], "a.example");
	ck_assert_str_eq(c->server_name.v[1], "[::1]");
	ck_assert_str_eq(c->server_name.v[2], "10.0.0.1");
	ck_assert_int_eq(c->proxy_protocol, 1);
	ck_assert_uint_eq(c->trusted_proxies.n, 2);
	ck_assert_str_eq(c->trusted_proxies.v[1], "fd00::/8");
	ck_assert_uint_eq(c->connections, 10);
	ck_assert_uint_eq(c->limits.request_line, 100);
	ck_assert_uint_eq(c->limits.header_size, 1000);
	ck_assert_uint_eq(c->limits.header_fields, 20);
	ck_assert_uint_eq(c->limits.body_size, 2000);
	ck_assert_uint_eq(c->max_requests, 500);
	ck_assert_uint_eq(c->header_timeout, 1);
	ck_assert_uint_eq(c->body_timeout, 2);
	ck_assert_uint_eq(c->keepalive_timeout, 3);
	ck_assert_uint_eq(c->send_timeout, 4);
	ck_assert_uint_eq(c->shutdown_timeout, 5);
	ck_assert_uint_eq(c->worker_timeout, 6);
	ck_assert_str_eq(c->msg_db, "/var/lib/guad/board.db");
	ck_assert_uint_eq(c->msg_max_length, 280);
	ck_assert_uint_eq(c->msg_page_size, 7);
	ck_assert_uint_eq(c->msg_busy_timeout, 2500);
	ck_assert_uint_eq(c->tls_port, 8443);
	ck_assert_str_eq(c->tls_certificate, "/etc/guad/cert.pem");
	ck_assert_str_eq(c->tls_key, "/tmp/key.pem"); /* relative to dir */
	ck_assert_str_eq(c->tls_protocols, "TLSv1.3");
	ck_assert_uint_eq(c->tls_sni.n, 2);
	ck_assert_str_eq(c->tls_sni.v[1], "b.key");
	ck_assert_int_eq(c->tls_redirect, 1);
	ck_assert_str_eq(c->hsts, "max-age=600; preload");
	ck_assert_int_eq(c->tls_ktls, 1);
	ck_assert_int_eq(c->tls_proxy_protocol, 1);
	ck_assert_ptr_null(c->tls_ctx); /* built only with check_files */
	ck_assert_uint_eq(c->status_allow.n, 2);
	ck_assert_str_eq(c->status_allow.v[0], "10.0.0.0/8");
	ck_assert_str_eq(c->status_allow.v[1], "::1");

	ck_assert_uint_eq(c->nmime, 2);
	ck_assert_str_eq(c->mime[0].ext, "md");
	ck_assert_str_eq(c->mime[0].type, "text/markdown; charset=utf-8");
	ck_assert_str_eq(c->mime[1].ext, "txt");
	ck_assert_str_eq(c->mime[1].type, "text/plain; charset=utf-8");

	ck_assert_uint_eq(c->nroutes, 3);
	ck_assert_str_eq(c->routes[0].path, "/");
	ck_assert_uint_eq(c->routes[0].len, 1);
	ck_assert_ptr_eq(c->routes[0].handler, &handler_file);
	ck_assert_str_eq(c->routes[0].arg, "index.html");
	ck_assert_int_eq(c->routes[0].line, line_of(every_key, "/ = "));
	ck_assert_str_eq(c->routes[1].path, "/static/");
	ck_assert_ptr_eq(c->routes[1].handler, &handler_dir);
	ck_assert_str_eq(c->routes[1].arg, "static");
	ck_assert_int_eq(c->routes[1].line, line_of(every_key, "/static/ = "));
	ck_assert_str_eq(c->routes[2].path, "/msg");
	ck_assert_ptr_eq(c->routes[2].handler, &handler_msg);
	ck_assert_str_eq(c->routes[2].arg, "msg.html");
	ck_assert_int_eq(c->routes[2].line, line_of(every_key, "/msg = "));
	/* the router is built: exact beats the prefix */
	ck_assert_ptr_eq(router_match(&c->router, "/msg", 4), &c->routes[2]);
	ck_assert_ptr_eq(router_match(&c->router, "/static/a", 9),
	    &c->routes[1]);
	conf_free(c);
}
END_TEST

/* The file above really names every key schema_keys() lists. */
START_TEST(test_every_key_test_is_complete)
{
	const struct schema_key *k;
	char line[128];
	size_t n, i;

	k = schema_keys(&n);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "\n%s = ", k[i].name);
		ck_assert_msg(strstr(every_key, line) != NULL,
		    "[%s] %s is not in the every-key test", k[i].section,
		    k[i].name);
	}
}
END_TEST

START_TEST(test_defaults_when_absent)
{
	char err[CONF_ERR_MAX];
	struct conf *c;

	c = parse("", err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->host, "0.0.0.0");
	ck_assert_int_eq(c->ipv6only, 0);
	ck_assert_uint_eq(c->port, 3000);
	ck_assert_uint_eq(c->workers, 0);
	ck_assert_uint_ge(conf_workers(c), 1);
	ck_assert_str_eq(c->root, GUAD_WWWDIR);
	ck_assert_msg(c->error_log == NULL ||
		strcmp(c->error_log, "stderr") == 0,
	    "error_log %s", c->error_log);
	ck_assert_msg(c->access_log == NULL ||
		strcmp(c->access_log, "stdout") == 0,
	    "access_log %s", c->access_log);
	ck_assert_ptr_null(c->pid_file);
	ck_assert_int_eq(c->dotfiles, 0);
	ck_assert_int_eq(c->sendfile, 1);
	ck_assert_uint_eq(c->file_cache, 1024);
	ck_assert_ptr_null(c->user);
	ck_assert_ptr_null(c->group);
	ck_assert_uint_eq(c->uid, (uid_t)-1);
	ck_assert_uint_eq(c->gid, (gid_t)-1);
	ck_assert_int_eq(c->allow_root, 0);
	ck_assert_int_eq(c->sandbox, 1);
	ck_assert_int_eq(c->proxy_protocol, 0);
	ck_assert_uint_eq(c->trusted_proxies.n, 0);
	ck_assert_int_eq(c->tls_proxy_protocol, 0);
	ck_assert_uint_eq(c->connections, 1024);
	ck_assert_uint_eq(c->limits.request_line, 8192);
	ck_assert_uint_eq(c->limits.header_size, 16384);
	ck_assert_uint_eq(c->limits.header_fields, 100);
	ck_assert_uint_eq(c->limits.body_size, 1048576);
	ck_assert_uint_eq(c->max_requests, 0);
	ck_assert_uint_eq(c->header_timeout, 10);
	ck_assert_uint_eq(c->body_timeout, 30);
	ck_assert_uint_eq(c->keepalive_timeout, 60);
	ck_assert_uint_eq(c->send_timeout, 30);
	ck_assert_uint_eq(c->shutdown_timeout, 30);
	ck_assert_uint_eq(c->worker_timeout, 60);
	ck_assert_str_eq(c->msg_db, GUAD_DBPATH);
	ck_assert_uint_eq(c->msg_max_length, 1000);
	ck_assert_uint_eq(c->msg_page_size, 100);
	ck_assert_uint_eq(c->msg_busy_timeout, 5000);
	ck_assert_uint_eq(c->nmime, 0);
	ck_assert_uint_eq(c->nroutes, 0);
	ck_assert_ptr_null(router_match(&c->router, "/", 1));
	conf_free(c);
}
END_TEST

START_TEST(test_relative_paths_resolve_against_dir)
{
	char err[CONF_ERR_MAX];
	struct conf *c;

	c = parse("[server]\nroot = www\nerror_log = logs/e.log\n"
		  "access_log = stderr\n[msg]\ndb = msg.db\n",
	    err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->dir, "/tmp");
	ck_assert_str_eq(c->root, "/tmp/www");
	ck_assert_str_eq(c->error_log, "/tmp/logs/e.log");
	ck_assert_str_eq(c->access_log, "stderr");
	ck_assert_str_eq(c->msg_db, "/tmp/msg.db");
	conf_free(c);

	c = parse("[server]\nerror_log = stderr\naccess_log = stdout\n", err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->error_log, "stderr");
	ck_assert_str_eq(c->access_log, "stdout");
	conf_free(c);
}
END_TEST

START_TEST(test_workers_auto)
{
	char err[CONF_ERR_MAX];
	struct conf *c;

	c = parse("[server]\nworkers = auto\n", err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->workers, 0);
	ck_assert_uint_eq(conf_workers(c),
	    (unsigned)sysconf(_SC_NPROCESSORS_ONLN));
	conf_free(c);
}
END_TEST

START_TEST(test_same_path_file_and_dir_is_not_duplicate)
{
	char err[CONF_ERR_MAX];
	struct conf *c;

	c = parse("[routes]\n/ = file index.html\n/ = dir .\n"
		  "/msg = msg msg.html\n",
	    err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->nroutes, 3);
	ck_assert_ptr_eq(router_match(&c->router, "/", 1), &c->routes[0]);
	ck_assert_ptr_eq(router_match(&c->router, "/a.css", 6), &c->routes[1]);
	ck_assert_ptr_eq(router_match(&c->router, "/msg", 4), &c->routes[2]);
	conf_free(c);
}
END_TEST

START_TEST(test_comments_and_blank_lines)
{
	char err[CONF_ERR_MAX];
	struct conf *c;

	c = parse("; a comment\n# another\n\n[server]\n; port = 1\nport = 81\n"
		  "\n[limits]\n# body_size = 5\n",
	    err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->port, 81);
	ck_assert_uint_eq(c->limits.body_size, 1048576);
	conf_free(c);
}
END_TEST

START_TEST(test_long_line_under_the_limit_is_fine)
{
	char text[512], err[CONF_ERR_MAX];
	struct conf *c;
	int n;

	/* "host = " and 150 bytes: well under the limit */
	n = snprintf(text, sizeof(text), "[server]\nhost = %0150d\nport = 1\n",
	    0);
	ck_assert_int_gt(n, 0);
	c = parse(text, err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(strlen(c->host), 150);
	ck_assert_uint_eq(c->port, 1);
	conf_free(c);
}
END_TEST

START_TEST(test_mime_entries)
{
	char err[CONF_ERR_MAX];
	struct conf *c;

	c = parse("[mime]\nmd = text/markdown\n.Gmi = text/gemini\n"
		  "svg = image/svg+xml\n",
	    err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->nmime, 3);
	ck_assert_str_eq(c->mime[0].ext, "md");
	ck_assert_str_eq(c->mime[1].ext, "gmi");
	ck_assert_str_eq(c->mime[1].type, "text/gemini; charset=utf-8");
	ck_assert_str_eq(c->mime[2].ext, "svg");
	ck_assert_str_eq(c->mime[2].type, "image/svg+xml");
	conf_free(c);
}
END_TEST

/* Errors: each names its file and line. */
struct err_case {
	const char *name;
	const char *text;
	int line;
	int line_alt;	  /* another acceptable line, or 0 */
	const char *says; /* a regular expression */
};

#define A50	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LONG300 A50 A50 A50 A50 A50 A50

static const struct err_case errs[] = {
	{ "unknown section", "[server]\nport = 1\n[bogus]\ncolour = blue\n", 3,
	    4, "bogus" },
	{ "unknown key", "[server]\nport = 1\nfrobnicate = 1\n", 3, 0,
	    "frobnicate" },
	{ "unknown key in [timeouts]", "[timeouts]\nheader = 1\nidle = 2\n", 3,
	    0, "idle" },
	{ "key outside a section", "; top\n\nport = 1\n[server]\n", 3, 0,
	    "port" },
	{ "bad number", "[server]\nport = 12a\n", 2, 0, "port" },
	{ "empty number", "[limits]\n\nconnections =\n", 3, 0, "connections" },
	{ "negative number", "[limits]\nbody_size = -1\n", 2, 0, "body_size" },
	{ "number with a sign", "[timeouts]\nsend = +5\n", 2, 0, "send" },
	{ "port 70000", "[server]\nhost = a\nport = 70000\n", 3, 0,
	    "port.*\\b0\\b.*\\b65535\\b" },
	{ "port overflowing", "[server]\nport = 99999999999999999999999\n", 2,
	    0, "port" },
	{ "workers 0", "[server]\nworkers = 0\n", 2, 0, "workers" },
	{ "busy_timeout not below the worker timeout",
	    "[timeouts]\nworker = 2\n[msg]\nbusy_timeout = 2000\n", 4, 0,
	    "busy_timeout.*below.*worker.*2000 ms" },
	{ "worker timeout not above the default busy_timeout",
	    "[msg]\npage_size = 5\n[timeouts]\nworker = 5\n", 4, 0,
	    "worker.*above.*busy_timeout.*5000 ms" },
	{ "busy_timeout too large", "[msg]\nbusy_timeout = 3600001\n", 2, 0,
	    "busy_timeout" },
	{ "workers many", "[server]\nworkers = many\n", 2, 0, "workers" },
	{ "request_line too small", "[limits]\nrequest_line = 10\n", 2, 0,
	    "request_line" },
	{ "empty string", "[server]\nhost =\n", 2, 0, "host" },
	{ "bad on/off", "[server]\nport = 1\ndotfiles = yes\n", 3, 0,
	    "dotfiles" },
	{ "duplicate key", "[server]\nport = 1\nhost = a\nport = 2\n", 4, 0,
	    "port" },
	{ "unknown user", "[server]\nport = 1\nuser = no-such-user-here\n", 3,
	    0, "\\[server\\] user: no such user \"no-such-user-here\"$" },
	{ "unknown group",
	    "[server]\ngroup = no-such-group-here\n"
	    "user = nobody\n",
	    2, 0, "\\[server\\] group: no such group \"no-such-group-here\"$" },
	{ "group without user", "[server]\nport = 1\ngroup = nogroup\n", 3, 0,
	    "group: needs user" },
	{ "bad allow_root", "[server]\nallow_root = yes\n", 2, 0,
	    "allow_root" },
	{ "bad proxy_protocol", "[server]\nport = 1\nproxy_protocol = yes\n", 3,
	    0, "proxy_protocol" },
	{ "trusted_proxies not an address",
	    "[server]\ntrusted_proxies = 10.0.0.0/8 proxy.example\n", 2, 0,
	    "\\[server\\] trusted_proxies: \"proxy.example\" is not an address" },
	{ "trusted_proxies with host bits",
	    "[server]\ntrusted_proxies = 10.0.0.1/8\n", 2, 0,
	    "trusted_proxies" },
	{ "duplicate key in a repeated section",
	    "[server]\nport = 1\n"
	    "[limits]\nconnections = 5\n[server]\nport = 2\n",
	    6, 0, "port" },
	{ "duplicate file route",
	    "[routes]\n/a = file a\n/b = file b\n"
	    "/a = file c\n",
	    4, 0, "/a.*duplicate|duplicate.*/a" },
	{ "duplicate dir route", "[routes]\n/s/ = dir a\n\n/s/ = dir b\n", 4, 0,
	    "duplicate" },
	{ "duplicate msg and file route",
	    "[routes]\n/m = msg m.html\n"
	    "/m = file x\n",
	    3, 0, "duplicate" },
	{ "unknown handler",
	    "[routes]\n/ = file i.html\n"
	    "/y = frobnicate index.html\n",
	    3, 0, "frobnicate" },
	{ "route without argument", "[routes]\n\n/y = file\n", 3, 0, "/y" },
	{ "route without anything", "[routes]\n/y =\n", 2, 0, "/y" },
	{ "route with two arguments", "[routes]\n/y = file a b\n", 2, 0, "/y" },
	{ "dir route not ending in '/'", "[routes]\n/static = dir static\n", 2,
	    0, "/static" },
	{ "route path with ..", "[routes]\n/a/../b = file x\n", 2, 0,
	    "/a/../b" },
	{ "route path relative", "[routes]\na = file x\n", 2, 0, "a" },
	{ "route path with //", "[routes]\n/a//b = file x\n", 2, 0, "/a//b" },
	{ "route path with .", "[routes]\n/a/./b = file x\n", 2, 0, "/a/./b" },
	{ "route path with %", "[routes]\n/%41 = file x\n", 2, 0, "%41" },
	{ "route path with ?", "[routes]\n/a?b = file x\n", 2, 0, "/a" },
	{ "line without '='",
	    "[server]\nport = 1\n"
	    "garbage without equals sign\n",
	    3, 0, "." },
	{ "unclosed section", "[server]\nport = 1\n[limits\n", 3, 0, "." },
	{ "line longer than 200 bytes",
	    "[server]\nport = 1\nhost = " LONG300 "\n", 3, 0, "." },
	{ "line longer than 200 bytes, the last",
	    "[server]\nport = 1\n\n"
	    "host = " LONG300,
	    4, 0, "." },
	{ "the first error wins", "[server]\nport = 70000\ngarbage\n", 2, 0,
	    "port" },
	{ "a syntax error before another", "[server]\ngarbage\nport = 70000\n",
	    2, 0, "." },
	{ "mime without a subtype", "[mime]\nmd = text\n", 2, 0, "md" },
	{ "mime with an empty subtype", "[mime]\nmd = text/\n", 2, 0, "md" },
	{ "mime with an empty type", "[mime]\nmd = /x\n", 2, 0, "md" },
	{ "mime without an extension", "[mime]\nmd = text/x\n. = text/y\n", 3,
	    0, "." },
	{ "mime set twice", "[mime]\nmd = text/markdown\n.MD = text/x-md\n", 3,
	    0, "md|MD" },
};

#define NERRS (int)(sizeof(errs) / sizeof(errs[0]))

static void
assert_says(const char *what, const char *err, const char *re)
{
	regex_t rx;

	ck_assert_int_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(regexec(&rx, err, 0, NULL, 0) == 0,
	    "%s: \"%s\" does not match /%s/", what, err, re);
	regfree(&rx);
}

/* err starts with "name:LINE: " for line or alt, and says more after. */
static void
assert_err_line(const char *what, const char *err, const char *name, int line,
    int alt)
{
	char want[PATH_MAX + 32], want2[PATH_MAX + 32] = "";
	int n, n2 = 0;

	n = snprintf(want, sizeof(want), "%s:%d: ", name, line);
	if (alt != 0)
		n2 = snprintf(want2, sizeof(want2), "%s:%d: ", name, alt);
	ck_assert_msg(strncmp(err, want, (size_t)n) == 0 ||
		(alt != 0 && strncmp(err, want2, (size_t)n2) == 0),
	    "%s: \"%s\" does not start with \"%s\"", what, err, want);
	ck_assert_msg(strlen(err) > (size_t)n + 2, "%s: \"%s\" says nothing",
	    what, err);
}

START_TEST(test_error_names_its_line)
{
	const struct err_case *e = &errs[_i];
	char err[CONF_ERR_MAX];
	struct conf *c;

	c = parse(e->text, err);
	if (c != NULL)
		conf_free(c);
	ck_assert_msg(c == NULL, "%s: accepted", e->name);
	assert_err_line(e->name, err, NAME, e->line, e->line_alt);
	assert_says(e->name, err + strlen(NAME) + 1, e->says);
}
END_TEST

/* A NUL byte cannot hide the rest of a line. */
START_TEST(test_nul_byte_is_an_error)
{
	static const char text[] = "[server]\nport = 1\0"
				   "2\n";
	char err[CONF_ERR_MAX];
	struct conf *c;

	c = conf_parse(text, sizeof(text) - 1, NAME, "/tmp", 0, err);
	if (c != NULL)
		conf_free(c);
	ck_assert_msg(c == NULL, "accepted");
	assert_err_line("NUL", err, NAME, 2, 0);
}
END_TEST

/* conf_load with check_files: a real tree under a temporary folder. */
static char tmp[64];	       /* as made */
static char realtmp[PATH_MAX]; /* after realpath */

static void
put(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", tmp, rel),
	    (int)sizeof(path));
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s", path);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void
tree_setup(void)
{
	char path[PATH_MAX];

	strcpy(tmp, "/tmp/check_conf.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_ptr_nonnull(realpath(tmp, realtmp));
	snprintf(path, sizeof(path), "%s/www", tmp);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/www/static", tmp);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put("www/index.html", "<!DOCTYPE html><p>hi</p>\n");
	put("www/msg.html", "<ul>{{messages}}</ul>\n");
	put("www/bad.html", "<ul>{{message}}</ul>\n");
	put("www/twice.html", "{{messages}}{{messages}}\n");
	put("www/static/a.css", "p { color: red }\n");
	put("secret.txt", "outside the root\n");
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
tree_teardown(void)
{
	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes NAME.ini into the tree and loads it. */
static struct conf *
load(const char *name, const char *text, char path[PATH_MAX],
    char err[CONF_ERR_MAX])
{
	char rel[64];

	snprintf(rel, sizeof(rel), "%s.ini", name);
	put(rel, text);
	snprintf(path, PATH_MAX, "%s/%s", tmp, rel);
	return conf_load(path, err);
}

static void
load_fails(const char *name, const char *text, int line, const char *re)
{
	char path[PATH_MAX], err[CONF_ERR_MAX];
	struct conf *c;

	c = load(name, text, path, err);
	if (c != NULL)
		conf_free(c);
	ck_assert_msg(c == NULL, "%s: loaded", name);
	assert_err_line(name, err, path, line, 0);
	assert_says(name, err + strlen(path) + 1, re);
}

START_TEST(test_load_valid_tree)
{
	char path[PATH_MAX], err[CONF_ERR_MAX], want[PATH_MAX + 8];
	struct conf *c;
	const struct route *r;

	c = load("valid",
	    "[server]\nroot = www\n[msg]\ndb = msg.db\n"
	    "[routes]\n/ = file index.html\n/msg = msg msg.html\n"
	    "/static/ = dir static\n/all/ = dir .\n",
	    path, err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->path, path);
	ck_assert_str_eq(c->dir, realtmp);
	snprintf(want, sizeof(want), "%s/www", realtmp);
	ck_assert_str_eq(c->root, want);
	snprintf(want, sizeof(want), "%s/msg.db", realtmp);
	ck_assert_str_eq(c->msg_db, want);
	ck_assert_int_ge(c->root_fd, 0);

	r = router_match(&c->router, "/msg", 4);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_eq(r->handler, &handler_msg);
	ck_assert_ptr_nonnull(r->tmpl.text);
	ck_assert_uint_eq(r->tmpl.head_len, 4);
	ck_assert_uint_eq(r->tmpl.tail_off, 4 + strlen("{{messages}}"));
	ck_assert_uint_eq(r->tmpl.len, strlen("<ul>{{messages}}</ul>\n"));

	r = router_match(&c->router, "/static/a.css", 13);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->path, "/static/");
	ck_assert_int_ge(r->fd, 0);
	r = router_match(&c->router, "/all/x", 6);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_ge(r->fd, 0);
	conf_free(c);
}
END_TEST

START_TEST(test_load_absolute_root)
{
	char path[PATH_MAX], err[CONF_ERR_MAX], text[PATH_MAX + 64];
	struct conf *c;

	snprintf(text, sizeof(text),
	    "[server]\nroot = %s/www\n[routes]\n"
	    "/ = file index.html\n",
	    realtmp);
	c = load("absolute", text, path, err);
	ck_assert_msg(c != NULL, "%s", err);
	snprintf(text, sizeof(text), "%s/www", realtmp);
	ck_assert_str_eq(c->root, text);
	ck_assert_int_ge(c->root_fd, 0);
	conf_free(c);
}
END_TEST

START_TEST(test_load_missing_file_names_its_line)
{
	load_fails("missing",
	    "[server]\nroot = www\n[routes]\n"
	    "/ = file index.html\n/x = file nope.html\n",
	    5, "nope\\.html");
}
END_TEST

START_TEST(test_load_missing_dir_names_its_line)
{
	load_fails("missingdir",
	    "[server]\nroot = www\n[routes]\n"
	    "/d/ = dir nowhere\n/ = file index.html\n",
	    4, "nowhere");
}
END_TEST

START_TEST(test_load_template_without_placeholder)
{
	load_fails("noplaceholder",
	    "[server]\nroot = www\n[routes]\n"
	    "/ = file index.html\n\n/msg = msg bad.html\n",
	    6, "\\{\\{messages\\}\\}");
}
END_TEST

START_TEST(test_load_template_with_two_placeholders)
{
	load_fails("twoplaceholders",
	    "[server]\nroot = www\n[routes]\n"
	    "/msg = msg twice.html\n",
	    4, "twice\\.html|\\{\\{messages\\}\\}");
}
END_TEST

START_TEST(test_load_route_outside_root)
{
	load_fails("outside",
	    "[server]\nroot = www\n[routes]\n"
	    "/ = file index.html\n/s = file ../secret.txt\n",
	    5, "secret");
}
END_TEST

START_TEST(test_load_file_route_to_a_folder)
{
	load_fails("folder",
	    "[server]\nroot = www\n[routes]\n"
	    "/s = file static\n",
	    4, "static");
}
END_TEST

START_TEST(test_load_dir_route_to_a_file)
{
	load_fails("dirfile",
	    "[server]\nroot = www\n[routes]\n"
	    "/s/ = dir index.html\n",
	    4, "index\\.html");
}
END_TEST

START_TEST(test_load_missing_root_names_its_line)
{
	load_fails("noroot",
	    "[server]\nport = 1\nroot = nowhere\n[routes]\n"
	    "/ = file index.html\n",
	    3, "nowhere");
}
END_TEST

/* An empty (or route-less) gua.ini serves nothing: refused. */
START_TEST(test_load_without_routes_is_refused)
{
	char path[PATH_MAX], err[CONF_ERR_MAX];
	struct conf *c;

	c = load("empty", "", path, err);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, path) != NULL &&
		strstr(err, "[routes]") != NULL,
	    "%s", err);
	c = load("noroutes", "[server]\nroot = www\n", path, err);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, "[routes]") != NULL, "%s", err);
}
END_TEST

START_TEST(test_load_missing_config)
{
	char path[PATH_MAX], err[CONF_ERR_MAX];
	struct conf *c;

	snprintf(path, sizeof(path), "%s/does-not-exist.ini", tmp);
	c = conf_load(path, err);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
}
END_TEST

/* Every key is documented in gua.ini(5) and in the shipped gua.ini. */
static char *
slurp(const char *path)
{
	FILE *f;
	char *s;
	long n;

	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	s = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* True if a line of text is "key = ..." or "; key = ...". */
static int
has_key_line(const char *text, const char *key)
{
	char a[128], b[128];

	snprintf(a, sizeof(a), "\n%s = ", key);
	snprintf(b, sizeof(b), "\n; %s = ", key);
	return strstr(text, a) != NULL || strstr(text, b) != NULL;
}

/*
 * True if the man page's ".SS [section]" block, up to the next .SS or
 * .SH, has a line ".B key" or ".BR key ..." introducing the key.
 */
static int
documented_in_section(const char *man, const char *section, const char *key)
{
	const char *p, *end, *line;
	char head[64];
	size_t klen = strlen(key);

	snprintf(head, sizeof(head), "\n.SS [%s]\n", section);
	if ((p = strstr(man, head)) == NULL)
		return 0;
	p += strlen(head);
	for (end = p; *end != '\0'; end++)
		if (end[-1] == '\n' &&
		    (strncmp(end, ".SS", 3) == 0 ||
			strncmp(end, ".SH", 3) == 0))
			break;
	for (line = p; line < end; line = strchr(line, '\n') + 1) {
		if (strncmp(line, ".B ", 3) == 0 &&
		    strncmp(line + 3, key, klen) == 0 && line[3 + klen] == '\n')
			return 1;
		if (strncmp(line, ".BR ", 4) == 0 &&
		    strncmp(line + 4, key, klen) == 0 &&
		    (line[4 + klen] == ' ' || line[4 + klen] == '\n'))
			return 1;
		if (strchr(line, '\n') == NULL)
			break;
	}
	return 0;
}

START_TEST(test_keys_documented_in_man_page)
{
	const struct schema_key *k;
	char *man;
	size_t n, i;

	man = slurp(SRCDIR "/man/gua.ini.5.in");
	k = schema_keys(&n);
	ck_assert_uint_ge(n, 19);
	for (i = 0; i < n; i++)
		ck_assert_msg(documented_in_section(man, k[i].section,
				  k[i].name),
		    "gua.ini.5 does not document %s under "
		    ".SS [%s]",
		    k[i].name, k[i].section);
	free(man);
}
END_TEST

/* The check above fails for a key documented in another section. */
START_TEST(test_key_in_the_wrong_section_is_not_documented)
{
	static const char man[] =
	    ".SH SECTIONS\n.SS [server]\n.TP\n.B port\nText.\n"
	    ".SS [limits]\n.TP\n.BR body_size \" (bytes)\"\n"
	    "port is mentioned here.\n.B header\n.SH SEE ALSO\n.B host\n";

	ck_assert(documented_in_section(man, "server", "port"));
	ck_assert(documented_in_section(man, "limits", "body_size"));
	ck_assert(!documented_in_section(man, "limits", "port"));
	ck_assert(!documented_in_section(man, "server", "body_size"));
	ck_assert(!documented_in_section(man, "server", "host"));
	ck_assert(!documented_in_section(man, "timeouts", "header"));
	ck_assert(documented_in_section(man, "limits", "header"));
	ck_assert(!documented_in_section(man, "server", "por"));
}
END_TEST

START_TEST(test_keys_documented_in_shipped_ini)
{
	const struct schema_key *k;
	char *ini, sect[64];
	size_t n, i;

	ini = slurp(SRCDIR "/conf/gua.ini");
	k = schema_keys(&n);
	for (i = 0; i < n; i++) {
		ck_assert_msg(has_key_line(ini, k[i].name),
		    "conf/gua.ini does not show [%s] %s", k[i].section,
		    k[i].name);
		snprintf(sect, sizeof(sect), "\n[%s]\n", k[i].section);
		ck_assert_msg(strstr(ini, sect) != NULL,
		    "conf/gua.ini has no section [%s]", k[i].section);
	}
	free(ini);
}
END_TEST

/* The shipped example is itself a valid configuration. */
START_TEST(test_shipped_ini_parses)
{
	char *ini, err[CONF_ERR_MAX];
	struct conf *c;

	ini = slurp(SRCDIR "/conf/gua.ini");
	c = conf_parse(ini, strlen(ini), "gua.ini", SRCDIR "/conf", 0, err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_ge(c->nroutes, 1);
	conf_free(c);
	free(ini);
}
END_TEST

/* True if text has "key = " under "[section]" (and maybe elsewhere). */
static int
in_section(const char *text, const char *section, const char *key)
{
	const char *p, *eol;
	char cur[64] = "", want[128];
	size_t n;

	snprintf(want, sizeof(want), "%s = ", key);
	for (p = text; *p != '\0'; p = *eol ? eol + 1 : eol) {
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		n = (size_t)(eol - p);
		if (*p == '[' && n >= 2 && n - 2 < sizeof(cur)) {
			memcpy(cur, p + 1, n - 2);
			cur[n - 2] = '\0';
		} else if (strncmp(p, want, strlen(want)) == 0 &&
		    strcmp(cur, section) == 0)
			return 1; /* a name may be in two sections: port */
	}
	return 0;
}

START_TEST(test_conf_keys_lists_every_key)
{
	static const char *const want[][2] = {
		{ "server", "host" },
		{ "server", "port" },
		{ "server", "workers" },
		{ "server", "root" },
		{ "server", "error_log" },
		{ "server", "access_log" },
		{ "server", "user" },
		{ "server", "group" },
		{ "server", "allow_root" },
		{ "server", "sandbox" },
		{ "limits", "connections" },
		{ "limits", "request_line" },
		{ "limits", "header_size" },
		{ "limits", "header_fields" },
		{ "limits", "body_size" },
		{ "timeouts", "header" },
		{ "timeouts", "body" },
		{ "timeouts", "keepalive" },
		{ "timeouts", "send" },
		{ "msg", "db" },
		{ "msg", "max_length" },
		{ "msg", "page_size" },
		{ "msg", "busy_timeout" },
		{ "tls", "port" },
		{ "tls", "certificate" },
		{ "tls", "key" },
		{ "tls", "protocols" },
		{ "tls", "sni" },
		{ "tls", "redirect" },
		{ "tls", "hsts" },
		{ "tls", "ktls" },
	};
	const struct schema_key *k;
	size_t n, i, j;
	int found;

	k = schema_keys(&n);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		found = 0;
		for (j = 0; j < n; j++)
			if (strcmp(k[j].section, want[i][0]) == 0 &&
			    strcmp(k[j].name, want[i][1]) == 0)
				found++;
		ck_assert_msg(found == 1, "[%s] %s listed %d times", want[i][0],
		    want[i][1], found);
	}
	/* and each sits in the every-key file under its own section */
	for (j = 0; j < n; j++)
		ck_assert_msg(in_section(every_key, k[j].section, k[j].name),
		    "[%s] %s is not in its section", k[j].section, k[j].name);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_every_key_sets_its_field);
	tcase_add_test(tc, test_every_key_test_is_complete);
	tcase_add_test(tc, test_defaults_when_absent);
	tcase_add_test(tc, test_relative_paths_resolve_against_dir);
	tcase_add_test(tc, test_workers_auto);
	tcase_add_test(tc, test_same_path_file_and_dir_is_not_duplicate);
	tcase_add_test(tc, test_comments_and_blank_lines);
	tcase_add_test(tc, test_long_line_under_the_limit_is_fine);
	tcase_add_test(tc, test_mime_entries);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_error_names_its_line, 0, NERRS);
	tcase_add_test(tc, test_nul_byte_is_an_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_unchecked_fixture(tc, tree_setup, tree_teardown);
	tcase_add_test(tc, test_load_valid_tree);
	tcase_add_test(tc, test_load_absolute_root);
	tcase_add_test(tc, test_load_missing_file_names_its_line);
	tcase_add_test(tc, test_load_missing_dir_names_its_line);
	tcase_add_test(tc, test_load_template_without_placeholder);
	tcase_add_test(tc, test_load_template_with_two_placeholders);
	tcase_add_test(tc, test_load_route_outside_root);
	tcase_add_test(tc, test_load_file_route_to_a_folder);
	tcase_add_test(tc, test_load_dir_route_to_a_file);
	tcase_add_test(tc, test_load_missing_root_names_its_line);
	tcase_add_test(tc, test_load_missing_config);
	tcase_add_test(tc, test_load_without_routes_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_test(tc, test_conf_keys_lists_every_key);
	tcase_add_test(tc, test_keys_documented_in_man_page);
	tcase_add_test(tc, test_key_in_the_wrong_section_is_not_documented);
	tcase_add_test(tc, test_keys_documented_in_shipped_ini);
	tcase_add_test(tc, test_shipped_ini_parses);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(conf_suite)
