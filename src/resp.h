/* resp.h: a response as handlers describe it, and its head on the wire. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_RESP_H
#define GUAD_RESP_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "http.h"

#define RESP_BODY_MAX 3
/*
 * Every 503 tells the client when to try again: seconds. What it answers
 * (a busy or unreachable store, no descriptor or memory left, a stuck
 * worker) passes within about a second or is not helped by waiting longer.
 */
#define RESP_RETRY_AFTER_S 1
struct response {
	int status;
	const char *content_type;
	const char *location; /* 301, 303 */
	const char *allow;    /* 405, OPTIONS */
	const char *cache_control;
	const char *hsts; /* Strict-Transport-Security, over TLS */
	const char *content_encoding;
	unsigned vary : 1;	  /* Vary: Accept-Encoding */
	unsigned vary_accept : 1; /* Vary: Accept */
	time_t last_modified;	  /* 0: none */
	const char *lastmod;	  /* it formatted, or NULL */
	char etag[40];		  /* "" : none */
	struct http_slice body[RESP_BODY_MAX];
	int nbody;
	int fd; /* file body, -1: none */
	off_t file_off;
	off_t file_len;
	off_t range_total;	 /* 206, 416: the whole length */
	unsigned close : 1;	 /* end the connection after */
	unsigned no_body : 1;	 /* HEAD, 304 */
	unsigned retry_after;	 /* 503: seconds */
	unsigned error_page : 1; /* the body is resp_error's page */
	const char *detail;	 /* its sentence saying why, or NULL */
	char ebuf[512]; /* the middle of the error page; last, see resp_init */
};

void resp_init(struct response *);
void resp_error(struct response *, int status);
void resp_error_detail(struct response *, int status, const char *);
void resp_body(struct response *, const char *, size_t);
off_t resp_content_length(const struct response *);
void
resp_head(struct buf *, const struct response *, int keep_alive, int http10);

#endif
