/* http.h: the HTTP/1.1 request parser (RFC 9112), statuses and methods. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_HTTP_H
#define GUAD_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_AGAIN (-1) /* parse result: more bytes needed */

enum http_method {
	HTTP_METHOD_GET,
	HTTP_METHOD_HEAD,
	HTTP_METHOD_POST,
	HTTP_METHOD_PUT,
	HTTP_METHOD_DELETE,
	HTTP_METHOD_CONNECT,
	HTTP_METHOD_OPTIONS,
	HTTP_METHOD_TRACE,
	HTTP_METHOD_PATCH,
	HTTP_METHOD_COUNT
};

enum http_status {
	HTTP_STATUS_CONTINUE = 100,
	HTTP_STATUS_OK = 200,
	HTTP_STATUS_NO_CONTENT = 204,
	HTTP_STATUS_PARTIAL_CONTENT = 206,
	HTTP_STATUS_MOVED_PERMANENTLY = 301,
	HTTP_STATUS_FOUND = 302,
	HTTP_STATUS_SEE_OTHER = 303,
	HTTP_STATUS_NOT_MODIFIED = 304,
	HTTP_STATUS_TEMPORARY_REDIRECT = 307,
	HTTP_STATUS_PERMANENT_REDIRECT = 308,
	HTTP_STATUS_BAD_REQUEST = 400,
	HTTP_STATUS_FORBIDDEN = 403,
	HTTP_STATUS_NOT_FOUND = 404,
	HTTP_STATUS_METHOD_NOT_ALLOWED = 405,
	HTTP_STATUS_REQUEST_TIMEOUT = 408,
	HTTP_STATUS_LENGTH_REQUIRED = 411,
	HTTP_STATUS_PRECONDITION_FAILED = 412,
	HTTP_STATUS_CONTENT_TOO_LARGE = 413,
	HTTP_STATUS_URI_TOO_LONG = 414,
	HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE = 415,
	HTTP_STATUS_RANGE_NOT_SATISFIABLE = 416,
	HTTP_STATUS_EXPECTATION_FAILED = 417,
	HTTP_STATUS_MISDIRECTED_REQUEST = 421,
	HTTP_STATUS_HEADER_FIELDS_TOO_LARGE = 431,
	HTTP_STATUS_INTERNAL_SERVER_ERROR = 500,
	HTTP_STATUS_NOT_IMPLEMENTED = 501,
	HTTP_STATUS_SERVICE_UNAVAILABLE = 503,
	HTTP_STATUS_VERSION_NOT_SUPPORTED = 505,
	HTTP_STATUS_COUNT
};

struct http_limits {
	size_t request_line;  /* 414 past this */
	size_t header_size;   /* 431 past this */
	size_t header_fields; /* 431 past this */
	size_t body_size;     /* 413 past this */
};

struct http_slice {
	const char *p;
	size_t len;
};

/*
 * A parsed head; every slice points into the caller's buffer or its join
 * buffer. A new slice goes into http_request.c's slices[] too.
 */
struct http_request {
	enum http_method method;
	int minor;		 /* HTTP/1.minor */
	struct http_slice line;	 /* request line, for the log */
	struct http_slice path;	 /* raw, before decoding */
	struct http_slice query; /* after '?'; p is NULL if none */
	struct http_slice host;
	struct http_slice content_type;
	struct http_slice if_match;
	struct http_slice if_unmodified_since;
	struct http_slice if_none_match;
	struct http_slice if_modified_since;
	struct http_slice range;
	struct http_slice if_range;
	struct http_slice accept_encoding;
	struct http_slice accept;
	struct http_slice referer;
	struct http_slice user_agent;
	struct http_slice origin;	  /* RFC 6454 */
	struct http_slice sec_fetch_site; /* Fetch Metadata */
	struct http_slice sec_purpose;	  /* "prefetch", from browsers */
	struct http_slice purpose;	  /* the older "prefetch" */
	int64_t content_length;		  /* -1: none */
	unsigned chunked : 1;
	unsigned keep_alive : 1;
	unsigned asterisk : 1; /* OPTIONS * */
	unsigned expect_continue : 1;
	unsigned https : 1; /* it came over TLS: set by conn.c */
	size_t head_len;    /* bytes of the head, with CRLFs */
	/* the client a trusted proxy named; 0: the connection's peer is */
	uint8_t client_family;
	uint8_t client_addr[16];
};

int http_parse_head(struct http_request *, const char *, size_t,
    size_t *scanned, const struct http_limits *, char *join, size_t joincap);
int http_token_eq(const char *, size_t, const char *);

/* Field values: HTAB, SP, VCHAR and obs-text; no other control. */
static inline int
http_field_value_ok(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return 0;
	return 1;
}

#include "http_status.h"

#endif
