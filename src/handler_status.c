/* handler_status.c: the status route: the workers, live, as HTML or JSON. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "allow.h"
#include "buf.h"
#include "conf.h"
#include "date.h"
#include "handler.h"
#include "handler_status.h"
#include "html.h"
#include "http.h"
#include "scoreboard.h"

/* The page asks to be fetched again this often. */
#define STATUS_REFRESH_S 5

/* What a worker keeps for the status and metrics routes. */
struct status_state {
	struct allow_net *allow;
	size_t nallow;
	struct scoreboard_view *view; /* taken for each request */
};

/*
 * Makes the per-worker state of the status and metrics routes: the
 * [status] allow blocks, parsed (checked when gua.ini was read), and room
 * for a copy of the scoreboard. 0, or -1.
 */
int
handler_status_init(const struct conf *c, void **state)
{
	struct status_state *s;
	size_t i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->allow = calloc(c->status_allow.n + 1, sizeof(*s->allow));
	s->view = malloc(sizeof(*s->view));
	if (s->allow == NULL || s->view == NULL) {
		handler_status_free(s);
		return -1;
	}
	for (i = 0; i < c->status_allow.n; i++)
		if (allow_parse(c->status_allow.v[i], &s->allow[s->nallow]) ==
		    0)
			s->nallow++;
	*state = s;
	return 0;
}

void
handler_status_free(void *state)
{
	struct status_state *s = state;

	if (s == NULL)
		return;
	free(s->allow);
	free(s->view);
	free(s);
}

/*
 * The part both routes share: 403 for a client not in [status] allow,
 * 503 without a scoreboard; else 0 with the scoreboard copied into the
 * state's view, which *v then points at.
 */
int
handler_status_read(struct hreq *q, const struct scoreboard_view **v)
{
	struct status_state *s = q->kind_state;
	const struct scoreboard *sb = scoreboard_get();

	if (s == NULL || !allow_match(s->allow, s->nallow, q->family, q->addr))
		return HTTP_STATUS_FORBIDDEN;
	if (sb == NULL || scoreboard_read(sb, s->view) == -1)
		return HTTP_STATUS_SERVICE_UNAVAILABLE;
	*v = s->view;
	return 0;
}

/* Appends p[0..len) as the inside of a JSON string. */
static void
json_str(struct buf *b, const char *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char ch;
	size_t i;

	for (i = 0; i < len; i++) {
		ch = (unsigned char)p[i];
		if (ch == '"' || ch == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)ch);
		} else if (ch < 0x20 || ch >= 0x7f) {
			/* a byte past ASCII as the Latin-1 character */
			BUF_ADDLIT(b, "\\u00");
			buf_addc(b, hex[ch >> 4]);
			buf_addc(b, hex[ch & 15]);
		} else
			buf_addc(b, (char)ch);
	}
}

/* Sums the requests of status class cls (1..5). */
static uint64_t
class_sum(const struct scoreboard_counters *c, int cls)
{
	uint64_t n = 0;
	size_t i, m;

	for (i = 0; i < SCOREBOARD_CODES; i++)
		if (scoreboard_code_class(i) == cls)
			for (m = 0; m < HTTP_METHOD_COUNT; m++)
				n += c->code[i][m];
	return n;
}

static void
json_counters(struct buf *b, const struct scoreboard_counters *c)
{
	int cls;

	buf_addf(b, "\"requests\":%llu,\"bytes\":%llu,\"status\":{",
	    (unsigned long long)c->requests, (unsigned long long)c->bytes);
	for (cls = 1; cls <= 5; cls++)
		buf_addf(b, "%s\"%dxx\":%llu", cls > 1 ? "," : "", cls,
		    (unsigned long long)class_sum(c, cls));
	buf_addc(b, '}');
}

/* The request a slot follows, or NULL; *ms: for how long. */
static const char *
in_progress(const struct scoreboard_view *v, const struct scoreboard_slot *s,
    int64_t *ms, const char **method)
{
	unsigned k = s->oldest_what & 1;

	if (s->oldest_since == 0)
		return NULL;
	*ms = v->now_ms - s->oldest_since;
	if (*ms < 0)
		*ms = 0;
	*method = http_method_names[s->method[k] % HTTP_METHOD_COUNT];
	return s->what[k];
}

static void
render_json(struct buf *b, const struct scoreboard_view *v)
{
	const struct scoreboard_master *m = &v->master;
	const struct scoreboard_slot *s;
	const char *path, *method;
	int64_t ms;
	size_t i, k, first = 1;

	buf_addf(b,
	    "{\"version\":\"%s\",\"pid\":%d,\"generation\":%u,"
	    "\"started\":%lld,\"uptime_seconds\":%lld,",
	    PACKAGE_VERSION, (int)m->pid, m->gen, (long long)m->started,
	    (long long)(date_now() - m->started));
	buf_addf(b,
	    "\"reloads\":{\"ok\":%llu,\"failed\":%llu,\"last_error\":\"",
	    (unsigned long long)m->reloads_ok,
	    (unsigned long long)m->reloads_failed);
	json_str(b, m->reload_error, strnlen(m->reload_error, SCOREBOARD_ERR));
	BUF_ADDLIT(b, "\"},\"restarts\":{");
	for (k = 0; k < SCOREBOARD_RESTART_COUNT; k++)
		buf_addf(b, "%s\"%s\":%llu", k ? "," : "",
		    scoreboard_restart_names[k],
		    (unsigned long long)m->restarts[k]);
	buf_addf(b, "},\"crash_loop_delays\":%llu,\"total\":{",
	    (unsigned long long)m->backoffs);
	json_counters(b, &v->total);
	BUF_ADDLIT(b, "},\"workers\":[");
	for (i = 0; i < v->nslots; i++) {
		s = &v->slots[i];
		if (s->state == SCOREBOARD_FREE)
			continue;
		buf_addf(b,
		    "%s{\"id\":%d,\"pid\":%d,\"generation\":%u,"
		    "\"state\":\"%s\",\"started\":%lld,",
		    first ? "" : ",", (int)s->id, (int)s->pid, s->gen,
		    scoreboard_state_names[s->state % SCOREBOARD_STATE_COUNT],
		    (long long)s->started);
		first = 0;
		json_counters(b, &s->c);
		BUF_ADDLIT(b, ",\"connections\":{");
		for (k = 1; k < SCOREBOARD_CONN_COUNT; k++)
			buf_addf(b, "%s\"%s\":%d", k > 1 ? "," : "",
			    scoreboard_conn_names[k], (int)s->conns[k]);
		BUF_ADDLIT(b, "},\"request\":");
		path = in_progress(v, s, &ms, &method);
		if (path == NULL)
			BUF_ADDLIT(b, "null}");
		else {
			buf_addf(b, "{\"method\":\"%s\",\"path\":\"", method);
			json_str(b, path, strnlen(path, SCOREBOARD_WHAT));
			buf_addf(b, "\",\"ms\":%lld}}", (long long)ms);
		}
	}
	BUF_ADDLIT(b, "]}\n");
}

/* "2026-12-03 10:14:30" of a wall-clock second. */
static void
html_time(struct buf *b, int64_t t)
{
	char s[32];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	if (strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm) > 0)
		buf_adds(b, s);
}

static void
render_html(struct buf *b, const struct scoreboard_view *v)
{
	const struct scoreboard_master *m = &v->master;
	const struct scoreboard_slot *s;
	const char *path, *method;
	int64_t ms;
	size_t i, k;
	int cls;

	buf_addf(b,
	    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<meta http-equiv=\"refresh\" content=\"%d\">\n"
	    "<title>Status - Gua</title>\n"
	    "<link rel=\"stylesheet\" href=\"/static/style.css\">\n"
	    "</head>\n<body class=\"status\">\n<h1>Status</h1>\n",
	    STATUS_REFRESH_S);
	buf_addf(b, "<p>guad %s, master %d, generation %u, up since ",
	    PACKAGE_VERSION, (int)m->pid, m->gen);
	html_time(b, m->started);
	buf_addf(b, " UTC. Reloads: %llu ok, %llu failed. Restarts: ",
	    (unsigned long long)m->reloads_ok,
	    (unsigned long long)m->reloads_failed);
	for (k = 0; k < SCOREBOARD_RESTART_COUNT; k++)
		buf_addf(b, "%s%llu %s", k ? ", " : "",
		    (unsigned long long)m->restarts[k],
		    scoreboard_restart_names[k]);
	buf_addf(b, " (crash-loop delays: %llu).</p>\n",
	    (unsigned long long)m->backoffs);
	if (m->reload_error[0] != '\0') {
		BUF_ADDLIT(b, "<p>Last failed reload: ");
		html_escape(b, m->reload_error,
		    strnlen(m->reload_error, SCOREBOARD_ERR));
		BUF_ADDLIT(b, "</p>\n");
	}
	buf_addf(b, "<p>Requests: %llu; bytes: %llu; by status:",
	    (unsigned long long)v->total.requests,
	    (unsigned long long)v->total.bytes);
	for (cls = 1; cls <= 5; cls++)
		buf_addf(b, " %dxx %llu", cls,
		    (unsigned long long)class_sum(&v->total, cls));
	BUF_ADDLIT(b,
	    ".</p>\n<table>\n<tr><th>worker</th><th>pid</th>"
	    "<th>gen.</th><th>state</th><th>started</th>"
	    "<th>requests</th><th>bytes</th><th>2xx/3xx/4xx/5xx</th>"
	    "<th>connections</th><th>in progress</th></tr>\n");
	for (i = 0; i < v->nslots; i++) {
		s = &v->slots[i];
		if (s->state == SCOREBOARD_FREE)
			continue;
		buf_addf(b,
		    "<tr><td>%d</td><td>%d</td><td>%u</td><td>%s</td><td>",
		    (int)s->id, (int)s->pid, s->gen,
		    scoreboard_state_names[s->state % SCOREBOARD_STATE_COUNT]);
		html_time(b, s->started);
		buf_addf(b,
		    "</td><td>%llu</td><td>%llu</td><td>%llu/%llu/%llu/"
		    "%llu</td><td>",
		    (unsigned long long)s->c.requests,
		    (unsigned long long)s->c.bytes,
		    (unsigned long long)class_sum(&s->c, 2),
		    (unsigned long long)class_sum(&s->c, 3),
		    (unsigned long long)class_sum(&s->c, 4),
		    (unsigned long long)class_sum(&s->c, 5));
		for (k = 1; k < SCOREBOARD_CONN_COUNT; k++)
			if (s->conns[k] != 0)
				buf_addf(b, "%s %d ", scoreboard_conn_names[k],
				    (int)s->conns[k]);
		BUF_ADDLIT(b, "</td><td>");
		if ((path = in_progress(v, s, &ms, &method)) != NULL) {
			buf_adds(b, method);
			buf_addc(b, ' ');
			html_escape(b, path, strnlen(path, SCOREBOARD_WHAT));
			buf_addf(b, " (%lld ms)", (long long)ms);
		}
		BUF_ADDLIT(b, "</td></tr>\n");
	}
	BUF_ADDLIT(b, "</table>\n</body>\n</html>\n");
}

/* Is [p, p+len) the media type application/json, case aside? */
static int
is_json(const char *p, size_t len)
{
	return len == 16 && http_token_eq(p, len, "application/json");
}

/* Do the parameters [p, end) of a media range say q=0 (not wanted)? */
static int
q_zero(const char *p, const char *end)
{
	const char *e;

	while (p != NULL && p < end) {
		p++; /* the ';' */
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if ((e = memchr(p, ';', (size_t)(end - p))) == NULL)
			e = end;
		if (e - p >= 2 && (*p == 'q' || *p == 'Q') && p[1] == '=') {
			for (p += 2; p < e && (*p == '0' || *p == '.'); p++)
				continue;
			while (p < e && (*p == ' ' || *p == '\t'))
				p++;
			return p == e;
		}
		p = e;
	}
	return 0;
}

/* Does one Accept value [v, e) take application/json? */
static int
accept_json(const char *v, const char *e)
{
	const char *t, *te, *semi, *me;

	for (t = v; t < e; t = te + 1) {
		if ((te = memchr(t, ',', (size_t)(e - t))) == NULL)
			te = e;
		while (t < te && (*t == ' ' || *t == '\t'))
			t++;
		for (semi = t; semi < te && *semi != ';'; semi++)
			continue;
		me = semi;
		if (semi == te)
			semi = NULL;
		while (me > t && (me[-1] == ' ' || me[-1] == '\t'))
			me--;
		if (is_json(t, (size_t)(me - t)) && !q_zero(semi, te))
			return 1;
	}
	return 0;
}

/* Does the Accept value v[0..len) take application/json (q above 0)? */
int
handler_status_accepts_json(const char *v, size_t len)
{
	return accept_json(v, v + len);
}

/*
 * Does the request's Accept take application/json (with a q above 0)?
 * The head was checked by the parser; its fields are read here as they
 * came, up to the empty line that ends it.
 */
int
handler_status_wants_json(const struct http_request *req)
{
	const char *p = req->line.p, *end = p + req->head_len, *nl, *e;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p = nl + 1;
		if (p >= end || *p == '\r' || *p == '\n')
			break;
		if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		if (e - p > 7 && http_token_eq(p, 6, "accept") && p[6] == ':' &&
		    accept_json(p + 7, e[-1] == '\r' ? e - 1 : e))
			return 1;
	}
	return 0;
}

static enum handler_step
status_serve(struct hreq *q, struct response *r)
{
	const struct scoreboard_view *v = NULL;
	struct buf *b = &q->scratch->page;
	int rc, json;

	if ((rc = handler_status_read(q, &v)) != 0)
		return handler_answer(q, rc);
	json = handler_status_wants_json(q->req);
	b->len = 0;
	b->failed = 0;
	if (json)
		render_json(b, v);
	else
		render_html(b, v);
	if (b->failed)
		return handler_answer(q, HTTP_STATUS_INTERNAL_SERVER_ERROR);
	r->status = HTTP_STATUS_OK;
	r->content_type =
	    json ? "application/json" : "text/html; charset=utf-8";
	/* the answer depends on Accept; nothing may keep it */
	r->cache_control = "no-store";
	resp_body(r, b->data, b->len);
	return handler_answer(q, 0);
}

/* GET /status: the workers, live; JSON for Accept: application/json. */
const struct handler handler_status = {
	.name = "status",
	.methods =
	    HANDLER_METHOD(HTTP_METHOD_GET) | HANDLER_METHOD(HTTP_METHOD_HEAD),
	.allow = "GET, HEAD, OPTIONS",
	.no_arg = 1,
	.init = handler_status_init,
	.free = handler_status_free,
	.serve = status_serve,
};
