/*
 * fuzz_template.c: the msg page template, HTML escaping, one rendered
 * message and the decoding of a posted one, all on the input. The first
 * eight bytes, when there are eight, also give the message's time (see
 * created_of): mostly within what guad's clock stores, 1970 to 9999, but
 * also anything a foreign database may hold.
 */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <limits.h>
#include <time.h>

#include "buf.h"
#include "fuzz.h"
#include "html.h"
#include "http.h"
#include "msg.h"
#include "uri.h"

#define PH	HTML_PLACEHOLDER
#define PHLEN	(sizeof(HTML_PLACEHOLDER) - 1)
#define MSG_MAX 1000 /* gua.ini's default [msg] max_length */

static void
template_check(const char *in, size_t len)
{
	struct html_template t;
	const char *p;
	size_t n = 0, first = 0;
	int rc;

	for (p = in; (p = memmem(p, len - (size_t)(p - in), PH, PHLEN)) != NULL;
	     p += PHLEN)
		if (n++ == 0)
			first = (size_t)(p - in);
	rc = html_template_parse(&t, in, len);
	FUZZ_CHECK((rc == 0) == (n == 1));
	if (rc == 0) {
		FUZZ_CHECK(t.text != NULL && t.len == len);
		FUZZ_CHECK(memcmp(t.text, in, len) == 0 && t.text[len] == '\0');
		FUZZ_CHECK(t.head_len == first);
		FUZZ_CHECK(t.tail_off == first + PHLEN && t.tail_off <= len);
	} else
		FUZZ_CHECK(t.text == NULL);
	html_template_free(&t);
}

/* Undoes html_escape, checking that it left no metacharacter behind. */
static size_t
unescape(const char *s, size_t len, char *out)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {
		{ "&lt;", '<' },
		{ "&gt;", '>' },
		{ "&amp;", '&' },
		{ "&quot;", '"' },
		{ "&#39;", '\'' },
	};
	size_t i = 0, o = 0, k, el;

	while (i < len) {
		FUZZ_CHECK(
		    s[i] != '<' && s[i] != '>' && s[i] != '"' && s[i] != '\'');
		if (s[i] != '&') {
			out[o++] = s[i++];
			continue;
		}
		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
			el = strlen(ents[k].ent);
			if (len - i >= el &&
			    memcmp(s + i, ents[k].ent, el) == 0)
				break;
		}
		FUZZ_CHECK(k < sizeof(ents) / sizeof(ents[0]));
		out[o++] = ents[k].c;
		i += el;
	}
	return o;
}

/* Escapes into a page that has markup already, as static.c's listing. */
static void
escape_check(const char *in, size_t len)
{
	static const char pre[] = "<title>";
	struct buf b;
	char *back;
	size_t n;

	if (buf_init(&b, 0, (size_t)16 * 1024 * 1024) == -1)
		abort();
	buf_adds(&b, pre);
	html_escape(&b, in, len);
	FUZZ_CHECK(!b.failed && memcmp(b.data, pre, sizeof(pre) - 1) == 0);
	n = b.len - (sizeof(pre) - 1);
	FUZZ_CHECK(n >= len && n <= len * 6);
	if ((back = malloc(len + 1)) == NULL)
		abort();
	FUZZ_CHECK(unescape(b.data + sizeof(pre) - 1, n, back) == len);
	FUZZ_CHECK(memcmp(back, in, len) == 0);
	free(back);
	buf_free(&b);
}

/*
 * What an item starts with: its time, as gmtime_r has it, in the
 * datetime attribute and for people; "(unknown time)" when gmtime_r
 * fails or the year does not fit in an int.
 */
static void
time_head(char *out, size_t size, int64_t created)
{
	struct tm tm;
	time_t t = (time_t)created;
	long long y;
	int n;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year > INT_MAX - 1900) {
		n = snprintf(out, size,
		    "<li><time datetime=\"\">"
		    "(unknown time)</time> <span class=\"text\">");
	} else {
		y = (long long)tm.tm_year + 1900;
		n = snprintf(out, size,
		    "<li><time datetime=\""
		    "%lld-%02d-%02dT%02d:%02d:%02dZ\">"
		    "%lld-%02d-%02d %02d:%02d:%02d UTC</time> "
		    "<span class=\"text\">",
		    y, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec, y, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	}
	if (n < 0 || (size_t)n >= size)
		abort();
}

static void
render_check(int64_t created, const char *in, size_t len)
{
	static const char tail[] = "</span></li>\n";
	struct buf b, esc;
	char head[256];
	size_t hlen;

	/* as msg.c's list: room from the start */
	if (buf_init(&b, 4096, (size_t)16 * 1024 * 1024) == -1 ||
	    buf_init(&esc, 4096, (size_t)16 * 1024 * 1024) == -1)
		abort();
	msg_render_item(&b, created, in, len);
	html_escape(&esc, in, len);
	time_head(head, sizeof(head), created);
	hlen = strlen(head);
	/* the time, the escaped text, the end of the item, nothing else */
	FUZZ_CHECK(!b.failed && b.len == hlen + esc.len + sizeof(tail) - 1);
	FUZZ_CHECK(memcmp(b.data, head, hlen) == 0);
	FUZZ_CHECK(memcmp(b.data + b.len - (sizeof(tail) - 1) - esc.len,
		       esc.data, esc.len) == 0);
	FUZZ_CHECK(memcmp(b.data + b.len - (sizeof(tail) - 1), tail,
		       sizeof(tail) - 1) == 0);
	buf_free(&b);
	buf_free(&esc);
}

static void
decode_check(const char *in, size_t len)
{
	char *out = malloc(len + 1), *form = malloc(len + 1);
	const char *why = NULL;
	size_t n = 0, fn = 0;
	int rc, frc;

	if (out == NULL || form == NULL)
		abort();
	rc = msg_decode(in, len, MSG_MAX, out, &n, &why);
	frc = uri_form_decode(in, len, form, &fn);
	if (rc == 0) {
		FUZZ_CHECK(frc == 0 && n == fn && memcmp(out, form, n) == 0);
		FUZZ_CHECK(n > 0 && n <= MSG_MAX);
	} else {
		FUZZ_CHECK(why != NULL && *why != '\0');
		FUZZ_CHECK(rc ==
		    (frc == 0 && fn > MSG_MAX ? HTTP_STATUS_CONTENT_TOO_LARGE
					      : HTTP_STATUS_BAD_REQUEST));
	}
	free(out);
	free(form);
}

/*
 * The message's time from the first eight bytes, little-endian. When
 * the last of them is 0x00, 0x7f, 0x80 or 0xff, the time is the signed
 * number they make: within 2^56 s of the epoch either way (past the years
 * struct tm holds, at about 2^55.9) or near either end of int64_t, as a
 * foreign database may hold. Otherwise (text, mostly) it is brought into
 * 1970..9999, what guad's own clock stores. No eight bytes: 2023.
 */
static int64_t
created_of(const uint8_t *data, size_t size)
{
	uint64_t u = 0;
	int64_t t;
	size_t i;

	if (size < 8)
		return 1700000000;
	for (i = 8; i-- > 0;)
		u = u << 8 | data[i];
	if (data[7] != 0x00 && data[7] != 0x7f && data[7] != 0x80 &&
	    data[7] != 0xff)
		return (int64_t)(u % 253402300800); /* to 9999-12-31 */
	memcpy(&t, &u, sizeof(t));
	return t;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_dup(data, size);
	int64_t created = created_of(data, size);

	template_check(in, size);
	escape_check(in, size);
	render_check(created, in, size);
	decode_check(in, size);
	free(in);
	return 0;
}
