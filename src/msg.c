/* msg.c: the message board page: GET and POST ways in, a store behind. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "date.h"
#include "fsopen.h"
#include "handler.h"
#include "hex.h"
#include "html.h"
#include "log.h"
#include "msg.h"
#include "precond.h"
#include "route.h"
#include "router.h"
#include "sandbox.h"
#include "uri.h"
#include "xsite.h"

/*
 * Opens the store now and, after a failure, again at most once a second;
 * STORE_BUSY (locked by another connection for now) is no failure.
 */
static int
msg_open(struct msg *m)
{
	int rc;

	if (m->open)
		return 0;
	if (date_now() < m->retry_at)
		return -1;
	if ((rc = store_open(&m->store, m->conf->msg_db)) != 0) {
		if (rc == -1)
			m->retry_at = date_now() + 1;
		return rc;
	}
	m->open = 1;
	m->list_ok = 0;
	return 0;
}

/*
 * The most the rendered list may take: page_size items of max_length
 * bytes, each escaped, with their markup; SIZE_MAX if that does not fit
 * in a size_t.
 */
size_t
msg_list_max(size_t page_size, size_t max_length)
{
	size_t item;

	if (max_length > (SIZE_MAX - MSG_ITEM_MARKUP) / HTML_ESCAPE_MAX)
		return SIZE_MAX;
	item = max_length * HTML_ESCAPE_MAX + MSG_ITEM_MARKUP;
	if (page_size > SIZE_MAX / item)
		return SIZE_MAX;
	return page_size * item;
}

/* Sets up a worker's board; the store may open later. */
int
msg_init(struct msg *m, const struct conf *c)
{
	memset(m, 0, sizeof(*m));
	m->conf = c;
	/* the list grows only as far as the messages on it need */
	if (buf_init(&m->list, 4096,
		msg_list_max(c->msg_page_size, c->msg_max_length)) == -1)
		return -1;
	/* a form value decodes to no more bytes than it has */
	if ((m->text = malloc(c->limits.body_size > c->limits.request_line
		     ? c->limits.body_size + 1
		     : c->limits.request_line + 1)) == NULL)
		return -1;
	(void)msg_open(m);
	return 0;
}

void
msg_free(struct msg *m)
{
	if (m->open)
		store_close(&m->store);
	buf_free(&m->list);
	free(m->text);
	memset(m, 0, sizeof(*m));
}

/*
 * Decodes a form-encoded message. Returns 0, or 400 (with *why) for a bad
 * escape, invalid UTF-8 or an empty message, or 413 past max bytes.
 */
int
msg_decode(const char *raw, size_t len, size_t max, char *out, size_t *outlen,
    const char **why)
{
	if (uri_form_decode(raw, len, out, outlen) != 0) {
		*why = "The message must be form-encoded UTF-8 text.";
		return HTTP_STATUS_BAD_REQUEST;
	}
	if (*outlen == 0) {
		*why = "The message is empty.";
		return HTTP_STATUS_BAD_REQUEST;
	}
	if (*outlen > max) {
		*why = "The message is too long.";
		return HTTP_STATUS_CONTENT_TOO_LARGE;
	}
	return 0;
}

/* One message as a list item: its time, then its text, escaped. */
void
msg_render_item(struct buf *b, int64_t created, const char *text, size_t len)
{
	char iso[32], human[32];
	struct tm tm;
	time_t t = (time_t)created;

	/* a time from a foreign database may be out of any calendar, or
	 * in a year strftime's int arithmetic wraps */
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year > INT_MAX - 1900 ||
	    strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 ||
	    strftime(human, sizeof(human), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0) {
		strcpy(iso, "");
		strcpy(human, "(unknown time)");
	}
	BUF_ADDLIT(b, "<li><time datetime=\"");
	buf_adds(b, iso);
	BUF_ADDLIT(b, "\">");
	buf_adds(b, human);
	BUF_ADDLIT(b, "</time> <span class=\"text\">");
	html_escape(b, text, len);
	BUF_ADDLIT(b, "</span></li>\n");
}

static int
add_row(void *arg, int64_t id, int64_t created, const char *text, size_t len)
{
	struct msg *m = arg;

	/* the newest comes first: it dates the page */
	if (m->nlisted++ == 0) {
		m->newest_id = id;
		m->newest_time = created;
	}
	msg_render_item(&m->list, created, text, len);
	return 0;
}

/*
 * Re-renders the list only when the store has changed since last time:
 * 0, STORE_BUSY, STORE_WAIT (m->store.wait says for what), or -1.
 */
static int
render(struct msg *m)
{
	int rc;

	if (m->list_ok && !store_changed(&m->store, date_turn()))
		return 0;
	m->list.len = 0;
	m->list.failed = 0;
	m->nlisted = 0;
	m->newest_id = 0;
	m->newest_time = 0;
	if ((rc = store_list(&m->store, m->conf->msg_page_size, add_row, m)) !=
		0 ||
	    m->list.failed) {
		m->list_ok = 0;
		return rc == STORE_BUSY || rc == STORE_WAIT ? rc : -1;
	}
	m->list_ok = 1;
	return 0;
}

static int
form_type(const struct http_slice *ct)
{
	static const char form[] = "application/x-www-form-urlencoded";
	size_t n = sizeof(form) - 1;

	return ct->p != NULL && ct->len >= n &&
	    strncasecmp(ct->p, form, n) == 0 &&
	    (ct->len == n || ct->p[n] == ';' || ct->p[n] == ' ');
}

/* What a request keeps while it waits for the store (hreq's state). */
struct msg_wait {
	uint64_t ticket; /* its insert, once begun */
	int stored;	 /* the GET way's message is committed */
};

/* The request's msg_wait, made on first use; NULL without memory. */
static struct msg_wait *
wait_state(struct hreq *q)
{
	if (q->state == NULL)
		q->state = calloc(1, sizeof(struct msg_wait));
	return q->state;
}

/* What take() did with a message. */
enum take {
	TAKE_STORED, /* committed */
	TAKE_BUSY,   /* another connection holds the write lock: not stored */
	TAKE_WAIT,   /* in flight: m->store.wait says for what */
	TAKE_REFUSED /* not stored: r holds the error to send */
};

/*
 * Stores one message, if the store is free now, or goes on with the
 * insert this request began.
 */
static enum take
take(struct msg *m, struct hreq *q, const char *raw, size_t len,
    struct response *r)
{
	struct msg_wait *mw = q->state;
	const char *why = NULL;
	uint64_t ticket = mw != NULL ? mw->ticket : 0;
	size_t n;
	int status;

	status =
	    msg_decode(raw, len, m->conf->msg_max_length, m->text, &n, &why);
	if (status != 0) {
		resp_error_detail(r, status, why);
		return TAKE_REFUSED;
	}
	status = store_add(&m->store, &ticket, m->text, n, (int64_t)date_now());
	if (mw != NULL)
		mw->ticket = ticket;
	switch (status) {
	case 0:
		return TAKE_STORED;
	case STORE_BUSY:
		return TAKE_BUSY;
	case STORE_WAIT:
		if ((mw = wait_state(q)) != NULL) {
			mw->ticket = ticket;
			return TAKE_WAIT;
		}
		log_warn("msg: a waiting request");
		/* FALLTHROUGH */
	default:
		resp_error_detail(r, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "The message could not be stored.");
		return TAKE_REFUSED;
	}
}

/*
 * The validators of the page as rendered last: an entity tag from the
 * newest message's id and the template (a reload may change it, or the
 * page size), and that message's time as Last-Modified. A new message
 * changes both, so a cache that revalidates (Cache-Control: no-cache)
 * gets 304 only while the page is the same.
 */
static void
page_validators(const struct msg *m, const struct route *rt, struct response *r)
{
	uint64_t page = m->conf->msg_page_size;
	uint32_t h;

	h = (uint32_t)hex_hash(page, rt->tmpl.text, rt->tmpl.len);
	snprintf(r->etag, sizeof(r->etag), "\"m%llx-%08x\"",
	    (unsigned long long)m->newest_id, h);
	r->last_modified =
	    m->newest_time > 0 && m->newest_time <= (int64_t)date_now()
	    ? (time_t)m->newest_time
	    : 0;
}

/* A failed precondition: 412, with no body and no validators. */
static int
precondition_failed(struct response *r)
{
	r->status = HTTP_STATUS_PRECONDITION_FAILED;
	r->no_body = 1;
	r->etag[0] = '\0';
	r->last_modified = 0;
	r->content_type = NULL;
	r->cache_control = NULL;
	return 0;
}

/*
 * The preconditions of a POST (RFC 9110 13.2.2), held against the page
 * as it is now: 0 to go on, STORE_BUSY or STORE_WAIT (the page cannot
 * be read for now), or a status (r filled).
 */
static int
post_preconditions(struct msg *m, const struct route *rt,
    const struct http_request *req, struct response *r)
{
	struct precond_state st;

	if (req->if_match.p == NULL && req->if_unmodified_since.p == NULL &&
	    req->if_none_match.p == NULL)
		return 0;
	switch (render(m)) {
	case 0:
		break;
	case STORE_BUSY:
		return STORE_BUSY;
	case STORE_WAIT:
		return STORE_WAIT;
	default:
		resp_error_detail(r, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "The message board is unavailable.");
		return HTTP_STATUS_SERVICE_UNAVAILABLE;
	}
	page_validators(m, rt, r);
	st.etag = r->etag;
	st.last_modified = r->last_modified;
	st.exists = 1;
	if (precond_evaluate(req, &st) != 0) {
		precondition_failed(r);
		return HTTP_STATUS_PRECONDITION_FAILED;
	}
	r->etag[0] = '\0';
	r->last_modified = 0;
	return 0;
}

/*
 * The store is locked by another connection: try again in MSG_RETRY_MS,
 * or, once [msg] busy_timeout has passed since the first try, give up
 * with 503 and Retry-After.
 */
static enum handler_step
busy(struct hreq *q, struct response *r)
{
	int64_t now = date_mono_ms(), waited = now - q->first_ms;

	if (waited < (int64_t)q->conf->msg_busy_timeout)
		return handler_wait_ms(q, now + MSG_RETRY_MS);
	log_warnx("\"%s %.*s\": still busy after %lld ms; 503",
	    http_method_names[q->req->method],
	    (int)(q->req->path.len > 200 ? 200 : q->req->path.len),
	    q->req->path.p, (long long)waited);
	resp_error_detail(r, HTTP_STATUS_SERVICE_UNAVAILABLE,
	    "The server is busy; please try again in a moment.");
	return handler_answer(q, HTTP_STATUS_SERVICE_UNAVAILABLE);
}

/*
 * The store answers later (STORE_WAIT): wait for its socket or its
 * time, within [msg] busy_timeout of the first try; past it, 503 (an
 * insert in flight may still be committed: it was not acknowledged).
 */
static enum handler_step
wait_store(struct hreq *q, struct response *r, const struct store *s)
{
	int64_t limit = q->first_ms + (int64_t)q->conf->msg_busy_timeout;
	int64_t until = s->wait.until_ms < limit ? s->wait.until_ms : limit;

	if (date_mono_ms() >= limit)
		return busy(q, r);
	if (s->wait.fd >= 0)
		return handler_wait_fd(q, s->wait.fd, s->wait.events, until);
	return handler_wait_ms(q, until);
}

static enum handler_step
unavailable(struct hreq *q, struct response *r)
{
	resp_error_detail(r, HTTP_STATUS_SERVICE_UNAVAILABLE,
	    "The message board is unavailable.");
	return handler_answer(q, HTTP_STATUS_SERVICE_UNAVAILABLE);
}

/*
 * Stores a message (take) and says whether serve() goes on: 1 once it
 * is committed, or 0 with *step the handler's answer for now (wait for
 * the store, or the error in r).
 */
static int
took(struct msg *m, struct hreq *q, const char *raw, size_t len,
    struct response *r, enum handler_step *step)
{
	switch (take(m, q, raw, len, r)) {
	case TAKE_STORED:
		return 1;
	case TAKE_BUSY:
		*step = busy(q, r);
		return 0;
	case TAKE_WAIT:
		*step = wait_store(q, r, &m->store);
		return 0;
	case TAKE_REFUSED:
	default:
		*step = handler_answer(q, r->status);
		return 0;
	}
}

/*
 * GET shows the page (and, with ?message=, stores one first: the seed's
 * way); POST stores a form-encoded message and answers 303 to the page,
 * so a reload does not post again. A message is acknowledged only once
 * committed: while another connection holds a lock, or while the store
 * answers (a database's socket), this waits and is called again with the
 * same request (once the GET way's message is stored, a busy page is a
 * 303 instead, so it is not stored twice).
 */
static enum handler_step
serve(struct hreq *q, struct response *r)
{
	enum handler_step step;
	struct msg *m = q->kind_state;
	struct msg_wait *mw;
	const struct route *rt = q->route;
	const struct http_request *req = q->req;
	struct precond_state st;
	const char *raw, *why;
	size_t rlen;
	int status, stored;

	switch (msg_open(m)) {
	case 0:
		break;
	case STORE_BUSY:
		return busy(q, r);
	default:
		return unavailable(q, r);
	}
	stored = req->method == HTTP_METHOD_GET && req->query.p != NULL &&
	    uri_form_get(req->query.p, req->query.len, "message", &raw, &rlen);
	/*
	 * Another site's page may make its visitors' browsers post here (a
	 * form, an image whose URL carries a message), and a prefetcher may
	 * follow such a link: what the browser says refuses them.
	 */
	if ((req->method == HTTP_METHOD_POST || stored) &&
	    (why = xsite_refusal(req, req->https ? "https" : "http")) != NULL) {
		resp_error_detail(r, HTTP_STATUS_FORBIDDEN, why);
		return handler_answer(q, HTTP_STATUS_FORBIDDEN);
	}
	if (req->method == HTTP_METHOD_POST) {
		if (!form_type(&req->content_type))
			return handler_answer(q,
			    HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE);
		mw = q->state;
		status = mw != NULL && mw->ticket != 0
		    ? 0 /* held before its insert began */
		    : post_preconditions(m, rt, req, r);
		if (status == STORE_BUSY)
			return busy(q, r);
		if (status == STORE_WAIT)
			return wait_store(q, r, &m->store);
		if (status != 0)
			return handler_answer(q,
			    status == HTTP_STATUS_PRECONDITION_FAILED ? 0
								      : status);
		if (!uri_form_get(q->body, q->blen, "message", &raw, &rlen))
			rlen = 0, raw = "";
		if (!took(m, q, raw, rlen, r, &step))
			return step;
		r->location = rt->path;
		return handler_answer(q, HTTP_STATUS_SEE_OTHER);
	}
	mw = q->state;
	if (stored && (mw == NULL || !mw->stored)) {
		if (!took(m, q, raw, rlen, r, &step))
			return step;
		/* a page still to wait for must not store it again */
		if ((mw = wait_state(q)) != NULL)
			mw->stored = 1;
	}
	switch (render(m)) {
	case 0:
		break;
	case STORE_WAIT:
		if (!stored || mw != NULL)
			return wait_store(q, r, &m->store);
		/* FALLTHROUGH */
	case STORE_BUSY:
		/* a stored message must not be stored again by a retry */
		if (!stored)
			return busy(q, r);
		r->location = rt->path;
		return handler_answer(q, HTTP_STATUS_SEE_OTHER);
	default:
		return unavailable(q, r);
	}
	r->cache_control = "no-cache";
	page_validators(m, rt, r);
	st.etag = r->etag;
	st.last_modified = r->last_modified;
	st.exists = 1;
	/* after a GET that posted, the page is new whatever was asked */
	switch (stored ? 0 : precond_evaluate(req, &st)) {
	case HTTP_STATUS_NOT_MODIFIED:
		r->status = HTTP_STATUS_NOT_MODIFIED;
		r->no_body = 1;
		return handler_answer(q, 0);
	case HTTP_STATUS_PRECONDITION_FAILED:
		return handler_answer(q, precondition_failed(r));
	default:
		break;
	}
	r->content_type = "text/html; charset=utf-8";
	resp_body(r, rt->tmpl.text, rt->tmpl.head_len);
	resp_body(r, m->list.data, m->list.len);
	resp_body(r, rt->tmpl.text + rt->tmpl.tail_off,
	    rt->tmpl.len - rt->tmpl.tail_off);
	return handler_answer(q, 0);
}

/* Serves q; what it kept while waiting goes once it answers. */
static enum handler_step
msg_serve(struct hreq *q, struct response *r)
{
	enum handler_step step = serve(q, r);

	if (step == HANDLER_ANSWER) {
		free(q->state);
		q->state = NULL;
	}
	return step;
}

/* A request given up while it waited: its insert, if any, goes on. */
static void
msg_abandon(struct hreq *q)
{
	free(q->state);
	q->state = NULL;
}

/*
 * In the master: the route's template, a regular file below the root,
 * read and split at its placeholder.
 */
static int
msg_route_open(struct route *rt, int root_fd, const char *root, char *err,
    size_t errlen)
{
	struct stat st;
	char *text, path[PATH_MAX];
	size_t len;
	int fd, n;

	fd = route_open_arg(rt, root_fd, O_RDONLY | O_NONBLOCK, &st, err,
	    errlen);
	if (fd == -1)
		return -1;
	close(fd);
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		return -1;
	}
	n = snprintf(path, sizeof(path), "%s/%s", root, rt->arg);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    fsopen_read_all(path, &text, &len) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	n = html_template_parse(&rt->tmpl, text, len);
	free(text);
	if (n == -1) {
		snprintf(err, errlen,
		    "the template needs the placeholder %s exactly once",
		    HTML_PLACEHOLDER);
		return -1;
	}
	return 0;
}

/*
 * In the master: the store's schema, created or upgraded; a database of
 * a newer guad refuses the configuration.
 */
static int
msg_prepare(const struct conf *c, char *err, size_t len)
{
	char why[512];

	if (store_prepare(c, why, sizeof(why)) != STORE_NEWER)
		return 0;
	snprintf(err, len, "[msg] db: %s", why);
	return -1;
}

/*
 * A confined worker still reaches its store: what the backend says (an
 * SQLite database's folder, written; a PostgreSQL server's port and
 * password file).
 */
static int
msg_sandbox(const struct conf *c, const struct route *rt,
    struct sandbox_rules *sr)
{
	struct store_needs n;
	int rc = 0;

	(void)rt;
	if (store_needs(c->msg_db, &n) == -1)
		return -1;
	if (n.dir != NULL)
		rc = sandbox_allow_dir(sr, n.dir, n.dir_write,
		    "the message board cannot write there");
	if (rc == 0 && n.file != NULL)
		rc = sandbox_allow_file(sr, n.file);
	if (rc == 0 && n.port != 0)
		rc = sandbox_allow_port(sr, n.port);
	free(n.dir);
	free(n.file);
	return rc;
}

/* A worker's board: its store connection and rendered list. */
static int
msg_worker_init(const struct conf *c, void **state)
{
	struct msg *m;

	if ((m = malloc(sizeof(*m))) == NULL)
		return -1;
	if (msg_init(m, c) == -1) {
		msg_free(m);
		free(m);
		return -1;
	}
	*state = m;
	return 0;
}

static void
msg_worker_free(void *state)
{
	msg_free(state);
	free(state);
}

/* The message board page, at an exact path, from a template. */
/*
 * What a board's POST can use: the form with its message percent-encoded
 * (three bytes for each of max_length), the field's name, and room for a
 * few short fields a form may add (a button's name). A longer body could
 * only be refused, so it is refused before it is read.
 */
#define MSG_FORM_MAX(max_length) (3 * (max_length) + 1024)

static size_t
msg_body_max(const struct conf *c, const struct route *rt)
{
	size_t n = MSG_FORM_MAX(c->msg_max_length);

	(void)rt;
	return n < c->limits.body_size ? n : c->limits.body_size;
}

const struct handler handler_msg = {
	.name = "msg",
	.methods = HANDLER_METHOD(HTTP_METHOD_GET) |
	    HANDLER_METHOD(HTTP_METHOD_HEAD) | HANDLER_METHOD(HTTP_METHOD_POST),
	.allow = "GET, HEAD, POST, OPTIONS",
	.posts = 1,
	.open = msg_route_open,
	.prepare = msg_prepare,
	.sandbox = msg_sandbox,
	.init = msg_worker_init,
	.free = msg_worker_free,
	.serve = msg_serve,
	.abandon = msg_abandon,
	.body_max = msg_body_max,
};
