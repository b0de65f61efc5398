/* user.h: [server] user and group, names to ids while /etc can be read. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_USER_H
#define GUAD_USER_H

#include <sys/types.h>

#include <stddef.h>

int user_resolve(const char *user, const char *group, uid_t *, gid_t *,
    const char **bad, char *err, size_t errlen);

#endif
