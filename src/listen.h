/* listen.h: the listening sockets: bound by the master, or from systemd. */
/* SPDX-License-Identifier: ISC */
#ifndef GUAD_LISTEN_H
#define GUAD_LISTEN_H

#include <stddef.h>

struct conf;

#define LISTEN_MAX 16

int listen_open(const char *host, unsigned port, int v6only, int *fds,
    size_t *n, char *err, size_t errlen);
int listen_inherit(const struct conf *, int *fds, size_t *n, size_t *ntls,
    char *err, size_t errlen);
int listen_name(int fd, char *out, size_t len);
unsigned listen_port(int fd);
void listen_close(int *fds, size_t n);
void listen_announce(const int *fds, size_t n, size_t ntls);
int listen_same(const struct conf *, const struct conf *);
int listen_again(const struct conf *, const struct conf *, int inherited,
    size_t ntls, int *fds, size_t *n, size_t *nfds_tls, char *err,
    size_t errlen);
int listen_all(const struct conf *, int *fds, size_t *n, size_t *ntls,
    char *err, size_t errlen);

#endif
