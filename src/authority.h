/* authority.h: host [":" port] as Host and absolute-form targets carry it. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_AUTHORITY_H
#define GUAD_AUTHORITY_H

#include <stddef.h>

#include "http.h"

enum authority_kind {
	AUTHORITY_REG_NAME, /* RFC 3986 reg-name, DNS names among them */
	AUTHORITY_IPV4,
	AUTHORITY_IPV6,	      /* "[" IPv6address "]" */
	AUTHORITY_IPV_FUTURE, /* "[v" ... "]" */
	AUTHORITY_KIND_COUNT
};

/* A parsed authority; the slices point into the parsed text. */
struct authority {
	enum authority_kind kind;
	struct http_slice host; /* with the brackets of an IP literal */
	struct http_slice port; /* its digits; p is NULL without a ':' */
	unsigned port_number;	/* 0 if absent or empty */
};

int authority_parse(const char *, size_t, struct authority *);
int authority_valid(const char *, size_t);
int authority_host_ok(const char *, size_t);
int authority_host_eq(const struct http_slice *, const char *name);
int authority_names_check(const char *value, char *why, size_t len);

#endif
