/* html.c: HTML escaping and the msg page template. */
/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "html.h"

/* Appends s to b with the five HTML metacharacters escaped. */
void
html_escape(struct buf *b, const char *s, size_t len)
{
	size_t i, run = 0;
	const char *rep;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '&':
			rep = "&amp;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		buf_add(b, s + run, i - run);
		buf_adds(b, rep);
		run = i + 1;
	}
	buf_add(b, s + run, len - run);
}

/*
 * Copies text and finds its placeholder, which must occur exactly once.
 * Returns 0, or -1 (placeholder missing or repeated, or out of memory).
 */
int
html_template_parse(struct html_template *t, const char *text, size_t len)
{
	const char *p, *q;
	size_t plen = sizeof(HTML_PLACEHOLDER) - 1;

	memset(t, 0, sizeof(*t));
	p = memmem(text, len, HTML_PLACEHOLDER, plen);
	if (p == NULL)
		return -1;
	q = memmem(p + plen, len - (size_t)(p - text) - plen, HTML_PLACEHOLDER,
	    plen);
	if (q != NULL)
		return -1;
	if ((t->text = malloc(len + 1)) == NULL)
		return -1;
	memcpy(t->text, text, len);
	t->text[len] = '\0';
	t->len = len;
	t->head_len = (size_t)(p - text);
	t->tail_off = t->head_len + plen;
	return 0;
}

void
html_template_free(struct html_template *t)
{
	free(t->text);
	memset(t, 0, sizeof(*t));
}
