/* html.h: HTML escaping and the msg page template. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_HTML_H
#define GUAD_HTML_H

#include <stddef.h>

#include "buf.h"

#define HTML_PLACEHOLDER "{{messages}}"
/* html_escape writes at most this many bytes per byte ("&quot;"). */
#define HTML_ESCAPE_MAX 6

/* A template split at its one placeholder. */
struct html_template {
	char *text;
	size_t head_len; /* bytes before the placeholder */
	size_t tail_off; /* first byte after it */
	size_t len;
};

void html_escape(struct buf *, const char *, size_t);
int html_template_parse(struct html_template *, const char *, size_t);
void html_template_free(struct html_template *);

#endif
