/* access.h: access log lines, Combined Log Format or JSON. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_ACCESS_H
#define GUAD_ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* A line and what ends it always fit: see LOG_FIELD_MAX in access.c. */
#define ACCESS_LINE_MAX 4096

enum access_format {
	ACCESS_COMBINED, /* Combined Log Format and two fields */
	ACCESS_JSON,	 /* one JSON object per line */
	ACCESS_FORMAT_COUNT
};

extern const char *const access_format_names[ACCESS_FORMAT_COUNT];

int access_format_check(const char *value, char *why, size_t len);
enum access_format access_format_of(const char *name);

size_t
access_begin(char *line, enum access_format, int family, const uint8_t *addr,
    const struct http_request *, int status, size_t *split);
void access_end(enum access_format, const char *line, size_t len, size_t split,
    uint64_t bytes, uint64_t us, int reused, const char *tls);

#endif
