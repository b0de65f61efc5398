/* resp.c: a response as handlers describe it, and its head on the wire. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "page.h"
#include "resp.h"

/*
 * Every field zero but the error page's buffer, which only page.c
 * writes before it reads: clearing its 512 bytes would cost every
 * request more than the rest of its head.
 */
void
resp_init(struct response *r)
{
	memset(r, 0, offsetof(struct response, ebuf));
	r->status = HTTP_STATUS_OK;
	r->fd = -1;
}

/* Adds a body segment; the bytes must live until the head is written. */
void
resp_body(struct response *r, const char *p, size_t len)
{
	if (r->nbody < RESP_BODY_MAX && len > 0) {
		r->body[r->nbody].p = p;
		r->body[r->nbody].len = len;
		r->nbody++;
	}
}

/*
 * Turns r into the short HTML page for an error status. Only what a
 * client needs to know to act is kept (Allow, Location, Content-Range),
 * and on a redirect the Cache-Control its handler set; a 503 gets
 * Retry-After.
 */
void
resp_error(struct response *r, int status)
{
	resp_error_detail(r, status, NULL);
}

/*
 * Like resp_error, with a sentence (plain ASCII, no markup, a string
 * that outlives the response) saying why. The page is the built-in one
 * with the built-in style; page_error_finish, called just before it is
 * sent, may swap it for the site's.
 */
void
resp_error_detail(struct response *r, int status, const char *detail)
{
	r->status = status;
	r->content_type = "text/html; charset=utf-8";
	r->nbody = 0;
	r->etag[0] = '\0';
	r->last_modified = 0;
	r->lastmod = NULL;
	if (status < 300 || status > 399)
		r->cache_control = NULL;
	r->content_encoding = NULL;
	r->vary = 0;
	r->vary_accept = 0;
	r->error_page = 1;
	r->detail = detail;
	r->retry_after =
	    status == HTTP_STATUS_SERVICE_UNAVAILABLE ? RESP_RETRY_AFTER_S : 0;
	page_error_builtin(r, NULL);
}

off_t
resp_content_length(const struct response *r)
{
	off_t len = 0;
	int i;

	if (r->fd != -1)
		return r->file_len;
	for (i = 0; i < r->nbody; i++)
		len += (off_t)r->body[i].len;
	return len;
}

/*
 * Appends the status line and header fields of r to b. The connection
 * header says close on the last response, and keep-alive to HTTP/1.0.
 */
void
resp_head(struct buf *b, const struct response *r, int keep_alive, int http10)
{
	char date[DATE_HTTP_LEN + 1];
	const char *reason = http_status_reason(r->status);
	off_t len = resp_content_length(r);

	/* a status is three digits (RFC 9110 15): no loop to write them */
	unsigned st = (unsigned)r->status % 1000;
	char code[] = { 'H', 'T', 'T', 'P', '/', '1', '.', '1', ' ',
		(char)('0' + st / 100), (char)('0' + st / 10 % 10),
		(char)('0' + st % 10), ' ' };

	buf_add(b, code, sizeof(code));
	buf_adds(b, reason ? reason : "Unknown");
	BUF_ADDLIT(b, "\r\nServer: guad/" PACKAGE_VERSION "\r\nDate: ");
	buf_add(b, date_http(), DATE_HTTP_LEN);
	if (r->content_type != NULL) {
		BUF_ADDLIT(b, "\r\nContent-Type: ");
		buf_adds(b, r->content_type);
	}
	if (r->status != HTTP_STATUS_NOT_MODIFIED &&
	    r->status != HTTP_STATUS_NO_CONTENT) {
		BUF_ADDLIT(b, "\r\nContent-Length: ");
		buf_addu(b, (uint64_t)len);
	}
	if (r->status == HTTP_STATUS_PARTIAL_CONTENT) {
		BUF_ADDLIT(b, "\r\nContent-Range: bytes ");
		buf_addu(b, (uint64_t)r->file_off);
		buf_addc(b, '-');
		buf_addu(b, (uint64_t)(r->file_off + r->file_len - 1));
		buf_addc(b, '/');
		buf_addu(b, (uint64_t)r->range_total);
	} else if (r->status == HTTP_STATUS_RANGE_NOT_SATISFIABLE) {
		BUF_ADDLIT(b, "\r\nContent-Range: bytes */");
		buf_addu(b, (uint64_t)r->range_total);
	}
	if (r->lastmod != NULL) {
		BUF_ADDLIT(b, "\r\nLast-Modified: ");
		buf_add(b, r->lastmod, DATE_HTTP_LEN);
	} else if (r->last_modified != 0) {
		date_format_http(date, r->last_modified);
		BUF_ADDLIT(b, "\r\nLast-Modified: ");
		buf_add(b, date, DATE_HTTP_LEN);
	}
	if (r->etag[0] != '\0') {
		BUF_ADDLIT(b, "\r\nETag: ");
		buf_adds(b, r->etag);
	}
	if (r->etag[0] != '\0' && r->status != HTTP_STATUS_NOT_MODIFIED)
		BUF_ADDLIT(b, "\r\nAccept-Ranges: bytes");
	if (r->content_encoding != NULL) {
		BUF_ADDLIT(b, "\r\nContent-Encoding: ");
		buf_adds(b, r->content_encoding);
	}
	if (r->vary && r->vary_accept)
		BUF_ADDLIT(b, "\r\nVary: Accept-Encoding, Accept");
	else if (r->vary)
		BUF_ADDLIT(b, "\r\nVary: Accept-Encoding");
	else if (r->vary_accept)
		BUF_ADDLIT(b, "\r\nVary: Accept");
	if (r->cache_control != NULL) {
		BUF_ADDLIT(b, "\r\nCache-Control: ");
		buf_adds(b, r->cache_control);
	}
	if (r->location != NULL) {
		BUF_ADDLIT(b, "\r\nLocation: ");
		buf_adds(b, r->location);
	}
	if (r->allow != NULL) {
		BUF_ADDLIT(b, "\r\nAllow: ");
		buf_adds(b, r->allow);
	}
	if (r->retry_after != 0) {
		BUF_ADDLIT(b, "\r\nRetry-After: ");
		buf_addu(b, r->retry_after);
	}
	if (r->hsts != NULL) {
		BUF_ADDLIT(b, "\r\nStrict-Transport-Security: ");
		buf_adds(b, r->hsts);
	}
	BUF_ADDLIT(b, "\r\nX-Content-Type-Options: nosniff");
	if (!keep_alive)
		BUF_ADDLIT(b, "\r\nConnection: close");
	else if (http10)
		BUF_ADDLIT(b, "\r\nConnection: keep-alive");
	BUF_ADDLIT(b, "\r\n\r\n");
}
