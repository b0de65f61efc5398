/* uri.h: percent-decoding (once), path normalisation, query and form fields. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_URI_H
#define GUAD_URI_H

#include <stddef.h>

struct buf;

int uri_path_decode(const char *, size_t, char *out, size_t *outlen);
int uri_form_decode(const char *, size_t, char *out, size_t *outlen);
int uri_form_get(const char *, size_t, const char *key, const char **val,
    size_t *vlen);
int uri_utf8_valid(const char *, size_t);
void uri_path_encode(struct buf *, const char *, size_t);

#endif
