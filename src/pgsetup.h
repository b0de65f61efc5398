/* pgsetup.h: PostgreSQL in the master: the URI checked, the schema made. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_PGSETUP_H
#define GUAD_PGSETUP_H

#include <stddef.h>

#include "store.h"

struct conf;

int pgsetup_claims(const char *db);
int pgsetup_check(const char *db, char *err, size_t len);
int pgsetup_prepare(const struct conf *, char *err, size_t len);
int pgsetup_probe(const struct conf *, char *msg, size_t len);
int pgsetup_needs(const char *db, struct store_needs *);
void pgsetup_label(const char *db, char *out, size_t len);
const char *pgsetup_oneline(const char *msg, char *buf, size_t len);

#endif
