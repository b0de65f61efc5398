/* access.c: access log lines, Combined Log Format or JSON. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "buf.h"
#include "date.h"
#include "hex.h"
#include "log.h"

/*
 * Bytes one field of a line may take once escaped: three of them and
 * the rest of a line always fit in ACCESS_LINE_MAX.
 */
#define LOG_FIELD_MAX 1024

const char *const access_format_names[ACCESS_FORMAT_COUNT] = {
	[ACCESS_COMBINED] = "combined",
	[ACCESS_JSON] = "json",
};

/* [server] access_log_format: 0, or -1 and why. */
int
access_format_check(const char *value, char *why, size_t len)
{
	if (strcmp(value, "combined") == 0 || strcmp(value, "json") == 0)
		return 0;
	snprintf(why, len, "must be combined or json, not \"%s\"", value);
	return -1;
}

/* The format a checked [server] access_log_format names. */
enum access_format
access_format_of(const char *name)
{
	return name != NULL && strcmp(name, "json") == 0 ? ACCESS_JSON
							 : ACCESS_COMBINED;
}

/* What byte ch takes: itself, or \xHH (combined) or \u00HH (JSON). */
static size_t
width(unsigned char ch, enum access_format f)
{
	if (ch < 0x20 || ch >= 0x7f)
		return f == ACCESS_JSON ? 6 : 4;
	if (ch == '"' || ch == '\\')
		return f == ACCESS_JSON ? 2 : 4;
	return 1;
}

/*
 * Appends p[0..len) escaped: in JSON a string without its quotes, bytes
 * past ASCII as \u00HH (the byte, as Latin-1: the line stays valid JSON
 * whatever the client sent). A field that would take more than
 * LOG_FIELD_MAX bytes is cut at a whole byte and ends with "...".
 */
static void
field(struct buf *b, const char *p, size_t len, enum access_format f)
{
	size_t i, w = 0, room = LOG_FIELD_MAX, n;
	unsigned char ch;

	if (p == NULL || len == 0) {
		if (f == ACCESS_COMBINED)
			buf_addc(b, '-');
		return;
	}
	for (i = 0; i < len && w <= LOG_FIELD_MAX; i++)
		w += width((unsigned char)p[i], f);
	if (w > LOG_FIELD_MAX)
		room -= 3;
	for (i = 0, w = 0; i < len; i++) {
		ch = (unsigned char)p[i];
		n = width(ch, f);
		if ((w += n) > room)
			break;
		if (n == 1)
			buf_addc(b, (char)ch);
		else if (n == 2) {
			buf_addc(b, '\\');
			buf_addc(b, (char)ch);
		} else {
			if (f == ACCESS_JSON)
				BUF_ADDLIT(b, "\\u00");
			else
				BUF_ADDLIT(b, "\\x");
			buf_addc(b, hex_lower[ch >> 4]);
			buf_addc(b, hex_lower[ch & 15]);
		}
	}
	if (i < len)
		BUF_ADDLIT(b, "...");
}

/* "2026-12-03T10:14:30Z", formatted once a second. */
static const char *
iso_time(void)
{
	static char s[32];
	static time_t shown = -1;
	time_t now = date_now();
	struct tm tm;

	if (now != shown) {
		gmtime_r(&now, &tm);
		if (strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			strcpy(s, "-");
		shown = now;
	}
	return s;
}

/*
 * Formats into line all of an access log line that is known when the
 * response is queued; *split is where access_end puts the bytes sent.
 * Returns the length, or 0 if it did not fit (it always should).
 */
size_t
access_begin(char *line, enum access_format f, int family, const uint8_t *addr,
    const struct http_request *req, int status, size_t *split)
{
	struct buf b = { line, 0, ACCESS_LINE_MAX, ACCESS_LINE_MAX, 0 };
	char a[INET6_ADDRSTRLEN];

	if (family == 0 || inet_ntop(family, addr, a, sizeof(a)) == NULL)
		strcpy(a, "-");
	if (f == ACCESS_JSON) {
		BUF_ADDLIT(&b, "{\"time\":\"");
		buf_adds(&b, iso_time());
		BUF_ADDLIT(&b, "\",\"remote_addr\":\"");
		buf_adds(&b, a);
		BUF_ADDLIT(&b, "\",\"request\":\"");
		field(&b, req->line.p, req->line.len, f);
		BUF_ADDLIT(&b, "\",\"status\":");
		buf_addu(&b, (uint64_t)status);
		BUF_ADDLIT(&b, ",\"bytes\":");
		*split = b.len;
		BUF_ADDLIT(&b, ",\"referer\":\"");
		field(&b, req->referer.p, req->referer.len, f);
		BUF_ADDLIT(&b, "\",\"user_agent\":\"");
		field(&b, req->user_agent.p, req->user_agent.len, f);
		buf_addc(&b, '"');
	} else {
		buf_adds(&b, a);
		BUF_ADDLIT(&b, " - - [");
		buf_add(&b, date_clf(), DATE_CLF_LEN);
		BUF_ADDLIT(&b, "] \"");
		field(&b, req->line.p, req->line.len, f);
		BUF_ADDLIT(&b, "\" ");
		buf_addu(&b, (uint64_t)status);
		buf_addc(&b, ' ');
		*split = b.len;
		BUF_ADDLIT(&b, " \"");
		field(&b, req->referer.p, req->referer.len, f);
		BUF_ADDLIT(&b, "\" \"");
		field(&b, req->user_agent.p, req->user_agent.len, f);
		buf_addc(&b, '"');
	}
	return b.failed ? 0 : b.len;
}

/*
 * Writes the line access_begin made, once the response is over: the
 * bytes sent, the request time in microseconds, whether the
 * connection had served a request before, and for a TLS connection its
 * protocol version (tls, NULL: plain). One write(2).
 */
void
access_end(enum access_format f, const char *line, size_t len, size_t split,
    uint64_t bytes, uint64_t us, int reused, const char *tls)
{
	char out[ACCESS_LINE_MAX + 128];
	struct buf b = { out, 0, sizeof(out), sizeof(out), 0 };

	buf_add(&b, line, split);
	if (bytes == 0 && f == ACCESS_COMBINED)
		buf_addc(&b, '-');
	else
		buf_addu(&b, bytes);
	buf_add(&b, line + split, len - split);
	if (f == ACCESS_JSON) {
		BUF_ADDLIT(&b, ",\"request_time_us\":");
		buf_addu(&b, us);
		if (reused)
			BUF_ADDLIT(&b, ",\"connection_reused\":true");
		else
			BUF_ADDLIT(&b, ",\"connection_reused\":false");
		if (tls != NULL) {
			BUF_ADDLIT(&b, ",\"tls\":\"");
			buf_adds(&b, tls);
			buf_addc(&b, '"');
		}
		BUF_ADDLIT(&b, "}\n");
	} else {
		buf_addc(&b, ' ');
		buf_addu(&b, us);
		if (reused)
			BUF_ADDLIT(&b, " reused");
		else
			BUF_ADDLIT(&b, " new");
		if (tls != NULL) {
			buf_addc(&b, ' ');
			buf_adds(&b, tls);
		}
		buf_addc(&b, '\n');
	}
	if (!b.failed)
		log_access(out, b.len);
}
