/* conf.h: gua.ini, parsed once in the master and read-only after fork. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_CONF_H
#define GUAD_CONF_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "html.h"
#include "http.h"
#include "router.h"
#include "schema.h"

#define CONF_ERR_MAX 512

struct conf_mime {
	char *ext; /* lower case, without the dot */
	char *type;
};

/* [errors]: a status and the page sent with it, relative to the root. */
struct conf_errpage {
	int status;
	char *file;
	int line;
};

struct conf {
	char *path; /* as given */
	char *dir;  /* folder of path */

	char *host;
	unsigned port;
	int ipv6only;	  /* "::" takes IPv6 only, not IPv4 too */
	unsigned workers; /* 0: one per CPU */
	char *root;
	char *error_log;
	char *access_log;
	char *pid_file;	   /* NULL: none */
	int dotfiles;	   /* serve names starting with '.' */
	int sendfile;	   /* else read + write */
	size_t file_cache; /* small files kept; 0: off */
	char *user;	   /* workers run as; NULL: keep */
	char *group;	   /* NULL: the user's own */
	uid_t uid;	   /* of user, resolved at load */
	gid_t gid;
	int allow_root; /* workers may keep uid 0 */
	int sandbox;	/* no_new_privs + Landlock */
	/* the hosts served; none: any host is */
	struct schema_list server_name;
	/* [server] port's connections start with a PROXY header */
	int proxy_protocol;
	/* peers whose X-Forwarded-For and Forwarded name the client */
	struct schema_list trusted_proxies;

	char *access_log_format; /* combined or json */

	struct http_limits limits;
	size_t connections;
	size_t max_requests; /* per worker; 0: no limit */

	unsigned header_timeout; /* seconds */
	unsigned body_timeout;
	unsigned keepalive_timeout;
	unsigned send_timeout;
	unsigned shutdown_timeout;
	unsigned worker_timeout; /* 0: off */

	char *msg_db;
	size_t msg_max_length;
	size_t msg_page_size;
	unsigned msg_busy_timeout; /* ms */

	unsigned tls_port;     /* 0: no TLS listener */
	char *tls_certificate; /* PEM: the leaf, then its chain */
	char *tls_key;
	char *tls_protocols;		 /* "TLSv1.2 TLSv1.3" */
	struct schema_list tls_sni;	 /* more certificate, key pairs */
	int tls_redirect;		 /* the plain port answers 308 */
	char *tls_hsts;			 /* Strict-Transport-Security, "off" */
	const char *hsts;		 /* tls_hsts, or NULL when off */
	int tls_ktls;			 /* ask the kernel to encrypt */
	int tls_proxy_protocol;		 /* as proxy_protocol, [tls] port */
	void *tls_ctx;			 /* SSL_CTX, built with check_files */
	struct schema_list status_allow; /* clients of status and metrics */

	struct conf_mime *mime;
	size_t nmime;

	struct conf_errpage *errpages;
	size_t nerrpages;
	const char *style; /* the site's stylesheet URL, or NULL */

	struct route *routes;
	size_t nroutes;
	struct router router;
	int root_fd; /* O_PATH, the document root */
};

struct conf *conf_load(const char *path, char err[CONF_ERR_MAX]);
struct conf *
conf_read(const char *path, int check_files, char err[CONF_ERR_MAX]);
struct conf *conf_parse(const char *text, size_t len, const char *name,
    const char *dir, int check_files, char err[CONF_ERR_MAX]);
int conf_dump(const struct conf *, FILE *, char err[CONF_ERR_MAX]);
void conf_free(struct conf *);
unsigned conf_workers(const struct conf *);

#endif
