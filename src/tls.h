/* tls.h: HTTPS: the TLS transport (OpenSSL 3) and its one context. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_TLS_H
#define GUAD_TLS_H

#include <stddef.h>

#include "transport.h"

struct conf;

/* Which [tls] key an error from tls_ctx_build is about. */
enum tls_key {
	TLS_KEY_PORT,
	TLS_KEY_CERTIFICATE,
	TLS_KEY_KEY,
	TLS_KEY_PROTOCOLS,
	TLS_KEY_SNI,
	TLS_KEY_COUNT
};

extern const struct transport_ops transport_tls;
extern const struct transport_ops transport_tls_ktls;

int tls_protocols_parse(const char *, int *min, int *max);
int tls_protocols_check(const char *, char *why, size_t len);
void *
tls_ctx_build(const struct conf *, char *err, size_t errlen, enum tls_key *bad);
void tls_ctx_free(void *);
int tls_tickets_rotate(void);
void tls_keys_check(const struct conf *);
int tls_open(struct transport *, void *ctxs);
const char *tls_version(const struct transport *);

#endif
