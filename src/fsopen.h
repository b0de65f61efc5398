/* fsopen.h: opening paths that the kernel keeps below a directory. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_FSOPEN_H
#define GUAD_FSOPEN_H

#include <sys/types.h>

#include <stddef.h>

#include <stddef.h>

int fsopen_beneath(int dirfd, const char *path, int flags);
int fsopen_probe(void);
const char *fsopen_mode(void);
int fsopen_read_all(const char *path, char **out, size_t *outlen);
ssize_t fsopen_fd_path(int fd, char *buf, size_t size);

#endif
