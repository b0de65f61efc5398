/* priv.h: workers give up root; the master prepares what they will need. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_PRIV_H
#define GUAD_PRIV_H

#include <stddef.h>

struct conf;

int priv_check(const struct conf *, char *err, size_t len);
int priv_drop(const struct conf *);
void priv_own_files(const struct conf *, const char *path,
    const char *const *suffix);
void priv_fs_as_user(const struct conf *, int on);

#endif
