/* handler_metrics.c: the metrics route: Prometheus text format 0.0.4. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdio.h>

#include "buf.h"
#include "handler.h"
#include "handler_status.h"
#include "http.h"
#include "scoreboard.h"

/* One metric's HELP and TYPE lines. */
static void
family(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A bound in microseconds as seconds: "0.0005", "2.5", "10". */
static void
seconds(struct buf *b, uint64_t us)
{
	char frac[8];
	int i;

	buf_addu(b, us / 1000000);
	if (us % 1000000 == 0)
		return;
	snprintf(frac, sizeof(frac), "%06llu",
	    (unsigned long long)(us % 1000000));
	for (i = 5; i > 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	buf_addc(b, '.');
	buf_adds(b, frac);
}

/*
 * A histogram from per-bucket counts (not summed) and a sum in
 * microseconds: cumulative buckets, +Inf, _sum and _count, the count
 * being the +Inf bucket's by construction.
 */
static void
histogram(struct buf *b, const char *name, const char *labels,
    const uint64_t *per_bucket, uint64_t sum_us)
{
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i <= SCOREBOARD_BUCKETS; i++) {
		cum += per_bucket[i];
		buf_addf(b, "%s_bucket{%s%sle=\"", name, labels,
		    *labels ? "," : "");
		if (i < SCOREBOARD_BUCKETS)
			seconds(b, scoreboard_bucket_us[i]);
		else
			BUF_ADDLIT(b, "+Inf");
		buf_addf(b, "\"} %llu\n", (unsigned long long)cum);
	}
	buf_addf(b, "%s_sum%s%s%s ", name, *labels ? "{" : "", labels,
	    *labels ? "}" : "");
	seconds(b, sum_us);
	buf_addf(b, "\n%s_count%s%s%s %llu\n", name, *labels ? "{" : "", labels,
	    *labels ? "}" : "", (unsigned long long)cum);
}

static void
render(struct buf *b, const struct scoreboard_view *v)
{
	const struct scoreboard_counters *t = &v->total;
	const struct scoreboard_master *m = &v->master;
	int64_t conns[SCOREBOARD_CONN_COUNT] = { 0 };
	int64_t workers[SCOREBOARD_STATE_COUNT] = { 0 };
	size_t i, j, k;
	int code;

	family(b, "guad_http_requests_total", "counter",
	    "HTTP responses sent, by status code and request method.");
	for (i = 0; i < SCOREBOARD_CODES; i++)
		for (j = 0; j < HTTP_METHOD_COUNT; j++) {
			if (t->code[i][j] == 0)
				continue;
			code = scoreboard_code(i);
			if (code < 10)
				buf_addf(b,
				    "guad_http_requests_total{code=\"%dxx\",",
				    code);
			else
				buf_addf(b,
				    "guad_http_requests_total{code=\"%d\",",
				    code);
			buf_addf(b, "method=\"%s\"} %llu\n",
			    http_method_names[j],
			    (unsigned long long)t->code[i][j]);
		}
	family(b, "guad_http_request_duration_seconds", "histogram",
	    "Time from the event loop turn that saw a request to the last "
	    "byte of its response sent.");
	histogram(b, "guad_http_request_duration_seconds", "", t->duration,
	    t->duration_us);
	family(b, "guad_http_response_bytes_total", "counter",
	    "Bytes of response bodies sent.");
	buf_addf(b, "guad_http_response_bytes_total %llu\n",
	    (unsigned long long)t->bytes);

	for (i = 0; i < v->nslots; i++) {
		if (v->slots[i].state == SCOREBOARD_FREE)
			continue;
		workers[v->slots[i].state % SCOREBOARD_STATE_COUNT]++;
		for (k = 1; k < SCOREBOARD_CONN_COUNT; k++)
			conns[k] += v->slots[i].conns[k];
	}
	family(b, "guad_connections", "gauge",
	    "Open client connections, by what they wait for.");
	for (k = 1; k < SCOREBOARD_CONN_COUNT; k++)
		buf_addf(b, "guad_connections{state=\"%s\"} %lld\n",
		    scoreboard_conn_names[k], (long long)conns[k]);
	family(b, "guad_workers", "gauge", "Worker processes, by state.");
	for (k = 1; k < SCOREBOARD_STATE_COUNT; k++)
		buf_addf(b, "guad_workers{state=\"%s\"} %lld\n",
		    scoreboard_state_names[k], (long long)workers[k]);

	family(b, "guad_reloads_total", "counter",
	    "Configuration reloads, by result.");
	buf_addf(b, "guad_reloads_total{result=\"ok\"} %llu\n",
	    (unsigned long long)m->reloads_ok);
	buf_addf(b, "guad_reloads_total{result=\"failed\"} %llu\n",
	    (unsigned long long)m->reloads_failed);
	family(b, "guad_worker_restarts_total", "counter",
	    "Workers replaced, by reason.");
	for (k = 0; k < SCOREBOARD_RESTART_COUNT; k++)
		buf_addf(b, "guad_worker_restarts_total{reason=\"%s\"} %llu\n",
		    scoreboard_restart_names[k],
		    (unsigned long long)m->restarts[k]);
	family(b, "guad_worker_crash_loop_delays_total", "counter",
	    "Worker starts put off because workers kept dying at start.");
	buf_addf(b, "guad_worker_crash_loop_delays_total %llu\n",
	    (unsigned long long)m->backoffs);

	family(b, "guad_msg_store_operations_total", "counter",
	    "Message store operations, by operation and result.");
	for (i = 0; i < SCOREBOARD_STORE_OP_COUNT; i++)
		for (j = 0; j < SCOREBOARD_STORE_RESULT_COUNT; j++)
			buf_addf(b,
			    "guad_msg_store_operations_total{op=\"%s\","
			    "result=\"%s\"} %llu\n",
			    scoreboard_store_op_names[i],
			    scoreboard_store_result_names[j],
			    (unsigned long long)t->store[i][j]);
	family(b, "guad_msg_store_duration_seconds", "histogram",
	    "Time a message store operation took.");
	histogram(b, "guad_msg_store_duration_seconds", "", t->store_duration,
	    t->store_us);

	family(b, "guad_start_time_seconds", "gauge",
	    "When the master started, in seconds since the epoch.");
	buf_addf(b, "guad_start_time_seconds %lld\n", (long long)m->started);
	family(b, "guad_build_info", "gauge", "The version of guad running.");
	buf_addf(b, "guad_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
}

static enum handler_step
metrics_serve(struct hreq *q, struct response *r)
{
	const struct scoreboard_view *v = NULL;
	struct buf *b = &q->scratch->page;
	int rc;

	if ((rc = handler_status_read(q, &v)) != 0)
		return handler_answer(q, rc);
	b->len = 0;
	b->failed = 0;
	render(b, v);
	if (b->failed)
		return handler_answer(q, HTTP_STATUS_INTERNAL_SERVER_ERROR);
	r->status = HTTP_STATUS_OK;
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
	r->cache_control = "no-store";
	resp_body(r, b->data, b->len);
	return handler_answer(q, 0);
}

/* GET /metrics: the scoreboard for Prometheus. */
const struct handler handler_metrics = {
	.name = "metrics",
	.methods =
	    HANDLER_METHOD(HTTP_METHOD_GET) | HANDLER_METHOD(HTTP_METHOD_HEAD),
	.allow = "GET, HEAD, OPTIONS",
	.no_arg = 1,
	.shares = &handler_status,
	.serve = metrics_serve,
};
