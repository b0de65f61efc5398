/* https.h: what plain HTTP says about HTTPS: the redirect, and HSTS. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_HTTPS_H
#define GUAD_HTTPS_H

#include <stddef.h>

struct hreq;
struct response;

int https_hsts_check(const char *value, char *why, size_t len);
int https_redirect(struct hreq *, struct response *, unsigned port);

#endif
