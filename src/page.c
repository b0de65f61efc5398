/* page.c: the look of the pages guad writes itself, and error pages. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "fsopen.h"
#include "html.h"
#include "mime.h"
#include "page.h"
#include "router.h"
#include "static.h"

#define PAGE_TOP \
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n" \
	"<meta charset=\"utf-8\">\n" \
	"<meta name=\"viewport\" " \
	"content=\"width=device-width, initial-scale=1\">\n"

/*
 * The site's look (www/static/style.css) in a few lines, for a tree
 * without a stylesheet of its own: cream page, orange headings, and the
 * listing table.
 */
#define PAGE_STYLE \
	"body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto," \
	"sans-serif;line-height:1.5;color:#222;background:#fdfaf3;" \
	"max-width:48rem;margin:2rem auto;padding:0 1rem}" \
	"h1{color:#b26600;font-size:2rem;margin:0 0 1rem;" \
	"overflow-wrap:anywhere}a{color:#0b5cad}" \
	"table.listing{width:100%;border-collapse:collapse}" \
	"table.listing th,table.listing td{text-align:left;" \
	"padding:.3rem .5rem;border-bottom:1px solid #e4ddd0;" \
	"vertical-align:top}" \
	"table.listing td:first-child{overflow-wrap:anywhere}" \
	"table.listing .size{text-align:right;white-space:nowrap}" \
	"table.listing .time{white-space:nowrap;color:#666}" \
	"table.listing th a{color:inherit}" \
	"@media (max-width:30rem){table.listing .time{font-size:.8em}" \
	"table.listing th,table.listing td{padding:.3rem .25rem}}"

const char page_style[] = PAGE_STYLE;

static const char top_linked[] = PAGE_TOP;
static const char top_styled[] = PAGE_TOP "<style>" PAGE_STYLE "</style>\n";

#define PAGE_HOME "<p><a href=\"/\">Go to the home page</a></p>\n"
#define PAGE_AGAIN \
	"<p><a href=\"\">Try again</a> or " \
	"<a href=\"/\">go to the home page</a>.</p>\n"
#define PAGE_END	"</body>\n</html>\n"
#define ADVICE(s)	"<p>" s "</p>\n" PAGE_HOME PAGE_END
#define ADVICE_AGAIN(s) "<p>" s "</p>\n" PAGE_AGAIN PAGE_END

/* What a visitor can do, by status: the end of each error page. */
static const struct {
	const char *text;
} advice[HTTP_STATUS_COUNT] = {
	[HTTP_STATUS_BAD_REQUEST] = { ADVICE(
	    "The server could not understand the request. Check"
	    " the address for typing mistakes.") },
	[HTTP_STATUS_FORBIDDEN] = { ADVICE(
	    "This page exists but is not open to visitors.") },
	[HTTP_STATUS_NOT_FOUND] = { ADVICE(
	    "There is no page at this address. Check it for "
	    "typing mistakes, or start again from the home "
	    "page.") },
	/* page_error_builtin says what it takes instead */
	[HTTP_STATUS_METHOD_NOT_ALLOWED] = { PAGE_HOME PAGE_END },
	[HTTP_STATUS_REQUEST_TIMEOUT] = { ADVICE_AGAIN(
	    "The request took too long to arrive.") },
	[HTTP_STATUS_LENGTH_REQUIRED] = { ADVICE(
	    "The request must say how long its body is "
	    "(Content-Length).") },
	[HTTP_STATUS_PRECONDITION_FAILED] = { ADVICE_AGAIN(
	    "A condition of the request was not met. Reload the"
	    " page.") },
	[HTTP_STATUS_CONTENT_TOO_LARGE] = { ADVICE(
	    "What was sent is too large. Send something "
	    "smaller.") },
	[HTTP_STATUS_URI_TOO_LONG] = { ADVICE(
	    "The address is too long. Shorten it and try again.") },
	[HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE] = { ADVICE(
	    "This address does not take content in that format.") },
	[HTTP_STATUS_RANGE_NOT_SATISFIABLE] = { ADVICE(
	    "The part of the file asked for lies outside it. "
	    "Load the whole file instead.") },
	[HTTP_STATUS_EXPECTATION_FAILED] = { ADVICE(
	    "The server cannot meet the request's Expect "
	    "header. Send it without one.") },
	[HTTP_STATUS_MISDIRECTED_REQUEST] = { ADVICE(
	    "This server does not answer for that host name. "
	    "Check the address.") },
	[HTTP_STATUS_HEADER_FIELDS_TOO_LARGE] = { ADVICE(
	    "The request's header fields are too large. "
	    "Clearing this site's cookies may help.") },
	[HTTP_STATUS_INTERNAL_SERVER_ERROR] = { ADVICE_AGAIN(
	    "Something went wrong on the server.") },
	[HTTP_STATUS_NOT_IMPLEMENTED] = { ADVICE(
	    "The server does not support this request method.") },
	[HTTP_STATUS_SERVICE_UNAVAILABLE] = { ADVICE_AGAIN(
	    "The server cannot answer right now. Please try "
	    "again in a moment.") },
	[HTTP_STATUS_VERSION_NOT_SUPPORTED] = { ADVICE(
	    "The server speaks HTTP/1.0 and HTTP/1.1 only.") },
};

/*
 * The end of the built-in page for status: a sentence saying what the
 * visitor can do, a way on, and the closing tags. Never NULL.
 */
const char *
page_advice(int status)
{
	if (status >= 300 && status <= 399)
		return PAGE_END;
	if (status < 0 || status >= HTTP_STATUS_COUNT ||
	    advice[status].text == NULL)
		return PAGE_HOME PAGE_END;
	return advice[status].text;
}

/*
 * Appends the head of a page guad writes (a listing): up to and with
 * "<body>", the title escaped, linking the stylesheet style (a URL
 * path, or NULL for the built-in style).
 */
void
page_head(struct buf *b, const char *style, const char *title, size_t tlen)
{
	if (style != NULL)
		BUF_ADDLIT(b, PAGE_TOP);
	else
		BUF_ADDLIT(b, PAGE_TOP "<style>" PAGE_STYLE "</style>\n");
	BUF_ADDLIT(b, "<title>");
	html_escape(b, title, tlen);
	BUF_ADDLIT(b, "</title>\n");
	if (style != NULL) {
		BUF_ADDLIT(b, "<link rel=\"stylesheet\" href=\"");
		html_escape(b, style, strlen(style));
		BUF_ADDLIT(b, "\">\n");
	}
	BUF_ADDLIT(b, "</head>\n<body>\n");
}

/* Appends what add appends to b, or nothing if it does not fit whole. */
static void
add_whole(struct buf *b, const char *pre, const char *s, const char *mid,
    const char *s2, const char *post)
{
	size_t len = b->len;

	buf_adds(b, pre);
	html_escape(b, s, strlen(s));
	if (mid != NULL) {
		buf_adds(b, mid);
		html_escape(b, s2, strlen(s2));
	}
	buf_adds(b, post);
	if (b->failed) {
		b->len = len;
		b->failed = 0;
	}
}

/*
 * Sets r's body to the built-in page for r->status: three segments,
 * the top and the advice constant, the middle (title, heading, the
 * detail, where a redirect leads, what a 405 allows) in r->ebuf. With
 * style (a URL path) the page links that stylesheet, else it carries
 * the built-in style.
 */
void
page_error_builtin(struct response *r, const char *style)
{
	const char *reason = http_status_reason(r->status);
	struct buf b = { r->ebuf, 0, sizeof(r->ebuf), sizeof(r->ebuf), 0 };
	char num[16];

	if (reason == NULL)
		reason = "";
	snprintf(num, sizeof(num), "%d ", r->status);
	r->nbody = 0;
	resp_body(r, style != NULL ? top_linked : top_styled,
	    style != NULL ? sizeof(top_linked) - 1 : sizeof(top_styled) - 1);
	buf_adds(&b, "<title>");
	buf_adds(&b, num);
	buf_adds(&b, reason);
	buf_adds(&b, "</title>\n");
	if (style != NULL)
		add_whole(&b, "<link rel=\"stylesheet\" href=\"", style, NULL,
		    NULL, "\">\n");
	buf_adds(&b, "</head>\n<body>\n<h1>");
	buf_adds(&b, num);
	buf_adds(&b, reason);
	buf_adds(&b, "</h1>\n");
	if (b.failed)
		return;
	if (r->detail != NULL)
		add_whole(&b, "<p>", r->detail, NULL, NULL, "</p>\n");
	if (r->location != NULL && r->status >= 300 && r->status <= 399)
		add_whole(&b, "<p>It is now at <a href=\"", r->location, "\">",
		    r->location, "</a>.</p>\n");
	if (r->status == HTTP_STATUS_METHOD_NOT_ALLOWED)
		add_whole(&b,
		    "<p>This address does not take that kind of request. "
		    "It takes ",
		    r->allow != NULL ? r->allow : "GET and HEAD", NULL, NULL,
		    ".</p>\n");
	resp_body(r, r->ebuf, b.len);
	resp_body(r, page_advice(r->status), strlen(page_advice(r->status)));
}

/* The [errors] file for status, or NULL. */
static const char *
error_file(const struct conf *c, int status)
{
	size_t i;

	for (i = 0; i < c->nerrpages; i++)
		if (c->errpages[i].status == status)
			return c->errpages[i].file;
	return NULL;
}

/*
 * Opens an error page file below the root: a regular file of at most
 * PAGE_ERROR_FILE_MAX bytes. Returns its fd (st filled), or -1.
 */
static int
open_page(const struct conf *c, const char *file, struct stat *st)
{
	int fd;

	if ((fd = fsopen_beneath(c->root_fd, file, O_RDONLY | O_NONBLOCK)) ==
	    -1)
		return -1;
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode) ||
	    st->st_size > PAGE_ERROR_FILE_MAX) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* The Content-Type of an [errors] file, by its name: HTML unless it says. */
static const char *
page_type(const struct conf *c, const char *file)
{
	const char *t = mime_by_ext(NULL, c, file);

	if (t == NULL || strcmp(t, "text/html") == 0)
		return "text/html; charset=utf-8";
	if (strcmp(t, "text/plain") == 0)
		return "text/plain; charset=utf-8";
	return t;
}

/*
 * Gives an error response (resp_error) its final body, just before it
 * is sent: the operator's [errors] file for its status if it opens now,
 * else the built-in page in the site's stylesheet. The status and the
 * fields resp_error kept stay; a custom page is never a range and never
 * revalidated, and HEAD sends its length without it.
 */
void
page_error_finish(const struct conf *c, struct response *r)
{
	const char *file;
	struct stat st;
	int fd;

	if (!r->error_page || r->fd != -1)
		return;
	file = error_file(c, r->status);
	if (file != NULL && (fd = open_page(c, file, &st)) != -1) {
		r->nbody = 0;
		r->fd = fd;
		r->file_off = 0;
		r->file_len = st.st_size;
		r->content_type = page_type(c, file);
		return;
	}
	if (c->style != NULL)
		page_error_builtin(r, c->style);
}

/*
 * Adds one [errors] line, "status = file": an error status guad sends
 * (400 to 599) and a page below the root to send with it. Returns 0, or
 * -1 with a message in err ("[errors] ...", without the file and line).
 */
int
page_conf_add(struct conf *c, const char *status, const char *file, int line,
    char *err, size_t errlen)
{
	struct conf_errpage *e;
	unsigned long n;
	size_t i;
	char *end;

	errno = 0;
	n = strtoul(status, &end, 10);
	if (status[0] < '1' || status[0] > '9' || *end != '\0' || errno != 0 ||
	    n < 400 || n > 599 || http_status_reason((int)n) == NULL) {
		snprintf(err, errlen,
		    "[errors] %s: not an error status guad sends (400 to 599)",
		    status);
		return -1;
	}
	if (*file == '\0' || *file == '/' || strpbrk(file, " \t") != NULL) {
		snprintf(err, errlen,
		    "[errors] %s: expected a file below the root, not \"%s\"",
		    status, file);
		return -1;
	}
	for (i = 0; i < c->nerrpages; i++)
		if (c->errpages[i].status == (int)n) {
			snprintf(err, errlen,
			    "[errors] %s: set twice (first on line %d)", status,
			    c->errpages[i].line);
			return -1;
		}
	e = realloc(c->errpages, (c->nerrpages + 1) * sizeof(*e));
	if (e == NULL)
		goto oom;
	c->errpages = e;
	e = &c->errpages[c->nerrpages];
	e->status = (int)n;
	e->line = line;
	if ((e->file = strdup(file)) == NULL)
		goto oom;
	c->nerrpages++;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/*
 * Opens each [errors] file as page_error_finish will. Returns 0, or the
 * gua.ini line of the first that fails, with a message in err.
 */
int
page_conf_check(const struct conf *c, char *err, size_t errlen)
{
	const struct conf_errpage *e;
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < c->nerrpages; i++) {
		e = &c->errpages[i];
		if ((fd = open_page(c, e->file, &st)) != -1) {
			close(fd);
			continue;
		}
		snprintf(err, errlen, "[errors] %d: %s: %s", e->status, e->file,
		    errno == EXDEV ? "outside the root"
			: errno == EINVAL
			? "not a regular file of at most 64 KiB"
			: strerror(errno));
		return e->line;
	}
	return 0;
}

/* Frees the [errors] entries of a configuration. */
void
page_conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nerrpages; i++)
		free(c->errpages[i].file);
	free(c->errpages);
	c->errpages = NULL;
	c->nerrpages = 0;
}

/* Is url (a path) served as a regular file by the routes of c? */
static int
served(const struct conf *c, const char *url)
{
	const struct route *rt;
	struct stat st;
	int fd;

	rt = router_match(&c->router, url, strlen(url));
	if (rt == NULL)
		return 0;
	if (rt->handler == &handler_file)
		fd = fsopen_beneath(c->root_fd, rt->arg, O_PATH);
	else if (rt->handler == &handler_dir)
		fd = fsopen_beneath(rt->fd, url + rt->len, O_PATH);
	else
		return 0;
	if (fd == -1)
		return 0;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	close(fd);
	return 1;
}

/*
 * The site's stylesheet, looked up once when gua.ini is loaded: the
 * first of /static/style.css and /style.css that a route serves from an
 * existing file. Listings and error pages link it; NULL: none, they
 * carry the built-in style.
 */
const char *
page_find_style(const struct conf *c)
{
	static const char *const candidates[] = { "/static/style.css",
		"/style.css" };
	size_t i;

	for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (served(c, candidates[i]))
			return candidates[i];
	return NULL;
}
